<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

/**
 * The addon's own tables (SPEC §7), created and dropped idempotently.
 */
final class Schema
{
    /** Leases shared by every PHP process: name → expiry (unix seconds, database clock). */
    public const LEASES = 'mod_vfstock_leases';

    /** One row per product: the last check (qty, status, reason, when, breakdown JSON). */
    public const STATE = 'mod_vfstock_state';

    /** A row whenever a product's qty or status changes. */
    public const HISTORY = 'mod_vfstock_history';

    public const TABLES = [self::LEASES, self::STATE, self::HISTORY];

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
                $table->unsignedInteger('product_id')->primary();
                $table->integer('qty')->nullable();
                $table->string('status', 16);
                $table->text('reason')->nullable();
                $table->unsignedInteger('checked_at');
                $table->mediumText('breakdown')->nullable();
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
            });
        }
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

        return true;
    }
}
