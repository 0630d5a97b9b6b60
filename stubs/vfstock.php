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
 * fits min(memory, cpu, storage, servers, ipv4) VPSes after the safety
 * buffer (a share of each resource's max; servers is the hypervisor's
 * maxServers, ipv4 its own free addresses ÷ the addresses per VPS). The
 * group fits the saturating sum, capped, with a shared IPv4 pool, by the
 * largest free count any eligible hypervisor reports ÷ the addresses per VPS.
 *
 * @param array|string $package   a package, or a `/packages/{id}` body with `data`; array or JSON text
 * @param array|string $resources a `/compute/hypervisors/groups/{id}/resources` body with its `data` list
 * @param array{ipv4?: int|string, buffer?: int|float|string|null, ipv4Pool?: 'group'|'hypervisor'} $options
 *        `ipv4`: addresses per VPS (default 1; 0 is an IPv6-only plan; blank, not numeric or negative → 1);
 *        `buffer`: safety buffer percent (default 10; blank or not numeric, NAN included → 10; clamped 0–100);
 *        `ipv4Pool`: 'group' (default: one pool shared by the group) or 'hypervisor' (each has its own)
 *
 * @return array{
 *     fits: int,
 *     unbounded: bool,
 *     ipv4Cap: ?int,
 *     hypervisors: list<array{
 *         id: int, name: string, eligible: bool,
 *         skipped: ?('disabled'|'not commissioned'|'prohibited'|'malformed'),
 *         memory: ?int, cpu: ?int, storage: ?int, servers: ?int, ipv4: ?int, fits: ?int,
 *         binding: ?('memory'|'cpu'|'storage'|'servers'|'ipv4'),
 *         pool: ?string,
 *         ipv4Free: ?int
 *     }>
 * } `fits` is PHP_INT_MAX when `unbounded`; a null axis or fit means unlimited (or skipped)
 *
 * @throws \InvalidArgumentException invalid JSON, a top level that is not an object,
 *         resources without a `data` list, an unknown option or ipv4Pool
 * @throws \TypeError an argument that is neither array nor string
 * @throws \RuntimeException an internal error (never a crash)
 */
function vf_capacity_for(array|string $package, array|string $resources, array $options = []): array
{
}

/**
 * Recompute qty for stock-controlled products and write it through the given callbacks.
 *
 * Reads rows and Location options through the callbacks (on PHP's thread), every
 * distinct package and group from the panel concurrently (each once, cached, within
 * `deadline`), places the `reservations` first, decides each product by the fail-safe
 * rules, and calls `db.write` only when a qty changed. A transient panel failure leaves
 * a product untouched; only a confirmed-missing or disabled package writes 0. A 404 is
 * "missing" only when the API itself said it at this URL.
 *
 * A footprint (`reservations`, and `items` of vf_stock_check) is
 * `['package' => int, 'group' => int, 'count' => int (1–10000, default 1),
 *   'memory' => ?int (MB), 'cpuCores' => ?int, 'primaryStorage' => ?int (GB),
 *   'ipv4' => mixed (as configoption3), 'buffer' => mixed (as configoption7)]`.
 *
 * @param array{
 *     api: array{url: string, token: string, timeout?: int|float, connectTimeout?: int|float,
 *                verifyTls?: bool, caFile?: string},
 *     db: array{
 *         products: callable(?list<int>): iterable<array<string, mixed>|object>,
 *         locations?: callable(int, string): iterable<string>,
 *         write: callable(int, int): void,
 *         claim?: callable(string, int): bool
 *     },
 *     log?: callable(string, array<string, mixed>, mixed): void,
 *     products?: ?list<int>,
 *     locationLabel?: string,
 *     lease?: array{key: string, ttl: int},
 *     forgetGroups?: list<int>,
 *     dryRun?: bool,
 *     deadline?: int|float,
 *     ipv4Pool?: 'group'|'hypervisor',
 *     reservations?: list<array<string, mixed>>,
 *     displayCap?: ?int
 * } $request `deadline`: seconds the whole refresh may wait on the panel; `displayCap`: the
 *         largest qty written (the fleet's figure when lower)
 *
 * @return array{
 *     ran: bool,
 *     products: array<int, array{
 *         qty: ?int, previous: ?int,
 *         status: 'updated'|'unchanged'|'untouched'|'skipped',
 *         reason: ?string,
 *         groups: array<int, array{
 *             status: 'ok'|'missing'|'transient', fits: ?int, unbounded: bool,
 *             sum?: int, ipv4Cap?: ?int, ipv4Free?: ?int,
 *             hypervisors: list<array<string, mixed>>,
 *             reserved?: int, unplaced?: int
 *         }>,
 *         packageId: ?int,
 *         package: ?('ok'|'missing'|'disabled'|'transient'),
 *         buffer: ?int,
 *         ipv4: ?int,
 *         locations: list<array{name: string, group: ?int, label: string}>
 *     }>,
 *     stats: array{requests: int, cacheHits: int, elapsedMs: float}
 * } `qty` never exceeds 2147483647; a group's `hypervisors` rows are those of
 *   vf_capacity_for, the same array for every product that shares them
 *
 * @throws \InvalidArgumentException a malformed request (the message names the key)
 * @throws \Throwable whatever a callback throws, unchanged
 */
