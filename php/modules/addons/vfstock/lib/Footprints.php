<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * What a customer's choice will take on the panel: the product's
 * package in its default group, changed by the configurable options that
 * change it — Memory, CPU Cores, Storage, IPv4, Package and the Location
 * option — as the cart holds them or a pending service keeps them.
 */
final class Footprints
{
    /** Option key => footprint field. */
    private const OPTIONS = [
        'memory' => 'memory',
        'cpu cores' => 'cpuCores',
        'storage' => 'primaryStorage',
        'ipv4' => 'ipv4',
        'package' => 'package',
    ];

    /** WHMCS's quantity option type. */
    private const QUANTITY = 4;

    /** WHMCS's yes/no option type: on is 1, off 0. */
    private const YES_NO = 3;

    /** @var array<int, ?object> managed product rows read so far (pending services share their product's) */
    private array $products = [];

    /** @var array<int, array{0: array<int, object>, 1: array<int, object>}> Footprints::optionsOf() read so far */
    private array $options = [];

    public function __construct(private readonly Settings $settings)
    {
    }

    /**
     * The footprint of `$count` VPSes of a managed product with these
     * choices (configid => sub-option id, or quantity), or null when the
     * product is not managed or names no package or group.
     *
     * @param array<int|string, mixed> $choices
     * @return array{package: int, group: int, count: int, memory?: int, cpuCores?: int, primaryStorage?: int,
     *               ipv4: string, buffer: string, location: ?string}|null
     */
    public function of(int $productId, array $choices, int $count = 1): ?array
    {
        $product = $this->products[$productId] ??= Database::managed()->where('tblproducts.id', $productId)
            ->first(['tblproducts.configoption1', 'tblproducts.configoption2', 'tblproducts.configoption3',
                'tblproducts.configoption7']);
        if ($product === null) {
            return null;
        }
        $footprint = [
            'package' => OptionValue::int((string) ($product->configoption2 ?? '')) ?? 0,
            'group' => OptionValue::group((string) ($product->configoption1 ?? '')) ?? 0,
            'count' => max(1, $count),
            'ipv4' => (string) ($product->configoption3 ?? ''),
            'buffer' => Database::hasOwnBuffer($product->configoption7 ?? null) ? trim((string) $product->configoption7)
                : (string) $this->settings->buffer(),
            'location' => null,
        ];
        foreach ($this->chosen($productId, $choices) as [$name, $type, $value, $subName]) {
            if (OptionValue::is($name, $this->settings->locationLabel())) {
                $group = OptionValue::group($subName);
                if ($group !== null) {
                    $footprint['group'] = $group;
                    $footprint['location'] = OptionValue::label($subName);
                }
                continue;
            }
            $field = self::OPTIONS[OptionValue::key($name)] ?? null;
            if ($field === null || $value === null || $type === self::YES_NO) {
                continue;
            }
            if ($field === 'memory' && $value < 1024) {
                $value *= 1024; // GB, as the VirtFusionDirect module reads a small memory value
            }
            $footprint[$field] = $field === 'ipv4' ? (string) $value : $value;
        }

        return $footprint['package'] > 0 && $footprint['group'] > 0 ? $footprint : null;
    }

    /** The footprint without the addon's own keys: what the extension takes. @param array<string, mixed> $f */
    public static function forExtension(array $f): array
    {
        unset($f['location']);

        return $f;
    }

    /**
     * The product's options that were chosen: [option name, type, value (a
     * number, or null), the chosen sub-option's name].
     *
     * @param array<int|string, mixed> $choices configid => sub-option id or quantity (as the cart holds
     *        them), or ['optionid' => …, 'qty' => …] (as tblhostingconfigoptions does)
     * @return list<array{0: string, 1: int, 2: ?int, 3: string}>
     */
    private function chosen(int $productId, array $choices): array
    {
        $choices = array_filter($choices, static fn (mixed $v, mixed $k): bool => is_numeric($k)
            && (is_int($v) || is_array($v) || (is_string($v) && is_numeric($v))), ARRAY_FILTER_USE_BOTH);
        $pick = static fn (mixed $v, bool $quantity): int => (int) (is_array($v)
            ? ($quantity ? ($v['qty'] ?? 0) : ($v['optionid'] ?? 0)) : $v);
        if ($choices === []) {
            return [];
        }
        [$options, $subs] = $this->options[$productId] ??= self::optionsOf($productId);
        $out = [];
        foreach ($options as $id => $o) {
            if (!array_key_exists($id, $choices)) {
                continue; // not chosen
            }
            $type = (int) $o->optiontype;
            $choice = $pick($choices[$id], $type === self::QUANTITY);
            if ($type === self::QUANTITY) {
                $out[] = [(string) $o->optionname, $type, max(0, $choice), ''];
                continue;
            }
            $sub = $subs[$choice] ?? null;
            if ($sub === null || (int) $sub->configid !== (int) $o->id) {
                continue;
            }
            $name = (string) $sub->optionname;
            $out[] = [(string) $o->optionname, $type, OptionValue::int($name), $name];
        }

        return $out;
    }

