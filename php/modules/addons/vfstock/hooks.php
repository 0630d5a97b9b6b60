<?php

/**
 * vfstock hooks (SPEC §7). WHMCS includes this file on its own, without
 * vfstock.php, for every active addon: it loads what it needs from lib/.
 *
 * Every hook catches everything, logs it and returns normally: stock control
 * must never break a WHMCS page, a provisioning run or the cron.
 */

declare(strict_types=1);

use WHMCS\Module\Addon\VfStock\Autoload;
use WHMCS\Module\Addon\VfStock\Hooks;
use WHMCS\Module\Addon\VfStock\Log;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

if (!class_exists(Autoload::class)) {
    require_once __DIR__ . '/lib/Autoload.php';
}
Autoload::register();

add_hook('AfterModuleCreate', 1, static function (mixed $vars): void {
    try {
        Hooks::afterModuleCreate(is_array($vars) ? $vars : []);
    } catch (\Throwable $e) {
        Log::failure('AfterModuleCreate', $e);
    }
});

add_hook('AfterModuleTerminate', 1, static function (mixed $vars): void {
    try {
        Hooks::afterModuleTerminate(is_array($vars) ? $vars : []);
    } catch (\Throwable $e) {
        Log::failure('AfterModuleTerminate', $e);
    }
});

add_hook('AfterCronJob', 1, static function (mixed $vars): void {
    try {
        Hooks::afterCronJob(is_array($vars) ? $vars : []);
    } catch (\Throwable $e) {
        Log::failure('AfterCronJob', $e);
    }
});

add_hook('ClientAreaPageCart', 1, static function (mixed $vars): array {
    try {
        return Hooks::clientAreaPageCart(is_array($vars) ? $vars : []);
    } catch (\Throwable $e) {
        Log::failure('ClientAreaPageCart', $e);

        return [];
    }
});
