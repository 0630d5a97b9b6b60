<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Database;
use WHMCS\Module\Addon\VfStock\Figure;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

/**
 * `vfstock explain <id> [--live]`: why a product shows the qty it shows —
 * each Location's own fits, every hypervisor's axes, the IPv4 cap, the
 * pending orders set aside — from its last stored result, or with --live
 * recalculated now without writing anything (so it says what qty *would
 * be*).
 */
final class ExplainCommand extends Command
{
    public const NAME = 'explain';

    public const OPTIONS = ['--live' => 'flag'];

    public const OPERANDS = 1;

    public static function checkOperands(array $operands): void
    {
        if (count($operands) !== 1) {
            throw new CliError('explain needs one product id, e.g. `vfstock explain 3`', Application::USAGE);
        }
    }

    public function needsExtension(): ?string
    {
        return $this->live() ? 'explain --live' : null;
    }

    private function live(): bool
    {
        return $this->input->flag('--live');
    }

    public function run(): int
    {
        $id = self::productId($this->input->operands[0]);
        $this->console->connect();
        $product = Capsule::table('tblproducts')->where('id', $id)
            ->first(['id', 'name', 'qty', 'servertype', 'stockcontrol', 'configoption7']);
        if ($product === null) {
            throw new CliError(
                "bad product id {$id}: there is no product #{$id} in tblproducts",
                Application::USAGE
            );
        }
        $settings = Settings::load();
        $view = State::product($id);
        $live = $this->live();
        $head = [
            'id' => $id,
            'name' => (string) $product->name,
            'qty' => (int) $product->qty,
            'managed' => $view !== null,
        ];
        if ($view === null || (!$live && !$view['checked'])) {
            $message = $view === null
                ? "Product #{$id} {$head['name']} is not managed by vfstock: " . self::unmanaged($product) . '.'
                : "Product #{$id} {$head['name']} (qty {$head['qty']}) has never been checked by vfstock. Run"
                    . " `vfstock refresh --product {$id}`, or `vfstock explain {$id} --live`.";
            if ($this->console->json) {
                return $this->console->emit(['command' => self::NAME, 'product' => $head, 'result' => null,
                    'groups' => [], 'locations' => [], 'explanation' => $message], Application::FAILED);
            }
            $this->console->write(self::wrap($message));

            return Application::FAILED;
        }

        $result = $live ? $this->recalculated($id) : self::stored($view);
        $own = Database::hasOwnBuffer($product->configoption7);
        $head += [
            'packageId' => $result['packageId'],
            'packageStatus' => $result['packageStatus'],
            'buffer' => $result['buffer'],
            'bufferSource' => $own ? 'the product\'s own setting (configoption7)'
                : 'the addon\'s setting (the product\'s own, configoption7, is blank)',
            'ipv4PerVps' => $result['ipv4'],
        ];
        $default = $view['defaultGroup'];
        $groups = $result['groups'];
        $zeroed = State::zeroed($result['status'], $result['packageStatus']);
        $stale = !$live && State::stale($view, $settings->staleHours());
        $why = Breakdown::why($result['qty'], $result['status'], $result['reason'], $groups, $default, $live);
        $locations = self::locations($result['locations'], $groups, $default);
        $lines = [];
        foreach ($groups as $gid => $group) {
            $lines[] = [
                'id' => (int) $gid,
                'label' => $group['label'] ?? null,
                'default' => $gid === $default,
                'status' => (string) ($group['status'] ?? ''),
                'fits' => $group['fits'] ?? null,
                'unbounded' => !empty($group['unbounded']),
                'sum' => $group['sum'] ?? null,
                'ipv4Cap' => $group['ipv4Cap'] ?? null,
                'ipv4Free' => $group['ipv4Free'] ?? null,
                'ipv4Binds' => State::ipv4Binds($group),
                'reserved' => (int) ($group['reserved'] ?? 0),
                'unplaced' => (int) ($group['unplaced'] ?? 0),
                'explanation' => Breakdown::group((int) $gid, $group, $default, $result['ipv4']),
                'hypervisors' => array_values(array_filter(
                    is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [],
                    'is_array'
                )),
            ];
        }
        if ($this->console->json) {
            return $this->console->emit([
                'command' => self::NAME,
                'product' => $head,
                'result' => [
                    'live' => $live,
                    'written' => !$live,
                    'qty' => $result['qty'],
                    'previous' => $result['previous'],
                    'status' => $result['status'],
                    'reason' => $result['reason'],
                    'checkedAt' => $result['checkedAt'],
                    'boundBy' => Breakdown::boundBy($groups),
                    'zeroed' => $zeroed !== null,
                    'stale' => $stale,
                ],
                'groups' => $lines,
                'locations' => $locations,
                'explanation' => $why,
            ], Application::OK);
        }
        $this->console->write($this->text(
            $head,
            $result,
            $live,
            $lines,
            $locations,
            $why,
            $zeroed,
            $stale ? $settings->staleHours() : null
        ));

        return Application::OK;
    }

