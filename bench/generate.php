<?php

declare(strict_types=1);

/**
 * Generates VirtFusion-shaped fleets for benchmarks and the demo: each
 * hypervisor carries the fields a real panel sends (about 1.5 KB of JSON),
 * not just the ones vfstock reads, so MB/s figures mean something.
 */
function vfstock_bench_hypervisor(int $id, int $groupId): array
{
    $memMax = 262144;
    $used = ($id * 7919) % 200000;
    return [
        'hypervisor' => [
            'id' => $id,
            'name' => sprintf('hv-%05d.example.net', $id),
            'ip' => sprintf('10.%d.%d.%d', ($id >> 16) & 255, ($id >> 8) & 255, $id & 255),
            'hostname' => sprintf('hv-%05d', $id),
            'port' => 8892,
            'maintenance' => false,
            'enabled' => true,
            'commissioned' => ($id % 50) !== 0 ? 1 : 0,
            'prohibit' => ($id % 97) === 0,
            'groupId' => $groupId,
            'dataDir' => '/home/vf-data/server',
            'nfType' => 'iptables',
            'created' => '2025-01-14T10:21:52+00:00',
            'updated' => '2026-11-20T08:00:03+00:00',
        ],
        'resources' => [
            'servers' => ['units' => 20 + $id % 40],
            'memory' => ['max' => $memMax, 'allocated' => $used, 'free' => $memMax - $used, 'percent' => intdiv($used * 100, $memMax)],
            'cpuCores' => ['max' => 128, 'allocated' => $id % 100, 'free' => 128 - $id % 100, 'percent' => $id % 100],
            'localStorage' => [
                'id' => 1000 + $id, 'name' => 'default', 'enabled' => true, 'storageType' => 0,
                'path' => '/home/vf-data/disk', 'max' => 4000, 'allocated' => $id % 3000,
                'free' => 4000 - $id % 3000, 'percent' => intdiv(($id % 3000) * 100, 4000),
            ],
            'otherStorage' => [
                [
                    'id' => 20000 + $id, 'name' => 'nvme-mount', 'enabled' => true, 'storageType' => 4,
                    'path' => '/mnt/nvme', 'max' => 8000, 'allocated' => ($id * 13) % 7000,
                    'free' => 8000 - ($id * 13) % 7000, 'percent' => 0,
                ],
                [
                    'id' => 30000 + $id, 'name' => 'ssd-mount', 'enabled' => $id % 3 !== 0, 'storageType' => 4,
                    'path' => '/mnt/ssd', 'max' => 6000, 'allocated' => ($id * 17) % 5000,
                    'free' => 6000 - ($id * 17) % 5000, 'percent' => 0,
                ],
            ],
            'network' => [
                'total' => [
                    'ipv4' => ['total' => 4096, 'allocated' => 1000, 'free' => 3096],
                    'ipv6' => ['total' => 65536, 'allocated' => 1000, 'free' => 64536],
                ],
                'interfaces' => [['name' => 'br0', 'ipv4' => 3096, 'ipv6' => 64536]],
            ],
        ],
    ];
}

function vfstock_bench_group(int $size, int $groupId = 1): array
{
    $data = [];
    for ($i = 1; $i <= $size; $i++) {
        $data[] = vfstock_bench_hypervisor($groupId * 100000 + $i, $groupId);
    }
    return ['current_page' => 1, 'data' => $data, 'last_page' => 1, 'per_page' => $size, 'total' => $size];
}

function vfstock_bench_package(int $id = 1): array
{
    return ['data' => [
        'id' => $id, 'name' => "VPS-$id", 'enabled' => true, 'memory' => 2048, 'cpuCores' => 2,
        'primaryStorage' => 40, 'primaryStorageProfile' => 4, 'primaryStorageReadBytesSec' => null,
        'traffic' => 2000, 'primaryNetworkSpeedIn' => 1000, 'primaryNetworkSpeedOut' => 1000,
        'created' => '2025-01-14T10:21:52+00:00',
    ]];
}
