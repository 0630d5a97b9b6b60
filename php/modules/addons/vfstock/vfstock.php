<?php

/**
 * VirtFusion Stock Control: keeps WHMCS's tblproducts.qty equal to what the
 * VirtFusion fleet can still provision.
 *
 * The work is done by the vfstock PHP extension (extension=vfstock); this
 * module holds the settings, the tables and the admin page, and hooks.php
 * holds the triggers.
 */

declare(strict_types=1);

use WHMCS\Module\Addon\VfStock\Admin\Controller;
use WHMCS\Module\Addon\VfStock\Autoload;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

if (!class_exists(Autoload::class)) {
    require_once __DIR__ . '/lib/Autoload.php';
}
Autoload::register();

/**
 * @return array<string, mixed>
 */
function vfstock_config(): array
{
    return [
        'name' => 'VirtFusion Stock Control',
        'description' => 'Keeps the stock (qty) of stock-controlled VirtFusion products equal to the number of'
            . ' VPSes the VirtFusion fleet can still provision, from live panel data, and checks each order\'s'
            . ' Location and configuration before it is placed. A panel outage never takes the catalogue offline.'
            . ' Needs the vfstock PHP extension (extension=vfstock).',
        'version' => Schema::VERSION,
        'author' => 'vfstock',
        'language' => 'english',
        'fields' => Settings::configFields(),
    ];
}

/**
 * @return array{status: string, description: string}
 */
function vfstock_activate(): array
{
    try {
        Schema::upgrade();
        if (!Refresher::extensionLoaded()) {
            return [
                'status' => 'info',
                'description' => 'VirtFusion Stock Control is active, but the vfstock PHP extension is not loaded in'
                    . ' this PHP (' . PHP_SAPI . '): stock levels will not be updated until it is. Install it for the'
                    . ' PHP that serves WHMCS and the one that runs its cron (see the README), then restart PHP-FPM.',
            ];
        }

        return [
            'status' => 'success',
            'description' => 'VirtFusion Stock Control is active. Turn on Stock Control on your VirtFusion products;'
                . ' their qty follows the fleet from now on.',
        ];
    } catch (\Throwable $e) {
        return ['status' => 'error', 'description' => 'Could not create the vfstock tables: ' . $e->getMessage()];
    }
}

/**
 * @return array{status: string, description: string}
 */
function vfstock_deactivate(): array
{
    try {
        Schema::drop();

        return [
            'status' => 'success',
            'description' => 'VirtFusion Stock Control is off and its tables are dropped; product qty values stay'
                . ' as they are.',
        ];
    } catch (\Throwable $e) {
        return ['status' => 'error', 'description' => 'Could not drop the vfstock tables: ' . $e->getMessage()];
    }
}

/**
 * Brings the addon's tables from any earlier version to this one, keeping
 * their data.
 *
 * @param array<string, mixed> $vars
 */
function vfstock_upgrade($vars): void
{
    Schema::upgrade();
}

/**
 * The admin page (Addons > VirtFusion Stock Control): its controller answers
 * the request (the page, or an action's JSON or redirect).
 *
 * @param array<string, mixed> $vars
 */
function vfstock_output($vars): void
{
    (new Controller(is_array($vars) ? $vars : []))->handle(
        (string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'),
        is_array($_GET ?? null) ? $_GET : [],
        is_array($_POST ?? null) ? $_POST : []
    )->send();
}
