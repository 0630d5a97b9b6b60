<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

/**
 * The addon's own tables, created, upgraded and dropped
 * idempotently through the Capsule schema builder.
 */
final class Schema
{
    /** The addon's version, and that of the tables it creates. */
    public const VERSION = '0.2.0';

    /** Leases shared by every PHP process: name → expiry (unix seconds, database clock). */
    public const LEASES = 'mod_vfstock_leases';

    /** One row per product: its last result, the groups' figures, what was notified. */
    public const STATE = 'mod_vfstock_state';

    /**
     * Hypervisor rows, once per distinct (panel, package, buffer, IPv4,
     * pool, group): products that share them share one row.
     */
    public const BREAKDOWNS = 'mod_vfstock_breakdowns';

    /** A row whenever a product's qty or status changes. */
    public const HISTORY = 'mod_vfstock_history';

    /** History is pruned by age (State::pruneHistory) through this index. */
    public const HISTORY_AGE_INDEX = 'mod_vfstock_history_created_at_index';

    /** Location sub-options vfstock hid (hideSoldOut), so only those are shown again. */
    public const HIDDEN = 'mod_vfstock_hidden';

    public const TABLES = [self::LEASES, self::STATE, self::BREAKDOWNS, self::HISTORY, self::HIDDEN];

    public static function create(): void
    {
        $schema = Capsule::schema();
        if (!$schema->hasTable(self::LEASES)) {
            $schema->create(self::LEASES, static function (Blueprint $table): void {
                $table->string('name', 191)->primary();
                $table->integer('expires_at');
            });
        }
        if (!$schema->hasTable(self::STATE)) {
            $schema->create(self::STATE, static function (Blueprint $table): void {
                self::stateColumns($table);
            });
        }
        if (!$schema->hasTable(self::BREAKDOWNS)) {
            $schema->create(self::BREAKDOWNS, static function (Blueprint $table): void {
                $table->string('key', 191)->primary();
                $table->mediumText('hypervisors');
                $table->unsignedInteger('checked_at');
            });
        }
        if (!$schema->hasTable(self::HISTORY)) {
            $schema->create(self::HISTORY, static function (Blueprint $table): void {
                $table->increments('id');
                $table->unsignedInteger('product_id');
                $table->integer('qty')->nullable();
                $table->string('status', 16);
                $table->text('reason')->nullable();
                $table->unsignedInteger('created_at');
                $table->index(['product_id', 'id']);
                $table->index('created_at', self::HISTORY_AGE_INDEX);
            });
        }
        if (!$schema->hasTable(self::HIDDEN)) {
            $schema->create(self::HIDDEN, static function (Blueprint $table): void {
                $table->unsignedInteger('sub_id')->primary();
                $table->unsignedInteger('hidden_at');
            });
        }
    }

    private static function stateColumns(Blueprint $table): void
    {
        $table->unsignedInteger('product_id')->primary();
        $table->unsignedInteger('panel')->nullable();
        $table->integer('qty')->nullable();
        $table->string('status', 16);
        $table->text('reason')->nullable();
        $table->unsignedInteger('checked_at');
        $table->unsignedInteger('changed_at')->nullable();
        $table->unsignedInteger('ok_at')->nullable();
        $table->integer('package_id')->nullable();
        $table->string('package_status', 16)->nullable();
        $table->integer('buffer')->nullable();
        $table->integer('ipv4')->nullable();
        $table->mediumText('groups')->nullable();
        $table->text('locations')->nullable();
        $table->text('flags')->nullable();
    }

    /**
     * Brings the tables of any earlier version to this one, keeping their
     * data (vfstock_upgrade). The first released schema kept every group's
     * hypervisor rows in `mod_vfstock_state.breakdown`, once per product:
     * they move to mod_vfstock_breakdowns, once per distinct breakdown.
     * A history table made before its age index gets it.
     */
    public static function upgrade(): void
    {
        $schema = Capsule::schema();
        if ($schema->hasTable(self::STATE) && $schema->hasColumn(self::STATE, 'breakdown')) {
            $old = Capsule::table(self::STATE)->get()->all();
            $schema->rename(self::STATE, self::STATE . '_v1');
            self::create();
            foreach ($old as $row) {
                self::migrateState($row);
            }
            $schema->drop(self::STATE . '_v1');
        }
        self::create();
        if (!self::hasIndex(self::HISTORY, self::HISTORY_AGE_INDEX)) {
            $schema->table(self::HISTORY, static function (Blueprint $table): void {
                $table->index('created_at', self::HISTORY_AGE_INDEX);
            });
        }
    }

    /** Whether $table has the index $name (MySQL/MariaDB or SQLite: what WHMCS and the demo run on). */
    private static function hasIndex(string $table, string $name): bool
    {
        $connection = Capsule::connection();
        $prefixed = $connection->getTablePrefix() . $table;
        $rows = $connection->getDriverName() === 'sqlite'
            ? $connection->select("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?",
                [$prefixed, $name])
            : $connection->select("SHOW INDEX FROM `{$prefixed}` WHERE Key_name = ?", [$name]);

        return $rows !== [];
    }

    /** One first-schema state row into the current tables. */
    private static function migrateState(object $row): void
    {
        $groups = json_decode((string) ($row->breakdown ?? ''), true);
        $summaries = [];
        foreach (is_array($groups) ? $groups : [] as $gid => $group) {
            if (!is_array($group)) {
                continue;
            }
            $hypervisors = is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [];
            unset($group['hypervisors']);
            $key = 'v1:' . (int) $row->product_id . ':' . (int) $gid;
            if ($hypervisors !== []) {
                State::storeBreakdown($key, $hypervisors, (int) $row->checked_at);
                $group['key'] = $key;
            }
            $summaries[(int) $gid] = $group;
        }
        Capsule::table(self::STATE)->insert([
            'product_id' => (int) $row->product_id,
            'qty' => $row->qty === null ? null : (int) $row->qty,
            'status' => (string) $row->status,
            'reason' => $row->reason,
            'checked_at' => (int) $row->checked_at,
            'ok_at' => in_array((string) $row->status, State::COMPUTED, true) ? (int) $row->checked_at : null,
            'groups' => State::json($summaries),
        ]);
    }

    /** Drops the addon's tables only; tblproducts.qty keeps its values. */
    public static function drop(): void
    {
        $schema = Capsule::schema();
        foreach (self::TABLES as $table) {
            $schema->dropIfExists($table);
        }
    }

    public static function exists(): bool
    {
        $schema = Capsule::schema();
        foreach (self::TABLES as $table) {
            if (!$schema->hasTable($table)) {
                return false;
            }
        }

        return !$schema->hasColumn(self::STATE, 'breakdown');
    }
}