function vf_stock_refresh(array $request): array
{
}

/**
 * Can these VPSes be placed now? The checkout check: the reservations are
 * placed first, then every item jointly, each group on its own. An item the
 * panel could not tell about is `transient` and ok: only `full` and
 * `missing` refuse.
 *
 * @param array{
 *     api: array<string, mixed>,
 *     items: list<array<string, mixed>>,
 *     deadline?: int|float,
 *     ipv4Pool?: 'group'|'hypervisor',
 *     reservations?: list<array<string, mixed>>,
 *     log?: callable(string, array<string, mixed>, mixed): void
 * } $request items are footprints, each with an optional `key` echoed back
 *
 * @return array{
 *     ok: bool,
 *     items: list<array{key: mixed, ok: bool, status: 'placed'|'full'|'missing'|'transient',
 *                       count: int, placed: int, reason: ?string}>,
 *     stats: array{requests: int, cacheHits: int, elapsedMs: float}
 * }
 */
function vf_stock_check(array $request): array
{
}

/**
 * Drops cached group resources for these group ids, or every cached answer
 * (packages too) when called without ids.
 *
 * @param list<int|string>|null $groupIds
 */
function vf_stock_forget(?array $groupIds = null): void
{
}

/**
 * The Test Connection check: `GET {url}/connect` (200 with any JSON), then
 * `GET {url}/compute/hypervisors/groups?results=1` (200 with a JSON object).
 * A 401/403 on the second says in words that the token lacks the compute
 * read scope stock control needs.
 *
 * @param array{url: string, token: string, timeout?: int|float, connectTimeout?: int|float,
 *              verifyTls?: bool, caFile?: string, deadline?: int|float} $api
 * @return array{ok: bool, status: int, error: ?string}
 */
function vf_stock_probe(array $api): array
{
}

/**
 * The process's caches and counters.
 *
 * @return array{packagesCached: int, groupsCached: int, cacheBytes: int, leaseBytes: int,
 *               hits: int, misses: int, requests: int, errors: int}
 */
function vf_stock_stats(): array
{
}

/*
 * ini settings (all PHP_INI_ALL):
 *   vfstock.timeout            10        seconds for one request to the panel
 *   vfstock.connect_timeout    5         seconds to connect
 *   vfstock.concurrency        8         requests in parallel; keep-alive connections kept per host
 *   vfstock.page_size          200       hypervisors per page (1–200, the API's limit)
 *   vfstock.page_limit         25        pages a group may have; more: the group is not counted
 *   vfstock.max_response_bytes 16777216  larger answers are refused (transient)
 *   vfstock.package_ttl        600       seconds a package stays cached
 *   vfstock.group_ttl          120       seconds a group's resources stay cached
 *   vfstock.missing_ttl        60        seconds a confirmed-missing answer stays cached
 *   vfstock.verify_tls         1         only 1/0/on/off/yes/no/true/false; anything else is refused
 *   vfstock.ca_file            ""        a PEM file (a regular file of at most 1 MiB); empty: system roots
 */
