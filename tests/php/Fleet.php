<?php

declare(strict_types=1);

namespace VfStock\Tests;

/**
 * Builds VirtFusion-shaped test data: packages, hypervisor entries of a
 * `/compute/hypervisors/groups/{id}/resources` response, and whole groups.
 *
 * Every builder takes `$overrides`, deep-merged over sensible defaults:
 * - associative arrays merge key by key, recursively;
 * - lists (including `[]`) and scalars replace the default wholesale;
 * - the value `Fleet::REMOVE` deletes the key, so "missing" can be tested.
 *
 * Example:
 *   Fleet::group([
 *       Fleet::hypervisor(1, ['resources' => ['memory' => ['free' => 2048]]]),
 *       Fleet::hypervisor(2, ['hypervisor' => ['enabled' => false]]),
 *   ]);
 */
final class Fleet
{
    /** Marker value: the key it is assigned to is removed by the merge. */
    public const REMOVE = "\0vfstock:remove\0";

    /**
     * A package as `GET /packages/{id}` returns it under `data`.
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    public static function package(array $overrides = []): array
    {
        return self::merge([
            'id' => 1,
            'name' => 'VPS 1G',
            'enabled' => true,
            'memory' => 1024,
            'cpuCores' => 1,
            'primaryStorage' => 20,
            'primaryStorageProfile' => 0,
            'traffic' => 1000,
        ], $overrides);
    }

    /**
     * A whole `/packages/{id}` response body: `['data' => package]`.
     *
     * @param array<string, mixed> $overrides applied to the package
     * @return array<string, mixed>
     */
    public static function packageBody(array $overrides = []): array
    {
        return ['data' => self::package($overrides)];
    }

    /**
     * One entry of a group resources `data` list.
     *
     * Defaults: eligible, 64 GiB RAM, 32 cores, a 2000 GB enabled local
     * storage of type 0, no other storage, 100 free IPv4 addresses.
     *
     * @param array<string, mixed> $overrides e.g. ['resources' => ['memory' => ['free' => 10]]]
     * @return array<string, mixed>
     */
    public static function hypervisor(int $id, array $overrides = []): array
    {
        return self::merge([
            'hypervisor' => [
                'id' => $id,
                'name' => 'hv' . $id,
                'enabled' => true,
                'commissioned' => true,
                'prohibit' => false,
            ],
            'resources' => [
                'memory' => self::cell(65536, 65536),
                'cpuCores' => self::cell(32, 32),
                'localStorage' => [
                    'enabled' => true,
                    'storageType' => 0,
                    'max' => 2000,
                    'free' => 2000,
                ],
                'otherStorage' => [],
                'network' => ['total' => ['ipv4' => ['free' => 100]]],
            ],
        ], $overrides);
    }

    /**
     * Several hypervisors with ids $firstId, $firstId+1, ... sharing overrides.
     *
     * @param array<string, mixed> $overrides
     * @return list<array<string, mixed>>
     */
    public static function hypervisors(int $count, array $overrides = [], int $firstId = 1): array
    {
        $entries = [];
        for ($i = 0; $i < $count; $i++) {
            $entries[] = self::hypervisor($firstId + $i, $overrides);
        }

        return $entries;
    }

    /**
     * A resource cell `{max, free}`.
     *
     * @return array{max: mixed, free: mixed}
     */
    public static function cell(mixed $max, mixed $free): array
    {
        return ['max' => $max, 'free' => $free];
    }

    /**
     * A storage pool for `resources.otherStorage[]` (or `localStorage`).
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    public static function pool(int $storageType, mixed $max, mixed $free, array $overrides = []): array
    {
        return self::merge([
            'enabled' => true,
            'storageType' => $storageType,
            'max' => $max,
            'free' => $free,
        ], $overrides);
    }

    /**
     * Overrides that set the IPv4 free count a hypervisor reports
     * (`null`: present but not reporting; `Fleet::REMOVE`: key absent).
     *
     * @return array<string, mixed>
     */
    public static function ipv4Free(mixed $free): array
    {
        return ['resources' => ['network' => ['total' => ['ipv4' => ['free' => $free]]]]];
    }

    /**
     * A group resources response: `['data' => $entries, ...pagination]`.
     *
     * @param list<mixed> $entries
     * @return array<string, mixed>
     */
    public static function group(array $entries): array
    {
        return ['data' => $entries, 'current_page' => 1, 'last_page' => 1];
    }

    /**
     * Deep-merges $overrides over $base (see the class doc for the rules).
     *
     * @param array<array-key, mixed> $base
     * @param array<array-key, mixed> $overrides
     * @return array<array-key, mixed>
     */
    public static function merge(array $base, array $overrides): array
    {
        foreach ($overrides as $key => $value) {
            if ($value === self::REMOVE) {
                unset($base[$key]);
            } elseif (
                is_array($value)
                && !array_is_list($value)
                && isset($base[$key])
                && is_array($base[$key])
                && !array_is_list($base[$key])
            ) {
                $base[$key] = self::merge($base[$key], $value);
            } else {
                $base[$key] = $value;
            }
        }

        return $base;
    }

