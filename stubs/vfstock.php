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

/**
 * Recompute qty for stock-controlled products and write it through the given callbacks.
 *
 * Reads rows and Location options through the callbacks (on PHP's thread), every
 * distinct package and group from the panel concurrently (each once, cached), decides
 * each product by the fail-safe rules, and calls `db.write` only when a qty changed.
 * A transient panel failure leaves a product untouched; only a confirmed-missing or
 * disabled package writes 0.
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
 *     dryRun?: bool
 * } $request
 *
 * @return array{
 *     ran: bool,
 *     products: array<int, array{
 *         qty: ?int, previous: ?int,
 *         status: 'updated'|'unchanged'|'untouched'|'skipped',
 *         reason: ?string,
 *         groups: array<int, array{status: 'ok'|'missing'|'transient', fits: ?int, unbounded: bool,
 *                                  ipv4Cap?: ?int, hypervisors: list<array<string, mixed>>}>
 *     }>,
 *     stats: array{requests: int, cacheHits: int, elapsedMs: float}
 * }
 *
 * @throws \InvalidArgumentException a malformed request (the message names the key)
 * @throws \TypeError a request that is not an array
 * @throws \RuntimeException an internal error (never a crash)
 * Any exception thrown by a callback reaches the caller unchanged; products already
 * written stay written, nothing more is written.
 */
function vf_stock_refresh(array $request): array
{
}

/**
 * Drop cached group resources for these group ids, or every cached answer
 * (packages and missing answers too) when called with null.
 *
 * @param list<int>|null $groupIds
 */
function vf_stock_forget(?array $groupIds = null): void
{
}

/**
 * The Test Connection check: `GET {url}/connect`, then `GET {url}/compute/hypervisors/groups?results=1`.
 * A 401/403 on the second says the token lacks the compute read scope stock control needs.
 *
 * @param array{url: string, token: string, timeout?: int|float, connectTimeout?: int|float,
 *              verifyTls?: bool, caFile?: string} $api
 * @return array{ok: bool, status: int, error: ?string} `status` 0: no HTTP answer
 */
function vf_stock_probe(array $api): array
{
}

/**
 * Process-wide figures: cache entries, hits, misses, upstream requests and errors.
 *
 * @return array{packagesCached: int, groupsCached: int, hypervisorsCached: int,
 *               hits: int, misses: int, requests: int, errors: int}
 */
function vf_stock_stats(): array
{
}

/*
 * ini settings (all PHP_INI_ALL):
 *
 * vfstock.timeout            = 10        ; seconds for a whole request
 * vfstock.connect_timeout    = 5         ; seconds to connect
 * vfstock.concurrency        = 8         ; parallel upstream reads per refresh
 * vfstock.page_size          = 200       ; `results` per resources page
 * vfstock.page_limit         = 25        ; pages read per group at most (reaching it is logged)
 * vfstock.max_response_bytes = 16777216  ; larger answers are refused (transient)
 * vfstock.package_ttl        = 600       ; seconds a package stays cached
 * vfstock.group_ttl          = 120       ; seconds a group's resources stay cached
 * vfstock.missing_ttl        = 60        ; seconds a confirmed-missing answer stays cached
 * vfstock.verify_tls         = 1         ; verify the panel's certificate
 * vfstock.ca_file            =           ; PEM bundle of a private CA (empty: system roots)
 */
