<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;
use VfStock\Tests\Whmcs\Process;

require_once __DIR__ . '/whmcs/Process.php';

/**
 * `make demo` (demo/demo.php) runs to completion, prints what it promises
 * and leaves no process and no file behind, even when it fails half-way;
 * its fleet (demo/fleet.php) is in the shapes VirtFusion's API v7 documents.
 *
 * The processes are recognised by a marker in their environment, which the
 * demo's children (the simulator, the CLI) inherit.
 */
final class DemoTest extends TestCase
{
    private const DEMO = __DIR__ . '/../../demo/demo.php';

    private const FLEET = __DIR__ . '/../../demo/fleet.php';

    private const V7 = __DIR__ . '/../fixtures/virtfusion-v7/openapi-v7-group-resources.json';

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
                $command = str_replace("\0", ' ', (string) @file_get_contents($dir . '/cmdline'));
                $found[] = basename($dir) . ' ' . $command;
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
        $sections = [
            '1. A VirtFusion panel (the simulator), answering as VirtFusion\'s API v7 does',
            'mountpoint storage, type code 4',
            '2. A WHMCS database (SQLite), set up by the addon itself',
            '3. The WHMCS cron runs: hooks.php, AfterCronJob',
            '4. Why does VPS-4 show 52? Ask the CLI',
            '5. A customer checks out VPS-8: Frankfurt is full, London is not',
            '6. lon-hv1 fills up, and Frankfurt\'s panel answers 503 Service Unavailable',
            'Done',
            'The simulator is stopped and the demo database removed.',
        ];
        foreach ($sections as $section) {
            self::assertStringContainsString($section, $out);
        }
        self::assertStringNotContainsString("\033[", $out, 'no terminal colours into a pipe');
        self::assertStringContainsString(
            'VFSTOCK_BOOTSTRAP=tests/php/whmcs/bootstrap.php',
            $out,
            'the CLI gets the WHMCS stand-ins from outside'
        );

        // The cron run: every qty from its deliberately wrong value to the fleet's. The fleet is v7-shaped now
        // (a server limit on lon-hv2, per-hypervisor IPv4 in Frankfurt), so the small plans' figures changed.
        $cron = ['VPS-1' => [0, 106], 'VPS-2' => [999, 90], 'VPS-4' => [0, 52], 'VPS-8' => [999, 25],
            'VPS-16' => [0, 13], 'VPS-32' => [999, 6], 'STORAGE-1T' => [0, 7], 'STORAGE-2T' => [999, 3]];
        foreach ($cron as $name => [$before, $after]) {
            self::assertMatchesRegularExpression("/ {$name}\\s+{$before}\\s+{$after}\\s+updated /", $out);
        }
        self::assertMatchesRegularExpression('/ VPS-1\s+0\s+106\s+updated\s+memory on fra-hv1; cpu on lon-hv1;'
            . ' storage on lon-hv3; servers on lon-hv2; ipv4 on fra-hv2; IPv4 in London\n/', $out);
        self::assertMatchesRegularExpression('/ VPS-32\s+999\s+6\s+updated\s+memory; storage on lon-hv3/', $out);
        self::assertMatchesRegularExpression('/ STORAGE-1T\s+0\s+7\s+updated\s+storage\s/', $out);
        self::assertStringContainsString('London\'s hypervisors would hold 105 VPS-1, but the 100 free', $out);

        // explain, from the CLI: each axis of each hypervisor, and the one without a free IPv4 address.
        self::assertStringContainsString('qty 52 = 51 from group 1 (London, the default group) + 1 from group 2'
            . ' (Frankfurt).', $out);
        self::assertMatchesRegularExpression('/lon-hv3 #3\s+22\s+21\s+11\s+nvme-mount\s+∞\s+100\s+11\s+storage/', $out);
        self::assertMatchesRegularExpression('/lon-hv2 #2\s+20\s+18\s+43\s+nvme-mount\s+24\s+100\s+18\s+cpu/', $out);
        self::assertMatchesRegularExpression('/fra-hv2 #5\s+57\s+28\s+90\s+nvme-mount\s+∞\s+0\s+0\s+ipv4/', $out);
        self::assertMatchesRegularExpression('/fra-hv3 #6\s+skipped: not commissioned/', $out);
        $flat = (string) preg_replace('/\s+/', ' ', $out);
        self::assertStringContainsString('fra-hv2 places nothing: it has no free IPv4 address of its own', $flat);
        self::assertStringContainsString('London (default) 1 51', $flat);

