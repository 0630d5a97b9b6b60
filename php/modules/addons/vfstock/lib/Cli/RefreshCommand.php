<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\State;

/**
 * `vfstock refresh [--dry-run] [--product <id>]...`: recalculate now, as
 * the triggers do but without their rate limits and with cached panel data
 * forgotten; the table says what changed and what binds. Exit 1 when a
 * product was left untouched, zeroed, or had no usable panel.
 */
final class RefreshCommand extends Command
{
    public const NAME = 'refresh';

    public const OPTIONS = ['--dry-run' => 'flag', '--product' => 'value'];

    protected const OPERAND_HINT = ': limit it with --product <id>';

    public function needsExtension(): ?string
    {
        return 'refresh';
    }

    public function run(): int
    {
        $ids = [];
        foreach ($this->input->values('--product') as $value) {
            foreach (explode(',', $value) as $part) {
                $ids[] = self::productId($part);
            }
        }
        $ids = array_values(array_unique($ids));
        $this->console->connect();
        if ($ids !== []) {
            $known = array_map('intval', Capsule::table('tblproducts')->whereIn('id', $ids)->pluck('id')->all());
            $unknown = array_values(array_diff($ids, $known));
            if ($unknown !== []) {
                throw new CliError(
                    'bad product id ' . implode(', ', $unknown) . ': no such product in tblproducts',
                    Application::USAGE
                );
            }
        }
        $dryRun = $this->input->flag('--dry-run');
        $what = $ids === [] ? 'every product' : 'product' . (count($ids) === 1 ? ' ' : 's ') . implode(', ', $ids);
        $run = Recalculation::run($this->console, $ids === [] ? null : $ids, $dryRun, $what);
        $result = $run['result'];
        $noPanel = $run['noPanel'];

        $names = Capsule::table('tblproducts')
            ->whereIn('id', array_merge($noPanel, array_map('intval', array_keys($result['products'] ?? []))))
            ->pluck('name', 'id')
            ->all();
        $lines = [];
        $counts = array_fill_keys(StatusCommand::STATUSES, 0);
        $zeroed = [];
        foreach ($result['products'] ?? [] as $pid => $line) {
            $line = is_array($line) ? $line : [];
            $status = (string) ($line['status'] ?? '');
            $counts[$status] = ($counts[$status] ?? 0) + 1;
            $why = State::zeroed($status, $line['package'] ?? null);
            if ($why !== null) {
                $zeroed[] = (int) $pid;
            }
            $lines[] = [
                'id' => (int) $pid,
                'name' => (string) ($names[$pid] ?? ''),
                'previous' => $line['previous'] ?? null,
                'qty' => $line['qty'] ?? null,
                'status' => $status,
                'reason' => $line['reason'] ?? null,
                'boundBy' => Breakdown::boundBy(Stored::resultGroups($line)),
                'packageStatus' => $line['package'] ?? null,
                'zeroed' => $why !== null,
            ];
        }
        $stats = is_array($result['stats'] ?? null) ? $result['stats'] : [];
        $summary = Refresher::summary($result) . ($dryRun ? ' Dry run: nothing was written.' : '');
        $code = $counts['untouched'] > 0 || $zeroed !== [] || $noPanel !== [] ? Application::FAILED : Application::OK;
        if ($this->console->json) {
            return $this->console->emit(['command' => self::NAME, 'dryRun' => $dryRun, 'products' => $lines,
                'counts' => $counts, 'summary' => $summary, 'stats' => $stats,
                'warnings' => ['zeroed' => $zeroed, 'noPanel' => $noPanel]], $code);
        }
        $text = self::changes($lines, $dryRun) . "\n" . $summary . sprintf(
            " %d panel request%s in %d ms.\n",
            (int) ($stats['requests'] ?? 0),
            (int) ($stats['requests'] ?? 0) === 1 ? '' : 's',
            (int) round((float) ($stats['elapsedMs'] ?? 0))
        );
        foreach ($lines as $l) {
            if ($l['zeroed']) {
                $text .= self::wrap("WARNING: {$l['name']} (#{$l['id']}) " . ($dryRun ? 'would be' : 'is')
                    . ' ZEROED: ' . State::zeroedBecause($l['packageStatus']) . '. It is off sale (qty 0) until the'
                    . ' package exists and is enabled again, or the product uses another one.');
            }
        }
        if ($noPanel !== []) {
            $who = array_map(static fn (int $id): string => ($names[$id] ?? '?') . " (#{$id})", $noPanel);
            $text .= self::wrap('NOT REFRESHED: ' . implode(', ', $who) . ': no enabled VirtFusionDirect server with'
                . ' a hostname and an API token in the product\'s server group (else in Setup > Servers).');
        }
        $this->console->write($text);

        return $code;
    }

    /**
     * The refresh table: before and after, status, what binds, why.
     *
     * @param list<array<string, mixed>> $lines id, name, previous, qty, status, reason, boundBy, zeroed
     */
    public static function changes(array $lines, bool $dryRun = false): string
    {
        $rows = [];
        foreach ($lines as $l) {
            $after = $l['qty'] ?? null;
            $rows[] = [
                $l['id'], $l['name'], $l['previous'] ?? '', $after ?? ($l['previous'] ?? ''),
                $l['status'] . (!empty($l['zeroed']) ? ': ZEROED' : ''), $l['boundBy'] ?? '', $l['reason'] ?? '',
            ];
        }

        return TextTable::render(
            ['ID', 'Product', 'Before', $dryRun ? 'Would be' : 'After', 'Status', 'Bound by', 'Reason'],
            $rows,
            [0, 2, 3]
        );
    }
}
