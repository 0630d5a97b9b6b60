<?php

/**
 * A separate PHP process that fires one hook the way WHMCS does (a cron run,
 * another web request): `php run-hook.php '{"hook": "...", "vars": {...}}'`
 * with VFSTOCK_TEST_DB set. Prints one JSON line: whether the extension was
 * loaded and what the hooks returned.
 */

declare(strict_types=1);

require __DIR__ . '/bootstrap.php';

use VfStock\Tests\Whmcs\StandIn;

$payload = json_decode($argv[1] ?? '', true, 64, JSON_THROW_ON_ERROR);
StandIn::connectFromEnvironment();
include VFSTOCK_ADDON_DIR . '/hooks.php';
$results = run_hook((string) $payload['hook'], (array) ($payload['vars'] ?? []));
echo json_encode([
    'extension' => function_exists('vf_stock_refresh'),
    'results' => $results,
], JSON_THROW_ON_ERROR), "\n";
