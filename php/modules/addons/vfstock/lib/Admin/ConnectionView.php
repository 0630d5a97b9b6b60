<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\ConnectionCheck;
use WHMCS\Module\Addon\VfStock\Figure;
use WHMCS\Module\Addon\VfStock\Panel;

/**
 * The VirtFusionDirect servers and their connection check, which runs only
 * when asked (the button), each server within its deadline. Listing the
 * servers reads the database only.
 */
final class ConnectionView
{
    /**
     * @param list<array<string, mixed>>|null $results ConnectionCheck lines of a check just run, by PRG
     */
    public function __construct(
        private readonly string $link,
        private readonly bool $loaded,
        private readonly float $deadline,
        private readonly ?array $results,
    ) {
    }

    public function render(): string
    {
        $servers = Panel::servers();
        $title = 'Panel connection';
        if ($servers === []) {
            return Html::panel(
                'vfstock-connection',
                $title,
                '<p id="vfstock-no-servers">No VirtFusionDirect server in Setup &gt; Servers.</p>'
            );
        }
        $byId = [];
        foreach ($this->results ?? [] as $line) {
            if (is_array($line) && isset($line['id'])) {
                $byId[(int) $line['id']] = $line;
            }
        }
        $rows = [];
        foreach ($servers as $server) {
            $id = (int) $server['id'];
            $panel = $server['panel'];
            $checkable = !$server['disabled'] && $this->loaded;
            $rows[] = '<tr data-server="' . $id . '">'
                . Html::cell('Server', Html::e('#' . $id . ' ' . $server['name'])
                    . ($server['default'] ? ' ' . Html::label('info', 'default') : ''))
                . Html::cell('API URL', Html::e($panel instanceof Panel ? $panel->url : ''), 'vfstock-url')
                . Html::cell(
                    'Check',
                    isset($byId[$id]) ? self::result($byId[$id]) : $this->unchecked($server),
                    'vfstock-probe',
                    $checkable ? ' data-checkable="1"' : ''
                )
                . '</tr>';
        }
        $token = function_exists('generate_token') ? (string) generate_token('form') : '';
        $seconds = Figure::short($this->deadline);
        $form = '<form method="post" action="' . Html::e($this->link) . '" id="vfstock-check-form"'
            . ' class="vfstock-toolbar">' . $token
            . '<input type="hidden" name="action" value="check">'
            . '<button type="submit" class="btn btn-default" id="vfstock-check"' . ($this->loaded ? '' : ' disabled')
            . '>Check connection</button>'
            . '<span class="vfstock-progress" id="vfstock-check-progress" role="status" hidden>'
            . '<span class="vfstock-spinner" aria-hidden="true"></span>'
            . '<span class="vfstock-progress-text"></span></span>'
            . '<span class="help-block vfstock-help">Asks each enabled server for <code>/connect</code> and the'
            . ' hypervisor groups with its token; each server\'s check stops after ' . Html::e($seconds) . ' s.</span>'
            . '</form>'
            . '<p id="vfstock-check-summary" class="vfstock-check-summary" role="status" aria-live="polite"></p>';

        return Html::panel(
            'vfstock-connection',
            $title,
            $form,
            'default',
            Html::table('vfstock-servers vfstock-stack', ['Server', 'API URL', 'Check'], $rows, 'vfstock-servers')
        );
    }

    /** @param array<string, mixed> $server Panel::servers() entry */
    private function unchecked(array $server): string
    {
        if ($server['disabled']) {
            return '<span class="text-muted">disabled: not used, not checked</span>';
        }
        if ($server['panel'] === null) {
            return Html::label('warning', 'no hostname or IP address');
        }
        if (!$this->loaded) {
            return '<span class="text-muted">needs the vfstock extension</span>';
        }

        return '<span class="text-muted vfstock-unchecked">not checked yet</span>';
    }

    /**
     * One server's outcome; also sent, as `html`, in the JSON answer the page's script shows.
     *
     * @param array<string, mixed> $line ConnectionCheck line
     */
    public static function result(array $line): string
    {
        if (!empty($line['disabled'])) {
            return '<span class="text-muted">disabled: not used, not checked</span>';
        }
        $text = ConnectionCheck::describe($line + ['disabled' => false, 'ok' => null, 'status' => null]);
        if (($line['ok'] ?? null) === true) {
            return Html::label('success', 'connected', 'vfstock-probe-ok') . ' HTTP ' . Html::e($line['status'] ?? '');
        }
        if (($line['ok'] ?? null) === false) {
            $status = (int) ($line['status'] ?? 0);

            return Html::label('danger', 'failed', 'vfstock-probe-failed') . ' '
                . Html::e(($status > 0 ? 'HTTP ' . $status . ': ' : '') . ($line['error'] ?? 'unknown error'));
        }

        return '<span class="text-muted">' . Html::e($text) . '</span>';
    }
}
