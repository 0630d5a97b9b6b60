<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\State;

/**
 * One hypervisor group of a product, as the last refresh stored it (a
 * group summary of State: status, fits, unbounded, sum, ipv4Cap, ipv4Free,
 * reserved, unplaced, label, key): its name, its figures in a line, and its
 * hypervisors in a table. Nothing is recomputed: the figures are the
 * extension's.
 */
final class GroupView
{
    /**
     * The group's name: its Location label; the default group
     * (configoption1) says so.
     *
     * @param array<string, mixed> $group
     * @return array{0: string, 1: string} name, and what follows it in brackets
     */
    public static function name(int $id, array $group, ?int $defaultGroup): array
    {
        $label = trim((string) ($group['label'] ?? ''));
        $default = $defaultGroup !== null && $id === $defaultGroup;
        if ($label !== '') {
            return [$label, ($default ? 'default group, ' : '') . '#' . $id];
        }

        return [$default ? 'default group' : 'group ' . $id, $default ? '#' . $id : ''];
    }

    /** @param array<string, mixed> $group */
    public static function title(int $id, array $group, ?int $defaultGroup): string
    {
        [$name, $more] = self::name($id, $group, $defaultGroup);

        return $name . ($more !== '' ? ' (' . $more . ')' : '');
    }

    /** @param array<string, mixed> $group */
    public static function titleHtml(int $id, array $group, ?int $defaultGroup): string
    {
        [$name, $more] = self::name($id, $group, $defaultGroup);

        return '<span class="vfstock-group-name">' . Html::e($name) . '</span>'
            . ($more !== '' ? ' <small class="text-muted">(' . Html::e($more) . ')</small>' : '');
    }

    /**
     * What the group takes, in one label: "14", "sold out", "missing", "unreadable", "∞".
     *
     * @param array<string, mixed> $group
     * @return array{0: string, 1: string} label kind, text
     */
    public static function fitsLabel(array $group): array
    {
        $status = (string) ($group['status'] ?? '');
        if ($status === 'missing') {
            return ['danger', 'missing: counts 0'];
        }
        if ($status !== 'ok') {
            return ['warning', 'could not be read'];
        }
        if (!empty($group['unbounded'])) {
            return ['info', 'unbounded'];
        }
        $fits = (int) ($group['fits'] ?? 0);

        return $fits <= 0 ? ['danger', 'sold out'] : ['success', 'fits ' . $fits];
    }

    /**
     * The pending orders a group holds, in words: "2 reserved", "1 pending order does not fit".
     *
     * @param array<string, mixed> $group
     * @return list<array{0: string, 1: string}> label kind, text
     */
    public static function pending(array $group): array
    {
        $out = [];
        $reserved = (int) ($group['reserved'] ?? 0);
        $unplaced = (int) ($group['unplaced'] ?? 0);
        if ($reserved > 0) {
            $out[] = ['info', $reserved . ' reserved'];
        }
        if ($unplaced > 0) {
            $out[] = ['danger', Html::plural($unplaced, 'pending order does', 'pending orders do') . ' not fit'];
        }

        return $out;
    }

    /**
     * The product table's cell: each Location with what it fits.
     *
     * @param array<int|string, mixed> $groups
     */
    public static function summaries(array $groups, ?int $defaultGroup): string
    {
        if ($groups === []) {
            return '<span class="text-muted">—</span>';
        }
        $items = '';
        foreach ($groups as $gid => $group) {
            if (!is_array($group)) {
                continue;
            }
            [$kind, $text] = self::fitsLabel($group);
            $items .= '<li data-group="' . (int) $gid . '">' . self::titleHtml((int) $gid, $group, $defaultGroup) . ' '
                . Html::label($kind, $text, 'vfstock-fits');
            foreach (self::pending($group) as [$k, $t]) {
                $items .= ' ' . Html::label(
                    $k,
                    $t,
                    'vfstock-pending',
                    'pending orders (of any product) placed in this group before counting what is left'
                );
            }
            $items .= '</li>';
        }

        return '<ul class="list-unstyled vfstock-locations">' . $items . '</ul>';
    }

