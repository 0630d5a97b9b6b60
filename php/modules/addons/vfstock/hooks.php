<?php

/**
 * vfstock hooks. WHMCS includes this file on its own, without vfstock.php,
 * for every active addon: it loads what it needs from lib/. Hooks::MAP
 * names every hook; Hooks::dispatch() catches everything, logs it and
 * returns normally: stock control must never break a WHMCS page, a
 * provisioning run or the cron.
 */

declare(strict_types=1);

use WHMCS\Module\Addon\VfStock\Autoload;
use WHMCS\Module\Addon\VfStock\Hooks;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

if (!class_exists(Autoload::class)) {
    require_once __DIR__ . '/lib/Autoload.php';
}
Autoload::register();

foreach (array_keys(Hooks::MAP) as $vfstockHook) {
    add_hook($vfstockHook, 1, static fn (mixed $vars): mixed => Hooks::dispatch($vfstockHook, $vars));
}
unset($vfstockHook);
