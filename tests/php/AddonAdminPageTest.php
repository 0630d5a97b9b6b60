<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\Browser;
use VfStock\Tests\Whmcs\PhpServer;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\AdminPage;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/whmcs/AddonTestCase.php';
require_once __DIR__ . '/whmcs/PhpServer.php';
require_once __DIR__ . '/whmcs/Browser.php';
require_once VFSTOCK_ADDON_DIR . '/vfstock.php';

/**
 * SPEC §7/§8: the admin page, rendered in process, served by PHP's built-in
 * server, and clicked in headless Chromium.
 */
final class AddonAdminPageTest extends AddonTestCase
{
    private int $product;

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', '');
        $this->addServer(['name' => 'Main <panel>']);
        $this->product = $this->addProduct(['name' => 'VPS <b>1G</b> & "more"', 'qty' => 3]);
    }

    private function page(): AdminPage
    {
        return new AdminPage(['modulelink' => 'addonmodules.php?module=vfstock']);
    }

    private function cronRefresh(): void
    {
        $this->fireHook('AfterCronJob', []);
        Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
    }

    private function recalculate(array $post = [], array $query = []): array
    {
        $_POST = $post + ['action' => 'recalculate', 'token' => generate_token('plain')];
        $_REQUEST = $_POST + $query;

        return $this->page()->handle('POST', $query, $_POST);
    }

    private static function dom(string $html): \DOMXPath
    {
        $doc = new \DOMDocument();
        $previous = libxml_use_internal_errors(true);
        $doc->loadHTML('<?xml encoding="utf-8"?>' . $html);
        libxml_clear_errors();
        libxml_use_internal_errors($previous);

        return new \DOMXPath($doc);
    }

    private static function text(\DOMXPath $xpath, string $query): string
    {
        $nodes = $xpath->query($query);

        return $nodes !== false && $nodes->length > 0 ? trim((string) $nodes->item(0)?->textContent) : '';
    }

    public function testThePageShowsEachProductsLastCheckBreakdownChartAndConnection(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 7));
        vf_stock_forget(null);
        $this->cronRefresh();

        ob_start();
        vfstock_output(['modulelink' => 'addonmodules.php?module=vfstock']);
        $html = (string) ob_get_clean();

        $x = self::dom($html);
        $row = "//tr[@data-pid='{$this->product}']";
        self::assertSame('14', self::text($x, "{$row}/td[contains(@class,'vfstock-qty')]"));
        self::assertSame('updated', self::text($x, "{$row}/td[contains(@class,'vfstock-status')]"));
        self::assertMatchesRegularExpression(
            '/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/',
            self::text($x, "{$row}/td[contains(@class,'vfstock-checked')]")
        );
        self::assertStringContainsString('VPS <b>1G</b> & "more"', self::text($x, "{$row}/td[1]"));
        $chart = "{$row}//*[local-name()='svg']//*[local-name()='polyline']";
        self::assertSame(1, $x->query($chart)->length, 'a history chart');
        self::assertStringContainsString('56 → 14', self::text($x, "{$row}//*[local-name()='title']"));

        $breakdown = "//details[@id='vfstock-breakdown-{$this->product}']";
        self::assertSame(2, $x->query("{$breakdown}//tr[contains(@class,'vfstock-eligible')]")->length);
        self::assertSame('memory', self::text($x, "{$breakdown}//td[contains(@class,'vfstock-binding-axis')]"));
        self::assertSame('7', self::text($x, "{$breakdown}//td[contains(@class,'vfstock-binding')]"));
        self::assertStringContainsString('Group 1: ok, fits 14', self::text($x, "{$breakdown}//h4"));

        self::assertSame('connected', self::text($x, "//tr[@data-server]//span[contains(@class,'vfstock-probe-ok')]"));
        $token = "//form[@method='post']//input[@name='token']";
        self::assertSame(1, $x->query($token)->length, 'the CSRF token is in the form');
        self::assertSame(0, $x->query("//*[@id='vfstock-no-extension']")->length);

        self::assertStringNotContainsString('<b>1G</b>', $html, 'escaped');
        self::assertStringContainsString('VPS &lt;b&gt;1G&lt;/b&gt; &amp; &quot;more&quot;', $html);
        self::assertStringContainsString('Main &lt;panel&gt;', $html);
        self::assertNoToken('the admin page', $html);
    }

    public function testEscapingCoversReasonsAndBreakdownNames(): void
    {
        $name = '<img src=x onerror=alert(1)>';
        self::sim()->patchGroup(1, [Fleet::hypervisor(1, ['hypervisor' => ['name' => $name]])]);
        $this->cronRefresh();
        $html = $this->page()->render();
        self::assertStringNotContainsString('<img src=x', $html);
        self::assertStringContainsString('&lt;img src=x onerror=alert(1)&gt;', $html);
    }

    public function testRecalculateAnswersJsonBypassingLeasesAndCaches(): void
    {
        $untouched = $this->addProduct(['qty' => 5, 'configoption1' => '4']);
        self::sim()->faults([['route' => 'resources', 'id' => 4, 'action' => ['status' => 500]]]);
        $this->cronRefresh();
        // Leases are held and group 1 is cached; the panel has changed since.
        Capsule::table(Schema::LEASES)->update(['expires_at' => time() + 3600]);
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 9));

        $response = $this->recalculate([], ['format' => 'json']);

        self::assertSame(200, $response['status']);
        self::assertSame('json', $response['type']);
        $json = json_decode($response['body'], true, 16, JSON_THROW_ON_ERROR);
        self::assertTrue($json['success']);
        self::assertSame([(string) $this->product => 18, (string) $untouched => null], $json['data']);
        self::assertSame('2 products: 1 updated, 0 unchanged, 1 untouched, 0 skipped.', $json['summary']);
        self::assertSame(18, $this->qty($this->product));
        self::assertSame(5, $this->qty($untouched));
        self::assertNoToken('the JSON answer', $response['body']);
    }

    public function testRecalculateAnswersHtmlWithTheNewQty(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 4));
        $response = $this->recalculate();
        self::assertSame('html', $response['type']);
        $x = self::dom($response['body']);
        self::assertStringContainsString('1 updated', self::text($x, "//*[@id='vfstock-notice']"));
        self::assertSame('4', self::text($x, "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]"));
    }

    public function testRecalculateNeedsPostTheCsrfTokenAndAnAdmin(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 4));
        vf_stock_forget(null);
        self::sim()->clearRequests();

        $get = $this->page()->handle('GET', ['action' => 'recalculate', 'format' => 'json'], []);
        self::assertSame(405, $get['status']);
        self::assertFalse(json_decode($get['body'], true)['success']);

        $forged = $this->recalculate(['token' => 'forged'], ['format' => 'json']);
        self::assertSame(403, $forged['status']);
        self::assertStringContainsString('CSRF', json_decode($forged['body'], true)['summary']);

        $_POST = ['action' => 'recalculate'];
        $_REQUEST = $_POST;
        self::assertSame(403, $this->page()->handle('POST', [], $_POST)['status'], 'no token at all');

        $token = generate_token('plain');
        $_SESSION = ['tkval' => $_SESSION['tkval']];
        self::assertSame(403, $this->recalculate(['token' => $token])['status'], 'no admin session');

        self::assertSame(56, $this->qty($this->product), 'nothing was recalculated');
        $check = ['/api/v1/connect', '/api/v1/compute/hypervisors/groups'];
        $reads = array_filter(
            self::sim()->requests(),
            static fn (array $r): bool => !in_array($r['path'], $check, true)
        );
        self::assertSame([], $reads, 'nothing read but the connection check');
    }

    public function testTheConnectionCheckReportsEachServer(): void
    {
        Capsule::table('tblservers')->insert([
            'name' => 'Old panel', 'ipaddress' => '', 'hostname' => 'old.example', 'type' => 'VirtFusionDirect',
            'username' => '', 'password' => encrypt('whatever'), 'accesshash' => '', 'secure' => '', 'active' => 0,
            'disabled' => 1,
        ]);
        $origin = substr(self::sim()->url(), 0, -strlen('/api/v1'));
        Capsule::table('tblservers')->insert([
            'name' => 'Wrong token', 'ipaddress' => '', 'hostname' => $origin, 'type' => 'VirtFusionDirect',
            'username' => '', 'password' => encrypt('not-the-token'), 'accesshash' => '', 'secure' => '', 'active' => 0,
            'disabled' => 0,
        ]);
        $x = self::dom($this->page()->render());
        $rows = $x->query("//table[@id='vfstock-servers']/tbody/tr");
        self::assertSame(3, $rows->length);
        self::assertStringContainsString('connected', trim($rows->item(0)->textContent));
        self::assertStringContainsString('disabled', trim($rows->item(1)->textContent));
        self::assertStringContainsString('failed', trim($rows->item(2)->textContent));
        self::assertStringContainsString('401', trim($rows->item(2)->textContent));
    }

    public function testWithoutTheExtensionThePageSaysHowToInstallIt(): void
    {
        $this->cronRefresh();
        $server = new PhpServer(self::$db, false);
        try {
            [, , $html] = self::http($server->addonUrl());
            $x = self::dom($html);
            $box = self::text($x, "//*[@id='vfstock-no-extension']");
            self::assertStringContainsString('make install', $box);
            self::assertStringContainsString('extension=vfstock', $box);
            $qty = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]";
            self::assertSame('56', self::text($x, $qty), 'the last check still shows');
            self::assertSame(1, $x->query("//button[@id='vfstock-recalculate'][@disabled]")->length);
            $probe = self::text($x, "//td[contains(@class,'vfstock-probe')]");
            self::assertStringContainsString('needs the vfstock extension', $probe);
            self::assertNoToken('the admin page', $html);
            self::assertStringNotContainsString('Fatal', $server->log());
        } finally {
            $server->stop();
        }
    }

    public function testOverHttpTheJsonAnswerComesFromVfstockOutput(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 6));
        $server = new PhpServer(self::$db, true);
        try {
            [$status, $headers, $html] = self::http($server->addonUrl());
            self::assertSame(200, $status);
            self::assertSame(1, preg_match('/^Set-Cookie: (PHPSESSID=[^;]+)/mi', $headers, $cookie));
            self::assertSame(1, preg_match('/name="token" value="([0-9a-f]+)"/', $html, $token));

            $form = ['action' => 'recalculate', 'token' => $token[1], 'format' => 'json'];
            [$status, $headers, $body] = self::http($server->addonUrl(), $form, $cookie[1]);
            self::assertSame(200, $status);
            self::assertMatchesRegularExpression('#^Content-Type: application/json#mi', $headers);
            $json = json_decode($body, true, 16, JSON_THROW_ON_ERROR);
            self::assertSame([
                'success' => true,
                'data' => [(string) $this->product => 6],
                'summary' => '1 product: 1 updated, 0 unchanged, 0 untouched, 0 skipped.',
            ], $json);
            self::assertSame(6, $this->qty($this->product));

            $form['token'] = str_repeat('0', 40);
            [$status, , $body] = self::http($server->addonUrl(), $form, $cookie[1]);
            self::assertSame(403, $status, 'a forged token');
            self::assertFalse(json_decode($body, true)['success']);
            self::assertNoToken('the JSON answer', $body);
        } finally {
            $server->stop();
        }
    }

    /**
     * One request to the built-in server.
     *
     * @param array<string, string>|null $post
     * @return array{0: int, 1: string, 2: string} status, headers, body
     */
    private static function http(string $url, ?array $post = null, ?string $cookie = null): array
    {
        $headers = $cookie !== null ? "Cookie: {$cookie}\r\n" : '';
        $options = ['timeout' => 30, 'ignore_errors' => true, 'method' => $post === null ? 'GET' : 'POST'];
        if ($post !== null) {
            $headers .= "Content-Type: application/x-www-form-urlencoded\r\n";
            $options['content'] = http_build_query($post);
        }
        $options['header'] = $headers;
        $body = (string) file_get_contents($url, false, stream_context_create(['http' => $options]));
        $responseHeaders = $http_response_header ?? [];
        $status = preg_match('#^HTTP/\S+ (\d{3})#', $responseHeaders[0] ?? '', $m) === 1 ? (int) $m[1] : 0;

        return [$status, implode("\n", $responseHeaders), $body];
    }

    public function testInTheBrowserTheTableShowsAndRecalculateUpdatesIt(): void
    {
        if (Browser::binary() === null) {
            self::fail('chromium is not installed: run scripts/setup.sh');
        }
        $this->cronRefresh();
        $server = new PhpServer(self::$db, true);
        $browser = null;
        try {
            // Reading the page: chromium --dump-dom.
            $dom = Browser::dumpDom($server->addonUrl());
            $x = self::dom($dom);
            $qty = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]";
            self::assertSame('56', self::text($x, $qty), 'the table shows');
            $status = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-status')]";
            self::assertSame('updated', self::text($x, $status));
            self::assertSame('connected', self::text($x, "//span[contains(@class,'vfstock-probe-ok')]"));
            self::assertNoToken('the page in the browser', $dom);

            // The panel changes; an admin clicks "Recalculate now".
            self::sim()->patchGroup(1, self::hypervisorsFitting(2, 11));
            $browser = new Browser();
            $browser->open($server->addonUrl());
            $qtyJs = "document.querySelector('tr[data-pid=\"{$this->product}\"] .vfstock-qty').textContent";
            self::assertSame('56', $browser->evaluate($qtyJs));
            $browser->forgetEvents();
            $browser->click('#vfstock-recalculate');
            $browser->waitFor('Page.loadEventFired', 60.0);

            self::assertSame('22', $browser->evaluate($qtyJs), 'the new qty appears');
            $notice = (string) $browser->evaluate("document.getElementById('vfstock-notice').textContent");
            self::assertStringContainsString('1 updated', $notice);
            self::assertSame(22, $this->qty($this->product));
            self::assertNoToken('the page after Recalculate', $browser->html());
        } finally {
            $browser?->stop();
            $server->stop();
        }
    }
}
