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
 * What operators are told: an activity-log line per change, a
 * notification per transition — sent once, not again while the state
 * holds, and again after it recovered and failed again.
 */
final class AddonNotifyTest extends AddonTestCase
{
    private int $product = 0;

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', '');
        $this->addServer();
        $this->product = $this->addProduct(['name' => 'VPS Small', 'qty' => 0]);
    }

    private function refresh(): void
    {
        vf_stock_forget(null);
        (new Refresher(Settings::load()))->run('test');
    }

    /** @return list<string> the titles of the notifications sent since the last call */
    private function notifications(string $command = 'TriggerNotificationEvent'): array
    {
        $out = [];
        foreach (StandIn::$localApiCalls as $call) {
            if ($call['command'] === $command) {
                $out[] = (string) ($call['values']['title'] ?? $call['values']['customsubject'] ?? '') . ' | '
                    . (string) ($call['values']['message'] ?? $call['values']['custommessage'] ?? '');
            }
        }
        StandIn::$localApiCalls = [];

        return $out;
    }

    /** @return list<string> */
    private function activity(): array
    {
        return array_map('strval', Capsule::table('tblactivitylog')->orderBy('id')->pluck('description')->all());
    }

    public function testSoldOutIsSaidOnceAndAgainAfterItRecoveredAndFailedAgain(): void
    {
        $this->refresh();
        self::assertSame(56, $this->qty($this->product));
        self::assertSame([], $this->notifications(), 'in stock from the start: nothing to say');

        self::sim()->deletePackage(self::PACKAGE);
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('VPS Small', $sent[0]);
        self::assertStringContainsString('sold out: its package is gone', $sent[0]);
        $this->refresh();
        self::assertSame([], $this->notifications(), 'not again while it holds');

        self::sim()->scenario(self::scenario());
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('back in stock', $sent[0]);

        self::sim()->deletePackage(self::PACKAGE);
        $this->refresh();
        self::assertCount(1, $this->notifications(), 'sent again after it recovered and failed again');
    }

    public function testOneNotificationPerRefreshNamesEveryTransition(): void
    {
        $this->refresh();
        $this->notifications();
        $this->setting('lowStock', '10');
        // 4 fit now: low, and (hypothetically) the qty changed; one notification.
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 2));
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('low stock: qty 4', $sent[0]);
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 0));
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('sold out', $sent[0]);
    }

    public function testTheActivityLogHasALinePerChangeNeverPerRun(): void
    {
        $this->refresh();
        $this->refresh();
        $lines = $this->activity();
        self::assertCount(1, $lines, 'one change, two runs');
        self::assertStringContainsString('VPS Small (#' . $this->product . ') qty 0 → 56', $lines[0]);

        self::sim()->faults([['route' => 'any', 'action' => ['status' => 503]]]);
        $this->refresh();
        $this->refresh();
        $lines = $this->activity();
        self::assertCount(2, $lines, 'the failure to read the panel once, however many runs');
        self::assertStringContainsString('could not be recalculated', $lines[1]);
        self::assertStringContainsString('503', $lines[1]);
        self::sim()->clearFaults();
        $this->refresh();
        self::assertStringContainsString('recalculated again', $this->activity()[2]);
    }

    public function testStaleIsSaidOnceWhenThePanelStaysUnreadable(): void
    {
        $this->refresh();
        $this->notifications();
        self::sim()->faults([['route' => 'any', 'action' => ['status' => 503]]]);
        $this->refresh();
        self::assertSame([], $this->notifications(), 'one failure is not stale');
        Capsule::table(Schema::STATE)->where('product_id', $this->product)->update(['ok_at' => time() - 7 * 3600]);
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('stale', $sent[0]);
        $this->refresh();
        self::assertSame([], $this->notifications());
    }

    public function testPendingOrdersThatNoLongerFitAreSaid(): void
    {
        $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending', 'date' => date('Y-m-d H:i:s')]);
        for ($i = 0; $i < 3; $i++) {
            Capsule::table('tblhosting')->insert(['orderid' => $order, 'packageid' => $this->product, 'domain' => '',
                'domainstatus' => 'Pending']);
        }
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 1));
        $this->refresh();
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('2 pending orders no longer fit in group 1', $sent[0]);
        self::assertSame(0, $this->qty($this->product));
    }

    public function testNotifyEmailAlsoMailsTheAdmins(): void
    {
        $this->setting('notifyEmail', 'on');
        $this->refresh();
        self::sim()->deletePackage(self::PACKAGE);
        $this->refresh();
        $mails = $this->notifications('SendAdminEmail');
        self::assertCount(1, $mails);
        self::assertStringContainsString('sold out', $mails[0]);
    }

    public function testAFailedProvisioningIsSaidAndRecounts(): void
    {
        $this->fireHook('AfterModuleCreateFailed', self::moduleParams(77, $this->product)
            + ['failureResponseMessage' => 'no hypervisor could take it']);
        $sent = $this->notifications();
        self::assertCount(1, $sent);
        self::assertStringContainsString('provisioning of service #77 failed', $sent[0]);
        self::assertSame(56, $this->qty($this->product), 'and it recounted');
        self::assertStringContainsString('no hypervisor could take it', implode("\n", $this->activity()));
    }

    public function testDisplayCapLimitsTheQtyCustomersSee(): void
    {
        $this->setting('displayCap', '5');
        $this->refresh();
        self::assertSame(5, $this->qty($this->product));
        self::assertStringContainsString('at most 5', (string) $this->state($this->product)->reason);
        $this->setting('displayCap', '');
        $this->refresh();
        self::assertSame(56, $this->qty($this->product));
    }

    public function testAHugeFleetIsWrittenAsTheLargestQtyTheColumnHolds(): void
    {
        // MariaDB in strict mode refuses an INT out of range: the write must fit.
        $huge = Fleet::hypervisors(3, ['resources' => [
            'memory' => Fleet::cell(PHP_INT_MAX, PHP_INT_MAX),
            'cpuCores' => Fleet::cell(0, 0),
            'localStorage' => ['max' => 0, 'free' => 0],
            'network' => ['total' => ['ipv4' => ['free' => null]]],
        ]]);
        self::sim()->patchGroup(1, $huge);
        $later = $this->addProduct(['name' => 'Later', 'qty' => 0, 'configoption1' => '2']);
        self::sim()->patchGroup(2, self::hypervisorsFitting(1, 7));
        $this->refresh();
        self::assertSame(2147483647, $this->qty($this->product));
        self::assertSame(7, $this->qty($later), 'the products after it are still updated');
        $mode = (string) Capsule::selectOne('SELECT @@SESSION.sql_mode AS m')->m;
        self::assertStringContainsString('STRICT', $mode, 'the test ran on a strict MariaDB');
    }
}
