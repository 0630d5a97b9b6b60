<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The admin page, addonmodules.php?module=vfstock (SPEC §7): every
 * stock-controlled product with its last check, the per-hypervisor
 * breakdown, the history chart, "Recalculate now" and a connection check of
 * each VirtFusionDirect server. Everything printed is escaped.
 */
final class AdminPage
{
    public const CSRF_CONTEXT = 'WHMCS.admin.default';

    /** History points per chart. */
    private const CHART_POINTS = 60;

    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE;

    private readonly string $link;

    /** @param array<string, mixed> $vars what WHMCS passes to vfstock_output() */
    public function __construct(private readonly array $vars = [])
    {
        $link = $vars['modulelink'] ?? null;
        $this->link = is_string($link) && $link !== '' ? $link : 'addonmodules.php?module=vfstock';
    }

    /**
     * Answers one request.
     *
     * @param array<string, mixed> $query $_GET
     * @param array<string, mixed> $post  $_POST
     * @return array{status: int, type: 'html'|'json', body: string}
     */
    public function handle(string $method, array $query, array $post): array
    {
        $action = (string) ($post['action'] ?? $query['action'] ?? '');
        $json = (string) ($query['format'] ?? $post['format'] ?? '') === 'json';
        if ($action !== 'recalculate') {
            return ['status' => 200, 'type' => 'html', 'body' => $this->render()];
        }

        $refusal = $this->refusal($method);
        if ($refusal !== null) {
            [$status, $message] = $refusal;
            if ($json) {
                return self::json($status, ['success' => false, 'data' => new \stdClass(), 'summary' => $message]);
            }

            return ['status' => $status, 'type' => 'html', 'body' => $this->render(['danger', $message])];
        }

        $outcome = $this->recalculate();
        if ($json) {
            return self::json(200, [
                'success' => $outcome['success'],
                'data' => $outcome['data'] === [] ? new \stdClass() : $outcome['data'],
                'summary' => $outcome['summary'],
            ]);
        }
        $notice = [$outcome['success'] ? 'success' : 'danger', 'Recalculate now: ' . $outcome['summary']];

        return ['status' => 200, 'type' => 'html', 'body' => $this->render($notice)];
    }

    /**
     * Sends a JSON answer from inside WHMCS's admin page and ends the request.
     *
     * @param array{status: int, type: string, body: string} $response
     */
    public static function sendJson(array $response): never
    {
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
        if (!headers_sent()) {
            http_response_code($response['status']);
            header('Content-Type: application/json; charset=utf-8');
            header('Cache-Control: no-store');
        }
        echo $response['body'];
        exit;
    }

    /**
     * Forgets the cached panel data and refreshes every product, without leases.
     *
     * @return array{success: bool, data: array<int|string, ?int>, summary: string}
     */
    public function recalculate(): array
    {
        if (!Refresher::extensionLoaded()) {
            return ['success' => false, 'data' => [], 'summary' => 'the vfstock PHP extension is not loaded.'];
        }
        try {
            vf_stock_forget(null);
            $result = (new Refresher(Settings::load()))->run('admin');
        } catch (\Throwable $e) {
            Log::failure('Recalculate now', $e);

            return ['success' => false, 'data' => [], 'summary' => 'failed: ' . Log::redact($e->getMessage())];
        }
        if ($result === null) {
            return [
                'success' => false,
                'data' => [],
                'summary' => 'no enabled VirtFusionDirect server with a host and an API token is configured.',
            ];
        }
        $data = [];
        foreach ($result['products'] ?? [] as $productId => $line) {
            $data[(int) $productId] = isset($line['qty']) ? (int) $line['qty'] : null;
        }

        return ['success' => true, 'data' => $data, 'summary' => Refresher::summary($result)];
    }

    /**
     * The page.
     *
     * @param array{0: string, 1: string}|null $notice [bootstrap alert kind, text]
     */
    public function render(?array $notice = null): string
    {
        $loaded = Refresher::extensionLoaded();
        $html = '<div class="vfstock" id="vfstock">' . self::style();
        if (!$loaded) {
            $html .= self::missingExtension();
        }
        if ($notice !== null) {
            $html .= '<div class="alert alert-' . self::e($notice[0]) . '" id="vfstock-notice" role="status">'
                . self::e($notice[1]) . '</div>';
        }
        try {
            $html .= $this->recalculateForm($loaded);
            $products = $this->products();
            $html .= $this->productTable($products);
            $html .= $this->breakdowns($products);
            $html .= $this->connections($loaded);
            $html .= $this->settingsBox();
        } catch (\Throwable $e) {
            Log::failure('admin page', $e);
            $html .= '<div class="alert alert-danger" id="vfstock-error">The page could not be built: '
                . self::e(Log::redact($e->getMessage())) . '</div>';
        }

        return $html . '</div>';
    }

