<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The VirtFusion panels the addon talks to. Each product is read
 * from its own panel: the enabled `VirtFusionDirect` servers of its server
 * group (tblproducts.servergroup → tblservergroupsrel), preferring the
 * default one, then the lowest id; a product without a server group uses
 * the store-wide choice, made the same way over every such server. The
 * password, decrypted, is the API token.
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

    /** The store-wide panel, or null when no enabled VirtFusionDirect server has a host. */
    public static function credentials(): ?self
    {
        return self::first(null);
    }

    /**
     * The panel of a server group (null: the store-wide choice), or null
     * when it has no enabled VirtFusionDirect server with a host.
     */
    public static function ofServerGroup(?int $group): ?self
    {
        return self::first($group !== null && $group > 0 ? $group : null);
    }

    /**
     * The products to read, by panel: `[serverId => [panel, product ids]]`,
     * and under `0` those without a usable panel (`[null, ids]`). Every
     * managed product when $ids is null.
     *
     * @param list<int>|null $ids
     * @return array<int, array{0: ?self, 1: list<int>}>
     */
    public static function forProducts(?array $ids): array
    {
        $query = $ids === null ? Database::managed() : Capsule::table('tblproducts')->whereIn('id', $ids === [] ? [0] : $ids);
        $groups = [];
        foreach ($query->orderBy('tblproducts.id')->get(['tblproducts.id', 'tblproducts.servergroup']) as $row) {
            $groups[(int) ($row->servergroup ?? 0)][] = (int) $row->id;
        }
        $known = array_merge([], ...array_values($groups));
        foreach (array_diff($ids ?? [], $known) as $id) {
            // A requested id without a row is read (and reported) with the store-wide panel.
            $groups[0][] = $id;
        }
        $out = [];
        foreach ($groups as $group => $products) {
            $panel = self::ofServerGroup($group);
            $key = $panel?->serverId ?? 0;
            $out[$key] = [$panel, array_merge($out[$key][1] ?? [], $products)];
        }
        ksort($out);

        return $out;
    }

    /**
     * forProducts() split by what can be read: the panels with an API token
     * and their products, the products without a panel, and the panels
     * without a token (whose products are not refreshed either).
     *
     * @param array<int, array{0: ?self, 1: list<int>}> $panels forProducts()
     * @return array{usable: array<int, array{0: self, 1: list<int>}>, orphans: list<int>,
     *               tokenless: list<array{0: self, 1: list<int>}>}
     */
    public static function usable(array $panels): array
    {
        $out = ['usable' => [], 'orphans' => $panels[0][1] ?? [], 'tokenless' => []];
        unset($panels[0]);
        foreach ($panels as $serverId => [$panel, $products]) {
            if ($panel->token() !== '') {
                $out['usable'][$serverId] = [$panel, $products];
            } else {
                $out['tokenless'][] = [$panel, $products];
            }
        }

        return $out;
    }

    private static function first(?int $group): ?self
    {
        $query = Capsule::table('tblservers')
            ->where('tblservers.type', Database::SERVER_TYPE)
            ->where('tblservers.disabled', 0)
            ->orderBy('tblservers.active', 'desc')
            ->orderBy('tblservers.id');
        if ($group !== null) {
            $query->join('tblservergroupsrel', 'tblservergroupsrel.serverid', '=', 'tblservers.id')
                ->where('tblservergroupsrel.groupid', $group);
        }
        $columns = ['tblservers.id', 'tblservers.name', 'tblservers.hostname', 'tblservers.ipaddress',
            'tblservers.password', 'tblservers.active'];
        foreach ($query->get($columns) as $row) {
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
