<?php

/**
 * A WHMCS cron run in its own PHP process, for bench/refresh.php: connects the
 * WHMCS stand-ins to the SQLite database in VFSTOCK_TEST_DB, includes the
 * addon's hooks.php and fires AfterCronJob, as WHMCS's cron does. Prints one
 * JSON line: PHP's peak memory before and after, wall and CPU time.
 *
 *   php -d extension=… -d memory_limit=128M bench/cron_child.php
 */

declare(strict_types=1);

require dirname(__DIR__) . '/tests/php/whmcs/bootstrap.php';

use VfStock\Tests\Whmcs\StandIn;

StandIn::connectFromEnvironment();
include VFSTOCK_ADDON_DIR . '/hooks.php';
gc_collect_cycles();
$before = memory_get_peak_usage();
$ru = getrusage();
$t = hrtime(true);
run_hook('AfterCronJob', []);
$wall = (hrtime(true) - $t) / 1e6;
$ru2 = getrusage();
$cpu = static fn (array $r): float => ($r['ru_utime.tv_sec'] + $r['ru_stime.tv_sec']) * 1e3
    + ($r['ru_utime.tv_usec'] + $r['ru_stime.tv_usec']) / 1e3;
echo json_encode([
    'extension' => function_exists('vf_stock_refresh'),
    'baseline' => $before,
    'peak' => memory_get_peak_usage(),
    'wallMs' => $wall,
    'cpuMs' => $cpu($ru2) - $cpu($ru),
    'failures' => array_values(array_filter(StandIn::$moduleLogCalls,
        static fn (array $c): bool => str_contains(strtolower((string) ($c['action'] ?? '')), 'fail'))),
]), "\n";
