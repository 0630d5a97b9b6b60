<?php

declare(strict_types=1);

namespace VfStock\Tests;

use ArrayObject;
use DomainException;
use LogicException;
use PHPUnit\Framework\TestCase;
use RuntimeException;
use Throwable;
use TypeError;
use UnexpectedValueException;

/**
 * `vf_stock_refresh` at its edges: leases, callbacks that throw
 * or exit, malformed requests and token
 * hygiene.
 *
 * Fleet: package 1 (2048 MB, 2 cores, 50 GB); group 1 with one hypervisor
 * (Fleet defaults: 65536 MB, 32 cores, 2000 GB, 100 IPv4) →
 * min(65536/2048 = 32, 32/2 = 16, 2000/50 = 40) = 16 with buffer 0.
 * Products 1, 2, 3 all have qty 5, so each would be written 16.
 */
final class RefreshFaultsTest extends TestCase
{
    private const TOKEN = 'faults-test-token';

    /** Distinctive tokens for security: one the panel knows, one it does not. */
    private const SECRET_GOOD = 'vfTok-GOOD-5a1c9e77d0b24f3e8c61-SECRET';
    private const SECRET_BAD = 'vfTok-BAD-93f0aa12c4e54b7d9e08-SECRET';

    /** Child processes may run this long before they are killed. */
    private const CHILD_DEADLINE_S = 8.0;

    use SharedSimulator;

    /** @var list<string> every callback invocation, by name */
    private array $calls = [];

    /** @var list<array{int, int}> */
    private array $writes = [];

    /** @var list<string> temp files to remove */
    private array $temp = [];

    protected function setUp(): void
    {
        vf_stock_forget();
        self::sim()->clearFaults();
        self::sim()->scenario(self::scenario());
        self::sim()->clearRequests();
        $this->calls = [];
        $this->writes = [];
    }

