<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * `vf_stock_refresh` against the simulator: the product table, the
 * groups of a product, the IPv4 count and buffer, the result, and one
 * fetch per package and group (caches, TLS).
 *
 * Every expected qty is worked out by hand in a comment. Unless a test is about
 * the buffer, products set `configoption7 = '0'` so the reserve is 0 and
 * fit = floor(free / need).
 *
 * The fleet (reset before every test):
 * - package 1: 2048 MB, 2 cores, 50 GB (profile 0), enabled; packages 10–17 are
 *   copies of it that the tests break with faults (10–19); package 2 is a disabled copy;
 *   package 3 needs nothing (0 MB, 0 cores, 0 GB); package 404 does not exist.
 * - group 1: hv1 (mem 32768/20480, cpu 16/16, disk 1000/1000, IPv4 100),
 *   hv2 (mem 32768/8192, cpu 16/16, disk 500/500, IPv4 100), hv6 disabled.
 *   For package 1, buffer 0: hv1 = min(20480/2048=10, 16/2=8, 1000/50=20) = 8,
 *   hv2 = min(8192/2048=4, 8, 500/50=10) = 4; sum 12, IPv4 cap 100 → 12.
 * - group 2: hv3 (mem 65536/65536, cpu 8/6, disk 2000/2000, IPv4 100):
 *   min(32, floor(6/2)=3, 40) = 3 → 3.
 * - group 3: hv4 (Fleet defaults: mem 65536, cpu 32, disk 2000, IPv4 100):
 *   min(32, 16, 40) = 16 → 16.
 * - group 4: hv5 (Fleet defaults) reporting no IPv4 (null).
 * - group 9: does not exist.
 */
final class RefreshTest extends TestCase
{
    private const TOKEN = 'refresh-test-token';

    /** The settings tests change, with their defaults. */
    private const INI_DEFAULTS = [
        'vfstock.page_size' => '200',
        'vfstock.max_response_bytes' => '16777216',
        'vfstock.ca_file' => '',
        'vfstock.verify_tls' => '1',
        'vfstock.missing_ttl' => '60',
    ];

    use SharedSimulator;

    /** @var array<int, array<string, mixed>> tblproducts, by id */
    private array $rows = [];

    /** @var array<int, list<string>> Location sub-option names, by product id */
    private array $locations = [];

    /** @var list<array{int, int}> */
    private array $writes = [];

    /** @var list<array{int, string}> */
    private array $locationCalls = [];

    /** @var list<mixed> the argument of every db.products call */
    private array $productCalls = [];

    protected function setUp(): void
    {
        // Caches are per process and keyed by URL; a later simulator may reuse a port.
        vf_stock_forget();
        $sim = self::sim();
        $sim->clearFaults();
        $sim->latency(0);
        $sim->scenario(self::scenario());
        $sim->clearRequests();
        $this->rows = self::productRows();
        $this->locations = [
            131 => ['3|Lyon'],
            132 => ['2|Paris', '9|Gone'],
            135 => ['x|bad', '0|zero', '-2|negative'],
        ];
        $this->writes = [];
        $this->locationCalls = [];
        $this->productCalls = [];
    }

    protected function tearDown(): void
    {
        // ini_set back rather than ini_restore(): see the report on ini_restore.
        foreach (self::INI_DEFAULTS as $name => $value) {
            ini_set($name, $value);
        }
    }

    // ------------------------------------------------------------------
    // fixtures and helpers
    // ------------------------------------------------------------------

    /** @return array<string, mixed> */
    private static function standardPackage(int $id, array $overrides = []): array
    {
        return Fleet::package(array_replace(
            ['id' => $id, 'memory' => 2048, 'cpuCores' => 2, 'primaryStorage' => 50, 'primaryStorageProfile' => 0],
            $overrides
        ));
    }

