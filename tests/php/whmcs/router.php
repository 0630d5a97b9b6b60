<?php

/**
 * Router for `php -S`: the WHMCS admin area, as far as the addon's page
 * goes. It bootstraps the stand-ins against the test database
 * (VFSTOCK_TEST_DB), stands for a logged-in admin (a session with adminid),
 * and renders addonmodules.php?module=vfstock through vfstock_output()
 * inside a minimal admin layout, as WHMCS does.
 */

declare(strict_types=1);

require __DIR__ . '/bootstrap.php';

use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Module\Addon\VfStock\Settings;

$path = (string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH);
if ($path !== '/admin/addonmodules.php' || ($_GET['module'] ?? '') !== 'vfstock') {
    http_response_code(404);
    header('Content-Type: text/plain');
    echo "not found\n";

    return true;
}

StandIn::connectFromEnvironment();
session_start();
$_SESSION['adminid'] = 1;

require_once VFSTOCK_ADDON_DIR . '/vfstock.php';

$vars = Settings::load()->toArray();
$vars['modulelink'] = 'addonmodules.php?module=vfstock';
$vars['version'] = vfstock_config()['version'];
$vars['_lang'] = [];

ob_start();
try {
    vfstock_output($vars);
    $body = (string) ob_get_clean();
} catch (\RuntimeException $e) {
    ob_end_clean();
    // WHMCS ends the request when check_token() fails.
    http_response_code(403);
    header('Content-Type: text/plain');
    echo $e->getMessage(), "\n";

    return true;
}

header('Content-Type: text/html; charset=utf-8');
echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Addons - WHMCS</title></head>'
    . '<body class="admin"><div id="contentarea"><h1>VirtFusion Stock Control</h1>', $body, '</div></body></html>';

return true;
