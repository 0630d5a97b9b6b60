<?php

declare(strict_types=1);

/**
 * `make bench`, part two: refreshes against the VirtFusion simulator, next to
 * the pure-PHP serial reference (bench/reference.php: one GET after another
 * with file_get_contents, json_decode, compute, write) run in this same run,
 * and to the physical floor (rounds × latency) where there is one. Then the
 * summary of every target of issue 15, with bench/capacity.php's.
 *
 * (e) cold sweep, 50 requests at 40 ms each, at concurrency 1, 8 and 64;
 * (x) the 2,000-product catalogue (200 groups × 100 hypervisors), cold and
 *     warm, through vf_stock_refresh with plain callbacks: wall and CPU;
 * (d) a cart refresh, lease free, caches warm; threads counted with strace;
 * (a) the addon's AfterCronJob on a SQLite store in a child PHP at
 *     memory_limit=128M: 1,000 and 2,000 products over the same 400
 *     (package, group) pairs, and 2,000 over 800; same qtys as the reference.
 *
 * CPU is getrusage (user + system, every thread of the process). The machine
 * is shared and noisy: timings are best-of (medians shown too), and each
 * ratio compares figures measured in this run.
 */

require __DIR__ . '/generate.php';
require __DIR__ . '/reference.php';
require dirname(__DIR__) . '/tests/php/Simulator.php';

use VfStock\Tests\Simulator;

if (!function_exists('vf_stock_refresh')) {
    fwrite(STDERR, "vfstock is not loaded: run `make bench`\n");
    exit(1);
}

const TOKEN = 'bench-token';
$root = dirname(__DIR__);

function cpu_ms(): float
{
    $r = getrusage();

    return ($r['ru_utime.tv_sec'] + $r['ru_stime.tv_sec']) * 1e3 + ($r['ru_utime.tv_usec'] + $r['ru_stime.tv_usec']) / 1e3;
}

/** @return array{0: mixed, 1: float, 2: float} the value, wall ms, CPU ms */
function timed(callable $fn): array
{
    $c = cpu_ms();
    $t = hrtime(true);
    $v = $fn();

    return [$v, (hrtime(true) - $t) / 1e6, cpu_ms() - $c];
}

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);

    return $n === 0 ? NAN : ($n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2);
}

/**
 * tblproducts rows: product i in group 1 + (i-1) % $groups, package 1 + intdiv(i-1, $groups) % $packages.
 *
 * @return list<array<string, mixed>>
 */
function product_rows(int $count, int $groups, int $packages): array
{
    $rows = [];
    for ($i = 1; $i <= $count; $i++) {
        $rows[] = [
            'id' => $i, 'name' => "VPS {$i}", 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
            'configoption1' => (string) (1 + ($i - 1) % $groups),
            'configoption2' => (string) (1 + intdiv($i - 1, $groups) % $packages),
            'configoption3' => '1', 'configoption7' => '',
        ];
    }

    return $rows;
}

/** A vfsim scenario: $packages packages, $groups groups of $size hypervisors. */
function scenario(int $packages, int $groups, int $size): array
{
    $s = ['tokens' => [TOKEN => ['compute']], 'packages' => [], 'groups' => []];
    for ($p = 1; $p <= $packages; $p++) {
        $s['packages'][(string) $p] = vfstock_bench_package($p)['data'];
    }
    for ($g = 1; $g <= $groups; $g++) {
        $s['groups'][(string) $g] = ['name' => "G{$g}", 'hypervisors' => vfstock_bench_hypervisors($size, $g)];
    }

    return $s;
}

/** A vf_stock_refresh request with plain callbacks over $rows (buffer blank → 10, as the addon fills it). */
function request(Simulator $sim, array $rows, array &$written = []): array
{
    return [
        'api' => ['url' => $sim->url(), 'token' => TOKEN],
        'db' => [
            'products' => static function (?array $ids) use ($rows): array {
                if ($ids === null) {
                    return array_map(static fn (array $r): array => ['configoption7' => '10'] + $r, $rows);
                }
                $want = array_flip($ids);

                return array_values(array_map(static fn (array $r): array => ['configoption7' => '10'] + $r,
                    array_filter($rows, static fn (array $r): bool => isset($want[$r['id']]))));
            },
            'write' => static function (int $pid, int $qty) use (&$written): void {
                $written[$pid] = $qty;
            },
        ],
    ];
}

