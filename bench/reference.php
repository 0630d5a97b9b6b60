<?php

declare(strict_types=1);

/**
 * The pure-PHP serial reference of `make bench`, written from the capacity and product rules
 * (not from the extension's code): what a plain PHP module does.
 *
 * - vfstock_ref_capacity(): the capacity rules over json_decode'd arrays, answering exactly
 *   what vf_capacity_for answers (the benchmark checks they are identical).
 * - vfstock_ref_refresh(): a serial sweep the way an upstream PHP module
 *   works: one GET after another with file_get_contents and a stream context,
 *   json_decode, compute, write. Each distinct package and group is read once
 *   per sweep (as vfstock does), so the two make the same requests and differ
 *   only in how. Only what the benchmark's products use is covered: the
 *   default group, blank buffer → the given default, any answer but 200 →
 *   untouched.
 */

const VFSTOCK_REF_QTY_MAX = 2147483647;

/** the capacity rules "reading values": int, float truncated toward zero, numeric string; anything else 0. */
function vfstock_ref_num(mixed $v): int
{
    if (is_int($v)) {
        return $v;
    }
    if (is_string($v) && is_numeric($v)) {
        $v = +$v;
        if (is_int($v)) {
            return $v;
        }
    }
    if (is_float($v)) {
        if (is_nan($v)) {
            return 0;
        }
        if ($v >= 9.2233720368547758E18) {
            return PHP_INT_MAX;
        }
        if ($v <= -9.2233720368547758E18) {
            return PHP_INT_MIN;
        }

        return (int) $v;
    }

    return 0;
}

/** A flag: true, a non-zero number, a non-empty string other than "0". */
function vfstock_ref_flag(mixed $v): bool
{
    return match (true) {
        is_bool($v) => $v,
        is_int($v), is_float($v) => $v != 0,
        is_string($v) => $v !== '' && $v !== '0',
        default => false,
    };
}

/** fit(cell, need): null = unlimited. */
function vfstock_ref_fit(mixed $cell, int $need, int $buffer): ?int
{
    if ($need <= 0) {
        return null;
    }
    if (!is_array($cell)) {
        return 0;
    }
    $max = vfstock_ref_num($cell['max'] ?? null);
    if ($max <= 0) {
        return null;
    }
    $reserve = intdiv($max * $buffer + 99, 100);
    $avail = vfstock_ref_num($cell['free'] ?? null) - $reserve;

    return $avail <= 0 ? 0 : intdiv($avail, $need);
}

/** a < b where null is unlimited. */
function vfstock_ref_less(?int $a, ?int $b): bool
{
    return $a !== null && ($b === null || $a < $b);
}

/**
 * the capacity rules for one group: vf_capacity_for's answer, from decoded arrays.
 *
 * @return array{fits: int, unbounded: bool, ipv4Cap: ?int, hypervisors: list<array<string, mixed>>}
 */
