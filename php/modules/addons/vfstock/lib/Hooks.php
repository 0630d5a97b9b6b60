<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * The bodies of the addon's hooks (SPEC §7). hooks.php registers them and
 * wraps each in a catch-all: a hook never breaks a WHMCS page or the cron.
 */
final class Hooks
{
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
                (new AutoAccept())->afterCreate(self::positiveInt($params['serviceid'] ?? null) ?? 0);
            } catch (\Throwable $e) {
                Log::failure('AfterModuleCreate auto-accept', $e);
            }
        }
        self::forget(self::serviceGroups($params, $settings->locationLabel()));
        (new Refresher($settings))->run('AfterModuleCreate', [
            'lease' => ['key' => Refresher::LEASE_EVENT, 'ttl' => $settings->eventInterval()],
        ]);
    }

    /** Terminated: capacity came back; refresh everything under the event lease. */
    public static function afterModuleTerminate(array $vars): void
    {
        $params = self::params($vars);
        if (!self::ours($params)) {
            return;
        }
        $settings = Settings::load();
        self::forget(self::serviceGroups($params, $settings->locationLabel()));
        (new Refresher($settings))->run('AfterModuleTerminate', [
            'lease' => ['key' => Refresher::LEASE_EVENT, 'ttl' => $settings->eventInterval()],
        ]);
    }

    /** The safety net for out-of-band panel changes. */
    public static function afterCronJob(array $vars): void
    {
        $settings = Settings::load();
        (new Refresher($settings))->run('AfterCronJob', [
            'lease' => ['key' => Refresher::LEASE_CRON, 'ttl' => $settings->cronInterval() * 60],
        ]);
    }

    /**
     * A cart page about one stock-controlled VirtFusionDirect product:
     * refresh it, at most once per cartInterval, waiting at most cartTimeout.
     *
     * @return array<string, mixed> no template variables
     */
    public static function clientAreaPageCart(array $vars): array
    {
        $productId = self::positiveInt($vars['pid'] ?? null)
            ?? self::positiveInt($vars['productid'] ?? null)
            ?? (is_array($vars['productinfo'] ?? null) ? self::positiveInt($vars['productinfo']['pid'] ?? null) : null);
        if ($productId === null) {
            return [];
        }
        $settings = Settings::load();
        if (!(new Database($settings))->managed($productId)) {
            return [];
        }
        (new Refresher($settings))->run('ClientAreaPageCart', [
            'products' => [$productId],
            'lease' => ['key' => Refresher::productLease($productId), 'ttl' => $settings->cartInterval()],
            'timeout' => $settings->cartTimeout(),
        ]);

        return [];
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
        $default = self::groupId($params['configoption1'] ?? null);
        if ($default !== null) {
            $groups[] = $default;
        }
        $options = $params['configoptions'] ?? null;
        if (is_array($options)) {
            $wanted = Database::optionKey($label);
            foreach ($options as $name => $value) {
                if (Database::optionKey((string) $name) === $wanted) {
                    $group = self::groupId($value);
                    if ($group !== null && !in_array($group, $groups, true)) {
                        $groups[] = $group;
                    }
                }
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

    /** @param list<int> $groups */
    private static function forget(array $groups): void
    {
        if ($groups !== [] && function_exists('vf_stock_forget')) {
            vf_stock_forget($groups);
        }
    }

    /** A group id: the part before any `|`, a whole number > 0. */
    private static function groupId(mixed $value): ?int
    {
        if (is_int($value)) {
            return $value > 0 ? $value : null;
        }
        if (!is_string($value)) {
            return null;
        }
        $pipe = strpos($value, '|');
        if ($pipe !== false) {
            $value = substr($value, 0, $pipe);
        }

        return self::positiveInt(trim($value));
    }

    private static function positiveInt(mixed $value): ?int
    {
        if (is_int($value)) {
            return $value > 0 ? $value : null;
        }
        if (is_string($value) && preg_match('/^\s*\d{1,18}\s*$/', $value) === 1) {
            $int = (int) trim($value);

            return $int > 0 ? $int : null;
        }

        return null;
    }
}
