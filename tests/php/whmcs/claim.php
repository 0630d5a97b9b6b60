<?php

/**
 * One racer for a lease: `php claim.php KEY TTL GO_FILE` with VFSTOCK_TEST_DB
 * set. Connects, says "ready", waits (bounded) until GO_FILE exists, claims
 * once through the addon's Database::claim and prints "won" or "lost".
 */

declare(strict_types=1);

require __DIR__ . '/bootstrap.php';

use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Database;
use WHMCS\Module\Addon\VfStock\Settings;

[, $key, $ttl, $go] = $argv + [null, '', '0', ''];
StandIn::connectFromEnvironment();
Capsule::connection()->getPdo(); // connect before the race
$database = new Database(new Settings());
echo "ready\n";
$deadline = microtime(true) + 20.0;
while (!file_exists($go)) {
    if (microtime(true) > $deadline) {
        fwrite(STDERR, "no go within 20 s\n");
        exit(2);
    }
    usleep(500);
}
echo $database->claim($key, (int) $ttl) ? "won\n" : "lost\n";