function vfstock_ref_capacity(array $package, array $resources, int $ipv4 = 1, int $buffer = 10): array
{
    $p = is_array($package['data'] ?? null) ? $package['data'] : $package;
    $memory = vfstock_ref_num($p['memory'] ?? null);
    $cpu = vfstock_ref_num($p['cpuCores'] ?? null);
    $disk = vfstock_ref_num($p['primaryStorage'] ?? null);
    $code = vfstock_ref_num($p['primaryStorageProfile'] ?? null);
    $rows = [];
    $sum = 0;          // null once unlimited
    $shared = null;    // the largest IPv4 report of an eligible hypervisor
    foreach ($resources['data'] as $entry) {
        $hv = is_array($entry) ? ($entry['hypervisor'] ?? null) : null;
        $res = is_array($entry) ? ($entry['resources'] ?? null) : null;
        $row = [
            'id' => is_array($hv) ? vfstock_ref_num($hv['id'] ?? null) : 0,
            'name' => is_array($hv) && isset($hv['name']) && is_scalar($hv['name']) && !is_bool($hv['name'])
                ? (string) $hv['name'] : '',
            'eligible' => false, 'skipped' => null,
            'memory' => null, 'cpu' => null, 'storage' => null, 'servers' => null, 'ipv4' => null,
            'fits' => null, 'binding' => null, 'pool' => null, 'ipv4Free' => null,
        ];
        $skip = match (true) {
            !is_array($hv) || !is_array($res) => 'malformed',
            !vfstock_ref_flag($hv['enabled'] ?? null) => 'disabled',
            !vfstock_ref_flag($hv['commissioned'] ?? null) => 'not commissioned',
            vfstock_ref_flag($hv['prohibit'] ?? null) => 'prohibited',
            default => null,
        };
        if ($skip !== null) {
            $row['skipped'] = $skip;
            $rows[] = $row;
            continue;
        }
        // Storage: every pool of the package's type code, the best enabled one.
        $storage = null;
        $pool = null;
        if ($disk > 0) {
            $local = $res['localStorage'] ?? null;
            if ($code > 0) {
                $storage = 0;
                $candidates = [];
                if (is_array($local)) {
                    $candidates[] = [$local, 'localStorage'];
                }
                $other = $res['otherStorage'] ?? null;
                foreach (is_array($other) ? array_values($other) : [] as $i => $o) {
                    if (is_array($o)) {
                        $name = isset($o['name']) && is_scalar($o['name']) ? (string) $o['name'] : '';
                        $candidates[] = [$o, $name === '' ? "otherStorage[{$i}]" : $name];
                    }
                }
                $found = false;
                foreach ($candidates as [$c, $name]) {
                    if (vfstock_ref_num($c['storageType'] ?? null) !== $code || !vfstock_ref_flag($c['enabled'] ?? null)) {
                        continue;
                    }
                    $f = vfstock_ref_fit($c, $disk, $buffer);
                    if (!$found || vfstock_ref_less($storage, $f)) {
                        [$storage, $pool, $found] = [$f, $name, true];
                    }
                }
            } elseif (is_array($local) && vfstock_ref_flag($local['enabled'] ?? null)) {
                [$storage, $pool] = [vfstock_ref_fit($local, $disk, $buffer), 'localStorage'];
            } else {
                $storage = 0;
            }
        }
        $servers = array_key_exists('servers', $res) && $res['servers'] !== null
            ? vfstock_ref_fit($res['servers'], 1, $buffer) : null;
        $net = $res['network']['total']['ipv4'] ?? null;
        $free = is_array($net) && isset($net['free']) ? vfstock_ref_num($net['free']) : null;
        $axes = [
            'memory' => vfstock_ref_fit($res['memory'] ?? null, $memory, $buffer),
            'cpu' => vfstock_ref_fit($res['cpuCores'] ?? null, $cpu, $buffer),
            'storage' => $storage,
            'servers' => $servers,
            'ipv4' => $free !== null && $ipv4 >= 1 ? intdiv(max($free, 0), $ipv4) : null,
        ];
        $fits = null;
        $binding = null;
        foreach ($axes as $axis => $f) {
            if (vfstock_ref_less($f, $fits)) {
                [$fits, $binding] = [$f, $axis];
            }
        }
        $rows[] = ['id' => $row['id'], 'name' => $row['name'], 'eligible' => true, 'skipped' => null] + $axes
            + ['fits' => $fits, 'binding' => $binding, 'pool' => $pool, 'ipv4Free' => $free];
        $sum = ($sum === null || $fits === null) ? null : ($fits > PHP_INT_MAX - $sum ? PHP_INT_MAX : $sum + $fits);
        if ($free !== null && ($shared === null || $free > $shared)) {
            $shared = $free;
        }
    }
    $cap = $shared !== null && $ipv4 >= 1 ? intdiv(max($shared, 0), $ipv4) : null;
    $fits = $cap === null ? $sum : ($sum === null ? $cap : min($sum, $cap));

    return [
        'fits' => $fits ?? PHP_INT_MAX,
        'unbounded' => $fits === null,
        'ipv4Cap' => $cap,
        'hypervisors' => $rows,
    ];
}

