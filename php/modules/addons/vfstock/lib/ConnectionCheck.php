<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * The Test Connection check of every VirtFusionDirect server: whether vfstock can use it, and whether its token may
 * read what stock control needs. One place for the admin page's button and
 * `vfstock check`; the whole check of each server ends within a deadline.
 */
final class ConnectionCheck
{
    /** Seconds one server's check may take in all. */
    public const DEADLINE = 5.0;

    /**
     * One line per server: id, name, url, default, disabled, ok (null: not
     * checked), status, error (in words, never the token).
     *
     * @return list<array{id: int, name: string, url: ?string, default: bool, disabled: bool, ok: ?bool,
     *                    status: ?int, error: ?string}>
     */
    public static function run(float $deadline = self::DEADLINE): array
    {
        $loaded = function_exists('vf_stock_probe');
        $out = [];
        foreach (Panel::servers() as $server) {
            $out[] = self::one($server, $loaded, $deadline);
        }

        return $out;
    }

    /**
     * @param array{id: int, name: string, disabled: bool, default: bool, panel: ?Panel} $server
     * @return array{id: int, name: string, url: ?string, default: bool, disabled: bool, ok: ?bool,
     *               status: ?int, error: ?string}
     */
    private static function one(array $server, bool $loaded, float $deadline): array
    {
        $panel = $server['panel'];
        $line = [
            'id' => $server['id'],
            'name' => $server['name'],
            'url' => $panel?->url,
            'default' => $server['default'],
            'disabled' => $server['disabled'],
            'ok' => null,
            'status' => null,
            'error' => null,
        ];
        if ($server['disabled']) {
            return $line;
        }
        if ($panel === null) {
            return array_replace($line, ['ok' => false, 'error' => 'no hostname or IP address']);
        }
        if ($panel->token() === '') {
            return array_replace($line, ['ok' => false, 'error' => 'no API token (the server\'s password field)']);
        }
        if (!$loaded) {
            return array_replace($line, ['error' => 'not checked: needs the vfstock extension']);
        }
        try {
            $probe = vf_stock_probe($panel->api(['deadline' => $deadline]));
        } catch (\Throwable $e) {
            return array_replace($line, ['ok' => false, 'error' => Log::redact($e->getMessage())]);
        }

        return array_replace($line, [
            'ok' => !empty($probe['ok']),
            'status' => (int) ($probe['status'] ?? 0),
            'error' => isset($probe['error']) ? Log::redact((string) $probe['error']) : null,
        ]);
    }

    /**
     * A line's outcome in words.
     *
     * @param array<string, mixed> $line
     */
    public static function describe(array $line): string
    {
        if ($line['disabled']) {
            return 'disabled: not used, not checked';
        }
        if ($line['ok'] === true) {
            return 'ok: connected, the token can read hypervisor groups (HTTP ' . $line['status'] . ')';
        }
        $status = (int) ($line['status'] ?? 0);

        return ($line['ok'] === false ? 'FAILED: ' : '') . ($status > 0 ? 'HTTP ' . $status . ': ' : '')
            . ($line['error'] ?? 'unknown error');
    }
}
