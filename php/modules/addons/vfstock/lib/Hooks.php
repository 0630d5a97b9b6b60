<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The bodies of the addon's hooks. hooks.php registers
 * every entry of MAP with one catch-all wrapper: a hook never breaks a
 * WHMCS page, a provisioning run or the cron, and answers FALLBACK when it
 * fails.
 */
final class Hooks
{
    /** WHMCS hook => method of this class. */
    public const MAP = [
        'AfterModuleCreate' => 'afterModuleCreate',
        'AfterModuleCreateFailed' => 'afterModuleCreateFailed',
        'AfterModuleTerminate' => 'afterModuleTerminate',
        'AfterModuleChangePackage' => 'afterModuleChangePackage',
        'AfterCronJob' => 'afterCronJob',
        'ClientAreaPageCart' => 'clientAreaPageCart',
        'ShoppingCartValidateProductUpdate' => 'shoppingCartValidateProductUpdate',
        'ShoppingCartValidateCheckout' => 'shoppingCartValidateCheckout',
        'AfterShoppingCartCheckout' => 'afterShoppingCartCheckout',
        'AddonModuleConfigSave' => 'addonModuleConfigSave',
        'AdminHomeWidgets' => 'adminHomeWidgets',
    ];

    /** What a hook answers when it fails (nothing blocks, nothing changes). */
    public const FALLBACK = [
        'ClientAreaPageCart' => [],
        'ShoppingCartValidateProductUpdate' => [],
        'ShoppingCartValidateCheckout' => [],
        'AdminHomeWidgets' => [],
    ];

    /** Runs one hook body inside the catch-all. */
    public static function dispatch(string $hook, mixed $vars): mixed
    {
        try {
            $method = self::MAP[$hook];

            return self::$method(is_array($vars) ? $vars : []);
        } catch (\Throwable $e) {
            Log::failure($hook, $e);

            return self::FALLBACK[$hook] ?? null;
        }
    }

    /** Provisioned: accept the order, then refresh everything under the event lease. */
    public static function afterModuleCreate(array $vars): void
    {
        $params = self::params($vars);
        if (!self::ours($params)) {
            return;
        }
        $settings = Settings::load();
        if ($settings->autoAccept()) {
            try {
                (new AutoAccept())->afterCreate(OptionValue::group($params['serviceid'] ?? null) ?? 0);
            } catch (\Throwable $e) {
                Log::failure('AfterModuleCreate auto-accept', $e);
            }
        }
        self::refreshAfterEvent('AfterModuleCreate', $params, $settings);
    }

    /** Provisioning failed: say so, and recount (the panel may be full). */
    public static function afterModuleCreateFailed(array $vars): void
    {
        $params = self::params($vars);
        if (!self::ours($params)) {
            return;
        }
        $settings = Settings::load();
        $productId = OptionValue::group($params['pid'] ?? null) ?? 0;
        $name = (string) (Capsule::table('tblproducts')->where('id', $productId)->value('name') ?? "#{$productId}");
        $why = trim((string) ($vars['failureResponseMessage'] ?? $vars['error'] ?? ''));
        $service = OptionValue::group($params['serviceid'] ?? null) ?? 0;
        $text = "provisioning of service #{$service} failed" . ($why !== '' ? ": {$why}" : '');
        Log::activity("{$name} (#{$productId}): {$text}.");
        (new Notifier($settings))->notify($productId, $name, [$text]);
        self::refreshAfterEvent('AfterModuleCreateFailed', $params, $settings);
    }

    /** Terminated: capacity came back; refresh everything under the event lease. */
    public static function afterModuleTerminate(array $vars): void
    {
        $params = self::params($vars);
        if (self::ours($params)) {
            self::refreshAfterEvent('AfterModuleTerminate', $params, Settings::load());
        }
    }

    /** Upgraded or downgraded: the service takes different room now. */
    public static function afterModuleChangePackage(array $vars): void
    {
        $params = self::params($vars);
        if (self::ours($params)) {
            self::refreshAfterEvent('AfterModuleChangePackage', $params, Settings::load());
        }
    }

    /** The safety net for out-of-band panel changes. */
    public static function afterCronJob(array $vars): void
    {
        $settings = Settings::load();
        $sweep = (new Refresher($settings))->run('AfterCronJob', [
            'lease' => ['key' => Refresher::LEASE_CRON, 'ttl' => $settings->cronInterval() * 60],
        ]);
        self::hide($settings);
        if (($sweep['ran'] ?? false) === true) {
            self::pruneHistory();
        }
    }

    /** With each cron sweep, the history older than State::HISTORY_DAYS goes (State::pruneHistory). */
    private static function pruneHistory(): void
    {
        $deleted = State::pruneHistory(time() - State::HISTORY_DAYS * 86400);
        if ($deleted > 0) {
            $rows = $deleted === 1 ? 'row' : 'rows';
            Log::call('history pruned', ['olderThanDays' => State::HISTORY_DAYS],
                "{$deleted} history {$rows} older than " . State::HISTORY_DAYS . ' days deleted'
                . " (each product's last change before then is kept).");
        }
    }