/**
 * The simulator's own floor on this machine: the same GETs sent at once by
 * the thinnest client there is (raw keep-alive sockets, stream_select), no
 * parsing. Returns the best wall time (ms) of $runs, connections opened
 * beforehand as a pool would keep them.
 *
 * @param list<string> $paths
 */
function raw_concurrent(string $url, string $token, array $paths, int $runs): float
{
    $u = parse_url($url);
    $host = $u['host'];
    $port = $u['port'] ?? 80;
    $base = rtrim($u['path'] ?? '', '/');
    $socks = [];
    foreach ($paths as $i => $path) {
        $s = stream_socket_client("tcp://{$host}:{$port}", $errno, $errstr, 5);
        if ($s === false) {
            return NAN;
        }
        $socks[$i] = $s;
    }
    $best = INF;
    for ($r = 0; $r < $runs; $r++) {
        $t = hrtime(true);
        foreach ($paths as $i => $path) {
            fwrite($socks[$i], "GET {$base}{$path} HTTP/1.1\r\nHost: {$host}:{$port}\r\n"
                . "Authorization: Bearer {$token}\r\nAccept: application/json\r\nConnection: keep-alive\r\n\r\n");
        }
        $buf = array_fill_keys(array_keys($paths), '');
        $open = $socks;
        while ($open !== []) {
            $read = array_values($open);
            $w = $e = null;
            if (stream_select($read, $w, $e, 10) === false) {
                return NAN;
            }
            foreach ($read as $s) {
                $i = array_search($s, $open, true);
                $buf[$i] .= (string) fread($s, 1 << 16);
                $head = strpos($buf[$i], "\r\n\r\n");
                if ($head !== false && preg_match('/content-length:\s*(\d+)/i', substr($buf[$i], 0, $head), $m)
                    && strlen($buf[$i]) >= $head + 4 + (int) $m[1]) {
                    unset($open[$i]);
                }
            }
        }
        $best = min($best, (hrtime(true) - $t) / 1e6);
    }
    foreach ($socks as $s) {
        fclose($s);
    }

    return $best;
}

$verdicts = [];
$pct = static fn (float $x): string => sprintf('%.2f×', $x);

// ------------------------------------------------------------------ (e)
echo "(e) cold sweep: 25 products, 25 packages + 25 one-page groups of 20 hypervisors = 50 requests, 40 ms each\n";
$sim = new Simulator(scenario(25, 25, 20), false, 40);
$rows = [];
for ($i = 1; $i <= 25; $i++) {
    $rows[] = ['id' => $i, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
        'configoption1' => (string) $i, 'configoption2' => (string) $i, 'configoption3' => '1', 'configoption7' => '10'];
}
$req = request($sim, $rows);
$sweeps = [];
foreach ([1, 8, 64] as $c) {
    ini_set('vfstock.concurrency', (string) $c);
    $runs = [];
    for ($i = 0; $i < ($c === 1 ? 1 : 7); $i++) {
        vf_stock_forget();
        [$r, $wall, $cpu] = timed(static fn () => vf_stock_refresh($req));
        $runs[] = ['wall' => $wall, 'cpu' => $cpu, 'requests' => $r['stats']['requests']];
    }
    usort($runs, static fn (array $a, array $b): int => $a['wall'] <=> $b['wall']);
    $n = $runs[0]['requests'];
    $floor = (int) ceil($n / $c) * 40.0;
    $sweeps[$c] = ['best' => $runs[0]['wall'], 'median' => median(array_column($runs, 'wall')),
        'cpu' => median(array_column($runs, 'cpu')), 'requests' => $n, 'floor' => $floor];
}
$paths = [];
for ($i = 1; $i <= 25; $i++) {
    $paths[] = "/packages/{$i}";
    $paths[] = "/compute/hypervisors/groups/{$i}/resources?results=200&page=1";
}
$raw = raw_concurrent($sim->url(), TOKEN, $paths, 7);
[$refOut, $refWall, $refCpu] = timed(static fn () => vfstock_ref_refresh($sim->url(), TOKEN, $rows,
    static function (int $id, int $qty): void {
    }));
