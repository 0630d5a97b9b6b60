<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Admin\Widget;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * the dashboard widget (AdminHomeWidgets) shows sold-out, low,
 * stale and untouched products at a glance, linking to the addon page,
 * from stored state: drawing it never asks the panel.
 */
final class AddonWidgetTest extends AddonTestCase
{
    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', '');
        $this->addServer();
    }

    private function cronRefresh(): void
    {
        $this->fireHook('AfterCronJob', []);
        Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
    }

    /** The widget as the dashboard gets it: through the hook. */
    private function widget(): Widget
    {
        $results = $this->fireHook('AdminHomeWidgets', []);
        self::assertCount(1, $results);
        self::assertInstanceOf(Widget::class, $results[0]['vfstock'] ?? null);

        return $results[0]['vfstock'];
    }

    /** @return array{0: \DOMXPath, 1: string} */
    private function draw(): array
    {
        self::sim()->clearRequests();
        $widget = $this->widget();
        self::assertInstanceOf(\WHMCS\Module\AbstractWidget::class, $widget);
        $html = (string) $widget->render();
        self::assertSame([], self::sim()->requests(), 'the widget never asks the panel');
        $doc = new \DOMDocument();
        $previous = libxml_use_internal_errors(true);
        $doc->loadHTML('<?xml encoding="utf-8"?>' . $html);
        libxml_clear_errors();
        libxml_use_internal_errors($previous);

        return [new \DOMXPath($doc), $html];
    }

    /** @return array<string, list<string>> list => its items' text */
    private static function lists(\DOMXPath $x): array
    {
        $out = [];
        foreach ($x->query("//div[@data-list]") as $list) {
            $items = [];
            foreach ($x->query('.//li', $list) as $li) {
                $items[] = preg_replace('/\s+/', ' ', trim($li->textContent));
            }
            $out[$list->getAttribute('data-list')] = $items;
        }

        return $out;
    }

    public function testTheWidgetShowsSoldOutLowStaleAndUntouchedProductsFromState(): void
    {
        self::sim()->scenario(self::scenario([
            2 => self::hypervisorsFitting(1, 2, 3),
            3 => self::hypervisorsFitting(1, 0, 4),
            4 => Fleet::hypervisors(1, [], 5),
            6 => Fleet::hypervisors(1, [], 6),
        ], [9 => Fleet::package(['id' => 9])]));
        $fine = $this->addProduct(['name' => 'Fine VPS']);
        $low = $this->addProduct(['name' => 'Low <b>VPS</b>', 'configoption1' => '2']);
        $full = $this->addProduct(['name' => 'Full VPS', 'configoption1' => '3']);
        $gone = $this->addProduct(['name' => 'Gone VPS', 'configoption2' => '9']);
        $stale = $this->addProduct(['name' => 'Stale VPS', 'configoption1' => '4']);
        $untouched = $this->addProduct(['name' => 'Blip VPS', 'configoption1' => '6']);
        $this->cronRefresh();
        self::sim()->deletePackage(9);
        self::sim()->faults([
            ['route' => 'resources', 'id' => 4, 'action' => ['status' => 503]],
            ['route' => 'resources', 'id' => 6, 'action' => ['status' => 503]],
        ]);
        vf_stock_forget(null);
        $this->cronRefresh();
        Capsule::table(Schema::STATE)->where('product_id', $stale)->update(['ok_at' => time() - 8 * 3600]);
        $this->addProduct(['name' => 'New VPS']); // not refreshed yet
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]); // a panel that would hang the dashboard

        [$x, $html] = $this->draw();
        self::assertSame([
            'soldOut' => ['Full VPS', 'Gone VPS package gone'],
            'low' => ['Low <b>VPS</b> qty 2'],
            'stale' => ['Stale VPS since 8 h ago'],
            'untouched' => [
                'Blip VPS could not read every group, qty left as it was rather than counting part of the fleet:'
                . ' group 6: the panel failed (HTTP 503)',
            ],
        ], self::lists($x));
        self::assertStringContainsString(
            '7 stock-controlled products, 1 never checked · last refresh just now.',
            trim($x->query("//p[contains(@class,'vfstock-widget-total')]")->item(0)->textContent)
        );
        $links = [];
        foreach ($x->query("//div[@data-list='soldOut']//a") as $a) {
            $links[] = $a->getAttribute('href');
        }
        self::assertSame(["addonmodules.php?module=vfstock#vfstock-product-{$full}",
            "addonmodules.php?module=vfstock#vfstock-product-{$gone}"], $links);
        self::assertSame(
            'addonmodules.php?module=vfstock',
            $x->query("//a[@id='vfstock-widget-link']")->item(0)->getAttribute('href')
        );
        self::assertStringNotContainsString('<b>VPS</b>', $html, 'escaped');
        self::assertStringContainsString('Low &lt;b&gt;VPS&lt;/b&gt;', $html);
        self::assertStringNotContainsString('Fine VPS', $html, 'only what needs a look');
        self::assertNoToken('the widget', $html);
        self::assertSame('VirtFusion Stock', $this->widget()->getTitle());
        self::assertFalse($this->widget()->isCachable(), 'drawn from the current state');
        unset($fine, $low, $untouched);
    }

    public function testAllWellIsSaidInAWord(): void
    {
        $this->addProduct(['name' => 'Fine VPS']);
        $this->cronRefresh();
        [$x] = $this->draw();
        $ok = trim($x->query("//*[@id='vfstock-widget-ok']")->item(0)->textContent);
        self::assertSame('All in stock and up to date.', $ok);
        self::assertSame([], self::lists($x));
    }

    public function testWithoutProductsOrStateTheWidgetSaysSo(): void
    {
        [$x] = $this->draw();
        self::assertStringContainsString(
            'No VirtFusion product has stock control on',
            trim($x->query("//div[@id='vfstock-widget']")->item(0)->textContent)
        );

        $this->addProduct(['name' => 'Fresh VPS']);
        [$x] = $this->draw();
        self::assertSame('Nothing checked yet.', trim($x->query("//*[@id='vfstock-widget-ok']")->item(0)->textContent));
    }

    public function testAFailureToReadTheStateIsShownNotThrown(): void
    {
        $this->addProduct(['name' => 'Fine VPS']);
        $this->cronRefresh();
        Capsule::schema()->rename('tblproducts', 'tblproducts_away');
        try {
            [$x] = $this->draw();
            $text = trim($x->query("//div[@id='vfstock-widget']")->item(0)->textContent);
            self::assertStringContainsString('The stock state could not be read', $text);
            self::assertSame(1, $x->query("//a[@id='vfstock-widget-link']")->length, 'the page is a click away');
        } finally {
            Capsule::schema()->rename('tblproducts_away', 'tblproducts');
        }
    }
}