    /** @return array<string, mixed> */
    private static function hv(int $id, int $memFree, int $cpuFree, int $diskMax, int $memMax = 32768): array
    {
        return Fleet::hypervisor($id, ['resources' => [
            'memory' => Fleet::cell($memMax, $memFree),
            'cpuCores' => Fleet::cell(16, $cpuFree),
            'localStorage' => ['max' => $diskMax, 'free' => $diskMax],
        ]]);
    }

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        $packages = [
            1 => self::standardPackage(1),
            2 => self::standardPackage(2, ['enabled' => false]),
            3 => Fleet::package(['id' => 3, 'memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 0]),
        ];
        for ($id = 10; $id <= 19; $id++) {
            $packages[$id] = self::standardPackage($id);
        }

        return [
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => $packages,
            'groups' => [
                1 => ['name' => 'Paris', 'hypervisors' => [
                    self::hv(1, 20480, 16, 1000),
                    self::hv(2, 8192, 16, 500),
                    Fleet::hypervisor(6, ['hypervisor' => ['enabled' => false]]),
                ]],
                2 => [Fleet::hypervisor(3, ['resources' => ['cpuCores' => Fleet::cell(8, 6)]])],
                3 => [Fleet::hypervisor(4)],
                4 => [Fleet::hypervisor(5, Fleet::ipv4Free(null))],
            ],
        ];
    }

    /**
     * A tblproducts row: stock-controlled VirtFusionDirect, qty 5, group 1,
     * package 1, 1 IPv4, buffer 0 — unless overridden.
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    private static function row(int $id, array $overrides = []): array
    {
        return array_replace([
            'id' => $id,
            'name' => "Product {$id}",
            'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1,
            'qty' => 5,
            'configoption1' => '1',
            'configoption2' => '1',
            'configoption3' => '1',
            'configoption7' => '0',
        ], $overrides);
    }

    /** @return array<int, array<string, mixed>> */
    private static function productRows(): array
    {
        $rows = [
            101 => self::row(101),
            102 => self::row(102, ['qty' => 12]),
            103 => self::row(103, ['servertype' => 'cpanel', 'configoption2' => '17']),
            104 => self::row(104, ['stockcontrol' => 0, 'configoption2' => '17']),
            108 => self::row(108, ['stockcontrol' => '0', 'configoption2' => '17']),
            109 => self::row(109, ['stockcontrol' => '', 'configoption2' => '17']),
            105 => self::row(105, ['configoption2' => '0']),
            106 => self::row(106, ['configoption2' => '']),
            107 => self::row(107, ['configoption2' => '-3']),
            120 => self::row(120, ['configoption2' => '404']),
            121 => self::row(121, ['configoption2' => '404', 'qty' => 0]),
            122 => self::row(122, ['configoption2' => '2']),
            130 => self::row(130, ['configoption1' => '']),
            131 => self::row(131),
            132 => self::row(132),
            133 => self::row(133, ['configoption1' => '4', 'configoption2' => '3']),
            134 => self::row(134, ['configoption2' => '3']),
            135 => self::row(135, ['configoption1' => '0']),
        ];
        // 110–119: package 10–19, broken by a fault in the test that uses it.
        for ($id = 110; $id <= 119; $id++) {
            $rows[$id] = self::row($id, ['configoption2' => (string) ($id - 100)]);
        }

        return $rows;
    }

    /**
     * The `db.products` callback: the rows for these ids, or every
     * stock-controlled VirtFusionDirect row when null (as the addon does).
     *
     * @param list<int>|null $ids
     * @return list<array<string, mixed>>
     */
    private function rowsFor(?array $ids): array
    {
        $this->productCalls[] = $ids;
        $out = [];
        foreach ($this->rows as $id => $row) {
            if ($ids === null) {
                $managed = is_array($row) ? $row : (array) $row;
                if ($managed['servertype'] !== 'VirtFusionDirect' || (int) $managed['stockcontrol'] !== 1) {
                    continue;
                }
            } elseif (!in_array($id, $ids, true)) {
                continue;
            }
            $out[] = $row;
        }

        return $out;
    }

    /**
     * @param array<string, mixed> $extra request keys replacing the defaults
     * @param array<string, mixed> $api   keys replacing the default `api`
     * @return array<string, mixed>
     */
    private function refresh(array $extra = [], array $api = []): array
    {
        $request = array_replace([
            'api' => array_replace(['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2], $api),
            'db' => [
                'products' => fn (?array $ids): array => $this->rowsFor($ids),
                'locations' => function (int $productId, string $label): array {
                    $this->locationCalls[] = [$productId, $label];

                    return $this->locations[$productId] ?? [];
                },
                'write' => function (int $productId, int $qty): void {
                    $this->writes[] = [$productId, $qty];
                    if (isset($this->rows[$productId]) && is_array($this->rows[$productId])) {
                        $this->rows[$productId]['qty'] = $qty;
                    }
                },
            ],
        ], $extra);

        return vf_stock_refresh($request);
    }

    /**
     * The API requests the simulator saw, as `path?query`.
     *
     * @return list<string>
     */
    private static function seen(?Simulator $sim = null): array
    {
        return array_map(
            static fn (array $r): string => $r['path'] . ($r['query'] !== '' ? '?' . $r['query'] : ''),
            ($sim ?? self::sim())->requests()
        );
    }

    /**
     * @param array<string, mixed> $result
     * @return array<string, mixed>
     */
    private static function product(array $result, int $id): array
    {
        self::assertTrue($result['ran']);
        self::assertArrayHasKey($id, $result['products'], "product {$id} is in the result");

        return $result['products'][$id];
    }

    /**
     * @param array<string, mixed> $p
     */
    private static function assertReason(array $p): void
    {
        self::assertIsString($p['reason'], 'a reason is given');
        self::assertNotSame('', trim($p['reason']), 'the reason is not empty');
    }

    // ------------------------------------------------------------------
    // the product table, row by row
    // ------------------------------------------------------------------

    /**
     * pid, faults, expected status, qty, previous, reason required, expected writes, api overrides.
     *
     * @return array<string, array{
     *     int, list<array<string, mixed>>, string, ?int, ?int, bool, list<array{int,int}>, array<string, mixed>
     * }>
     */
    public static function productTable(): array
    {
        $pkgFault = static fn (int $pkg, mixed $action): array => [
            ['route' => 'package', 'id' => $pkg, 'action' => $action],
        ];
        $group3Down = [['route' => 'resources', 'id' => 3, 'action' => ['status' => 503]]];

        return [
            'requested id with no row: skipped' => [999, [], 'skipped', null, null, true, [], []],
            'servertype not VirtFusionDirect: skipped' => [103, [], 'skipped', null, 5, true, [], []],
            'stockcontrol off: skipped' => [104, [], 'skipped', null, 5, true, [], []],
            'configoption2 = 0: untouched' => [105, [], 'untouched', null, 5, true, [], []],
            'configoption2 blank: untouched' => [106, [], 'untouched', null, 5, true, [], []],
            'configoption2 negative: untouched' => [107, [], 'untouched', null, 5, true, [], []],
            'package 503: untouched' => [110, $pkgFault(10, ['status' => 503]), 'untouched', null, 5, true, [], []],
            'package connection reset: untouched' => [111, $pkgFault(11, 'reset'), 'untouched', null, 5, true, [], []],
            'package hangs past api.timeout: untouched' =>
                [112, $pkgFault(12, 'hang'), 'untouched', null, 5, true, [], ['timeout' => 0.4]],
            'package html 200: untouched' => [113, $pkgFault(13, 'html200'), 'untouched', null, 5, true, [], []],
            'package malformed JSON: untouched' =>
                [114, $pkgFault(14, 'malformedJson'), 'untouched', null, 5, true, [], []],
            'package 401: untouched' => [115, $pkgFault(15, ['status' => 401]), 'untouched', null, 5, true, [], []],
            'package 429: untouched' => [116, $pkgFault(16, ['status' => 429]), 'untouched', null, 5, true, [], []],
            'package truncated body: untouched' =>
                [117, $pkgFault(17, 'truncated'), 'untouched', null, 5, true, [], []],
            'package 403: untouched' => [118, $pkgFault(18, ['status' => 403]), 'untouched', null, 5, true, [], []],
            'package 500: untouched' => [119, $pkgFault(19, ['status' => 500]), 'untouched', null, 5, true, [], []],
            'package 200 with a JSON list: untouched' =>
                [110, $pkgFault(10, ['status' => 200, 'body' => '[1,2]']), 'untouched', null, 5, true, [], []],
            'package 200 with a JSON string: untouched' =>
                [110, $pkgFault(10, ['status' => 200, 'body' => '"ok"']), 'untouched', null, 5, true, [], []],
            'package 200 with an empty body: untouched' =>
                [110, $pkgFault(10, ['status' => 200, 'body' => '']), 'untouched', null, 5, true, [], []],
            // a 200 object without `data` is the package itself: group 1 = 12
            'package 200 without a data wrapper: found' => [110, $pkgFault(10, [
                'status' => 200,
                'body' => Fleet::json(self::standardPackage(10)),
            ]), 'updated', 12, 5, false, [[110, 12]], []],
            'stockcontrol "0": skipped' => [108, [], 'skipped', null, 5, true, [], []],
            'stockcontrol blank: skipped' => [109, [], 'skipped', null, 5, true, [], []],
            // A 404 zeroes: 5 → 0 is written.
            'package 404: zeroed and written' => [120, [], 'updated', 0, 5, true, [[120, 0]], []],
            // Already 0: nothing to write.
            'package 404, qty already 0: unchanged' => [121, [], 'unchanged', 0, 0, true, [], []],
            'package disabled: zeroed' => [122, [], 'updated', 0, 5, true, [[122, 0]], []],
            'no group resolved (blank configoption1, no locations)' =>
                [130, [], 'untouched', null, 5, true, [], []],
            'no group resolved (configoption1 0, locations not ids)' =>
                [135, [], 'untouched', null, 5, true, [], []],
            'a transient group among healthy ones: untouched' =>
                [131, $group3Down, 'untouched', null, 5, true, [], []],
            // groups 1 (12) + 2 (3) + 9 (missing: 0) = 15
            'a missing group counts 0, the others still count' => [132, [], 'updated', 15, 5, false, [[132, 15]], []],
            // package 3 needs nothing; group 4 reports no IPv4 → unbounded
            'total unbounded: untouched' => [133, [], 'untouched', null, 5, true, [], []],
            // package 3 needs nothing, but group 1 reports 100 free IPv4: cap 100/1 = 100 (max, not sum)
            'needs nothing but IPv4 bounds it' => [134, [], 'updated', 100, 5, false, [[134, 100]], []],
            // group 1 for package 1 = 12 (see the class doc)
            'otherwise qty = total, written' => [101, [], 'updated', 12, 5, false, [[101, 12]], []],
            'otherwise qty = total, equal: unchanged' => [102, [], 'unchanged', 12, 12, false, [], []],
        ];
    }

    /**
     * @dataProvider productTable
     * @param list<array<string, mixed>> $faults
     * @param list<array{int,int}> $writes
     * @param array<string, mixed> $api
     */
    public function testProductTableRow(
        int $pid,
        array $faults,
        string $status,
        ?int $qty,
        ?int $previous,
        bool $reasonRequired,
        array $writes,
        array $api
    ): void {
        if ($faults !== []) {
            self::sim()->faults($faults);
        }
        $started = microtime(true);
        $result = $this->refresh(['products' => [$pid]], $api);
        $elapsed = microtime(true) - $started;

        $p = self::product($result, $pid);
        self::assertSame([$pid], array_keys($result['products']), 'only the requested product is reported');
        self::assertSame($status, $p['status']);
        self::assertSame($qty, $p['qty']);
        self::assertSame($previous, $p['previous']);
        if ($reasonRequired) {
            self::assertReason($p);
        }
        self::assertSame($writes, $this->writes, 'writes');
        self::assertSame([[$pid]], $this->productCalls, 'db.products is asked for exactly the requested ids');
        self::assertLessThan(2.0, $elapsed, 'bounded by api.timeout');
        if ($faults !== []) {
            $fired = array_filter(self::sim()->requests(), static fn (array $r): bool => isset($r['fault']));
            self::assertNotEmpty($fired, 'the injected fault was hit');
        }
    }

    public function testSkippedProductsCauseNoRequestNoLocationsLookupAndNoWrite(): void
    {
        $result = $this->refresh(['products' => [999, 103, 104]]);

        foreach ([999, 103, 104] as $pid) {
            self::assertSame('skipped', self::product($result, $pid)['status']);
            self::assertReason($result['products'][$pid]);
            self::assertNull($result['products'][$pid]['qty']);
        }
        self::assertSame([], self::sim()->requests(), 'nothing is read for skipped products');
        self::assertSame(0, $result['stats']['requests']);
        self::assertSame([], $this->writes);
        self::assertSame([], $this->locationCalls);
    }

    public function testOversizedPackageBodyIsTransient(): void
    {
        ini_set('vfstock.max_response_bytes', '4096');
        self::sim()->faults([['route' => 'package', 'id' => 10, 'action' => ['oversizedBytes' => 200000]]]);

        $p = self::product($this->refresh(['products' => [110]]), 110);

        self::assertSame('untouched', $p['status']);
        self::assertNull($p['qty']);
        self::assertReason($p);
        self::assertSame([], $this->writes);
    }

    public function testTwoProductsOnOneMissingPackageReadItOnceAndBothZero(): void
    {
        // Package 404 is missing: zeroed. A second product on the same missing
        // package in the same run still reads 0 (one fetch, the reads and caches).
        $result = $this->refresh(['products' => [120, 121]]);

        self::assertSame('updated', self::product($result, 120)['status']);
        self::assertSame(0, $result['products'][120]['qty']);
        self::assertSame('unchanged', $result['products'][121]['status']);
        self::assertSame(0, $result['products'][121]['qty']);
        self::assertSame([[120, 0]], $this->writes);
        self::assertSame(1, array_count_values(self::seen())['/api/v1/packages/404'] ?? 0);
    }

    public function testATransientGroupAmongHealthyOnesLeavesTheProductUntouchedWithTheBreakdown(): void
    {
        self::sim()->faults([['route' => 'resources', 'id' => 3, 'action' => 'reset']]);

        $p = self::product($this->refresh(['products' => [131]]), 131);

        self::assertSame('untouched', $p['status']);
        self::assertNull($p['qty']);
        self::assertReason($p);
        self::assertSame([], $this->writes);
        self::assertSame([1, 3], self::sortedKeys($p['groups']));
        self::assertSame('ok', $p['groups'][1]['status']);
        self::assertSame(12, $p['groups'][1]['fits']);
        self::assertSame('transient', $p['groups'][3]['status']);
    }

    public function testAMissingGroupCountsZeroAndIsReportedMissing(): void
    {
        $p = self::product($this->refresh(['products' => [132]]), 132);

        // 12 (group 1) + 3 (group 2) + 0 (group 9, 404) = 15
        self::assertSame('updated', $p['status']);
        self::assertSame(15, $p['qty']);
        self::assertSame([1, 2, 9], self::sortedKeys($p['groups']));
        self::assertSame('ok', $p['groups'][1]['status']);
        self::assertSame(12, $p['groups'][1]['fits']);
        self::assertSame('ok', $p['groups'][2]['status']);
        self::assertSame(3, $p['groups'][2]['fits']);
        self::assertSame('missing', $p['groups'][9]['status']);
        self::assertFalse($p['groups'][9]['unbounded']);
        self::assertSame([[132, 15]], $this->writes);
    }

    public function testAMissingGroupOnALaterPageMakesTheGroupTransient(): void
    {
        // Group 3 gets 15 hypervisors: 2 pages of 10. Page 2 answers 404.
        ini_set('vfstock.page_size', '10');
        self::sim()->patchGroup(3, Fleet::hypervisors(15, [], 40));
        self::sim()->faults([['route' => 'resources', 'id' => 3, 'page' => 2, 'action' => ['status' => 404]]]);
        $this->rows[101]['configoption1'] = '3';

        $p = self::product($this->refresh(['products' => [101]]), 101);

        self::assertSame('untouched', $p['status']);
        self::assertNull($p['qty']);
        self::assertReason($p);
        self::assertSame('transient', $p['groups'][3]['status']);
        self::assertSame([], $this->writes);
    }

    public function testUnboundedGroupIsReportedAsSuch(): void
    {
        $p = self::product($this->refresh(['products' => [133]]), 133);

        self::assertSame('untouched', $p['status']);
        self::assertReason($p);
        self::assertSame('ok', $p['groups'][4]['status']);
        self::assertTrue($p['groups'][4]['unbounded']);
        self::assertSame(PHP_INT_MAX, $p['groups'][4]['fits']);
    }

    public function testRowsMayBeObjectsAsCapsuleReturnsThem(): void
    {
        $this->rows[101] = (object) self::row(101, ['stockcontrol' => '1', 'qty' => '5']);
        $this->rows[103] = (object) self::row(103, ['servertype' => 'cpanel']);

        $result = $this->refresh(['products' => [101, 103]]);

        self::assertSame('updated', self::product($result, 101)['status']);
        self::assertSame(12, $result['products'][101]['qty']);
        self::assertSame(5, $result['products'][101]['previous']);
        self::assertSame('skipped', $result['products'][103]['status']);
        self::assertSame([[101, 12]], $this->writes);
    }

    public function testAllProductsWhenNoIdsAreGiven(): void
    {
        // Only the managed rows come back for null; 999, 103 and 104 are not among them.
        self::sim()->faults([['route' => 'package', 'action' => ['status' => 503]]]);
        $result = $this->refresh();

        self::assertSame([null], $this->productCalls, 'db.products(null) means every product');
        $expected = array_keys(array_filter(
            self::productRows(),
            static fn (array $r): bool => $r['servertype'] === 'VirtFusionDirect' && $r['stockcontrol'] === 1
        ));
        self::assertNotContains(103, $expected);
        self::assertSame(self::sortedIds($expected), self::sortedKeys($result['products']));
        foreach ($result['products'] as $pid => $p) {
            self::assertSame('untouched', $p['status'], "product {$pid}: every package read failed");
        }
        self::assertSame([], $this->writes);
    }

    /**
     * @return array<string, array{mixed, array<string, mixed>}>
     */
    public static function groupFaults(): array
    {
        return [
            '401' => [['status' => 401], []],
            '403' => [['status' => 403], []],
            '429' => [['status' => 429], []],
            '500' => [['status' => 500], []],
            '503' => [['status' => 503], []],
            'reset' => ['reset', []],
            'hang past api.timeout' => ['hang', ['timeout' => 0.4]],
            'html 200' => ['html200', []],
            'malformed JSON' => ['malformedJson', []],
            'truncated' => ['truncated', []],
            '200 without data' => [['status' => 200, 'body' => '{"last_page": 1}'], []],
            '200 with data an object' => [['status' => 200, 'body' => '{"data": {"a": 1}, "last_page": 1}'], []],
            '200 with a JSON list' => [['status' => 200, 'body' => '[]'], []],
        ];
    }

    /**
     * @dataProvider groupFaults
     * @param array<string, mixed> $api
     */
    public function testATransientGroupLeavesTheProductUntouched(mixed $action, array $api): void
    {
        self::sim()->faults([['route' => 'resources', 'id' => 1, 'action' => $action]]);

        $started = microtime(true);
        $p = self::product($this->refresh(['products' => [101]], $api), 101);

        self::assertSame('untouched', $p['status']);
        self::assertNull($p['qty']);
        self::assertSame(5, $p['previous']);
        self::assertReason($p);
        self::assertSame('transient', $p['groups'][1]['status'] ?? null);
        self::assertSame([], $this->writes);
        self::assertLessThan(2.0, microtime(true) - $started);
    }

    /**
     * @return array<string, array{bool}>
     */
    public static function oversizedFraming(): array
    {
        return ['content-length' => [false], 'chunked' => [true]];
    }

    /**
     * @dataProvider oversizedFraming
     */
    public function testOversizedGroupBodyIsTransient(bool $chunked): void
    {
        ini_set('vfstock.max_response_bytes', '4096');
        self::sim()->faults([[
            'route' => 'resources', 'id' => 1, 'action' => ['oversizedBytes' => 300000, 'chunked' => $chunked],
        ]]);

        $p = self::product($this->refresh(['products' => [101]]), 101);

        self::assertSame('untouched', $p['status']);
        self::assertSame('transient', $p['groups'][1]['status']);
        self::assertSame([], $this->writes);
    }

    public function testGroupWithoutLastPageIsOnePage(): void
    {
        // page 1 answers the whole group without pagination fields: found, 12, one request
        $hvs = self::scenario()['groups'][1]['hypervisors'];
        self::sim()->faults([[
            'route' => 'resources', 'id' => 1, 'action' => ['status' => 200, 'body' => Fleet::json(['data' => $hvs])],
        ]]);

        $result = $this->refresh(['products' => [101]]);

        self::assertSame(12, self::product($result, 101)['qty']);
        self::assertSame(2, $result['stats']['requests']);
    }

    public function testConfirmedMissingAnswersAreCached(): void
    {
        $this->refresh(['products' => [120]]);
        self::sim()->clearRequests();

        $result = $this->refresh(['products' => [120]]);

        // 404 answers are kept 60 s: the package is not asked again
        self::assertNotContains('/api/v1/packages/404', self::seen());
        self::assertSame(0, self::product($result, 120)['qty']);
    }

    public function testMissingTtlZeroAsksAgain(): void
    {
        ini_set('vfstock.missing_ttl', '0');
        $this->refresh(['products' => [120]]);
        self::sim()->clearRequests();

        $this->refresh(['products' => [120]]);

        self::assertContains('/api/v1/packages/404', self::seen());
    }

    public function testCachesAreKeyedByApiUrl(): void
    {
        // Same ids on another panel: group 1 there has hv3 only (3 for package 1).
        $other = new Simulator([
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => [1 => self::standardPackage(1)],
            'groups' => [1 => [Fleet::hypervisor(3, ['resources' => ['cpuCores' => Fleet::cell(8, 6)]])]],
        ]);
        try {
            $here = $this->refresh(['products' => [101]]);
            $there = $this->refresh(['products' => [101], 'dryRun' => true], ['url' => $other->url()]);

            self::assertSame(12, self::product($here, 101)['qty']);
            self::assertSame(3, self::product($there, 101)['qty']);
            self::assertCount(2, $other->requests(), 'nothing of the first panel is reused');
        } finally {
            $other->stop();
        }
    }

    public function testTrailingSlashOnTheApiUrl(): void
    {
        $result = $this->refresh(['products' => [101]], ['url' => self::sim()->url() . '/']);

        self::assertSame(12, self::product($result, 101)['qty']);
        self::assertContains('/api/v1/packages/1', self::seen());
    }

    public function testOddRowsAndNamesNeverCrash(): void
    {
        $this->rows = [
            101 => self::row(101, ['configoption1' => ['x'], 'configoption3' => new \stdClass(), 'qty' => null]),
            102 => self::row(102, ['configoption2' => 1.9, 'configoption7' => [12]]),
            103 => self::row(103, ['stockcontrol' => [1], 'servertype' => 42]),
            104 => self::row(104, ['id' => 'abc']),
            105 => self::row(105, ['configoption2' => '99999999999999999999999']),
        ];
        $this->locations[101] = [null, 3, ['2|x'], '  ', '|', '99999999999999999999|big'];
        self::sim()->clearRequests();

        $result = $this->refresh(['products' => [101, 102, 103, 104, 105]]);

        self::assertTrue($result['ran']);
        self::assertSame([101, 102, 103, 104, 105], self::sortedKeys($result['products']));
        foreach ($result['products'] as $pid => $p) {
            self::assertContains($p['status'], ['updated', 'unchanged', 'untouched', 'skipped'], "product {$pid}");
        }
        // 104's row has no usable id: product 104 has no row.
        self::assertSame('skipped', $result['products'][104]['status']);
    }

    // ------------------------------------------------------------------
    // groups of a product, IPv4 count, buffer
    // ------------------------------------------------------------------

    public function testGroupsAreConfigoption1PlusLocationValuesDeduplicatedEachFetchedOnce(): void
    {
        // configoption1 = 3; locations: '2|Paris' → 2, ' 3 |Lyon' → 3 (dup), 'x|bad' → none, '2|dup' → dup.
        // Groups {3, 2}: 16 (group 3) + 3 (group 2) = 19.
        $this->rows[101]['configoption1'] = '3';
        $this->locations[101] = ['2|Paris', ' 3 |Lyon', 'x|bad', '2|dup'];

        $p = self::product($this->refresh(['products' => [101]]), 101);

        self::assertSame([[101, 'Location']], $this->locationCalls, 'default label');
        self::assertSame([2, 3], self::sortedKeys($p['groups']));
        self::assertSame(16, $p['groups'][3]['fits']);
        self::assertSame(3, $p['groups'][2]['fits']);
        self::assertSame('updated', $p['status']);
        self::assertSame(19, $p['qty']);
        self::assertSame([[101, 19]], $this->writes);

        $seen = self::seen();
        sort($seen);
        self::assertSame([
            '/api/v1/compute/hypervisors/groups/2/resources?results=200&page=1',
            '/api/v1/compute/hypervisors/groups/3/resources?results=200&page=1',
            '/api/v1/packages/1',
        ], $seen);
    }

    public function testLocationsOnlyWithoutAConfigoption1(): void
    {
        // configoption1 blank; locations 1 (a bare name without `|`) and 2: 12 + 3 = 15
        $this->rows[101]['configoption1'] = '';
        $this->locations[101] = ['1', '2|Lyon'];

        $p = self::product($this->refresh(['products' => [101]]), 101);

        self::assertSame([1, 2], self::sortedKeys($p['groups']));
        self::assertSame(15, $p['qty']);
    }

    public function testLocationLabelIsPassedToDbLocations(): void
    {
        $this->refresh(['products' => [101], 'locationLabel' => 'Data centre']);

        self::assertSame([[101, 'Data centre']], $this->locationCalls);
    }

    public function testWithoutDbLocationsOnlyConfigoption1Counts(): void
    {
        $this->locations[101] = ['2|Paris'];
        $request = [
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2],
            'products' => [101],
            'db' => [
                'products' => fn (?array $ids): array => $this->rowsFor($ids),
                'write' => function (int $pid, int $qty): void {
                    $this->writes[] = [$pid, $qty];
                },
            ],
        ];

        $p = self::product(vf_stock_refresh($request), 101);

        self::assertSame([1], array_keys($p['groups']));
        self::assertSame(12, $p['qty']);
        self::assertSame([[101, 12]], $this->writes);
    }

    public function testIpv4CountAndBufferSettingsOfEachProduct(): void
    {
        // Package 50 needs 100 MB and nothing else; group 50 has one hypervisor
        // with memory {max 10000, free 10000} and 1000 free IPv4 addresses.
        self::sim()->scenario([
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => [50 => Fleet::package(['id' => 50, 'memory' => 100, 'cpuCores' => 0, 'primaryStorage' => 0])],
            'groups' => [50 => [Fleet::merge(
                Fleet::hypervisor(1, ['resources' => ['memory' => Fleet::cell(10000, 10000)]]),
                Fleet::ipv4Free(1000)
            )]],
        ]);
        $cases = [
            // buffer blank → 10: reserve ceil(10000×10/100) = 1000, (10000−1000)/100 = 90; IPv4 1000/1
            150 => [['configoption7' => ''], 90],
            // "12.5" → 12: reserve 1200, 8800/100 = 88
            151 => [['configoption7' => '12.5'], 88],
            // "150" → clamped to 100: reserve 10000, avail 0 → 0
            152 => [['configoption7' => '150'], 0],
            // "-5" → clamped to 0: 10000/100 = 100
            153 => [['configoption7' => '-5'], 100],
            // not numeric → 10 → 90
            154 => [['configoption7' => 'abc'], 90],
            // buffer 0, 20 IPv4 each: cap floor(1000/20) = 50 < 100
            155 => [['configoption3' => '20'], 50],
            // IPv4 count blank → 1: cap 1000, memory 100 → 100
            156 => [['configoption3' => ''], 100],
            // IPv4 count 0 → 1 → 100
            157 => [['configoption3' => '0'], 100],
            // buffer 33: reserve 3300, 6700/100 = 67; IPv4 3: 1000/3 = 333 → 67
            158 => [['configoption7' => '33', 'configoption3' => '3'], 67],
            // buffer 10 as an int and 7 IPv4: min(90, floor(1000/7) = 142) = 90
            159 => [['configoption7' => 10, 'configoption3' => 7], 90],
        ];
        $this->rows = [];
        foreach ($cases as $pid => [$over, $_]) {
            $this->rows[$pid] = self::row($pid, ['configoption1' => '50', 'configoption2' => '50'] + $over);
        }

        $result = $this->refresh(['products' => array_keys($cases)]);

        foreach ($cases as $pid => [$_, $qty]) {
            $p = self::product($result, $pid);
            self::assertSame($qty, $p['qty'], "product {$pid}");
            self::assertSame('updated', $p['status'], "product {$pid}");
        }
        $expectedWrites = [];
        foreach ($cases as $pid => [$_, $qty]) {
            $expectedWrites[] = [$pid, $qty];
        }
        self::assertEqualsCanonicalizing($expectedWrites, $this->writes);
        // One package and one group page for ten products.
        self::assertSame(2, $result['stats']['requests']);
        self::assertCount(2, self::sim()->requests());
    }

    public function testPerGroupBreakdownMatchesVfCapacityFor(): void
    {
        $p = self::product($this->refresh(['products' => [101]]), 101);

        $g = $p['groups'][1];
        self::assertSame('ok', $g['status']);
        self::assertSame(12, $g['fits']);
        self::assertFalse($g['unbounded']);
        self::assertCount(3, $g['hypervisors']);
        // hv1: mem 20480/2048 = 10, cpu 16/2 = 8, disk 1000/50 = 20 → 8, cpu binds
        self::assertSame([
            'id' => 1, 'name' => 'hv1', 'eligible' => true, 'skipped' => null,
            'memory' => 10, 'cpu' => 8, 'storage' => 20, 'servers' => null, 'ipv4' => 100, 'fits' => 8,
            'binding' => 'cpu', 'pool' => 'localStorage', 'ipv4Free' => 100,
        ], $g['hypervisors'][0]);
        // hv2: mem 8192/2048 = 4, cpu 8, disk 500/50 = 10 → 4, memory binds
        self::assertSame([
            'id' => 2, 'name' => 'hv2', 'eligible' => true, 'skipped' => null,
            'memory' => 4, 'cpu' => 8, 'storage' => 10, 'servers' => null, 'ipv4' => 100, 'fits' => 4,
            'binding' => 'memory', 'pool' => 'localStorage', 'ipv4Free' => 100,
        ], $g['hypervisors'][1]);
        self::assertSame(6, $g['hypervisors'][2]['id']);
        self::assertFalse($g['hypervisors'][2]['eligible']);
        self::assertSame('disabled', $g['hypervisors'][2]['skipped']);
        self::assertNull($g['hypervisors'][2]['fits']);

        $scenario = self::scenario();
        $direct = vf_capacity_for(
            Fleet::packageBody(self::standardPackage(1)),
            Fleet::group($scenario['groups'][1]['hypervisors']),
            ['ipv4' => 1, 'buffer' => 0]
        );
        self::assertSame($direct['hypervisors'], $g['hypervisors'], 'rows as vf_capacity_for');
        self::assertSame($direct['fits'], $g['fits']);
    }

    public function testBufferDefaultAppliesToTheGroupBreakdown(): void
    {
        // Buffer blank → 10 on group 1:
        // hv1: mem reserve ceil(32768×0.1) = 3277, (20480−3277)/2048 = 8; cpu reserve 2, 14/2 = 7;
        //      disk reserve 100, 900/50 = 18 → 7
        // hv2: mem (8192−3277)/2048 = 2; cpu 7; disk reserve 50, 450/50 = 9 → 2
        // sum 9
        $this->rows[101]['configoption7'] = '';

        $p = self::product($this->refresh(['products' => [101]]), 101);

        self::assertSame(9, $p['qty']);
        self::assertSame(7, $p['groups'][1]['hypervisors'][0]['fits']);
        self::assertSame(2, $p['groups'][1]['hypervisors'][1]['fits']);
    }

    // ------------------------------------------------------------------
    // request counts and caches
    // ------------------------------------------------------------------

    /**
     * Packages 1 and 2; group 5 with 25 hypervisors (3 pages of 10), group 2 (1 page).
     * Products 201 and 202 share package 1 and group 5; 203 has package 2, group 2.
     */
    private function countingFleet(): void
    {
        ini_set('vfstock.page_size', '10');
        self::sim()->scenario([
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => [1 => self::standardPackage(1), 2 => self::standardPackage(2)],
            'groups' => [
                5 => Fleet::hypervisors(25, Fleet::ipv4Free(null), 100),
                2 => [Fleet::hypervisor(3, ['resources' => ['cpuCores' => Fleet::cell(8, 6)]])],
            ],
        ]);
        self::sim()->clearRequests();
        $this->rows = [
            201 => self::row(201, ['configoption1' => '5']),
            202 => self::row(202, ['configoption1' => '5']),
            203 => self::row(203, ['configoption1' => '2', 'configoption2' => '2']),
        ];
    }

    /**
     * @return array<string, int> path?query → times requested
     */
    private static function requestCounts(): array
    {
        $counts = array_count_values(self::seen());
        ksort($counts);

        return $counts;
    }

    private const GROUP5 = '/api/v1/compute/hypervisors/groups/5/resources?results=10&page=';
    private const GROUP2 = '/api/v1/compute/hypervisors/groups/2/resources?results=10&page=1';

    public function testColdRunFetchesEachPackageAndEachGroupPageOnce(): void
    {
        $this->countingFleet();

        $result = $this->refresh();

        // Group 5: each of the 25 hypervisors = min(65536/2048 = 32, 32/2 = 16, 2000/50 = 40) = 16,
        // no IPv4 reported → 25 × 16 = 400 (all three pages merged). Group 2 = 3.
        self::assertSame(400, self::product($result, 201)['qty']);
        self::assertSame(400, $result['products'][202]['qty']);
        self::assertSame(3, $result['products'][203]['qty']);
        self::assertSame(range(100, 124), array_column($result['products'][201]['groups'][5]['hypervisors'], 'id'));
        // 2 packages + 3 pages of group 5 + 1 page of group 2 = 6
        self::assertSame(6, $result['stats']['requests']);
        $expected = [
            '/api/v1/packages/1' => 1,
            '/api/v1/packages/2' => 1,
            self::GROUP5 . '1' => 1,
            self::GROUP5 . '2' => 1,
            self::GROUP5 . '3' => 1,
            self::GROUP2 => 1,
        ];
        ksort($expected);
        self::assertSame($expected, self::requestCounts());
        self::assertSame(0, $result['stats']['cacheHits']);
        self::assertIsFloat($result['stats']['elapsedMs']);
    }

    public function testWarmRerunMakesNoRequestAndReportsCacheHits(): void
    {
        $this->countingFleet();
        $this->refresh();
        self::sim()->clearRequests();
        $this->writes = [];

        $result = $this->refresh();

        self::assertSame(0, $result['stats']['requests']);
        self::assertSame([], self::sim()->requests());
        // packages 1, 2 and groups 5, 2 come from the cache
        self::assertSame(4, $result['stats']['cacheHits']);
        foreach ([201 => 400, 202 => 400, 203 => 3] as $pid => $qty) {
            self::assertSame('unchanged', self::product($result, $pid)['status']);
            self::assertSame($qty, $result['products'][$pid]['qty']);
        }
        self::assertSame([], $this->writes);
    }

    public function testForgetGroupsRefetchesOnlyThoseGroups(): void
    {
        $this->countingFleet();
        $this->refresh();
        self::sim()->clearRequests();
        // Group 5 loses half its fleet: 13 left (pages of 10: 2) → 13 × 16 = 208
        self::sim()->patchGroup(5, Fleet::hypervisors(13, Fleet::ipv4Free(null), 100));

        $result = $this->refresh(['forgetGroups' => [5]]);

        self::assertSame(2, $result['stats']['requests']);
        self::assertSame([self::GROUP5 . '1' => 1, self::GROUP5 . '2' => 1], self::requestCounts());
        self::assertSame(208, self::product($result, 201)['qty']);
        self::assertSame('updated', $result['products'][201]['status']);
        self::assertSame(3, $result['products'][203]['qty']);
        self::assertSame('unchanged', $result['products'][203]['status']);
    }

    public function testVfStockForgetWithIdsDropsOnlyThoseGroups(): void
    {
        $this->countingFleet();
        $this->refresh();
        self::sim()->clearRequests();

        vf_stock_forget([2]);
        $result = $this->refresh();

        self::assertSame(1, $result['stats']['requests']);
        self::assertSame([self::GROUP2 => 1], self::requestCounts());
    }

    public function testVfStockForgetWithoutArgumentRefetchesEverything(): void
    {
        $this->countingFleet();
        $this->refresh();
        self::sim()->clearRequests();

        vf_stock_forget();
        $result = $this->refresh();

        self::assertSame(6, $result['stats']['requests']);
        self::assertCount(6, self::sim()->requests());
        self::assertSame(0, $result['stats']['cacheHits']);

        self::sim()->clearRequests();
        vf_stock_forget(null);
        self::assertSame(6, $this->refresh()['stats']['requests'], 'null is the same as no argument');
    }

    public function testTransientAnswersAreNotCached(): void
    {
        self::sim()->faults([['route' => 'package', 'id' => 1, 'times' => 1, 'action' => ['status' => 503]]]);
        $first = $this->refresh(['products' => [101]]);
        self::assertSame('untouched', self::product($first, 101)['status']);
        self::sim()->clearRequests();

        $second = $this->refresh(['products' => [101]]);

        self::assertSame('updated', self::product($second, 101)['status']);
        self::assertSame(12, $second['products'][101]['qty']);
        self::assertContains('/api/v1/packages/1', self::seen(), 'the package is asked again');
    }

    public function testSharedPackageAndGroupAreFetchedOnceForManyProducts(): void
    {
        // 101, 102, 131 (no fault here) all use package 1; group 1 for all, group 3 for 131.
        $result = $this->refresh(['products' => [101, 102, 131]]);

        self::assertSame(3, $result['stats']['requests']);
        $expected = [
            '/api/v1/compute/hypervisors/groups/1/resources?results=200&page=1' => 1,
            '/api/v1/compute/hypervisors/groups/3/resources?results=200&page=1' => 1,
            '/api/v1/packages/1' => 1,
        ];
        self::assertSame($expected, self::requestCounts());
        // 131: 12 + 16 = 28
        self::assertSame(28, $result['products'][131]['qty']);
    }

    // ------------------------------------------------------------------
    // dryRun
    // ------------------------------------------------------------------

    public function testDryRunComputesButNeverWrites(): void
    {
        $result = $this->refresh(['products' => [101, 102, 120, 110], 'dryRun' => true]);

        self::assertSame('updated', self::product($result, 101)['status']);
        self::assertSame(12, $result['products'][101]['qty']);
        self::assertSame('unchanged', $result['products'][102]['status']);
        self::assertSame(12, $result['products'][102]['qty']);
        self::assertSame('updated', $result['products'][120]['status']);
        self::assertSame(0, $result['products'][120]['qty']);
        self::assertSame('updated', $result['products'][110]['status']);
        self::assertSame(12, $result['products'][110]['qty']);
        self::assertSame([], $this->writes);
    }

    public function testDryRunFalseWrites(): void
    {
        $this->refresh(['products' => [101], 'dryRun' => false]);

        self::assertSame([[101, 12]], $this->writes);
    }

    // ------------------------------------------------------------------
    // TLS
    // ------------------------------------------------------------------

    /**
     * @param array<string, mixed> $api
     * @return array<string, mixed> product 101's line
     */
    private function refreshOverTls(Simulator $tls, array $api): array
    {
        $result = $this->refresh(['products' => [101]], ['url' => $tls->url()] + $api);

        return self::product($result, 101);
    }

    public function testTlsIsVerifiedByDefault(): void
    {
        $tls = new Simulator(self::scenario(), true);
        try {
            self::assertStringStartsWith('https://', $tls->url());
            $p = $this->refreshOverTls($tls, []);

            self::assertSame('untouched', $p['status']);
            self::assertNull($p['qty']);
            self::assertReason($p);
            self::assertMatchesRegularExpression('/certificate|tls|ssl|issuer/i', (string) $p['reason']);
            self::assertSame([], $this->writes);
        } finally {
            $tls->stop();
        }
    }

    public function testTlsAcceptedWithTheSimulatorsCaFile(): void
    {
        $tls = new Simulator(self::scenario(), true);
        try {
            $p = $this->refreshOverTls($tls, ['caFile' => $tls->caFile()]);

            self::assertSame('updated', $p['status']);
            self::assertSame(12, $p['qty']);
            self::assertSame([[101, 12]], $this->writes);
            self::assertCount(2, $tls->requests());
        } finally {
            $tls->stop();
        }
    }

    public function testTlsAcceptedWithTheCaFileIniSetting(): void
    {
        $tls = new Simulator(self::scenario(), true);
        try {
            ini_set('vfstock.ca_file', (string) $tls->caFile());
            $p = $this->refreshOverTls($tls, []);

            self::assertSame('updated', $p['status']);
            self::assertSame(12, $p['qty']);
        } finally {
            $tls->stop();
        }
    }

    public function testTlsVerificationOffThroughTheIni(): void
    {
        $tls = new Simulator(self::scenario(), true);
        try {
            ini_set('vfstock.verify_tls', '0');
            self::assertSame('updated', $this->refreshOverTls($tls, [])['status']);
            vf_stock_forget();
            $this->writes = [];
            $p = $this->refreshOverTls($tls, ['verifyTls' => true]);
            self::assertSame('untouched', $p['status'], 'api.verifyTls overrides the ini');
            self::assertSame([], $this->writes);
        } finally {
            $tls->stop();
        }
    }

    public function testTlsAcceptedWithVerificationOff(): void
    {
        $tls = new Simulator(self::scenario(), true);
        try {
            $p = $this->refreshOverTls($tls, ['verifyTls' => false]);

            self::assertSame('updated', $p['status']);
            self::assertSame(12, $p['qty']);
        } finally {
            $tls->stop();
        }
    }

    // ------------------------------------------------------------------

    /**
     * @param array<int|string, mixed> $a
     * @return list<int>
     */
    private static function sortedKeys(array $a): array
    {
        return self::sortedIds(array_keys($a));
    }

    /**
     * @param array<int|string> $ids
     * @return list<int>
     */
    private static function sortedIds(array $ids): array
    {
        $ids = array_map('intval', $ids);
        sort($ids);

        return $ids;
    }

    public function testCallbacksMayReturnTraversables(): void
    {
        // db.locations may return any iterable: an ArrayIterator of names.
        $this->rows[101]['configoption1'] = '';
        $request = [
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2],
            'products' => [101],
            'db' => [
                'products' => fn (?array $ids): \Generator => yield from $this->rowsFor($ids),
                'locations' => static fn (int $pid, string $label): \ArrayIterator => new \ArrayIterator(['2|Paris']),
                'write' => function (int $pid, int $qty): void {
                    $this->writes[] = [$pid, $qty];
                },
            ],
        ];

        $p = self::product(vf_stock_refresh($request), 101);

        self::assertSame(3, $p['qty']);
        self::assertSame([[101, 3]], $this->writes);
    }
}
