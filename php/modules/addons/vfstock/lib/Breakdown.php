<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * A product's breakdown (the `groups` of a vf_stock_refresh result, as kept
 * in mod_vfstock_state) in words: which axis holds it down, and why it
 * shows the qty it shows. Used by the CLI and the demo.
 *
 * A group is `['status' => 'ok'|'missing'|'transient', 'fits' => ?int,
 * 'unbounded' => bool, 'ipv4Cap' => ?int, 'hypervisors' => [rows of
 * vf_capacity_for]]`; a null fit or axis means unlimited.
 */
final class Breakdown
{
    public const AXES = ['memory', 'cpu', 'storage'];

    /** Names listed in a clause before they are only counted. */
    private const NAMES = 3;

    /** Hypervisor fits written out as a sum before only the total is given. */
    private const TERMS = 6;

    /**
     * The eligible rows of a group.
     *
     * @param array<string, mixed> $group
     * @return list<array<string, mixed>>
     */
    public static function eligible(array $group): array
    {
        $rows = is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [];

        return array_values(array_filter($rows, static fn (mixed $hv): bool => is_array($hv) && !empty($hv['eligible'])));
    }

    /**
     * What the eligible hypervisors fit together, before the IPv4 cap
     * (saturating); null when one of them is unlimited.
     *
     * @param array<string, mixed> $group
     */
    public static function sum(array $group): ?int
    {
        $sum = 0;
        foreach (self::eligible($group) as $hv) {
            if (!isset($hv['fits'])) {
                return null;
            }
            $fits = (int) $hv['fits'];
            $sum = $fits > PHP_INT_MAX - $sum ? PHP_INT_MAX : $sum + $fits;
        }

        return $sum;
    }

    /**
     * Whether the group's IPv4 pool, not its hypervisors, sets what it fits.
     *
     * @param array<string, mixed> $group
     */
    public static function ipv4Binds(array $group): bool
    {
        if (($group['status'] ?? '') !== 'ok' || !isset($group['ipv4Cap'])) {
            return false;
        }
        $sum = self::sum($group);

        return $sum === null || (int) $group['ipv4Cap'] < $sum;
    }

    /**
     * What holds a product down, in a few words: the axis binding most
     * hypervisors, the others by name, and the groups whose IPv4 pool
     * caps them — "cpu; storage on lon-hv3; IPv4 in group 2".
     *
     * @param array<int|string, mixed> $groups
     */
    public static function boundBy(array $groups): string
    {
        $byAxis = [];
        $ipv4 = [];
        $unlimited = false;
        foreach ($groups as $id => $group) {
            if (!is_array($group) || ($group['status'] ?? '') !== 'ok') {
                continue;
            }
            foreach (self::eligible($group) as $hv) {
                $axis = $hv['binding'] ?? null;
                if (is_string($axis) && in_array($axis, self::AXES, true)) {
                    $byAxis[$axis][] = self::name($hv);
                } else {
                    $unlimited = true;
                }
            }
            if (self::ipv4Binds($group)) {
                $ipv4[] = (string) $id;
            }
        }
        uksort($byAxis, static fn (string $a, string $b): int => [count($byAxis[$b]), array_search($a, self::AXES, true)]
            <=> [count($byAxis[$a]), array_search($b, self::AXES, true)]);
        $parts = [];
        foreach ($byAxis as $axis => $names) {
            $parts[] = $parts === [] ? $axis : $axis . ' on ' . self::names($names);
        }
        if ($ipv4 !== []) {
            $parts[] = 'IPv4 in group' . (count($ipv4) === 1 ? ' ' : 's ') . implode(', ', $ipv4);
        }
        if ($parts === [] && $unlimited) {
            $parts[] = 'nothing (unlimited)';
        }

        return implode('; ', $parts);
    }

    /**
     * The headline: "qty 126 = 117 from group 1 (London) + 9 from group 2 (Frankfurt)".
     *
     * @param array<int|string, mixed> $groups
     * @param array<int|string, string> $labels group id => a name for it (from the Location option)
     */
    public static function why(?int $qty, string $status, ?string $reason, array $groups, array $labels = []): string
    {
        $shown = $qty === null ? 'unknown' : (string) $qty;
        $reason = $reason === null || trim($reason) === '' ? null : rtrim(trim($reason), '.');
        if ($status === 'skipped') {
            return 'Not managed by vfstock' . ($reason !== null ? ': ' . $reason : '') . '.';
        }
        if ($status === 'untouched') {
            return "qty kept at {$shown} (untouched)" . ($reason !== null ? ': ' . $reason : '') . '.';
        }
        if ($groups === []) {
            return "qty {$shown}" . ($reason !== null ? ': ' . $reason : '') . '.';
        }
        $terms = [];
        foreach ($groups as $id => $group) {
            $group = is_array($group) ? $group : [];
            $name = self::groupName((int) $id, $labels);
            $terms[] = match ($group['status'] ?? '') {
                'ok' => (!empty($group['unbounded']) ? 'unbounded' : self::number($group['fits'] ?? null))
                    . ' from ' . $name,
                'missing' => '0 from ' . $name . ' (it does not exist on the panel)',
                default => 'nothing from ' . $name . ' (it could not be read)',
            };
        }

        return "qty {$shown} = " . implode(' + ', $terms) . '.';
    }

