<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * What the last refreshes found, kept in the addon's tables: one state row
 * per product, hypervisor rows once per distinct breakdown, a history row
 * per change. The admin page, the widget, the CLI and the metrics read it
 * from here, never from the panel.
 */
final class State
{
    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR
        | JSON_INVALID_UTF8_SUBSTITUTE;

    /** Statuses of a result that computed a qty. */
    public const COMPUTED = ['updated', 'unchanged'];

    /** Days of history kept (the chart shows the last Admin\Chart::DAYS). */
    public const HISTORY_DAYS = 90;

    /**
     * Why a product was zeroed, in words, when its package is gone from the
     * panel or disabled there (the package status a refresh reports); null
     * when it was not.
     */
    public static function zeroedBecause(?string $packageStatus): ?string
    {
        return match ($packageStatus) {
            'missing' => 'its package is gone from the panel',
            'disabled' => 'its package is disabled on the panel',
            default => null,
        };
    }

    /**
     * Whether a group's IPv4 cap, not its hypervisors, sets what it fits:
     * the extension gives both figures (`ipv4Cap` below `sum`).
     *
     * @param array<string, mixed> $group a result's (or a stored) group
     */
    public static function ipv4Binds(array $group): bool
    {
        return ($group['status'] ?? '') === 'ok' && isset($group['ipv4Cap'], $group['sum'])
            && (int) $group['ipv4Cap'] < (int) $group['sum'];
    }

    /** zeroedBecause() for a result that computed a qty (another status zeroes nothing). */
    public static function zeroed(?string $status, ?string $packageStatus): ?string
    {
        return in_array($status, self::COMPUTED, true) ? self::zeroedBecause($packageStatus) : null;
    }

    public static function json(mixed $value): ?string
    {
        $json = json_encode($value, self::JSON_FLAGS);

        return $json === false ? null : $json;
    }

    /** @return array<array-key, mixed> */
    public static function decode(mixed $json): array
    {
        $value = is_string($json) && $json !== '' ? json_decode($json, true) : null;

        return is_array($value) ? $value : [];
    }

    /**
     * The key of a group's breakdown: what its rows depend on.
     *
     * @param array<string, mixed> $line a product of the refresh result
     */
    public static function breakdownKey(?int $panel, array $line, string $pool, int $group): string
    {
        return implode(':', [$panel ?? 0, (int) ($line['packageId'] ?? 0), (int) ($line['buffer'] ?? 0),
            (int) ($line['ipv4'] ?? 0), $pool, $group]);
    }

    /** @param list<array<string, mixed>> $hypervisors */
    public static function storeBreakdown(string $key, array $hypervisors, int $now): void
    {
        $values = ['hypervisors' => self::json($hypervisors) ?? '[]', 'checked_at' => $now];
        $updated = Capsule::table(Schema::BREAKDOWNS)->where('key', $key)->update($values);
        if ($updated === 0 && !Capsule::table(Schema::BREAKDOWNS)->where('key', $key)->exists()) {
            try {
                Capsule::table(Schema::BREAKDOWNS)->insert(['key' => $key] + $values);
            } catch (\Throwable) {
                // Another process stored it meanwhile.
            }
        }
    }

