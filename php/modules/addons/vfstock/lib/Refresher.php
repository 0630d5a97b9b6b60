<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * Runs vf_stock_refresh for a trigger and records what it found
 * (mod_vfstock_state, mod_vfstock_history).
 */
final class Refresher
{
    public const LEASE_EVENT = 'stockrefresh:event';
    public const LEASE_CRON = 'stockrefresh:cron';

    public const MISSING_EXTENSION = 'The vfstock PHP extension is not loaded (vf_stock_refresh() does not exist):'
        . ' stock levels are not being updated. Install it with `make install` and add `extension=vfstock`'
        . ' to php.ini, then restart PHP (PHP-FPM and the cron\'s PHP CLI).';

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
     * One refresh.
     *
     * @param array{products?: ?list<int>, lease?: ?array{key: string, ttl: int}, timeout?: ?float} $options
     * @return array<string, mixed>|null the extension's result; null when it could not run
     *         (no extension, no panel)
     */
    public function run(string $trigger, array $options = []): ?array
    {
        if (!self::extensionLoaded()) {
            Log::call('extension not loaded', ['trigger' => $trigger], self::MISSING_EXTENSION);

            return null;
        }
        $panel = Panel::credentials();
        if ($panel === null) {
            Log::call(
                'no panel',
                ['trigger' => $trigger],
                'No enabled VirtFusionDirect server with a hostname or IP address in Setup > Servers:'
                . ' stock levels are not being updated.'
            );

            return null;
        }
        if ($panel->token() === '') {
            Log::call(
                'no token',
                ['trigger' => $trigger, 'server' => $panel->serverId],
                "The VirtFusionDirect server \"{$panel->name}\" has no API token in its password field:"
                . ' stock levels are not being updated.'
            );

            return null;
        }
        $token = $panel->token();

        $extra = [];
        $timeout = $options['timeout'] ?? null;
        if ($timeout !== null) {
            $extra = ['timeout' => (float) $timeout, 'connectTimeout' => (float) $timeout];
        }
        $request = [
            'api' => $panel->api($extra),
            'db' => $this->database->callbacks(),
            'log' => static function (string $action, mixed $request, mixed $response) use ($token): void {
                Log::call($action, $request, $response, [$token]);
            },
            'locationLabel' => $this->settings->locationLabel(),
        ];
        $products = $options['products'] ?? null;
        if ($products !== null) {
            $request['products'] = array_values(array_map('intval', $products));
        }
        $lease = $options['lease'] ?? null;
        if ($lease !== null) {
            $request['lease'] = ['key' => (string) $lease['key'], 'ttl' => (int) $lease['ttl']];
        }

        $result = vf_stock_refresh($request);
        if (($result['ran'] ?? false) === true) {
            $this->record($result['products'] ?? []);
            Log::call(
                'refresh',
                [
                    'trigger' => $trigger,
                    'panel' => $panel->url,
                    'products' => $products,
                    'lease' => $lease,
                ],
                ['summary' => self::summary($result)] + self::brief($result),
                [$token]
            );
        }

        return $result;
    }

    /**
     * Upserts mod_vfstock_state per product and appends mod_vfstock_history
     * when a product's qty or status changed.
     *
     * @param array<int, array<string, mixed>> $products the result's `products`
     */
    public function record(array $products, ?int $now = null): void
    {
        $now ??= time();
        foreach ($products as $productId => $line) {
            $productId = (int) $productId;
            $status = (string) ($line['status'] ?? '');
            $previous = $line['previous'] ?? null;
            if ($productId <= 0 || ($status === 'skipped' && $previous === null)) {
                continue; // no such product: nothing to show
            }
            $qty = $line['qty'] ?? $previous;
            $qty = $qty === null ? null : (int) $qty;
            $reason = isset($line['reason']) ? (string) $line['reason'] : null;
            $breakdown = json_encode(
                $line['groups'] ?? [],
                JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE
            );
            $values = [
                'qty' => $qty,
                'status' => $status,
                'reason' => $reason,
                'checked_at' => $now,
                'breakdown' => $breakdown === false ? null : $breakdown,
            ];

            $before = Capsule::table(Schema::STATE)->where('product_id', $productId)->first(['qty', 'status']);
            if ($before === null) {
                try {
                    Capsule::table(Schema::STATE)->insert(['product_id' => $productId] + $values);
                } catch (\Throwable) {
                    // Another process inserted it meanwhile.
                    Capsule::table(Schema::STATE)->where('product_id', $productId)->update($values);
                }
            } else {
                Capsule::table(Schema::STATE)->where('product_id', $productId)->update($values);
            }

            $changed = $before === null
                || (string) $before->status !== $status
                || ($before->qty === null ? null : (int) $before->qty) !== $qty;
            if ($changed) {
                Capsule::table(Schema::HISTORY)->insert([
                    'product_id' => $productId,
                    'qty' => $qty,
                    'status' => $status,
                    'reason' => $reason,
                    'created_at' => $now,
                ]);
            }
        }
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
