<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * `vf_stock_probe`, `vf_stock_stats`, `vf_stock_forget` and the
 * `vfstock.*` ini settings taking effect at run time.
 *
 * Fleet: package 1 (2048 MB, 2 cores, 50 GB) and package 2 (a copy); groups
 * 1–3 of one Fleet-default hypervisor each (65536 MB, 32 cores, 2000 GB,
 * 100 IPv4): min(65536/2048 = 32, 32/2 = 16, 2000/50 = 40) = 16 with buffer 0.
 */
final class PanelFunctionsTest extends TestCase
{
    private const TOKEN = 'panel-test-token';
    private const SCOPELESS = 'panel-test-token-without-compute';

    private const INI_DEFAULTS = [
        'vfstock.page_size' => '200',
        'vfstock.group_ttl' => '120',
        'vfstock.package_ttl' => '600',
        'vfstock.concurrency' => '8',
        'vfstock.timeout' => '10',
    ];

    private const STAT_KEYS = ['hits', 'misses', 'requests', 'errors'];

    use SharedSimulator;

    /** @var list<array{int, int}> */
    private array $writes = [];

    protected function setUp(): void
    {
        vf_stock_forget();
        self::sim()->clearFaults();
        self::sim()->latency(0);
        self::sim()->scenario(self::scenario());
        self::sim()->clearRequests();
        $this->writes = [];
    }

    protected function tearDown(): void
    {
        foreach (self::INI_DEFAULTS as $name => $value) {
            ini_set($name, $value);
        }
    }

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        $package = ['memory' => 2048, 'cpuCores' => 2, 'primaryStorage' => 50];