/**
 * One GET, decoded: the body's array on a 200 with JSON, else null.
 *
 * @return array<array-key, mixed>|null
 */
function vfstock_ref_get(string $url, string $token, int &$requests): ?array
{
    $context = stream_context_create(['http' => [
        'method' => 'GET',
        'header' => "Authorization: Bearer {$token}\r\nAccept: application/json\r\n",
        'ignore_errors' => true,
        'timeout' => 10,
    ]]);
    $requests++;
    $body = @file_get_contents($url, false, $context);
    $headers = function_exists('http_get_last_response_headers')
        ? (http_get_last_response_headers() ?? [])
        : ($http_response_header ?? []);
    if ($body === false || preg_match('#^HTTP/\S+ 200\b#', $headers[0] ?? '') !== 1) {
        return null;
    }
    $data = json_decode($body, true);

    return is_array($data) ? $data : null;
}

/**
 * The serial sweep: for each managed product, its package and its group's
 * pages read one after another (each distinct one once), decoded, computed
 * with vfstock_ref_capacity(), and the qty written when it changed.
 *
 * @param list<array<string, mixed>> $rows tblproducts rows
 * @param callable(int, int): void $write
 * @return array{qty: array<int, ?int>, requests: int} product id => new qty (null: untouched)
 */
function vfstock_ref_refresh(string $url, string $token, array $rows, callable $write, int $defaultBuffer = 10,
    int $pageSize = 200): array
{
    $packages = [];
    $groups = [];
    $requests = 0;
    $out = [];
    foreach ($rows as $row) {
        $id = (int) $row['id'];
        if (($row['servertype'] ?? '') !== 'VirtFusionDirect' || !vfstock_ref_flag($row['stockcontrol'] ?? 0)) {
            continue;
        }
        $packageId = vfstock_ref_num($row['configoption2'] ?? null);
        $groupId = vfstock_ref_num($row['configoption1'] ?? null);
        if (!array_key_exists($packageId, $packages)) {
            $packages[$packageId] = vfstock_ref_get("{$url}/packages/{$packageId}", $token, $requests);
        }
        if (!array_key_exists($groupId, $groups)) {
            $data = [];
            $page = 1;
            $last = 1;
            do {
                $body = vfstock_ref_get("{$url}/compute/hypervisors/groups/{$groupId}/resources?results={$pageSize}"
                    . "&page={$page}", $token, $requests);
                if (!is_array($body['data'] ?? null)) {
                    $data = null;
                    break;
                }
                array_push($data, ...$body['data']);
                $last = max(1, (int) ($body['last_page'] ?? 1));
            } while (++$page <= $last);
            $groups[$groupId] = $data === null ? null : ['data' => $data];
        }
        $package = $packages[$packageId];
        $group = $groups[$groupId];
        if ($package === null || $group === null) {
            $out[$id] = null;
            continue;
        }
        $buffer = trim((string) ($row['configoption7'] ?? '')) === '' ? $defaultBuffer
            : max(0, min(100, vfstock_ref_num($row['configoption7'])));
        $ipv4 = trim((string) ($row['configoption3'] ?? '')) === '' ? 1 : vfstock_ref_num($row['configoption3']);
        $capacity = vfstock_ref_capacity($package, $group, $ipv4 < 0 ? 1 : $ipv4, $buffer);
        if ($capacity['unbounded']) {
            $out[$id] = null;
            continue;
        }
        $qty = min(VFSTOCK_REF_QTY_MAX, $capacity['fits']);
        if ($qty !== (int) ($row['qty'] ?? 0)) {
            $write($id, $qty);
        }
        $out[$id] = $qty;
    }

    return ['qty' => $out, 'requests' => $requests];
}
