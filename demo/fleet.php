<?php

/**
 * The demo's sample fleet, in the shapes VirtFusion's API v7 documents
 * (tests/fixtures/virtfusion-v7/openapi-v7-group-resources.json): every
 * cell with its `units`, `max`, `allocated`, `free` and `percent`; a
 * `servers` cell (the hypervisor's maxServers, 0 = no limit); default
 * mountpoints of storage type 0 and 1; per-hypervisor IPv4 free counts.
 *
 * Modelled on the design notes' case: the packages keep their disks on
 * **mountpoint storage (type code 4)**, in pools whose ids (23, 28, 30)
 * have nothing to do with the type code.
 *
 * - group 1, London: three hypervisors drawing on one shared IPv4 pool
 *   (each reports the same 100 free addresses). lon-hv2 is limited to 60
 *   VPSes (maxServers) and its old SSD mountpoint is disabled; lon-hv3's
 *   default mountpoint is type 1, not where these disks go.
 * - group 2, Frankfurt: fra-hv1 nearly out of memory, with 9 free IPv4
 *   addresses; fra-hv2 empty but without a free IPv4 address of its own
 *   (no block bound to it yet), so it can place nothing; fra-hv3 still
 *   being commissioned.
 *
 * Returns a vfsim scenario without its tokens: packages and groups.
 */

declare(strict_types=1);

$gib = 1024;

/** A resource cell as v7 reports it. */
$cell = static fn (string $units, int $max, int $free): array => [
    'units' => $units,
    'max' => $max,
    'allocated' => $max - $free,
    'free' => $free,
    'percent' => $max > 0 ? round(($max - $free) * 100 / $max, 1) : null,
];

/** The `servers` cell: maxServers ($max, 0 = no limit) and the VPSes on it. */
$servers = static fn (int $max, int $allocated): array => [
    'units' => '#',
    'max' => $max,
    'allocated' => $allocated,
    'free' => $max - $allocated,
    'percent' => $max > 0 ? round($allocated * 100 / $max, 1) : null,
];

/** A default mountpoint (localStorage), of storage type 0 or 1 as v7 reports them. */
$local = static fn (int $type, int $max, int $free): array => [
    'enabled' => 1,
    'name' => 'Local (Default mountpoint)',
    'storageType' => $type,
] + $cell('GB', $max, $free);

/** A mountpoint (otherStorage), GB. */
$mount = static fn (int $id, string $name, int $max, int $free, int $enabled = 1): array => [
    'id' => $id,
    'name' => $name,
    'enabled' => $enabled,
    'path' => '/mnt/' . $name,
    'units' => 'GB',
    'storageType' => 4,
    'isDatastore' => false,
] + $cell('GB', $max, $free);

/** One hypervisor: memory (MB), cores and storage as [max, free]; its own free IPv4 count. */
$hypervisor = static fn (
    int $id,
    string $name,
    array $memory,
    array $cpu,
    array $serversCell,
    array $localStorage,
    array $otherStorage,
    int $ipv4,
    bool $commissioned = true
): array => [
    'hypervisor' => ['id' => $id, 'name' => $name, 'enabled' => true, 'prohibit' => false, 'accept' => false,
        'commissioned' => $commissioned],
    'resources' => [
        'servers' => $serversCell,
        'memory' => $cell('MB', ...$memory),
        'cpuCores' => $cell('#', ...$cpu),
        'localStorage' => $localStorage,
        'otherStorage' => $otherStorage,
        'network' => ['total' => ['ipv4' => ['free' => $ipv4]]],
    ],
];

/** A package as GET /packages/{id} returns it under `data`. */
$package = static fn (int $id, string $name, int $memoryGib, int $cores, int $disk): array => [
    'id' => $id,
    'name' => $name,
    'description' => null,
    'enabled' => true,
    'memory' => $memoryGib * 1024,
    'primaryStorage' => $disk,
    'traffic' => 2000,
    'cpuCores' => $cores,
    'primaryNetworkSpeedIn' => 1000,
    'primaryNetworkSpeedOut' => 1000,
    'primaryDiskType' => 'inherit',
    'backupPlanId' => 0,
    'primaryStorageReadBytesSec' => null,
    'primaryStorageWriteBytesSec' => null,
    'primaryStorageReadIopsSec' => null,
    'primaryStorageWriteIopsSec' => null,
    'primaryStorageProfile' => 4, // a storage *type code*: mountpoint
    'primaryNetworkProfile' => 0,
    'created' => '2025-01-14T10:21:52.000000Z',
];

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
            $hypervisor(
                1,
                'lon-hv1',
                [256 * $gib, 128 * $gib],
                [64, 52],
                $servers(0, 31),
                $local(0, 400, 350),
                [$mount(23, 'nvme-mount', 8000, 4800)],
                100
            ),
            // Limited to 60 VPSes; its old SSD mountpoint is disabled: skipped, it does not veto the NVMe one.
            $hypervisor(
                2,
                'lon-hv2',
                [256 * $gib, 106 * $gib],
                [64, 43],
                $servers(60, 30),
                $local(0, 400, 380),
                [$mount(28, 'nvme-mount', 8000, 4300), $mount(29, 'ssd-mount', 4000, 3900, 0)],
                100
            ),
            // Its default mountpoint is type 1: not a candidate for type-4 disks. Its NVMe pool is nearly full.
            $hypervisor(
                3,
                'lon-hv3',
                [256 * $gib, 116 * $gib],
                [64, 49],
                $servers(0, 27),
                $local(1, 2000, 700),
                [$mount(30, 'nvme-mount', 8000, 1700)],
                100
            ),
        ]],
        2 => ['name' => 'Frankfurt', 'hypervisors' => [
            // Nearly out of memory: 32 GiB free, of which the 10 % buffer keeps 25.6.
            $hypervisor(
                4,
                'fra-hv1',
                [256 * $gib, 32 * $gib],
                [64, 40],
                $servers(0, 58),
                $local(1, 400, 300),
                [$mount(41, 'nvme-mount', 8000, 7000)],
                9
            ),
            // Empty, but no IPv4 block is bound to it yet: no VPS can get an address there.
            $hypervisor(
                5,
                'fra-hv2',
                [256 * $gib, 256 * $gib],
                [64, 64],
                $servers(0, 0),
                $local(0, 400, 400),
                [$mount(42, 'nvme-mount', 8000, 8000)],
                0
            ),
            // Still being commissioned: not counted.
            $hypervisor(
                6,
                'fra-hv3',
                [256 * $gib, 256 * $gib],
                [64, 64],
                $servers(0, 0),
                $local(0, 400, 400),
                [$mount(43, 'nvme-mount', 8000, 8000)],
                256,
                false
            ),
        ]],
    ],
];