        return [
            'tokens' => [self::TOKEN => ['compute'], self::SCOPELESS => []],
            'packages' => [
                1 => Fleet::package(['id' => 1] + $package),
                2 => Fleet::package(['id' => 2] + $package),
                3 => Fleet::package(['id' => 3] + $package),
            ],
            'groups' => [
                1 => [Fleet::hypervisor(1)],
                2 => [Fleet::hypervisor(2)],
                3 => [Fleet::hypervisor(3)],
                5 => Fleet::hypervisors(25, Fleet::ipv4Free(null), 100),
            ],
        ];
    }

    /**
     * Refreshes products given as id => [group, package] (qty 5, buffer 0).
     *
     * @param array<int, array{int, int}> $products
     * @return array<string, mixed>
     */
    private function refresh(array $products): array
    {
        $rows = [];
        foreach ($products as $id => [$group, $package]) {
            $rows[] = [
                'id' => $id,
                'servertype' => 'VirtFusionDirect',
                'stockcontrol' => 1,
                'qty' => 5,
                'configoption1' => (string) $group,
                'configoption2' => (string) $package,
                'configoption7' => '0',
            ];
        }

        return vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2],
            'products' => array_keys($products),
            'db' => [
                'products' => static fn (?array $ids): array => $rows,
                'write' => function (int $pid, int $qty): void {
                    $this->writes[] = [$pid, $qty];
                },
            ],
        ]);
    }

    /** @return list<string> path?query of each API request */
    private static function seen(): array
    {
        return array_map(
            static fn (array $r): string => $r['path'] . ($r['query'] !== '' ? '?' . $r['query'] : ''),
            self::sim()->requests()
        );
    }

    // ------------------------------------------------------------------
    // vf_stock_probe
    // ------------------------------------------------------------------

    public function testProbeOk(): void
    {
        $r = vf_stock_probe(['url' => self::sim()->url(), 'token' => self::TOKEN]);

        self::assertSame(['ok' => true, 'status' => 200, 'error' => null], $r);
        self::assertSame(
            ['/api/v1/connect', '/api/v1/compute/hypervisors/groups?results=1'],
            self::seen(),
            'GET /connect, then the groups list with results=1'
        );
        self::assertSame(['ok', 'ok'], array_column(self::sim()->requests(), 'auth'), 'the token was sent');
    }

    public function testProbeWithAnUnknownToken(): void
    {
        $r = vf_stock_probe(['url' => self::sim()->url(), 'token' => 'not-a-known-token']);

        self::assertFalse($r['ok']);
        self::assertSame(401, $r['status']);
        self::assertIsString($r['error']);
        self::assertNotSame('', $r['error']);
        self::assertStringNotContainsString('not-a-known-token', $r['error']);
    }

    public function testProbeWithATokenLackingTheComputeScope(): void
    {
        $r = vf_stock_probe(['url' => self::sim()->url(), 'token' => self::SCOPELESS]);

        self::assertFalse($r['ok']);
        self::assertSame(403, $r['status']);
        self::assertIsString($r['error']);
        self::assertMatchesRegularExpression('/compute/i', $r['error']);
        self::assertMatchesRegularExpression('/scope/i', $r['error']);
        self::assertStringNotContainsString(self::SCOPELESS, $r['error']);
        self::assertSame(
            ['/api/v1/connect', '/api/v1/compute/hypervisors/groups?results=1'],
            self::seen(),
            '/connect passed; the groups list was refused'
        );
    }

    public function testProbeWhenTheConnectionIsRefused(): void
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        self::assertIsResource($server, $errstr);
        $address = (string) stream_socket_get_name($server, false);
        fclose($server);

        $started = microtime(true);
        $r = vf_stock_probe(['url' => "http://{$address}/api/v1", 'token' => self::TOKEN, 'timeout' => 2]);

        self::assertFalse($r['ok']);
        self::assertSame(0, $r['status']);
        self::assertIsString($r['error']);
        self::assertNotSame('', $r['error']);
        self::assertLessThan(2.0, microtime(true) - $started);
    }

    public function testProbeOfAPanelAnswering500(): void
    {
        self::sim()->faults([['route' => 'connect', 'action' => ['status' => 500]]]);

        $r = vf_stock_probe(['url' => self::sim()->url(), 'token' => self::TOKEN]);

        self::assertFalse($r['ok']);
        self::assertSame(500, $r['status']);
        self::assertNotEmpty($r['error']);
    }

    public function testProbeOfAHungPanelIsBoundedByTheTimeout(): void
    {
        self::sim()->faults([['route' => 'connect', 'action' => 'hang']]);

        $started = microtime(true);
        $r = vf_stock_probe(['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 0.4]);

        self::assertFalse($r['ok']);
        self::assertSame(0, $r['status']);
        self::assertLessThan(2.0, microtime(true) - $started);
    }

    public function testProbeRejectsAMalformedApi(): void
    {
        try {
            vf_stock_probe(['url' => 'ftp://127.0.0.1/api/v1', 'token' => self::TOKEN]);
            self::fail('no exception');
        } catch (\InvalidArgumentException | \TypeError $e) {
            self::assertStringContainsString('url', $e->getMessage());
        }
        try {
            vf_stock_probe(['url' => self::sim()->url()]);
            self::fail('no exception');
        } catch (\InvalidArgumentException | \TypeError $e) {
            self::assertStringContainsString('token', $e->getMessage());
        }
        self::assertSame([], self::sim()->requests());
    }

    // ------------------------------------------------------------------
    // vf_stock_stats
    // ------------------------------------------------------------------

    /** A stats key about cache entries (the spec names the figure, not the key). */
    private static function isCacheKey(string $key): bool
    {
        return preg_match('/cache|entries/i', $key) === 1;
    }

    public function testStatsHasCacheEntriesHitsMissesRequestsAndErrors(): void
    {
        $stats = vf_stock_stats();

        foreach (self::STAT_KEYS as $key) {
            self::assertArrayHasKey($key, $stats);
            self::assertIsInt($stats[$key]);
            self::assertGreaterThanOrEqual(0, $stats[$key]);
        }
        $cacheKeys = array_filter(array_keys($stats), [self::class, 'isCacheKey']);
        self::assertNotEmpty($cacheKeys, 'cache entries are reported');
        foreach ($cacheKeys as $key) {
            self::assertSame(0, $stats[$key], "{$key} is 0 right after vf_stock_forget()");
        }
    }

    public function testStatsRequestsAndHitsGrow(): void
    {
        $before = vf_stock_stats();
        $cold = $this->refresh([1 => [1, 1], 2 => [2, 2]]);
        $afterCold = vf_stock_stats();

        // 2 packages + 2 groups = 4 requests, no hits
        self::assertSame(4, $cold['stats']['requests']);
        self::assertCount(4, self::sim()->requests());
        self::assertSame(4, $afterCold['requests'] - $before['requests']);
        self::assertSame(0, $afterCold['hits'] - $before['hits']);
        self::assertSame(4, $afterCold['misses'] - $before['misses']);

        $warm = $this->refresh([1 => [1, 1], 2 => [2, 2]]);
        $afterWarm = vf_stock_stats();

        self::assertSame(4, $warm['stats']['cacheHits']);
        self::assertSame(0, $afterWarm['requests'] - $afterCold['requests']);
        self::assertSame(4, $afterWarm['hits'] - $afterCold['hits']);
        $cached = array_filter($afterWarm, [self::class, 'isCacheKey'], ARRAY_FILTER_USE_KEY);
        self::assertGreaterThan(0, array_sum($cached), 'entries are cached now');
    }

    public function testStatsCountErrors(): void
    {
        self::sim()->faults([['route' => 'package', 'action' => ['status' => 503]]]);
        $before = vf_stock_stats();

        $r = $this->refresh([1 => [1, 1]]);

        self::assertSame('untouched', $r['products'][1]['status']);
        self::assertGreaterThanOrEqual(1, vf_stock_stats()['errors'] - $before['errors']);
    }

    public function testForgetRejectsNonIds(): void
    {
        try {
            vf_stock_forget(['abc']);
            self::fail('no exception');
        } catch (\InvalidArgumentException | \TypeError $e) {
            self::assertNotSame('', $e->getMessage());
        }
        $this->expectException(\TypeError::class);
        /** @phpstan-ignore-next-line deliberately wrong */
        vf_stock_forget('1');
    }

    // ------------------------------------------------------------------
    // ini settings take effect through ini_set
    // ------------------------------------------------------------------

    public function testPageSizeIniIsUsed(): void
    {
        ini_set('vfstock.page_size', '10');

        $r = $this->refresh([1 => [5, 1]]);

        // 25 hypervisors, 10 a page: 3 pages; each min(32, 16, 40) = 16, no IPv4 → 400
        self::assertSame(400, $r['products'][1]['qty']);
        $pages = array_values(array_filter(
            self::seen(),
            static fn (string $p): bool => str_contains($p, '/groups/5/')
        ));
        // Page 1 says how many follow; the later pages are read together.
        self::assertStringEndsWith('&page=1', $pages[0] ?? '');
        sort($pages);
        self::assertSame([
            '/api/v1/compute/hypervisors/groups/5/resources?results=10&page=1',
            '/api/v1/compute/hypervisors/groups/5/resources?results=10&page=2',
            '/api/v1/compute/hypervisors/groups/5/resources?results=10&page=3',
        ], $pages);
    }

    public function testPageSizeDefaultIs200(): void
    {
        $r = $this->refresh([1 => [5, 1]]);

        self::assertSame(400, $r['products'][1]['qty']);
        self::assertContains('/api/v1/compute/hypervisors/groups/5/resources?results=200&page=1', self::seen());
        self::assertSame(2, $r['stats']['requests']);
    }

    public function testGroupTtlZeroDisablesGroupCaching(): void
    {
        ini_set('vfstock.group_ttl', '0');
        $this->refresh([1 => [1, 1]]);
        self::sim()->clearRequests();

        $r = $this->refresh([1 => [1, 1]]);

        // The group is asked again; the package (600 s) still comes from the cache.
        self::assertSame(['/api/v1/compute/hypervisors/groups/1/resources?results=200&page=1'], self::seen());
        self::assertSame(1, $r['stats']['requests']);
        self::assertSame(1, $r['stats']['cacheHits']);
    }

    public function testGroupsAreCachedWithTheDefaultTtl(): void
    {
        $this->refresh([1 => [1, 1]]);
        self::sim()->clearRequests();

        $r = $this->refresh([1 => [1, 1]]);

        self::assertSame([], self::seen());
        self::assertSame(0, $r['stats']['requests']);
    }

    public function testPackageTtlZeroDisablesPackageCaching(): void
    {
        ini_set('vfstock.package_ttl', '0');
        $this->refresh([1 => [1, 1]]);
        self::sim()->clearRequests();

        $this->refresh([1 => [1, 1]]);

        self::assertSame(['/api/v1/packages/1'], self::seen());
    }

    public function testConcurrencyIniBoundsParallelFetches(): void
    {
        // Three packages and three groups: six reads of 100 ms each.
        $products = [1 => [1, 1], 2 => [2, 2], 3 => [3, 3]];
        self::sim()->latency(100);

        ini_set('vfstock.concurrency', '1');
        $started = microtime(true);
        $serial = $this->refresh($products);
        $serialS = microtime(true) - $started;

        vf_stock_forget();
        ini_set('vfstock.concurrency', '8');
        $started = microtime(true);
        $parallel = $this->refresh($products);
        $parallelS = microtime(true) - $started;

        self::assertSame(6, $serial['stats']['requests']);
        self::assertSame(6, $parallel['stats']['requests']);
        foreach ([1, 2, 3] as $pid) {
            self::assertSame(16, $serial['products'][$pid]['qty']);
            self::assertSame(16, $parallel['products'][$pid]['qty']);
        }
        // One at a time takes at least 6 × 100 ms (the latency is a floor);
        // eight at a time about one latency. A ratio, not a speed target: a
        // busy machine slows both runs alike, and serial reads are 6× slower.
        self::assertGreaterThanOrEqual(0.6, $serialS, 'concurrency 1 reads one at a time');
        self::assertLessThan($serialS / 2, $parallelS, 'concurrency 8 reads in parallel');
    }

    public function testTimeoutIniBoundsAHungRead(): void
    {
        ini_set('vfstock.timeout', '0.4');
        self::sim()->faults([['route' => 'package', 'action' => 'hang']]);

        $started = microtime(true);
        $r = vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN],
            'products' => [1],
            'db' => [
                'products' => static fn (?array $ids): array => [[
                    'id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 5,
                    'configoption1' => '1', 'configoption2' => '1',
                ]],
                'write' => function (int $pid, int $qty): void {
                    $this->writes[] = [$pid, $qty];
                },
            ],
        ]);

        self::assertSame('untouched', $r['products'][1]['status']);
        self::assertSame([], $this->writes);
        self::assertLessThan(2.0, microtime(true) - $started);
    }

    public function testIniSettingsAreRegistered(): void
    {
        $all = ini_get_all('vfstock');
        self::assertIsArray($all);
        $expected = [
            'vfstock.timeout', 'vfstock.connect_timeout', 'vfstock.concurrency', 'vfstock.page_size',
            'vfstock.page_limit', 'vfstock.max_response_bytes', 'vfstock.package_ttl', 'vfstock.group_ttl',
            'vfstock.missing_ttl', 'vfstock.verify_tls', 'vfstock.ca_file',
        ];
        foreach ($expected as $name) {
            self::assertArrayHasKey($name, $all);
            self::assertSame(INI_ALL, $all[$name]['access'], "{$name} is PHP_INI_ALL");
        }
    }

    public function testIniRestoreReturnsASettingToItsDefault(): void
    {
        ini_set('vfstock.page_size', '10');
        ini_restore('vfstock.page_size');

        self::assertSame('200', ini_get('vfstock.page_size'));
    }

    public function testPhpinfoShowsVersionIniValuesAndCacheFigures(): void
    {
        ini_set('vfstock.page_size', '37');
        ob_start();
        phpinfo(INFO_MODULES);
        $info = (string) ob_get_clean();

        self::assertStringContainsString('vfstock', $info);
        self::assertMatchesRegularExpression('/version\W+\d+\.\d+/i', $info);
        self::assertMatchesRegularExpression('/vfstock\.page_size\W+37\b/', $info, 'the current ini value');
        self::assertMatchesRegularExpression('/cache/i', $info);
    }

    public function testAGroupWithMorePagesThanTheLimitIsNotCountedInPart(): void
    {
        ini_set('vfstock.page_size', '10');
        ini_set('vfstock.page_limit', '2');
        $logged = [];
        try {
            $r = vf_stock_refresh([
                'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2],
                'products' => [1],
                'log' => static function (string $action, array $request, mixed $response) use (&$logged): void {
                    $logged[] = $action . ' ' . json_encode($request) . ' ' . json_encode($response);
                },
                'db' => [
                    'products' => static fn (?array $ids): array => [[
                        'id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 5,
                        'configoption1' => '5', 'configoption2' => '1', 'configoption7' => '0',
                    ]],
                    'write' => static function (int $pid, int $qty): void {
                    },
                ],
            ]);
        } finally {
            ini_set('vfstock.page_limit', '25');
        }

        // Page 1 says there are more pages than the limit: nothing more is
        // read, the group is transient (never a partial total), it is logged.
        $pages = array_filter(self::seen(), static fn (string $p): bool => str_contains($p, '/groups/5/'));
        self::assertCount(1, $pages);
        self::assertNotEmpty(array_filter(
            $logged,
            static fn (string $l): bool => str_starts_with($l, 'page limit') && str_contains($l, 'vfstock.page_limit')
        ));
        self::assertSame('untouched', $r['products'][1]['status']);
        self::assertSame('transient', $r['products'][1]['groups'][5]['status']);
        self::assertStringContainsString('page_limit', (string) $r['products'][1]['reason']);
    }
}