    /**
     * Sets a value at a dotted path (`resources.memory.free`), creating levels.
     *
     * @param array<array-key, mixed> $data
     * @return array<array-key, mixed>
     */
    public static function with(array $data, string $path, mixed $value): array
    {
        $keys = explode('.', $path);
        $node = &$data;
        foreach ($keys as $key) {
            if (!isset($node[$key]) || !is_array($node[$key])) {
                $node[$key] = [];
            }
            $node = &$node[$key];
        }
        $node = $value;
        unset($node);

        return $data;
    }

    /**
     * The value at a dotted path (`resources.memory`), which must be there.
     *
     * @param array<array-key, mixed> $data
     */
    public static function at(array $data, string $path): mixed
    {
        foreach (explode('.', $path) as $key) {
            $data = $data[$key];
        }

        return $data;
    }

    /**
     * Removes the key at a dotted path (`resources.network`); absent paths are fine.
     *
     * @param array<array-key, mixed> $data
     * @return array<array-key, mixed>
     */
    public static function without(array $data, string $path): array
    {
        $keys = explode('.', $path);
        $last = array_pop($keys);
        $node = &$data;
        foreach ($keys as $key) {
            if (!isset($node[$key]) || !is_array($node[$key])) {
                return $data;
            }
            $node = &$node[$key];
        }
        unset($node[$last]);
        unset($node);

        return $data;
    }

    /**
     * `$count` entries with what only PHP values can be, in turn: a free
     * memory count held by reference (`$free`), an object cell, three
     * thousand extra keys, a 300-deep nesting, 500 pools, a list with a
     * hole, an entry that is an object, a name that is not UTF-8.
     *
     * @return list<array<string, mixed>|object>
     */
    public static function oddEntries(int $count, int &$free): array
    {
        $entries = self::hypervisors($count);
        $deep = [];
        for ($d = 0; $d < 300; $d++) {
            $deep = [$deep, 'max' => $d];
        }
        $wide = [];
        for ($k = 0; $k < 3000; $k++) {
            $wide["k$k"] = ['max' => $k, 'free' => $k];
        }
        foreach ($entries as $i => &$entry) {
            switch ($i % 9) {
                case 0:
                    $entry['resources']['memory']['free'] = &$free;
                    break;
                case 1:
                    $entry['resources']['memory'] = (object) ['max' => 65536, 'free' => 65536];
                    break;
                case 2:
                    $entry['resources'] += $wide;
                    break;
                case 3:
                    $entry['resources']['network'] = ['total' => ['ipv4' => ['free' => $deep]]];
                    break;
                case 4:
                    $entry['resources']['otherStorage'] = array_fill(0, 500, self::pool(0, 4000, 100 + $i));
                    break;
                case 5:
                    $list = [self::pool(0, 4000, 10), self::pool(0, 4000, 20), self::pool(0, 4000, 30)];
                    unset($list[1]);
                    $entry['resources']['otherStorage'] = $list;
                    break;
                case 6:
                    $entry = (object) $entry;
                    break;
                case 7:
                    $entry = self::reshaped($i + 1, intdiv($i, 8) % 6);
                    break;
                default:
                    $entry['hypervisor']['name'] = "hv-\xff-$i";
            }
        }
        unset($entry);

        return $entries;
    }

    /**
     * The same hypervisor in one of six table layouts PHP code can leave
     * behind (`$way` 0–5): keys deleted and added again (a deleted bucket
     * where the key was), keys in reverse order, an integer key first,
     * cells rebuilt with their keys swapped, a key renamed (so absent), or
     * as decoded. The extension learns where a page's keys sit from one
     * entry to the next; these check that it never trusts a stale place.
     *
     * @return array<string, mixed>
     */
    public static function reshaped(int $id, int $way): array
    {
        $entry = self::hypervisor($id, ['resources' => ['memory' => self::cell(65536, 4096 * ($id % 7))]]);
        switch ($way) {
            case 0:
                foreach (['enabled', 'name', 'id'] as $key) {
                    $value = $entry['hypervisor'][$key];
                    unset($entry['hypervisor'][$key]);
                    $entry['hypervisor'][$key] = $value;
                }
                unset($entry['resources']['memory']['max']);
                $entry['resources']['memory']['max'] = 65536;
                break;
            case 1:
                $entry['hypervisor'] = array_reverse($entry['hypervisor'], true);
                $entry['resources'] = array_reverse($entry['resources'], true);
                break;
            case 2:
                $entry['hypervisor'] = [7 => 'seven'] + $entry['hypervisor'];
                $entry['resources']['memory'] = [3 => 0] + $entry['resources']['memory'];
                break;
            case 3:
                $entry['resources']['memory'] = ['free' => $entry['resources']['memory']['free'], 'max' => 65536];
                $entry['resources']['cpuCores'] = ['free' => 1, 'max' => 32];
                break;
            case 4:
                $entry['hypervisor']['Enabled'] = true;
                unset($entry['hypervisor']['enabled']);
                break;
        }

        return $entry;
    }

    /**
     * JSON text of any builder output, as the panel would send it.
     */
    public static function json(mixed $data): string
    {
        return json_encode($data, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION);
    }
}
