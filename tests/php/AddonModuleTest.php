<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Panel;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;

require_once __DIR__ . '/whmcs/AddonTestCase.php';
require_once VFSTOCK_ADDON_DIR . '/vfstock.php';

/**
 * the module's config, activation, settings and panel credentials,
 * on a real MariaDB.
 */
final class AddonModuleTest extends AddonTestCase
{
    public function testConfigDeclaresTheSettingsWithTheirDefaults(): void
    {
        $config = vfstock_config();
        self::assertSame('VirtFusion Stock Control', $config['name']);
        foreach (['description', 'version', 'author'] as $key) {
            self::assertIsString($config[$key]);
            self::assertNotSame('', $config[$key]);
        }
        $defaults = [];
        foreach ($config['fields'] as $name => $field) {
            $defaults[$name] = $field['Default'];
            self::assertArrayHasKey('FriendlyName', $field);
        }
        self::assertSame([
            'buffer' => '10',
            'cronInterval' => '120',
            'eventInterval' => '30',
            'cartInterval' => '60',
            'cartTimeout' => '3',
            'autoAccept' => 'yes',
            'locationLabel' => 'Location',
            'ipv4Pool' => 'group',
            'lowStock' => '3',
            'staleHours' => '6',
            'notifyEmail' => '',
            'reserveHours' => '48',
            'soldOutLabel' => 'Sold out',
            'hideSoldOut' => '',
            'displayCap' => '',
        ], $defaults);
        self::assertSame('group,hypervisor', $config['fields']['ipv4Pool']['Options']);
        self::assertSame('yesno', $config['fields']['autoAccept']['Type']);
    }

    public function testActivateAndDeactivateAreIdempotentAndKeepQty(): void
    {
        $productId = $this->addProduct(['qty' => 7]);
        Schema::drop();
        self::assertFalse(Schema::exists());

        self::assertSame('success', vfstock_activate()['status']);
        self::assertSame('success', vfstock_activate()['status'], 'activating twice is fine');
        self::assertTrue(Schema::exists());
        $schema = Capsule::schema();
        self::assertSame(['name', 'expires_at'], $schema->getColumnListing(Schema::LEASES));
        foreach (['product_id', 'qty', 'status', 'reason', 'checked_at', 'groups', 'ok_at', 'flags'] as $column) {
            self::assertTrue($schema->hasColumn(Schema::STATE, $column), $column);
        }
        Capsule::table(Schema::STATE)->insert([
            'product_id' => $productId, 'qty' => 7, 'status' => 'unchanged', 'checked_at' => time(),
        ]);
        self::assertSame('success', vfstock_activate()['status'], 'activating again keeps the rows');
        self::assertSame(1, Capsule::table(Schema::STATE)->count());

        $result = vfstock_deactivate();
        self::assertSame('success', $result['status']);
        self::assertIsString($result['description']);
        self::assertSame('success', vfstock_deactivate()['status'], 'deactivating twice is fine');
        foreach (Schema::TABLES as $table) {
            self::assertFalse($schema->hasTable($table), "{$table} is dropped");
        }
        self::assertTrue($schema->hasTable('tblproducts'), 'only the addon\'s tables are dropped');
        self::assertSame(7, $this->qty($productId), 'qty values stay');
    }

    public function testSettingsDefaultWithNoRows(): void
    {
        self::assertSame(0, Capsule::table('tbladdonmodules')->count());
        self::assertSame([
            'buffer' => 10,
            'cronInterval' => 120,
            'eventInterval' => 30,
            'cartInterval' => 60,
            'cartTimeout' => 3.0,
            'autoAccept' => true,
            'locationLabel' => 'Location',
            'ipv4Pool' => 'group',
            'lowStock' => 3,
            'staleHours' => 6.0,
            'notifyEmail' => false,
            'reserveHours' => 48.0,
            'soldOutLabel' => 'Sold out',
            'hideSoldOut' => false,
            'displayCap' => null,
        ], Settings::load()->toArray());
    }

    public function testSettingsAreReadFromTbladdonmodules(): void
    {
        $this->setting('buffer', '12.5');
        $this->setting('cronInterval', '15');
        $this->setting('cartTimeout', '1.5');
        $this->setting('autoAccept', '');
        $this->setting('locationLabel', ' Region ');
        Capsule::table('tbladdonmodules')->insert(['module' => 'other', 'setting' => 'eventInterval', 'value' => '5']);
        $settings = Settings::load();
        self::assertSame(12, $settings->buffer());
        self::assertSame(15, $settings->cronInterval());
        self::assertSame(30, $settings->eventInterval(), 'another module\'s row does not count');
        self::assertSame(1.5, $settings->cartTimeout());
        self::assertFalse($settings->autoAccept(), 'an unticked yesno is stored as an empty value');
        self::assertSame('Region', $settings->locationLabel());

        $this->setting('buffer', '250');
        $this->setting('autoAccept', 'on');
        $this->setting('cartTimeout', 'soon');
        self::assertSame(100, Settings::load()->buffer());
        self::assertTrue(Settings::load()->autoAccept());
        self::assertSame(3.0, Settings::load()->cartTimeout());
    }

    public function testCredentialsPreferTheDefaultEnabledServer(): void
    {
        self::assertNull(Panel::credentials(), 'no server');
        $this->addServer(['hostname' => 'a.example', 'password' => encrypt('token-a'), 'active' => 0]);
        $this->addServer(['hostname' => 'b.example', 'password' => encrypt('token-b'), 'active' => 1, 'disabled' => 1]);
        $this->addServer(['hostname' => 'c.example', 'password' => encrypt('token-c'), 'active' => 1]);
        $this->addServer(['hostname' => 'x.example', 'type' => 'cpanel', 'active' => 1]);
        $panel = Panel::credentials();
        self::assertNotNull($panel);
        self::assertSame('https://c.example/api/v1', $panel->url, 'the default one (disabled skipped)');
        self::assertSame('token-c', $panel->token(), 'the password, decrypted');
    }

    public function testCredentialsTakeTheLowestIdWithoutADefault(): void
    {
        $this->addServer(['hostname' => 'b.example', 'active' => 0, 'disabled' => 1]);
        $second = $this->addServer(['hostname' => '', 'ipaddress' => '10.1.2.3', 'active' => 0]);
        $this->addServer(['hostname' => 'd.example', 'active' => 0]);
        $panel = Panel::credentials();
        self::assertNotNull($panel);
        self::assertSame($second, $panel->serverId);
        self::assertSame('https://10.1.2.3/api/v1', $panel->url, 'the IP address when the hostname is empty');
    }

    public function testBaseUrlRules(): void
    {
        self::assertSame('https://panel.example.com/api/v1', Panel::baseUrl('panel.example.com'));
        self::assertSame('https://panel.example.com/api/v1', Panel::baseUrl(' panel.example.com/ '));
        self::assertSame('http://127.0.0.1:8080/api/v1', Panel::baseUrl('http://127.0.0.1:8080'));
        self::assertSame('https://panel.test/api/v1', Panel::baseUrl('https://panel.test'));
        self::assertSame('HTTPS://panel.test/api/v1', Panel::baseUrl('HTTPS://panel.test'));
    }
}
