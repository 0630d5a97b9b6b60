<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\MariaDb;
use VfStock\Tests\Whmcs\Process;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * bin/vfstock, run as an operator runs it: a child `php -d extension=…
 * bin/vfstock …` (or a PHP without the extension) against a SQLite WHMCS
 * database written by the addon's own code, and the simulator.
 *
 * The fleet, worked out by hand. Package 7: 2048 MB, 2 cores, 40 GB on
 * storage type 4 (mountpoint). The default buffer is 10 %: reserve =
 * ceil(max / 10), so memory 32768 keeps 3277, 16 cores keep 2, a 1000 GB
 * pool keeps 100.
 * - group 1:
 *   hv1: memory 32768/20480 → (20480 − 3277) / 2048 = 8; cpu 16/16 → 14 / 2 = 7;
 *        pool 23 (type 4) 1000/600 → 500 / 40 = 12; its local storage is type 0,
 *        not a candidate → fits 7, bound by cpu.
 *   hv2: memory 32768/8192 → 4915 / 2048 = 2; cpu 7; pool 28 1000/1000 → 22
 *        → fits 2, bound by memory.
 *   hv3: memory 32768/32768 → 14; cpu 7; pool 30 1000/200 → 100 / 40 = 2, its
 *        default mountpoint (localStorage, type 4) 500/250 → 200 / 40 = 5: the
 *        best pool → fits 5, bound by storage, pool localStorage.
 *   sum 7 + 2 + 5 = 14; 100 free IPv4 → cap 100 → 14.
 * - group 2: hv4: memory 65536/65536 → 58982 / 2048 = 28; cpu 32/32 → 28 / 2 = 14;
 *   pool 41 2000/2000 → 1800 / 40 = 45 → fits 14 (cpu); 3 free IPv4 → cap 3 → 3.
 *   hv5 is disabled.
 * Product "VPS-A" (group 1, Location 1|London and 2|Paris): 14 + 3 = 17.
 * Product "VPS-B" (group 1, buffer 0 in configoption7): hv1 min(10, 8, 15) = 8,
 *   hv2 min(4, 8, 25) = 4, hv3 min(16, 8, max(5, 6)) = 6 → 18.
 * Product "Gone" (package 404, which does not exist): 0.
 */
final class CliTest extends AddonTestCase
{
    private const BIN = VFSTOCK_ADDON_DIR . '/bin/vfstock';

    private const NO_SCOPE_TOKEN = 'vf-NOSCOPE-token-never-shown-77e1';

    /** The WHMCS stand-ins a SQLite database needs (decrypt(), logModuleCall()), given from outside. */
    private const STANDINS = __DIR__ . '/whmcs/bootstrap.php';

    private const PACKAGE_ID = 7;

    private static string $file = '';

    /** @var array<string, mixed>|null the connection other test classes use, restored at the end */
    private static ?array $previous = null;

    private int $a = 0;

    private int $b = 0;

    private int $gone = 0;

    public static function setUpBeforeClass(): void
    {
        self::$previous = self::$db;
        self::$file = sys_get_temp_dir() . '/vfstock-cli-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sqlite';
        touch(self::$file);
        self::useDatabase(['driver' => 'sqlite', 'database' => self::$file, 'prefix' => '']);
    }