        // The checkout: refused in the full Location, naming it; the same cart accepted in London; the order
        // pending holds its place.
        self::assertStringContainsString('Frankfurt: REFUSED. The customer reads: "VPS-8 cannot be deployed in'
            . ' Frankfurt with this configuration right now.', $flat);
        self::assertStringContainsString('London: accepted (no error): the order is placed.', $flat);
        self::assertStringContainsString('qty 25 → 24', $out);
        self::assertMatchesRegularExpression('/ VPS-8\s+24\s+updated\s+\S+ \S+\s+London: 24, Frankfurt: 0\s/', $out);

        // The transient failure: the Frankfurt plans untouched, the others updated.
        self::assertStringContainsString('A second cron run reads nothing (0 panel requests)', $out);
        foreach (['VPS-1' => 106, 'VPS-2' => 90, 'VPS-4' => 52, 'VPS-8' => 24] as $name => $qty) {
            self::assertMatchesRegularExpression("/ {$name}\\s+{$qty}\\s+{$qty}\\s+untouched\\s.*HTTP 503/", $out);
        }
        self::assertMatchesRegularExpression('/ VPS-16\s+13\s+7\s+updated/', $out);
        self::assertMatchesRegularExpression('/ VPS-32\s+6\s+3\s+updated/', $out);
        self::assertStringContainsString('8 products: 2 updated, 2 unchanged, 4 untouched, 0 skipped.', $out);
        self::assertStringContainsString('(exit code 1)', $out);
    }

    public function testTheDemoFleetIsInVirtFusionsV7Shapes(): void
    {
        $fleet = require self::FLEET;
        $v7 = json_decode((string) file_get_contents(self::V7), true, 64, JSON_THROW_ON_ERROR)['data'];
        $keys = static fn (array $a): array => array_keys($a);
        $hypervisors = array_merge(...array_map(
            static fn (array $g): array => $g['hypervisors'],
            array_values($fleet['groups'])
        ));
        self::assertCount(6, $hypervisors);
        $localTypes = [];
        foreach ($hypervisors as $entry) {
            $name = $entry['hypervisor']['name'];
            self::assertSame($keys($v7[0]['hypervisor']), $keys($entry['hypervisor']), $name);
            self::assertSame($keys($v7[0]['resources']), $keys($entry['resources']), $name);
            foreach (['servers', 'memory', 'cpuCores', 'localStorage'] as $cell) {
                self::assertSame(
                    $keys($v7[0]['resources'][$cell]),
                    $keys($entry['resources'][$cell]),
                    "{$name} {$cell}"
                );
            }
            foreach ($entry['resources']['otherStorage'] as $pool) {
                self::assertSame(
                    [],
                    array_diff($keys($v7[9]['resources']['otherStorage'][0]), $keys($pool)),
                    "{$name}'s pools have every v7 field"
                );
            }
            self::assertSame(
                ['total' => ['ipv4' => ['free' => $entry['resources']['network']['total']['ipv4']['free']]]],
                $entry['resources']['network']
            );
            $memory = $entry['resources']['memory'];
            self::assertSame($memory['max'] - $memory['allocated'], $memory['free']);
            $localTypes[] = $entry['resources']['localStorage']['storageType'];
        }
        self::assertSame(
            [0, 1],
            array_values(array_unique(array_merge([0, 1], $localTypes))),
            'default mountpoints of type 0 and 1 only'
        );
        self::assertContains(1, $localTypes);
        self::assertContains(0, $localTypes);
        $frankfurt = array_map(
            static fn (array $e): int => $e['resources']['network']['total']['ipv4']['free'],
            $fleet['groups'][2]['hypervisors']
        );
        self::assertGreaterThan(1, count(array_unique($frankfurt)), 'IPv4 free counts differ within a group');
        self::assertContains(0, $frankfurt, 'a hypervisor without a free IPv4 address');
        $servers = array_map(static fn (array $e): int => $e['resources']['servers']['max'], $hypervisors);
        self::assertContains(0, $servers, 'no server limit (v7: max 0)');
        self::assertNotSame([0], array_values(array_unique($servers)), 'and a maxServers limit');
        foreach ($fleet['packages'] as $package) {
            self::assertSame([], array_diff(array_keys(json_decode((string) file_get_contents(dirname(self::V7)
                . '/openapi-v7-package.json'), true)['data']), array_keys($package)), $package['name']);
        }
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