    /**
     * One group in words: "group 1 (London): 45 + 36 + 36 = 117; lon-hv1 and
     * lon-hv2 bound by cpu, lon-hv3 by storage".
     *
     * @param array<string, mixed> $group
     * @param array<int|string, string> $labels
     */
    public static function group(int $id, array $group, array $labels = [], int $ipv4PerVps = 1): string
    {
        $name = self::groupName($id, $labels);
        $status = (string) ($group['status'] ?? '');
        if ($status === 'missing') {
            return "{$name}: does not exist on the panel, counts 0";
        }
        if ($status !== 'ok') {
            return "{$name}: could not be read, so the product's qty was left as it was";
        }
        $rows = is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [];
        if ($rows === []) {
            return "{$name}: no hypervisors, fits 0";
        }
        $eligible = self::eligible($group);
        $clauses = [];
        if ($eligible === []) {
            $clauses[] = 'no eligible hypervisor, fits 0';
        } else {
            $fits = array_map(static fn (array $hv): string => self::number($hv['fits'] ?? null), $eligible);
            $sum = self::number(self::sum($group));
            $clauses[] = count($fits) === 1 ? $sum
                : (count($fits) <= self::TERMS ? implode(' + ', $fits) . ' = ' . $sum
                    : $sum . ' from ' . count($fits) . ' hypervisors');
            $clauses[] = self::bindings($eligible);
        }
        $skipped = self::skipped($rows);
        if ($skipped !== '') {
            $clauses[] = $skipped;
        }
        $clauses[] = self::ipv4($group, $ipv4PerVps);

        return $name . ': ' . implode('; ', array_filter($clauses, static fn (string $c): bool => $c !== ''));
    }

    /** "group 2 (Frankfurt)", or "group 2" without a label. */
    public static function groupName(int $id, array $labels): string
    {
        $label = trim((string) ($labels[$id] ?? ''));

        return 'group ' . $id . ($label !== '' ? " ({$label})" : '');
    }

    /** A fit for people: "∞" for unlimited (null or PHP_INT_MAX). */
    public static function number(mixed $value): string
    {
        if ($value === null || $value === PHP_INT_MAX) {
            return '∞';
        }

        return is_scalar($value) ? (string) $value : '?';
    }

    /** @param array<string, mixed> $hv */
    public static function name(array $hv): string
    {
        $name = trim((string) ($hv['name'] ?? ''));

        return $name !== '' ? $name : '#' . (int) ($hv['id'] ?? 0);
    }

    /**
     * "lon-hv1 and lon-hv2 bound by cpu, lon-hv3 by storage".
     *
     * @param list<array<string, mixed>> $eligible
     */
    private static function bindings(array $eligible): string
    {
        $byAxis = [];
        foreach ($eligible as $hv) {
            $axis = $hv['binding'] ?? null;
            $byAxis[is_string($axis) && $axis !== '' ? $axis : ''][] = self::name($hv);
        }
        $parts = [];
        foreach ($byAxis as $axis => $names) {
            $who = self::names($names);
            if ($axis === '') {
                $parts[] = $who . ' unlimited (the package needs none of what it has)';
            } else {
                $parts[] = $who . ($parts === [] ? ' bound by ' : ' by ') . $axis;
            }
        }

        return implode(', ', $parts);
    }

    /** @param list<mixed> $rows "fra-hv2 not commissioned" */
    private static function skipped(array $rows): string
    {
        $byWhy = [];
        foreach ($rows as $hv) {
            if (!is_array($hv)) {
                $byWhy['malformed'][] = 'an entry';
            } elseif (empty($hv['eligible'])) {
                $byWhy[(string) ($hv['skipped'] ?? 'not eligible')][] = self::name($hv);
            }
        }
        $parts = [];
        foreach ($byWhy as $why => $names) {
            $parts[] = self::names($names) . ' ' . $why . ' (not counted)';
        }

        return implode(', ', $parts);
    }

    /** @param array<string, mixed> $group "capped by 9 free IPv4 addresses → 9" */
    private static function ipv4(array $group, int $perVps): string
    {
        $cap = $group['ipv4Cap'] ?? null;
        if ($cap === null) {
            return self::eligible($group) === [] ? '' : 'no IPv4 pool reported';
        }
        $free = null;
        foreach (self::eligible($group) as $hv) {
            if (isset($hv['ipv4Free'])) {
                $free = max($free ?? 0, (int) $hv['ipv4Free']);
            }
        }
        $pool = ($free === null ? '' : $free . ' ') . 'free IPv4 addresses' . ($perVps > 1 ? " at {$perVps} per VPS" : '');

        return self::ipv4Binds($group)
            ? 'capped by ' . $pool . ' → ' . (int) $cap
            : 'IPv4 not limiting (' . $pool . ')';
    }

    /** @param list<string> $names "a", "a and b", "a, b and c", "5 hypervisors" */
    private static function names(array $names): string
    {
        $count = count($names);
        if ($count > self::NAMES) {
            return $count . ' hypervisors';
        }
        if ($count <= 1) {
            return (string) ($names[0] ?? '');
        }

        return implode(', ', array_slice($names, 0, -1)) . ' and ' . $names[$count - 1];
    }
}