    /**
     * One group in the breakdown: a heading with its name and figures, then
     * its hypervisors.
     *
     * @param array<string, mixed> $group
     * @param list<array<string, mixed>> $hypervisors
     */
    public static function section(int $id, array $group, ?int $defaultGroup, array $hypervisors, ?int $ipv4): string
    {
        $status = (string) ($group['status'] ?? '');
        $head = self::title($id, $group, $defaultGroup) . ': '
            . match ($status) {
                'ok', 'missing' => $status,
                'transient' => 'could not be read',
                default => 'unknown',
            };
        $facts = [];
        $notes = [];
        if ($status === 'ok') {
            $head .= !empty($group['unbounded']) ? ', unbounded' : ', fits ' . Html::number($group['fits'] ?? null);
            if (array_key_exists('sum', $group)) {
                $facts[] = 'hypervisors together: ' . Html::number($group['sum']);
            }
            $cap = $group['ipv4Cap'] ?? null;
            if ($cap !== null) {
                $facts[] = 'IPv4 cap ' . Html::number($cap);
            }
            if (isset($group['ipv4Free'])) {
                $facts[] = $group['ipv4Free'] . ' free IPv4 addresses'
                    . ($ipv4 !== null && $ipv4 > 1 ? ' (' . $ipv4 . ' per VPS)' : '');
            }
            if (State::ipv4Binds($group)) {
                $notes[] = ['warning', 'The IPv4 pool holds this group down: the hypervisors have room for '
                    . Html::number($group['sum']) . ', the free addresses for ' . Html::number($cap) . '.'];
            }
        } elseif ($status === 'missing') {
            $notes[] = ['danger', 'The panel has no such group: it counts 0.'];
        } elseif ($status === 'transient') {
            $notes[] = ['warning', 'It could not be read at the last refresh, so the qty was left as it was.'];
        }
        $reserved = (int) ($group['reserved'] ?? 0);
        $unplaced = (int) ($group['unplaced'] ?? 0);
        if ($reserved > 0 || $unplaced > 0) {
            $facts[] = 'pending orders: ' . $reserved . ' placed';
        }
        if ($unplaced > 0) {
            $words = Html::plural($unplaced, 'pending order no longer fits', 'pending orders no longer fit');
            $notes[] = ['danger', $words . ' in this group.'];
        }

        $html = '<div class="vfstock-group" data-group="' . $id . '">'
            . '<h4 class="vfstock-group-title">' . Html::e($head) . '</h4>';
        if ($facts !== []) {
            $html .= '<p class="vfstock-group-facts text-muted">' . Html::e(implode(' · ', $facts)) . '</p>';
        }
        foreach ($notes as [$kind, $text]) {
            $html .= '<p class="text-' . Html::e($kind) . ' vfstock-group-note">' . Html::e($text) . '</p>';
        }
        if ($hypervisors !== []) {
            $html .= self::hypervisors($hypervisors);
        } elseif ($status === 'ok') {
            $html .= '<p class="text-muted">No hypervisors in this group.</p>';
        }

        return $html . '</div>';
    }

    /** @param list<array<string, mixed>> $rows vf_capacity_for's hypervisor rows */
    private static function hypervisors(array $rows): string
    {
        $head = ['Hypervisor', 'Memory', 'CPU', 'Storage', 'Slots', 'IPv4', 'Fits', 'Held down by', 'Pool',
            'IPv4 free'];
        $out = [];
        foreach ($rows as $hv) {
            $name = trim((string) ($hv['name'] ?? '')) . ' (#' . (int) ($hv['id'] ?? 0) . ')';
            if (empty($hv['eligible'])) {
                $out[] = '<tr class="vfstock-skipped text-muted">' . Html::cell('Hypervisor', Html::e($name))
                    . Html::cell(
                        'Skipped',
                        'skipped: ' . Html::e($hv['skipped'] ?? 'not eligible'),
                        'vfstock-wide',
                        ' colspan="9"'
                    )
                    . '</tr>';
                continue;
            }
            $binding = isset($hv['binding']) ? (string) $hv['binding'] : '';
            $cells = Html::cell('Hypervisor', Html::e($name), 'vfstock-hv-name');
            foreach (
                ['memory' => 'Memory', 'cpu' => 'CPU', 'storage' => 'Storage', 'servers' => 'Slots',
                'ipv4' => 'IPv4'] as $axis => $label
            ) {
                $value = Html::e(Html::number($hv[$axis] ?? null));
                $cells .= $axis === $binding
                    ? Html::cell($label, '<strong>' . $value . '</strong>', 'vfstock-binding')
                    : Html::cell($label, $value);
            }
            $cells .= Html::cell('Fits', '<strong>' . Html::e(Html::number($hv['fits'] ?? null)) . '</strong>')
                . Html::cell(
                    'Held down by',
                    $binding === '' ? 'nothing (unlimited)' : Html::e($binding),
                    'vfstock-binding-axis'
                )
                . Html::cell('Pool', Html::e($hv['pool'] ?? ''))
                . Html::cell('IPv4 free', Html::e(isset($hv['ipv4Free']) ? (string) $hv['ipv4Free'] : 'not reported'));
            $out[] = '<tr class="vfstock-eligible">' . $cells . '</tr>';
        }

        return '<p class="help-block vfstock-axes-help">Memory, CPU, Storage, Slots and IPv4: how many VPSes'
            . ' each resource leaves room for; the bold one holds the hypervisor down.</p>'
            . Html::table('table-striped vfstock-hypervisors vfstock-stack vfstock-grid', $head, $out);
    }
}
