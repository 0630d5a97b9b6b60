<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

use PHPUnit\Framework\TestCase;
use VfStock\Tests\Fleet;
use VfStock\Tests\Simulator;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/bootstrap.php';

/**
 * Base of the addon tests: a real MariaDB (started once per test process),
 * the WHMCS stand-ins, the addon activated, and a VirtFusion simulator per
 * test class.
 */
abstract class AddonTestCase extends TestCase
{
    /** The panel's API token: it must never show up anywhere. */
    protected const TOKEN = 'vf-T0KEN-never-shown-4b1d9c0e7a2f';

    protected const PACKAGE = 5;

    /** @var array<string, mixed>|null the connection in use (children get it too) */
    protected static ?array $db = null;

    private static ?Simulator $simulator = null;

    private static int $configGroups = 0;

    public static function setUpBeforeClass(): void
    {
        if (self::$db === null) {
            self::useDatabase(MariaDb::config());
        }
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$simulator !== null) {
            self::$simulator->stop();
            self::$simulator = null;
        }
    }

    protected function setUp(): void
    {
        StandIn::reset();
        Schema::create();
        $_SESSION = ['adminid' => 1];
        $_GET = $_POST = $_REQUEST = [];
        if (function_exists('vf_stock_forget')) {
            vf_stock_forget(null);
        }
        if (self::$simulator !== null) {
            self::$simulator->clearFaults();
            self::$simulator->scenario(self::scenario());
            self::$simulator->clearRequests();
        }
    }

    /** @param array<string, mixed> $config */
    protected static function useDatabase(array $config): void
    {
        StandIn::connect($config);
        StandIn::createSchema();
        self::$db = $config;
    }

    /** The simulator of this test class, serving self::scenario() at first. */
    protected static function sim(): Simulator
    {
        if (self::$simulator === null) {
            require_once dirname(__DIR__) . '/Simulator.php';
            self::$simulator = new Simulator(self::scenario());
        }

        return self::$simulator;
    }

    /**
     * A fleet: package 5 (1 GiB, 1 core, 20 GB) and group 1 of two default
     * hypervisors (each fits 28 with a 10 % buffer: cpu (32 − 4) / 1).
     *
     * @param array<int, mixed> $groups
     * @return array<string, mixed>
     */
    protected static function scenario(array $groups = [], array $packages = []): array
    {
        return [
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => $packages + [self::PACKAGE => Fleet::package(['id' => self::PACKAGE])],
            'groups' => $groups + [1 => Fleet::hypervisors(2)],
        ];
    }

    /**
     * $count hypervisors that each fit exactly $each (≤ 80) VPSes of package 5
     * with the default 10 % buffer, held down by memory: reserve
     * ceil(65536 × 10 %) = 6554, free = reserve + $each × 1024; cpu has no
     * quota, storage fits 90, 1000 IPv4 addresses are free.
     */
    protected static function hypervisorsFitting(int $count, int $each, int $firstId = 1): array
    {
        return Fleet::hypervisors($count, [
            'resources' => [
                'memory' => Fleet::cell(65536, 6554 + $each * 1024),
                'cpuCores' => Fleet::cell(0, 0),
                'network' => ['total' => ['ipv4' => ['free' => 1000]]],
            ],
        ], $firstId);
    }

    /** The server row pointing at the simulator, with the token encrypted like WHMCS stores it. */
    protected function addServer(array $overrides = []): int
    {
        $origin = substr(self::sim()->url(), 0, -strlen('/api/v1'));

        return (int) Capsule::table('tblservers')->insertGetId($overrides + [
            'name' => 'VirtFusion',
            'ipaddress' => '',
            'hostname' => $origin,
            'type' => 'VirtFusionDirect',
            'username' => '',
            'password' => encrypt(self::TOKEN),
            'accesshash' => '',
            'secure' => 'on',
            'port' => null,
            'active' => 1,
            'disabled' => 0,
        ]);
    }

    /** A stock-controlled VirtFusionDirect product in group 1 with package 5. */
    protected function addProduct(array $overrides = []): int
    {
        $row = $overrides + [
            'type' => 'server',
            'gid' => 1,
            'name' => 'VPS',
            'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1,
            'qty' => 0,
            'configoption1' => '1',
            'configoption2' => (string) self::PACKAGE,
            'configoption3' => '1',
            'configoption7' => '',
            'hidden' => 0,
            'retired' => 0,
        ];

        return (int) Capsule::table('tblproducts')->insertGetId($row);
    }

    /**
     * A configurable option group linked to the product, with one option and its sub-options.
     *
     * @param list<string|array{0: string, 1: int}> $subs names, or [name, hidden]
     */
    protected function addOption(int $productId, string $name, array $subs, int $optionHidden = 0): int
    {
        $gid = ++self::$configGroups;
        Capsule::table('tblproductconfiglinks')->insert(['gid' => $gid, 'pid' => $productId]);
        $optionId = (int) Capsule::table('tblproductconfigoptions')->insertGetId([
            'gid' => $gid,
            'optionname' => $name,
            'optiontype' => 1,
            'order' => 0,
            'hidden' => $optionHidden,
        ]);
        foreach (array_values($subs) as $i => $sub) {
            [$subName, $hidden] = is_array($sub) ? $sub : [$sub, 0];
            Capsule::table('tblproductconfigoptionssub')->insert([
                'configid' => $optionId,
                'optionname' => $subName,
                'sortorder' => $i,
                'hidden' => $hidden,
            ]);
        }

        return $optionId;
    }

    protected function setting(string $name, string $value): void
    {
        Capsule::table('tbladdonmodules')->where('module', 'vfstock')->where('setting', $name)->delete();
        Capsule::table('tbladdonmodules')->insert(['module' => 'vfstock', 'setting' => $name, 'value' => $value]);
    }

    protected function qty(int $productId): int
    {
        return (int) Capsule::table('tblproducts')->where('id', $productId)->value('qty');
    }

    protected function state(int $productId): ?object
    {
        return Capsule::table(Schema::STATE)->where('product_id', $productId)->first();
    }

    /** @return list<object> */
    protected function history(int $productId): array
    {
        return Capsule::table(Schema::HISTORY)->where('product_id', $productId)->orderBy('id')->get()->all();
    }

    /**
     * What $run returns, and the queries it made.
     *
     * @return array{0: mixed, 1: list<array<string, mixed>>}
     */
    protected function queriesOf(callable $run): array
    {
        $db = Capsule::connection();
        $db->flushQueryLog();
        $db->enableQueryLog();
        try {
            $out = $run();

            return [$out, $db->getQueryLog()];
        } finally {
            $db->disableQueryLog();
        }
    }

    /** @return list<object> the stored module log (masked as WHMCS stores it) */
    protected function moduleLog(?string $action = null): array
    {
        $query = Capsule::table('tblmodulelog')->orderBy('id');
        if ($action !== null) {
            $query->where('action', $action);
        }

        return $query->get()->all();
    }

    /** API requests the simulator saw, without its control calls. */
    protected function panelRequests(): array
    {
        return self::sim()->requests();
    }

    /**
     * Fires a hook in this process as WHMCS does: hooks.php included on its
     * own (without vfstock.php), then run_hook.
     *
     * @param array<string, mixed> $vars
     * @return list<mixed>
     */
    protected function fireHook(string $hook, array $vars): array
    {
        StandIn::$hooks = [];
        include VFSTOCK_ADDON_DIR . '/hooks.php';

        return run_hook($hook, $vars);
    }

    /**
     * Fires a hook in a separate PHP process (a WHMCS cron run, another web request).
     *
     * @param array<string, mixed> $vars
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    protected function childHook(string $hook, array $vars, bool $extension = true): array
    {
        $env = ['VFSTOCK_TEST_DB' => json_encode(self::$db, JSON_THROW_ON_ERROR)];
        if (!$extension) {
            $env += Process::withoutExtensionEnv();
        }
        $payload = json_encode(['hook' => $hook, 'vars' => $vars], JSON_THROW_ON_ERROR);
        $result = Process::run(Process::php([__DIR__ . '/run-hook.php', $payload], $extension), $env, 60.0);
        self::assertFalse($result['timedOut'], "child {$hook} timed out");
        self::assertSame(0, $result['exit'], "child {$hook} failed: {$result['stderr']}{$result['stdout']}");

        return $result;
    }

    /** Module params of a VirtFusionDirect service, as WHMCS passes them to module hooks. */
    protected static function moduleParams(int $serviceId, int $productId, array $extra = []): array
    {
        return [
            'params' => $extra + [
                'accountid' => $serviceId,
                'serviceid' => $serviceId,
                'userid' => 1,
                'pid' => $productId,
                'moduletype' => 'VirtFusionDirect',
                'configoption1' => '1',
                'configoption2' => (string) self::PACKAGE,
                'configoptions' => [],
                'customfields' => [],
            ],
        ];
    }

    /** Asserts that the token appears in none of the given texts. */
    protected static function assertNoToken(string $where, string ...$texts): void
    {
        foreach ($texts as $text) {
            self::assertStringNotContainsString(self::TOKEN, $text, "the API token leaked into {$where}");
        }
    }
}