    /**
     * The product recalculated now, nothing written.
     *
     * @return array<string, mixed>
     */
    private function recalculated(int $id): array
    {
        $run = Recalculation::run($this->console, [$id], true, 'product ' . $id);
        if (in_array($id, $run['noPanel'], true)) {
            throw new CliError("product #{$id} has no usable VirtFusionDirect server (its server group's, else"
                . ' the default one; with an API token): nothing to recalculate from', Application::NO_DATABASE);
        }
        $line = $run['result']['products'][$id] ?? [];

        return [
            'qty' => $line['qty'] ?? $line['previous'] ?? null,
            'previous' => $line['previous'] ?? null,
            'status' => (string) ($line['status'] ?? ''),
            'reason' => $line['reason'] ?? null,
            'checkedAt' => time(),
            'packageId' => $line['packageId'] ?? null,
            'packageStatus' => $line['package'] ?? null,
            'buffer' => $line['buffer'] ?? null,
            'ipv4' => $line['ipv4'] ?? null,
            'groups' => Stored::resultGroups($line),
            'locations' => is_array($line['locations'] ?? null) ? $line['locations'] : [],
        ];
    }

    /**
     * The product's last stored result.
     *
     * @param array<string, mixed> $view
     * @return array<string, mixed>
     */
    private static function stored(array $view): array
    {
        return [
            'qty' => $view['resultQty'],
            'previous' => null,
            'status' => (string) $view['status'],
            'reason' => $view['reason'],
            'checkedAt' => $view['checkedAt'],
            'packageId' => $view['packageId'],
            'packageStatus' => $view['packageStatus'],
            'buffer' => $view['buffer'],
            'ipv4' => $view['ipv4'],
            'groups' => (new Stored())->groups($view),
            'locations' => $view['locations'],
        ];
    }

    /**
     * Each Location the customer can choose, with its group's own figures;
     * the default group too when no Location names it.
     *
     * @param list<mixed> $locations the result's (name, group, label)
     * @param array<int, array<string, mixed>> $groups
     * @return list<array<string, mixed>>
     */
    private static function locations(array $locations, array $groups, ?int $default): array
    {
        $out = [];
        $named = [];
        foreach ($locations as $location) {
            if (!is_array($location)) {
                continue;
            }
            $gid = isset($location['group']) ? (int) $location['group'] : null;
            $group = $gid === null ? null : ($groups[$gid] ?? null);
            if ($gid !== null) {
                $named[$gid] = true;
            }
            $out[] = self::location(
                (string) ($location['label'] ?? $location['name'] ?? ''),
                (string) ($location['name'] ?? ''),
                $gid,
                $group,
                $gid !== null && $gid === $default
            );
        }
        foreach ($groups as $gid => $group) {
            if (!isset($named[$gid])) {
                $out[] = self::location('', null, $gid, $group, $gid === $default);
            }
        }

        return $out;
    }

    /**
     * @param array<string, mixed>|null $group
     * @return array<string, mixed>
     */
    private static function location(string $label, ?string $name, ?int $gid, ?array $group, bool $default): array
    {
        return [
            'label' => $label,
            'name' => $name,
            'group' => $gid,
            'default' => $default,
            'status' => $gid === null ? 'not a group' : (string) ($group['status'] ?? 'not read'),
            'fits' => $group['fits'] ?? null,
            'unbounded' => !empty($group['unbounded']),
            'reserved' => (int) ($group['reserved'] ?? 0),
            'unplaced' => (int) ($group['unplaced'] ?? 0),
            'shown' => $group === null ? ($gid === null ? 'not counted: its value is not a hypervisor group id'
                : 'not counted') : Breakdown::fits($group),
        ];
    }

    /** Why vfstock leaves this product alone, in words (Database::managed() decided that it does). */
    private static function unmanaged(object $product): string
    {
        $module = trim((string) ($product->servertype ?? ''));
        if ($module !== Database::SERVER_TYPE) {
            return 'its module is ' . ($module === '' ? 'none' : $module) . ', not ' . Database::SERVER_TYPE;
        }

        return 'stock control is off for it (Products/Services > Details > Stock Control)';
    }

    /** The result line of a live run, in words that never claim it wrote. @param array<string, mixed> $r */
    private static function liveResult(array $r): string
    {
        $qty = Breakdown::number($r['qty']);
        $previous = $r['previous'] === null ? 'unknown' : (string) $r['previous'];

        return match ($r['status']) {
            'updated' => "qty would be updated from {$previous} to {$qty}",
            'unchanged' => "qty would stay {$qty} (unchanged)",
            'untouched' => "qty would be left at {$previous} (untouched)",
            default => 'it would be ' . $r['status'],
        };
    }