$sim->stop();
printf("  %-22s %9s %9s %9s %9s %9s %10s\n", '', 'best ms', 'median', 'CPU ms', 'floor ms', '÷floor', '× serial');
foreach ($sweeps as $c => $s) {
    printf("  %-22s %9.1f %9.1f %9.1f %9.0f %9s %9.1f×\n", "vfstock, concurrency {$c}", $s['best'], $s['median'],
        $s['cpu'], $s['floor'], $pct($s['best'] / $s['floor']), $refWall / $s['best']);
}
printf("  %-22s %9.1f %9s %9.1f %9.0f %9s   (%d requests, one after another)\n", 'PHP serial reference', $refWall, '',
    $refCpu, $refOut['requests'] * 40.0, $pct($refWall / ($refOut['requests'] * 40.0)), $refOut['requests']);
printf("  %-22s %9.1f %9s %9s %9.0f %9s   (the same 50 GETs at once on kept-alive raw sockets: what this\n"
    . "  %-22s %9s %9s %9s %9s %9s    simulator and machine give the thinnest client; vfstock is %s of it)\n",
    'raw sockets, at once', $raw, '', '', 40.0, $pct($raw / 40.0), '', '', '', '', '', '', $pct($sweeps[64]['best'] / $raw));
printf("  floor = rounds × latency: ⌈requests ÷ concurrency⌉ × 40 ms (a package and a one-page group do not wait\n"
    . "  for each other, so every request is in the first round)\n\n");
$e = $sweeps[64];
$verdicts['e'] = ['pass' => $e['best'] / $e['floor'] <= 1.5 && $e['requests'] === 50,
    'what' => 'cold sweep at concurrency 64 (50 requests, 40 ms)', 'target' => '≤ 1.5× the floor (rounds × latency)',
    'measured' => sprintf('%.1f ms = %s the %.0f ms floor (median %.1f ms), %.1f CPU ms per sweep; %.0f× the serial PHP reference;'
        . ' raw sockets get %.1f ms (%s the floor) from this simulator here',
        $e['best'], $pct($e['best'] / $e['floor']), $e['floor'], $e['median'], $e['cpu'], $refWall / $e['best'], $raw,
        $pct($raw / $e['floor']))];

// ------------------------------------------------------------------ (x), (d), (a) share one fleet
echo "The catalogue: 200 groups × 100 hypervisors (v7-shaped), no latency\n";
$fleetPackages = 4;
$sim = new Simulator(scenario($fleetPackages, 200, 100), false, 0);
ini_set('vfstock.concurrency', '8');

// (x) the 2,000-product sweep through vf_stock_refresh, plain callbacks.
$rows2k = product_rows(2000, 200, 2);
$written = [];
$req = request($sim, $rows2k, $written);
$cold = [];
$warm = [];
for ($i = 0; $i < 3; $i++) {
    vf_stock_forget();
    [$r, $wall, $cpu] = timed(static fn () => vf_stock_refresh($req));
    $cold[] = ['wall' => $wall, 'cpu' => $cpu, 'requests' => $r['stats']['requests']];
    $sweepQty = array_map(static fn (array $line): ?int => $line['qty'], $r['products']);
    unset($r);
    [$r, $wall, $cpu] = timed(static fn () => vf_stock_refresh($req));
    $warm[] = ['wall' => $wall, 'cpu' => $cpu, 'requests' => $r['stats']['requests']];
    unset($r);
}
$refWritten = [];
[$ref2k, $refWall, $refCpu] = timed(static fn () => vfstock_ref_refresh($sim->url(), TOKEN, $rows2k,
    static function (int $id, int $qty) use (&$refWritten): void {
        $refWritten[$id] = $qty;
    }));
ksort($sweepQty);
$refQty2k = $ref2k['qty'];
ksort($refQty2k);
$sameQty = $sweepQty === $refQty2k && count($sweepQty) === 2000;
echo "(x) 2,000 products (400 package × group pairs), one sweep through vf_stock_refresh, plain callbacks, concurrency 8\n";
printf("  %-28s %9s %9s %9s %9s\n", '', 'wall ms', 'median', 'CPU ms', 'requests');
foreach (['vfstock, cold caches' => $cold, 'vfstock, warm caches' => $warm] as $label => $runs) {
    printf("  %-28s %9.1f %9.1f %9.1f %9d\n", $label, min(array_column($runs, 'wall')), median(array_column($runs, 'wall')),
        median(array_column($runs, 'cpu')), $runs[0]['requests']);
}
printf("  %-28s %9.1f %9s %9.1f %9d\n", 'PHP serial reference (cold)', $refWall, '', $refCpu, $ref2k['requests']);
printf("  cold: %.1f× faster than the reference, %.1f× less CPU; qtys %s the reference's\n\n",
    $refWall / min(array_column($cold, 'wall')), $refCpu / median(array_column($cold, 'cpu')),
    $sameQty ? 'equal to' : 'DIFFER from');