    /**
     * A cart page about one stock-controlled VirtFusionDirect product:
     * refresh it, at most once per cartInterval, waiting at most
     * cartTimeout in all; on the configure step, mark its sold-out Locations.
     *
     * @return array<string, mixed> template variables
     */
    public static function clientAreaPageCart(array $vars): array
    {
        $productId = OptionValue::group($vars['pid'] ?? null)
            ?? OptionValue::group($vars['productid'] ?? null)
            ?? (is_array($vars['productinfo'] ?? null) ? OptionValue::group($vars['productinfo']['pid'] ?? null) : null);
        if ($productId === null || !Database::isManaged($productId)) {
            return [];
        }
        $settings = Settings::load();
        (new Refresher($settings))->run('ClientAreaPageCart', [
            'products' => [$productId],
            'lease' => ['key' => Refresher::productLease($productId), 'ttl' => $settings->cartInterval()],
            'deadline' => $settings->cartTimeout(),
        ]);
        $marked = (new SoldOut($settings))->mark($productId, $vars['configurableoptions'] ?? null);

        return $marked === null ? [] : ['configurableoptions' => $marked];
    }

    /**
     * The configure step: can the chosen configuration be deployed in the
     * chosen Location?
     *
     * @return list<string> errors for the customer
     */
    public static function shoppingCartValidateProductUpdate(array $vars): array
    {
        $cart = $_SESSION['cart'] ?? [];
        $index = OptionValue::int($vars['i'] ?? null);
        $line = is_array($cart['products'] ?? null) && $index !== null ? ($cart['products'][$index] ?? []) : [];
        $line = (is_array($line) ? $line : []) + ['pid' => $vars['pid'] ?? null];
        if (is_array($vars['configoption'] ?? null)) {
            $line['configoptions'] = $vars['configoption'];
        }
        $item = Cart::item($line);

        return $item === null ? [] : (new Cart(Settings::load()))->refusals([$item]);
    }

    /**
     * Checkout: every VirtFusion item of the cart, jointly, after the
     * pending orders.
     *
     * @return list<string> one error per refused item
     */
    public static function shoppingCartValidateCheckout(array $vars): array
    {
        return (new Cart(Settings::load()))->refusals(Cart::items($_SESSION['cart'] ?? []));
    }

    /** An order was placed: its services are pending now, so their products' qty drops at once. */
    public static function afterShoppingCartCheckout(array $vars): void
    {
        $services = array_values(array_filter(array_map(
            [OptionValue::class, 'group'],
            is_array($vars['ServiceIDs'] ?? null) ? $vars['ServiceIDs'] : []
        )));
        if ($services === []) {
            return;
        }
        $products = array_values(array_unique(array_map('intval', Capsule::table('tblhosting')
            ->whereIn('id', $services)->pluck('packageid')->all())));
        $managed = array_flip(array_map('intval', Database::managed()->whereIn('tblproducts.id', $products)
            ->pluck('tblproducts.id')->all()));
        $products = array_values(array_filter($products, static fn (int $p): bool => isset($managed[$p])));
        if ($products === []) {
            return;
        }
        $settings = Settings::load();
        (new Refresher($settings))->run('AfterShoppingCartCheckout', [
            'products' => $products,
            'deadline' => $settings->cartTimeout(),
        ]);
        self::hide($settings);
    }

    /** The addon's settings were saved: the buffer, the pools or the cap may have changed. */
    public static function addonModuleConfigSave(array $vars): void
    {
        if (($vars['module'] ?? null) !== Settings::MODULE) {
            return;
        }
        $settings = Settings::load();
        (new Refresher($settings))->run('AddonModuleConfigSave');
        self::hide($settings);
    }

    /** @return array<string, object> the dashboard widget */
    public static function adminHomeWidgets(array $vars): array
    {
        return class_exists(\WHMCS\Module\AbstractWidget::class) ? ['vfstock' => new Admin\Widget()] : [];
    }

    /**
     * After an event on one service: forget its groups (configoption1 and
     * the chosen Location), then refresh everything under the event lease.
     *
     * @param array<string, mixed> $params
     */
    private static function refreshAfterEvent(string $trigger, array $params, Settings $settings): void
    {
        (new Refresher($settings))->run($trigger, [
            'lease' => ['key' => Refresher::LEASE_EVENT, 'ttl' => $settings->eventInterval()],
            'forgetGroups' => self::serviceGroups($params, $settings->locationLabel()),
        ]);
        self::hide($settings);
    }

    private static function hide(Settings $settings): void
    {
        if ($settings->hideSoldOut()) {
            (new SoldOut($settings))->applyHiding();
        }
    }

    /**
     * The hypervisor groups a service was placed in: configoption1 and the
     * chosen Location when it reads as a group id.
     *
     * @param array<string, mixed> $params
     * @return list<int>
     */
    public static function serviceGroups(array $params, string $label): array
    {
        $groups = [];
        $default = OptionValue::group($params['configoption1'] ?? null);
        if ($default !== null) {
            $groups[] = $default;
        }
        foreach (is_array($params['configoptions'] ?? null) ? $params['configoptions'] : [] as $name => $value) {
            $group = OptionValue::is((string) $name, $label) ? OptionValue::group($value) : null;
            if ($group !== null && !in_array($group, $groups, true)) {
                $groups[] = $group;
            }
        }

        return $groups;
    }

    /** @return array<string, mixed> */
    private static function params(array $vars): array
    {
        return is_array($vars['params'] ?? null) ? $vars['params'] : [];
    }

    /** @param array<string, mixed> $params */
    private static function ours(array $params): bool
    {
        return ($params['moduletype'] ?? null) === Database::SERVER_TYPE;
    }
}
