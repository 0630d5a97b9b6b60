<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\Figure;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

/**
 * `vfstock status`: every managed product with its qty and last result,
 * each Location's own fits and what binds it — from the stored state, the
 * panel is not asked. A product zeroed because its package is gone or
 * disabled is a warning, never a success; a stale one is flagged; both,
 * and an untouched one, make the exit code 1.
 */
final class StatusCommand extends Command
{
    public const NAME = 'status';

    public const STATUSES = ['updated', 'unchanged', 'untouched', 'skipped'];

    public function run(): int
    {
        $this->console->connect();
        $settings = Settings::load();
        $stored = new Stored();
        $now = time();
        $lines = [];
        $counts = array_fill_keys(self::STATUSES, 0) + ['never checked' => 0];
        $warnings = ['zeroed' => 0, 'stale' => 0];
        foreach (State::products() as $view) {
            $line = self::line($view, $stored->groups($view), $settings, $now);
            $counts[$line['status'] ?? 'never checked'] = ($counts[$line['status'] ?? 'never checked'] ?? 0) + 1;
            $warnings['zeroed'] += $line['zeroed'] ? 1 : 0;
            $warnings['stale'] += $line['stale'] ? 1 : 0;
            $lines[] = $line;
        }
        $summary = self::counted(count($lines), $counts);
        $code = $counts['untouched'] > 0 || $warnings['zeroed'] > 0 ? Application::FAILED : Application::OK;
        if ($this->console->json) {
            return $this->console->emit(['command' => self::NAME, 'products' => $lines, 'counts' => $counts,
                'warnings' => $warnings, 'summary' => $summary], $code);
        }
        if ($lines === []) {
            $this->console->write('No stock-controlled VirtFusion product (' . $this->console->describe() . ").\n"
                . "Turn on Stock Control on a VirtFusionDirect product (Products/Services > Details).\n");

            return Application::OK;
        }
        $this->console->write('Stock-controlled VirtFusion products (' . $this->console->describe() . "):\n\n"
            . self::table($lines) . "\n" . $summary . "\n"
            . self::warnings($lines, $settings)
            . "`vfstock explain <id>` says why a product shows its qty.\n");

        return $code;
    }

    /**
     * One product's line, from its stored view.
     *
     * @param array<string, mixed> $view State::products()'s
     * @param array<int, array<string, mixed>> $groups its groups with their hypervisor rows (Stored)
     * @return array<string, mixed>
     */
    public static function line(array $view, array $groups, Settings $settings, ?int $now = null): array
    {
        $zeroed = State::zeroed($view['status'], $view['packageStatus']);
        $stale = State::stale($view, $settings->staleHours(), $now);
        $perGroup = [];
        foreach ($groups as $gid => $group) {
            $perGroup[] = [
                'id' => (int) $gid,
                'label' => $group['label'] ?? null,
                'status' => (string) ($group['status'] ?? ''),
                'fits' => $group['fits'] ?? null,
                'unbounded' => !empty($group['unbounded']),
                'reserved' => (int) ($group['reserved'] ?? 0),
                'unplaced' => (int) ($group['unplaced'] ?? 0),
            ];
        }

        return [
            'id' => $view['id'],
            'name' => $view['name'],
            'qty' => $view['qty'],
            'status' => $view['status'],
            'reason' => $view['reason'],
            'checkedAt' => $view['checkedAt'],
            'boundBy' => $view['checked'] ? Breakdown::boundBy($groups) : null,
            'packageStatus' => $view['packageStatus'],
            'zeroed' => $zeroed !== null,
            'stale' => $stale,
            'warning' => $zeroed !== null ? 'zeroed: ' . $zeroed : ($stale ? 'stale: not recalculated for more than '
                . self::hours($settings->staleHours()) . ', the panel cannot be read' : null),
            'groups' => $perGroup,
            'perLocation' => Breakdown::perLocation($groups),
        ];
    }

    /**
     * The status table.
     *
     * @param list<array<string, mixed>> $lines
     */
    public static function table(array $lines): string
    {
        $rows = array_map(static fn (array $l): array => [
            $l['id'], $l['name'], $l['qty'], self::result($l), self::when($l['checkedAt']), $l['perLocation'],
            $l['boundBy'] ?? '', $l['reason'] ?? '',
        ], $lines);

        return TextTable::render(
            ['ID', 'Product', 'Qty', 'Last result', 'Checked', 'Per Location', 'Bound by', 'Reason'],
            $rows,
            [0, 2]
        );
    }

    /** @param array<string, mixed> $line "updated", "updated: ZEROED", "untouched: STALE", "never checked" */
    private static function result(array $line): string
    {
        return ($line['status'] ?? 'never checked')
            . ($line['zeroed'] ? ': ZEROED' : '') . ($line['stale'] ? ': STALE' : '');
    }

    /**
     * What needs the operator's attention, in words (empty when nothing does).
     *
     * @param list<array<string, mixed>> $lines
     */
    private static function warnings(array $lines, Settings $settings): string
    {
        $text = '';
        foreach ($lines as $l) {
            $who = "{$l['name']} (#{$l['id']})";
            if ($l['zeroed']) {
                $text .= self::wrap("WARNING: {$who} is ZEROED: " . State::zeroedBecause($l['packageStatus'])
                    . '. It is off sale (qty 0) until the package exists and is enabled again, or the product'
                    . ' uses another one (Products/Services > Module Settings).');
            }
            if ($l['stale']) {
                $since = $l['checkedAt'] === null ? '' : ' (last tried ' . self::when($l['checkedAt']) . ')';
                $text .= self::wrap("STALE: {$who} has not been recalculated for more than "
                    . self::hours($settings->staleHours()) . ": the panel cannot be read{$since}. Its qty is kept"
                    . ' as it was; `vfstock check` tests the connection.');
            }
        }

        return $text;
    }

    private static function hours(float $hours): string
    {
        $shown = Figure::short($hours);

        return $shown . ($shown === '1' ? ' hour' : ' hours');
    }
}