    /**
     * Every configurable option linked to the product, and their
     * sub-options: two queries per product, however many services and
     * cart lines share it.
     *
     * @return array{0: array<int, object>, 1: array<int, object>} options and sub-options, by id
     */
    private static function optionsOf(int $productId): array
    {
        $options = Capsule::table('tblproductconfigoptions')
            ->join('tblproductconfiglinks', 'tblproductconfiglinks.gid', '=', 'tblproductconfigoptions.gid')
            ->where('tblproductconfiglinks.pid', $productId)
            ->orderBy('tblproductconfigoptions.id')
            ->get(['tblproductconfigoptions.id', 'tblproductconfigoptions.optionname',
                'tblproductconfigoptions.optiontype'])->keyBy('id')->all();
        $ids = array_keys($options);
        $subs = $ids === [] ? [] : Capsule::table('tblproductconfigoptionssub')->whereIn('configid', $ids)
            ->get(['id', 'configid', 'optionname'])->keyBy('id')->all();

        return [$options, $subs];
    }

    /**
     * Services sold but not yet on the panel: Pending services of managed
     * products, not provisioned (no mod_virtfusion_direct row with a
     * server), whose order is newer than reserveHours — with the options
     * they were ordered with.
     *
     * @return list<array<string, mixed>> footprints, each with its `service` and `product`
     */
    public function pending(?int $now = null): array
    {
        $hours = $this->settings->reserveHours();
        if ($hours <= 0) {
            return [];
        }
        $since = date('Y-m-d H:i:s', ($now ?? time()) - (int) round($hours * 3600));
        $query = Database::managed()
            ->join('tblhosting', 'tblhosting.packageid', '=', 'tblproducts.id')
            ->join('tblorders', 'tblorders.id', '=', 'tblhosting.orderid')
            ->where('tblhosting.domainstatus', 'Pending')
            ->where('tblorders.date', '>=', $since)
            ->orderBy('tblhosting.id');
        if (Capsule::schema()->hasTable(AutoAccept::SERVICES_TABLE)) {
            $query->whereNotExists(static function ($q): void {
                $q->from(AutoAccept::SERVICES_TABLE)
                    ->whereColumn(AutoAccept::SERVICES_TABLE . '.service_id', 'tblhosting.id')
                    ->whereNotNull(AutoAccept::SERVICES_TABLE . '.server_id');
            });
        }
        $services = $query->get(['tblhosting.id', 'tblhosting.packageid'])->all();
        if ($services === []) {
            return [];
        }
        $choices = [];
        if (Capsule::schema()->hasTable('tblhostingconfigoptions')) {
            $rows = Capsule::table('tblhostingconfigoptions')
                ->whereIn('relid', array_map(static fn (object $s): int => (int) $s->id, $services))
                ->get(['relid', 'configid', 'optionid', 'qty']);
            foreach ($rows as $r) {
                $choices[(int) $r->relid][(int) $r->configid] = ['optionid' => (int) $r->optionid, 'qty' => (int) $r->qty];
            }
        }
        $out = [];
        foreach ($services as $s) {
            $footprint = $this->of((int) $s->packageid, $choices[(int) $s->id] ?? []);
            if ($footprint !== null) {
                $out[] = $footprint + ['service' => (int) $s->id, 'product' => (int) $s->packageid];
            }
        }

        return $out;
    }

    /**
     * The reservations to pass to the extension: the pending services of
     * these products (all, when null).
     *
     * @param list<array<string, mixed>> $pending
     * @param list<int>|null $products
     * @return list<array<string, mixed>>
     */
    public static function reservations(array $pending, ?array $products = null): array
    {
        $out = [];
        foreach ($pending as $f) {
            if ($products !== null && !in_array($f['product'], $products, true)) {
                continue;
            }
            unset($f['service'], $f['product']);
            $out[] = self::forExtension($f);
        }

        return $out;
    }
}
