<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * Runs vf_stock_refresh for a trigger — once per panel, each product read
 * from its own — with the pending orders as reservations, then
 * records what it found and tells operators what changed.
 */
final class Refresher
{
    public const LEASE_EVENT = 'stockrefresh:event';
    public const LEASE_CRON = 'stockrefresh:cron';

    public const MISSING_EXTENSION = 'The vfstock PHP extension is not loaded (vf_stock_refresh() does not exist):'
        . ' stock levels are not being updated. Install it with `make install` (or a release build) and enable'
        . ' `extension=vfstock` for the PHP that serves WHMCS and the one that runs its cron, then restart PHP-FPM.';

    private readonly Database $database;

    public function __construct(private readonly Settings $settings, ?Database $database = null)
    {
        $this->database = $database ?? new Database($settings);
    }

    public static function extensionLoaded(): bool
    {
        return function_exists('vf_stock_refresh');
    }

    /** The per-product lease of cart pages. */
    public static function productLease(int $productId): string
    {
        return 'stockrefresh:' . $productId;
    }

    /**
     * One refresh of those products (all managed ones when null).
     *
     * @param array{products?: ?list<int>, lease?: ?array{key: string, ttl: int}, deadline?: ?float,
     *              forgetGroups?: ?list<int>, dryRun?: bool} $options
     * @return array<string, mixed>|null the merged result (`ran`, `products`, `stats`); null when
     *         it could not run at all (no extension, no usable panel)
     */
    public function run(string $trigger, array $options = []): ?array
    {
        if (!self::extensionLoaded()) {
            Log::call('extension not loaded', ['trigger' => $trigger], self::MISSING_EXTENSION);

            return null;
        }
        $products = $options['products'] ?? null;
        // A dry run leaves no trace: no write, no record, no module log.
        $quiet = !empty($options['dryRun']);
        $split = Panel::usable(
            Panel::forProducts($products === null ? null : array_values(array_map('intval', $products)))
        );
        if (!$quiet) {
            if ($split['orphans'] !== []) {
                Log::call('no panel', ['trigger' => $trigger, 'products' => $split['orphans']],
                    'No enabled VirtFusionDirect server with a hostname or IP address for these products'
                    . ' (their server group, else Setup > Servers): their stock is not updated.');
            }
            foreach ($split['tokenless'] as [$panel]) {
                Log::call('no token', ['trigger' => $trigger, 'server' => $panel->serverId],
                    "The VirtFusionDirect server \"{$panel->name}\" has no API token in its password field:"
                    . ' stock levels are not being updated.');
            }
        }
        $panels = $split['usable'];
        if ($panels === []) {
            return null;
        }
        // The lease before anything else is read: a cart page inside its
        // interval (most views) then costs one statement, not the pending
        // orders and every product's panel. One lease for the whole sweep.
        $lease = $options['lease'] ?? null;
        if ($lease !== null && !$this->database->claim((string) $lease['key'], (int) $lease['ttl'])) {
            return ['ran' => false, 'products' => [], 'stats' => ['requests' => 0, 'cacheHits' => 0, 'elapsedMs' => 0.0]];
        }

        $pending = (new Footprints($this->settings))->pending();
        // Pending orders of any product of a panel hold room in its groups.
        $everyProduct = $products === null ? $panels : Panel::forProducts(null);
        $merged = ['ran' => true, 'products' => [], 'stats' => ['requests' => 0, 'cacheHits' => 0, 'elapsedMs' => 0.0]];
        $whole = $products === null && count($panels) === 1;
        foreach ($panels as $serverId => [$panel, $ids]) {
            $reservations = Footprints::reservations($pending, $whole ? null : ($everyProduct[$serverId][1] ?? $ids));
            $request = $this->request($panel, $whole ? null : $ids, $options, $reservations);
            $result = $this->inOneCommit($request);
            if (($result['ran'] ?? false) !== true) {
                return ['ran' => false, 'products' => [], 'stats' => $result['stats'] ?? []];
            }
            if (empty($options['dryRun'])) {
                $this->record($result['products'] ?? [], $panel);
            }
            $merged['products'] += $result['products'] ?? [];
            foreach (['requests', 'cacheHits', 'elapsedMs'] as $k) {
                $merged['stats'][$k] += $result['stats'][$k] ?? 0;
            }
            if (!$quiet) {
                Log::call('refresh', ['trigger' => $trigger, 'panel' => $panel->url, 'products' => $ids,
                    'lease' => $options['lease'] ?? null], ['summary' => self::summary($result)] + self::brief($result),
                    [$panel->token()]);
            }
        }

        return $merged;
    }

