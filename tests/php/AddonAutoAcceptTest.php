<?php

declare(strict_types=1);

namespace VfStock\Tests;

use Illuminate\Database\Schema\Blueprint;
use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\AutoAccept;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * auto-accept, through the AfterModuleCreate hook as WHMCS fires it.
 */
final class AddonAutoAcceptTest extends AddonTestCase
{
    private int $product;

    protected function setUp(): void
    {
        parent::setUp();
        $this->product = $this->addProduct();
    }

    private function order(string $status = 'Pending'): int
    {
        return (int) Capsule::table('tblorders')->insertGetId([
            'ordernum' => (string) random_int(1, 1 << 30),
            'status' => $status,
        ]);
    }

    private function service(int $orderId, ?int $productId = null, string $status = 'Pending'): int
    {
        return (int) Capsule::table('tblhosting')->insertGetId([
            'orderid' => $orderId,
            'packageid' => $productId ?? $this->product,
            'domain' => '',
            'domainstatus' => $status,
        ]);
    }

    private function provisioned(int $serviceId): void
    {
        if (!Capsule::schema()->hasTable(AutoAccept::SERVICES_TABLE)) {
            Capsule::schema()->create(AutoAccept::SERVICES_TABLE, static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('service_id');
                $t->unsignedInteger('server_id');
            });
        }
        if ($serviceId > 0) {
            Capsule::table(AutoAccept::SERVICES_TABLE)->insert(['service_id' => $serviceId, 'server_id' => 1]);
        }
    }

    private function created(int $serviceId): void
    {
        $this->fireHook('AfterModuleCreate', self::moduleParams($serviceId, $this->product));
    }

    private function orderStatus(int $orderId): string
    {
        return (string) Capsule::table('tblorders')->where('id', $orderId)->value('status');
    }

    /** @return list<array<string, mixed>> AcceptOrder calls, in this process or any other */
    private function acceptCalls(): array
    {
        return Capsule::table('standin_localapi')->where('command', 'AcceptOrder')->orderBy('id')->get()
            ->map(static fn (object $r): array => json_decode($r->params, true, 8, JSON_THROW_ON_ERROR))->all();
    }

    public function testAPendingOrderIsAcceptedWithoutSetupAndWithTheEmail(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        $this->created($service);
        self::assertSame([['orderid' => $order, 'autosetup' => false, 'sendemail' => true]], $this->acceptCalls());
        self::assertSame('Active', $this->orderStatus($order));
        self::assertCount(1, $this->moduleLog('auto-accept'));
    }

    public function testPendingIsCaseInsensitiveAndOtherStatusesAreLeftAlone(): void
    {
        $lower = $this->order('pending');
        $this->created($this->service($lower));
        self::assertSame('Active', $this->orderStatus($lower));

        foreach (['Active', 'Cancelled', 'Fraud'] as $status) {
            $order = $this->order($status);
            $this->created($this->service($order));
            self::assertSame($status, $this->orderStatus($order));
        }
        self::assertCount(1, $this->acceptCalls());
    }

    public function testItIsIdempotent(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        $this->created($service);
        $this->created($service);
        self::assertCount(1, $this->acceptCalls(), 'an order no longer Pending is never accepted again');
    }

    public function testAPendingSiblingNotYetOnThePanelDefersTheOrder(): void
    {
        $this->provisioned(0);
        $order = $this->order();
        $first = $this->service($order);
        $second = $this->service($order);
        $this->provisioned($first);

        $this->created($first);
        self::assertSame([], $this->acceptCalls(), 'deferred: the second VPS is still waiting');
        self::assertSame('Pending', $this->orderStatus($order));
        self::assertSame(AutoAccept::DEFERRED, (new AutoAccept())->afterCreate($first));

        $this->provisioned($second);
        Capsule::table('tblhosting')->where('id', $first)->update(['domainstatus' => 'Active']);
        $this->created($second);
        self::assertSame([['orderid' => $order, 'autosetup' => false, 'sendemail' => true]], $this->acceptCalls());
        self::assertSame('Active', $this->orderStatus($order));
    }

    public function testSiblingsThatDoNotDefer(): void
    {
        $this->provisioned(0);
        $other = $this->addProduct(['servertype' => 'cpanel', 'stockcontrol' => 0]);
        $order = $this->order();
        $service = $this->service($order);
        $this->service($order, $other); // another module's service, Pending
        $this->service($order, null, 'Active'); // a VirtFusion service already active
        $this->service($order, null, 'Cancelled');
        $onPanel = $this->service($order, null, 'PENDING'); // pending but already created
        $this->provisioned($onPanel);

        $this->created($service);
        self::assertCount(1, $this->acceptCalls());
        self::assertSame('Active', $this->orderStatus($order));
    }

    public function testNothingIsDeferredWithoutTheVirtFusionTable(): void
    {
        self::assertFalse(Capsule::schema()->hasTable(AutoAccept::SERVICES_TABLE));
        $order = $this->order();
        $service = $this->service($order);
        $this->service($order); // pending sibling, but nothing can tell whether it is on the panel
        $this->created($service);
        self::assertCount(1, $this->acceptCalls());
    }

    public function testTheSettingTurnsItOff(): void
    {
        $this->setting('autoAccept', '');
        $order = $this->order();
        $this->created($this->service($order));
        self::assertSame([], $this->acceptCalls());
        self::assertSame('Pending', $this->orderStatus($order));
    }

    public function testOtherModulesAndOrderlessServicesAreIgnored(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        $this->fireHook('AfterModuleCreate', self::moduleParams($service, $this->product, ['moduletype' => 'cpanel']));
        $this->created($this->service(0));
        $this->created(424242);
        self::assertSame([], $this->acceptCalls());
        self::assertSame(AutoAccept::NO_ORDER, (new AutoAccept())->afterCreate(0));
    }

    public function testAFailedAcceptIsLoggedNotThrown(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        StandIn::$localApiError = 'Order is locked';
        $this->created($service);
        self::assertSame('Pending', $this->orderStatus($order));
        $log = $this->moduleLog('auto-accept');
        self::assertCount(1, $log);
        self::assertStringContainsString('Order is locked', $log[0]->response);
        self::assertSame(AutoAccept::FAILED, (new AutoAccept())->afterCreate($service));
    }

    public function testABrokenDatabaseIsLoggedNotThrown(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        Capsule::schema()->drop('tblorders');
        try {
            $results = $this->fireHook('AfterModuleCreate', self::moduleParams($service, $this->product));
            self::assertSame([null], $results);
            self::assertCount(1, $this->moduleLog('AfterModuleCreate auto-accept failed'));
        } finally {
            StandIn::createSchema();
        }
    }

    public function testItWorksWithoutTheExtension(): void
    {
        $order = $this->order();
        $service = $this->service($order);
        $p = $this->product;
        Capsule::table('tblproducts')->where('id', $p)->update(['qty' => 7]);

        $result = $this->childHook('AfterModuleCreate', self::moduleParams($service, $p), false);

        self::assertFalse(json_decode($result['stdout'], true)['extension'], 'the child has no extension');
        self::assertSame([['orderid' => $order, 'autosetup' => false, 'sendemail' => true]], $this->acceptCalls());
        self::assertSame('Active', $this->orderStatus($order));
        self::assertSame(7, $this->qty($p));
        self::assertCount(1, $this->moduleLog('extension not loaded'));
    }
}
