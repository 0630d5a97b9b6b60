<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * What operators are told: an activity-log line for each change
 * and each failure to read the panel, and a notification for each
 * transition — sold out, back in stock, low stock, package gone or
 * disabled, stale, pending orders that no longer fit — once when it
 * happens, never again while the state holds. One notification per product
 * per refresh names every transition it made.
 *
 * What was already said is kept in the product's state row (`flags`).
 */
final class Notifier
{
    public const IDENTIFIER = 'vfstock.stock';

    public function __construct(private readonly Settings $settings)
    {
    }

    /**
     * Tells what changed in one refresh's recorded products.
     *
     * @param array<int, array{before: ?object, after: array<string, mixed>}> $changes State::record()'s answer
     * @param array<int, string> $names product id => name
     */
    public function tell(array $changes, array $names, ?int $now = null): void
    {
        $now ??= time();
        foreach ($changes as $productId => ['before' => $before, 'after' => $after]) {
            $name = $names[$productId] ?? "#{$productId}";
            $this->activity($productId, $name, $before, $after);
            $old = $before === null ? [] : State::decode($before->flags ?? null);
            $flags = $this->flags($after, $old, $now);
            $said = $this->transitions($old, $flags, $after);
            if ($said !== []) {
                $this->notify($productId, $name, $said, $after);
            }
            if ($flags !== $old) {
                State::setFlags($productId, $flags);
            }
        }
    }

    /** @param array<string, mixed> $after */
    private function activity(int $id, string $name, ?object $before, array $after): void
    {
        $status = (string) $after['status'];
        $qty = $after['qty'];
        $was = $after['previous'] ?? ($before?->qty === null ? null : (int) $before->qty);
        $wasStatus = $before === null ? null : (string) $before->status;
        $reason = $after['reason'] !== null ? ': ' . rtrim((string) $after['reason'], '.') : '';
        if ($status === 'updated' && $qty !== $was) {
            Log::activity("{$name} (#{$id}) qty {$this->shown($was)} → {$this->shown($qty)}{$reason}.");
        } elseif ($status === 'untouched' && $wasStatus !== 'untouched') {
            Log::activity("{$name} (#{$id}) could not be recalculated, qty kept at {$this->shown($qty)}{$reason}.");
        } elseif ($wasStatus === 'untouched' && in_array($status, State::COMPUTED, true)) {
            Log::activity("{$name} (#{$id}) is recalculated again: qty {$this->shown($qty)}.");
        }
    }

    /**
     * The product's conditions now. Those not decided this time (a qty
     * that was not recalculated) keep their last value.
     *
     * @param array<string, mixed> $after
     * @param array<string, mixed> $old
     * @return array<string, mixed>
     */
    private function flags(array $after, array $old, int $now): array
    {
        $flags = $old;
        $computed = in_array($after['status'], State::COMPUTED, true);
        if ($computed) {
            $qty = (int) $after['qty'];
            $flags['soldOut'] = $qty === 0;
            $flags['low'] = $qty > 0 && $qty <= $this->settings->lowStock();
            $flags['gone'] = State::zeroedBecause($after['package_status']) !== null;
            $flags['stale'] = false;
        } elseif ($after['status'] === 'untouched') {
            $view = ['status' => 'untouched', 'okAt' => $after['ok_at'], 'changedAt' => $after['changed_at'],
                'checkedAt' => $after['checked_at']];
            $flags['stale'] = State::stale($view, $this->settings->staleHours(), $now);
        }
        $unplaced = [];
        foreach (State::decode($after['groups']) as $gid => $group) {
            if ((int) ($group['unplaced'] ?? 0) > 0) {
                $unplaced[(string) $gid] = (int) $group['unplaced'];
            }
        }
        $flags['unplaced'] = $unplaced;

        return $flags;
    }

    /**
     * What turned on (or, for stock, back) since the last refresh, in words.
     *
     * @param array<string, mixed> $old
     * @param array<string, mixed> $new
     * @param array<string, mixed> $after
     * @return list<string>
     */
    private function transitions(array $old, array $new, array $after): array
    {
        $on = static fn (string $k): bool => !empty($new[$k]) && empty($old[$k]);
        $said = [];
        if ($on('soldOut')) {
            $said[] = 'sold out: ' . (!empty($new['gone']) ? State::zeroedBecause($after['package_status'])
                : 'no Location has room for another VPS');
        } elseif ($on('gone')) {
            $said[] = 'its package is ' . ($after['package_status'] === 'disabled' ? 'disabled' : 'gone');
        }
        if (!empty($old['soldOut']) && array_key_exists('soldOut', $new) && $new['soldOut'] === false) {
            $said[] = 'back in stock: qty ' . (int) $after['qty'];
        }
        if ($on('low')) {
            $said[] = 'low stock: qty ' . (int) $after['qty'] . ' (at or below ' . $this->settings->lowStock() . ')';
        }
        if ($on('stale')) {
            $said[] = 'stale: not recalculated for more than ' . $this->settings->staleHours()
                . ' hours, the panel cannot be read' . ($after['reason'] !== null ? ' (' . $after['reason'] . ')' : '');
        }
        $labels = [];
        foreach (State::decode($after['groups']) as $gid => $group) {
            $labels[(string) $gid] = $group['label'] ?? null;
        }
        foreach ($new['unplaced'] ?? [] as $gid => $count) {
            if ((int) $count > (int) (($old['unplaced'] ?? [])[$gid] ?? 0)) {
                $where = $labels[$gid] ?? null;
                $said[] = $count . ' pending order' . ($count === 1 ? '' : 's') . ' no longer fit'
                    . ($count === 1 ? 's' : '') . ' in ' . ($where !== null ? $where . " (group {$gid})" : "group {$gid}");
            }
        }

        return $said;
    }

    /**
     * One notification through WHMCS's notification rules (and an admin
     * email with notifyEmail).
     *
     * @param list<string> $said
     * @param array<string, mixed> $after
     */
    public function notify(int $productId, string $name, array $said, array $after = []): void
    {
        $title = "{$name}: " . $said[0] . (count($said) > 1 ? ' (and ' . (count($said) - 1) . ' more)' : '');
        $message = "{$name} (product #{$productId}): " . implode('; ', $said) . '.';
        $bad = array_filter($said, static fn (string $s): bool => !str_starts_with($s, 'back in stock'));
        $this->send([
            'notification_identifier' => self::IDENTIFIER,
            'title' => 'Stock: ' . $title,
            'message' => $message,
            'url' => 'addonmodules.php?module=vfstock#vfstock-product-' . $productId,
            'status' => $bad === [] ? 'In stock' : 'Needs attention',
            'statusStyle' => $bad === [] ? 'success' : 'danger',
            'attributes' => [
                ['label' => 'Product', 'value' => "{$name} (#{$productId})"],
                ['label' => 'Qty', 'value' => (string) ($after['qty'] ?? '')],
            ],
        ], $message);
    }

    /** @param array<string, mixed> $event */
    private function send(array $event, string $message): void
    {
        if (!function_exists('localAPI')) {
            return;
        }
        try {
            localAPI('TriggerNotificationEvent', $event);
            if ($this->settings->notifyEmail()) {
                localAPI('SendAdminEmail', [
                    'customsubject' => (string) $event['title'],
                    'custommessage' => htmlspecialchars($message, ENT_QUOTES, 'UTF-8'),
                    'type' => 'system',
                ]);
            }
        } catch (\Throwable $e) {
            Log::failure('notification', $e);
        }
    }

    private function shown(mixed $qty): string
    {
        return $qty === null ? 'unknown' : (string) $qty;
    }
}