    /** @return array{0: int, 1: string}|null why the action is refused */
    private function refusal(string $method): ?array
    {
        if (strtoupper($method) !== 'POST') {
            return [405, 'Recalculate now needs a POST request.'];
        }
        if (empty($_SESSION['adminid'])) {
            return [403, 'Recalculate now needs an admin session.'];
        }
        try {
            $valid = function_exists('check_token') ? check_token(self::CSRF_CONTEXT) : false;
        } catch (\Throwable) {
            $valid = false;
        }
        if ($valid === false) {
            return [403, 'Invalid or missing CSRF token: reload the page and try again.'];
        }

        return null;
    }

    /**
     * Stock-controlled VirtFusionDirect products with their last check.
     *
     * @return list<object>
     */
    private function products(): array
    {
        $query = Capsule::table('tblproducts')
            ->where('tblproducts.servertype', Database::SERVER_TYPE)
            ->where('tblproducts.stockcontrol', 1)
            ->orderBy('tblproducts.id');
        $columns = ['tblproducts.id', 'tblproducts.name', 'tblproducts.qty'];
        if (Capsule::schema()->hasTable(Schema::STATE)) {
            $query->leftJoin(Schema::STATE, Schema::STATE . '.product_id', '=', 'tblproducts.id');
            $columns = array_merge($columns, [
                Schema::STATE . '.status',
                Schema::STATE . '.reason',
                Schema::STATE . '.checked_at',
                Schema::STATE . '.breakdown',
                Schema::STATE . '.qty as state_qty',
            ]);
        }

        return $query->get($columns)->all();
    }

    private function recalculateForm(bool $loaded): string
    {
        $token = function_exists('generate_token') ? (string) generate_token('form') : '';

        return '<form method="post" action="' . self::e($this->link) . '" class="vfstock-recalculate"'
            . ' id="vfstock-recalculate-form">'
            . $token
            . '<input type="hidden" name="action" value="recalculate">'
            . '<button type="submit" class="btn btn-primary" id="vfstock-recalculate"' . ($loaded ? '' : ' disabled')
            . '>Recalculate now</button> '
            . '<span class="text-muted">Reads the panel afresh (cached data is forgotten, rate limits are bypassed)'
            . ' and updates every stock-controlled product.</span>'
            . '</form>';
    }

    /** @param list<object> $products */
    private function productTable(array $products): string
    {
        $html = '<h2>Stock-controlled VirtFusion products</h2>';
        if ($products === []) {
            return $html . '<p id="vfstock-no-products">No product uses the VirtFusionDirect module with stock'
                . ' control on. Turn on <em>Stock Control</em> on a product (Products/Services > Details).</p>';
        }
        $html .= '<table class="table table-condensed table-striped vfstock-products" id="vfstock-products">'
            . '<thead><tr><th>Product</th><th>Qty</th><th>Last status</th><th>Reason</th><th>Checked</th>'
            . '<th>History</th></tr></thead><tbody>';
        foreach ($products as $p) {
            $id = (int) $p->id;
            $status = isset($p->status) ? (string) $p->status : '';
            $checked = isset($p->checked_at) ? (int) $p->checked_at : 0;
            $html .= '<tr data-pid="' . $id . '" id="vfstock-product-' . $id . '">'
                . '<td><a href="configproducts.php?action=edit&amp;id=' . $id . '">#' . $id . ' '
                . self::e($p->name) . '</a></td>'
                . '<td class="vfstock-qty">' . self::e($p->qty) . '</td>'
                . '<td class="vfstock-status">' . ($status === '' ? '<span class="text-muted">never checked</span>'
                    : '<span class="label ' . self::statusClass($status) . '">' . self::e($status) . '</span>')
                . '</td>'
                . '<td class="vfstock-reason">' . self::e($p->reason ?? '') . '</td>'
                . '<td class="vfstock-checked">' . ($checked > 0 ? self::e(self::when($checked)) : '') . '</td>'
                . '<td class="vfstock-chart">' . $this->chart($id) . '</td>'
                . '</tr>';
        }

        return $html . '</tbody></table>';
    }

