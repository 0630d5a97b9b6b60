<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\State;

/**
 * A product's breakdown in words: which axis holds it down, and why it
 * shows the qty it shows. Used by the CLI and the demo.
 *
 * It only words what the extension computed. A group is one of the
 * `groups` of a vf_stock_refresh result, as State keeps it: `status`
 * ('ok'|'missing'|'transient'), `fits`, `unbounded`, `sum` (what its
 * hypervisors fit together), `ipv4Cap`, `ipv4Free`, `reserved`/`unplaced`
 * (pending orders), the Location's `label`, and its `hypervisors` rows (as
 * vf_capacity_for gives them; a null fit or axis means unlimited).
 */
final class Breakdown
{
    /** The axes of a hypervisor, in the order that breaks a tie. */
    public const AXES = ['memory', 'cpu', 'storage', 'servers', 'ipv4'];

    /** What a hypervisor that places nothing has run out of. */
    private const USED_UP = [
        'memory' => 'its memory is used up',
        'cpu' => 'its CPU cores are used up',
        'storage' => 'its storage is full',
        'servers' => 'it has no server slot left (maxServers)',
        'ipv4' => 'it has no free IPv4 address of its own',
    ];

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

        return array_values(array_filter(
            $rows,
            static fn (mixed $hv): bool => is_array($hv) && !empty($hv['eligible'])
        ));
    }

    /**
     * What holds a product down, in a few words: the axis binding most
     * hypervisors (named only when no axis binds more of them than any
     * other), the others by name, and the groups whose IPv4 cap limits them —
     * "cpu; storage on lon-hv3; IPv4 in London".
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
            if (State::ipv4Binds($group)) {
                $ipv4[] = self::place((int) $id, $group);
            }
        }
        $order = array_flip(self::AXES);
        uksort($byAxis, static fn (string $a, string $b): int => [count($byAxis[$b]), $order[$a]]
            <=> [count($byAxis[$a]), $order[$b]]);
        $counts = array_values(array_map('count', $byAxis));
        $plurality = count($counts) === 1 || (isset($counts[1]) && $counts[0] > $counts[1]);
        $parts = [];
        foreach ($byAxis as $axis => $names) {
            $parts[] = $parts === [] && $plurality ? $axis : $axis . ' on ' . self::names($names);
        }
        if ($ipv4 !== []) {
            $parts[] = 'IPv4 in ' . implode(', ', $ipv4);
        }
        if ($parts === [] && $unlimited) {
            $parts[] = 'nothing (unlimited)';
        }

        return implode('; ', $parts);
    }

    /**
     * The headline: "qty 126 = 117 from group 1 (London) + 9 from group 2
     * (Frankfurt)". $live: recalculated now and not written, so it says
     * what qty *would be*.
     *
     * @param array<int|string, mixed> $groups
     */
    public static function why(
        ?int $qty,
        string $status,
        ?string $reason,
        array $groups,
        ?int $defaultGroup = null,
        bool $live = false
    ): string {
        $shown = $qty === null ? 'unknown' : (string) $qty;
        $reason = $reason === null || trim($reason) === '' ? null : rtrim(trim($reason), '.');
        $because = $reason !== null ? ': ' . $reason : '';
        if ($status === 'skipped') {
            return 'Not managed by vfstock' . $because . '.';
        }
        if ($status === 'untouched') {
            return ($live ? "qty would be kept at {$shown}" : "qty kept at {$shown}") . ' (untouched)' . $because . '.';
        }
        $head = $live ? "qty would be {$shown}" : "qty {$shown}";
        if ($groups === []) {
            return $head . $because . '.';
        }
        $terms = [];
        foreach ($groups as $id => $group) {
            $group = is_array($group) ? $group : [];
            $name = self::groupName((int) $id, $group, $defaultGroup);
            $terms[] = match ($group['status'] ?? '') {
                'ok' => (!empty($group['unbounded']) ? 'unbounded' : self::number($group['fits'] ?? null))
                    . ' from ' . $name,
                'missing' => '0 from ' . $name . ' (it does not exist on the panel)',
                default => 'nothing from ' . $name . ' (it could not be read)',
            };
        }

        return $head . ' = ' . implode(' + ', $terms) . '.';
    }

    /**
     * One group in words: "group 1 (London): 45 + 36 + 36 = 117; lon-hv1 and
     * lon-hv2 bound by cpu, lon-hv3 by storage; …".
     *
     * @param array<string, mixed> $group
     * @param int|null $ipv4PerVps the product's IPv4 addresses per VPS (0: IPv6-only), when known
     */
    public static function group(int $id, array $group, ?int $defaultGroup = null, ?int $ipv4PerVps = 1): string
    {
        $name = self::groupName($id, $group, $defaultGroup);
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
            $sum = self::number($group['sum'] ?? null);
            $clauses[] = count($fits) === 1 ? $sum
                : (count($fits) <= self::TERMS ? implode(' + ', $fits) . ' = ' . $sum
                    : $sum . ' from ' . count($fits) . ' hypervisors');
            $clauses[] = self::bindings($eligible);
            $clauses[] = self::full($eligible);
        }
        $clauses[] = self::skipped($rows);
        if ($eligible !== []) {
            $clauses[] = self::ipv4($group, $eligible, $ipv4PerVps);
        }
        $clauses[] = self::pending($group);

        return $name . ': ' . implode('; ', array_filter($clauses, static fn (string $c): bool => $c !== ''));
    }

    /**
     * The pending orders a group holds, in words (empty when none): "3 VPSes
     * of pending orders (…) set aside first, 1 no longer fits", or, $short,
     * "3 reserved, 1 no longer fits".
     *
     * @param array<string, mixed> $group
     */
    public static function pending(array $group, bool $short = false): string
    {
        $reserved = (int) ($group['reserved'] ?? 0);
        $unplaced = (int) ($group['unplaced'] ?? 0);
        $parts = [];
        if ($reserved > 0) {
            $parts[] = $short ? $reserved . ' reserved' : $reserved . ' VPS' . ($reserved === 1 ? '' : 'es')
                . ' of pending orders (sold, not yet on the panel) set aside first';
        }
        if ($unplaced > 0) {
            $parts[] = $unplaced . ($short ? '' : ' pending VPS' . ($unplaced === 1 ? '' : 'es')) . ' no longer fit'
                . ($unplaced === 1 ? 's' : '');
        }

        return implode(', ', $parts);
    }

    /**
     * Each group's own fits, short: "London: 14, Paris: 3".
     *
     * @param array<int|string, mixed> $groups
     */
    public static function perLocation(array $groups): string
    {
        $parts = [];
        foreach ($groups as $id => $group) {
            $group = is_array($group) ? $group : [];
            $parts[] = self::place((int) $id, $group) . ': ' . self::fits($group);
        }

        return implode(', ', $parts);
    }

    /** A group's fits for a table: a number, ∞, "gone" (missing) or "?" (could not be read). */
    public static function fits(array $group): string
    {
        return match ($group['status'] ?? '') {
            'ok' => !empty($group['unbounded']) ? '∞' : self::number($group['fits'] ?? null),
            'missing' => 'gone',
            default => '?',
        };
    }

    /**
     * "group 2 (Frankfurt)", "group 1 (London, the default group)", "group 3".
     *
     * @param array<string, mixed> $group its `label` is the Location's
     */
    public static function groupName(int $id, array $group, ?int $defaultGroup = null): string
    {
        $label = trim((string) ($group['label'] ?? ''));
        if ($defaultGroup !== null && $defaultGroup === $id) {
            $label = $label === '' ? 'the default group' : $label . ', the default group';
        }

        return 'group ' . $id . ($label !== '' ? " ({$label})" : '');
    }

    /**
     * Where a group is, shortest: its Location's label, else "group 2".
     *
     * @param array<string, mixed> $group
     */
    public static function place(int $id, array $group): string
    {
        $label = trim((string) ($group['label'] ?? ''));

        return $label !== '' ? $label : 'group ' . $id;
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
     * "lon-hv1 and lon-hv2 bound by cpu, lon-hv3 by storage" (those that
     * place nothing are told apart, by full()).
     *
     * @param list<array<string, mixed>> $eligible
     */
    private static function bindings(array $eligible): string
    {
        $byAxis = [];
        foreach ($eligible as $hv) {
            if (($hv['fits'] ?? null) === 0) {
                continue;
            }
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

    /**
     * "fra-hv2 places nothing: it has no free IPv4 address of its own".
     *
     * @param list<array<string, mixed>> $eligible
     */
    private static function full(array $eligible): string
    {
        $byAxis = [];
        foreach ($eligible as $hv) {
            if (($hv['fits'] ?? null) === 0) {
                $byAxis[(string) ($hv['binding'] ?? '')][] = self::name($hv);
            }
        }
        $parts = [];
        foreach ($byAxis as $axis => $names) {
            $parts[] = self::names($names) . ' place' . (count($names) === 1 ? 's' : '') . ' nothing'
                . (isset(self::USED_UP[$axis]) ? ': ' . (count($names) === 1 ? self::USED_UP[$axis]
                    : str_replace(['its ', 'it has'], ['their ', 'they have'], self::USED_UP[$axis])) : '');
        }

        return implode(', ', $parts);
    }

    /** @param list<mixed> $rows "fra-hv2 not commissioned (not counted)" */
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

    /**
     * The group's IPv4 figures in words: "capped by 9 free IPv4 addresses →
     * 9", or why IPv4 does not cap it.
     *
     * @param array<string, mixed> $group
     * @param list<array<string, mixed>> $eligible
     */
    private static function ipv4(array $group, array $eligible, ?int $perVps): string
    {
        if ($perVps === 0) {
            return 'IPv6-only: the plan needs no IPv4 address';
        }
        $free = $group['ipv4Free'] ?? null;
        $cap = $group['ipv4Cap'] ?? null;
        if ($cap === null) {
            $reported = array_filter($eligible, static fn (array $hv): bool => isset($hv['ipv4Free']));

            return $reported === [] ? 'no free IPv4 count reported (IPv4 not counted)'
                : 'no group-wide IPv4 cap: each hypervisor\'s own free addresses limit it';
        }
        $pool = ($free === null ? '' : (int) $free . ' ') . 'free IPv4 addresses'
            . ($perVps !== null && $perVps > 1 ? " at {$perVps} per VPS" : '');
        if (State::ipv4Binds($group)) {
            return 'capped by ' . $pool . ' → ' . (int) $cap;
        }
        $byIpv4 = array_filter($eligible, static fn (array $hv): bool => ($hv['binding'] ?? null) === 'ipv4');

        return $byIpv4 === [] ? 'IPv4 not limiting (' . $pool . ')'
            : 'the group\'s IPv4 cap does not lower it further (at most ' . $pool . ' on any one hypervisor)';
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