    protected function tearDown(): void
    {
        foreach ($this->temp as $file) {
            if (is_file($file)) {
                @unlink($file);
            }
        }
        $this->temp = [];
    }

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        return [
            'tokens' => [self::TOKEN => ['compute'], self::SECRET_GOOD => ['compute']],
            'packages' => [1 => Fleet::package(['id' => 1, 'memory' => 2048, 'cpuCores' => 2, 'primaryStorage' => 50])],
            'groups' => [1 => [Fleet::hypervisor(1)]],
        ];
    }

    /** @return array<string, mixed> */
    private static function row(int $id): array
    {
        return [
            'id' => $id,
            'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1,
            'qty' => 5,
            'configoption1' => '1',
            'configoption2' => '1',
            'configoption3' => '1',
            'configoption7' => '0',
        ];
    }

    /**
     * A request for products 1–3 whose callbacks record every call in
     * $this->calls; `$db` and `$extra` replace callbacks or keys.
     *
     * @param array<string, mixed> $db    replaces entries of `db`
     * @param array<string, mixed> $extra replaces top-level keys
     * @return array<string, mixed>
     */
    private function request(array $db = [], array $extra = []): array
    {
        return array_replace([
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 2],
            'products' => [1, 2, 3],
            'db' => array_replace([
                'products' => function (?array $ids): array {
                    $this->calls[] = 'products';

                    return array_map([self::class, 'row'], $ids ?? [1, 2, 3]);
                },
                'locations' => function (int $pid, string $label): array {
                    $this->calls[] = 'locations';

                    return [];
                },
                'write' => function (int $pid, int $qty): void {
                    $this->calls[] = 'write';
                    $this->writes[] = [$pid, $qty];
                },
            ], $db),
            'log' => function (string $action, array $request, mixed $response): void {
                $this->calls[] = 'log';
            },
        ], $extra);
    }

    /**
     * Runs $fn and returns what it threw.
     */
    private static function thrown(callable $fn): Throwable
    {
        try {
            $fn();
        } catch (Throwable $e) {
            return $e;
        }
        self::fail('nothing was thrown');
    }

    // ------------------------------------------------------------------
    // leases
    // ------------------------------------------------------------------

    /**
     * A new user's first try: the panel's address without `/api/v1`, where
     * every path is the web server's HTML 404. It once wrote qty 0 on every
     * product; nothing may be written, and the reason must point at the URL.
     */
    public function testABaseUrlThatIsNotTheApiLeavesEveryProductUntouched(): void
    {
        $origin = substr(self::sim()->url(), 0, -strlen('/api/v1'));
        $this->assertNothingWrittenAndTheUrlBlamed(
            ['url' => $origin, 'token' => self::TOKEN, 'timeout' => 2],
            "is the URL the panel's API"
        );
        // Some other JSON application at that address: its 404s are JSON,
        // but /connect is not the VirtFusion API either.
        self::sim()->faults([['route' => 'any', 'action' => ['status' => 404, 'body' => '{"message":"Not Found"}']]]);
        self::sim()->clearRequests();
        $this->assertNothingWrittenAndTheUrlBlamed(self::sim()->url(), 'the URL looks wrong');
        $connects = array_filter(self::sim()->requests(),
            static fn (array $r): bool => str_ends_with((string) $r['path'], '/connect'));
        self::assertCount(1, $connects, '/connect is asked once per run');
        // The same panel at its API's address is read.
        self::sim()->clearFaults();
        $result = vf_stock_refresh($this->request());
        self::assertSame('updated', $result['products'][1]['status']);
        self::assertSame(16, $result['products'][1]['qty']);
    }

    /** @param array<string, mixed>|string $api an `api` array, or just its URL */
    private function assertNothingWrittenAndTheUrlBlamed(array|string $api, string $said): void
    {
        $api = is_string($api) ? ['url' => $api, 'token' => self::TOKEN, 'timeout' => 2] : $api;
        vf_stock_forget();
        $this->writes = [];
        $result = vf_stock_refresh($this->request([], ['api' => $api]));
        self::assertSame([], $this->writes, $said);
        foreach ([1, 2, 3] as $pid) {
            self::assertSame('untouched', $result['products'][$pid]['status'], "product {$pid}");
            self::assertNull($result['products'][$pid]['qty'], "product {$pid}");
            self::assertStringContainsString($said, (string) $result['products'][$pid]['reason']);
        }
    }

    public function testLeaseTakenThroughDbClaimRuns(): void
    {
        $claims = [];
        $request = $this->request([
            'claim' => function (string $key, int $ttl) use (&$claims): bool {
                $this->calls[] = 'claim';
                $claims[] = [$key, $ttl];

                return true;
            },
        ], ['lease' => ['key' => 'stockrefresh:test-taken', 'ttl' => 30]]);

        $result = vf_stock_refresh($request);

        self::assertTrue($result['ran']);
        self::assertSame([['stockrefresh:test-taken', 30]], $claims);
        self::assertSame('claim', $this->calls[0], 'the lease is taken before anything else');
        self::assertEqualsCanonicalizing([[1, 16], [2, 16], [3, 16]], $this->writes);
        self::assertSame(16, $result['products'][1]['qty']);
    }

    public function testLeaseHeldThroughDbClaimDoesNotRun(): void
    {
        $request = $this->request([
            'claim' => function (string $key, int $ttl): bool {
                $this->calls[] = 'claim';

                return false;
            },
        ], ['lease' => ['key' => 'stockrefresh:test-held', 'ttl' => 30]]);

        $result = vf_stock_refresh($request);

        self::assertFalse($result['ran']);
        self::assertSame(['claim'], $this->calls, 'no callback but claim');
        self::assertSame([], self::sim()->requests(), 'no request');
        self::assertSame([], $result['products'] ?? []);
        self::assertSame(0, $result['stats']['requests'] ?? 0);
    }

    public function testDbClaimIsOnlyAskedWhenALeaseIsRequested(): void
    {
        $result = vf_stock_refresh($this->request([
            'claim' => function (string $key, int $ttl): bool {
                $this->calls[] = 'claim';

                return false;
            },
        ]));

        self::assertTrue($result['ran']);
        self::assertNotContains('claim', $this->calls);
        self::assertCount(3, $this->writes);
    }

    public function testProcessLocalLeaseWithoutDbClaim(): void
    {
        $key = 'stockrefresh:local-' . bin2hex(random_bytes(4));
        $lease = ['lease' => ['key' => $key, 'ttl' => 60]];

        $first = vf_stock_refresh($this->request([], $lease));
        self::assertTrue($first['ran']);
        self::sim()->clearRequests();
        vf_stock_forget();
        $this->calls = [];
        $this->writes = [];

        $second = vf_stock_refresh($this->request([], $lease));

        self::assertFalse($second['ran'], 'the same key is held for 60 s in this process');
        self::assertSame([], $this->calls, 'no callback at all');
        self::assertSame([], self::sim()->requests(), 'no request');

        $other = vf_stock_refresh($this->request([], ['lease' => ['key' => $key . '-other', 'ttl' => 60]]));
        self::assertTrue($other['ran'], 'another key is independent');
    }

    public function testProcessLocalLeaseExpiresAfterItsTtl(): void
    {
        $lease = ['lease' => ['key' => 'stockrefresh:expiring-' . bin2hex(random_bytes(4)), 'ttl' => 1]];

        self::assertTrue(vf_stock_refresh($this->request([], $lease))['ran']);
        self::assertFalse(vf_stock_refresh($this->request([], $lease))['ran']);
        usleep(1_100_000);
        self::assertTrue(vf_stock_refresh($this->request([], $lease))['ran'], 'taken again after 1 s');
    }

    public function testSharedLeaseAcrossTwoProcessesLetsExactlyOneRun(): void
    {
        $db = $this->tempFile('lease', '.sqlite');
        $pdo = new \PDO('sqlite:' . $db);
        $pdo->exec('CREATE TABLE leases (name TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
        $pdo = null;
        $script = $this->tempFile('lease-child', '.php');
        file_put_contents($script, <<<'PHP'
<?php
declare(strict_types=1);
[, $url, $token, $db, $startAt] = $argv;
$pdo = new PDO('sqlite:' . $db, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 5]);
while (microtime(true) < (float) $startAt) {
    usleep(1000);
}
$writes = 0;
$result = vf_stock_refresh([
    'api' => ['url' => $url, 'token' => $token, 'timeout' => 2],
    'products' => [1],
    'lease' => ['key' => 'stockrefresh:cron', 'ttl' => 7200],
    'db' => [
        'claim' => function (string $key, int $ttl) use ($pdo): bool {
            $stmt = $pdo->prepare(
                "INSERT INTO leases (name, expires_at) VALUES (:k, CAST(strftime('%s','now') AS INTEGER) + :ttl)"
                . " ON CONFLICT(name) DO UPDATE SET expires_at = excluded.expires_at"
                . " WHERE leases.expires_at <= CAST(strftime('%s','now') AS INTEGER)"
            );
            $stmt->execute([':k' => $key, ':ttl' => $ttl]);
            return (int) $pdo->query('SELECT changes()')->fetchColumn() === 1;
        },
        'products' => fn (?array $ids): array => [[
            'id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 5,
            'configoption1' => '1', 'configoption2' => '1', 'configoption7' => '0',
        ]],
        'write' => function (int $pid, int $qty) use (&$writes): void {
            $writes++;
        },
    ],
]);
echo json_encode(['ran' => $result['ran'], 'writes' => $writes]), "\n";
PHP);
        $startAt = sprintf('%.3f', microtime(true) + 0.5);
        $args = [self::sim()->url(), self::TOKEN, $db, $startAt];

        $a = self::spawn($script, $args);
        $b = self::spawn($script, $args);
        $ra = self::finish($a);
        $rb = self::finish($b);

        foreach ([$ra, $rb] as $r) {
            self::assertSame(0, $r['code'], "child exited cleanly: {$r['stderr']}");
            self::assertSame('', $r['stderr']);
        }
        $outs = [json_decode(trim($ra['stdout']), true), json_decode(trim($rb['stdout']), true)];
        self::assertIsArray($outs[0], $ra['stdout']);
        self::assertIsArray($outs[1], $rb['stdout']);
        $ran = array_column($outs, 'ran');
        sort($ran);
        self::assertSame([false, true], $ran, 'exactly one process ran');
        self::assertSame(1, array_sum(array_column($outs, 'writes')), 'one write in all');
        $packages = array_filter(
            self::sim()->requests(),
            static fn (array $r): bool => $r['path'] === '/api/v1/packages/1'
        );
        self::assertCount(1, $packages, 'only the process that ran asked the panel');
    }

    // ------------------------------------------------------------------
    // callbacks that throw
    // ------------------------------------------------------------------

    public function testExceptionFromDbProductsReachesTheCallerUnchanged(): void
    {
        $boom = new DomainException('products failed 1234', 42);
        $e = self::thrown(fn () => vf_stock_refresh($this->request([
            'products' => static function (?array $ids) use ($boom): array {
                throw $boom;
            },
        ])));

        self::assertSame($boom, $e);
        self::assertSame([], $this->writes);
        self::assertSame([], self::sim()->requests(), 'nothing is read after db.products throws');
    }

    public function testExceptionFromDbLocationsReachesTheCallerUnchanged(): void
    {
        $boom = new UnexpectedValueException('locations failed');
        $e = self::thrown(fn () => vf_stock_refresh($this->request([
            'locations' => static function (int $pid, string $label) use ($boom): array {
                throw $boom;
            },
        ])));

        self::assertSame($boom, $e);
        self::assertSame([], $this->writes);
    }

    public function testExceptionFromWriteKeepsEarlierWritesAndStopsFurtherOnes(): void
    {
        $boom = new RuntimeException('database went away');
        $e = self::thrown(fn () => vf_stock_refresh($this->request([
            'write' => function (int $pid, int $qty) use ($boom): void {
                $this->calls[] = 'write';
                if (count(array_keys($this->calls, 'write', true)) === 2) {
                    throw $boom;
                }
                $this->writes[] = [$pid, $qty];
            },
        ])));

        self::assertSame($boom, $e);
        self::assertCount(1, $this->writes, 'the first product stays written');
        self::assertSame(16, $this->writes[0][1]);
        self::assertCount(2, array_keys($this->calls, 'write', true), 'no write after the one that threw');
    }

    public function testExceptionFromClaimReachesTheCallerAndNothingRuns(): void
    {
        $boom = new LogicException('claim failed');
        $e = self::thrown(fn () => vf_stock_refresh($this->request([
            'claim' => static function (string $key, int $ttl) use ($boom): bool {
                throw $boom;
            },
        ], ['lease' => ['key' => 'stockrefresh:throwing-claim', 'ttl' => 30]])));

        self::assertSame($boom, $e);
        self::assertSame([], $this->calls);
        self::assertSame([], self::sim()->requests());
    }

    public function testExceptionFromLogReachesTheCallerUnchanged(): void
    {
        // Product 1 is updated (a write), product 2's package fails: there is
        // something to log either way.
        $boom = new DomainException('log failed');
        $e = self::thrown(fn () => vf_stock_refresh($this->request([], [
            'log' => static function (string $action, array $request, mixed $response) use ($boom): void {
                throw $boom;
            },
        ])));

        self::assertSame($boom, $e);
        self::assertLessThanOrEqual(1, count($this->writes), 'nothing more is written after the throw');
    }

    public function testAnErrorThrownByACallbackIsNotWrapped(): void
    {
        $e = self::thrown(fn () => vf_stock_refresh($this->request([
            'products' => static fn (?array $ids): array => [intdiv(1, 0)],
        ])));

        self::assertInstanceOf(\DivisionByZeroError::class, $e);
        self::assertNull($e->getPrevious());
    }

    /**
     * @return array<string, array{string, mixed}>
     */
    public static function nonIterableCallbacks(): array
    {
        return [
            'db.products returns an int' => ['products', 42],
            'db.products returns false' => ['products', false],
            'db.products returns null' => ['products', null],
            'db.locations returns a string' => ['locations', '2|Paris'],
            'db.locations returns null' => ['locations', null],
        ];
    }

    /**
     * @dataProvider nonIterableCallbacks
     */
    public function testCallbackReturningANonIterableIsAnInvalidArgument(string $which, mixed $returned): void
    {
        // the PHP API: db.products and db.locations return an iterable; anything else is not one.
        $db = $which === 'products'
            ? ['products' => static fn (?array $ids): mixed => $returned]
            : ['locations' => static fn (int $pid, string $label): mixed => $returned];

        $e = self::thrown(fn () => vf_stock_refresh($this->request($db)));

        self::assertInstanceOf(\InvalidArgumentException::class, $e);
        self::assertStringContainsString("db.{$which}", $e->getMessage());
        self::assertSame([], $this->writes);
    }

    public function testTraversableObjectsAreIterable(): void
    {
        $result = vf_stock_refresh($this->request([
            'products' => static fn (?array $ids): ArrayObject => new ArrayObject([self::row(1)]),
        ], ['products' => [1]]));

        self::assertSame(16, $result['products'][1]['qty']);
    }

    // ------------------------------------------------------------------
    // exit() inside a callback, in a child process
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{string}>
     */
    public static function exitingCallbacks(): array
    {
        return [
            'db.products' => ['products'],
            'db.locations' => ['locations'],
            'db.write' => ['write'],
            'db.claim' => ['claim'],
            'log' => ['log'],
        ];
    }

    /**
     * @dataProvider exitingCallbacks
     */
    public function testExitInsideACallbackEndsTheProcessCleanly(string $which): void
    {
        $script = $this->tempFile('exit-child', '.php');
        file_put_contents($script, <<<'PHP'
<?php
declare(strict_types=1);
[, $url, $token, $which] = $argv;
register_shutdown_function(static function (): void {
    echo "shutdown\n";
});
$leave = static function (string $name) use ($which): void {
    if ($name === $which) {
        echo "exiting in {$name}\n";
        exit(7);
    }
};
$result = vf_stock_refresh([
    'api' => ['url' => $url, 'token' => $token, 'timeout' => 2],
    'products' => [1],
    'lease' => ['key' => 'stockrefresh:exit', 'ttl' => 30],
    'log' => function (string $a, array $r, mixed $x) use ($leave): void {
        $leave('log');
    },
    'db' => [
        'claim' => function (string $key, int $ttl) use ($leave): bool {
            $leave('claim');
            return true;
        },
        'products' => function (?array $ids) use ($leave): array {
            $leave('products');
            return [[
                'id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 5,
                'configoption1' => '1', 'configoption2' => '1', 'configoption7' => '0',
            ]];
        },
        'locations' => function (int $pid, string $label) use ($leave): array {
            $leave('locations');
            return [];
        },
        'write' => function (int $pid, int $qty) use ($leave): void {
            $leave('write');
        },
    ],
]);
echo "returned\n";
PHP);

        $r = self::finish(self::spawn($script, [self::sim()->url(), self::TOKEN, $which]));

        self::assertSame(7, $r['code'], "exit code as given; stderr: {$r['stderr']}");
        self::assertSame("exiting in {$which}\nshutdown\n", $r['stdout']);
        self::assertSame('', $r['stderr'], 'no crash output');
    }

    public function testAFatalErrorInsideACallbackIsPhpsOwnNotACrash(): void
    {
        $script = $this->tempFile('fatal-child', '.php');
        file_put_contents($script, <<<'PHP'
<?php
declare(strict_types=1);
[, $url, $token] = $argv;
register_shutdown_function(static function (): void {
    echo "shutdown\n";
});
vf_stock_refresh([
    'api' => ['url' => $url, 'token' => $token, 'timeout' => 2],
    'products' => [1],
    'db' => [
        'products' => fn (?array $ids): array => [[
            'id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 5,
            'configoption1' => '1', 'configoption2' => '1', 'configoption7' => '0',
        ]],
        'write' => function (int $pid, int $qty): void {
            trigger_error('fatal in write', E_USER_ERROR);
        },
    ],
]);
echo "returned\n";
PHP);

        $r = self::finish(self::spawn($script, [self::sim()->url(), self::TOKEN]));

        self::assertSame(255, $r['code'], $r['stderr']);
        self::assertStringContainsString('fatal in write', $r['stdout'] . $r['stderr']);
        self::assertStringContainsString("shutdown\n", $r['stdout']);
        self::assertStringNotContainsString('returned', $r['stdout']);
        self::assertDoesNotMatchRegularExpression(
            '/panick|Segmentation|core dumped|RUST_BACKTRACE/i',
            $r['stdout'] . $r['stderr']
        );
    }

    public function testAnEmptyProductListRefreshesNothing(): void
    {
        $result = vf_stock_refresh($this->request([], ['products' => []]));

        self::assertTrue($result['ran']);
        self::assertSame([], $result['products']);
        self::assertSame([], $this->writes);
        self::assertSame([], self::sim()->requests());
    }

    // ------------------------------------------------------------------
    // malformed requests
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{callable(array<string, mixed>): array<string, mixed>, string}>
     */
    public static function malformedRequests(): array
    {
        $without = static fn (string $key): \Closure => static function (array $r) use ($key): array {
            unset($r[$key]);

            return $r;
        };
        $set = static fn (string $path, mixed $value): \Closure =>
            static fn (array $r): array => Fleet::with($r, $path, $value);
        $unsetDb = static fn (string $key): \Closure => static function (array $r) use ($key): array {
            unset($r['db'][$key]);

            return $r;
        };

        return [
            'missing api' => [$without('api'), 'api'],
            'api not an array' => [$set('api', 'http://x'), 'api'],
            'api.url missing' => [static function (array $r): array {
                unset($r['api']['url']);

                return $r;
            }, 'url'],
            'api.url ftp' => [$set('api.url', 'ftp://127.0.0.1/api/v1'), 'url'],
            'api.url not a url' => [$set('api.url', 'panel.example.com/api/v1'), 'url'],
            'missing token' => [static function (array $r): array {
                unset($r['api']['token']);

                return $r;
            }, 'token'],
            'blank token' => [$set('api.token', ''), 'token'],
            'db missing' => [$without('db'), 'db'],
            'db.products missing' => [$unsetDb('products'), 'products'],
            'db.products not callable' => [$set('db.products', 'no_such_function_vfstock'), 'products'],
            'db.products an array' => [$set('db.products', [1, 2]), 'products'],
            'db.write missing' => [$unsetDb('write'), 'write'],
            'db.write not callable' => [$set('db.write', 42), 'write'],
            'db.locations not callable' => [$set('db.locations', 'nope_vfstock'), 'locations'],
            'db.claim not callable' => [$set('db.claim', true), 'claim'],
            'log not callable' => [$set('log', 'nope_vfstock'), 'log'],
            'products a string' => [$set('products', '1,2'), 'products'],
            'products with a non-integer' => [$set('products', [1, 'abc']), 'products'],
            'products with a float' => [$set('products', [1, 2.5]), 'products'],
            'products with an array' => [$set('products', [[1]]), 'products'],
            'lease without key' => [$set('lease', ['ttl' => 30]), 'key'],
            'lease with blank key' => [$set('lease', ['key' => '', 'ttl' => 30]), 'key'],
            'lease without ttl' => [$set('lease', ['key' => 'k']), 'ttl'],
            'lease with ttl 0' => [$set('lease', ['key' => 'k', 'ttl' => 0]), 'ttl'],
            'lease with negative ttl' => [$set('lease', ['key' => 'k', 'ttl' => -5]), 'ttl'],
            'lease with text ttl' => [$set('lease', ['key' => 'k', 'ttl' => 'soon']), 'ttl'],
            'lease not an array' => [$set('lease', 'stockrefresh:cron'), 'lease'],
            'dryRun a string' => [$set('dryRun', 'yes'), 'dryRun'],
            'dryRun an int' => [$set('dryRun', 1), 'dryRun'],
            'forgetGroups not ids' => [$set('forgetGroups', ['x']), 'forgetGroups'],
            'locationLabel not a string' => [$set('locationLabel', ['Location']), 'locationLabel'],
            'unknown top-level key' => [$set('bogusKey', true), 'bogusKey'],
            // the PHP API puts the timeout under `api`; a top-level `timeout` is not a request key
            'top-level timeout' => [$set('timeout', 3), 'timeout'],
            'misspelt dryRun' => [$set('dryrun', true), 'dryrun'],
        ];
    }

    /**
     * @dataProvider malformedRequests
     * @param callable(array<string, mixed>): array<string, mixed> $mutate
     */
    public function testMalformedRequestNamesTheKey(callable $mutate, string $key): void
    {
        $request = $mutate($this->request([
            'claim' => function (string $k, int $ttl): bool {
                $this->calls[] = 'claim';

                return true;
            },
        ]));

        $e = self::thrown(static fn () => vf_stock_refresh($request));

        self::assertTrue(
            $e instanceof \InvalidArgumentException || $e instanceof TypeError,
            get_class($e) . ': ' . $e->getMessage()
        );
        self::assertStringContainsString($key, $e->getMessage());
        self::assertSame([], $this->calls, 'no callback runs for a malformed request');
        self::assertSame([], self::sim()->requests(), 'no request either');
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function wrongArgumentTypes(): array
    {
        return [
            'string' => ['x'],
            'int' => [1],
            'null' => [null],
            'object' => [new \stdClass()],
        ];
    }

    /**
     * @dataProvider wrongArgumentTypes
     */
    public function testWrongArgumentTypeIsATypeError(mixed $argument): void
    {
        $this->expectException(TypeError::class);

        /** @phpstan-ignore-next-line deliberately wrong */
        vf_stock_refresh($argument);
    }

    // ------------------------------------------------------------------
    // token hygiene
    // ------------------------------------------------------------------

    public function testTheTokenNeverLeaks(): void
    {
        $seen = [];
        $log = static function (string $action, array $request, mixed $response) use (&$seen): void {
            $seen[] = serialize([$action, $request, $response]);
        };
        $db = [
            'products' => static fn (?array $ids): array => array_map([self::class, 'row'], $ids ?? [1]),
            'write' => static function (int $pid, int $qty): void {
            },
        ];
        $results = [];
        $messages = [];

        // 401: the panel does not know this token.
        $results[] = vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::SECRET_BAD, 'timeout' => 1],
            'products' => [1], 'db' => $db, 'log' => $log,
        ]);
        // 503 and a reset with a token it knows.
        foreach ([['status' => 503], 'reset', ['status' => 401, 'body' => 'bad token']] as $action) {
            vf_stock_forget();
            self::sim()->faults([['route' => 'any', 'action' => $action]]);
            $results[] = vf_stock_refresh([
                'api' => ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'timeout' => 1],
                'products' => [1], 'db' => $db, 'log' => $log,
            ]);
        }
        self::sim()->clearFaults();
        // A successful run, so that the qty log line exists too.
        vf_stock_forget();
        $results[] = vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'timeout' => 1],
            'products' => [1], 'db' => $db, 'log' => $log,
        ]);
        // Malformed requests carrying the token.
        foreach (
            [
                ['url' => 'ftp://x/api/v1', 'token' => self::SECRET_GOOD],
                ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'timeout' => 'soon'],
                ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'verifyTls' => 'maybe'],
                ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'caFile' => ['x']],
            ] as $api
        ) {
            $e = self::thrown(static fn () => vf_stock_refresh(['api' => $api, 'db' => $db]));
            $messages[] = (string) $e;
            $e = self::thrown(static fn () => vf_stock_refresh(['api' => $api, 'db' => $db, 'bogus' => 1]));
            $messages[] = (string) $e;
        }
        // An exception thrown by a callback after the panel was read.
        $e = self::thrown(static fn () => vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::SECRET_GOOD, 'timeout' => 1],
            'products' => [1], 'forgetGroups' => [1], 'log' => $log,
            'db' => ['products' => $db['products'], 'write' => static function (int $p, int $q): void {
                throw new RuntimeException('write failed');
            }],
        ]));
        $messages[] = (string) $e;

        self::assertSame('untouched', $results[0]['products'][1]['status'], 'the 401 run left qty alone');
        self::assertSame('untouched', $results[1]['products'][1]['status'], 'the 503 run left qty alone');
        self::assertSame('untouched', $results[2]['products'][1]['status'], 'the reset run left qty alone');
        self::assertSame(16, $results[4]['products'][1]['qty']);
        self::assertNotEmpty($seen, 'the log callback was called');
        $auths = array_column(self::sim()->requests(), 'auth');
        self::assertContains('ok', $auths, 'the good token was sent');
        self::assertContains('unknown', $auths, 'the bad token was sent');

        ob_start();
        phpinfo();
        $info = (string) ob_get_clean();
        self::assertStringContainsString('vfstock', $info);

        $haystacks = [
            'log arguments' => implode("\n", $seen),
            'results' => serialize($results),
            'exception messages' => implode("\n", $messages),
            'vf_stock_stats()' => serialize(vf_stock_stats()),
            'phpinfo()' => $info,
        ];
        foreach ($haystacks as $where => $text) {
            foreach ([self::SECRET_GOOD, self::SECRET_BAD] as $secret) {
                self::assertStringNotContainsString($secret, $text, "the token is not in {$where}");
            }
        }
    }

    // ------------------------------------------------------------------
    // child processes
    // ------------------------------------------------------------------

    private function tempFile(string $prefix, string $suffix): string
    {
        $file = sys_get_temp_dir() . "/vfstock-{$prefix}-" . bin2hex(random_bytes(6)) . $suffix;
        $this->temp[] = $file;

        return $file;
    }

    /**
     * The command prefix that runs PHP with the extension loaded.
     *
     * @return list<string>
     */
    private static function php(): array
    {
        static $command = null;
        if ($command === null) {
            $probe = shell_exec(
                escapeshellarg(PHP_BINARY) . ' -r ' . escapeshellarg('echo (int) extension_loaded("vfstock");')
            );
            $ext = getenv('VFSTOCK_EXT') ?: dirname(__DIR__, 2) . '/target/release/libvfstock.so';
            $command = trim((string) $probe) === '1' ? [PHP_BINARY] : [PHP_BINARY, '-d', 'extension=' . $ext];
        }

        return $command;
    }

    /**
     * @param list<string> $args
     * @return array{process: resource, pipes: array<int, resource>, started: float}
     */
    private static function spawn(string $script, array $args): array
    {
        $pipes = [];
        $process = proc_open(
            array_merge(self::php(), ['-d', 'display_errors=stderr', $script], $args),
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes
        );
        self::assertIsResource($process);
        fclose($pipes[0]);
        stream_set_blocking($pipes[1], false);
        stream_set_blocking($pipes[2], false);

        return ['process' => $process, 'pipes' => $pipes, 'started' => microtime(true)];
    }

    /**
     * Waits (bounded) for a child and collects its output and exit code.
     *
     * @param array{process: resource, pipes: array<int, resource>, started: float} $child
     * @return array{code: int, stdout: string, stderr: string}
     */
    private static function finish(array $child): array
    {
        $out = '';
        $err = '';
        $code = -1;
        $deadline = $child['started'] + self::CHILD_DEADLINE_S;
        while (true) {
            $out .= (string) stream_get_contents($child['pipes'][1]);
            $err .= (string) stream_get_contents($child['pipes'][2]);
            $status = proc_get_status($child['process']);
            if (!$status['running']) {
                $code = $status['exitcode'];
                break;
            }
            if (microtime(true) > $deadline) {
                proc_terminate($child['process'], 9);
                self::fail('child process did not finish in ' . self::CHILD_DEADLINE_S . " s: {$out} {$err}");
            }
            usleep(5000);
        }
        $out .= (string) stream_get_contents($child['pipes'][1]);
        $err .= (string) stream_get_contents($child['pipes'][2]);
        fclose($child['pipes'][1]);
        fclose($child['pipes'][2]);
        proc_close($child['process']);

        return ['code' => $code, 'stdout' => $out, 'stderr' => $err];
    }
}
