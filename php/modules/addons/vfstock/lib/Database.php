<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The `db` callbacks of vf_stock_refresh over WHMCS's
 * database: query builder with bindings only, raw SQL only for the atomic
 * lease claim (with bindings too).
 */
final class Database
{
    public const SERVER_TYPE = 'VirtFusionDirect';

    /** The tblproducts columns the extension reads. */
    private const PRODUCT_COLUMNS = [
        'id', 'name', 'servertype', 'stockcontrol', 'qty',
        'configoption1', 'configoption2', 'configoption3', 'configoption7',
    ];

    /** tblproducts.qty is a signed INT: a larger value fails on MariaDB's strict mode. */
    public const QTY_MAX = 2_147_483_647;

    public function __construct(private readonly Settings $settings)
    {
    }

    /**
     * The `db` entry of a vf_stock_refresh request.
     *
     * @return array{products: \Closure, locations: \Closure, write: \Closure, claim: \Closure}
     */
    public function callbacks(): array
    {
        return [
            'products' => fn (?array $ids): array => $this->products($ids),
            'locations' => fn (int $productId, string $label): array => $this->locations($productId, $label),
            'write' => function (int $productId, int $qty): void {
                $this->write($productId, $qty);
            },
            'claim' => fn (string $key, int $ttl): bool => $this->claim($key, $ttl),
        ];
    }

    /**
     * tblproducts rows for those ids, or every stock-controlled VirtFusionDirect
     * product when null. A blank configoption7 (safety buffer) is filled with
     * the addon's `buffer` setting.
     *
     * @param list<int|string>|null $ids
     * @return list<array<string, mixed>>
     */
    public function products(?array $ids): array
    {
        $query = Capsule::table('tblproducts')->select(self::PRODUCT_COLUMNS)->orderBy('id');
        if ($ids === null) {
            $query = self::managed()->select(self::PRODUCT_COLUMNS)->orderBy('id');
        } else {
            $ids = array_values(array_unique(array_filter(array_map('intval', $ids), static fn (int $id) => $id > 0)));
            if ($ids === []) {
                return [];
            }
            $query->whereIn('id', $ids);
        }
        $buffer = (string) $this->settings->buffer();
        $rows = [];
        foreach ($query->get() as $row) {
            $row = (array) $row;
            if (!self::hasOwnBuffer($row['configoption7'] ?? null)) {
                $row['configoption7'] = $buffer;
            }
            $rows[] = $row;
        }

        return $rows;
    }

    /**
     * Whether a product's configoption7 (its safety buffer) is its own: a
     * blank one takes the addon's `buffer` setting (products() fills it in).
     */
    public static function hasOwnBuffer(mixed $configoption7): bool
    {
        return is_scalar($configoption7) && trim((string) $configoption7) !== '';
    }

    /**
     * The products vfstock manages: VirtFusionDirect ones with Stock Control
     * on. The one place this is written in SQL; it is the extension's rule
     * (a stock control flag is any value but 0) for WHMCS's integer column.
     */
    public static function managed(): \Illuminate\Database\Query\Builder
    {
        return Capsule::table('tblproducts')
            ->where('tblproducts.servertype', self::SERVER_TYPE)
            ->whereNotNull('tblproducts.stockcontrol')
            ->where('tblproducts.stockcontrol', '<>', 0);
    }

    /** Whether the product is a stock-controlled VirtFusionDirect product. */
    public static function isManaged(int $productId): bool
    {
        return $productId > 0 && self::managed()->where('tblproducts.id', $productId)->exists();
    }

