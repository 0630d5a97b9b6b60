<?php

declare(strict_types=1);

/**
 * Generates VirtFusion v7-shaped fleets for the benchmarks and the demo.
 *
 * Each hypervisor is an entry of `GET /compute/hypervisors/groups/{id}/resources`
 * exactly as VirtFusion's v7 OpenAPI example shows it
 * (tests/fixtures/virtfusion-v7/openapi-v7-group-resources.json): the
 * `hypervisor` object (id, name, enabled, prohibit, accept, commissioned), and
 * `resources` with `servers` (maxServers: units/max/allocated/free/percent,
 * max 0 = no limit), memory, cpuCores, the default mountpoint, otherStorage
 * pools (type code 4 here, one of them sometimes disabled), percent fields
 * (floats) and a per-hypervisor `network.total.ipv4.free`. A page is wrapped in
 * Laravel's paginator, as the panel sends it. About 0.8 KB of JSON per
 * hypervisor: the MB/s figures are over what a real panel sends.
 *
 * Deterministic: the same arguments give the same fleet in every process.
 */

/** A resource cell as the v7 API reports it. */
function vfstock_bench_cell(string $units, int $max, int $allocated): array
{
    return [
        'units' => $units,
        'max' => $max,
        'allocated' => $allocated,
        'free' => $max - $allocated,
        'percent' => $max > 0 ? round($allocated * 100 / $max, 1) : null,
    ];
}

function vfstock_bench_hypervisor(int $id, int $groupId): array
{
    $memMax = [65536, 131072, 262144, 524288][$id % 4];
    $memUsed = ($id * 7919) % intdiv($memMax * 9, 10);
    $cores = [32, 64, 128][$id % 3];
    $coresUsed = ($id * 31) % $cores;
    $localMax = 2000;
    $localUsed = ($id * 13) % 1500;
    $servers = 1 + ($id * 7) % 60;
    $other = [
        ['id' => 20000 + $id, 'name' => 'nvme-mount', 'enabled' => 1, 'path' => '/mnt/nvme', 'units' => 'GB',
            'storageType' => 4, 'isDatastore' => false] + vfstock_bench_cell('GB', 8000, ($id * 29) % 7000),
    ];
    if ($id % 3 === 0) {
        // An older, disabled SSD mountpoint of the same type: skipped, never a veto.
        $other[] = ['id' => 30000 + $id, 'name' => 'ssd-mount', 'enabled' => 0, 'path' => '/mnt/ssd', 'units' => 'GB',
            'storageType' => 4, 'isDatastore' => false] + vfstock_bench_cell('GB', 6000, ($id * 17) % 5000);
    }
    $localCell = vfstock_bench_cell('GB', $localMax, $localUsed);
    unset($localCell['units']);

    return [
        'hypervisor' => [
            'id' => $id,
            'name' => sprintf('hv-%05d.g%d.example.net', $id, $groupId),
            'enabled' => ($id % 61) !== 0,
            'prohibit' => ($id % 97) === 0,
            'accept' => false,
            'commissioned' => ($id % 50) !== 0,
        ],
        'resources' => [
            // maxServers 0: no slot limit (what the v7 example shows).
            'servers' => ['units' => '#', 'max' => 0, 'allocated' => $servers, 'free' => -$servers, 'percent' => null],
            'memory' => vfstock_bench_cell('MB', $memMax, $memUsed),
            'cpuCores' => vfstock_bench_cell('#', $cores, $coresUsed),
            'localStorage' => ['enabled' => 1, 'name' => 'Local (Default mountpoint)', 'storageType' => 0, 'units' => 'GB']
                + $localCell,
            'otherStorage' => $other,
            // Each hypervisor's own free IPv4 count (they differ within a group).
            'network' => ['total' => ['ipv4' => ['free' => 200 + ($id * 37) % 400]]],
        ],
    ];
}

/** A whole page of group resources (page $page of $lastPage), as the panel's paginator wraps it. */
function vfstock_bench_page(array $data, int $groupId, int $page = 1, int $lastPage = 1, int $perPage = 200): array
{
    $base = "https://panel.example.net/api/v1/compute/hypervisors/groups/{$groupId}/resources";
    $count = count($data);
    $from = ($page - 1) * $perPage + 1;

    return [
        'current_page' => $page,
        'data' => $data,
        'first_page_url' => "{$base}?page=1",
        'from' => $count > 0 ? $from : null,
        'last_page' => $lastPage,
        'last_page_url' => "{$base}?page={$lastPage}",
        'links' => [
            ['url' => $page > 1 ? "{$base}?page=" . ($page - 1) : null, 'label' => '&laquo; Previous', 'active' => false],
            ['url' => "{$base}?page={$page}", 'label' => (string) $page, 'active' => true],
            ['url' => $page < $lastPage ? "{$base}?page=" . ($page + 1) : null, 'label' => 'Next &raquo;', 'active' => false],
        ],
        'next_page_url' => $page < $lastPage ? "{$base}?page=" . ($page + 1) : null,
        'path' => $base,
        'per_page' => $perPage,
        'prev_page_url' => $page > 1 ? "{$base}?page=" . ($page - 1) : null,
        'to' => $count > 0 ? $from + $count - 1 : null,
        'total' => $count,
    ];
}

/** The hypervisor entries of group $groupId ($size of them, ids unique across groups). */
function vfstock_bench_hypervisors(int $size, int $groupId = 1): array
{
    $data = [];
    for ($i = 1; $i <= $size; $i++) {
        $data[] = vfstock_bench_hypervisor($groupId * 100000 + $i, $groupId);
    }

    return $data;
}

/** One group of $size hypervisors on a single page (what vf_capacity_for is given). */
function vfstock_bench_group(int $size, int $groupId = 1): array
{
    return vfstock_bench_page(vfstock_bench_hypervisors($size, $groupId), $groupId, 1, 1, max(1, $size));
}

/** A package as `GET /packages/{id}` answers it (v7 fields), its disk on mountpoint storage (type code 4). */
function vfstock_bench_package(int $id = 1): array
{
    $sizes = [[1024, 1, 25], [2048, 1, 50], [4096, 2, 80], [8192, 4, 160], [16384, 6, 320]];
    [$memory, $cores, $disk] = $sizes[($id - 1) % count($sizes)];

    return ['data' => [
        'id' => $id, 'name' => "VPS-$id", 'description' => null, 'enabled' => true, 'memory' => $memory,
        'primaryStorage' => $disk, 'traffic' => 2000, 'cpuCores' => $cores, 'primaryNetworkSpeedIn' => 1000,
        'primaryNetworkSpeedOut' => 1000, 'primaryDiskType' => 'inherit', 'backupPlanId' => 0,
        'primaryStorageReadBytesSec' => null, 'primaryStorageWriteBytesSec' => null,
        'primaryStorageReadIopsSec' => null, 'primaryStorageWriteIopsSec' => null,
        'primaryStorageProfile' => 4, 'primaryNetworkProfile' => 0, 'created' => '2025-01-14T10:21:52.000000Z',
    ]];
}
