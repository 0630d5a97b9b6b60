<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\Browser;
use VfStock\Tests\Whmcs\PhpServer;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Admin\Chart;
use WHMCS\Module\Addon\VfStock\Admin\Controller;
use WHMCS\Module\Addon\VfStock\Admin\Response;
use WHMCS\Module\Addon\VfStock\ConnectionCheck;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/whmcs/AddonTestCase.php';
require_once __DIR__ . '/whmcs/PhpServer.php';
require_once __DIR__ . '/whmcs/Browser.php';
require_once VFSTOCK_ADDON_DIR . '/vfstock.php';

/**
 * the admin page, rendered in process, served by PHP's
 * built-in server, and clicked in headless Chromium at desktop and phone
 * widths. A page view reads stored state only: the panel is asked only by
 * the two actions, each a POST with the CSRF token that answers with
 * Post/Redirect/Get (or JSON with format=json).
 */
final class AddonAdminPageTest extends AddonTestCase
{
    private const LINK = 'addonmodules.php?module=vfstock';

    private int $product;

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', '');
        $this->addServer(['name' => 'Main <panel>']);
        $this->product = $this->addProduct(['name' => 'VPS <b>1G</b> & "more"', 'qty' => 3]);
    }

    private function controller(?float $checkDeadline = null): Controller
    {
        return new Controller(['modulelink' => self::LINK], $checkDeadline);
    }

    /** A GET of the page, as WHMCS renders it: the HTML, and nothing asked of the panel. */
    private function view(): string
    {
        self::sim()->clearRequests();
        $response = $this->controller()->handle('GET', [], []);
        self::assertSame(200, $response->status);
        self::assertSame('html', $response->type);
        self::assertSame([], self::sim()->requests(), 'a page view never asks the panel');

        return $response->body;
    }

    private function cronRefresh(): void
    {
        $this->fireHook('AfterCronJob', []);
        Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
    }

    private function post(string $action, array $post = [], array $query = [], ?float $checkDeadline = null): Response
    {
        $_POST = $post + ['action' => $action, 'token' => generate_token('plain')];
        $_REQUEST = $_POST + $query;

        return $this->controller($checkDeadline)->handle('POST', $query, $_POST);
    }

    private function recalculate(array $post = [], array $query = []): Response
    {
        return $this->post('recalculate', $post, $query);
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

    private static function has(string $class): string
    {
        return "contains(concat(' ', normalize-space(@class), ' '), ' {$class} ')";
    }

    public function testThePageShowsEachProductsLastCheckBreakdownAndChart(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(2, 7));
        vf_stock_forget(null);
        $this->cronRefresh();
        self::sim()->clearRequests();

        ob_start();
        vfstock_output(['modulelink' => self::LINK]);
        $html = (string) ob_get_clean();
        self::assertSame([], self::sim()->requests(), 'vfstock_output() on a GET asks the panel nothing');

        $x = self::dom($html);
        $row = "//tr[@data-pid='{$this->product}']";
        self::assertSame('14', self::text($x, "{$row}/td[contains(@class,'vfstock-qty')]"));
        self::assertSame('updated', self::text($x, "{$row}/td[contains(@class,'vfstock-status')]"));
        self::assertSame(1, $x->query("{$row}/td[contains(@class,'vfstock-status')]/span[" . self::has('label-success')
            . ']')->length);
        self::assertMatchesRegularExpression(
            '/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/',
            self::text($x, "{$row}/td[contains(@class,'vfstock-checked')]")
        );
        self::assertStringContainsString('VPS <b>1G</b> & "more"', self::text($x, "{$row}/td[1]"));
        $chart = "{$row}//*[local-name()='svg']//*[local-name()='polyline']";
        self::assertSame(1, $x->query($chart)->length, 'a history chart');
        $title = self::text($x, "{$row}//*[local-name()='svg']/*[local-name()='title']");
        self::assertStringContainsString('56 → 14', $title);
        $locations = self::text($x, "{$row}/td[contains(@class,'vfstock-locations-cell')]");
        self::assertStringContainsString('default group', $locations);
        self::assertStringContainsString('fits 14', $locations);

        $breakdown = "//details[@id='vfstock-breakdown-{$this->product}']";
        self::assertSame(2, $x->query("{$breakdown}//tr[contains(@class,'vfstock-eligible')]")->length);
        self::assertSame('memory', self::text($x, "{$breakdown}//td[contains(@class,'vfstock-binding-axis')]"));
        self::assertSame('7', self::text($x, "{$breakdown}//td[contains(@class,'vfstock-binding')]"));
        self::assertSame('default group (#1): ok, fits 14', self::text($x, "{$breakdown}//h4"));
        self::assertStringContainsString(
            'package 5 · safety buffer 10 % · 1 IPv4 address per VPS',
            self::text($x, "{$breakdown}//p[contains(@class,'vfstock-facts')]")
        );

        $probe = self::text($x, "//tr[@data-server]/td[contains(@class,'vfstock-probe')]");
        self::assertSame('not checked yet', $probe, 'the connection check waits for its button');
        self::assertSame(1, $x->query("//form[@id='vfstock-check-form']//button[@id='vfstock-check']")->length);
        $token = "//form[@id='vfstock-recalculate-form'][@method='post']//input[@name='token']";
        self::assertSame(1, $x->query($token)->length, 'the CSRF token is in the form');
        self::assertSame(1, $x->query("//form[@id='vfstock-check-form']//input[@name='token']")->length);
        self::assertSame(0, $x->query("//*[@id='vfstock-no-extension']")->length);

        self::assertStringNotContainsString('<b>1G</b>', $html, 'escaped');
        self::assertStringContainsString('VPS &lt;b&gt;1G&lt;/b&gt; &amp; &quot;more&quot;', $html);
        self::assertStringContainsString('Main &lt;panel&gt;', $html);
        self::assertNoToken('the admin page', $html);
    }

    public function testThePageUsesBootstrap3AsWhmcsAdminDoes(): void
    {
        $this->cronRefresh();
        $x = self::dom($this->view());
        foreach (['vfstock-products-panel', 'vfstock-breakdowns', 'vfstock-connection'] as $id) {
            $panel = "//div[@id='{$id}'][" . self::has('panel') . ' and ' . self::has('panel-default') . ']';
            $heading = '/div[' . self::has('panel-heading') . ']/h3[' . self::has('panel-title') . ']';
            self::assertSame(1, $x->query($panel . $heading)->length, $id);
        }
        foreach (['vfstock-products', 'vfstock-servers'] as $id) {
            self::assertSame(1, $x->query("//div[" . self::has('table-responsive') . "]/table[@id='{$id}']["
                . self::has('table') . ']')->length, "#{$id} in .table-responsive");
        }
        self::assertSame(
            0,
            $x->query('//table[not(parent::div[' . self::has('table-responsive') . '])]')->length,
            'every table in .table-responsive'
        );
        self::assertSame(1, $x->query("//button[@id='vfstock-recalculate'][" . self::has('btn') . ' and '
            . self::has('btn-primary') . ']')->length);
        self::assertSame(1, $x->query("//button[@id='vfstock-check'][" . self::has('btn') . ' and '
            . self::has('btn-default') . ']')->length);
        $cells = $x->query("//table[@id='vfstock-products']/tbody/tr/td");
        self::assertGreaterThan(0, $cells->length);
        foreach ($cells as $cell) {
            self::assertNotSame('', $cell->getAttribute('data-label'), 'each cell names its column for phones');
        }
    }

    public function testThePageSaysWhichPhpItRunsInAndWhetherTheExtensionIsLoaded(): void
    {
        $env = self::text(self::dom($this->view()), "//*[@id='vfstock-env']");
        $php = 'PHP ' . PHP_VERSION . ' (' . PHP_SAPI . ', ' . (PHP_ZTS ? 'ZTS' : 'NTS') . ')';
        self::assertStringContainsString($php, $env);
        self::assertStringContainsString('vfstock extension ' . phpversion('vfstock') . ' loaded', $env);
        self::assertStringContainsString('VirtFusion Stock Control ' . Schema::VERSION, $env, 'the addon\'s version');
    }

    public function testEscapingCoversReasonsAndBreakdownNames(): void
    {
        $name = '<img src=x onerror=alert(1)>';
        self::sim()->patchGroup(1, [Fleet::hypervisor(1, ['hypervisor' => ['name' => $name]])]);
        $this->addOption($this->product, 'Location', ['1|<script>London</script>']);
        $this->cronRefresh();
        $html = $this->view();
        self::assertStringNotContainsString('<img src=x', $html);
        self::assertStringContainsString('&lt;img src=x onerror=alert(1)&gt;', $html);
        self::assertStringNotContainsString('<script>London', $html);
        self::assertStringContainsString('&lt;script&gt;London&lt;/script&gt;', $html);
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

        self::assertSame(200, $response->status);
        self::assertSame('json', $response->type);
        $json = json_decode($response->body, true, 16, JSON_THROW_ON_ERROR);
        self::assertTrue($json['success']);
        self::assertSame([(string) $this->product => 18, (string) $untouched => null], $json['data']);
        self::assertSame('2 products: 1 updated, 0 unchanged, 1 untouched, 0 skipped.', $json['summary']);
        self::assertSame(18, $this->qty($this->product));
        self::assertSame(5, $this->qty($untouched));
        self::assertNoToken('the JSON answer', $response->body);
        self::assertArrayNotHasKey('vfstock_flash', $_SESSION, 'a script\'s JSON call leaves no notice for the page');
    }

    public function testRecalculateAnswersWithPostRedirectGetAndTheNoticeShowsOnce(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 4));

        $response = $this->recalculate();
        self::assertSame(303, $response->status, 'a plain POST is answered with See Other');
        self::assertSame('redirect', $response->type);
        self::assertSame(self::LINK, $response->location);
        self::assertSame(4, $this->qty($this->product), 'the work was done by the POST');

        $x = self::dom($this->view());
        self::assertStringContainsString(
            'Recalculate now: 1 product: 1 updated',
            self::text($x, "//*[@id='vfstock-notice'][" . self::has('alert-success') . ']')
        );
        self::assertSame('4', self::text($x, "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]"));

        $again = self::dom($this->view());
        $notices = $again->query("//*[@id='vfstock-notice']")->length;
        self::assertSame(0, $notices, 'shown once: a reload does not repeat it');
        $qty = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]";
        self::assertSame('4', self::text($again, $qty));
    }

    public function testRecalculateNeedsPostTheCsrfTokenAndAnAdmin(): void
    {
        $this->cronRefresh();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 4));
        vf_stock_forget(null);
        self::sim()->clearRequests();

        $get = $this->controller()->handle('GET', ['action' => 'recalculate', 'format' => 'json'], []);
        self::assertSame(405, $get->status);
        self::assertFalse(json_decode($get->body, true)['success']);

        $forged = $this->recalculate(['token' => 'forged'], ['format' => 'json']);
        self::assertSame(403, $forged->status);
        self::assertStringContainsString('CSRF', json_decode($forged->body, true)['summary']);

        $_POST = ['action' => 'recalculate'];
        $_REQUEST = $_POST;
        self::assertSame(403, $this->controller()->handle('POST', [], $_POST)->status, 'no token at all');

        $token = generate_token('plain');
        $_SESSION = ['tkval' => $_SESSION['tkval']];
        $refused = $this->recalculate(['token' => $token]);
        self::assertSame(403, $refused->status, 'no admin session');
        self::assertSame('html', $refused->type, 'a refusal is shown, not redirected');
        self::assertStringContainsString(
            'needs an admin session',
            self::text(self::dom($refused->body), "//*[@id='vfstock-notice']")
        );

        $_SESSION['adminid'] = 1;
        $check = $this->post('check', ['token' => 'forged'], ['format' => 'json']);
        self::assertSame(403, $check->status, 'the connection check needs the token too');
        self::assertSame(405, $this->controller()->handle('GET', ['action' => 'check'], [])->status);

        self::assertSame(56, $this->qty($this->product), 'nothing was recalculated');
        self::assertSame([], self::sim()->requests(), 'nothing was asked of the panel, not even a connection check');
    }

    public function testTheConnectionCheckReportsEachServerWhenAsked(): void
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
        $rows = self::dom($this->view())->query("//table[@id='vfstock-servers']/tbody/tr");
        self::assertSame(3, $rows->length);
        self::assertStringContainsString('not checked yet', trim($rows->item(0)->textContent));
        self::assertStringContainsString('disabled', trim($rows->item(1)->textContent));

        // The page's script asks for JSON.
        $json = json_decode($this->post('check', [], ['format' => 'json'])->body, true, 16, JSON_THROW_ON_ERROR);
        self::assertFalse($json['success'], 'one server failed');
        self::assertSame('1 of 2 servers connected', explode(' (', $json['summary'])[0]);
        self::assertCount(3, $json['data']);
        [$main, $old, $wrong] = $json['data'];
        self::assertTrue($main['ok']);
        self::assertStringContainsString('connected', $main['html']);
        self::assertTrue($old['disabled']);
        self::assertNull($old['ok']);
        self::assertFalse($wrong['ok']);
        self::assertSame(401, $wrong['status']);
        self::assertStringContainsString('failed', $wrong['html']);
        self::assertNoToken('the check\'s JSON', json_encode($json));

        // Without JavaScript: the form posts, the answer redirects, the page shows the result once.
        $response = $this->post('check');
        self::assertSame(303, $response->status);
        $x = self::dom($this->view());
        $rows = $x->query("//table[@id='vfstock-servers']/tbody/tr");
        self::assertStringContainsString('connected', trim($rows->item(0)->textContent));
        self::assertStringContainsString('disabled', trim($rows->item(1)->textContent));
        self::assertStringContainsString('failed', trim($rows->item(2)->textContent));
        self::assertStringContainsString('401', trim($rows->item(2)->textContent));
        self::assertStringContainsString(
            'Connection check: 1 of 2 servers connected',
            self::text($x, "//*[@id='vfstock-notice'][" . self::has('alert-warning') . ']')
        );
        $rows = self::dom($this->view())->query("//table[@id='vfstock-servers']/tbody/tr");
        self::assertStringContainsString('not checked yet', trim($rows->item(0)->textContent), 'shown once');
    }

    public function testTheConnectionCheckOfAHangingPanelEndsWithinItsDeadline(): void
    {
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]);
        $this->view(); // a page view does not wait on the hanging panel: it does not ask it

        $started = microtime(true);
        $response = $this->post('check', [], ['format' => 'json']);
        $seconds = microtime(true) - $started;

        self::assertLessThan(ConnectionCheck::DEADLINE + 2.0, $seconds, 'bounded by the check\'s deadline');
        self::assertGreaterThan(ConnectionCheck::DEADLINE - 1.0, $seconds, 'it did wait for the panel');
        $json = json_decode($response->body, true, 16, JSON_THROW_ON_ERROR);
        self::assertFalse($json['success']);
        self::assertFalse($json['data'][0]['ok']);
        self::assertNotSame('', (string) $json['data'][0]['error']);
        self::assertNotSame([], self::sim()->requests(), 'the check did ask the panel');
    }

    public function testPageViewsNeverCallThePanel(): void
    {
        $this->addOption($this->product, 'Location', ['1|London']);
        $this->cronRefresh();
        self::sim()->faults([['route' => 'any', 'action' => 'hang']]);
        vf_stock_forget(null);
        $started = microtime(true);
        for ($i = 0; $i < 3; $i++) {
            $this->view(); // asserts no request each time
        }
        self::assertLessThan(2.0, microtime(true) - $started, 'nothing waits on the hanging panel');
        $server = new PhpServer(self::$db, true);
        try {
            self::sim()->clearRequests();
            [$status, , $html] = self::http($server->addonUrl());
            self::assertSame(200, $status);
            self::assertStringContainsString('vfstock-products', $html);
            self::assertSame([], self::sim()->requests(), 'nor over HTTP');
        } finally {
            $server->stop();
        }
    }

    public function testBreakdownsStartCollapsedAndGroupsShowByName(): void
    {
        self::sim()->patchGroup(2, self::hypervisorsFitting(1, 5, 3));
        $located = $this->addProduct(['name' => 'Located', 'configoption1' => '1']);
        $this->addOption($located, 'Location', ['1|London', '2|Paris', '7|Nowhere']);
        $this->cronRefresh();
        $x = self::dom($this->view());

        $details = $x->query("//details[contains(@class,'vfstock-breakdown')]");
        self::assertSame(2, $details->length);
        foreach ($details as $d) {
            self::assertFalse($d->hasAttribute('open'), 'collapsed until opened');
        }
        $titles = [];
        foreach ($x->query("//details[@id='vfstock-breakdown-{$located}']//h4") as $h4) {
            $titles[] = trim($h4->textContent);
        }
        self::assertSame([
            'London (default group, #1): ok, fits 56',
            'Paris (#2): ok, fits 5',
            'Nowhere (#7): missing',
        ], $titles);
        $cell = "//tr[@data-pid='{$located}']/td[contains(@class,'vfstock-locations-cell')]//li";
        $items = array_map(
            static fn (\DOMNode $n): string => preg_replace('/\s+/', ' ', trim($n->textContent)),
            iterator_to_array($x->query($cell))
        );
        self::assertSame(
            ['London (default group, #1) fits 56', 'Paris (#2) fits 5', 'Nowhere (#7) missing: counts 0'],
            $items
        );
        self::assertSame(
            'default group (#1): ok, fits 56',
            self::text($x, "//details[@id='vfstock-breakdown-{$this->product}']//h4"),
            'no Location: the default group'
        );
        self::assertStringNotContainsString('Group 1', $this->view());
    }

    public function testTheIpv4PoolIsSaidToBindFromTheExtensionsFigures(): void
    {
        self::sim()->patchGroup(1, Fleet::hypervisors(2, Fleet::ipv4Free(9)));
        $this->cronRefresh();
        $x = self::dom($this->view());
        $group = "//details[@id='vfstock-breakdown-{$this->product}']//div[@data-group='1']";
        self::assertSame('default group (#1): ok, fits 9', self::text($x, "{$group}/h4"));
        self::assertStringContainsString(
            'hypervisors together: 18 · IPv4 cap 9 · 9 free IPv4 addresses',
            self::text($x, "{$group}/p[contains(@class,'vfstock-group-facts')]")
        );
        self::assertStringContainsString(
            'IPv4 pool holds this group down',
            self::text($x, "{$group}/p[contains(@class,'vfstock-group-note')]")
        );

        // The page says what the stored figures say, even where they are not what the rows add up to.
        $state = $this->state($this->product);
        $groups = json_decode((string) $state->groups, true);
        $groups['1']['sum'] = 5;
        Capsule::table(Schema::STATE)->where('product_id', $this->product)->update(['groups' => json_encode($groups)]);
        $x = self::dom($this->view());
        $facts = self::text($x, "{$group}/p[contains(@class,'vfstock-group-facts')]");
        self::assertStringContainsString('hypervisors together: 5', $facts);
        self::assertSame(
            0,
            $x->query("{$group}/p[contains(@class,'vfstock-group-note')]")->length,
            'cap 9 is not below the stored sum 5: nothing recomputed from the hypervisor rows'
        );
    }

    public function testTheChartHasATimeAxisOverTheLastThirtyDays(): void
    {
        $this->cronRefresh();
        $now = time();
        Capsule::table(Schema::HISTORY)->where('product_id', $this->product)->delete();
        foreach ([[45, 40], [30, 20], [0, 8], [12, 2]] as [$qty, $daysAgo]) {
            Capsule::table(Schema::HISTORY)->insert(['product_id' => $this->product, 'qty' => $qty,
                'status' => 'updated', 'reason' => null, 'created_at' => $now - $daysAgo * 86400]);
        }
        $x = self::dom($this->view());
        $svg = "//tr[@data-pid='{$this->product}']//*[local-name()='svg']";
        $ticks = [];
        foreach ($x->query("{$svg}/*[local-name()='text'][contains(@class,'vfstock-xtick')]") as $t) {
            $ticks[] = trim($t->textContent);
        }
        self::assertGreaterThanOrEqual(4, count($ticks), 'dated ticks a week apart over 30 days');
        self::assertLessThanOrEqual(5, count($ticks));
        foreach ($ticks as $tick) {
            self::assertMatchesRegularExpression('/^[A-Z][a-z]{2} \d{1,2}$/', $tick);
        }
        self::assertSame(date('M j', $now), end($ticks), 'the axis ends today');
        $first = (int) strtotime(reset($ticks) . ' ' . date('Y', $now - 29 * 86400));
        self::assertGreaterThanOrEqual($now - 31 * 86400, $first, 'the axis spans the last 30 days');

        $title = self::text($x, "{$svg}/*[local-name()='title']");
        self::assertStringContainsString('over the last 30 days', $title);
        self::assertStringContainsString('45 → 30 → 0 → 12', $title, 'the last value before the window starts it');
        $dots = $x->query("{$svg}/*[local-name()='circle']");
        self::assertSame(3, $dots->length, 'a dot per change within the window');
        self::assertSame(1, $x->query("{$svg}/*[local-name()='circle'][contains(@class,'vfstock-dot-zero')]")->length);
        self::assertStringContainsString(date('Y-m-d', $now - 8 * 86400), $dots->item(1)->textContent);
        $ys = [];
        foreach ($x->query("{$svg}/*[local-name()='text'][contains(@class,'vfstock-ytick')]") as $t) {
            $ys[] = trim($t->textContent);
        }
        self::assertSame(['0', '25', '50'], $ys, 'the qty scale');

        $chart = new Chart($now);
        self::assertSame($now - 30 * 86400, $chart->since());
        self::assertStringContainsString('no history yet', $chart->svg([], 'x'));
    }

    public function testEveryProductsChartComesFromOneHistoryQueryNotOnePerProduct(): void
    {
        $this->cronRefresh();
        [, $alone] = $this->viewLogged();
        $ids = [$this->product];
        for ($i = 1; $i <= 30; $i++) {
            $ids[] = $this->addProduct(['name' => "VPS {$i}"]);
        }
        $this->cronRefresh();
        $now = time();
        Capsule::table(Schema::HISTORY)->delete();
        foreach ($ids as $n => $pid) {
            // Each product its own values: one change before the window, two within it.
            foreach ([[$n + 500, 40], [$n + 300, 12], [$n, 2]] as [$qty, $daysAgo]) {
                Capsule::table(Schema::HISTORY)->insert(['product_id' => $pid, 'qty' => $qty, 'status' => 'updated',
                    'reason' => null, 'created_at' => $now - $daysAgo * 86400]);
            }
        }
        [$x, $log] = $this->viewLogged();
        $reads = array_filter($log, static fn (array $q): bool => str_contains($q['query'], Schema::HISTORY));
        self::assertCount(1, $reads, 'one history query for 31 products, not one or two each');
        self::assertCount(count($alone), $log, 'as many queries for 31 products (sharing a breakdown) as for one');
        foreach ($ids as $n => $pid) {
            $title = self::text($x, "//tr[@data-pid='{$pid}']//*[local-name()='svg']/*[local-name()='title']");
            self::assertStringEndsWith(': ' . ($n + 500) . ' → ' . ($n + 300) . ' → ' . $n, $title, "product {$pid}");
            $dots = $x->query("//tr[@data-pid='{$pid}']//*[local-name()='svg']/*[local-name()='circle']");
            self::assertSame(2, $dots->length, "product {$pid}: a dot per change within the window");
        }
    }

    /** @return array{0: \DOMXPath, 1: list<array<string, mixed>>} the page, and the queries its view made */
    private function viewLogged(): array
    {
        return $this->queriesOf(fn (): \DOMXPath => self::dom($this->view()));
    }

    public function testAZeroedProductReadsAsAWarningNeverAsSuccess(): void
    {
        $this->cronRefresh();
        self::sim()->deletePackage(self::PACKAGE);
        vf_stock_forget(null);
        $this->cronRefresh();
        self::assertSame(0, $this->qty($this->product));
        self::assertSame('updated', $this->state($this->product)->status, 'the extension wrote 0');

        $x = self::dom($this->view());
        $row = "//tr[@data-pid='{$this->product}']";
        self::assertSame(1, $x->query("{$row}[" . self::has('warning') . ']')->length, 'the row is a warning');
        self::assertSame(0, $x->query("{$row}//*[" . self::has('label-success') . ']')->length, 'never green');
        $status = "{$row}/td[contains(@class,'vfstock-status')]";
        self::assertSame('zeroed', self::text($x, "{$status}/span[" . self::has('label-warning') . ']'));
        self::assertStringContainsString('package gone', self::text($x, $status));
        $reason = self::text($x, "{$row}/td[contains(@class,'vfstock-reason')]");
        self::assertStringContainsString('package 5 no longer exists', $reason);
        $intro = self::text($x, "//p[contains(@class,'vfstock-intro')]");
        self::assertStringContainsString('1 zeroed (package gone)', $intro);
        $summary = "//details[@id='vfstock-breakdown-{$this->product}']/summary";
        self::assertSame(0, $x->query("{$summary}/*[" . self::has('label-success') . ']')->length);

        // A state kept from before package_status existed: qty written 0 with that reason reads the same.
        Capsule::table(Schema::STATE)->where('product_id', $this->product)->update(['package_status' => null]);
        $x = self::dom($this->view());
        self::assertSame('zeroed', self::text($x, "{$status}/span[" . self::has('label-warning') . ']'));
    }

    public function testStaleProductsStandOut(): void
    {
        $fresh = $this->addProduct(['name' => 'Fresh failure', 'configoption1' => '1']);
        $this->cronRefresh();
        self::sim()->faults([['route' => 'any', 'action' => ['status' => 503]]]);
        vf_stock_forget(null);
        $this->cronRefresh();
        Capsule::table(Schema::STATE)->where('product_id', $this->product)->update(['ok_at' => time() - 7 * 3600]);

        $x = self::dom($this->view());
        $row = "//tr[@data-pid='{$this->product}']";
        self::assertSame(1, $x->query("{$row}[" . self::has('danger') . ']')->length, 'a stale row is red');
        self::assertSame('stale', self::text($x, "{$row}//span[" . self::has('label-danger') . ']'));
        self::assertStringContainsString(
            'not recalculated for more than 6 h (last good result 7 h ago)',
            self::text($x, "{$row}//*[contains(@class,'vfstock-stale')]")
        );
        self::assertStringContainsString('1 stale', self::text($x, "//p[contains(@class,'vfstock-intro')]"));

        $other = "//tr[@data-pid='{$fresh}']";
        self::assertSame('untouched', self::text($x, "{$other}//span[" . self::has('label-warning') . ']'));
        $stale = $x->query("{$other}//*[contains(@class,'vfstock-stale')]")->length;
        self::assertSame(0, $stale, 'one failure is not stale');
        self::assertSame(0, $x->query("{$other}[" . self::has('danger') . ']')->length);
    }

    public function testPerLocationCapacityAndPendingOrdersShow(): void
    {
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 2));
        $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending', 'date' => date('Y-m-d H:i:s')]);
        for ($i = 0; $i < 3; $i++) {
            Capsule::table('tblhosting')->insert(['orderid' => $order, 'packageid' => $this->product, 'domain' => '',
                'domainstatus' => 'Pending']);
        }
        $this->cronRefresh();
        $x = self::dom($this->view());
        $cell = self::text($x, "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-locations-cell')]");
        self::assertStringContainsString('sold out', $cell);
        self::assertStringContainsString('2 reserved', $cell);
        self::assertStringContainsString('1 pending order does not fit', $cell);
        $group = "//details[@id='vfstock-breakdown-{$this->product}']//div[@data-group='1']";
        $facts = self::text($x, "{$group}/p[contains(@class,'vfstock-group-facts')]");
        self::assertStringContainsString('pending orders: 2 placed', $facts);
        self::assertStringContainsString(
            '1 pending order no longer fits in this group',
            self::text($x, "{$group}/p[contains(@class,'text-danger')]")
        );
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
            self::assertStringContainsString('cli-server', $box, 'which PHP lacks it');
            self::assertStringContainsString('vfstock extension not loaded', self::text($x, "//*[@id='vfstock-env']"));
            $qty = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]";
            self::assertSame('56', self::text($x, $qty), 'the last check still shows');
            self::assertSame(1, $x->query("//button[@id='vfstock-recalculate'][@disabled]")->length);
            self::assertSame(1, $x->query("//button[@id='vfstock-check'][@disabled]")->length);
            $probe = self::text($x, "//td[contains(@class,'vfstock-probe')]");
            self::assertStringContainsString('needs the vfstock extension', $probe);
            self::assertNoToken('the admin page', $html);
            self::assertStringNotContainsString('Fatal', $server->log());
        } finally {
            $server->stop();
        }
    }

    public function testOverHttpTheActionsAnswerJsonOrRedirect(): void
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

            // A plain POST: 303 to the page, which shows the outcome once.
            self::sim()->patchGroup(1, self::hypervisorsFitting(1, 3));
            $plain = ['action' => 'recalculate', 'token' => $token[1]];
            [$status, $headers] = self::http($server->addonUrl(), $plain, $cookie[1], false);
            self::assertSame(303, $status);
            self::assertMatchesRegularExpression('#^Location: addonmodules\.php\?module=vfstock\s*$#mi', $headers);
            self::assertSame(3, $this->qty($this->product));
            self::sim()->clearRequests();
            [, , $page] = self::http($server->addonUrl(), null, $cookie[1]);
            self::assertStringContainsString(
                'Recalculate now: 1 product: 1 updated',
                self::text(self::dom($page), "//*[@id='vfstock-notice']")
            );
            [, , $page] = self::http($server->addonUrl(), null, $cookie[1]);
            self::assertSame(0, self::dom($page)->query("//*[@id='vfstock-notice']")->length);
            self::assertSame([], self::sim()->requests(), 'the GETs after the redirect asked the panel nothing');

            $check = ['action' => 'check', 'token' => $token[1], 'format' => 'json'];
            [$status, , $body] = self::http($server->addonUrl(), $check, $cookie[1]);
            self::assertSame(200, $status);
            self::assertTrue(json_decode($body, true, 16, JSON_THROW_ON_ERROR)['success']);
            self::assertNoToken('the check\'s JSON', $body);
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
    private static function http(string $url, ?array $post = null, ?string $cookie = null, bool $follow = true): array
    {
        $headers = $cookie !== null ? "Cookie: {$cookie}\r\n" : '';
        $options = ['timeout' => 30, 'ignore_errors' => true, 'method' => $post === null ? 'GET' : 'POST',
            'follow_location' => $follow ? 1 : 0];
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

    /** Polls a JavaScript expression until it is truthy, bounded. */
    private static function waitUntil(Browser $browser, string $js, float $timeout = 15.0): mixed
    {
        $deadline = microtime(true) + $timeout;
        do {
            $value = $browser->evaluate($js);
            if ($value) {
                return $value;
            }
            usleep(50000);
        } while (microtime(true) < $deadline);
        self::fail("timed out waiting for {$js}");
    }

    public function testInTheBrowserRecalculateShowsProgressThenTheResultAndTheCheckRunsInPlace(): void
    {
        if (Browser::binary() === null) {
            self::fail('chromium is not installed: run scripts/setup.sh');
        }
        $this->cronRefresh();
        $server = new PhpServer(self::$db, true);
        $browser = null;
        try {
            // Reading the page: chromium --dump-dom.
            self::sim()->clearRequests();
            $dom = Browser::dumpDom($server->addonUrl());
            $x = self::dom($dom);
            $qty = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-qty')]";
            self::assertSame('56', self::text($x, $qty), 'the table shows');
            $status = "//tr[@data-pid='{$this->product}']/td[contains(@class,'vfstock-status')]";
            self::assertSame('updated', self::text($x, $status));
            self::assertSame('not checked yet', self::text($x, "//td[contains(@class,'vfstock-probe')]"));
            self::assertSame([], self::sim()->requests(), 'loading the page asked the panel nothing');
            self::assertNoToken('the page in the browser', $dom);

            $browser = new Browser();
            $browser->open($server->addonUrl());

            // "Check connection": fetched with format=json and shown in place, no reload.
            $browser->evaluate('window.vfstockMarker = 1');
            $browser->click('#vfstock-check');
            $probe = "document.querySelector('tr[data-server] td.vfstock-probe').textContent";
            self::waitUntil($browser, "{$probe}.indexOf('connected') >= 0");
            self::assertSame(1, $browser->evaluate('window.vfstockMarker'), 'the page was not reloaded');
            self::assertStringContainsString(
                '1 of 1 server connected',
                (string) $browser->evaluate("document.getElementById('vfstock-check-summary').textContent")
            );

            // The panel changes; an admin clicks "Recalculate now" and sees it working.
            self::sim()->patchGroup(1, self::hypervisorsFitting(2, 11));
            self::sim()->latency(1500);
            $qtyJs = "document.querySelector('tr[data-pid=\"{$this->product}\"] .vfstock-qty').textContent";
            self::assertSame('56', $browser->evaluate($qtyJs));
            // What the page shows while the POST runs is noted in sessionStorage, which outlives the navigation.
            $browser->evaluate("(() => { const p = document.getElementById('vfstock-recalculate-progress');"
                . " const b = document.getElementById('vfstock-recalculate');"
                . ' const note = () => { if (!p.hidden && p.offsetHeight > 0) {'
                . " sessionStorage.setItem('vfstockProgress',"
                . " p.textContent + '|' + (b.disabled ? 'disabled' : 'enabled')); } };"
                . ' const o = new MutationObserver(note);'
                . ' const what = {attributes: true, childList: true, subtree: true, characterData: true};'
                . ' o.observe(p, what); o.observe(b, what); return true; })()');
            $browser->forgetEvents();
            $browser->click('#vfstock-recalculate');
            $browser->waitFor('Page.loadEventFired', 60.0);
            self::sim()->latency(0);
            $shown = (string) $browser->evaluate("sessionStorage.getItem('vfstockProgress')");
            self::assertStringContainsString('Recalculating: reading the panel afresh', $shown, 'progress shown');
            self::assertStringEndsWith('|disabled', $shown, 'the button cannot be pressed twice');
            $hidden = "document.getElementById('vfstock-recalculate-progress').hidden";
            self::assertTrue($browser->evaluate($hidden), 'the new page shows the result, not the progress');

            self::assertSame('22', $browser->evaluate($qtyJs), 'the new qty appears');
            $notice = (string) $browser->evaluate("document.getElementById('vfstock-notice').textContent");
            self::assertStringContainsString('1 updated', $notice);
            self::assertSame(22, $this->qty($this->product));
            self::assertNoToken('the page after Recalculate', $browser->html());

            // A reload GETs the page again: nothing is posted twice, the notice is gone.
            self::sim()->clearRequests();
            $browser->forgetEvents();
            $browser->call('Page.reload');
            $browser->waitFor('Page.loadEventFired', 30.0);
            self::assertNull($browser->evaluate("document.getElementById('vfstock-notice')"));
            self::assertSame([], self::sim()->requests(), 'the reload did not post Recalculate again');
        } finally {
            self::sim()->latency(0);
            $browser?->stop();
            $server->stop();
        }
    }

    /**
     * A store with some of everything: Locations with labels, a zeroed
     * product, a stale one, a sold-out one, pending orders, 30 days of history.
     *
     * @return array<string, int> product ids
     */
    private function store(): array
    {
        self::sim()->scenario(self::scenario([
            2 => self::hypervisorsFitting(2, 9, 3),
            3 => self::hypervisorsFitting(1, 0, 5),
            4 => Fleet::hypervisors(1, [], 6),
        ], [9 => Fleet::package(['id' => 9])]));
        $located = $this->addProduct(['name' => 'Cloud VPS 2 GB — London & Paris', 'configoption1' => '1']);
        $this->addOption($located, 'Location', ['1|London (LON1)', '2|Paris (PAR1)']);
        $gone = $this->addProduct(['name' => 'Legacy plan', 'configoption2' => '9']);
        $full = $this->addProduct(['name' => 'Storage VPS', 'configoption1' => '3']);
        $stale = $this->addProduct(['name' => 'Frankfurt VPS', 'configoption1' => '4']);
        $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending', 'date' => date('Y-m-d H:i:s')]);
        Capsule::table('tblhosting')->insert(['orderid' => $order, 'packageid' => $located, 'domain' => '',
            'domainstatus' => 'Pending']);
        $this->cronRefresh();
        self::sim()->deletePackage(9);
        self::sim()->faults([['route' => 'resources', 'id' => 4, 'action' => ['status' => 503]]]);
        vf_stock_forget(null);
        $this->cronRefresh();
        Capsule::table(Schema::STATE)->where('product_id', $stale)->update(['ok_at' => time() - 9 * 3600]);
        $now = time();
        foreach (
            [$this->product => [[40, 29], [34, 22], [51, 15], [44, 9], [60, 3]],
            $located => [[20, 35], [12, 18], [0, 11], [16, 4]]] as $pid => $points
        ) {
            foreach ($points as [$qty, $daysAgo]) {
                Capsule::table(Schema::HISTORY)->insert(['product_id' => $pid, 'qty' => $qty, 'status' => 'updated',
                    'reason' => null, 'created_at' => $now - $daysAgo * 86400 - 3600]);
            }
        }

        return ['located' => $located, 'gone' => $gone, 'full' => $full, 'stale' => $stale];
    }

    public function testInChromiumThePageFitsAPhoneAndADesktopWithBreakdownsCollapsed(): void
    {
        if (Browser::binary() === null) {
            self::fail('chromium is not installed: run scripts/setup.sh');
        }
        $ids = $this->store();
        $server = new PhpServer(self::$db, true);
        $browser = null;
        $dir = sys_get_temp_dir();
        try {
            $browser = new Browser();
            $measure = '(() => { const d = document.documentElement; const tables = []; '
                . "document.querySelectorAll('.vfstock .table-responsive').forEach(t => { "
                . 'if (t.scrollWidth > t.clientWidth + 1) {'
                . ' tables.push(t.querySelector("table").id || t.innerText.slice(0, 40)); } });'
                // A stacked table's head is kept for screen readers, clipped to nothing.
                . ' const wide = []; document.querySelectorAll(".vfstock *").forEach(e => {'
                . ' if (e.closest("table.vfstock-stack > thead") && getComputedStyle(e.closest("thead")).position'
                . ' === "absolute") { return; }'
                . ' const r = e.getBoundingClientRect(); if (r.width > 0 && r.right > d.clientWidth + 1) {'
                . ' wide.push(e.tagName + "#" + e.id + "." + String(e.getAttribute("class"))'
                . ' + " " + Math.round(r.right)); } });'
                . ' return {scroll: d.scrollWidth, body: document.body.scrollWidth, client: d.clientWidth,'
                . ' height: d.scrollHeight, tables: tables, wide: wide.slice(0, 5),'
                . " open: document.querySelectorAll('details.vfstock-breakdown[open]').length,"
                . " details: document.querySelectorAll('details.vfstock-breakdown').length,"
                . " visible: Array.from(document.querySelectorAll('details.vfstock-breakdown'))"
                . '.filter(d => d.getBoundingClientRect().height'
                . " > d.querySelector('summary').getBoundingClientRect().height + 2)"
                . '.length}; })()';
            foreach ([1400 => false, 390 => true] as $width => $mobile) {
                $browser->viewport($width, 900, $mobile);
                $browser->open($server->addonUrl());
                $m = $browser->evaluate($measure);
                $browser->screenshot("{$dir}/vfstock-admin-{$width}.png");
                self::assertSame(5, $m['details'], "{$width} px: a breakdown per product");
                self::assertSame(0, $m['open'], "{$width} px: the breakdowns start collapsed");
                self::assertSame(0, $m['visible'], "{$width} px: nothing of a collapsed breakdown shows");
                self::assertLessThanOrEqual($width, $m['scroll'], "{$width} px: no horizontal overflow "
                    . json_encode($m));
                self::assertLessThanOrEqual($width, $m['body'], "{$width} px: no horizontal overflow");
                self::assertSame([], $m['tables'], "{$width} px: every table fits its box");
                if ($width === 390) {
                    self::assertSame([], $m['wide'], '390 px: nothing sticks out');
                }

                // Opened, each breakdown still fits.
                $browser->click("#vfstock-breakdown-{$ids['located']} > summary");
                $open = "document.getElementById('vfstock-breakdown-{$ids['located']}').open";
                self::assertTrue($browser->evaluate($open), 'a click on its summary opens it');
                $browser->evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })");
                $m = $browser->evaluate($measure);
                $browser->screenshot("{$dir}/vfstock-admin-{$width}-open.png");
                self::assertLessThanOrEqual($width, $m['scroll'], "{$width} px, opened: no horizontal overflow "
                    . json_encode($m));
                self::assertSame([], $m['tables'], "{$width} px, opened: every table fits its box");
                if ($width === 390) {
                    self::assertSame([], $m['wide'], '390 px, opened: nothing sticks out');
                }
            }
            self::assertNoToken('the page', $browser->html());
        } finally {
            $browser?->stop();
            $server->stop();
        }
    }
}