    /** @param list<object> $products */
    private function breakdowns(array $products): string
    {
        $html = '<h3>Per-hypervisor breakdown</h3>'
            . '<p class="text-muted">How many VPSes of each product every hypervisor still holds, and the axis'
            . ' (memory, cpu or storage) that holds it down.</p>';
        $any = false;
        foreach ($products as $p) {
            $groups = isset($p->breakdown) && is_string($p->breakdown) ? json_decode($p->breakdown, true) : null;
            if (!is_array($groups) || $groups === []) {
                continue;
            }
            $any = true;
            $id = (int) $p->id;
            $html .= '<details class="vfstock-breakdown" id="vfstock-breakdown-' . $id . '" open>'
                . '<summary>#' . $id . ' ' . self::e($p->name) . '</summary>';
            foreach ($groups as $groupId => $group) {
                $html .= is_array($group) ? self::group((int) $groupId, $group) : '';
            }
            $html .= '</details>';
        }
        if (!$any) {
            $html .= '<p>No breakdown yet: it appears after the first refresh.</p>';
        }

        return $html;
    }

    /** @param array<string, mixed> $group */
    private static function group(int $groupId, array $group): string
    {
        $status = (string) ($group['status'] ?? '');
        $hypervisors = is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [];
        $head = 'Group ' . $groupId . ': ' . $status;
        if ($status === 'ok') {
            $head .= !empty($group['unbounded']) ? ', unbounded' : ', fits ' . self::number($group['fits'] ?? null);
            $sum = 0;
            $unlimited = false;
            foreach ($hypervisors as $hv) {
                if (is_array($hv) && !empty($hv['eligible'])) {
                    if (($hv['fits'] ?? null) === null) {
                        $unlimited = true;
                    } else {
                        $sum += (int) $hv['fits'];
                    }
                }
            }
            $cap = $group['ipv4Cap'] ?? null;
            if ($cap !== null) {
                $head .= ', IPv4 cap ' . self::number($cap);
                if ($unlimited || (int) $cap < $sum) {
                    $head .= ' (the IPv4 pool holds this group down)';
                }
            }
        } elseif ($status === 'missing') {
            $head .= ' (the panel has no such group: it counts 0)';
        } elseif ($status === 'transient') {
            $head .= ' (could not be read: qty left untouched)';
        }
        $html = '<h4 class="vfstock-group">' . self::e($head) . '</h4>';
        if ($hypervisors === []) {
            return $html;
        }
        $html .= '<table class="table table-condensed vfstock-hypervisors"><thead><tr><th>Hypervisor</th>'
            . '<th>Memory</th><th>CPU</th><th>Storage</th><th>Fits</th><th>Held down by</th><th>Pool</th>'
            . '<th>IPv4 free</th></tr></thead><tbody>';
        foreach ($hypervisors as $hv) {
            if (!is_array($hv)) {
                continue;
            }
            $eligible = !empty($hv['eligible']);
            $binding = isset($hv['binding']) ? (string) $hv['binding'] : '';
            $html .= '<tr class="' . ($eligible ? 'vfstock-eligible' : 'vfstock-skipped text-muted') . '">'
                . '<td>' . self::e(($hv['name'] ?? '') . ' (#' . (int) ($hv['id'] ?? 0) . ')') . '</td>';
            if (!$eligible) {
                $html .= '<td colspan="7">skipped: ' . self::e($hv['skipped'] ?? 'not eligible') . '</td></tr>';
                continue;
            }
            foreach (['memory', 'cpu', 'storage'] as $axis) {
                $cell = self::e(self::number($hv[$axis] ?? null));
                $html .= $axis === $binding
                    ? '<td class="vfstock-binding"><strong>' . $cell . '</strong></td>'
                    : '<td>' . $cell . '</td>';
            }
            $html .= '<td>' . self::e(self::number($hv['fits'] ?? null)) . '</td>'
                . '<td class="vfstock-binding-axis">' . ($binding === '' ? 'nothing (unlimited)' : self::e($binding))
                . '</td>'
                . '<td>' . self::e($hv['pool'] ?? '') . '</td>'
                . '<td>' . self::e(isset($hv['ipv4Free']) ? (string) $hv['ipv4Free'] : 'not reported') . '</td>'
                . '</tr>';
        }

        return $html . '</tbody></table>';
    }

