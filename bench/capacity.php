<?php

declare(strict_types=1);

/**
 * `make bench`: throughput of vf_capacity_for, end to end from PHP, for JSON
 * text and PHP arrays, over groups of 10 to 10,000 hypervisors.
 * Target: ≥ 300 MB/s for JSON at 1,000+ hypervisors, cost linear in size.
 */

require __DIR__ . '/generate.php';

if (!function_exists('vf_capacity_for')) {
    fwrite(STDERR, "vfstock is not loaded: run `make bench`\n");
    exit(1);
}

/** Best of $runs wall-clock timings of $fn, in seconds, over at least ~0.2 s of work. */
function best(callable $fn, int $runs): float
{
    $best = INF;
    for ($i = 0; $i < $runs; $i++) {
        $t = hrtime(true);
        $fn();
        $best = min($best, (hrtime(true) - $t) / 1e9);
    }
    return $best;
}

$package = vfstock_bench_package();
$packageJson = json_encode($package);
$rows = [];
printf("%-8s %-6s %12s %12s %10s\n", 'group', 'input', 'ns/hv', 'MB/s JSON', 'fits');
$perHv = [];
foreach ([10, 100, 1000, 10000] as $size) {
    $group = vfstock_bench_group($size);
    $json = json_encode($group);
    $mb = strlen($json) / 1e6;
    $runs = max(5, intdiv(20000, $size));
    foreach (['json' => [$packageJson, $json], 'array' => [$package, $group]] as $kind => [$p, $r]) {
        $fits = vf_capacity_for($p, $r)['fits'];
        $t = best(fn () => vf_capacity_for($p, $r), $runs);
        $perHv[$kind][$size] = $t * 1e9 / $size;
        printf("%-8d %-6s %12.0f %12.0f %10d\n", $size, $kind, $perHv[$kind][$size], $mb / $t, $fits);
    }
}
$json1k = json_encode(vfstock_bench_group(1000));
$t = best(fn () => vf_capacity_for($packageJson, $json1k), 20);
$mbps = strlen($json1k) / 1e6 / $t;
$decode = best(fn () => json_decode($json1k, true), 20);
printf("\nJSON at 1,000 hypervisors: %.0f MB/s (target ≥ 300) — %.1f× PHP's own json_decode alone\n", $mbps, $decode / $t);
printf(
    "linearity (ns/hv at 10,000 ÷ at 1,000): json %.2f, array %.2f (1.00 = perfectly linear)\n",
    $perHv['json'][10000] / $perHv['json'][1000],
    $perHv['array'][10000] / $perHv['array'][1000],
);
exit($mbps >= 300 ? 0 : 2);
