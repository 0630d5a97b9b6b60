<?php

/**
 * VirtFusion Stock Control: keeps WHMCS's tblproducts.qty equal to what the
 * VirtFusion fleet can still provision (SPEC §7).
 *
 * The work is done by the vfstock PHP extension (extension=vfstock); this
 * module holds the settings, the tables and the admin page, and hooks.php
 * holds the triggers.
 */

declare(strict_types=1);

use WHMCS\Module\Addon\VfStock\AdminPage;
use WHMCS\Module\Addon\VfStock\Autoload;
use WHMCS\Module\Addon\VfStock\Schema;

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
            . ' VPSes the VirtFusion fleet can still provision, from live panel data. A panel outage never'
            . ' takes the catalogue offline. Needs the vfstock PHP extension (extension=vfstock).',
        'version' => '0.1.0',
        'author' => 'vfstock',
        'language' => 'english',
        'fields' => [
            'buffer' => [
                'FriendlyName' => 'Safety buffer (%)',
                'Type' => 'text',
                'Size' => '5',
                'Default' => '10',
                'Description' => 'Share of each resource kept free, for products whose own buffer'
                    . ' (configoption7) is blank. 0–100.',
            ],
            'cronInterval' => [
                'FriendlyName' => 'Cron sweep (minutes)',
                'Type' => 'text',
                'Size' => '5',
                'Default' => '120',
                'Description' => 'Minutes between full refreshes from the WHMCS cron, for changes made on the panel.',
            ],
            'eventInterval' => [
                'FriendlyName' => 'Provisioning coalescing (seconds)',
                'Type' => 'text',
                'Size' => '5',
                'Default' => '30',
                'Description' => 'Provisions and terminations within this many seconds share one refresh.',
            ],
            'cartInterval' => [
                'FriendlyName' => 'Cart refresh (seconds)',
                'Type' => 'text',
                'Size' => '5',
                'Default' => '60',
                'Description' => 'Seconds between cart-page refreshes of one product.',
            ],
            'cartTimeout' => [
                'FriendlyName' => 'Cart timeout (seconds)',
                'Type' => 'text',
                'Size' => '5',
                'Default' => '3',
                'Description' => 'Longest a cart-page refresh waits on the panel: a slow panel must not hang'
                    . ' a customer\'s page.',
            ],
            'autoAccept' => [
                'FriendlyName' => 'Auto-accept orders',
                'Type' => 'yesno',
                'Default' => 'yes',
                'Description' => 'Accept the order once its VirtFusion services are provisioned.',
            ],
            'locationLabel' => [
                'FriendlyName' => 'Location option',
                'Type' => 'text',
                'Size' => '25',
                'Default' => 'Location',
                'Description' => 'Name of the configurable option whose sub-options (e.g. "2|Paris") name'
                    . ' hypervisor groups.',
            ],
        ],
    ];
}

/**
 * @return array{status: string, description: string}
 */
function vfstock_activate(): array
{
    try {
        Schema::create();

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
 * The admin page (Addons > VirtFusion Stock Control).
 *
 * @param array<string, mixed> $vars
 */
function vfstock_output($vars): void
{
    $page = new AdminPage(is_array($vars) ? $vars : []);
    $response = $page->handle(
        (string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'),
        is_array($_GET ?? null) ? $_GET : [],
        is_array($_POST ?? null) ? $_POST : []
    );
    if ($response['type'] === 'json') {
        AdminPage::sendJson($response);
    }
    if ($response['status'] !== 200 && !headers_sent()) {
        http_response_code($response['status']);
    }
    echo $response['body'];
}