    /** An inline SVG step chart of the product's qty over its history. */
    private function chart(int $productId): string
    {
        if (!Capsule::schema()->hasTable(Schema::HISTORY)) {
            return '';
        }
        $rows = Capsule::table(Schema::HISTORY)
            ->where('product_id', $productId)
            ->whereNotNull('qty')
            ->orderBy('id', 'desc')
            ->limit(self::CHART_POINTS)
            ->get(['qty', 'created_at'])
            ->reverse()
            ->values()
            ->all();
        if ($rows === []) {
            return '<span class="text-muted">no history yet</span>';
        }
        $width = 160;
        $height = 36;
        $pad = 2;
        $qtys = array_map(static fn (object $r): int => (int) $r->qty, $rows);
        $max = max(1, max($qtys));
        $n = count($qtys);
        $step = $n > 1 ? ($width - 2 * $pad) / ($n - 1) : 0;
        $y = static fn (int $q): float => round($height - $pad - ($height - 2 * $pad) * ($q / $max), 1);
        $points = [];
        foreach ($qtys as $i => $q) {
            $x = round($pad + $i * $step, 1);
            if ($i > 0) {
                $points[] = $x . ',' . $y($qtys[$i - 1]);
            }
            $points[] = $x . ',' . $y($q);
        }
        if ($n === 1) {
            $points[] = ($width - $pad) . ',' . $y($qtys[0]);
        }
        $first = (int) $rows[0]->created_at;
        $last = (int) $rows[$n - 1]->created_at;
        $title = 'qty over ' . $n . ' change' . ($n === 1 ? '' : 's') . ' from ' . self::when($first)
            . ' to ' . self::when($last) . ': ' . implode(' → ', $qtys);

        return '<svg class="vfstock-history" xmlns="http://www.w3.org/2000/svg" width="' . $width . '" height="'
            . $height . '" viewBox="0 0 ' . $width . ' ' . $height . '" role="img"'
            . ' aria-label="' . self::e($title) . '">'
            . '<title>' . self::e($title) . '</title>'
            . '<line x1="0" y1="' . ($height - $pad) . '" x2="' . $width . '" y2="' . ($height - $pad)
            . '" stroke="#ddd" stroke-width="1"/>'
            . '<polyline fill="none" stroke="#337ab7" stroke-width="1.5" points="' . self::e(implode(' ', $points))
            . '"/>'
            . '<text x="' . ($width - $pad) . '" y="10" font-size="9" text-anchor="end" fill="#666">max '
            . $max . '</text>'
            . '</svg>';
    }

    /** The Test Connection check of each VirtFusionDirect server. */
    private function connections(bool $loaded): string
    {
        $servers = Panel::servers();
        $html = '<h3>Panel connection</h3>';
        if ($servers === []) {
            return $html . '<p id="vfstock-no-servers">No VirtFusionDirect server in Setup > Servers.</p>';
        }
        $html .= '<table class="table table-condensed vfstock-servers" id="vfstock-servers"><thead><tr>'
            . '<th>Server</th><th>API URL</th><th>Check</th></tr></thead><tbody>';
        foreach ($servers as $server) {
            $panel = $server['panel'];
            $url = $panel !== null ? $panel->url : '';
            $html .= '<tr data-server="' . $server['id'] . '"><td>'
                . self::e('#' . $server['id'] . ' ' . $server['name'])
                . ($server['default'] ? ' <span class="label label-info">default</span>' : '') . '</td>'
                . '<td>' . self::e($url) . '</td><td class="vfstock-probe">' . $this->probe($server, $loaded)
                . '</td></tr>';
        }

        return $html . '</tbody></table>';
    }

