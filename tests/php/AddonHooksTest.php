<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\MariaDb;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\State;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * triggers: every hook fired as WHMCS fires it (hooks.php included
 * on its own, run_hook with WHMCS's $vars shapes), against the simulator,
 * with qty checked in MariaDB.
 */
final class AddonHooksTest extends AddonTestCase
{
    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', ''); // auto-accept has its own tests
        $this->addServer();
    }

    private function leaseExpiry(string $name): ?int
    {
        $value = Capsule::table(Schema::LEASES)->where('name', $name)->value('expires_at');

        return $value === null ? null : (int) $value;
    }

    private function dbNow(): int
    {
        return (int) Capsule::selectOne('SELECT UNIX_TIMESTAMP() AS now')->now;
    }

    private function expireLeases(): void
    {
        Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
    }

    /** @return list<string> paths of the API requests seen since the last clear */
    private function paths(): array
    {
        return array_map(static fn (array $r): string => $r['path'], $this->panelRequests());
    }

    public function testAfterModuleCreateRefreshesEveryProductUnderTheEventLease(): void
    {
        $a = $this->addProduct(['qty' => 3]);
        $b = $this->addProduct(['qty' => 0, 'configoption7' => '0']);
        $off = $this->addProduct(['qty' => 9, 'stockcontrol' => 0]);

        $results = $this->fireHook('AfterModuleCreate', self::moduleParams(100, $a));

        self::assertSame([null], $results, 'the hook returns nothing');
        self::assertSame(56, $this->qty($a), 'cpu: (32 − ceil(3.2)) × 2 hypervisors');
        self::assertSame(64, $this->qty($b), 'buffer 0: 32 cores × 2');
        self::assertSame(9, $this->qty($off), 'stock control off: not touched');
        self::assertEqualsWithDelta($this->dbNow() + 30, $this->leaseExpiry('stockrefresh:event'), 2);
        self::assertContains('/api/v1/packages/5', $this->paths());
        foreach ($this->panelRequests() as $request) {
            self::assertSame('ok', $request['auth'], 'the decrypted token was sent');
        }

        $state = $this->state($a);
        self::assertNotNull($state);
        self::assertSame(56, (int) $state->qty);
        self::assertSame('updated', $state->status);
        self::assertEqualsWithDelta(time(), (int) $state->checked_at, 5);
        $groups = json_decode($state->groups, true);
        self::assertSame('ok', $groups[1]['status']);
        self::assertSame([56, 56], [$groups[1]['fits'], $groups[1]['sum']]);
        self::assertSame('cpu', State::hypervisors($groups[1]['key'])[0]['binding']);
        self::assertCount(1, $this->history($a));
        self::assertNull($this->state($off), 'products outside stock control get no state');
    }

    public function testTheEventLeaseCoalescesTwoEvents(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $this->fireHook('AfterModuleCreate', self::moduleParams(100, $p));
        self::assertSame(56, $this->qty($p));
        self::sim()->clearRequests();

        // The fleet changes; a termination follows within eventInterval.
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 5));
        $this->fireHook('AfterModuleTerminate', self::moduleParams(100, $p));
        self::assertSame([], $this->panelRequests(), 'coalesced: no panel request');
        self::assertSame(56, $this->qty($p));

        // Once the lease has run out, the next event refreshes, reading group 1 afresh.
        $this->expireLeases();
        $this->fireHook('AfterModuleTerminate', self::moduleParams(101, $p));
        self::assertSame(10, $this->qty($p));
        self::assertCount(2, $this->history($p), 'qty changed: 56, then 10');
    }

    public function testEventsForgetTheServicesGroupsOnly(): void
    {
        $p = $this->addProduct(['qty' => 0]);
        $this->addOption($p, 'Location|Data centre', ['2|Paris']);
        self::sim()->scenario(self::scenario([
            1 => self::hypervisorsFitting(1, 4),
            2 => self::hypervisorsFitting(1, 6),
        ]));
        $this->fireHook('AfterCronJob', []);
        self::assertSame(10, $this->qty($p), 'groups 1 and 2: 4 + 6');

        // Both groups change on the panel; both are cached in this process.
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 1));
        self::sim()->patchGroup(2, self::hypervisorsFitting(1, 2));
        $this->expireLeases();
        $this->fireHook('AfterModuleCreate', self::moduleParams(100, $p, ['configoption1' => '9']));
        self::assertSame(10, $this->qty($p), 'a service in group 9 forgets neither 1 nor 2');

        $this->expireLeases();
        $this->fireHook('AfterModuleTerminate', self::moduleParams(
            101,
            $p,
            ['configoption1' => '7', 'configoptions' => ['Location' => '2']]
        ));
        self::assertSame(6, $this->qty($p), 'the chosen Location (group 2) is read afresh: 4 + 2');

        $this->expireLeases();
        $this->fireHook('AfterModuleCreate', self::moduleParams(102, $p, ['configoption1' => '1']));
        self::assertSame(3, $this->qty($p), 'configoption1 (group 1) is read afresh: 1 + 2');
    }

    public function testOtherModulesAreIgnored(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $vars = self::moduleParams(100, $p, ['moduletype' => 'cpanel']);
        $this->fireHook('AfterModuleCreate', $vars);
        $this->fireHook('AfterModuleTerminate', $vars);
        $this->fireHook('AfterModuleCreate', ['params' => 'not an array']);
        $this->fireHook('AfterModuleTerminate', []);
        self::assertSame([], $this->panelRequests());
        self::assertSame(3, $this->qty($p));
        self::assertSame(0, Capsule::table(Schema::LEASES)->count(), 'no lease taken');
        self::assertSame([], StandIn::$moduleLogCalls, 'nothing to log');
    }

    public function testAfterCronJobUsesTheCronLeaseOfCronIntervalMinutes(): void
    {
        $this->setting('cronInterval', '15');
        $p = $this->addProduct(['qty' => 3]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(56, $this->qty($p));
        self::assertEqualsWithDelta($this->dbNow() + 900, $this->leaseExpiry('stockrefresh:cron'), 2);
        self::assertNull($this->leaseExpiry('stockrefresh:event'));

        self::sim()->clearRequests();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 1));
        vf_stock_forget(null);
        $this->fireHook('AfterCronJob', []);
        self::assertSame([], $this->panelRequests(), 'the next cron run within 15 minutes does nothing');
        self::assertSame(56, $this->qty($p));
    }

    public function testCartPageRefreshesItsProductUnderItsOwnLease(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $other = $this->addProduct(['qty' => 4]);

        $page = ['pid' => (string) $p, 'templatefile' => 'configureproduct'];
        self::assertSame([[]], $this->fireHook('ClientAreaPageCart', $page));
        self::assertSame(56, $this->qty($p));
        self::assertSame(4, $this->qty($other), 'only the product of the page');
        self::assertEqualsWithDelta($this->dbNow() + 60, $this->leaseExpiry("stockrefresh:{$p}"), 2);
        self::assertNull($this->state($other));

        self::sim()->clearRequests();
        $this->fireHook('ClientAreaPageCart', ['pid' => $p]);
        self::assertSame([], $this->panelRequests(), 'within cartInterval: no request');

        $this->fireHook('ClientAreaPageCart', ['productid' => $other]);
        self::assertSame(56, $this->qty($other), '`productid` when there is no `pid`');
        self::assertNotNull($this->leaseExpiry("stockrefresh:{$other}"));

        $third = $this->addProduct(['qty' => 1]);
        $this->fireHook('ClientAreaPageCart', ['productinfo' => ['pid' => $third, 'name' => 'VPS']]);
        self::assertSame(56, $this->qty($third), '`productinfo.pid` last');
    }

    public function testCartPagesOfOtherProductsDoNothing(): void
    {
        $off = $this->addProduct(['qty' => 3, 'stockcontrol' => 0]);
        $cpanel = $this->addProduct(['qty' => 3, 'servertype' => 'cpanel']);
        $pages = [
            ['pid' => $off], ['pid' => $cpanel], ['pid' => 999], ['pid' => ''], ['templatefile' => 'viewcart'], [],
        ];
        foreach ($pages as $vars) {
            self::assertSame([[]], $this->fireHook('ClientAreaPageCart', $vars));
        }
        self::assertSame([], $this->panelRequests());
        self::assertSame(0, Capsule::table(Schema::LEASES)->count());
        self::assertSame(3, $this->qty($off));
    }

    public function testASlowPanelDoesNotHangTheCartPage(): void
    {
        $this->setting('cartTimeout', '1');
        $p = $this->addProduct(['qty' => 3]);
        self::sim()->faults([['route' => 'resources', 'action' => ['delayMs' => 4000]]]);
        $started = microtime(true);
        $this->fireHook('ClientAreaPageCart', ['pid' => $p]);
        $elapsed = microtime(true) - $started;
        self::assertLessThan(3.0, $elapsed, 'bounded by cartTimeout');
        self::assertSame(3, $this->qty($p), 'a timeout is transient: qty untouched');
        self::assertSame('untouched', $this->state($p)->status);
    }

    public function testATransientPanelFailureLeavesQtyUntouchedAndSaysWhy(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(56, $this->qty($p));

        vf_stock_forget(null);
        $this->expireLeases();
        self::sim()->faults([['route' => 'resources', 'action' => ['status' => 503]]]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(56, $this->qty($p), 'untouched');
        $state = $this->state($p);
        self::assertSame('untouched', $state->status);
        self::assertSame(56, (int) $state->qty, 'the state shows the qty WHMCS still has');
        self::assertStringContainsString('503', (string) $state->reason);
        self::assertStringContainsString('group 1', (string) $state->reason);
        $history = $this->history($p);
        self::assertCount(2, $history, 'the status changed');
        self::assertSame('untouched', $history[1]->status);

        // Same failure again: no new history row.
        $this->expireLeases();
        $this->fireHook('AfterCronJob', []);
        self::assertCount(2, $this->history($p));
        self::assertNotEmpty($this->moduleLog('untouched'));
    }

    public function testAMissingPackageZeroesQty(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        self::sim()->deletePackage(self::PACKAGE);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(0, $this->qty($p));
        $state = $this->state($p);
        self::assertSame('updated', $state->status);
        self::assertStringContainsString('package 5', (string) $state->reason);
    }

    public function testLocationsAddTheirGroupsAndHiddenOnesDoNot(): void
    {
        self::sim()->scenario(self::scenario([
            1 => self::hypervisorsFitting(2, 3),
            2 => self::hypervisorsFitting(1, 10, 10),
            3 => self::hypervisorsFitting(1, 40, 20),
        ]));
        $this->setting('locationLabel', 'Data Centre');
        $p = $this->addProduct(['qty' => 0]);
        $this->addOption($p, 'data centre|Where your VPS lives', ['1|Default', '2|Paris', ['3|Closed', 1]]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(16, $this->qty($p), 'groups 1 (3 + 3) and 2 (10); hidden group 3 not counted');
        $paths = $this->paths();
        self::assertNotContains('/api/v1/compute/hypervisors/groups/3/resources', $paths);
        self::assertContains('/api/v1/compute/hypervisors/groups/2/resources', $paths);
    }

    public function testWithoutAPanelTheHooksLogItAndDoNothing(): void
    {
        Capsule::table('tblservers')->update(['disabled' => 1]);
        $p = $this->addProduct(['qty' => 3]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(3, $this->qty($p));
        self::assertSame(0, Capsule::table(Schema::LEASES)->count());
        self::assertCount(1, $this->moduleLog('no panel'));
    }

    public function testAPanelWithoutATokenIsLoggedByNameAndItsProductsKeepTheirQty(): void
    {
        Capsule::table('tblservers')->update(['name' => 'Panel <one>', 'password' => encrypt('')]);
        $p = $this->addProduct(['qty' => 3]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(3, $this->qty($p), 'untouched');
        self::assertSame([], $this->panelRequests());
        $logged = $this->moduleLog('no token');
        self::assertCount(1, $logged);
        self::assertStringContainsString('"Panel <one>" has no API token', (string) $logged[0]->response);
        self::assertCount(0, $this->moduleLog('no panel'), 'the product has a panel, only without a token');
    }

    public function testAFailingHookIsCaughtAndLogged(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        Capsule::schema()->drop(Schema::LEASES); // the claim cannot work
        self::assertSame([null], $this->fireHook('AfterCronJob', []));
        self::assertSame([[]], $this->fireHook('ClientAreaPageCart', ['pid' => $p]));
        self::assertSame(3, $this->qty($p));
        self::assertCount(1, $this->moduleLog('AfterCronJob failed'));
        self::assertCount(1, $this->moduleLog('ClientAreaPageCart failed'));
    }

    /** Runs $test on a fresh SQLite store (the demo's database), then goes back to MariaDB. */
    private function onSqlite(callable $test): void
    {
        $file = sys_get_temp_dir() . '/vfstock-whmcs-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sqlite';
        touch($file);
        try {
            self::useDatabase(['driver' => 'sqlite', 'database' => $file, 'prefix' => '']);
            Schema::create();
            $test();
        } finally {
            self::useDatabase(MariaDb::config());
            foreach ([$file, $file . '-wal', $file . '-shm'] as $f) {
                if (is_file($f)) {
                    unlink($f);
                }
            }
        }
    }

    public function testTheHooksWorkOnSqliteToo(): void
    {
        $this->onSqlite(function (): void {
            $this->addServer();
            $p = $this->addProduct(['qty' => 3]);
            $this->addOption($p, 'Location|Data centre', ['2|Paris', ['3|Closed', 1]]);
            self::sim()->scenario(self::scenario([2 => self::hypervisorsFitting(1, 5, 10)]));
            $this->fireHook('AfterCronJob', []);
            self::assertSame(61, $this->qty($p), 'group 1 (56) and group 2 (5)');
            self::assertSame('updated', $this->state($p)->status);
            $this->fireHook('AfterCronJob', []);
            self::assertCount(1, $this->history($p), 'the cron lease held');
            $this->fireHook('ClientAreaPageCart', ['pid' => $p]);
            $lease = Capsule::table(Schema::LEASES)->where('name', "stockrefresh:{$p}")->value('expires_at');
            self::assertNotNull($lease);
        });
    }

    public function testEachCronSweepKeepsTheHistoryAChartCanShowAndPrunesTheRest(): void
    {
        $this->pruneHistory();
    }

    public function testHistoryIsPrunedOnSqliteToo(): void
    {
        $this->onSqlite(function (): void {
            $this->addServer();
            $this->pruneHistory();
        });
    }

    /**
     * History older than State::HISTORY_DAYS goes, except each product's
     * last row before then (where its chart starts); with each cron sweep
     * (products 9001… have rows only, the sweep is about another).
     */
    private function pruneHistory(): void
    {
        $this->addProduct(['qty' => 3]);
        $day = 86400;
        $now = time();
        $add = static function (int $product, int $daysAgo, int $qty) use ($now, $day): void {
            Capsule::table(Schema::HISTORY)->insert(['product_id' => $product, 'qty' => $qty, 'status' => 'updated',
                'reason' => null, 'created_at' => $now - $daysAgo * $day]);
        };
        $left = static fn (): array => Capsule::table(Schema::HISTORY)->where('product_id', '>', 9000)->orderBy('id')
            ->get(['product_id', 'qty'])
            ->map(static fn (object $r): array => [(int) $r->product_id - 9000, (int) $r->qty])->all();
        foreach ([[1, 200, 1], [1, 120, 2], [1, 10, 3], [2, 95, 7], [3, 5, 9]] as [$product, $daysAgo, $qty]) {
            $add(9000 + $product, $daysAgo, $qty);
        }
        $charts = State::histories([9001, 9002, 9003], $now - 30 * $day);

        $this->fireHook('AfterCronJob', []);

        self::assertSame([[1, 2], [1, 3], [2, 7], [3, 9]], $left(), 'what no chart can show went');
        self::assertSame($charts, State::histories([9001, 9002, 9003], $now - 30 * $day), 'every chart as it was');
        $log = $this->moduleLog('history pruned');
        self::assertCount(1, $log);
        self::assertStringContainsString('1 history row older than 90 days deleted', (string) $log[0]->response);

        $add(9004, 300, 1);
        $add(9004, 200, 2);
        $this->fireHook('AfterCronJob', []);
        self::assertCount(6, $left(), 'no sweep inside the cron interval, no pruning');
        $this->expireLeases();
        $this->fireHook('AfterCronJob', []);
        self::assertSame([[1, 2], [1, 3], [2, 7], [3, 9], [4, 2]], $left());
        self::assertCount(2, $this->moduleLog('history pruned'));
    }

    public function testTheTokenNeverAppearsInLogsOrState(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $q = $this->addProduct(['qty' => 3, 'configoption2' => '77']); // no such package
        $this->addOption($p, 'Location', ['2|Paris']);
        $this->fireHook('AfterModuleCreate', self::moduleParams(100, $p));
        vf_stock_forget(null);
        $this->expireLeases();
        self::sim()->faults([['route' => 'resources', 'action' => ['status' => 401]]]);
        $this->fireHook('AfterCronJob', []);
        $this->fireHook('ClientAreaPageCart', ['pid' => $q]);
        Capsule::schema()->drop(Schema::LEASES);
        $this->fireHook('AfterModuleTerminate', self::moduleParams(100, $p));
        Schema::create();

        self::assertNotEmpty(StandIn::$moduleLogCalls);
        foreach ($this->moduleLog() as $entry) {
            self::assertNoToken('tblmodulelog', $entry->action, $entry->request, $entry->response, $entry->arrdata);
        }
        foreach (StandIn::$moduleLogCalls as $call) {
            self::assertContains(self::TOKEN, $call['replace'], "{$call['action']}: the token is always given to mask");
            self::assertSame('vfstock', $call['module']);
            $raw = print_r([$call['action'], $call['request'], $call['response']], true);
            self::assertNoToken('a logModuleCall argument', $raw);
        }
        foreach (Capsule::table(Schema::STATE)->get() as $row) {
            self::assertNoToken('mod_vfstock_state', json_encode($row, JSON_THROW_ON_ERROR));
        }
        foreach (Capsule::table(Schema::HISTORY)->get() as $row) {
            self::assertNoToken('mod_vfstock_history', json_encode($row, JSON_THROW_ON_ERROR));
        }
    }
}
