<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * Never crash, never hang, never leak: callers that free or reshape the request under the extension, or
 * re-enter it, callbacks returning iterators, panels that hang, CA files
 * that are not files, typos in settings, and messages echoing bytes that
 * are not text.
 */
final class HostileCallerTest extends TestCase
{
    use SharedSimulator;

    private const TOKEN = 'hostile-caller-token';

    /** Bound on any child process: a hang fails the test instead of CI. */
    private const CHILD_SECONDS = 120.0;

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        $groups = [];
        for ($g = 1; $g <= 20; $g++) {
            $groups[$g] = ['name' => "G{$g}", 'hypervisors' => Fleet::hypervisors(2, [], $g * 10)];
        }

        return [
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => ['7' => Fleet::package(['id' => 7])],
            'groups' => $groups,
        ];
    }

    protected function setUp(): void
    {
        self::sim()->clearFaults();
        self::sim()->clearRequests();
        vf_stock_forget(null);
    }

    /** @return array<string, mixed> a managed product row in group 1 with package 7 */
    private static function row(int $id, array $extra = []): array
    {
        return $extra + ['id' => $id, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
            'configoption1' => '1', 'configoption2' => '7', 'configoption7' => '0'];
    }

    /** @return array<string, mixed> */
    private static function api(array $extra = []): array
    {
        return $extra + ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 5];
    }

    // ------------------------------------------------------------------ use after free, re-entry

    /** @return array<string, array{string}> */
    public static function hostileCallbacks(): array
    {
        return [
            'db set to null by reference' => ['$db = null;'],
            'db grown by reference (rehash)' => ['for ($i = 0; $i < 200; $i++) { $db["k$i"] = str_repeat("x", 64); }'],
            'db replaced by reference' => ['$db = ["products" => fn () => [], "write" => fn () => null];'],
            'vf_stock_refresh re-entered' => [
                'static $depth = 0; if ($depth++ === 0) { $inner = vf_stock_refresh($GLOBALS["request"]);'
                . ' echo "inner ", count($inner["products"]), "\n"; }',
            ],
            'vf_stock_forget re-entered' => ['vf_stock_forget(null); vf_stock_forget([1, 2]);'],
            'vf_capacity_for re-entered' => ['vf_capacity_for(["memory" => 1], ["data" => []]);'],
        ];
    }

    /**
     * A callback that frees or reshapes the array holding the callbacks
     * (`'db' => &$db`), or that calls the extension again, runs cleanly
     * under valgrind: no invalid read or write, nothing of ours lost.
     *
     * @dataProvider hostileCallbacks
     */
    public function testCallbacksThatFreeReshapeOrReenterRunCleanlyUnderValgrind(string $inWrite): void
    {
        if (!Valgrind::available()) {
            self::markTestSkipped('valgrind is not installed (make setup installs it)');
        }
        $script = <<<PHP
<?php
[, \$url, \$token] = \$argv;
\$db = [
    'products' => function (?array \$ids) use (&\$db): array {
        \$db['added-by-products'] = 1;
        return [
            ['id' => 1, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0, 'configoption1' => '1', 'configoption2' => '7'],
            ['id' => 2, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0, 'configoption1' => '2', 'configoption2' => '7'],
        ];
    },
    'write' => function (int \$pid, int \$qty) use (&\$db): void {
        echo "write \$pid \$qty\\n";
        if (\$pid === 1) { {$inWrite} }
    },
];
\$GLOBALS['request'] = ['api' => ['url' => \$url, 'token' => \$token], 'products' => [1, 2], 'db' => &\$db];
\$result = vf_stock_refresh(\$GLOBALS['request']);
foreach (\$result['products'] as \$id => \$line) { echo "result \$id {\$line['status']} {\$line['qty']}\\n"; }
PHP;
        [$code, $stdout, $report] = Valgrind::run($script, [self::sim()->url(), self::TOKEN]);

        self::assertSame(0, $code, $stdout . $report);
        self::assertStringContainsString('write 1 ', $stdout);
        self::assertStringContainsString('write 2 ', $stdout, 'the run went on after the callback');
        self::assertMatchesRegularExpression('/result 2 updated \d+/', $stdout);
        self::assertMatchesRegularExpression('/ERROR SUMMARY: 0 errors/', $report, 'no invalid read or write');
        self::assertSame([], Valgrind::ourDefiniteLosses($report));
    }

    /**
     * @param list<string> $command
     * @param array<string, string>|null $env
     * @return array{int, string, string}
     */
    private static function spawnChild(array $command, ?array $env = null): array
    {
        $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        self::assertIsResource($process);
        stream_set_blocking($pipes[1], false);
        stream_set_blocking($pipes[2], false);
        $out = $err = '';
        $deadline = microtime(true) + self::CHILD_SECONDS;
        while (($status = proc_get_status($process))['running']) {
            $out .= (string) stream_get_contents($pipes[1]);
            $err .= (string) stream_get_contents($pipes[2]);
            if (microtime(true) > $deadline) {
                proc_terminate($process, 9);
                self::fail('child did not finish: ' . $out . $err);
            }
            usleep(10000);
        }
        // The exit code is only reported by the first status call after the exit.
        $code = $status['exitcode'];
        $out .= (string) stream_get_contents($pipes[1]);
        $err .= (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $closed = proc_close($process);

        return [$code >= 0 ? $code : $closed, $out, $err];
    }

    // ------------------------------------------------------------------ iterators

    public function testGeneratorsAndIteratorsFromCallbacksAreReleased(): void
    {
        $request = [
            'api' => self::api(),
            'locationLabel' => 'Location',
            'db' => [
                'products' => function (?array $ids): \Generator {
                    yield self::row(1);
                    yield (object) self::row(2, ['configoption1' => '2']);
                },
                'locations' => fn (int $pid, string $label): \Iterator => new \ArrayIterator(['3|Three', '4|Four']),
                'write' => static function (int $pid, int $qty): void {
                },
            ],
        ];
        $first = vf_stock_refresh($request);
        self::assertSame(['1', '2'], array_map('strval', array_keys($first['products'])));
        self::assertSame([1, 3, 4], array_keys($first['products'][1]['groups']));
        gc_collect_cycles();
        $before = memory_get_usage();
        for ($i = 0; $i < 500; $i++) {
            vf_stock_refresh($request);
        }
        gc_collect_cycles();
        // 500 refreshes over generators once leaked 49 MB of iterator objects.
        self::assertLessThan(32 * 1024, memory_get_usage() - $before);
    }

    public function testAGeneratorThatThrowsReachesTheCallerAndIsReleased(): void
    {
        $request = ['api' => self::api(), 'db' => [
            'products' => function (?array $ids): \Generator {
                yield self::row(1);
                throw new \DomainException('rows ran out');
            },
            'write' => static fn () => null,
        ]];
        for ($i = 0; $i < 3; $i++) {
            try {
                vf_stock_refresh($request);
                self::fail('the exception was lost');
            } catch (\DomainException $e) {
                self::assertSame('rows ran out', $e->getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ the whole wait

    public function testADeadlineBoundsTheWholeRefreshOnAPanelThatNeverAnswers(): void
    {
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]);
        $locations = array_map(static fn (int $g): string => "{$g}|G{$g}", range(1, 20));
        foreach (['8', '1'] as $concurrency) {
            ini_set('vfstock.concurrency', $concurrency);
            try {
                vf_stock_forget(null);
                $started = microtime(true);
                $result = vf_stock_refresh([
                    'api' => self::api(['timeout' => 10]),
                    'deadline' => 1,
                    'db' => [
                        'products' => fn (?array $ids): array => [self::row(1)],
                        'locations' => fn (int $pid, string $label): array => $locations,
                        'write' => static fn () => null,
                    ],
                ]);
                $took = microtime(true) - $started;
            } finally {
                ini_restore('vfstock.concurrency');
            }
            // One second plus a margin, whatever the number of requests
            // (a bound on a hang, not a speed figure).
            self::assertLessThan(2.5, $took, "concurrency {$concurrency}");
            self::assertSame('untouched', $result['products'][1]['status']);
            self::assertStringContainsString('deadline', (string) $result['products'][1]['reason']);
        }
    }

    public function testProbeAndCheckEndWithinTheirDeadlines(): void
    {
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]);
        $started = microtime(true);
        $probe = vf_stock_probe(self::api(['timeout' => 10, 'deadline' => 0.5]));
        self::assertLessThan(2.0, microtime(true) - $started);
        self::assertFalse($probe['ok']);

        $started = microtime(true);
        $check = vf_stock_check(['api' => self::api(['timeout' => 10]), 'deadline' => 0.5, 'items' => [
            ['package' => 7, 'group' => 1, 'count' => 2, 'key' => 'a'],
            ['package' => 7, 'group' => 2, 'key' => 'b'],
        ]]);
        self::assertLessThan(2.0, microtime(true) - $started);
        // What could not be read never refuses an order.
        self::assertTrue($check['ok']);
        self::assertSame(['transient', 'transient'], array_column($check['items'], 'status'));
        self::assertSame(['a', 'b'], array_column($check['items'], 'key'));
    }

    // ------------------------------------------------------------------ keep-alive

    public function testAConnectionThePanelClosedIsRetriedOnAFreshOne(): void
    {
        self::sim()->faults([['route' => 'any', 'action' => 'resetReused']]);
        $request = ['api' => self::api(), 'products' => [1], 'db' => [
            'products' => fn (?array $ids): array => [self::row(1)],
            'write' => static fn () => null,
        ]];
        for ($i = 0; $i < 4; $i++) {
            vf_stock_forget(null);
            $result = vf_stock_refresh($request);
            self::assertContains($result['products'][1]['status'], ['updated', 'unchanged'], "refresh {$i}: "
                . $result['products'][1]['reason']);
        }
        $reset = array_filter(self::sim()->requests(), static fn (array $r): bool => ($r['fault'] ?? '') === 'resetReused');
        self::assertNotEmpty($reset, 'the panel did drop a kept-alive connection');
    }

    // ------------------------------------------------------------------ CA files

    public function testCaFilesThatAreNotFilesAreRefusedWithoutHangingOrReading(): void
    {
        $fifo = sys_get_temp_dir() . '/vfstock-fifo-' . bin2hex(random_bytes(4));
        self::assertTrue(posix_mkfifo($fifo, 0600));
        $big = tempnam(sys_get_temp_dir(), 'vfstock-big-');
        file_put_contents($big, str_repeat('A', (1 << 20) + 1));
        try {
            foreach (['/dev/zero' => 'not a regular file', $fifo => 'not a regular file',
                sys_get_temp_dir() => 'not a regular file', $big => 'larger than'] as $path => $why) {
                vf_stock_forget(null);
                $started = microtime(true);
                $result = vf_stock_refresh(['api' => self::api(['caFile' => $path, 'url' => str_replace('http:', 'https:', self::sim()->url())]),
                    'products' => [1], 'db' => [
                        'products' => fn (?array $ids): array => [self::row(1)],
                        'write' => static fn () => null,
                    ]]);
                self::assertLessThan(3.0, microtime(true) - $started, $path);
                self::assertSame('untouched', $result['products'][1]['status'], $path);
                self::assertStringContainsString($why, (string) $result['products'][1]['reason'], $path);
            }
        } finally {
            @unlink($fifo);
            @unlink($big);
        }
    }

    // ------------------------------------------------------------------ settings

    public function testVerifyTlsAcceptsOnlyBooleanSpellings(): void
    {
        foreach (['enabled', 'Y', 'strict', 'ture', '2', ''] as $typo) {
            self::assertFalse(ini_set('vfstock.verify_tls', $typo), $typo);
            self::assertSame('1', ini_get('vfstock.verify_tls'), $typo);
        }
        foreach (['0', 'off', 'No', 'FALSE', '1', 'on', 'yes', 'true'] as $spelling) {
            self::assertNotFalse(ini_set('vfstock.verify_tls', $spelling), $spelling);
        }
        ini_restore('vfstock.verify_tls');
        $so = dirname(__DIR__, 2) . '/target/release/libvfstock.so';
        [$code, $out, $err] = self::spawnChild([PHP_BINARY, '-n', '-d', "extension={$so}", '-d', 'vfstock.verify_tls=strict',
            '-d', 'display_startup_errors=1', '-r', 'echo "value=", ini_get("vfstock.verify_tls"), "\n";']);
        self::assertSame(0, $code);
        self::assertStringContainsString('value=1', $out);
        self::assertStringContainsString('vfstock.verify_tls', $out . $err, 'a startup warning names it');
        self::assertStringContainsString('stays on', $out . $err);
    }

    public function testPageSizeIsAtMostTheApisLimit(): void
    {
        self::assertFalse(ini_set('vfstock.page_size', '201'));
        self::assertFalse(ini_set('vfstock.page_size', '0'));
        self::assertNotFalse(ini_set('vfstock.page_size', '200'));
        ini_restore('vfstock.page_size');
    }

    // ------------------------------------------------------------------ clean errors

    public function testMessagesEchoingBytesThatAreNotTextStayExceptions(): void
    {
        $base = ['api' => self::api(), 'db' => ['products' => fn () => [], 'write' => fn () => null]];
        foreach (["dry\0Run" => 'dry\\x00Run', "\xff\xfeKey" => '\\xff\\xfeKey'] as $key => $shown) {
            try {
                vf_stock_refresh($base + [$key => true]);
                self::fail('an unknown key was accepted');
            } catch (\InvalidArgumentException $e) {
                self::assertStringContainsString('unknown request key "' . $shown . '"', $e->getMessage());
            }
        }
        try {
            vf_stock_refresh($base + ['products' => ["12\0"]]);
            self::fail('a NUL id was accepted');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString('"12\\x00"', $e->getMessage());
        }
    }

    /**
     * The walk ahead of a large page of odd values (src/php/prefetch.rs)
     * reads no memory it should not.
     */
    public function testALargePageOfOddValuesIsReadCleanlyUnderValgrind(): void
    {
        if (!Valgrind::available()) {
            self::markTestSkipped('valgrind is not installed (make setup installs it)');
        }
        $fleet = var_export(__DIR__ . '/Fleet.php', true);
        $script = <<<PHP
<?php
require {$fleet};
\$free = 10000;
\$page = ['data' => VfStock\\Tests\\Fleet::oddEntries(300, \$free)];
\$rows = vf_capacity_for(VfStock\\Tests\\Fleet::package(), \$page, ['ipv4' => 0])['hypervisors'];
echo count(\$rows), ' rows, memory ', \$rows[0]['memory'], "\\n";
PHP;
        [$code, $stdout, $report] = Valgrind::run($script, []);

        self::assertSame(0, $code, $stdout . $report);
        self::assertSame("300 rows, memory 3\n", $stdout);
        self::assertMatchesRegularExpression('/ERROR SUMMARY: 0 errors/', $report, 'no invalid read');
    }

    public function testAnyLeaseTtlIsATimeNotAnInternalError(): void
    {
        $request = ['api' => self::api(), 'lease' => ['key' => 'hostile:max-' . bin2hex(random_bytes(4)), 'ttl' => PHP_INT_MAX],
            'db' => ['products' => fn () => [], 'write' => fn () => null]];
        self::assertTrue(vf_stock_refresh($request)['ran']);
        self::assertFalse(vf_stock_refresh($request)['ran'], 'held');
    }

    // ------------------------------------------------------------------ bounded in bytes

    public function testProcessLocalLeasesStayWithinTheirByteBudget(): void
    {
        $request = ['api' => self::api(), 'db' => ['products' => fn () => [], 'write' => fn () => null]];
        $pad = str_repeat('k', 200);
        for ($i = 0; $i < 40_000; $i++) {
            vf_stock_refresh($request + ['lease' => ['key' => "hostile:{$i}:{$pad}", 'ttl' => 3600]]);
        }
        self::assertLessThanOrEqual(1 << 20, vf_stock_stats()['leaseBytes']);
    }

    public function testCachesStayWithinTheirByteBudgetWhateverTheUrls(): void
    {
        // 3,000 distinct 16 KiB base URLs of one panel (mounted under a path prefix).
        $origin = substr(self::sim()->url(), 0, -strlen('/api/v1'));
        for ($i = 0; $i < 3000; $i++) {
            $url = $origin . '/p' . $i . '-' . str_repeat('u', 16 * 1024) . '/api/v1';
            $result = vf_stock_refresh(['api' => ['url' => $url, 'token' => self::TOKEN, 'timeout' => 5], 'products' => [1],
                'db' => ['products' => fn () => [self::row(1, ['configoption1' => ''])], 'write' => fn () => null]]);
            self::assertSame('untouched', $result['products'][1]['status'], 'no group: only the package is read');
        }
        $stats = vf_stock_stats();
        // 3,000 × 16 KiB would be 48 MB held by count alone; packages have 4 MiB.
        self::assertLessThanOrEqual(4 << 20, $stats['cacheBytes']);
        self::assertLessThan(300, $stats['packagesCached']);
    }
}