    /** @param array{disabled: bool, panel: ?Panel} $server */
    private function probe(array $server, bool $loaded): string
    {
        if ($server['disabled']) {
            return '<span class="text-muted">disabled: not used, not checked</span>';
        }
        $panel = $server['panel'];
        if ($panel === null) {
            return '<span class="label label-warning">no hostname or IP address</span>';
        }
        if ($panel->token() === '') {
            return '<span class="label label-warning">no API token (the server\'s password field)</span>';
        }
        if (!$loaded || !function_exists('vf_stock_probe')) {
            return '<span class="text-muted">needs the vfstock extension</span>';
        }
        try {
            $result = vf_stock_probe($panel->api(['timeout' => 5.0, 'connectTimeout' => 3.0]));
        } catch (\Throwable $e) {
            return '<span class="label label-danger">error</span> ' . self::e(Log::redact($e->getMessage()));
        }
        if (!empty($result['ok'])) {
            return '<span class="label label-success vfstock-probe-ok">connected</span> HTTP '
                . self::e($result['status'] ?? '');
        }
        $status = (int) ($result['status'] ?? 0);

        return '<span class="label label-danger vfstock-probe-failed">failed</span> '
            . ($status > 0 ? 'HTTP ' . $status . ': ' : '')
            . self::e(Log::redact((string) ($result['error'] ?? 'unknown error')));
    }

    private function settingsBox(): string
    {
        $s = Settings::load();
        $rows = [
            'Safety buffer (blank configoption7)' => $s->buffer() . ' %',
            'Cron sweep' => 'every ' . $s->cronInterval() . ' min',
            'Provision/termination coalescing' => $s->eventInterval() . ' s',
            'Cart page refresh, per product' => 'every ' . $s->cartInterval() . ' s, waiting at most '
                . $s->cartTimeout() . ' s',
            'Auto-accept orders' => $s->autoAccept() ? 'on' : 'off',
            'Location option' => $s->locationLabel(),
        ];
        $html = '<h3>Settings</h3><p class="text-muted">Change them in System Settings > Addon Modules.</p>'
            . '<table class="table table-condensed vfstock-settings"><tbody>';
        foreach ($rows as $label => $value) {
            $html .= '<tr><th>' . self::e($label) . '</th><td>' . self::e($value) . '</td></tr>';
        }

        return $html . '</tbody></table>';
    }

    private static function missingExtension(): string
    {
        return '<div class="alert alert-warning" id="vfstock-no-extension"><strong>The vfstock PHP extension is not'
            . ' loaded</strong>: stock levels are not being updated.<br>To install it, build the project and run'
            . ' <code>make install</code> (it copies <code>vfstock.so</code> into PHP\'s extension directory),'
            . ' add <code>extension=vfstock</code> to php.ini (or a conf.d file) for both the web server\'s PHP'
            . ' (PHP-FPM) and the PHP CLI that runs the WHMCS cron, then restart PHP-FPM.'
            . ' <code>php -m | grep vfstock</code> tells whether it is loaded.</div>';
    }

    private static function style(): string
    {
        return '<style>'
            . '.vfstock .vfstock-binding{background:#fcf8e3}'
            . '.vfstock .vfstock-history{vertical-align:middle}'
            . '.vfstock details{margin:0 0 1em}'
            . '.vfstock summary{cursor:pointer;font-weight:bold}'
            . '.vfstock h4.vfstock-group{font-size:13px;margin:.8em 0 .3em}'
            . '</style>';
    }

    private static function statusClass(string $status): string
    {
        return match ($status) {
            'updated' => 'label-success',
            'unchanged' => 'label-default',
            'untouched' => 'label-warning',
            default => 'label-info',
        };
    }

    private static function number(mixed $value): string
    {
        if ($value === null) {
            return '∞';
        }
        if (is_int($value) && $value === PHP_INT_MAX) {
            return '∞';
        }

        return is_scalar($value) ? (string) $value : '';
    }

    private static function when(int $timestamp): string
    {
        return date('Y-m-d H:i:s', $timestamp);
    }

    /**
     * @param array<string, mixed> $payload
     * @return array{status: int, type: 'json', body: string}
     */
    private static function json(int $status, array $payload): array
    {
        $body = json_encode($payload, self::JSON_FLAGS);

        return ['status' => $status, 'type' => 'json', 'body' => $body === false ? '{"success":false}' : $body];
    }

    private static function e(mixed $value): string
    {
        if ($value === null) {
            return '';
        }
        if (is_bool($value)) {
            $value = $value ? 'yes' : 'no';
        }

        return htmlspecialchars(is_scalar($value) ? (string) $value : '', ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }
}