    /**
     * Runs the refresh with its writes (qty, and the log lines that go with
     * them) in one database transaction, committed when it returns or
     * throws. The transaction begins at the first write or log line, which
     * the extension makes only after it has read the panel: no lock is held
     * while it waits on the network. One commit instead of one per product
     * and log line (each a sync to disk: most of a 2,000-product cron run's
     * time on SQLite). Products written before an exception stay written.
     *
     * @param array<string, mixed> $request
     * @return array<string, mixed>
     */
    private function inOneCommit(array $request): array
    {
        $connection = Capsule::connection();
        $open = false;
        $begin = static function () use ($connection, &$open): void {
            if (!$open && $connection->transactionLevel() === 0) {
                $connection->beginTransaction();
                $open = true;
            }
        };
        $write = $request['db']['write'];
        $request['db']['write'] = static function (int $productId, int $qty) use ($write, $begin): void {
            $begin();
            $write($productId, $qty);
        };
        if (isset($request['log'])) {
            $log = $request['log'];
            $request['log'] = static function (string $action, mixed $req, mixed $response) use ($log, $begin): void {
                $begin();
                $log($action, $req, $response);
            };
        }
        try {
            return vf_stock_refresh($request);
        } finally {
            if ($open) {
                $connection->commit();
            }
        }
    }

    /**
     * The extension's request for one panel.
     *
     * @param list<int>|null $ids
     * @param array<string, mixed> $options
     * @param list<array<string, mixed>> $reservations
     * @return array<string, mixed>
     */
    private function request(Panel $panel, ?array $ids, array $options, array $reservations): array
    {
        $token = $panel->token();
        $request = [
            'api' => $panel->api(),
            'db' => $this->database->callbacks(),
            'locationLabel' => $this->settings->locationLabel(),
            'ipv4Pool' => $this->settings->ipv4Pool(),
            'reservations' => $reservations,
        ];
        if (empty($options['dryRun'])) {
            $request['log'] = static function (string $action, mixed $request, mixed $response) use ($token): void {
                Log::call($action, $request, $response, [$token]);
            };
        }
        if ($ids !== null) {
            $request['products'] = $ids;
        }
        if (($options['deadline'] ?? null) !== null) {
            $request['deadline'] = (float) $options['deadline'];
        }
        if (!empty($options['forgetGroups'])) {
            $request['forgetGroups'] = array_values(array_map('intval', $options['forgetGroups']));
        }
        if (!empty($options['dryRun'])) {
            $request['dryRun'] = true;
        }
        $cap = $this->settings->displayCap();
        if ($cap !== null) {
            $request['displayCap'] = $cap;
        }

        return $request;
    }

    /**
     * Records one panel's products and tells operators what changed.
     *
     * @param array<int|string, array<string, mixed>> $products
     */
    private function record(array $products, Panel $panel): void
    {
        // The state and the notifications it causes, in one commit (one
        // sync to disk for the whole sweep).
        Capsule::connection()->transaction(function () use ($products, $panel): void {
            $changes = State::record($products, $panel->serverId, $this->settings->ipv4Pool());
            if ($changes === []) {
                return;
            }
            $names = Capsule::table('tblproducts')->whereIn('id', array_keys($changes))->pluck('name', 'id')->all();
            (new Notifier($this->settings))->tell($changes, array_map('strval', $names));
        });
    }

    /**
     * One line for an operator: "3 products: 1 updated, 1 unchanged, 1 untouched".
     *
     * @param array<string, mixed> $result
     */
    public static function summary(array $result): string
    {
        if (($result['ran'] ?? false) !== true) {
            return 'Not run: another refresh holds the lease.';
        }
        $counts = ['updated' => 0, 'unchanged' => 0, 'untouched' => 0, 'skipped' => 0];
        foreach ($result['products'] ?? [] as $line) {
            $status = (string) ($line['status'] ?? '');
            if (isset($counts[$status])) {
                $counts[$status]++;
            }
        }
        $total = array_sum($counts);
        $parts = [];
        foreach ($counts as $status => $count) {
            $parts[] = "{$count} {$status}";
        }

        return $total . ' product' . ($total === 1 ? '' : 's') . ': ' . implode(', ', $parts) . '.';
    }

    /**
     * The result without breakdowns, for the log.
     *
     * @param array<string, mixed> $result
     * @return array<string, mixed>
     */
    private static function brief(array $result): array
    {
        $products = [];
        foreach ($result['products'] ?? [] as $id => $line) {
            $products[$id] = [
                'status' => $line['status'] ?? null,
                'qty' => $line['qty'] ?? null,
                'previous' => $line['previous'] ?? null,
                'reason' => $line['reason'] ?? null,
            ];
        }

        return ['products' => $products, 'stats' => $result['stats'] ?? []];
    }
}
