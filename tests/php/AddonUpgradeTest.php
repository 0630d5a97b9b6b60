<?php

declare(strict_types=1);

namespace VfStock\Tests;

use Illuminate\Database\Schema\Blueprint;
use VfStock\Tests\Whmcs\AddonTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\State;

require_once __DIR__ . '/whmcs/AddonTestCase.php';
require_once VFSTOCK_ADDON_DIR . '/vfstock.php';

/**
 * vfstock_upgrade() brings the tables of the first released version (0.1.0)
 * to this one with their data; and the addon reads products from their own
 * panel, one refresh per panel.
 */
final class AddonUpgradeTest extends AddonTestCase
{
    /** The first released schema, with a product's state and history in it. */
    private function firstSchema(int $productId): void
    {
        Schema::drop();
        $schema = Capsule::schema();
        $schema->create(Schema::LEASES, static function (Blueprint $t): void {
            $t->string('name', 191)->primary();
            $t->integer('expires_at');
        });
        $schema->create(Schema::STATE, static function (Blueprint $t): void {
            $t->unsignedInteger('product_id')->primary();
            $t->integer('qty')->nullable();
            $t->string('status', 16);
            $t->text('reason')->nullable();
            $t->unsignedInteger('checked_at');
            $t->mediumText('breakdown')->nullable();
        });
        $schema->create(Schema::HISTORY, static function (Blueprint $t): void {
            $t->increments('id');
            $t->unsignedInteger('product_id');
            $t->integer('qty')->nullable();
            $t->string('status', 16);
            $t->text('reason')->nullable();
            $t->unsignedInteger('created_at');
            $t->index(['product_id', 'id']);
        });
        $breakdown = ['1' => ['status' => 'ok', 'fits' => 12, 'unbounded' => false, 'ipv4Cap' => 100,
            'hypervisors' => [['id' => 1, 'name' => 'hv1', 'eligible' => true, 'fits' => 12, 'binding' => 'cpu']]]];
        Capsule::table(Schema::STATE)->insert(['product_id' => $productId, 'qty' => 12, 'status' => 'updated',
            'reason' => 'kept reason', 'checked_at' => 1_700_000_000, 'breakdown' => json_encode($breakdown)]);
        Capsule::table(Schema::HISTORY)->insert(['product_id' => $productId, 'qty' => 12, 'status' => 'updated',
            'reason' => null, 'created_at' => 1_700_000_000]);
        Capsule::table(Schema::LEASES)->insert(['name' => 'stockrefresh:cron', 'expires_at' => 1_700_007_200]);
    }

    public function testTheFirstReleasedSchemaIsUpgradedWithItsData(): void
    {
        $productId = $this->addProduct(['qty' => 12]);
        $this->firstSchema($productId);
        self::assertFalse(Schema::exists(), 'the old tables are not the current ones');

        vfstock_upgrade(['version' => '0.1.0']);
        vfstock_upgrade(['version' => '0.2.0']); // idempotent

        self::assertTrue(Schema::exists());
        $view = State::product($productId);
        self::assertNotNull($view);
        self::assertSame(['updated', 'kept reason', 1_700_000_000, 12],
            [$view['status'], $view['reason'], $view['checkedAt'], $view['groups'][1]['fits']]);
        $rows = State::hypervisors($view['groups'][1]['key']);
        self::assertSame('cpu', $rows[0]['binding'], 'the breakdown moved to its own table');
        self::assertSame(1, Capsule::table(Schema::HISTORY)->count(), 'history kept');
        $indexes = Capsule::select('SHOW INDEX FROM ' . Schema::HISTORY . ' WHERE Key_name = ?',
            [Schema::HISTORY_AGE_INDEX]);
        self::assertCount(1, $indexes, 'the history can be pruned by age');
        self::assertSame(1_700_007_200, (int) Capsule::table(Schema::LEASES)->value('expires_at'), 'leases kept');
        self::assertFalse(Capsule::schema()->hasTable(Schema::STATE . '_v1'));
    }

    public function testEachProductIsReadFromItsOwnPanel(): void
    {
        // Panel A (this class's simulator) and panel B, each with its group 1.
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 4));
        $b = new Simulator([
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => [self::PACKAGE => Fleet::package(['id' => self::PACKAGE])],
            'groups' => [1 => self::hypervisorsFitting(1, 9)],
        ]);
        try {
            $serverA = $this->addServer(['name' => 'A']);
            $serverB = $this->addServer(['name' => 'B', 'active' => 0,
                'hostname' => substr($b->url(), 0, -strlen('/api/v1'))]);
            Capsule::table('tblservergroupsrel')->insert([['groupid' => 10, 'serverid' => $serverA],
                ['groupid' => 20, 'serverid' => $serverB]]);
            $onA = $this->addProduct(['servergroup' => 10]);
            $onB = $this->addProduct(['servergroup' => 20]);
            $default = $this->addProduct(['servergroup' => 0]);
            self::sim()->clearRequests();

            $this->fireHook('AfterCronJob', []);

            self::assertSame(4, $this->qty($onA));
            self::assertSame(9, $this->qty($onB), 'counted on its own panel');
            self::assertSame(4, $this->qty($default), 'no server group: the default panel (A)');
            self::assertNotEmpty($b->requests(), 'panel B was read');
            self::assertSame(1, Capsule::table(\WHMCS\Module\Addon\VfStock\Schema::LEASES)
                ->where('name', 'stockrefresh:cron')->count(), 'one lease for the sweep');
            self::assertSame($serverB, (int) $this->state($onB)->panel);

            // Held lease: nothing at all, on either panel.
            $b->clearRequests();
            self::sim()->clearRequests();
            $this->fireHook('AfterCronJob', []);
            self::assertSame([], $b->requests());
            self::assertSame([], self::sim()->requests());
        } finally {
            $b->stop();
        }
    }
}
