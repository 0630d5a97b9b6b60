<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * Accepts a service's order once it is provisioned. Needs no
 * extension.
 *
 * WHMCS 9 stops provisioning the rest of an order once the order leaves
 * Pending, so while another VirtFusionDirect service of the same order is
 * still Pending and not yet created on the panel (no mod_virtfusion_direct
 * row), the order waits: the last one to provision accepts it.
 */
final class AutoAccept
{
    public const ACCEPTED = 'accepted';
    public const DEFERRED = 'deferred';
    public const NOT_PENDING = 'not pending';
    public const NO_ORDER = 'no order';
    public const FAILED = 'failed';

    /** The VirtFusion module's table of services created on the panel. */
    public const SERVICES_TABLE = 'mod_virtfusion_direct';

    /** What happened for the service: one of the constants above. */
    public function afterCreate(int $serviceId): string
    {
        $orderId = $serviceId > 0
            ? (int) Capsule::table('tblhosting')->where('id', $serviceId)->value('orderid')
            : 0;
        if ($orderId <= 0) {
            return self::NO_ORDER;
        }
        $status = Capsule::table('tblorders')->where('id', $orderId)->value('status');
        if ($status === null) {
            return self::NO_ORDER;
        }
        if (!self::pending($status)) {
            return self::NOT_PENDING;
        }
        $waiting = $this->waitingSiblings($orderId, $serviceId);
        if ($waiting !== []) {
            Log::call(
                'auto-accept',
                ['serviceid' => $serviceId, 'orderid' => $orderId],
                'Deferred: services ' . implode(', ', $waiting) . ' of this order are still waiting to be provisioned.'
            );

            return self::DEFERRED;
        }
        if (!function_exists('localAPI')) {
            throw new \RuntimeException('vfstock: WHMCS localAPI() is not available to accept the order');
        }
        $params = ['orderid' => $orderId, 'autosetup' => false, 'sendemail' => true];
        $response = localAPI('AcceptOrder', $params);
        $ok = is_array($response) && ($response['result'] ?? null) === 'success';
        Log::call('auto-accept', ['serviceid' => $serviceId] + $params, $response);
        Log::activity($ok ? "order #{$orderId} accepted after service #{$serviceId} was provisioned."
            : "order #{$orderId} could not be accepted after service #{$serviceId} was provisioned: "
                . (is_array($response) ? (string) ($response['message'] ?? 'unknown error') : 'no answer') . '.');

        return $ok ? self::ACCEPTED : self::FAILED;
    }

    private static function pending(mixed $status): bool
    {
        return strcasecmp(trim((string) $status), 'Pending') === 0;
    }

    /**
     * The other VirtFusionDirect services of the order that are Pending and
     * have no mod_virtfusion_direct row; none when that table does not exist.
     *
     * @return list<int>
     */
    private function waitingSiblings(int $orderId, int $serviceId): array
    {
        if (!Capsule::schema()->hasTable(self::SERVICES_TABLE)) {
            return [];
        }
        $siblings = Capsule::table('tblhosting')
            ->join('tblproducts', 'tblproducts.id', '=', 'tblhosting.packageid')
            ->where('tblhosting.orderid', $orderId)
            ->where('tblhosting.id', '<>', $serviceId)
            ->where('tblproducts.servertype', Database::SERVER_TYPE)
            ->orderBy('tblhosting.id')
            ->get(['tblhosting.id', 'tblhosting.domainstatus']);
        $pending = [];
        foreach ($siblings as $sibling) {
            if (self::pending($sibling->domainstatus)) {
                $pending[] = (int) $sibling->id;
            }
        }
        if ($pending === []) {
            return [];
        }
        // A row without a server_id is one the VirtFusionDirect module left
        // behind for a service it did not create: not provisioned.
        $created = Capsule::table(self::SERVICES_TABLE)
            ->whereIn('service_id', $pending)
            ->whereNotNull('server_id')
            ->pluck('service_id')
            ->map(static fn ($id): int => (int) $id)
            ->all();

        return array_values(array_diff($pending, $created));
    }
}