    public static function tearDownAfterClass(): void
    {
        parent::tearDownAfterClass();
        if (self::$previous !== null) {
            self::useDatabase(self::$previous);
        } else {
            self::$db = null;
        }
        foreach ([self::$file, self::$file . '-wal', self::$file . '-shm'] as $f) {
            if (is_file($f)) {
                unlink($f);
            }
        }
    }

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        self::sim()->scenario(self::fleet());
        $this->addServer();
        $this->a = $this->addProduct(['name' => 'VPS-A', 'qty' => 0, 'configoption2' => (string) self::PACKAGE_ID]);
        $this->addOption($this->a, 'Location', ['1|London', '2|Paris']);
        $this->b = $this->addProduct(['name' => 'VPS-B', 'qty' => 999, 'configoption2' => (string) self::PACKAGE_ID,
            'configoption7' => '0']);
        $this->gone = $this->addProduct(['name' => 'Gone', 'qty' => 5, 'configoption2' => '404']);
        $this->addProduct(['name' => 'cPanel plan', 'servertype' => 'cpanel', 'qty' => 3]);
        $this->addProduct(['name' => 'Off', 'stockcontrol' => 0, 'qty' => 4]);
    }

    /** @return array<string, mixed> */
    private static function fleet(): array
    {
        $pool = static fn (int $id, int $max, int $free): array => Fleet::pool(4, $max, $free, ['id' => $id,
            'name' => 'mnt' . $id]);

        return [
            'tokens' => [self::TOKEN => ['compute'], self::NO_SCOPE_TOKEN => []],
            'packages' => [self::PACKAGE_ID => Fleet::package(['id' => self::PACKAGE_ID, 'name' => 'VPS 2G',
                'memory' => 2048, 'cpuCores' => 2, 'primaryStorage' => 40, 'primaryStorageProfile' => 4])],
            'groups' => [
                1 => [
                    self::hv(1, 20480, 16, [], [$pool(23, 1000, 600)]),
                    self::hv(2, 8192, 16, [], [$pool(28, 1000, 1000)]),
                    self::hv(
                        3,
                        32768,
                        16,
                        ['storageType' => 4, 'max' => 500, 'free' => 250, 'name' => 'default'],
                        [$pool(30, 1000, 200)]
                    ),
                ],
                2 => [
                    Fleet::merge(
                        Fleet::hypervisor(4, ['resources' => ['otherStorage' => [$pool(41, 2000, 2000)]]]),
                        Fleet::ipv4Free(3)
                    ),
                    Fleet::hypervisor(5, ['hypervisor' => ['enabled' => false]]),
                ],
            ],
        ];
    }

    /** A group-1 hypervisor: memory max 32768, 16 cores, the given local (over the default) and other storage. */
    private static function hv(int $id, int $memoryFree, int $cpuFree, array $local, array $other): array
    {
        $resources = [
            'memory' => Fleet::cell(32768, $memoryFree),
            'cpuCores' => Fleet::cell(16, $cpuFree),
            'otherStorage' => $other,
        ];
        if ($local !== []) {
            $resources['localStorage'] = $local; // merged over the default (type 0) local storage
        }

        return Fleet::hypervisor($id, ['resources' => $resources]);
    }

    /**
     * Runs bin/vfstock against the test database; the API tokens must never show.
     *
     * @param list<string> $args
     * @param list<string>|null $where `--db …` by default, with the WHMCS stand-ins as VFSTOCK_BOOTSTRAP
     * @param array<string, string> $env more environment
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    private function cli(
        array $args,
        bool $extension = true,
        ?array $where = null,
        array $php = [],
        array $env = []
    ): array {
        if ($where === null) {
            $where = ['--db', 'sqlite:' . self::$file];
            $env += ['VFSTOCK_BOOTSTRAP' => self::STANDINS];
        }
        $command = Process::php(array_merge($php, [self::BIN], $where, $args), $extension);
        $result = Process::run($command, $env + ($extension ? [] : Process::withoutExtensionEnv()), 30.0);
        self::assertFalse($result['timedOut'], 'vfstock ' . implode(' ', $args) . ' timed out');
        self::assertNoToken('vfstock ' . implode(' ', $args), $result['stdout'], $result['stderr']);
        foreach ([$result['stdout'], $result['stderr']] as $text) {
            self::assertStringNotContainsString(self::NO_SCOPE_TOKEN, $text);
        }

        return $result;
    }

    /**
     * @param list<string>|null $where as for cli()
     * @return array<string, mixed> the --json output, which must be a JSON object
     */
    private function json(array $args, int $exit, bool $extension = true, ?array $where = null): array
    {
        $result = $this->cli(array_merge(['--json'], $args), $extension, $where);
        self::assertSame($exit, $result['exit'], $result['stderr'] . $result['stdout']);
        $decoded = json_decode($result['stdout'], true, 64, JSON_THROW_ON_ERROR);
        self::assertIsArray($decoded);

        return $decoded;
    }

    /** @return array<string, mixed> a snapshot of everything the CLI could write */
    private function snapshot(): array
    {
        $rows = [];
        foreach (['tblproducts', Schema::STATE, Schema::HISTORY, Schema::LEASES, 'tblmodulelog'] as $table) {
            $rows[$table] = array_map(static fn (object $r): array => (array) $r, Capsule::table($table)->get()->all());
        }

        return $rows;
    }

    /** @return list<string> the panel paths requested since the last clear */
    private function paths(): array
    {
        return array_map(static fn (array $r): string => $r['path'], $this->panelRequests());
    }

    // ---- help and usage --------------------------------------------------

    public function testHelpListsTheCommandsAndTheExitCodes(): void
    {
        foreach ([['--help'], ['-h'], ['help'], ['refresh', '--help']] as $args) {
            $result = $this->cli($args, true, []);
            self::assertSame(0, $result['exit']);
            $needles = ['status', 'explain', 'refresh', 'check', 'metrics', '--output', '--version', '--bootstrap',
                'VFSTOCK_BOOTSTRAP', '--json', '--whmcs', '--db sqlite:', '--dry-run', '--product', 'Exit codes:'];
            foreach ($needles as $needle) {
                self::assertStringContainsString($needle, $result['stdout']);
            }
            foreach (
                ['0  ok', '1  a check failed', '2  usage error', '3  the vfstock extension is not loaded',
                '4  cannot read the WHMCS configuration'] as $code
            ) {
                self::assertStringContainsString($code, $result['stdout']);
            }
        }
    }

    public function testUsageErrorsExitTwo(): void
    {
        $cases = [
            [[], 'no command given'],
            [['frobnicate'], "unknown command 'frobnicate'"],
            [['status', '--verbose'], 'unknown option --verbose'],
            [['status', '--dry-run'], '--dry-run is an option of `vfstock refresh`'],
            [['check', '--product', '1'], '--product is an option of `vfstock refresh`'],
            [['explain'], 'explain needs one product id'],
            [['explain', '1', '2'], 'explain needs one product id'],
            [['refresh', '--product'], '--product needs a value'],
            [['status', 'extra'], "`vfstock status` takes no argument ('extra')"],
            [['refresh', '3'], 'limit it with --product <id>'],
            [['metrics', '--live'], '--live is an option of `vfstock explain`'],
            [['status', '--output', 'x.prom'], '--output is an option of `vfstock metrics`'],
            [['metrics', 'x.prom'], "`vfstock metrics` takes no argument ('x.prom')"],
            [['metrics', '--output'], '--output needs a value'],
        ];
        foreach ($cases as [$args, $message]) {
            $result = $this->cli($args);
            self::assertSame(2, $result['exit'], implode(' ', $args) . ': ' . $result['stderr']);
            if ($message !== null) {
                self::assertStringContainsString($message, $result['stderr']);
            }
            self::assertStringContainsString('vfstock --help', $result['stderr']);
        }
        $json = $this->json(['frobnicate'], 2);
        // The list of commands grew by `metrics`.
        self::assertSame(['code' => 2, 'message' => "unknown command 'frobnicate': status, explain, refresh, check or"
            . ' metrics'], $json['error']);
    }

    public function testABadProductIdExitsTwo(): void
    {
        foreach (
            [['explain', 'abc'], ['explain', '0'], ['explain', '-3'], ['explain', '1.5'],
            ['refresh', '--product', 'x'], ['refresh', '--product', '1,,2']] as $args
        ) {
            $result = $this->cli($args);
            self::assertSame(2, $result['exit'], implode(' ', $args));
            self::assertStringContainsString('bad product id', $result['stderr']);
            self::assertStringContainsString('a whole number greater than 0', $result['stderr']);
        }
        $result = $this->cli(['explain', '9999']);
        self::assertSame(2, $result['exit']);
        self::assertStringContainsString('there is no product #9999', $result['stderr']);

        $before = $this->snapshot();
        self::sim()->clearRequests();
        $result = $this->cli(['refresh', '--product', $this->a . ',9999']);
        self::assertSame(2, $result['exit']);
        self::assertStringContainsString('bad product id 9999: no such product', $result['stderr']);
        self::assertSame([], $this->panelRequests(), 'nothing was read');
        self::assertSame($before, $this->snapshot(), 'nothing was written');
    }

    // ---- status ----------------------------------------------------------

    public function testStatusListsTheStockControlledProductsWithoutAskingThePanel(): void
    {
        self::sim()->clearRequests();
        $result = $this->cli(['status']);
        self::assertSame(0, $result['exit'], $result['stderr']);
        self::assertSame('', $result['stderr']);
        self::assertStringContainsString('VPS-A', $result['stdout']);
        self::assertStringContainsString('VPS-B', $result['stdout']);
        self::assertStringContainsString('Gone', $result['stdout']);
        self::assertStringNotContainsString('cPanel plan', $result['stdout'], 'not a VirtFusion product');
        self::assertStringNotContainsString('Off', $result['stdout'], 'stock control off');
        self::assertSame(3, substr_count($result['stdout'], 'never checked') - 1, 'three rows and the summary');
        self::assertStringContainsString('3 products: 3 never checked.', $result['stdout']);

        // Exit 1: "Gone" is zeroed (its package is gone), a warning, never a success.
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        self::sim()->clearRequests();
        $json = $this->json(['status'], 1);
        self::assertSame([], $this->panelRequests(), 'status never asks the panel');
        self::assertSame(['command', 'products', 'counts', 'warnings', 'summary'], array_keys($json));
        self::assertSame(['id', 'name', 'qty', 'status', 'reason', 'checkedAt', 'boundBy', 'packageStatus', 'zeroed',
            'stale', 'warning', 'groups', 'perLocation'], array_keys($json['products'][0]));
        $byName = array_column($json['products'], null, 'name');
        self::assertSame(17, $byName['VPS-A']['qty']);
        self::assertSame('updated', $byName['VPS-A']['status']);
        // hv4's own 3 free IPv4 addresses bind it (the per-hypervisor axis), where the group's cap did before;
        // one hypervisor per axis: a tie, so every axis is named, in the spec's order.
        self::assertSame('memory on hv2; cpu on hv1; storage on hv3; ipv4 on hv4', $byName['VPS-A']['boundBy']);
        self::assertSame('London: 14, Paris: 3', $byName['VPS-A']['perLocation']);
        self::assertSame([[1, 'London', 'ok', 14], [2, 'Paris', 'ok', 3]], array_map(
            static fn (array $g): array => [$g['id'], $g['label'], $g['status'], $g['fits']],
            $byName['VPS-A']['groups']
        ));
        self::assertSame(18, $byName['VPS-B']['qty']);
        self::assertSame('memory on hv2; cpu on hv1; storage on hv3', $byName['VPS-B']['boundBy']);
        self::assertSame([false, false, null], [$byName['VPS-B']['zeroed'], $byName['VPS-B']['stale'],
            $byName['VPS-B']['warning']]);
        self::assertSame(0, $byName['Gone']['qty']);
        self::assertSame('package 404 no longer exists on the panel', $byName['Gone']['reason']);
        self::assertSame(['missing', true, 'zeroed: its package is gone from the panel'], [
            $byName['Gone']['packageStatus'], $byName['Gone']['zeroed'], $byName['Gone']['warning']]);
        self::assertEqualsWithDelta(time(), $byName['Gone']['checkedAt'], 30);
        self::assertSame(
            ['updated' => 3, 'unchanged' => 0, 'untouched' => 0, 'skipped' => 0, 'never checked' => 0],
            $json['counts']
        );
        self::assertSame(['zeroed' => 1, 'stale' => 0], $json['warnings']);
    }

    public function testStatusExitsOneWhileAProductIsUntouched(): void
    {
        self::sim()->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $result = $this->cli(['status']);
        self::assertSame(1, $result['exit']);
        self::assertMatchesRegularExpression('/VPS-A\s+0\s+untouched/', $result['stdout']);
        self::assertStringContainsString('HTTP 503', $result['stdout']);
    }

    // ---- refresh ---------------------------------------------------------

    public function testRefreshWritesEveryProductAndSummarises(): void
    {
        $result = $this->cli(['refresh']);
        self::assertSame(1, $result['exit'], 'Gone is zeroed: ' . $result['stderr'] . $result['stdout']);
        self::assertSame('', $result['stderr'], 'no progress line when stderr is not a terminal');
        self::assertSame(17, $this->qty($this->a));
        self::assertSame(18, $this->qty($this->b));
        self::assertSame(0, $this->qty($this->gone));
        self::assertMatchesRegularExpression('/VPS-A\s+0\s+17\s+updated/', $result['stdout']);
        self::assertMatchesRegularExpression('/VPS-B\s+999\s+18\s+updated/', $result['stdout']);
        self::assertStringContainsString(
            '3 products: 3 updated, 0 unchanged, 0 untouched, 0 skipped.',
            $result['stdout']
        );
        self::assertMatchesRegularExpression('/Gone\s+5\s+0\s+updated: ZEROED\s/', $result['stdout']);
        self::assertStringContainsString('WARNING: Gone (#' . $this->gone . ') is ZEROED: its package is gone from the'
            . ' panel', $result['stdout']);
        self::assertSame('updated', $this->state($this->a)?->status, 'the addon\'s records are kept');
        self::assertCount(1, $this->history($this->a));
        self::assertNotSame([], $this->moduleLog('refresh'), 'logged like any refresh');

        // No lease: a second run right away reads the panel again (cached data forgotten).
        self::sim()->clearRequests();
        $json = $this->json(['refresh'], 1);
        self::assertContains('/api/v1/packages/' . self::PACKAGE_ID, $this->paths());
        self::assertContains('/api/v1/compute/hypervisors/groups/1/resources', $this->paths());
        self::assertSame(
            ['command', 'dryRun', 'products', 'counts', 'summary', 'stats', 'warnings'],
            array_keys($json)
        );
        self::assertFalse($json['dryRun']);
        self::assertSame(
            ['id', 'name', 'previous', 'qty', 'status', 'reason', 'boundBy', 'packageStatus', 'zeroed'],
            array_keys($json['products'][0])
        );
        self::assertSame(['zeroed' => [$this->gone], 'noPanel' => []], $json['warnings']);
        self::assertSame(['updated' => 0, 'unchanged' => 3, 'untouched' => 0, 'skipped' => 0], $json['counts']);
        self::assertSame(['requests', 'cacheHits', 'elapsedMs'], array_keys($json['stats']));
        self::assertSame([$this->a, 17, 17, 'unchanged'], [$json['products'][0]['id'], $json['products'][0]['previous'],
            $json['products'][0]['qty'], $json['products'][0]['status']]);
        self::assertSame([], Capsule::table(Schema::LEASES)->get()->all(), 'no lease taken');
    }

    public function testAProgressLineShowsOnlyOnATerminal(): void
    {
        if (!is_executable('/usr/bin/script')) {
            self::markTestSkipped('script(1) is needed to give the CLI a terminal');
        }
        $typescript = sys_get_temp_dir() . '/vfstock-cli-tty-' . getmypid() . '.txt';
        $command = implode(' ', array_map('escapeshellarg', Process::php([self::BIN, '--db', 'sqlite:' . self::$file,
            'refresh'], true)));
        self::sim()->latency(700);
        try {
            $result = Process::run(
                ['/usr/bin/script', '-qfec', $command, $typescript],
                ['VFSTOCK_BOOTSTRAP' => self::STANDINS],
                30.0
            );
            $tty = (string) file_get_contents($typescript);
        } finally {
            self::sim()->latency(0);
            @unlink($typescript);
        }
        self::assertSame(1, $result['exit'], $tty); // Gone is zeroed
        self::assertMatchesRegularExpression('#\r[|/\\\\-] refreshing every product from http://127\.0\.0\.1:\d+/api/v1'
            . ' 0\.[0-9] s #', $tty, 'a spinner with the elapsed time');
        self::assertStringContainsString("\r\033[K", $tty, 'its line is cleared at the end');
        self::assertMatchesRegularExpression('/VPS-A\s+0\s+17\s+updated/', $tty);
        self::assertNoToken('the terminal', $tty);
        self::assertSame(17, $this->qty($this->a));
    }

    public function testRefreshDryRunWritesNothing(): void
    {
        $before = $this->snapshot();
        $result = $this->cli(['refresh', '--dry-run']);
        self::assertSame(1, $result['exit'], 'Gone would be zeroed: ' . $result['stderr']);
        self::assertStringContainsString('Would be', $result['stdout']);
        self::assertStringContainsString('WARNING: Gone (#' . $this->gone . ') would be ZEROED', $result['stdout']);
        self::assertMatchesRegularExpression('/VPS-A\s+0\s+17\s+updated/', $result['stdout']);
        self::assertStringContainsString('Dry run: nothing was written.', $result['stdout']);
        self::assertSame($before, $this->snapshot(), 'no qty, no record, no history, no lease, no log');

        $json = $this->json(['refresh', '--dry-run', '--product', (string) $this->b], 0);
        self::assertTrue($json['dryRun']);
        self::assertSame(18, $json['products'][0]['qty']);
        self::assertSame($before, $this->snapshot());
    }

    public function testProductLimitsTheRun(): void
    {
        self::sim()->clearRequests();
        $json = $this->json(['refresh', '--product', (string) $this->b], 0);
        self::assertSame([$this->b], array_column($json['products'], 'id'));
        self::assertSame(18, $this->qty($this->b));
        self::assertSame(0, $this->qty($this->a), 'not in the run');
        self::assertSame(5, $this->qty($this->gone), 'not in the run');
        self::assertNull($this->state($this->a));
        self::assertNotContains('/api/v1/compute/hypervisors/groups/2/resources', $this->paths(), 'only B\'s group');
        self::assertNotContains('/api/v1/packages/404', $this->paths());

        $json = $this->json(['refresh', '--product=' . $this->a, '--product', $this->gone . ',' . $this->a], 1);
        self::assertSame([$this->a, $this->gone], array_column($json['products'], 'id'));
        self::assertSame(17, $this->qty($this->a));
        self::assertSame(0, $this->qty($this->gone));
    }

    public function testATransientFailureLeavesQtyUntouchedAndExitsOne(): void
    {
        self::assertSame(17, $this->json(['refresh'], 1)['products'][0]['qty']);
        self::sim()->patchGroup(1, [self::hv(1, 20480, 16, [], [Fleet::pool(4, 1000, 600, ['name' => 'mnt23'])])]);
        self::sim()->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);

        $result = $this->cli(['refresh']);
        self::assertSame(1, $result['exit'], 'some product untouched');
        self::assertSame(17, $this->qty($this->a), 'group 2 could not be read: untouched');
        self::assertSame(8, $this->qty($this->b), 'only hv1 is left in group 1 (buffer 0: min(10, 8, 15))');
        self::assertMatchesRegularExpression('/VPS-A\s+17\s+17\s+untouched\s.*HTTP 503/', $result['stdout']);
        self::assertStringContainsString('could not read every group', $result['stdout']);
        self::assertStringContainsString('1 updated, 1 unchanged, 1 untouched', $result['stdout']);
    }

    public function testRefreshWithoutAUsablePanelExitsFour(): void
    {
        Capsule::table('tblservers')->update(['disabled' => 1]);
        $result = $this->cli(['refresh']);
        self::assertSame(4, $result['exit']);
        self::assertStringContainsString('no enabled VirtFusionDirect server', $result['stderr']);

        Capsule::table('tblservers')->update(['disabled' => 0, 'password' => '']);
        $result = $this->cli(['refresh']);
        self::assertSame(4, $result['exit']);
        self::assertStringContainsString('has no API token', $result['stderr']);
    }

    // ---- explain ---------------------------------------------------------

    public function testExplainGivesTheNumbersWorkedOutByHand(): void
    {
        self::assertSame(1, $this->cli(['refresh'])['exit'], 'Gone is zeroed');
        self::sim()->clearRequests();
        $json = $this->json(['explain', (string) $this->a], 0);
        self::assertSame([], $this->panelRequests(), 'from the addon\'s records');
        self::assertSame(['command', 'product', 'result', 'groups', 'locations', 'explanation'], array_keys($json));
        self::assertSame([
            'id' => $this->a, 'name' => 'VPS-A', 'qty' => 17, 'managed' => true, 'packageId' => self::PACKAGE_ID,
            'packageStatus' => 'ok', 'buffer' => 10,
            'bufferSource' => 'the addon\'s setting (the product\'s own, configoption7, is blank)', 'ipv4PerVps' => 1,
        ], $json['product']);
        self::assertSame(['live', 'written', 'qty', 'previous', 'status', 'reason', 'checkedAt', 'boundBy', 'zeroed',
            'stale'], array_keys($json['result']));
        self::assertSame([false, true, 17, 'updated', false, false], [$json['result']['live'],
            $json['result']['written'], $json['result']['qty'], $json['result']['status'], $json['result']['zeroed'],
            $json['result']['stale']]);

        [$g1, $g2] = $json['groups'];
        // The label is the Location's own; `default` says it is configoption1's group.
        self::assertSame(
            [1, 'London', true, 'ok', 14, false, 14, 100, false],
            [$g1['id'], $g1['label'], $g1['default'], $g1['status'], $g1['fits'], $g1['unbounded'], $g1['sum'],
            $g1['ipv4Cap'],
            $g1['ipv4Binds']]
        );
        $axes = static fn (array $hv): array => [$hv['name'], $hv['memory'], $hv['cpu'], $hv['storage'], $hv['fits'],
            $hv['binding'], $hv['pool'], $hv['ipv4Free']];
        self::assertSame([
            ['hv1', 8, 7, 12, 7, 'cpu', 'mnt23', 100],
            ['hv2', 2, 7, 22, 2, 'memory', 'mnt28', 100],
            ['hv3', 14, 7, 5, 5, 'storage', 'localStorage', 100],
        ], array_map($axes, $g1['hypervisors']));
        // hv4's own IPv4 axis (3 free addresses) binds it, so the group's sum is 3 and its cap (3) no longer
        // cuts it: where the group cap held the group down before, the hypervisor's own axis does now.
        self::assertSame([2, 'Paris', 'ok', 3, 3, 3, false], [$g2['id'], $g2['label'], $g2['status'], $g2['fits'],
            $g2['sum'], $g2['ipv4Cap'], $g2['ipv4Binds']]);
        self::assertSame(['hv4', 28, 14, 45, 3, 'ipv4', 'mnt41', 3], $axes($g2['hypervisors'][0]));
        self::assertSame([null, 3], [$g2['hypervisors'][0]['servers'], $g2['hypervisors'][0]['ipv4']]);
        self::assertSame([false, 'disabled'], [$g2['hypervisors'][1]['eligible'], $g2['hypervisors'][1]['skipped']]);

        self::assertSame(
            'qty 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            $json['explanation']
        );
        self::assertSame('group 1 (London, the default group): 7 + 2 + 5 = 14; hv1 bound by cpu, hv2 by memory, hv3'
            . ' by storage; IPv4 not limiting (100 free IPv4 addresses)', $g1['explanation']);
        self::assertSame('group 2 (Paris): 3; hv4 bound by ipv4; hv5 disabled (not counted); the group\'s IPv4 cap'
            . ' does not lower it further (at most 3 free IPv4 addresses on any one hypervisor)', $g2['explanation']);
        self::assertSame(
            [['London', '1|London', 1, true, 'ok', 14], ['Paris', '2|Paris', 2, false, 'ok', 3]],
            array_map(
                static fn (array $l): array => [$l['label'], $l['name'], $l['group'], $l['default'],
                $l['status'],
                $l['fits']],
                $json['locations']
            )
        );

        $text = $this->cli(['explain', (string) $this->a]);
        self::assertSame(0, $text['exit']);
        $flat = (string) preg_replace('/\s+/', ' ', $text['stdout']);
        foreach (
            [
            'Product #' . $this->a . ' VPS-A: qty 17 in WHMCS',
            'Last result: updated at',
            'Safety buffer: 10 % of each resource\'s max is kept free',
            'qty 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            'Group 1 (London, the default group): ok, fits 14',
            // Hypervisor, Memory, CPU, Storage, Pool, Servers, IPv4, Fits, Bound by (servers and ipv4 are new axes)
            'hv1 #1 8 7 12 mnt23 ∞ 100 7 cpu',
            'hv3 #3 14 7 5 localStorage ∞ 100 5 storage',
            'hv4 #4 28 14 45 mnt41 ∞ 3 3 ipv4',
            'hv5 #5 skipped: disabled',
            '7 + 2 + 5 = 14; hv1 bound by cpu, hv2 by memory, hv3 by storage',
            'group 2 (Paris): 3; hv4 bound by ipv4',
            'Per Location',
            'London (default) 1 14',
            'Paris 2 3',
            ] as $needle
        ) {
            self::assertStringContainsString($needle, $flat);
        }

        $b = $this->json(['explain', (string) $this->b], 0);
        self::assertSame([0, 'the product\'s own setting (configoption7)'], [$b['product']['buffer'],
            $b['product']['bufferSource']]);
        self::assertSame([8, 4, 6], array_column($b['groups'][0]['hypervisors'], 'fits'));
        self::assertSame('qty 18 = 18 from group 1 (the default group).', $b['explanation']);

        $gone = $this->json(['explain', (string) $this->gone], 0);
        self::assertSame('qty 0: package 404 no longer exists on the panel.', $gone['explanation']);
        self::assertSame(['missing', true], [$gone['product']['packageStatus'], $gone['result']['zeroed']]);
        $text = $this->cli(['explain', (string) $this->gone]);
        self::assertStringContainsString('WARNING: ZEROED: its package is gone from the panel. The product is off'
            . ' sale (qty 0)', (string) preg_replace('/\s+/', ' ', $text['stdout']));
    }

    public function testExplainLiveRecalculatesWithoutWriting(): void
    {
        $before = $this->snapshot();
        $json = $this->json(['explain', (string) $this->a, '--live'], 0);
        self::assertSame([true, false, 17, 0, 'updated'], [$json['result']['live'], $json['result']['written'],
            $json['result']['qty'], $json['result']['previous'], $json['result']['status']]);
        // Nothing was written, so it says what qty would be.
        self::assertSame(
            'qty would be 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            $json['explanation']
        );
        self::assertSame($before, $this->snapshot());
        self::assertNotSame([], $this->panelRequests());
    }

    public function testExplainLiveSaysWouldBeForWhatItDidNotWrite(): void
    {
        $before = $this->snapshot();
        $text = $this->cli(['explain', (string) $this->a, '--live']);
        self::assertSame(0, $text['exit'], $text['stderr']);
        $flat = (string) preg_replace('/\s+/', ' ', $text['stdout']);
        self::assertStringContainsString('Product #' . $this->a . ' VPS-A: qty 0 in WHMCS', $flat);
        self::assertStringContainsString('Recalculated now from the panel, nothing written: qty would be updated'
            . ' from 0 to 17.', $flat);
        self::assertStringContainsString('qty would be 17 = 14 from group 1', $flat);
        self::assertStringNotContainsString('Last result', $flat);
        self::assertDoesNotMatchRegularExpression('/\b(was|were) (written|updated)\b|\bqty 17 =/', $flat);
        self::assertSame($before, $this->snapshot(), 'nothing written: no qty, record, history, lease or log');

        // A product never checked can be recalculated live; a zeroed one "would be" zeroed.
        $gone = $this->cli(['explain', (string) $this->gone, '--live']);
        $flat = (string) preg_replace('/\s+/', ' ', $gone['stdout']);
        self::assertStringContainsString('qty would be updated from 5 to 0', $flat);
        self::assertStringContainsString('qty would be 0: package 404 no longer exists on the panel.', $flat);
        self::assertStringContainsString('WARNING: it would be ZEROED: its package is gone from the panel', $flat);
        self::assertSame(5, $this->qty($this->gone));

        // Once written, live says it would stay; a transient group, that qty would be kept.
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $flat = (string) preg_replace('/\s+/', ' ', $this->cli(['explain', (string) $this->a, '--live'])['stdout']);
        self::assertStringContainsString('nothing written: qty would stay 17 (unchanged).', $flat);
        self::sim()->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);
        $flat = (string) preg_replace('/\s+/', ' ', $this->cli(['explain', (string) $this->a, '--live'])['stdout']);
        self::assertStringContainsString('nothing written: qty would be left at 17 (untouched).', $flat);
        self::assertStringContainsString('qty would be kept at 17 (untouched): could not read every group', $flat);
        self::assertSame('updated', $this->state($this->a)?->status, 'the stored result is the refresh\'s');
    }

    public function testExplainHasNothingToExplainForAProductNeverCheckedOrNotManaged(): void
    {
        $result = $this->cli(['explain', (string) $this->a]);
        self::assertSame(1, $result['exit']);
        self::assertStringContainsString('has never been checked by vfstock', $result['stdout']);
        self::assertStringContainsString('vfstock refresh --product ' . $this->a, $result['stdout']);

        $off = (int) Capsule::table('tblproducts')->where('name', 'Off')->value('id');
        $result = $this->cli(['explain', (string) $off]);
        self::assertSame(1, $result['exit']);
        self::assertStringContainsString('is not managed by vfstock: stock control is off', $result['stdout']);
        $json = $this->json(['explain', (string) $off, '--live'], 1);
        self::assertFalse($json['product']['managed']);
        self::assertNull($json['result']);
    }

    // ---- status warnings ---------------------------------------------------

    public function testStatusWarnsForAZeroedProductAndExitsOne(): void
    {
        $fleet = self::fleet();
        $fleet['packages'][8] = Fleet::package(['id' => 8, 'enabled' => false]);
        self::sim()->scenario($fleet);
        $disabled = $this->addProduct(['name' => 'Disabled', 'qty' => 4, 'configoption2' => '8']);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $result = $this->cli(['status']);
        self::assertSame(1, $result['exit'], 'a zeroed product is a warning, not a success');
        self::assertMatchesRegularExpression('/Gone\s+0\s+updated: ZEROED\s/', $result['stdout']);
        self::assertMatchesRegularExpression('/Disabled\s+0\s+updated: ZEROED\s/', $result['stdout']);
        $flat = (string) preg_replace('/\s+/', ' ', $result['stdout']);
        self::assertStringContainsString('WARNING: Gone (#' . $this->gone . ') is ZEROED: its package is gone from'
            . ' the panel. It is off sale (qty 0)', $flat);
        self::assertStringContainsString('WARNING: Disabled (#' . $disabled . ') is ZEROED: its package is disabled on'
            . ' the panel.', $flat);
        self::assertMatchesRegularExpression('/VPS-A\s+17\s+updated\s/', $result['stdout'], 'the others are fine');

        // Zeroed again on the next run (unchanged at 0): still a warning.
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $json = $this->json(['status'], 1);
        $byName = array_column($json['products'], null, 'name');
        self::assertSame(['unchanged', true, 'zeroed: its package is disabled on the panel'], [
            $byName['Disabled']['status'], $byName['Disabled']['zeroed'], $byName['Disabled']['warning']]);
        self::assertSame(['zeroed' => 2, 'stale' => 0], $json['warnings']);
    }

    public function testStatusFlagsAStaleProduct(): void
    {
        $this->setting('staleHours', '1');
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        self::sim()->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $json = $this->json(['status'], 1);
        self::assertFalse(array_column($json['products'], null, 'name')['VPS-A']['stale'], 'untouched, not stale yet');

        // Its last computed result is two hours old now.
        Capsule::table(Schema::STATE)->where('product_id', $this->a)
            ->update(['ok_at' => time() - 7200, 'changed_at' => time() - 7200]);
        $result = $this->cli(['status']);
        self::assertSame(1, $result['exit']);
        self::assertMatchesRegularExpression('/VPS-A\s+17\s+untouched: STALE\s/', $result['stdout']);
        self::assertStringContainsString('STALE: VPS-A (#' . $this->a . ') has not been recalculated for more than 1'
            . ' hour: the panel cannot be read', (string) preg_replace('/\s+/', ' ', $result['stdout']));
        $json = $this->json(['status'], 1);
        $a = array_column($json['products'], null, 'name')['VPS-A'];
        self::assertSame(
            [true, false, 'stale: not recalculated for more than 1 hour, the panel cannot be read'],
            [$a['stale'], $a['zeroed'], $a['warning']]
        );
        self::assertSame(['zeroed' => 1, 'stale' => 1], $json['warnings']);
        self::assertSame([1, 0], [$this->metric('vfstock_product_stale', $this->a),
            $this->metric('vfstock_product_stale', $this->b)]);
        $explain = $this->json(['explain', (string) $this->a], 0);
        self::assertTrue($explain['result']['stale']);
    }

    // ---- explain: Locations and pending orders -----------------------------

    public function testExplainShowsEachLocationsOwnFitsAndThePendingReservations(): void
    {
        // Four pending orders of VPS-A in Paris, whose hypervisor has 3 free IPv4 addresses of its own.
        $paris = Capsule::table('tblproductconfigoptionssub')->where('optionname', '2|Paris')->first();
        for ($i = 0; $i < 4; $i++) {
            $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending',
                'date' => date('Y-m-d H:i:s')]);
            $service = (int) Capsule::table('tblhosting')->insertGetId(['orderid' => $order, 'packageid' => $this->a,
                'domain' => '', 'domainstatus' => 'Pending']);
            Capsule::table('tblhostingconfigoptions')->insert(['relid' => $service, 'configid' => $paris->configid,
                'optionid' => $paris->id]);
        }
        // A product whose Location option has a sub-option that names no group.
        $c = $this->addProduct(['name' => 'VPS-C', 'configoption2' => (string) self::PACKAGE_ID]);
        $this->addOption($c, 'Location', ['1|London', 'Mars|Coming soon']);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        self::assertSame(14, $this->qty($this->a), '14 in London, nothing left in Paris');

        $json = $this->json(['explain', (string) $this->a], 0);
        [$london, $paris] = $json['groups'];
        self::assertSame([14, 0, 0], [$london['fits'], $london['reserved'], $london['unplaced']]);
        self::assertSame([0, 3, 1], [$paris['fits'], $paris['reserved'], $paris['unplaced']]);
        self::assertStringEndsWith('; 3 VPSes of pending orders (sold, not yet on the panel) set aside first, 1'
            . ' pending VPS no longer fits', $paris['explanation']);
        self::assertSame([['London', 1, 14, 0, 0], ['Paris', 2, 0, 3, 1]], array_map(
            static fn (array $l): array => [$l['label'], $l['group'], $l['fits'], $l['reserved'], $l['unplaced']],
            $json['locations']
        ));

        $flat = (string) preg_replace('/\s+/', ' ', $this->cli(['explain', (string) $this->a])['stdout']);
        foreach (
            [
            'qty 14 = 14 from group 1 (London, the default group) + 0 from group 2 (Paris).',
            'Per Location (a customer orders in one of them; each holds only its own room):',
            'Location Group Fits Pending orders',
            'London (default) 1 14',
            'Paris 2 0 3 reserved, 1 no longer fits',
            'Pending orders: VPSes sold but not yet on the panel. They are reserved first, so Fits counts only what'
                . ' is left',
            'Group 2 (Paris): ok, fits 0',
            ] as $needle
        ) {
            self::assertStringContainsString($needle, $flat);
        }

        $status = $this->json(['status'], 1);
        $a = array_column($status['products'], null, 'name')['VPS-A'];
        self::assertSame('London: 14, Paris: 0', $a['perLocation']);
        self::assertSame([2, 0, 3, 1], array_values(array_intersect_key(
            $a['groups'][1],
            ['id' => 1, 'fits' => 1, 'reserved' => 1, 'unplaced' => 1]
        )));
        self::assertSame([3, 1], [$this->metric('vfstock_group_reserved', $this->a, 2),
            $this->metric('vfstock_group_unplaced', $this->a, 2)]);

        $flat = (string) preg_replace('/\s+/', ' ', $this->cli(['explain', (string) $c])['stdout']);
        self::assertStringContainsString('Coming soon — not counted: its value is not a hypervisor group id', $flat);
    }

    public function testASharedIpv4PoolCapsTheGroup(): void
    {
        // Paris as one shared pool: two hypervisors each report the same 3 free addresses; each fits 3 on its
        // own, together 6, and the pool caps the group at 3.
        $pool = static fn (int $id): array => ['resources' => ['otherStorage' => [Fleet::pool(
            4,
            2000,
            2000,
            ['id' => $id, 'name' => 'mnt' . $id]
        )]]];
        self::sim()->patchGroup(2, [
            Fleet::merge(Fleet::hypervisor(4, $pool(41)), Fleet::ipv4Free(3)),
            Fleet::merge(Fleet::hypervisor(6, $pool(46)), Fleet::ipv4Free(3)),
        ]);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $json = $this->json(['explain', (string) $this->a], 0);
        $g2 = $json['groups'][1];
        self::assertSame([3, 6, 3, true], [$g2['fits'], $g2['sum'], $g2['ipv4Cap'], $g2['ipv4Binds']]);
        self::assertSame('group 2 (Paris): 3 + 3 = 6; hv4 and hv6 bound by ipv4; capped by 3 free IPv4 addresses'
            . ' → 3', $g2['explanation']);
        self::assertStringEndsWith('; IPv4 in Paris', (string) $json['result']['boundBy']);
        self::assertSame(17, $this->qty($this->a));
    }

    // ---- metrics ---------------------------------------------------------

    /**
     * OpenMetrics text parsed back, strictly: families declared once (TYPE, then UNIT and HELP), their samples
     * together right after, label values unescaped, `# EOF` last.
     *
     * @return array<string, array{type: string, help: ?string, unit: ?string,
     *                             samples: list<array{labels: array<string, string>, value: float}>}>
     */
    private static function parseMetrics(string $text): array
    {
        self::assertStringEndsWith("\n# EOF\n", $text);
        $lines = explode("\n", substr($text, 0, -strlen("# EOF\n") - 1));
        $families = [];
        $current = null;
        foreach ($lines as $n => $line) {
            if (preg_match('/^# (TYPE|UNIT|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/', $line, $m) === 1) {
                [, $what, $name, $rest] = $m;
                if ($what === 'TYPE') {
                    self::assertArrayNotHasKey($name, $families, "{$name} is declared once, its samples together");
                    self::assertSame('gauge', $rest, 'the textfile collector reads only the classic types');
                    $families[$name] = ['type' => $rest, 'help' => null, 'unit' => null, 'samples' => []];
                    $current = $name;
                    continue;
                }
                self::assertSame($current, $name, "line {$n}: {$what} of the family being declared");
                self::assertSame([], $families[$name]['samples'], "line {$n}: descriptors before samples");
                $families[$name][strtolower($what)] = $rest;
                if ($what === 'UNIT') {
                    self::assertStringEndsWith('_' . $rest, $name, 'a unit is the name\'s suffix');
                } else {
                    self::assertDoesNotMatchRegularExpression('/(?<!\\\\)"/', $rest, 'HELP escapes quotes');
                }
                continue;
            }
            self::assertMatchesRegularExpression(
                '/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/',
                $line,
                "line {$n} is a sample: {$line}"
            );
            preg_match('/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/', $line, $m);
            [, $name, $labelText, $value] = $m + [3 => ''];
            self::assertSame($current, $name, "line {$n}: a sample of the family just declared");
            $labels = [];
            $rest = (string) $labelText;
            while ($rest !== '') {
                self::assertMatchesRegularExpression(
                    '/^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\n]|\\\\[\\\\"n])*)"(,|$)/',
                    $rest,
                    "line {$n}: well-formed labels"
                );
                preg_match('/^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\n]|\\\\[\\\\"n])*)"(,|$)/', $rest, $l);
                $labels[$l[1]] = (string) preg_replace_callback(
                    '/\\\\([\\\\"n])/',
                    static fn (array $e): string => $e[1] === 'n' ? "\n" : $e[1],
                    $l[2]
                );
                $rest = (string) substr($rest, strlen($l[0]));
            }
            self::assertMatchesRegularExpression('/^([+-]?\d+(\.\d+)?([eE][+-]?\d+)?|[+-]Inf|NaN)$/', $value);
            $families[$name]['samples'][] = ['labels' => $labels, 'value' => match ($value) {
                '+Inf' => INF,
                '-Inf' => - INF,
                'NaN' => NAN,
                default => (float) $value,
            }];
        }

        return $families;
    }

    /** One sample's value of `vfstock metrics` for a product (and group), or null when absent. */
    private function metric(string $family, int $productId, ?int $group = null): int|float|null
    {
        $result = $this->cli(['metrics']);
        self::assertSame(0, $result['exit'], $result['stderr']);
        foreach (self::parseMetrics($result['stdout'])[$family]['samples'] ?? [] as $sample) {
            if (
                $sample['labels']['product_id'] === (string) $productId
                && ($group === null || $sample['labels']['group'] === (string) $group)
            ) {
                $value = $sample['value'];

                return is_finite($value) && floor($value) === $value ? (int) $value : $value;
            }
        }

        return null;
    }

    public function testMetricsAreOpenMetricsFromTheStoredState(): void
    {
        $before = self::parseMetrics($this->cli(['metrics'])['stdout']);
        $statuses = array_filter(
            $before['vfstock_product_status']['samples'],
            static fn (array $s): bool => $s['value'] === 1.0
        );
        self::assertSame(['never_checked'], array_values(array_unique(array_map(
            static fn (array $s): string => $s['labels']['status'],
            $statuses
        ))));
        self::assertSame([], $before['vfstock_product_result_age_seconds']['samples'], 'no result yet, no age');

        self::assertSame(1, $this->cli(['refresh'])['exit']);
        // A name that needs escaping.
        $odd = "VPS \"B\" \\ 2\nline";
        Capsule::table('tblproducts')->where('id', $this->b)->update(['name' => $odd]);
        self::sim()->clearRequests();
        $result = $this->cli(['metrics']);
        self::assertSame(0, $result['exit'], $result['stderr']);
        self::assertSame('', $result['stderr']);
        self::assertSame([], $this->panelRequests(), 'metrics never ask the panel');
        self::assertStringContainsString('product="VPS \"B\" \\\\ 2\nline"', $result['stdout']);
        $m = self::parseMetrics($result['stdout']);
        self::assertSame(['vfstock_build', 'vfstock_product_qty', 'vfstock_product_status', 'vfstock_product_zeroed',
            'vfstock_product_stale', 'vfstock_product_result_age_seconds', 'vfstock_product_result_timestamp_seconds',
            'vfstock_group_fits', 'vfstock_group_reserved', 'vfstock_group_unplaced'], array_keys($m));
        foreach ($m as $name => $family) {
            self::assertNotNull($family['help'], "{$name} has HELP");
        }
        self::assertSame('seconds', $m['vfstock_product_result_age_seconds']['unit']);
        self::assertSame(
            [['addon' => Schema::VERSION, 'extension' => phpversion('vfstock')]],
            array_column($m['vfstock_build']['samples'], 'labels')
        );

        $by = static function (array $family, array $labels): array {
            $out = [];
            foreach ($family['samples'] as $s) {
                $out[implode('|', array_map(static fn (string $l): string => $s['labels'][$l], $labels))] = $s['value'];
            }

            return $out;
        };
        $ids = [$this->a, $this->b, $this->gone];
        $qty = [];
        foreach ($ids as $id) {
            $qty[$id . '|' . Capsule::table('tblproducts')->where('id', $id)->value('name')] = (float) $this->qty($id);
        }
        self::assertSame($qty, $by($m['vfstock_product_qty'], ['product_id', 'product']), 'qty as WHMCS has it');
        self::assertSame([17.0, 18.0, 0.0], array_values($qty));
        $status = $by($m['vfstock_product_status'], ['product_id', 'status']);
        self::assertCount(3 * 5, $status, 'every status of every managed product, 1 for its own');
        self::assertSame([1.0, 0.0, 1.0, 0.0], [$status[$this->a . '|updated'], $status[$this->a . '|untouched'],
            $status[$this->gone . '|updated'], $status[$this->gone . '|never_checked']]);
        self::assertSame(
            [$this->a => 0.0, $this->b => 0.0, $this->gone => 1.0],
            $by($m['vfstock_product_zeroed'], ['product_id'])
        );
        self::assertSame(
            [$this->a => 0.0, $this->b => 0.0, $this->gone => 0.0],
            $by($m['vfstock_product_stale'], ['product_id'])
        );
        foreach ($ids as $id) {
            $checked = (int) $this->state($id)?->checked_at;
            $at = $by($m['vfstock_product_result_timestamp_seconds'], ['product_id']);
            self::assertSame((float) $checked, $at[$id]);
            self::assertEqualsWithDelta(time() - $checked, $by(
                $m['vfstock_product_result_age_seconds'],
                ['product_id']
            )[$id], 5);
        }
        // Each group's own fits, with its Location; Gone has no group (its package is gone).
        self::assertSame([
            $this->a . '|1|London' => 14.0, $this->a . '|2|Paris' => 3.0, $this->b . '|1|' => 18.0,
        ], $by($m['vfstock_group_fits'], ['product_id', 'group', 'location']));
        self::assertSame([0.0, 0.0, 0.0], array_values($by($m['vfstock_group_reserved'], ['product_id', 'group'])));

        // A group that cannot be read has no fits sample (never a made-up 0).
        self::sim()->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        self::assertNull($this->metric('vfstock_group_fits', $this->a, 2));
        self::assertSame(14, $this->metric('vfstock_group_fits', $this->a, 1));

        $json = $this->json(['metrics'], 0);
        self::assertSame(['command', 'output', 'families', 'samples', 'text'], array_keys($json));
        self::assertSame(10, $json['families']);
        self::assertStringEndsWith("# EOF\n", $json['text']);
    }

    public function testMetricsOutputIsWrittenAtomically(): void
    {
        self::assertSame(1, $this->cli(['refresh'])['exit']);
        $dir = sys_get_temp_dir() . '/vfstock-cli-prom-' . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir($dir);
        $file = $dir . '/vfstock.prom';
        try {
            file_put_contents($file, "# an older run\n");
            $inode = fileinode($file);
            $result = $this->cli(['metrics', '--output', $file]);
            self::assertSame(0, $result['exit'], $result['stderr']);
            self::assertSame('', $result['stdout'], 'quiet on success, as a cron job should be');
            clearstatcache();
            self::assertNotSame($inode, fileinode($file), 'a new file renamed over the old one, not rewritten');
            self::assertSame(
                ['vfstock.prom'],
                array_values(array_diff(scandir($dir) ?: [], ['.', '..'])),
                'no temporary file left behind'
            );
            self::assertSame(0644, fileperms($file) & 0777, 'readable by the collector\'s user');
            $written = (string) file_get_contents($file);
            $ageless = static fn (string $t): string => (string) preg_replace(
                '/^vfstock_product_result_age_seconds.*$/m',
                '',
                $t
            );
            self::assertSame($ageless($this->cli(['metrics'])['stdout']), $ageless($written));
            self::assertArrayHasKey('vfstock_group_fits', self::parseMetrics($written));

            $json = $this->json(['metrics', '--output', $file], 0);
            self::assertSame(['command' => 'metrics', 'output' => $file], array_slice($json, 0, 2));
            self::assertArrayNotHasKey('text', $json);
            self::assertGreaterThan(20, $json['samples']);

            $cases = [[$dir . '/missing/vfstock.prom', $dir . '/missing is not a folder'], [$dir, 'it is a folder']];
            foreach ($cases as [$bad, $why]) {
                $result = $this->cli(['metrics', '--output', $bad]);
                self::assertSame(1, $result['exit']);
                self::assertStringContainsString("cannot write {$bad}: {$why}", $result['stderr']);
            }
            self::assertSame(['vfstock.prom'], array_values(array_diff(scandir($dir) ?: [], ['.', '..'])));
        } finally {
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }

    // ---- --version and the bootstrap file ------------------------------

    public function testVersionPrintsTheAddonsAndTheExtensionsVersion(): void
    {
        foreach ([['--version'], ['-V'], ['status', '--version']] as $args) {
            // It reads no database: a WHMCS root that does not exist does not matter.
            $result = $this->cli($args, true, ['--whmcs', '/nonexistent']);
            self::assertSame(0, $result['exit'], $result['stderr']);
            self::assertStringContainsString('vfstock addon ' . Schema::VERSION . "\n", $result['stdout']);
            self::assertStringContainsString(
                'vfstock extension ' . phpversion('vfstock') . ' (PHP ' . PHP_VERSION,
                $result['stdout']
            );
        }
        $result = $this->cli(['--version'], false, []);
        self::assertSame(0, $result['exit']);
        self::assertStringContainsString('vfstock extension: not loaded', $result['stdout']);
        $json = $this->json(['--version'], 0, true, []);
        self::assertSame(['command' => 'version', 'addon' => Schema::VERSION,
            'extension' => ['loaded' => true, 'version' => phpversion('vfstock')]], array_slice($json, 0, 3));
    }

    public function testTheWhmcsStandInsOfASqliteDatabaseAreGivenFromOutside(): void
    {
        $sqlite = ['--db', 'sqlite:' . self::$file];
        $result = $this->cli(['refresh'], true, $sqlite);
        self::assertSame(4, $result['exit'], 'without WHMCS\'s decrypt() the token cannot be read');
        $flat = (string) preg_replace('/\s+/', ' ', $result['stderr']);
        self::assertStringContainsString('only WHMCS can decrypt it', $flat);
        self::assertStringContainsString('--bootstrap FILE', $flat);
        self::assertSame(0, $this->qty($this->a));
        self::assertSame(0, $this->cli(['status'], true, $sqlite)['exit'], 'status needs none of it');

        $result = $this->cli(['--bootstrap', self::STANDINS, 'refresh'], true, $sqlite);
        self::assertSame(1, $result['exit'], 'Gone is zeroed: ' . $result['stderr']);
        self::assertSame(17, $this->qty($this->a));

        foreach (
            [[['--bootstrap', '/nonexistent/boot.php'], [], '--bootstrap'],
            [[], ['VFSTOCK_BOOTSTRAP' => '/nonexistent/boot.php'], 'VFSTOCK_BOOTSTRAP']] as [$args, $env, $source]
        ) {
            $result = $this->cli(array_merge($args, ['status']), true, $sqlite, [], $env);
            self::assertSame(4, $result['exit']);
            self::assertStringContainsString("cannot load the bootstrap file /nonexistent/boot.php ({$source}): no"
                . ' such file', $result['stderr']);
        }
    }

    // ---- check -----------------------------------------------------------

    public function testCheckReportsTheExtensionAndEveryServer(): void
    {
        $this->addServer(['name' => 'Old panel', 'active' => 0, 'disabled' => 1]);
        $result = $this->cli(['check']);
        self::assertSame(0, $result['exit'], $result['stdout']);
        self::assertStringContainsString(
            'Extension: vfstock ' . phpversion('vfstock') . ' is loaded.',
            $result['stdout']
        );
        self::assertStringContainsString('the addon\'s tables are there', $result['stdout']);
        self::assertStringContainsString(self::sim()->url(), $result['stdout']);
        self::assertStringContainsString('ok: connected', $result['stdout']);
        self::assertStringContainsString('disabled: not used, not checked', $result['stdout']);
        self::assertStringContainsString('Everything checks out.', $result['stdout']);
        // Which PHP this is, and that PHP-FPM (the web side) has its own php.ini to check too.
        self::assertStringContainsString('PHP: ' . PHP_VERSION . ' (cli SAPI), ' . PHP_BINARY, $result['stdout']);
        self::assertStringContainsString('php.ini: ', $result['stdout']);
        self::assertStringContainsString(
            'PHP-FPM, which serves WHMCS\'s pages and checkout, has its own php.ini',
            (string) preg_replace('/\s+/', ' ', $result['stdout'])
        );

        $json = $this->json(['check'], 0);
        self::assertSame(['command', 'ok', 'extension', 'database', 'servers', 'php'], array_keys($json));
        self::assertSame(['loaded' => true, 'version' => phpversion('vfstock')], $json['extension']);
        self::assertSame(['connection', 'addonTables'], array_keys($json['database']));
        self::assertTrue($json['database']['addonTables']);
        self::assertSame(
            ['id', 'name', 'url', 'default', 'disabled', 'ok', 'status', 'error', 'used', 'products'],
            array_keys($json['servers'][0])
        );
        self::assertSame([true, 200, null, true], [$json['servers'][0]['ok'], $json['servers'][0]['status'],
            $json['servers'][0]['error'], $json['servers'][0]['used']]);
        self::assertSame(
            [$this->a, $this->b, $this->gone],
            $json['servers'][0]['products'],
            'the stock-controlled products read from it'
        );
        self::assertSame([true, null, false], [$json['servers'][1]['disabled'], $json['servers'][1]['ok'],
            $json['servers'][1]['used']]);
        self::assertSame(
            ['sapi' => 'cli', 'binary' => PHP_BINARY, 'version' => PHP_VERSION],
            array_intersect_key($json['php'], ['sapi' => 1, 'binary' => 1, 'version' => 1])
        );
    }

    public function testCheckWithATokenLackingTheComputeScopeExitsOne(): void
    {
        Capsule::table('tblservers')->update(['password' => encrypt(self::NO_SCOPE_TOKEN)]);
        $result = $this->cli(['check']);
        self::assertSame(1, $result['exit'], $result['stdout']);
        self::assertStringContainsString('FAILED', $result['stdout']);
        self::assertStringContainsString('compute read scope', $result['stdout']);
        self::assertStringContainsString('A check failed', $result['stdout']);

        $json = $this->json(['check'], 1);
        self::assertFalse($json['ok']);
        self::assertFalse($json['servers'][0]['ok']);
        self::assertContains($json['servers'][0]['status'], [401, 403]);
        self::assertStringContainsString('compute read scope', (string) $json['servers'][0]['error']);
    }

    public function testCheckFailsWithoutTheAddonTablesOrAnyServer(): void
    {
        Schema::drop();
        Capsule::table('tblservers')->delete();
        $result = $this->cli(['check']);
        self::assertSame(1, $result['exit']);
        self::assertStringContainsString('the addon\'s tables are MISSING', $result['stdout']);
        self::assertStringContainsString('VirtFusion servers: none', $result['stdout']);
    }

    // ---- the extension ---------------------------------------------------

    public function testWithoutTheExtensionRefreshAndCheckExitThree(): void
    {
        $result = $this->cli(['refresh'], false);
        self::assertSame(3, $result['exit'], $result['stderr'] . $result['stdout']);
        self::assertStringContainsString('needs the vfstock PHP extension, which is not loaded', $result['stderr']);
        self::assertStringContainsString('extension=vfstock', $result['stderr']);
        self::assertSame(0, $this->qty($this->a), 'nothing written');

        self::assertSame(3, $this->cli(['explain', (string) $this->a, '--live'], false)['exit']);

        $result = $this->cli(['check'], false);
        self::assertSame(3, $result['exit']);
        self::assertStringContainsString('Extension: NOT loaded', $result['stdout']);
        self::assertStringContainsString('not checked: needs the vfstock extension', $result['stdout']);
        $json = $this->json(['check'], 3, false);
        self::assertSame(['loaded' => false, 'version' => null], $json['extension']);

        $status = $this->cli(['status'], false);
        self::assertSame(0, $status['exit'], 'status only reads the database');
        self::assertStringContainsString('VPS-A', $status['stdout']);
    }

    // ---- finding WHMCS ---------------------------------------------------

    public function testAnUnreadableConfigurationExitsFour(): void
    {
        $dir = sys_get_temp_dir() . '/vfstock-cli-root-' . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir($dir);
        try {
            $cases = [
                [['--whmcs', $dir . '/nope'], 'is not a folder'],
                [['--whmcs', $dir], 'no init.php or configuration.php in'],
                [['--db', 'sqlite:' . $dir . '/missing.sqlite'], 'no such file'],
            ];
            foreach ($cases as [$where, $message]) {
                $result = $this->cli(['status'], true, $where);
                self::assertSame(4, $result['exit'], $result['stderr']);
                self::assertStringContainsString($message, $result['stderr']);
            }

            touch($dir . '/empty.sqlite');
            $result = $this->cli(['status'], true, ['--db', 'sqlite:' . $dir . '/empty.sqlite']);
            self::assertSame(4, $result['exit']);
            self::assertStringContainsString('not a WHMCS database', $result['stderr']);

            file_put_contents($dir . '/configuration.php', "<?php\n\$db_host = 'localhost'\n\$broken = ;\n");
            $result = $this->cli(['status'], true, ['--whmcs', $dir]);
            self::assertSame(4, $result['exit']);
            self::assertStringContainsString('cannot read the WHMCS configuration', $result['stderr']);

            file_put_contents($dir . '/configuration.php', "<?php\n\$db_host = 'localhost';\n");
            $result = $this->cli(['status'], true, ['--whmcs', $dir]);
            self::assertSame(4, $result['exit']);
            self::assertStringContainsString('$db_username, $db_name not set', $result['stderr']);

            $password = 'db-Pa55word-never-shown';
            file_put_contents($dir . '/configuration.php', "<?php\n\$db_host = '127.0.0.1';\n\$db_port = '1';\n"
                . "\$db_username = 'whmcs';\n\$db_password = '{$password}';\n\$db_name = 'whmcs';\n");
            $json = $this->json(['status'], 4, true, ['--whmcs', $dir]);
            self::assertSame(4, $json['error']['code']);
            self::assertStringContainsString('cannot connect to the WHMCS database', $json['error']['message']);
            self::assertStringNotContainsString($password, json_encode($json, JSON_THROW_ON_ERROR));
        } finally {
            foreach (glob($dir . '/*') ?: [] as $file) {
                unlink($file);
            }
            rmdir($dir);
        }
    }

    public function testItFindsWhmcsFourLevelsUpAndRequiresItsInitPhp(): void
    {
        $root = sys_get_temp_dir() . '/vfstock-cli-whmcs-' . getmypid() . '-' . bin2hex(random_bytes(3));
        $addon = $root . '/modules/addons/vfstock';
        mkdir($addon . '/bin', 0777, true);
        copy(self::BIN, $addon . '/bin/vfstock');
        exec(
            'cp -R ' . escapeshellarg(VFSTOCK_ADDON_DIR . '/lib') . ' ' . escapeshellarg($addon . '/lib'),
            $out,
            $copied
        );
        self::assertSame(0, $copied, 'lib/ and its sub-folders copied');
        // A WHMCS whose init.php brings Capsule and decrypt(): the stand-ins over the test database,
        // told which copy of the addon's classes the running bin/vfstock has loaded.
        file_put_contents($root . '/init.php', '<?php' . "\n"
            . 'define(\'VFSTOCK_ADDON_DIR\', dirname((new \ReflectionClass('
            . '\WHMCS\Module\Addon\VfStock\Autoload::class))->getFileName(), 2));' . "\n"
            . 'require ' . var_export(__DIR__ . '/whmcs/bootstrap.php', true) . ";\n"
            . '\VfStock\Tests\Whmcs\StandIn::connect(' . var_export(self::$db, true) . ");\n");
        try {
            $result = Process::run(Process::php([$addon . '/bin/vfstock', 'refresh'], true), [], 30.0);
            self::assertSame(1, $result['exit'], 'Gone is zeroed: ' . $result['stderr'] . $result['stdout']);
            self::assertSame(17, $this->qty($this->a));

            $result = $this->cli(['status'], true, ['--whmcs', $root]);
            self::assertSame(1, $result['exit'], 'Gone is zeroed: ' . $result['stderr']);
            self::assertStringContainsString('WHMCS at ' . realpath($root), $result['stdout']);
            self::assertMatchesRegularExpression('/VPS-A\s+17\s+updated/', $result['stdout']);
        } finally {
            exec('rm -rf ' . escapeshellarg($root));
        }
    }

    public function testWithOnlyConfigurationPhpItConnectsToMysqlItself(): void
    {
        $sqlite = self::$db;
        $mysql = MariaDb::config();
        self::useDatabase($mysql);
        $root = sys_get_temp_dir() . '/vfstock-cli-conf-' . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir($root);
        try {
            parent::setUp();
            $this->addServer();
            $p = $this->addProduct(['name' => 'On MariaDB', 'qty' => 7]);
            file_put_contents($root . '/configuration.php', "<?php\n\$license = 'x';\n\$db_host = 'localhost';\n"
                . "\$db_port = '';\n\$db_username = 'root';\n\$db_password = '';\n\$db_name = 'whmcs_test';\n"
                . "\$cc_encryption_hash = 'not-used';\n\$mysql_charset = 'utf8mb4';\n");
            $socket = ['-d', 'pdo_mysql.default_socket=' . $mysql['unix_socket']];

            $result = $this->cli(['status'], true, ['--whmcs', $root], $socket);
            self::assertSame(0, $result['exit'], $result['stderr']);
            self::assertMatchesRegularExpression('/' . $p . '\s+On MariaDB\s+7\s+never checked/', $result['stdout']);

            $result = $this->cli(['refresh'], true, ['--whmcs', $root], $socket);
            self::assertSame(4, $result['exit'], 'the token cannot be decrypted without WHMCS');
            self::assertStringContainsString(
                'WHMCS stores it encrypted and only WHMCS can decrypt it',
                $result['stderr']
            );
            self::assertSame(7, $this->qty($p));
        } finally {
            StandIn::reset();
            self::useDatabase($sqlite);
            unlink($root . '/configuration.php');
            rmdir($root);
        }
    }
}
