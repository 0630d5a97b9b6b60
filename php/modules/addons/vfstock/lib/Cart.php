<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * Stock where the customer chooses: the chosen configuration in
 * the chosen Location is checked with vf_stock_check — at the configure
 * step and, jointly for the whole cart, at checkout — after the pending
 * orders, within cartTimeout. A panel that cannot be read never refuses an
 * order: only what the panel says is full or gone is.
 */
final class Cart
{
    public function __construct(private readonly Settings $settings)
    {
    }

    /**
     * Errors for the cart items given (product id, choices, count), in
     * words naming the product and the Location; none when every item can
     * be placed or the check could not tell.
     *
     * @param list<array{pid: int, configoptions: array<int|string, mixed>, qty: int}> $items
     * @return list<string>
     */
    public function refusals(array $items): array
    {
        if ($items === [] || !function_exists('vf_stock_check')) {
            return [];
        }
        $footprints = new Footprints($this->settings);
        // Every managed product by panel, once: a cart item's footprint is
        // of a managed product, and a panel's reservations are those of all
        // of its products.
        $panels = Panel::forProducts(null);
        unset($panels[0]);
        $panelOf = [];
        foreach ($panels as $serverId => [, $ids]) {
            $panelOf += array_fill_keys($ids, $serverId);
        }
        $byPanel = [];
        foreach ($items as $i => $item) {
            $footprint = $footprints->of($item['pid'], $item['configoptions'], $item['qty']);
            $serverId = $panelOf[$item['pid']] ?? null;
            if ($footprint === null || $serverId === null || $panels[$serverId][0]->token() === '') {
                continue;
            }
            $byPanel[$serverId][$i] = $footprint;
        }
        $pending = $byPanel === [] ? [] : $footprints->pending();
        $errors = [];
        foreach ($byPanel as $serverId => $list) {
            [$panel, $panelProducts] = $panels[$serverId];
            $request = [
                'api' => $panel->api(),
                'deadline' => $this->settings->cartTimeout(),
                'ipv4Pool' => $this->settings->ipv4Pool(),
                'reservations' => Footprints::reservations($pending, $panelProducts),
                'items' => [],
            ];
            foreach ($list as $i => $f) {
                $request['items'][] = Footprints::forExtension($f) + ['key' => $i];
            }
            $token = $panel->token();
            $request['log'] = static function (string $action, mixed $req, mixed $res) use ($token): void {
                Log::call($action, $req, $res, [$token]);
            };
            $result = vf_stock_check($request);
            foreach ($result['items'] ?? [] as $out) {
                if (!empty($out['ok'])) {
                    continue;
                }
                $i = (int) $out['key'];
                $errors[] = $this->message($items[$i]['pid'], $list[$i], $out);
            }
        }

        return $errors;
    }

    /**
     * @param array<string, mixed> $footprint
     * @param array<string, mixed> $out the check's answer for the item
     */
    private function message(int $productId, array $footprint, array $out): string
    {
        $name = (string) Capsule::table('tblproducts')->where('id', $productId)->value('name');
        $where = $footprint['location'] ?? null;
        $in = $where !== null ? " in {$where}" : '';
        if (($out['status'] ?? '') === 'missing') {
            return "{$name} can no longer be ordered{$in}. Please choose another option.";
        }
        $count = (int) ($out['count'] ?? 1);
        $placed = (int) ($out['placed'] ?? 0);

        return $count > 1
            ? "{$name}{$in}: only {$placed} of the {$count} you asked for can be deployed now. Please lower the"
                . ' quantity or choose another location.'
            : "{$name} cannot be deployed{$in} with this configuration right now. Please choose another location"
                . ' or configuration.';
    }

    /**
     * The VirtFusion items of the session's cart.
     *
     * @param mixed $cart $_SESSION['cart']
     * @return list<array{pid: int, configoptions: array<int|string, mixed>, qty: int}>
     */
    public static function items(mixed $cart): array
    {
        $out = [];
        foreach (is_array($cart['products'] ?? null) ? $cart['products'] : [] as $line) {
            $item = self::item($line);
            if ($item !== null) {
                $out[] = $item;
            }
        }

        return $out;
    }

    /** @return array{pid: int, configoptions: array<int|string, mixed>, qty: int}|null */
    public static function item(mixed $line): ?array
    {
        if (!is_array($line)) {
            return null;
        }
        $pid = OptionValue::int($line['pid'] ?? null);
        if ($pid === null || $pid <= 0 || !Database::isManaged($pid)) {
            return null;
        }
        $qty = OptionValue::int($line['qty'] ?? null);

        return [
            'pid' => $pid,
            'configoptions' => is_array($line['configoptions'] ?? null) ? $line['configoptions'] : [],
            'qty' => $qty !== null && $qty > 0 ? $qty : 1,
        ];
    }
}
