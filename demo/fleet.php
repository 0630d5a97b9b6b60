<?php

/**
 * The demo's sample fleet, modelled on the case in the design notes: a
 * 3-hypervisor cluster whose packages keep their disks on **mountpoint
 * storage (type code 4)**. The pools carry ids unique per hypervisor
 * (23, 28, 30) that have nothing to do with the type code; hv3's default
 * mountpoint is a type-4 pool too, and hv2 has a second, disabled one.
 *
 * Hypervisor entries start from bench/generate.php's realistic generator
 * (every field a real panel sends) and get the figures below.
 *
 * Returns a vfsim scenario without its tokens: packages and groups.
 */

declare(strict_types=1);

use VfStock\Tests\Fleet;

require_once dirname(__DIR__) . '/bench/generate.php';
require_once dirname(__DIR__) . '/tests/php/Fleet.php';

/** A resource cell as the panel reports it: max, allocated, free, percent. */
$cell = static fn (int $max, int $free): array => [
    'max' => $max,
    'allocated' => $max - $free,
    'free' => $free,
    'percent' => $max > 0 ? intdiv(($max - $free) * 100, $max) : 0,
];

/** A storage pool (GB). */
$pool = static fn (int $id, string $name, int $type, int $max, int $free, bool $enabled = true): array => [
    'id' => $id,
    'name' => $name,
    'enabled' => $enabled,
    'storageType' => $type,
    'path' => '/mnt/' . $name,
] + $cell($max, $free);

/** One hypervisor: memory MB, cores and pools, with $ipv4 free addresses in the group's pool. */
$hypervisor = static function (
    int $id,
    int $group,
    string $name,
    array $memory,
    array $cpu,
    array $local,
    array $other,
    int $ipv4
) use ($cell): array {
    $entry = Fleet::merge(vfstock_bench_hypervisor($id, $group), [
        'hypervisor' => ['name' => $name, 'hostname' => $name, 'enabled' => true, 'commissioned' => 1,
            'prohibit' => false],
        'resources' => [
            'memory' => $cell(...$memory),
            'cpuCores' => $cell(...$cpu),
            'localStorage' => $local,
            'network' => ['total' => ['ipv4' => ['total' => 512, 'allocated' => 512 - $ipv4, 'free' => $ipv4]]],
        ],
    ]);
    $entry['resources']['otherStorage'] = $other; // a list: replaced, not merged

    return $entry;
};

$package = static fn (int $id, string $name, int $gib, int $cores, int $disk): array => [
    'id' => $id,
    'name' => $name,
    'enabled' => true,
    'memory' => $gib * 1024,
    'cpuCores' => $cores,
    'primaryStorage' => $disk,
    'primaryStorageProfile' => 4, // a storage *type code*: mountpoint
    'traffic' => 2000,
    'primaryNetworkSpeedIn' => 1000,
    'primaryNetworkSpeedOut' => 1000,
];

$gib = 1024;

return [
    'packages' => [
        1 => $package(1, 'VPS-1', 1, 1, 25),
        2 => $package(2, 'VPS-2', 2, 1, 50),
        3 => $package(3, 'VPS-4', 4, 2, 80),
        4 => $package(4, 'VPS-8', 8, 4, 160),
        5 => $package(5, 'VPS-16', 16, 6, 320),
        6 => $package(6, 'VPS-32', 32, 8, 640),
        7 => $package(7, 'STORAGE-1T', 2, 1, 1000),
        8 => $package(8, 'STORAGE-2T', 4, 2, 2000),
    ],
    'groups' => [
        1 => ['name' => 'London', 'hypervisors' => [
            $hypervisor(1, 1, 'lon-hv1', [256 * $gib, 128 * $gib], [64, 52],
                $pool(101, 'default', 0, 400, 350),
                [$pool(23, 'nvme-mount', 4, 8000, 4800)], 400),
            // Its old SSD mountpoint is disabled: skipped, it does not veto the NVMe one.
            $hypervisor(2, 1, 'lon-hv2', [256 * $gib, 106 * $gib], [64, 43],
                $pool(102, 'default', 0, 400, 380),
                [$pool(28, 'nvme-mount', 4, 8000, 4300), $pool(29, 'ssd-mount', 4, 4000, 3900, false)], 400),
            // Its default mountpoint is a type-4 pool too; both are nearly full.
            $hypervisor(3, 1, 'lon-hv3', [256 * $gib, 116 * $gib], [64, 49],
                $pool(103, 'default-mount', 4, 2000, 700),
                [$pool(30, 'nvme-mount', 4, 8000, 1700)], 400),
        ]],
        2 => ['name' => 'Frankfurt', 'hypervisors' => [
            // Room for many, but the location's IPv4 pool is nearly used up.
            $hypervisor(4, 2, 'fra-hv1', [256 * $gib, 200 * $gib], [64, 60],
                $pool(104, 'default', 0, 400, 400),
                [$pool(41, 'nvme-mount', 4, 8000, 7000)], 9),
            // Still being commissioned: not counted.
            Fleet::merge($hypervisor(5, 2, 'fra-hv2', [256 * $gib, 256 * $gib], [64, 64],
                $pool(105, 'default', 0, 400, 400),
                [$pool(42, 'nvme-mount', 4, 8000, 8000)], 9), ['hypervisor' => ['commissioned' => 0]]),
        ]],
    ],
];