    /**
     * Records a refresh result: upserts each product's state, stores each
     * distinct breakdown once, appends history when qty or status changed.
     * Run it inside a transaction (the Refresher's): a statement per product
     * each committed on its own cost a sync to disk apiece (SQLite: 48 s of
     * a 2,000-product cron run, of which 1 s was the refresh itself).
     *
     * @param array<int|string, array<string, mixed>> $products the result's `products`
     * @return array<int, array{before: ?object, after: array<string, mixed>}> what changed, per product
     */
    public static function record(array $products, ?int $panel, string $pool, ?int $now = null): array
    {
        $now ??= time();
        $stored = [];
        $out = [];
        // Every product's previous state in a few queries, not one each.
        $ids = [];
        foreach ($products as $productId => $line) {
            if ((int) $productId > 0) {
                $ids[] = (int) $productId;
            }
        }
        $rows = [];
        foreach (array_chunk($ids, 500) as $chunk) {
            foreach (Capsule::table(Schema::STATE)->whereIn('product_id', $chunk)->get() as $row) {
                $rows[(int) $row->product_id] = $row;
            }
        }
        foreach ($products as $productId => $line) {
            $productId = (int) $productId;
            $status = (string) ($line['status'] ?? '');
            $previous = $line['previous'] ?? null;
            if ($productId <= 0 || !is_array($line) || ($status === 'skipped' && $previous === null)) {
                continue; // no such product: nothing to show
            }
            $qty = $line['qty'] ?? $previous;
            $qty = $qty === null ? null : (int) $qty;
            $labels = self::labels($line);
            $groups = [];
            foreach (is_array($line['groups'] ?? null) ? $line['groups'] : [] as $gid => $group) {
                $gid = (int) $gid;
                $hypervisors = is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [];
                unset($group['hypervisors']);
                if ($hypervisors !== []) {
                    $key = self::breakdownKey($panel, $line, $pool, $gid);
                    if (!isset($stored[$key])) {
                        self::storeBreakdown($key, $hypervisors, $now);
                        $stored[$key] = true;
                    }
                    $group['key'] = $key;
                }
                $group['label'] = $labels[$gid] ?? null;
                $groups[$gid] = $group;
            }
            $before = $rows[$productId] ?? null;
            $changed = $before === null
                || (string) $before->status !== $status
                || ($before->qty === null ? null : (int) $before->qty) !== $qty;
            $values = [
                'panel' => $panel,
                'qty' => $qty,
                'status' => $status,
                'reason' => isset($line['reason']) ? (string) $line['reason'] : null,
                'checked_at' => $now,
                'changed_at' => $changed ? $now : ($before->changed_at ?? $now),
                'ok_at' => in_array($status, self::COMPUTED, true) ? $now : ($before->ok_at ?? null),
                'package_id' => isset($line['packageId']) ? (int) $line['packageId'] : null,
                'package_status' => isset($line['package']) ? (string) $line['package'] : null,
                'buffer' => isset($line['buffer']) ? (int) $line['buffer'] : null,
                'ipv4' => isset($line['ipv4']) ? (int) $line['ipv4'] : null,
                'groups' => self::json($groups),
                'locations' => self::json(is_array($line['locations'] ?? null) ? $line['locations'] : []),
            ];
            if ($before === null) {
                try {
                    Capsule::table(Schema::STATE)->insert(['product_id' => $productId] + $values);
                } catch (\Throwable) {
                    Capsule::table(Schema::STATE)->where('product_id', $productId)->update($values);
                }
            } else {
                Capsule::table(Schema::STATE)->where('product_id', $productId)->update($values);
            }
            if ($changed) {
                Capsule::table(Schema::HISTORY)->insert([
                    'product_id' => $productId,
                    'qty' => $qty,
                    'status' => $status,
                    'reason' => $values['reason'],
                    'created_at' => $now,
                ]);
            }
            $out[$productId] = ['before' => $before, 'after' => $values + ['product_id' => $productId,
                'previous' => $previous === null ? null : (int) $previous]];
        }

        return $out;
    }

    /**
     * Group id => the Location sub-option's label, from a result line.
     *
     * @param array<string, mixed> $line
     * @return array<int, string>
     */
    public static function labels(array $line): array
    {
        $labels = [];
        foreach (is_array($line['locations'] ?? null) ? $line['locations'] : [] as $location) {
            $gid = (int) ($location['group'] ?? 0);
            $label = trim((string) ($location['label'] ?? ''));
            if ($gid > 0 && $label !== '' && !isset($labels[$gid])) {
                $labels[$gid] = $label;
            }
        }

        return $labels;
    }

    /**
     * Stock-controlled VirtFusionDirect products with their last result,
     * in id order (all of them, or those ids).
     *
     * @param list<int>|null $ids
     * @return list<array<string, mixed>>
     */
    public static function products(?array $ids = null): array
    {
        $query = Database::managed()->orderBy('tblproducts.id');
        if ($ids !== null) {
            $query->whereIn('tblproducts.id', $ids === [] ? [0] : $ids);
        }
        $products = $query->get(['tblproducts.id', 'tblproducts.name', 'tblproducts.qty', 'tblproducts.configoption1'])
            ->all();
        $states = [];
        if ($products !== [] && Capsule::schema()->hasTable(Schema::STATE)) {
            $rows = Capsule::table(Schema::STATE)
                ->whereIn('product_id', array_map(static fn (object $p): int => (int) $p->id, $products))
                ->get();
            foreach ($rows as $row) {
                $states[(int) $row->product_id] = $row;
            }
        }
        $out = [];
        foreach ($products as $p) {
            $out[] = self::view($p, $states[(int) $p->id] ?? null);
        }

        return $out;
    }

    /** One product's view (see products()), or null when it is not managed. */
    public static function product(int $id): ?array
    {
        return self::products([$id])[0] ?? null;
    }

