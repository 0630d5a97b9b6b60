<?php

declare(strict_types=1);

/**
 * `make bench`, part two: the refresh against the simulator.
 *
 * 1. A full sweep: 120 stock-controlled products over 20 groups of 25
 *    hypervisors and 30 packages, 40 ms of latency per request, cold caches;
 *    at concurrency 1, the default 8, and 64. Targets: ≥ 8× faster than
 *    concurrency 1, and within 3× of the physical floor (one request's
 *    latency: a package and a one-page group do not depend on each other).
 * 2. Fetch + parse of a 1,000-hypervisor group (5 pages of 200).
 * 3. Resident memory growth with 10,000 hypervisors cached (target < 64 MiB).
 */

require __DIR__ . '/generate.php';
require dirname(__DIR__) . '/tests/php/Simulator.php';

use VfStock\Tests\Simulator;

if (!function_exists('vf_stock_refresh')) {
    fwrite(STDERR, "vfstock is not loaded: run `make bench`\n");
    exit(1);
}

const TOKEN = 'bench-token';

function rss(): int
{
    preg_match('/VmRSS:\s+(\d+) kB/', (string) file_get_contents('/proc/self/status'), $m);
    return (int) $m[1] * 1024;
}

/** @return array<int, array<string, mixed>> */
function products(int $count, int $packages, int $groups): array
{
    $rows = [];
    for ($i = 1; $i <= $count; $i++) {
        $rows[] = [
            'id' => $i, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
            'configoption1' => (string) (1 + $i % $groups), 'configoption2' => (string) (1 + $i % $packages),
            'configoption3' => '1', 'configoption7' => '',
        ];
    }
    return $rows;
}

function request(Simulator $sim, array $rows): array
{
    return [
        'api' => ['url' => $sim->url(), 'token' => TOKEN],
        'db' => [
            'products' => fn (?array $ids) => $rows,
            'write' => function (int $pid, int $qty): void {
            },
        ],
    ];
}

$failed = false;

// 1. The sweep.
$scenario = ['tokens' => [TOKEN => ['compute']], 'packages' => [], 'groups' => []];
for ($p = 1; $p <= 30; $p++) {
    $scenario['packages'][(string) $p] = vfstock_bench_package($p)['data'];
}
for ($g = 1; $g <= 20; $g++) {
    $scenario['groups'][(string) $g] = ['name' => "G$g", 'hypervisors' => vfstock_bench_group(25, $g)['data']];
}
$sim = new Simulator($scenario, false, 40);
$req = request($sim, products(120, 30, 20));

$sweep = function (int $concurrency) use ($req): array {
    ini_set('vfstock.concurrency', (string) $concurrency);
    vf_stock_forget();
    $t = hrtime(true);
    $r = vf_stock_refresh($req);
    return [(hrtime(true) - $t) / 1e6, $r['stats']['requests']];
};
vf_stock_forget();
$t = hrtime(true);
vf_stock_refresh(['products' => [1]] + $req);   // one package + one group, concurrently
$floorTwo = (hrtime(true) - $t) / 1e6;
$floor = INF;
for ($i = 0; $i < 3; $i++) {
    vf_stock_forget();
    ini_set('vfstock.concurrency', '1');
    $t = hrtime(true);
    vf_stock_probe(['url' => $sim->url(), 'token' => TOKEN]); // two sequential requests
    $floor = min($floor, (hrtime(true) - $t) / 2e6);
}
[$t1, $n1] = $sweep(1);
[$t8, $n8] = $sweep(8);
[$t64, $n64] = $sweep(64);
printf("sweep: 120 products, 30 packages, 20 groups × 25 hypervisors, 40 ms per request, cold caches\n");
printf("  concurrency  1: %7.0f ms (%d requests)\n", $t1, $n1);
printf("  concurrency  8: %7.0f ms (%d requests)  %5.1f× faster than 1\n", $t8, $n8, $t1 / $t8);
printf("  concurrency 64: %7.0f ms (%d requests)  %5.1f× faster than 1 (target ≥ 8)\n", $t64, $n64, $t1 / $t64);
printf("  physical floor (one request): %.0f ms; concurrency 64 is %.2f× the floor (target ≤ 3)\n", $floor, $t64 / $floor);
printf("  (a one-product refresh, package ‖ group: %.0f ms)\n", $floorTwo);
$failed = $failed || $t1 / $t64 < 8 || $t64 / $floor > 3;
$sim->stop();

// 2. Fetch + parse of one 1,000-hypervisor group.
$big = vfstock_bench_group(1000, 1)['data'];
$sim = new Simulator(['tokens' => [TOKEN => ['compute']], 'packages' => ['1' => vfstock_bench_package(1)['data']],
    'groups' => ['1' => ['name' => 'big', 'hypervisors' => $big]]]);
$req = request($sim, products(1, 1, 1));
$req['db']['products'] = fn (?array $ids) => [['id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1,
    'qty' => 0, 'configoption1' => '1', 'configoption2' => '1']];
ini_set('vfstock.concurrency', '8');
ini_set('vfstock.page_size', '200');
$bytes = strlen(json_encode(['data' => $big]));
$best = INF;
for ($i = 0; $i < 10; $i++) {
    vf_stock_forget();
    $t = hrtime(true);
    $r = vf_stock_refresh($req);
    $best = min($best, (hrtime(true) - $t) / 1e6);
}
printf("\nfetch + parse + decide, one group of 1,000 hypervisors (%d requests, %.1f MB): %.1f ms, %.0f MB/s\n",
    $r['stats']['requests'], $bytes / 1e6, $best, $bytes / 1e6 / ($best / 1e3));
$sim->stop();

// 3. Memory with 10,000 hypervisors cached.
$groups = [];
for ($g = 1; $g <= 10; $g++) {
    $groups[(string) $g] = ['name' => "G$g", 'hypervisors' => vfstock_bench_group(1000, $g)['data']];
}
$sim = new Simulator(['tokens' => [TOKEN => ['compute']], 'packages' => ['1' => vfstock_bench_package(1)['data']],
    'groups' => $groups]);
unset($groups, $big);
$rows = [];
for ($g = 1; $g <= 10; $g++) {
    $rows[] = ['id' => $g, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
        'configoption1' => (string) $g, 'configoption2' => '1'];
}
$req = request($sim, $rows);
vf_stock_forget();
gc_collect_cycles();
$before = rss();
$r = vf_stock_refresh($req);
$requests = $r['stats']['requests'];
unset($r);
gc_collect_cycles();
$after = rss();
$stats = vf_stock_stats();
$growth = ($after - $before) / 1048576;
printf("\nmemory: %d hypervisors cached in %d groups (%d requests): resident growth %.1f MiB (target < 64)\n",
    $stats['hypervisorsCached'], $stats['groupsCached'], $requests, $growth);
$failed = $failed || $growth >= 64;
$sim->stop();
exit($failed ? 2 : 0);
