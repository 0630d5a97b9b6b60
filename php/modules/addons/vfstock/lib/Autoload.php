<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * Loads `WHMCS\Module\Addon\VfStock\A\B` from `lib/A/B.php`, as WHMCS's own
 * addon autoloading does.
 *
 * hooks.php is included without the module file, so it registers this
 * loader too. Registering twice is harmless.
 */
final class Autoload
{
    private static bool $registered = false;

    public static function register(): void
    {
        if (self::$registered) {
            return;
        }
        self::$registered = true;
        spl_autoload_register(static function (string $class): void {
            $prefix = __NAMESPACE__ . '\\';
            if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
                return;
            }
            $name = substr($class, strlen($prefix));
            if (preg_match('/^[A-Za-z][A-Za-z0-9]*(\\\\[A-Za-z][A-Za-z0-9]*)*$/', $name) !== 1) {
                return;
            }
            $file = __DIR__ . '/' . str_replace('\\', '/', $name) . '.php';
            if (is_file($file)) {
                require_once $file;
            }
        });
    }
}
