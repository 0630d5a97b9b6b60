<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The VirtFusion panel the addon talks to (SPEC §7): the enabled
 * `VirtFusionDirect` server of tblservers, preferring the default one, then
 * the lowest id; its password, decrypted, is the API token.
 */
final class Panel
{
    private function __construct(
        public readonly int $serverId,
        public readonly string $name,
        public readonly string $url,
        private readonly string $token,
    ) {
    }

    /** The panel to use, or null when no enabled VirtFusionDirect server has a host. */
    public static function credentials(): ?self
    {
        $rows = Capsule::table('tblservers')
            ->where('type', Database::SERVER_TYPE)
            ->where('disabled', 0)
            ->orderBy('active', 'desc')
            ->orderBy('id')
            ->get(['id', 'name', 'hostname', 'ipaddress', 'password', 'active']);
        foreach ($rows as $row) {
            $panel = self::fromRow($row);
            if ($panel !== null) {
                return $panel;
            }
        }

        return null;
    }

    /**
     * Every VirtFusionDirect server, for the admin page's connection check.
     *
     * @return list<array{id: int, name: string, host: string, disabled: bool, default: bool, panel: ?self}>
     */
    public static function servers(): array
    {
        $rows = Capsule::table('tblservers')
            ->where('type', Database::SERVER_TYPE)
            ->orderBy('id')
            ->get(['id', 'name', 'hostname', 'ipaddress', 'password', 'active', 'disabled']);
        $out = [];
        foreach ($rows as $row) {
            $disabled = (int) $row->disabled !== 0;
            $out[] = [
                'id' => (int) $row->id,
                'name' => (string) $row->name,
                'host' => self::host($row),
                'disabled' => $disabled,
                'default' => (int) $row->active === 1,
                'panel' => $disabled ? null : self::fromRow($row),
            ];
        }

        return $out;
    }

    /**
     * `https://{host}/api/v1`, or `{host}/api/v1` when the host already names
     * its scheme (a local or test panel).
     */
    public static function baseUrl(string $host): string
    {
        $host = rtrim(trim($host), '/');
        if (preg_match('#^https?://#i', $host) === 1) {
            return $host . '/api/v1';
        }

        return 'https://' . $host . '/api/v1';
    }

    /**
     * The `api` entry of an extension call.
     *
     * @param array<string, mixed> $extra timeout, connectTimeout, …
     * @return array<string, mixed>
     */
    public function api(array $extra = []): array
    {
        return ['url' => $this->url, 'token' => $this->token] + $extra;
    }

    /** The API token; it goes nowhere but the extension and the log's mask. */
    public function token(): string
    {
        return $this->token;
    }

    private static function fromRow(object $row): ?self
    {
        $host = self::host($row);
        if ($host === '') {
            return null;
        }
        $token = trim(self::decrypt((string) ($row->password ?? '')));
        Log::secret($token);

        return new self((int) $row->id, (string) $row->name, self::baseUrl($host), $token);
    }

    private static function host(object $row): string
    {
        $host = trim((string) ($row->hostname ?? ''));

        return $host !== '' ? $host : trim((string) ($row->ipaddress ?? ''));
    }

    private static function decrypt(string $password): string
    {
        if ($password === '') {
            return '';
        }
        if (!function_exists('decrypt')) {
            throw new \RuntimeException('vfstock: WHMCS decrypt() is not available to read the server password');
        }
        $plain = decrypt($password);

        return is_string($plain) ? $plain : '';
    }
}