// (d) a cart refresh: one product, lease free (the claim callback takes it), caches warm.
echo "(d) cart refresh of one product (a group of 100 hypervisors), lease free, caches warm\n";
$cartReq = request($sim, [$rows2k[0]]);
$cartReq['products'] = [1];
$cartReq['lease'] = ['key' => 'stockrefresh:1', 'ttl' => 60];
$cartReq['db']['claim'] = static fn (string $key, int $ttl): bool => true;
$cartReq['db']['locations'] = static fn (int $pid, string $label): array => [];
$cartReq['deadline'] = 3.0;
vf_stock_refresh($cartReq); // warms what the sweep above has not
$batches = [];
for ($b = 0; $b < 30; $b++) {
    $t = hrtime(true);
    for ($i = 0; $i < 200; $i++) {
        $r = vf_stock_refresh($cartReq);
    }
    $batches[] = (hrtime(true) - $t) / 1e3 / 200;
}
$cartOk = ($r['stats']['requests'] ?? -1) === 0 && ($r['products'][1]['status'] ?? '') !== 'untouched';
$cartBest = min($batches);
$cartMedian = median($batches);
// The reference has no cache: each cart page reads the package and the group.
$refCart = [];
for ($i = 0; $i < 20; $i++) {
    [, $wall] = timed(static fn () => vfstock_ref_refresh($sim->url(), TOKEN, [$rows2k[0]],
        static function (int $id, int $qty): void {
        }));
    $refCart[] = $wall * 1e3;
}
// Threads: strace a child doing 200 warm cart refreshes after one cold one.
$threads = null;
$strace = trim((string) shell_exec('command -v strace 2>/dev/null'));
if ($strace !== '') {
    $trace = tempnam(sys_get_temp_dir(), 'vfstock-strace-');
    $cmd = [$strace, '-f', '-qq', '-e', 'trace=clone,clone3,write', '-o', $trace, PHP_BINARY, '-d',
        'extension=' . $root . '/target/release/libvfstock.so', __DIR__ . '/cart_child.php', $sim->url(), TOKEN];
    exec(implode(' ', array_map('escapeshellarg', $cmd)) . ' 2>&1', $childOut, $code);
    $lines = is_file($trace) ? file($trace) : [];
    $phase = 0;
    $counts = [0, 0, 0];
    foreach ($lines as $line) {
        if (str_contains($line, 'vfstock-bench:warm')) {
            $phase = 1;
        } elseif (str_contains($line, 'vfstock-bench:done')) {
            $phase = 2;
        } elseif (preg_match('/\bclone3?\(/', $line) === 1) {
            $counts[$phase]++;
        }
    }
    @unlink($trace);
    $threads = $code === 0 ? ['cold' => $counts[0], 'warm' => $counts[1], 'out' => trim(implode("\n", $childOut))] : null;
}
printf("  vfstock: best %.1f µs, median %.1f µs per refresh (30 batches of 200); 0 requests: %s\n", $cartBest,
    $cartMedian, $cartOk ? 'yes' : 'NO');
printf("  PHP serial reference (no cache: 2 GETs, decode, compute): median %.0f µs; vfstock is %.0f× faster\n",
    median($refCart), median($refCart) / $cartBest);
if ($threads !== null) {
    printf("  threads (strace -f, clone/clone3): %d started by the cold refresh and PHP's start, %d by 200 warm ones (%s)\n\n",
        $threads['cold'], $threads['warm'], $threads['out']);
} else {
    echo "  threads: not checked (strace missing or the child failed)\n\n";
}
$verdicts['d'] = ['pass' => $cartOk && $cartBest <= 40.0 && $threads !== null && $threads['warm'] === 0,
    'what' => 'cart refresh, lease free, caches warm', 'target' => '≤ 40 µs, no thread started',
    'measured' => sprintf('%.1f µs (median %.1f), %s threads started when nothing is fetched; %.0f× the no-cache PHP reference',
        $cartBest, $cartMedian, $threads === null ? 'unchecked' : (string) $threads['warm'], median($refCart) / $cartBest)];

