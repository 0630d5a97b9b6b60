<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\ConnectionCheck;
use WHMCS\Module\Addon\VfStock\Log;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Settings;

/**
 * addonmodules.php?module=vfstock: a GET shows the page
 * from stored state and never asks the panel; the two actions —
 * "Recalculate now" and the connection check — need POST, an admin session
 * and WHMCS's CSRF token. Each answers JSON with `format=json` (for
 * scripts and the page's own JavaScript), otherwise a 303 back to the page,
 * which shows the outcome once (Post/Redirect/Get).
 */
final class Controller
{
    public const CSRF_CONTEXT = 'WHMCS.admin.default';

    public const ACTIONS = ['recalculate' => 'Recalculate now', 'check' => 'The connection check'];

    private readonly string $link;

    private readonly float $checkDeadline;

    /**
     * @param array<string, mixed> $vars what WHMCS passes to vfstock_output()
     * @param float|null $checkDeadline seconds one server's connection check may take in all
     */
    public function __construct(array $vars = [], ?float $checkDeadline = null)
    {
        $link = $vars['modulelink'] ?? null;
        $this->link = is_string($link) && $link !== '' ? $link : 'addonmodules.php?module=vfstock';
        $this->checkDeadline = $checkDeadline ?? ConnectionCheck::DEADLINE;
    }

    /**
     * Answers one request.
     *
     * @param array<string, mixed> $query $_GET
     * @param array<string, mixed> $post  $_POST
     */
    public function handle(string $method, array $query, array $post): Response
    {
        $action = $post['action'] ?? $query['action'] ?? '';
        $action = is_string($action) ? $action : '';
        $json = ($query['format'] ?? $post['format'] ?? '') === 'json';
        if (!isset(self::ACTIONS[$action])) {
            return Response::html($this->page()->render(Flash::take()));
        }

        $refusal = $this->refusal($method, self::ACTIONS[$action]);
        if ($refusal !== null) {
            [$status, $message] = $refusal;
            if ($json) {
                return Response::json(['success' => false, 'data' => new \stdClass(), 'summary' => $message], $status);
            }

            return Response::html($this->page()->render(['kind' => 'danger', 'text' => $message]), $status);
        }

        return $action === 'recalculate' ? $this->recalculate($json) : $this->check($json);
    }

    /** "Recalculate now": forgets the cached panel data and refreshes every product, bypassing the leases. */
    private function recalculate(bool $json): Response
    {
        $outcome = self::refresh();
        if ($json) {
            return Response::json([
                'success' => $outcome['success'],
                'data' => $outcome['data'] === [] ? new \stdClass() : $outcome['data'],
                'summary' => $outcome['summary'],
            ]);
        }
        Flash::put(['kind' => $outcome['success'] ? 'success' : 'danger',
            'text' => 'Recalculate now: ' . $outcome['summary']]);

        return Response::redirect($this->link);
    }

    /**
     * @return array{success: bool, data: array<int, ?int>, summary: string}
     */
    public static function refresh(): array
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

    /** The connection check of every VirtFusionDirect server, each within the deadline. */
    private function check(bool $json): Response
    {
        $started = microtime(true);
        try {
            $lines = ConnectionCheck::run($this->checkDeadline);
        } catch (\Throwable $e) {
            Log::failure('connection check', $e);
            $message = 'The connection check failed: ' . Log::redact($e->getMessage());

            return $json ? Response::json(['success' => false, 'data' => [], 'summary' => $message], 500)
                : $this->after(['kind' => 'danger', 'text' => $message]);
        }
        $checked = array_values(array_filter($lines, static fn (array $l): bool => !$l['disabled']));
        $ok = array_values(array_filter($checked, static fn (array $l): bool => $l['ok'] === true));
        $summary = $lines === [] ? 'No VirtFusionDirect server in Setup > Servers.'
            : count($ok) . ' of ' . Html::plural(count($checked), 'server', 'servers') . ' connected'
                . ' (' . round(microtime(true) - $started, 1) . ' s).';
        $success = $checked !== [] && count($ok) === count($checked);
        $data = array_map(static fn (array $l): array => $l + ['text' => ConnectionCheck::describe($l),
            'html' => ConnectionView::result($l)], $lines);
        if ($json) {
            return Response::json(['success' => $success, 'data' => $data, 'summary' => $summary]);
        }

        return $this->after(['kind' => $success ? 'success' : 'warning', 'text' => 'Connection check: ' . $summary,
            'check' => $data]);
    }

    /** @param array{kind: string, text: string, check?: list<array<string, mixed>>} $outcome */
    private function after(array $outcome): Response
    {
        Flash::put($outcome);

        return Response::redirect($this->link);
    }

    /** @return array{0: int, 1: string}|null why the action is refused */
    private function refusal(string $method, string $what): ?array
    {
        if (strtoupper($method) !== 'POST') {
            return [405, $what . ' needs a POST request.'];
        }
        if (empty($_SESSION['adminid'])) {
            return [403, $what . ' needs an admin session.'];
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

    private function page(): Page
    {
        return new Page($this->link, $this->checkDeadline);
    }
}
