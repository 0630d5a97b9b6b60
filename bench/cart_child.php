<?php

/**
 * For bench/refresh.php's thread check, run under `strace -f`: one cold cart
 * refresh of product 1 (it may start workers), then 200 warm ones, each
 * phase announced by a write the trace shows. Prints the thread count of
 * /proc/self/task before and after.
 *
 *   strace -f -e trace=clone,clone3,write php -d extension=… bench/cart_child.php URL TOKEN
 */

declare(strict_types=1);

[, $url, $token] = $argv;
$request = [
    'api' => ['url' => $url, 'token' => $token],
    'products' => [1],
    'lease' => ['key' => 'stockrefresh:1', 'ttl' => 60],
    'deadline' => 3.0,
    'db' => [
        'products' => static fn (?array $ids): array => [['id' => 1, 'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1, 'qty' => 0, 'configoption1' => '1', 'configoption2' => '1', 'configoption3' => '1',
            'configoption7' => '10']],
        'locations' => static fn (int $pid, string $label): array => [],
        'claim' => static fn (string $key, int $ttl): bool => true,
        'write' => static function (int $pid, int $qty): void {
        },
    ],
];
$tasks = static fn (): int => count(glob('/proc/self/task/*') ?: []);
$cold = vf_stock_refresh($request);
$before = $tasks();
fwrite(STDERR, "vfstock-bench:warm\n");
$requests = 0;
for ($i = 0; $i < 200; $i++) {
    $r = vf_stock_refresh($request);
    $requests += $r['stats']['requests'];
}
fwrite(STDERR, "vfstock-bench:done\n");
$after = $tasks();
echo "threads in /proc/self/task: {$before} before the warm refreshes, {$after} after; cold requests "
    . $cold['stats']['requests'] . ", warm requests {$requests}\n";
exit($requests === 0 && $cold['stats']['requests'] > 0 ? 0 : 1);