    /**
     * @param array<string, mixed> $head
     * @param array<string, mixed> $result
     * @param list<array<string, mixed>> $groups
     * @param list<array<string, mixed>> $locations
     */
    private function text(
        array $head,
        array $result,
        bool $live,
        array $groups,
        array $locations,
        string $why,
        ?string $zeroed,
        ?float $staleHours
    ): string {
        // The reason once: in the headline when it says it, else on the result's line.
        $reason = $result['reason'] !== null && !str_contains($why, rtrim(trim($result['reason']), '.'))
            ? " ({$result['reason']})" : '';
        $ipv4 = $head['ipv4PerVps'];
        $text = "Product #{$head['id']} {$head['name']}: qty {$head['qty']} in WHMCS\n"
            . self::wrap($live
                ? 'Recalculated now from the panel, nothing written: ' . self::liveResult($result) . $reason . '.'
                : "Last result: {$result['status']} at " . self::when($result['checkedAt']) . $reason)
            . 'Package ' . ($head['packageId'] ?? '?')
            . ($ipv4 === null ? '' : ($ipv4 === 0 ? ', IPv6-only (no IPv4 address per VPS)'
                : ", {$ipv4} IPv4 address" . ($ipv4 === 1 ? '' : 'es') . ' per VPS')) . "\n";
        if ($head['buffer'] !== null) {
            $text .= self::wrap("Safety buffer: {$head['buffer']} % of each resource's max is kept free; "
                . $head['bufferSource']);
        }
        if ($zeroed !== null) {
            $text .= self::wrap('WARNING: ' . ($live ? 'it would be ZEROED' : 'ZEROED') . ": {$zeroed}. The product"
                . ' is off sale (qty 0) until the package exists and is enabled again, or the product uses another'
                . ' one (Products/Services > Module Settings).');
        }
        if ($staleHours !== null) {
            $text .= self::wrap('STALE: not recalculated for more than ' . Figure::short($staleHours)
                . ' hours: the panel cannot be read, so its qty is kept as it was.');
        }
        $text .= "\n" . self::wrap($why);
        if ($locations !== []) {
            $rows = [];
            foreach ($locations as $l) {
                $where = $l['label'] !== '' ? $l['label'] : 'the default group';
                $rows[] = [
                    $where . ($l['default'] && $l['label'] !== '' ? ' (default)' : ''),
                    $l['group'] ?? '—',
                    $l['shown'],
                    Breakdown::pending($l, true),
                ];
            }
            $pending = array_filter($locations, static fn (array $l): bool => $l['reserved'] + $l['unplaced'] > 0);
            $text .= "\nPer Location (a customer orders in one of them; each holds only its own room):\n\n"
                . TextTable::render(['Location', 'Group', 'Fits', 'Pending orders'], $rows, [1, 2], '  ')
                . ($pending === [] ? '' : self::wrap(
                    'Pending orders: VPSes sold but not yet on the panel. They are'
                    . ' reserved first, so Fits counts only what is left; those that no longer fit are flagged.',
                    '  '
                ));
        }
        if ($groups !== []) {
            $text .= "\n" . self::wrap('Memory, CPU, Storage, Servers and IPv4: how many more VPSes of the package'
                . ' each still holds on the hypervisor after the safety buffer (Servers: its maxServers slots; IPv4:'
                . ' its own free addresses); the smallest binds. ∞: no limit, or the package needs none of it.');
        }
        foreach ($groups as $group) {
            $label = Breakdown::groupName($group['id'], $group, $group['default'] ? $group['id'] : null);
            $text .= "\n" . ucfirst($label) . ": {$group['status']}";
            if ($group['status'] === 'ok') {
                $text .= $group['unbounded'] ? ', unbounded' : ', fits ' . Breakdown::number($group['fits']);
            }
            $text .= "\n";
            $rows = [];
            foreach ($group['hypervisors'] as $hv) {
                $name = Breakdown::name($hv) . ' #' . (int) ($hv['id'] ?? 0);
                if (empty($hv['eligible'])) {
                    $rows[] = [$name, '', '', '', '', '', '', '', 'skipped: ' . ($hv['skipped'] ?? 'not eligible')];
                    continue;
                }
                $rows[] = [
                    $name,
                    Breakdown::number($hv['memory'] ?? null),
                    Breakdown::number($hv['cpu'] ?? null),
                    Breakdown::number($hv['storage'] ?? null),
                    $hv['pool'] ?? '',
                    Breakdown::number($hv['servers'] ?? null),
                    Breakdown::number($hv['ipv4'] ?? null),
                    Breakdown::number($hv['fits'] ?? null),
                    $hv['binding'] ?? 'nothing',
                ];
            }
            if ($rows !== []) {
                $text .= "\n" . TextTable::render(
                    ['Hypervisor', 'Memory', 'CPU', 'Storage', 'Pool', 'Servers', 'IPv4', 'Fits', 'Bound by'],
                    $rows,
                    [1, 2, 3, 5, 6, 7],
                    '  '
                ) . "\n";
            }
            $text .= self::wrap($group['explanation'] . '.', '  ');
        }

        return $text;
    }
}
