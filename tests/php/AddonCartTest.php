<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * Stock where the customer chooses, through the hooks as WHMCS
 * fires them, on the real MariaDB: a full Location is refused at checkout
 * and the same cart accepted in a free one; a pending order holds its
 * place; a custom configuration must fit on one hypervisor; a hanging
 * panel never blocks an order; sold-out Locations are marked and, with
 * hideSoldOut, hidden and shown again.
 */
final class AddonCartTest extends AddonTestCase
{
    private int $product = 0;
    private int $location = 0;

    /** @var array<string, int> sub-option id by name */
    private array $subs = [];

    /**
     * London (group 1): two hypervisors fitting 1 VPS each. Paris (group
     * 2): one full hypervisor. Rome (group 3): room for 5. Big (group 4):
     * four hypervisors with 16 GB each above the buffer (64 GB in all).
     */
    private static function fleet(): array
    {
        $sixteen = Fleet::hypervisors(4, ['resources' => [
            'memory' => Fleet::cell(65536, 6554 + 16 * 1024),
            'cpuCores' => Fleet::cell(0, 0),
            'network' => ['total' => ['ipv4' => ['free' => 1000]]],
        ]], 40);

        return self::scenario([
            1 => self::hypervisorsFitting(2, 1),
            2 => self::hypervisorsFitting(1, 0, 20),
            3 => self::hypervisorsFitting(1, 5, 30),
            4 => $sixteen,
        ]);
    }

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        self::sim()->scenario(self::fleet());
        $this->setting('autoAccept', '');
        $this->addServer();
        $this->product = $this->addProduct(['name' => 'VPS Small', 'qty' => 0]);
        $this->location = $this->addOption($this->product, 'Location', ['1|London', '2|Paris', '3|Rome', '4|Big']);
        foreach (Capsule::table('tblproductconfigoptionssub')->where('configid', $this->location)->get() as $sub) {
            $this->subs[(string) $sub->optionname] = (int) $sub->id;
        }
        $_SESSION['cart'] = ['products' => []];
    }

    /** @param array<int, int> $options configid => sub-option id or quantity */
    private function cart(array $options, int $qty = 1): void
    {
        $_SESSION['cart']['products'][] = ['pid' => $this->product, 'configoptions' => $options, 'qty' => $qty];
    }

    /** @return list<string> the errors the checkout hook returned */
    private function checkout(): array
    {
        $results = $this->fireHook('ShoppingCartValidateCheckout', ['userid' => 1]);

        return array_merge([], ...array_map(static fn ($r): array => (array) $r, $results));
    }

    /** An order placed for the cart, still pending: the service is not on the panel yet. */
    private function pendingOrder(int $locationSub, string $status = 'Pending', ?string $date = null): int
    {
        $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending',
            'date' => $date ?? date('Y-m-d H:i:s')]);
        $service = (int) Capsule::table('tblhosting')->insertGetId(['orderid' => $order, 'packageid' => $this->product,
            'domain' => '', 'domainstatus' => $status]);
        Capsule::table('tblhostingconfigoptions')->insert(['relid' => $service, 'configid' => $this->location,
            'optionid' => $locationSub]);

        return $service;
    }

    public function testAFullLocationIsRefusedAndAFreeOneAccepted(): void
    {
        $this->cart([$this->location => $this->subs['2|Paris']]);
        $errors = $this->checkout();
        self::assertCount(1, $errors);
        self::assertStringContainsString('VPS Small', $errors[0]);
        self::assertStringContainsString('Paris', $errors[0]);

        $_SESSION['cart']['products'] = [];
        $this->cart([$this->location => $this->subs['1|London']]);
        self::assertSame([], $this->checkout());
    }

    public function testTheConfigureStepChecksTheChosenLocation(): void
    {
        $this->cart([$this->location => $this->subs['1|London']]);
        $refused = $this->fireHook('ShoppingCartValidateProductUpdate', ['i' => 0,
            'configoption' => [$this->location => $this->subs['2|Paris']]]);
        self::assertStringContainsString('Paris', implode(' ', (array) $refused[0]));
        $accepted = $this->fireHook('ShoppingCartValidateProductUpdate', ['i' => 0,
            'configoption' => [$this->location => $this->subs['3|Rome']]]);
        self::assertSame([], $accepted[0]);
    }

    public function testTheCartsQuantityIsPlacedWhole(): void
    {
        // Rome has room for 5: 6 are refused, 5 go through.
        $this->cart([$this->location => $this->subs['3|Rome']], 6);
        $errors = $this->checkout();
        self::assertCount(1, $errors);
        self::assertStringContainsString('only 5 of the 6', $errors[0]);
        $_SESSION['cart']['products'] = [];
        $this->cart([$this->location => $this->subs['3|Rome']], 5);
        self::assertSame([], $this->checkout());
    }

    public function testTwoCartsRacingForTheLastSlot(): void
    {
        // London holds 2: one pending order already takes one place.
        $this->pendingOrder($this->subs['1|London']);
        $this->cart([$this->location => $this->subs['1|London']]);
        self::assertSame([], $this->checkout(), 'the first cart gets the last slot');

        // The first cart's order is placed: it is pending, not yet on the panel.
        $service = $this->pendingOrder($this->subs['1|London']);
        $this->fireHook('AfterShoppingCartCheckout', ['OrderID' => 1, 'ServiceIDs' => [$service]]);
        $errors = $this->checkout();
        self::assertCount(1, $errors, 'the second cart is refused once the first is pending');
        self::assertStringContainsString('London', $errors[0]);

        // qty dropped at once: 2 (London) + 0 (Paris) + 5 (Rome) + 64 (Big) less the two pending.
        self::assertSame(5 + 64, $this->qty($this->product));
        $groups = json_decode((string) $this->state($this->product)->groups, true);
        self::assertSame([2, 0], [$groups[1]['reserved'], $groups[1]['unplaced']]);
    }

    public function testPendingServicesReadTheirProductsOptionsOnceNotOncePerService(): void
    {
        $memory = $this->addOption($this->product, 'Memory', ['1024|1 GB', '2048|2 GB']);
        $twoGb = (int) Capsule::table('tblproductconfigoptionssub')->where('configid', $memory)
            ->where('optionname', '2048|2 GB')->value('id');
        $order = function (int $count) use ($memory, $twoGb): void {
            for ($i = 0; $i < $count; $i++) {
                $service = $this->pendingOrder($this->subs['4|Big']);
                Capsule::table('tblhostingconfigoptions')->insert(['relid' => $service, 'configid' => $memory,
                    'optionid' => $twoGb]);
            }
        };
        $optionReads = function (): array {
            Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
            [, $log] = $this->queriesOf(fn (): array => $this->fireHook('AfterCronJob', []));

            return array_column(array_filter($log, static fn (array $q): bool => (bool) preg_match(
                '/from [`"]?tblproductconfigoptions(sub)?[`"]? /i',
                $q['query']
            )), 'query');
        };
        $order(1);
        $one = $optionReads();
        $order(19);
        $twenty = $optionReads();
        self::assertSame($one, $twenty, 'the same option reads for 20 pending services as for one');
        self::assertLessThanOrEqual(3, count($twenty), implode("\n", $twenty));
        // Each pending 2 GB VPS holds two of Big's 1 GB places (4 × 16 of them).
        $groups = json_decode((string) $this->state($this->product)->groups, true);
        self::assertSame([20, 0], [$groups[4]['reserved'], $groups[4]['unplaced']]);
        self::assertSame(2 + 0 + 5 + (64 - 40), $this->qty($this->product));
    }

    public function testOldOrProvisionedServicesHoldNothing(): void
    {
        $this->pendingOrder($this->subs['1|London'], 'Pending', date('Y-m-d H:i:s', time() - 49 * 3600));
        $this->pendingOrder($this->subs['1|London'], 'Active');
        Capsule::schema()->create('mod_virtfusion_direct', static function ($t): void {
            $t->unsignedInteger('service_id');
            $t->unsignedInteger('server_id')->nullable();
        });
        $provisioned = $this->pendingOrder($this->subs['1|London']);
        Capsule::table('mod_virtfusion_direct')->insert(['service_id' => $provisioned, 'server_id' => 7]);
        $this->cart([$this->location => $this->subs['1|London']], 2);
        self::assertSame([], $this->checkout(), 'older than reserveHours, active, or on the panel: no hold');

        // A row without a server id is not provisioned: it holds its place.
        $leftBehind = $this->pendingOrder($this->subs['1|London']);
        Capsule::table('mod_virtfusion_direct')->insert(['service_id' => $leftBehind, 'server_id' => null]);
        self::assertCount(1, $this->checkout());
    }

    public function testACustomConfigurationMustFitOnOneHypervisor(): void
    {
        $memory = $this->addOption($this->product, 'Memory', ['16384|16 GB', '32768|32 GB', '8|8 GB']);
        $ids = Capsule::table('tblproductconfigoptionssub')->where('configid', $memory)->pluck('id', 'optionname')->all();
        // 64 GB free in Big, but 16 GB at most on any one hypervisor.
        $this->cart([$this->location => $this->subs['4|Big'], $memory => (int) $ids['32768|32 GB']]);
        $errors = $this->checkout();
        self::assertCount(1, $errors);
        self::assertStringContainsString('Big', $errors[0]);
        $_SESSION['cart']['products'] = [];
        $this->cart([$this->location => $this->subs['4|Big'], $memory => (int) $ids['16384|16 GB']], 4);
        self::assertSame([], $this->checkout(), 'four 16 GB VPSes, one per hypervisor');
        // A small value is GB, as the VirtFusionDirect module reads it: 8 GB.
        $_SESSION['cart']['products'] = [];
        $this->cart([$this->location => $this->subs['4|Big'], $memory => (int) $ids['8|8 GB']], 8);
        self::assertSame([], $this->checkout());
        $_SESSION['cart']['products'] = [];
        $this->cart([$this->location => $this->subs['4|Big'], $memory => (int) $ids['8|8 GB']], 9);
        self::assertCount(1, $this->checkout());
    }

    public function testAHangingPanelLetsTheOrderThroughWithinCartTimeout(): void
    {
        $this->setting('cartTimeout', '1');
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]);
        $this->cart([$this->location => $this->subs['2|Paris']]);
        $started = microtime(true);
        self::assertSame([], $this->checkout(), 'what could not be read never refuses an order');
        self::assertLessThan(2.5, microtime(true) - $started);
    }

    public function testSoldOutLocationsAreMarkedOnTheConfigurePage(): void
    {
        (new Refresher(Settings::load()))->run('test');
        $options = [[
            'id' => $this->location,
            'optionname' => 'Location',
            'options' => array_map(static fn (string $name, int $id): array => [
                'id' => $id, 'name' => explode('|', $name)[1], 'nameonly' => explode('|', $name)[1],
            ], array_keys($this->subs), $this->subs),
        ]];
        self::sim()->clearRequests();
        $this->expireCartLease();
        $results = $this->fireHook('ClientAreaPageCart', ['productinfo' => ['pid' => $this->product],
            'configurableoptions' => $options]);
        $marked = $results[0]['configurableoptions'] ?? null;
        self::assertIsArray($marked);
        $names = array_column($marked[0]['options'], 'name');
        self::assertSame(['London', 'Paris — Sold out', 'Rome', 'Big'], $names);
    }

    public function testHiddenLocationsComeBackAndTheOperatorsNeverDo(): void
    {
        $this->setting('hideSoldOut', 'on');
        // The operator hid Rome (which has room) themselves.
        Capsule::table('tblproductconfigoptionssub')->where('id', $this->subs['3|Rome'])->update(['hidden' => 1]);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(1, $this->hidden('2|Paris'), 'Paris is sold out for every product: hidden');
        self::assertSame(0, $this->hidden('1|London'));
        self::assertSame(1, Capsule::table(Schema::HIDDEN)->count());

        // Room comes back in Paris.
        self::sim()->patchGroup(2, self::hypervisorsFitting(1, 3, 20));
        Capsule::table(Schema::LEASES)->delete();
        vf_stock_forget(null);
        $this->fireHook('AfterCronJob', []);
        self::assertSame(0, $this->hidden('2|Paris'), 'shown again');
        self::assertSame(1, $this->hidden('3|Rome'), 'the operator\'s own stays hidden');
        self::assertSame(0, Capsule::table(Schema::HIDDEN)->count());
        // Paris was counted while hidden; Rome, hidden by the operator, is not offered, so not counted.
        self::assertSame(2 + 3 + 64, $this->qty($this->product));
    }

    private function hidden(string $name): int
    {
        return (int) Capsule::table('tblproductconfigoptionssub')->where('id', $this->subs[$name])->value('hidden');
    }

    private function expireCartLease(): void
    {
        Capsule::table(Schema::LEASES)->delete();
    }

    public function testTheTokenNeverReachesTheCustomer(): void
    {
        $this->cart([$this->location => $this->subs['2|Paris']]);
        $errors = $this->checkout();
        self::assertNoToken('checkout errors', ...$errors);
        self::assertNoToken('the module log', ...array_map(static fn (object $r): string => $r->request . $r->response,
            $this->moduleLog()));
        self::assertSame([], StandIn::$localApiCalls, 'a check sends nothing');
    }
}
