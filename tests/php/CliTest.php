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
                    self::hv(3, 32768, 16, ['storageType' => 4, 'max' => 500, 'free' => 250, 'name' => 'default'],
                        [$pool(30, 1000, 200)]),
                ],
                2 => [
                    Fleet::merge(Fleet::hypervisor(4, ['resources' => ['otherStorage' => [$pool(41, 2000, 2000)]]]),
                        Fleet::ipv4Free(3)),
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
     * @param list<string>|null $where `--db …` by default
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    private function cli(array $args, bool $extension = true, ?array $where = null, array $php = []): array
    {
        $where ??= ['--db', 'sqlite:' . self::$file];
        $command = Process::php(array_merge($php, [self::BIN], $where, $args), $extension);
        $result = Process::run($command, $extension ? [] : Process::withoutExtensionEnv(), 30.0);
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
            foreach (['status', 'explain', 'refresh', 'check', '--json', '--whmcs', '--db sqlite:', '--dry-run',
                '--product', 'Exit codes:'] as $needle) {
                self::assertStringContainsString($needle, $result['stdout']);
            }
            foreach (['0  ok', '1  a check failed', '2  usage error', '3  the vfstock extension is not loaded',
                '4  cannot read the WHMCS configuration'] as $code) {
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
        self::assertSame(['code' => 2, 'message' => "unknown command 'frobnicate': status, explain, refresh or check"],
            $json['error']);
    }

    public function testABadProductIdExitsTwo(): void
    {
        foreach ([['explain', 'abc'], ['explain', '0'], ['explain', '-3'], ['explain', '1.5'],
            ['refresh', '--product', 'x'], ['refresh', '--product', '1,,2']] as $args) {
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

        self::assertSame(0, $this->cli(['refresh'])['exit']);
        self::sim()->clearRequests();
        $json = $this->json(['status'], 0);
        self::assertSame([], $this->panelRequests(), 'status never asks the panel');
        self::assertSame(['command', 'products', 'counts', 'summary'], array_keys($json));
        self::assertSame(['id', 'name', 'qty', 'status', 'reason', 'checkedAt', 'boundBy'],
            array_keys($json['products'][0]));
        $byName = array_column($json['products'], null, 'name');
        self::assertSame(17, $byName['VPS-A']['qty']);
        self::assertSame('updated', $byName['VPS-A']['status']);
        self::assertSame('cpu; memory on hv2; storage on hv3; IPv4 in group 2', $byName['VPS-A']['boundBy']);
        self::assertSame(18, $byName['VPS-B']['qty']);
        // One hypervisor each: on a tie, memory, cpu, storage (the spec's order for the binding axis).
        self::assertSame('memory; cpu on hv1; storage on hv3', $byName['VPS-B']['boundBy']);
        self::assertSame(0, $byName['Gone']['qty']);
        self::assertSame('package 404 no longer exists on the panel', $byName['Gone']['reason']);
        self::assertEqualsWithDelta(time(), $byName['Gone']['checkedAt'], 30);
        self::assertSame(['updated' => 3, 'unchanged' => 0, 'untouched' => 0, 'skipped' => 0, 'never checked' => 0],
            $json['counts']);
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
        self::assertSame(0, $result['exit'], $result['stderr'] . $result['stdout']);
        self::assertSame('', $result['stderr'], 'no progress line when stderr is not a terminal');
        self::assertSame(17, $this->qty($this->a));
        self::assertSame(18, $this->qty($this->b));
        self::assertSame(0, $this->qty($this->gone));
        self::assertMatchesRegularExpression('/VPS-A\s+0\s+17\s+updated/', $result['stdout']);
        self::assertMatchesRegularExpression('/VPS-B\s+999\s+18\s+updated/', $result['stdout']);
        self::assertStringContainsString('3 products: 3 updated, 0 unchanged, 0 untouched, 0 skipped.',
            $result['stdout']);
        self::assertSame('updated', $this->state($this->a)?->status, 'the addon\'s records are kept');
        self::assertCount(1, $this->history($this->a));
        self::assertNotSame([], $this->moduleLog('refresh'), 'logged like any refresh');

        // No lease: a second run right away reads the panel again (cached data forgotten).
        self::sim()->clearRequests();
        $json = $this->json(['refresh'], 0);
        self::assertContains('/api/v1/packages/' . self::PACKAGE_ID, $this->paths());
        self::assertContains('/api/v1/compute/hypervisors/groups/1/resources', $this->paths());
        self::assertSame(['command', 'dryRun', 'products', 'counts', 'summary', 'stats'], array_keys($json));
        self::assertFalse($json['dryRun']);
        self::assertSame(['id', 'name', 'previous', 'qty', 'status', 'reason', 'boundBy'],
            array_keys($json['products'][0]));
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
            $result = Process::run(['/usr/bin/script', '-qfec', $command, $typescript], [], 30.0);
            $tty = (string) file_get_contents($typescript);
        } finally {
            self::sim()->latency(0);
            @unlink($typescript);
        }
        self::assertSame(0, $result['exit'], $tty);
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
        self::assertSame(0, $result['exit'], $result['stderr']);
        self::assertStringContainsString('Would be', $result['stdout']);
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

        $json = $this->json(['refresh', '--product=' . $this->a, '--product', $this->gone . ',' . $this->a], 0);
        self::assertSame([$this->a, $this->gone], array_column($json['products'], 'id'));
        self::assertSame(17, $this->qty($this->a));
        self::assertSame(0, $this->qty($this->gone));
    }

    public function testATransientFailureLeavesQtyUntouchedAndExitsOne(): void
    {
        self::assertSame(0, $this->cli(['refresh'])['exit']);
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
        self::assertSame(0, $this->cli(['refresh'])['exit']);
        self::sim()->clearRequests();
        $json = $this->json(['explain', (string) $this->a], 0);
        self::assertSame([], $this->panelRequests(), 'from the addon\'s records');
        self::assertSame(['command', 'product', 'result', 'groups', 'explanation'], array_keys($json));
        self::assertSame([
            'id' => $this->a, 'name' => 'VPS-A', 'qty' => 17, 'managed' => true, 'packageId' => self::PACKAGE_ID,
            'buffer' => 10, 'bufferSource' => 'the addon\'s setting (the product\'s own, configoption7, is blank)',
            'ipv4PerVps' => 1,
        ], $json['product']);
        self::assertSame(['live', 'qty', 'status', 'reason', 'checkedAt', 'boundBy'], array_keys($json['result']));
        self::assertSame([false, 17, 'updated'], [$json['result']['live'], $json['result']['qty'],
            $json['result']['status']]);

        [$g1, $g2] = $json['groups'];
        self::assertSame([1, 'London, the default group', 'ok', 14, false, 14, 100, false],
            [$g1['id'], $g1['label'], $g1['status'], $g1['fits'], $g1['unbounded'], $g1['sum'], $g1['ipv4Cap'],
                $g1['ipv4Binds']]);
        $axes = static fn (array $hv): array => [$hv['name'], $hv['memory'], $hv['cpu'], $hv['storage'], $hv['fits'],
            $hv['binding'], $hv['pool'], $hv['ipv4Free']];
        self::assertSame([
            ['hv1', 8, 7, 12, 7, 'cpu', 'mnt23', 100],
            ['hv2', 2, 7, 22, 2, 'memory', 'mnt28', 100],
            ['hv3', 14, 7, 5, 5, 'storage', 'localStorage', 100],
        ], array_map($axes, $g1['hypervisors']));
        self::assertSame([2, 'Paris', 'ok', 3, 14, 3, true], [$g2['id'], $g2['label'], $g2['status'], $g2['fits'],
            $g2['sum'], $g2['ipv4Cap'], $g2['ipv4Binds']]);
        self::assertSame(['hv4', 28, 14, 45, 14, 'cpu', 'mnt41', 3], $axes($g2['hypervisors'][0]));
        self::assertSame([false, 'disabled'], [$g2['hypervisors'][1]['eligible'], $g2['hypervisors'][1]['skipped']]);

        self::assertSame('qty 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            $json['explanation']);
        self::assertSame('group 1 (London, the default group): 7 + 2 + 5 = 14; hv1 bound by cpu, hv2 by memory, hv3'
            . ' by storage; IPv4 not limiting (100 free IPv4 addresses)', $g1['explanation']);
        self::assertSame('group 2 (Paris): 14; hv4 bound by cpu; hv5 disabled (not counted); capped by 3 free IPv4'
            . ' addresses → 3', $g2['explanation']);

        $text = $this->cli(['explain', (string) $this->a]);
        self::assertSame(0, $text['exit']);
        $flat = (string) preg_replace('/\s+/', ' ', $text['stdout']);
        foreach ([
            'Product #' . $this->a . ' VPS-A: qty 17 in WHMCS',
            'Last result: updated at',
            'Safety buffer: 10 % of each resource\'s max is kept free',
            'qty 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            'Group 1 (London, the default group): ok, fits 14',
            'hv1 #1 8 7 12 mnt23 7 cpu 100',
            'hv3 #3 14 7 5 localStorage 5 storage 100',
            'hv5 #5 skipped: disabled',
            '7 + 2 + 5 = 14; hv1 bound by cpu, hv2 by memory, hv3 by storage',
            'capped by 3 free IPv4 addresses → 3',
        ] as $needle) {
            self::assertStringContainsString($needle, $flat);
        }

        $b = $this->json(['explain', (string) $this->b], 0);
        self::assertSame([0, 'the product\'s own setting (configoption7)'], [$b['product']['buffer'],
            $b['product']['bufferSource']]);
        self::assertSame([8, 4, 6], array_column($b['groups'][0]['hypervisors'], 'fits'));
        self::assertSame('qty 18 = 18 from group 1 (the default group).', $b['explanation']);

        $gone = $this->json(['explain', (string) $this->gone], 0);
        self::assertSame('qty 0: package 404 no longer exists on the panel.', $gone['explanation']);
    }

    public function testExplainLiveRecalculatesWithoutWriting(): void
    {
        $before = $this->snapshot();
        $json = $this->json(['explain', (string) $this->a, '--live'], 0);
        self::assertTrue($json['result']['live']);
        self::assertSame('qty 17 = 14 from group 1 (London, the default group) + 3 from group 2 (Paris).',
            $json['explanation']);
        self::assertSame($before, $this->snapshot());
        self::assertNotSame([], $this->panelRequests());
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

    // ---- check -----------------------------------------------------------

    public function testCheckReportsTheExtensionAndEveryServer(): void
    {
        $this->addServer(['name' => 'Old panel', 'active' => 0, 'disabled' => 1]);
        $result = $this->cli(['check']);
        self::assertSame(0, $result['exit'], $result['stdout']);
        self::assertStringContainsString('Extension: vfstock ' . phpversion('vfstock') . ' is loaded.',
            $result['stdout']);
        self::assertStringContainsString('the addon\'s tables are there', $result['stdout']);
        self::assertStringContainsString(self::sim()->url(), $result['stdout']);
        self::assertStringContainsString('ok: connected', $result['stdout']);
        self::assertStringContainsString('disabled: not used, not checked', $result['stdout']);
        self::assertStringContainsString('Everything checks out.', $result['stdout']);

        $json = $this->json(['check'], 0);
        self::assertSame(['command', 'ok', 'extension', 'database', 'servers'], array_keys($json));
        self::assertSame(['loaded' => true, 'version' => phpversion('vfstock')], $json['extension']);
        self::assertSame(['connection', 'addonTables'], array_keys($json['database']));
        self::assertTrue($json['database']['addonTables']);
        self::assertSame(['id', 'name', 'url', 'default', 'disabled', 'ok', 'status', 'error', 'used'],
            array_keys($json['servers'][0]));
        self::assertSame([true, 200, null, true], [$json['servers'][0]['ok'], $json['servers'][0]['status'],
            $json['servers'][0]['error'], $json['servers'][0]['used']]);
        self::assertSame([true, null, false], [$json['servers'][1]['disabled'], $json['servers'][1]['ok'],
            $json['servers'][1]['used']]);
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
        mkdir($addon . '/lib');
        copy(self::BIN, $addon . '/bin/vfstock');
        foreach (glob(VFSTOCK_ADDON_DIR . '/lib/*.php') ?: [] as $file) {
            copy($file, $addon . '/lib/' . basename($file));
        }
        // A WHMCS whose init.php brings Capsule and decrypt(): the stand-ins over the test database,
        // told which copy of the addon's classes the running bin/vfstock has loaded.
        file_put_contents($root . '/init.php', '<?php' . "\n"
            . 'define(\'VFSTOCK_ADDON_DIR\', dirname((new \ReflectionClass('
            . '\WHMCS\Module\Addon\VfStock\Autoload::class))->getFileName(), 2));' . "\n"
            . 'require ' . var_export(__DIR__ . '/whmcs/bootstrap.php', true) . ";\n"
            . '\VfStock\Tests\Whmcs\StandIn::connect(' . var_export(self::$db, true) . ");\n");
        try {
            $result = Process::run(Process::php([$addon . '/bin/vfstock', 'refresh'], true), [], 30.0);
            self::assertSame(0, $result['exit'], $result['stderr'] . $result['stdout']);
            self::assertSame(17, $this->qty($this->a));

            $result = $this->cli(['status'], true, ['--whmcs', $root]);
            self::assertSame(0, $result['exit'], $result['stderr']);
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
            self::assertStringContainsString('WHMCS stores it encrypted and only WHMCS can decrypt it',
                $result['stderr']);
            self::assertSame(7, $this->qty($p));
        } finally {
            StandIn::reset();
            self::useDatabase($sqlite);
            unlink($root . '/configuration.php');
            rmdir($root);
        }
    }
}