// (a) the addon's cron on a SQLite store, in a child PHP at memory_limit=128M.
echo "(a) the addon's AfterCronJob on a SQLite WHMCS store, child PHP at memory_limit=128M, 100 hypervisors a group\n";
require_once $root . '/tests/php/whmcs/bootstrap.php';

/** Sets up a SQLite WHMCS database with $rows as tblproducts; returns its Capsule config. */
function whmcs_db(string $dir, Simulator $sim, array $rows): array
{
    $file = $dir . '/whmcs-' . count($rows) . '-' . bin2hex(random_bytes(3)) . '.sqlite';
    touch($file);
    $config = ['driver' => 'sqlite', 'database' => $file, 'prefix' => ''];
    \VfStock\Tests\Whmcs\StandIn::connect($config);
    \VfStock\Tests\Whmcs\StandIn::createSchema();
    require_once VFSTOCK_ADDON_DIR . '/vfstock.php';
    $activated = vfstock_activate();
    if (($activated['status'] ?? '') !== 'success') {
        throw new RuntimeException('vfstock_activate(): ' . ($activated['description'] ?? '?'));
    }
    $db = \WHMCS\Database\Capsule::connection();
    $db->table('tblservers')->insert([
        'name' => 'VirtFusion (simulated)', 'ipaddress' => '', 'hostname' => substr($sim->url(), 0, -strlen('/api/v1')),
        'type' => 'VirtFusionDirect', 'username' => '', 'password' => encrypt(TOKEN), 'accesshash' => '',
        'secure' => 'on', 'port' => null, 'active' => 1, 'disabled' => 0,
    ]);
    $db->transaction(static function () use ($db, $rows): void {
        foreach (array_chunk($rows, 200) as $chunk) {
            $db->table('tblproducts')->insert(array_map(static fn (array $r): array => [
                'id' => $r['id'], 'type' => 'server', 'gid' => 1, 'name' => $r['name'], 'servertype' => $r['servertype'],
                'stockcontrol' => 1, 'qty' => 0, 'configoption1' => $r['configoption1'],
                'configoption2' => $r['configoption2'], 'configoption3' => $r['configoption3'],
                'configoption7' => $r['configoption7'],
            ], $chunk));
        }
    });

    return $config;
}

$dir = sys_get_temp_dir() . '/vfstock-bench-' . getmypid();
@mkdir($dir, 0700, true);
$cron = [];
foreach ([[1000, 2], [2000, 2], [2000, $fleetPackages]] as [$count, $packages]) {
    $rowsN = product_rows($count, 200, $packages);
    $config = whmcs_db($dir, $sim, $rowsN);
    $cmd = [PHP_BINARY, '-d', 'extension=' . $root . '/target/release/libvfstock.so', '-d', 'memory_limit=128M',
        __DIR__ . '/cron_child.php'];
    $env = ['VFSTOCK_TEST_DB' => json_encode($config)];
    vf_stock_forget();
    $result = \VfStock\Tests\Whmcs\Process::run($cmd, $env, 300.0);
    $child = json_decode(trim((string) strrchr("\n" . trim($result['stdout']), "\n")), true);
    $qty = array_map('intval', \WHMCS\Database\Capsule::table('tblproducts')->pluck('qty', 'id')->all());
    $states = \WHMCS\Database\Capsule::table('mod_vfstock_state')->count();
    $breakdowns = \WHMCS\Database\Capsule::table('mod_vfstock_breakdowns')->count();
    memory_reset_peak_usage();
    $base = memory_get_peak_usage();
    [$refN, $refWall] = timed(static fn () => vfstock_ref_refresh($sim->url(), TOKEN, $rowsN,
        static function (int $id, int $qty): void {
        }));
    $refPeak = memory_get_peak_usage() - $base;
    $refQty = array_map(static fn (?int $q): int => $q ?? -1, $refN['qty']);
    ksort($qty);
    ksort($refQty);
    $cron[] = $row = [
        'products' => $count,
        'pairs' => 200 * min($packages, intdiv($count + 199, 200)),
        'exit' => $result['exit'],
        'ok' => $result['exit'] === 0 && is_array($child) && $states === $count,
        'peak' => is_array($child) ? $child['peak'] : null,
        'growth' => is_array($child) ? $child['peak'] - $child['baseline'] : null,
        'wall' => is_array($child) ? $child['wallMs'] : null,
        'cpu' => is_array($child) ? $child['cpuMs'] : null,
        'same' => $qty === $refQty,
        'states' => $states,
        'breakdowns' => $breakdowns,
        'refPeak' => $refPeak,
        'refWall' => $refWall,
        'stderr' => trim($result['stderr']),
    ];
    @unlink($config['database']);
    @unlink($config['database'] . '-wal');
    @unlink($config['database'] . '-shm');
}
@rmdir($dir);
$sim->stop();
printf("  %8s %7s | %9s %9s %9s %9s | %6s %10s | %11s %9s\n", 'products', 'pairs', 'PHP peak', 'growth', 'wall ms',
    'CPU ms', 'qtys', 'breakdowns', 'ref growth', 'ref ms');
