<?php

/**
 * IDE and static-analysis stubs for the vfstock extension.
 *
 * This file is never loaded at run time: the functions come from vfstock.so
 * (`extension=vfstock`). Keep it in step with src/php/.
 *
 * @package vfstock
 */

/**
 * Capacity of one hypervisor group for one package. Pure: no I/O.
 *
 * Eligible hypervisors are enabled, commissioned and not prohibited; each
 * fits min(memory, cpu, storage) VPSes after the safety buffer (a share of
 * each resource's max). The group fits the saturating sum, capped by its
 * IPv4 pool (the maximum free count any eligible hypervisor reports,
 * divided by the addresses each VPS needs).
 *
 * @param array|string $package   a package, or a `/packages/{id}` body with `data`; array or JSON text
 * @param array|string $resources a `/compute/hypervisors/groups/{id}/resources` body with its `data` list
 * @param array{ipv4?: int, buffer?: int|float|string|null} $options
 *        `ipv4`: addresses per VPS (default 1, below 1 reads as 1);
 *        `buffer`: safety buffer percent (default 10; blank or not numeric → 10; clamped 0–100)
 *
 * @return array{
 *     fits: int,
 *     unbounded: bool,
 *     ipv4Cap: ?int,
 *     hypervisors: list<array{
 *         id: int, name: string, eligible: bool,
 *         skipped: ?('disabled'|'not commissioned'|'prohibited'|'malformed'),
 *         memory: ?int, cpu: ?int, storage: ?int, fits: ?int,
 *         binding: ?('memory'|'cpu'|'storage'),
 *         pool: ?string,
 *         ipv4Free: ?int
 *     }>
 * } `fits` is PHP_INT_MAX when `unbounded`; a null axis or fit means unlimited (or skipped)
 *
 * @throws \InvalidArgumentException invalid JSON, a top level that is not an object,
 *         resources without a `data` list, or an unknown option
 * @throws \TypeError an argument that is neither array nor string
 * @throws \RuntimeException an internal error (never a crash)
 */
function vf_capacity_for(array|string $package, array|string $resources, array $options = []): array
{
}
