<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Database;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * the `db` callbacks (products, locations, write, claim) over a real
 * MariaDB through WHMCS's Capsule.
 */
final class AddonDatabaseTest extends AddonTestCase
{
    private function database(): Database
    {
        return new Database(Settings::load());
    }

    public function testProductsAreTheStockControlledVirtFusionRowsWithTheBufferFilledIn(): void
    {
        $this->setting('buffer', '15');
        $blank = $this->addProduct(['name' => 'blank buffer', 'configoption7' => '']);
        $spaces = $this->addProduct(['name' => 'spaces', 'configoption7' => '  ']);
        $null = $this->addProduct(['name' => 'null', 'configoption7' => null]);
        $zero = $this->addProduct(['name' => 'own 0', 'configoption7' => '0']);
        $own = $this->addProduct(['name' => 'own 25', 'configoption7' => '25']);
        $off = $this->addProduct(['name' => 'stock control off', 'stockcontrol' => 0]);
        $other = $this->addProduct(['name' => 'cpanel', 'servertype' => 'cpanel']);

        $rows = $this->database()->products(null);
        $ids = static fn (array $rows): array => array_map(static fn (array $r): int => (int) $r['id'], $rows);
        self::assertSame([$blank, $spaces, $null, $zero, $own], $ids($rows));
        $buffers = array_column($rows, 'configoption7', 'name');
        self::assertSame(
            ['blank buffer' => '15', 'spaces' => '15', 'null' => '15', 'own 0' => '0', 'own 25' => '25'],
            $buffers
        );
        foreach (['id', 'servertype', 'stockcontrol', 'qty', 'configoption1', 'configoption2', 'configoption3'] as $k) {
            self::assertArrayHasKey($k, $rows[0]);
        }

        $some = $this->database()->products([$other, (string) $off, $blank, $blank, 999]);
        self::assertSame(
            [$blank, $off, $other],
            $ids($some),
            'the rows asked for, whatever they are: the extension decides what to skip'
        );
        self::assertSame([], $this->database()->products([]));
    }

    public function testProductsDefaultBufferIsTenWithNoSettings(): void
    {
        $this->addProduct();
        self::assertSame('10', $this->database()->products(null)[0]['configoption7']);
    }

    public function testLocationsMatchTheLabelBeforeThePipeCaseInsensitively(): void
    {
        $p = $this->addProduct();
        $this->addOption($p, 'Location|Data centre', ['2|Paris', ' 3 | Berlin ', ['4|Hidden', 1], 'x|not a group']);
        $this->addOption($p, 'Locations', ['9|Wrong option']);
        $this->addOption($p, 'RAM', ['8|8 GB']);
        $other = $this->addProduct();
        $this->addOption($other, 'Location', ['7|Other product']);

        $db = $this->database();
        self::assertSame(['2|Paris', ' 3 | Berlin ', 'x|not a group'], $db->locations($p, 'Location'));
        self::assertSame(['2|Paris', ' 3 | Berlin ', 'x|not a group'], $db->locations($p, ' location '));
        self::assertSame(['2|Paris', ' 3 | Berlin ', 'x|not a group'], $db->locations($p, 'LOCATION|anything'));
        self::assertSame(['7|Other product'], $db->locations($other, 'location'));
        self::assertSame([], $db->locations($p, 'Region'));
        self::assertSame([], $db->locations(999, 'Location'));
    }

    public function testLocationsOfALowerCaseOptionWithAConfiguredLabel(): void
    {
        $p = $this->addProduct();
        $this->addOption($p, 'region', ['11', '12|Tokyo']);
        self::assertSame(['11', '12|Tokyo'], $this->database()->locations($p, 'Region'));
    }

    public function testWriteSetsQty(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $q = $this->addProduct(['qty' => 4]);
        $this->database()->write($p, 42);
        self::assertSame(42, $this->qty($p));
        self::assertSame(4, $this->qty($q));
    }

    public function testClaimTakesAFreeLeaseOnceAndAnExpiredOneAgain(): void
    {
        $db = $this->database();
        self::assertTrue($db->claim('stockrefresh:event', 30));
        self::assertFalse($db->claim('stockrefresh:event', 30), 'held');
        self::assertTrue($db->claim('stockrefresh:12', 60), 'another key is another lease');
        $now = (int) Capsule::selectOne('SELECT UNIX_TIMESTAMP() AS now')->now;
        $expires = (int) Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:event')->value('expires_at');
        self::assertEqualsWithDelta($now + 30, $expires, 2);

        Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:event')->update(['expires_at' => $now - 1]);
        self::assertTrue($db->claim('stockrefresh:event', 30), 'expired: taken again');
        self::assertFalse($db->claim('stockrefresh:event', 30));
    }

    public function testClaimJudgesExpiryByTheDatabaseClock(): void
    {
        $db = $this->database();
        $phpNow = time();
        // By this web node's clock the lease has 500 s left...
        Capsule::table(Schema::LEASES)->insert(['name' => 'stockrefresh:cron', 'expires_at' => $phpNow + 500]);
        // ...but the database's clock, which every node shares, is 1000 s ahead.
        Capsule::statement('SET @@timestamp = ?', [$phpNow + 1000]);
        try {
            self::assertTrue($db->claim('stockrefresh:cron', 7200), 'expired by the database clock');
            $expires = (int) Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:cron')->value('expires_at');
            self::assertSame($phpNow + 1000 + 7200, $expires, 'the new expiry is on the database clock too');
        } finally {
            Capsule::statement('SET @@timestamp = DEFAULT');
        }

        // And the other way round: expired by PHP's clock, held by the database's.
        Capsule::table(Schema::LEASES)->insert(['name' => 'stockrefresh:event', 'expires_at' => $phpNow - 100]);
        Capsule::statement('SET @@timestamp = ?', [$phpNow - 1000]);
        try {
            self::assertFalse($db->claim('stockrefresh:event', 30), 'still held by the database clock');
        } finally {
            Capsule::statement('SET @@timestamp = DEFAULT');
        }
    }

    public function testManagedIsTheStockControlledVirtFusionProduct(): void
    {
        self::assertTrue(Database::isManaged($this->addProduct()));
        // Any value but 0 is on, as the extension reads the flag.
        self::assertTrue(Database::isManaged($this->addProduct(['stockcontrol' => 2])));
        self::assertFalse(Database::isManaged($this->addProduct(['stockcontrol' => 0])));
        self::assertFalse(Database::isManaged($this->addProduct(['servertype' => 'cpanel'])));
        self::assertFalse(Database::isManaged(999));
        self::assertFalse(Database::isManaged(0));
    }
}