foreach ($cron as $c) {
    printf("  %8d %7d | %8.1fM %8.1fM %9.0f %9.0f | %6s %10d | %10.1fM %9.0f%s\n", $c['products'], $c['pairs'],
        ($c['peak'] ?? 0) / 1048576, ($c['growth'] ?? 0) / 1048576, $c['wall'] ?? 0, $c['cpu'] ?? 0,
        $c['same'] ? 'same' : 'DIFFER', $c['breakdowns'], $c['refPeak'] / 1048576, $c['refWall'],
        $c['ok'] ? '' : "   FAILED (exit {$c['exit']}): " . substr($c['stderr'], 0, 300));
}
echo "  PHP peak: memory_get_peak_usage() in the cron child (growth: over its peak before the hook);\n"
    . "  ref growth: the serial reference's peak over its start, in this process (memory_limit=1G);\n"
    . "  pairs: distinct (package, group) pairs = stored breakdowns; qtys: tblproducts.qty = the reference's\n\n";
[$a1, $a2, $a3] = $cron;
$flat = $a1['growth'] !== null && $a2['growth'] !== null && $a2['growth'] <= 1.25 * $a1['growth'] + 2 * 1048576;
$aPass = $a1['ok'] && $a2['ok'] && $a3['ok'] && $a1['same'] && $a2['same'] && $a3['same'] && $flat;
$verdicts['a'] = ['pass' => $aPass, 'what' => '2,000 products / 200 groups × 100 hypervisors, one cron sweep',
    'target' => 'completes at 128M, same qtys, peak grows with (package, group) pairs',
    'measured' => sprintf('PHP peak %.1f MB (+%.1f MB) for 2,000 products vs %.1f MB (+%.1f MB) for 1,000 over the same %d pairs; '
        . '%.1f MB (+%.1f MB) over %d pairs; qtys %s', $a2['peak'] / 1048576, $a2['growth'] / 1048576,
        $a1['peak'] / 1048576, $a1['growth'] / 1048576, $a2['pairs'], $a3['peak'] / 1048576, $a3['growth'] / 1048576,
        $a3['pairs'], $a1['same'] && $a2['same'] && $a3['same'] ? 'same as the reference' : 'DIFFER')];

// ------------------------------------------------------------------ summary
$capacity = $root . '/target/bench/capacity.json';
$fromCapacity = [];
if (is_file($capacity)) {
    $saved = json_decode((string) file_get_contents($capacity), true);
    $sameRun = getenv('MAKELEVEL') === false
        ? time() - (int) ($saved['at'] ?? 0) < 3600
        : (int) ($saved['ppid'] ?? -1) === (function_exists('posix_getppid') ? posix_getppid() : 0);
    if ($sameRun && is_array($saved['verdicts'] ?? null)) {
        $fromCapacity = $saved['verdicts'];
    }
}
$all = [];
foreach (['a', 'b', 'c', 'd', 'e'] as $k) {
    $all[$k] = $verdicts[$k] ?? $fromCapacity[$k] ?? ['pass' => false, 'what' => 'vf_capacity_for (bench/capacity.php)',
        'target' => '', 'measured' => 'not measured in this run: run bench/capacity.php first (make bench does)'];
}
echo "summary (every ratio from this run, on a shared 2-core machine)\n";
foreach ($all as $k => $v) {
    printf("  %s (%s) %s — target %s: %s\n", $v['pass'] ? 'PASS' : 'FAIL', $k, $v['what'], $v['target'], $v['measured']);
}
exit(array_filter($all, static fn (array $v): bool => !$v['pass']) === [] ? 0 : 1);