    /**
     * @return array<string, mixed> id, name, qty (in WHMCS), defaultGroup and, once checked: resultQty (the
     *         last result's), status,
     *         reason, checkedAt, changedAt, okAt, packageId, packageStatus, buffer, ipv4, groups
     *         (id => summary with `label`, `key`), locations
     */
    private static function view(object $p, ?object $s): array
    {
        $view = [
            'id' => (int) $p->id,
            'name' => (string) $p->name,
            'qty' => (int) $p->qty,
            'defaultGroup' => OptionValue::group((string) ($p->configoption1 ?? '')),
            'checked' => $s !== null,
            'resultQty' => null,
            'status' => null,
            'reason' => null,
            'checkedAt' => null,
            'changedAt' => null,
            'okAt' => null,
            'panel' => null,
            'packageId' => null,
            'packageStatus' => null,
            'buffer' => null,
            'ipv4' => null,
            'groups' => [],
            'locations' => [],
        ];
        if ($s === null) {
            return $view;
        }

        return array_replace($view, [
            'resultQty' => $s->qty === null ? null : (int) $s->qty,
            'status' => (string) $s->status,
            'reason' => $s->reason === null ? null : (string) $s->reason,
            'checkedAt' => (int) $s->checked_at,
            'changedAt' => $s->changed_at === null ? null : (int) $s->changed_at,
            'okAt' => $s->ok_at === null ? null : (int) $s->ok_at,
            'panel' => $s->panel === null ? null : (int) $s->panel,
            'packageId' => $s->package_id === null ? null : (int) $s->package_id,
            'packageStatus' => $s->package_status === null ? null : (string) $s->package_status,
            'buffer' => $s->buffer === null ? null : (int) $s->buffer,
            'ipv4' => $s->ipv4 === null ? null : (int) $s->ipv4,
            'groups' => self::decode($s->groups),
            'locations' => self::decode($s->locations),
        ]);
    }

    /**
     * The hypervisor rows of a stored breakdown.
     *
     * @return list<array<string, mixed>>
     */
    public static function hypervisors(?string $key): array
    {
        if ($key === null || $key === '') {
            return [];
        }
        $json = Capsule::table(Schema::BREAKDOWNS)->where('key', $key)->value('hypervisors');

        return array_values(array_filter(self::decode($json), 'is_array'));
    }

    /**
     * Each product's qty over time: every change since $since, and the last
     * one before it (where its chart starts). One query per 500 products,
     * not two per product: the admin page lists every product at once.
     *
     * @param list<int> $productIds
     * @return array<int, list<array{qty: ?int, status: string, at: int}>>
     */
    public static function histories(array $productIds, int $since): array
    {
        $out = array_fill_keys($productIds, []);
        $before = [];
        foreach (array_chunk(array_keys($out), 500) as $chunk) {
            $rows = Capsule::table(Schema::HISTORY)
                ->where(static fn ($q) => $q->whereIn('product_id', $chunk)->where('created_at', '>=', $since))
                ->orWhereIn('id', self::lastBefore($since)->whereIn('product_id', $chunk))
                ->orderBy('id')->get(['product_id', 'qty', 'status', 'created_at']);
            foreach ($rows as $r) {
                $point = [
                    'qty' => $r->qty === null ? null : (int) $r->qty,
                    'status' => (string) $r->status,
                    'at' => (int) $r->created_at,
                ];
                if ($point['at'] < $since) {
                    $before[(int) $r->product_id] = $point;
                } else {
                    $out[(int) $r->product_id][] = $point;
                }
            }
        }
        foreach ($before as $productId => $point) {
            array_unshift($out[$productId], $point);
        }

        return $out;
    }

    /**
     * Deletes the history older than $before, except each product's last
     * row before it (the value its chart starts from): the table then
     * holds the changes of the kept days, not of every day since install.
     *
     * @return int the rows deleted
     */
    public static function pruneHistory(int $before): int
    {
        // The aggregate is read as a derived table: MySQL refuses a DELETE
        // whose subquery reads its own table directly.
        $kept = Capsule::connection()->query()->fromSub(self::lastBefore($before), 'kept')->select('id');

        return Capsule::table(Schema::HISTORY)->where('created_at', '<', $before)->whereNotIn('id', $kept)->delete();
    }

    /** The id of each product's last history row before $before: where its chart starts. */
    private static function lastBefore(int $before): \Illuminate\Database\Query\Builder
    {
        return Capsule::table(Schema::HISTORY)->where('created_at', '<', $before)
            ->groupBy('product_id')->selectRaw('MAX(id) AS id');
    }

    /** @param array<string, mixed> $flags */
    public static function setFlags(int $productId, array $flags): void
    {
        Capsule::table(Schema::STATE)->where('product_id', $productId)->update(['flags' => self::json($flags)]);
    }

    /**
     * Whether the product could not be recalculated for longer than
     * $hours: its last computed result (or, if none, its first check) is
     * older than that and the latest one is untouched.
     *
     * @param array<string, mixed> $view
     */
    public static function stale(array $view, float $hours, ?int $now = null): bool
    {
        if (($view['status'] ?? null) !== 'untouched') {
            return false;
        }
        $since = self::staleSince($view);

        return $since !== null && ($now ?? time()) - $since > $hours * 3600;
    }

    /**
     * Since when a product has not been recalculated: its last computed
     * result, else its last change, else its first check.
     *
     * @param array<string, mixed> $view
     */
    public static function staleSince(array $view): ?int
    {
        $since = $view['okAt'] ?? $view['changedAt'] ?? $view['checkedAt'] ?? null;

        return $since === null ? null : (int) $since;
    }
}
