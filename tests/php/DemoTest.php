<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;
use VfStock\Tests\Whmcs\Process;

require_once __DIR__ . '/whmcs/Process.php';

/**
 * `make demo` (demo/demo.php) runs to completion, prints what it promises
 * and leaves no process and no file behind, even when it fails half-way.
 *
 * The processes are recognised by a marker in their environment, which the
 * demo's children (the simulator, the CLI) inherit.
 */
final class DemoTest extends TestCase
{
    private const DEMO = __DIR__ . '/../../demo/demo.php';

    /** demo/demo.php's API token: it is never printed. */
    private const TOKEN = 'vfdemo-api-token-7c1e0b5a9d';

    private const MARK = 'VFSTOCK_DEMO_TEST_MARK';

    /**
     * @param array<string, string> $env
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    private static function demo(string $mark, array $env = []): array
    {
        $result = Process::run(Process::php([self::DEMO], true), [self::MARK => $mark] + $env, 60.0);
        self::assertFalse($result['timedOut'], 'the demo timed out');
        self::assertStringNotContainsString(self::TOKEN, $result['stdout'] . $result['stderr']);
        self::assertSame([], self::marked($mark), 'processes of the demo are still running');
        if (preg_match('#(/\S+/vfstock-demo-[^/\s]+)/whmcs\.sqlite#', $result['stdout'], $m) === 1) {
            self::assertDirectoryDoesNotExist($m[1], 'the demo database was removed');
        }

        return $result;
    }

    /** @return list<string> "pid command" of every process whose environment carries the mark */
    private static function marked(string $mark): array
    {
        $found = [];
        foreach (glob('/proc/[0-9]*') ?: [] as $dir) {
            $environ = @file_get_contents($dir . '/environ');
            if (is_string($environ) && str_contains($environ, self::MARK . '=' . $mark . "\0")) {
                $found[] = basename($dir) . ' ' . str_replace("\0", ' ', (string) @file_get_contents($dir . '/cmdline'));
            }
        }

        return $found;
    }

    public function testMakeDemoRunsTheDemoAfterTheBuild(): void
    {
        $makefile = (string) file_get_contents(__DIR__ . '/../../Makefile');
        self::assertMatchesRegularExpression('/^demo: build\n\t\$\(PHP_EXT\) demo\/demo\.php\n/m', $makefile);
        self::assertMatchesRegularExpression('/^\.PHONY:.*\bdemo\b/m', $makefile);
    }

    public function testTheDemoRunsToCompletionAndLeavesNothingBehind(): void
    {
        $result = self::demo(bin2hex(random_bytes(8)));
        self::assertSame(0, $result['exit'], $result['stderr'] . $result['stdout']);
        self::assertLessThan(30.0, $result['seconds']);
        $out = $result['stdout'];
        foreach ([
            '1. A VirtFusion panel (the simulator)',
            'mountpoint storage, type code 4',
            '2. A WHMCS database (SQLite), set up by the addon itself',
            '3. The WHMCS cron runs: hooks.php, AfterCronJob',
            '4. Why does VPS-4 show 60? Ask the CLI',
            '5. lon-hv1 fills up, and Frankfurt\'s panel answers 503 Service Unavailable',
            'Done',
            'The simulator is stopped and the demo database removed.',
        ] as $section) {
            self::assertStringContainsString($section, $out);
        }
        self::assertStringNotContainsString("\033[", $out, 'no terminal colours into a pipe');

        // The cron run: every qty from its deliberately wrong value to the fleet's.
        foreach (['VPS-1' => [0, 126], 'VPS-2' => [999, 108], 'VPS-4' => [0, 60], 'VPS-8' => [999, 25],
            'VPS-16' => [0, 13], 'VPS-32' => [999, 6], 'STORAGE-1T' => [0, 7], 'STORAGE-2T' => [999, 3]]
            as $name => [$before, $after]) {
            self::assertMatchesRegularExpression("/ {$name}\\s+{$before}\\s+{$after}\\s+updated /", $out);
        }
        self::assertMatchesRegularExpression('/ VPS-1\s+0\s+126\s+updated\s+cpu; storage on lon-hv3; IPv4 in group 2/',
            $out);
        self::assertMatchesRegularExpression('/ VPS-32\s+999\s+6\s+updated\s+memory; storage on lon-hv3/', $out);
        self::assertMatchesRegularExpression('/ STORAGE-1T\s+0\s+7\s+updated\s+storage\s/', $out);

        // explain, from the CLI.
        self::assertStringContainsString('qty 60 = 51 from group 1 (London, the default group) + 9 from group 2'
            . ' (Frankfurt).', $out);
        self::assertMatchesRegularExpression('/lon-hv3 #3\s+22\s+21\s+11\s+nvme-mount\s+11\s+storage/', $out);

        // The transient failure: the Frankfurt plans untouched, the others updated.
        self::assertStringContainsString('A second cron run reads nothing (0 panel requests)', $out);
        foreach (['VPS-1' => 126, 'VPS-2' => 108, 'VPS-4' => 60] as $name => $qty) {
            self::assertMatchesRegularExpression("/ {$name}\\s+{$qty}\\s+{$qty}\\s+untouched\\s.*HTTP 503/", $out);
        }
        self::assertMatchesRegularExpression('/ VPS-8\s+25\s+15\s+updated/', $out);
        self::assertStringContainsString('8 products: 3 updated, 2 unchanged, 3 untouched, 0 skipped.', $out);
        self::assertStringContainsString('(exit code 1)', $out);
    }

    public function testAFailingDemoStillStopsTheSimulatorAndCleansUp(): void
    {
        // The CLI children get an extension that does not exist: `refresh` exits 3 half-way.
        $result = self::demo(bin2hex(random_bytes(8)), ['VFSTOCK_EXT' => '/nonexistent/vfstock.so']);
        self::assertSame(1, $result['exit'], $result['stdout']);
        self::assertStringContainsString('3. The WHMCS cron runs', $result['stdout']);
        self::assertStringContainsString('The demo failed', $result['stderr']);
        self::assertStringContainsString('exited with 3', $result['stderr']);
    }
}
