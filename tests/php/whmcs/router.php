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

// WHMCS's admin area draws with Bootstrap 3 (and jQuery); Debian's libjs-bootstrap has the same when installed.
const ASSETS = [
    '/assets/bootstrap.min.css' => ['/usr/share/javascript/bootstrap/css/bootstrap.min.css', 'text/css'],
    '/assets/jquery.min.js' => ['/usr/share/javascript/jquery/jquery.min.js', 'application/javascript'],
    '/assets/bootstrap.min.js' => ['/usr/share/javascript/bootstrap/js/bootstrap.min.js', 'application/javascript'],
];
if (isset(ASSETS[$path])) {
    [$file, $type] = ASSETS[$path];
    if (!is_file($file)) {
        http_response_code(404);

        return true;
    }
    header('Content-Type: ' . $type);
    readfile($file);

    return true;
}

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

$head = '';
$tags = ['/assets/bootstrap.min.css' => '<link rel="stylesheet" href="/assets/bootstrap.min.css">',
    '/assets/jquery.min.js' => '<script src="/assets/jquery.min.js"></script>',
    '/assets/bootstrap.min.js' => '<script src="/assets/bootstrap.min.js"></script>'];
foreach ($tags as $asset => $tag) {
    $head .= is_file(ASSETS[$asset][0]) ? $tag : '';
}

header('Content-Type: text/html; charset=utf-8');
echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    . '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Addons - WHMCS</title>' . $head
    . '<style>body{background:#f4f4f4}#header{background:#1a4d80;color:#fff;padding:12px 15px;font-size:16px}'
    . '#contentarea{background:#fff;padding:15px 20px;margin:0 auto}h1{font-size:24px;margin:0 0 15px}</style>'
    . '</head><body class="admin"><div id="header">WHMCS admin</div>'
    . '<div id="contentarea"><h1>VirtFusion Stock Control</h1>', $body, '</div></body></html>';

return true;