    /**
     * The raw names (`2|Paris`) of the sub-options of the product's
     * configurable option whose name, before any `|`, equals $label (trimmed,
     * case-insensitive): those not hidden, and those vfstock hid itself.
     *
     * @return list<string>
     */
    public function locations(int $productId, string $label): array
    {
        if (OptionValue::key($label) === '') {
            return [];
        }
        $options = Capsule::table('tblproductconfiglinks')
            ->join('tblproductconfigoptions', 'tblproductconfigoptions.gid', '=', 'tblproductconfiglinks.gid')
            ->where('tblproductconfiglinks.pid', $productId)
            ->orderBy('tblproductconfigoptions.order')
            ->orderBy('tblproductconfigoptions.id')
            ->get(['tblproductconfigoptions.id', 'tblproductconfigoptions.optionname']);
        $ids = [];
        foreach ($options as $option) {
            if (OptionValue::is((string) $option->optionname, $label)) {
                $ids[] = (int) $option->id;
            }
        }
        if ($ids === []) {
            return [];
        }
        $ours = Capsule::schema()->hasTable(Schema::HIDDEN);
        $names = Capsule::table('tblproductconfigoptionssub')
            ->whereIn('configid', array_values(array_unique($ids)))
            ->where(static function ($q) use ($ours): void {
                // A Location vfstock hid (hideSoldOut) is still counted, so it comes back once it has room.
                $q->where('hidden', 0);
                if ($ours) {
                    $q->orWhereIn('id', Capsule::table(Schema::HIDDEN)->select('sub_id'));
                }
            })
            ->orderBy('sortorder')
            ->orderBy('id')
            ->pluck('optionname');
        $out = [];
        foreach ($names as $name) {
            $out[] = (string) $name;
        }

        return $out;
    }

    public function write(int $productId, int $qty): void
    {
        Capsule::table('tblproducts')->where('id', $productId)
            ->update(['qty' => max(0, min(self::QTY_MAX, $qty))]);
    }

    /**
     * Takes the lease $key for $ttl seconds if it is free or expired.
     *
     * One atomic statement judged by its affected rows, against the
     * database's clock, so that concurrent PHP processes and web nodes with
     * skewed clocks agree: exactly one of them takes a free lease.
     */
    public function claim(string $key, int $ttl): bool
    {
        $ttl = max(1, $ttl);
        $connection = Capsule::connection();
        $table = $connection->getTablePrefix() . Schema::LEASES;
        $driver = $connection->getDriverName();
        if ($driver === 'mysql' || $driver === 'mariadb') {
            // Two statements, each atomic and judged by rows it changed or
            // matched, so the answer does not depend on PDO's FOUND_ROWS mode:
            // a new lease is inserted, or an expired one taken over. Of
            // concurrent updaters InnoDB lets one match; the rest then see
            // the fresh expiry and match nothing.
            $inserted = $connection->affectingStatement(
                "INSERT IGNORE INTO `{$table}` (`name`, `expires_at`) VALUES (?, UNIX_TIMESTAMP() + ?)",
                [$key, $ttl]
            );
            if ($inserted > 0) {
                return true;
            }

            return $connection->affectingStatement(
                "UPDATE `{$table}` SET `expires_at` = UNIX_TIMESTAMP() + ?"
                . ' WHERE `name` = ? AND `expires_at` <= UNIX_TIMESTAMP()',
                [$ttl, $key]
            ) > 0;
        }
        if ($driver === 'sqlite') {
            $this->sqliteBusyTimeout();
            // changes(): 1 when inserted or taken over, 0 when the WHERE kept it.
            $affected = $connection->affectingStatement(
                "INSERT INTO \"{$table}\" (\"name\", \"expires_at\")"
                . " VALUES (?, CAST(strftime('%s', 'now') AS INTEGER) + ?)"
                . ' ON CONFLICT("name") DO UPDATE SET "expires_at" = excluded."expires_at"'
                . " WHERE \"{$table}\".\"expires_at\" <= CAST(strftime('%s', 'now') AS INTEGER)",
                [$key, $ttl]
            );

            return $affected > 0;
        }

        throw new \RuntimeException("vfstock: leases need MySQL/MariaDB or SQLite, not {$driver}");
    }

    /** Concurrent writers wait for each other instead of failing with SQLITE_BUSY. */
    private function sqliteBusyTimeout(): void
    {
        $pdo = Capsule::connection()->getPdo();
        $statement = $pdo->query('PRAGMA busy_timeout');
        if ($statement !== false && (int) $statement->fetchColumn() < 5000) {
            $pdo->exec('PRAGMA busy_timeout = 5000');
        }
    }
}
