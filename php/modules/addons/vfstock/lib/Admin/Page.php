<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\Log;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

/**
 * The admin page, from stored state only: the PHP it runs
 * in, "Recalculate now", the products, their collapsed breakdowns, the
 * servers with the connection check on a button, and the settings. It
 * never calls the panel; the token never appears.
 */
final class Page
{
    public function __construct(private readonly string $link, private readonly float $checkDeadline)
    {
    }

    /**
     * @param array{kind: string, text: string, check?: list<array<string, mixed>>}|null $outcome
     *        what the last action did (shown once), or why this one was refused
     */
    public function render(?array $outcome = null, ?int $now = null): string
    {
        $now ??= time();
        $loaded = Refresher::extensionLoaded();
        $html = '<div class="vfstock" id="vfstock">' . Assets::style();
        if (!$loaded) {
            $html .= self::missingExtension();
        }
        if ($outcome !== null) {
            $kinds = ['success', 'info', 'warning', 'danger'];
            $kind = in_array($outcome['kind'], $kinds, true) ? $outcome['kind'] : 'info';
            $html .= '<div class="alert alert-' . $kind . '" id="vfstock-notice" role="status">'
                . Html::e($outcome['text']) . '</div>';
        }
        $html .= self::environment($loaded) . $this->recalculateForm($loaded);
        try {
            $settings = Settings::load();
            $limits = ['staleHours' => $settings->staleHours(), 'lowStock' => $settings->lowStock()];
            $products = State::products();
            $html .= (new ProductsView($products, $limits, $now))->render();
            $html .= (new BreakdownsView($products, $limits, $now))->render();
            $check = isset($outcome['check']) && is_array($outcome['check']) ? $outcome['check'] : null;
            $html .= (new ConnectionView($this->link, $loaded, $this->checkDeadline, $check))->render();
            $html .= self::settings($settings);
        } catch (\Throwable $e) {
            Log::failure('admin page', $e);
            $html .= '<div class="alert alert-danger" id="vfstock-error">The page could not be built: '
                . Html::e(Log::redact($e->getMessage())) . '</div>';
        }

        return $html . Assets::script([
            'recalculating' => 'Recalculating: reading the panel afresh…',
            'checking' => 'Checking each server…',
            'failed' => 'The connection check could not be run:',
        ]) . '</div>';
    }

    /** Which PHP this is, and whether it has the extension: what an operator installing it needs to know. */
    private static function environment(bool $loaded): string
    {
        $version = phpversion('vfstock');
        $php = 'PHP ' . PHP_VERSION . ' (' . PHP_SAPI . ', ' . (PHP_ZTS ? 'ZTS' : 'NTS') . ')';
        $extension = $loaded
            ? Html::label(
                'success',
                'vfstock extension ' . (is_string($version) ? $version : '') . ' loaded',
                'vfstock-ext-loaded'
            )
            : Html::label('danger', 'vfstock extension not loaded', 'vfstock-ext-missing');

        return '<p class="vfstock-env text-muted" id="vfstock-env">VirtFusion Stock Control ' . Html::e(Schema::VERSION)
            . ' · this page runs in ' . Html::e($php) . $extension . '</p>';
    }

    private function recalculateForm(bool $loaded): string
    {
        $token = function_exists('generate_token') ? (string) generate_token('form') : '';

        return '<form method="post" action="' . Html::e($this->link) . '" class="vfstock-toolbar"'
            . ' id="vfstock-recalculate-form">' . $token
            . '<input type="hidden" name="action" value="recalculate">'
            . '<button type="submit" class="btn btn-primary" id="vfstock-recalculate"' . ($loaded ? '' : ' disabled')
            . '>Recalculate now</button>'
            . '<span class="vfstock-progress" id="vfstock-recalculate-progress" role="status" hidden>'
            . '<span class="vfstock-spinner" aria-hidden="true"></span><span class="vfstock-progress-text"></span>'
            . '</span>'
            . '<span class="help-block vfstock-help">Reads the panel afresh (cached data is forgotten, rate limits'
            . ' are bypassed) and updates every stock-controlled product.</span>'
            . '</form>';
    }

    private static function settings(Settings $settings): string
    {
        $rows = [];
        foreach ($settings->toArray() as $key => $value) {
            $label = Settings::FIELDS[$key][0] ?? $key;
            $shown = match (true) {
                is_bool($value) => $value ? 'on' : 'off',
                $value === null => 'none',
                default => (string) $value,
            };
            $rows[] = '<tr>' . Html::cell('Setting', Html::e($label)) . Html::cell('Value', Html::e($shown)) . '</tr>';
        }

        return '<div class="panel panel-default vfstock-panel" id="vfstock-settings-panel">'
            . '<details class="vfstock-settings"><summary>Settings</summary>'
            . '<div class="panel-body"><p class="text-muted">Change them in System Settings &gt; Addon Modules.</p>'
            . '</div>'
            . Html::table('table-striped vfstock-settings-table', ['Setting', 'Value'], $rows)
            . '</details></div>';
    }

    private static function missingExtension(): string
    {
        return '<div class="alert alert-warning" id="vfstock-no-extension"><strong>The vfstock PHP extension is not'
            . ' loaded</strong> in this PHP (' . Html::e(PHP_SAPI) . ' ' . Html::e(PHP_VERSION) . '): stock levels'
            . ' are not being updated.<br>To install it, build the project and run <code>make install</code> (it'
            . ' copies <code>vfstock.so</code> into PHP\'s extension directory), add <code>extension=vfstock</code>'
            . ' to php.ini (or a conf.d file) for both the web server\'s PHP (PHP-FPM) and the PHP CLI that runs the'
            . ' WHMCS cron, then restart PHP-FPM. <code>php -m | grep vfstock</code> tells whether it is loaded.</div>';
    }
}
