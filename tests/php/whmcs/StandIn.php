<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

use Illuminate\Database\Capsule\Manager;
use Illuminate\Database\Schema\Blueprint;
use WHMCS\Database\Capsule;

/**
 * The state behind the WHMCS stand-ins: the Capsule connection, the WHMCS
 * schema subset the addon touches, the registered hooks and what the
 * stand-in functions recorded in this process.
 */
final class StandIn
{
    public const ENCRYPTION_KEY = 'vfstock-test-cc-encryption-hash-0123456789';

    /** WHMCS's tables, plus the stand-ins' own record of localAPI calls. */
    public const TABLES = [
        'tblproducts', 'tblproductconfiglinks', 'tblproductconfigoptions', 'tblproductconfigoptionssub',
        'tblservers', 'tblservergroupsrel', 'tblhosting', 'tblhostingconfigoptions', 'tblorders', 'tbladdonmodules',
        'tblmodulelog', 'tblactivitylog', 'standin_localapi',
    ];

    /** @var array<string, list<array{priority: int, function: callable}>> */
    public static array $hooks = [];

    /** @var list<array<string, mixed>> */
    public static array $moduleLogCalls = [];

    /** @var list<array{command: string, values: array<string, mixed>}> */
    public static array $localApiCalls = [];

    /** When set, localAPI answers this error instead of doing the work (a WHMCS-side failure). */
    public static ?string $localApiError = null;

    private static ?Manager $capsule = null;

    /**
     * Connects WHMCS\Database\Capsule (the real Laravel Capsule) and makes it global.
     *
     * @param array<string, mixed> $config a Capsule connection (driver mysql or sqlite)
     */
    public static function connect(array $config): void
    {
        $config += ['charset' => 'utf8mb4', 'collation' => 'utf8mb4_unicode_ci', 'prefix' => ''];
        $capsule = new Manager();
        $capsule->addConnection($config);
        $capsule->setAsGlobal();
        self::$capsule = $capsule;
        if ($config['driver'] === 'sqlite') {
            $pdo = Capsule::connection()->getPdo();
            $pdo->exec('PRAGMA busy_timeout = 10000');
            $pdo->exec('PRAGMA journal_mode = WAL');
        }
    }

    /** Connects from VFSTOCK_TEST_DB (JSON), as the child processes do. */
    public static function connectFromEnvironment(): void
    {
        $json = getenv('VFSTOCK_TEST_DB');
        if (!is_string($json) || $json === '') {
            throw new \RuntimeException('VFSTOCK_TEST_DB is not set');
        }
        self::connect(json_decode($json, true, 16, JSON_THROW_ON_ERROR));
    }

    public static function connected(): bool
    {
        return self::$capsule !== null;
    }

    /** Creates the WHMCS tables that do not exist yet. */
    public static function createSchema(): void
    {
        $schema = Capsule::schema();
        $tables = [
            'tblproducts' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->string('type', 32)->default('server');
                $t->unsignedInteger('gid')->default(1);
                $t->string('name', 191)->default('');
                $t->string('servertype', 64)->default('');
                $t->tinyInteger('stockcontrol')->default(0);
                $t->integer('qty')->default(0);
                for ($i = 1; $i <= 24; $i++) {
                    $t->text('configoption' . $i)->nullable();
                }
                $t->tinyInteger('hidden')->default(0);
                $t->tinyInteger('retired')->default(0);
                $t->unsignedInteger('servergroup')->default(0);
            },
            'tblproductconfiglinks' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('gid');
                $t->unsignedInteger('pid');
            },
            'tblproductconfigoptions' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('gid');
                $t->text('optionname');
                $t->unsignedInteger('optiontype')->default(1);
                $t->unsignedInteger('qtyminimum')->default(0);
                $t->unsignedInteger('qtymaximum')->default(0);
                $t->unsignedInteger('order')->default(0);
                $t->tinyInteger('hidden')->default(0);
            },
            'tblproductconfigoptionssub' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('configid');
                $t->text('optionname');
                $t->unsignedInteger('sortorder')->default(0);
                $t->tinyInteger('hidden')->default(0);
            },
            'tblservers' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->text('name');
                $t->text('ipaddress');
                $t->text('hostname');
                $t->text('type');
                $t->text('username');
                $t->text('password');
                $t->text('accesshash');
                $t->text('secure');
                $t->integer('port')->nullable();
                $t->tinyInteger('active')->default(0);
                $t->tinyInteger('disabled')->default(0);
            },
            'tblservergroupsrel' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('groupid');
                $t->unsignedInteger('serverid');
            },
            'tblhostingconfigoptions' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('relid');
                $t->unsignedInteger('configid');
                $t->unsignedInteger('optionid')->default(0);
                $t->unsignedInteger('qty')->default(0);
            },
            'tblactivitylog' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->dateTime('date');
                $t->text('description');
                $t->unsignedInteger('userid')->default(0);
            },
            'tblhosting' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->unsignedInteger('userid')->default(1);
                $t->unsignedInteger('orderid')->default(0);
                $t->unsignedInteger('packageid')->default(0);
                $t->unsignedInteger('server')->default(0);
                $t->text('domain');
                $t->string('domainstatus', 32)->default('Pending');
            },
            'tblorders' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->string('ordernum', 32)->default('');
                $t->unsignedInteger('userid')->default(1);
                $t->string('status', 64)->default('Pending');
                $t->dateTime('date')->useCurrent();
            },
            'tbladdonmodules' => static function (Blueprint $t): void {
                $t->string('module', 64);
                $t->string('setting', 64);
                $t->text('value');
                $t->index(['module', 'setting']);
            },
            'tblmodulelog' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->dateTime('date');
                $t->text('module');
                $t->text('action');
                $t->mediumText('request');
                $t->mediumText('response');
                $t->mediumText('arrdata');
            },
            'standin_localapi' => static function (Blueprint $t): void {
                $t->increments('id');
                $t->string('command', 64);
                $t->text('params');
                $t->unsignedInteger('created_at');
            },
        ];
        foreach ($tables as $name => $definition) {
            if (!$schema->hasTable($name)) {
                $schema->create($name, $definition);
            }
        }
    }

    /** Empties every table (WHMCS's and the addon's) and forgets this process's records. */
    public static function reset(): void
    {
        $schema = Capsule::schema();
        foreach (array_merge(self::TABLES, \WHMCS\Module\Addon\VfStock\Schema::TABLES) as $table) {
            if ($schema->hasTable($table)) {
                Capsule::table($table)->truncate();
            }
        }
        $schema->dropIfExists('mod_virtfusion_direct');
        self::$hooks = [];
        self::$moduleLogCalls = [];
        self::$localApiCalls = [];
        self::$localApiError = null;
    }

    /** The session's CSRF token (WHMCS keeps a random value in the session). */
    public static function csrfToken(): string
    {
        if (!isset($_SESSION) || !is_array($_SESSION)) {
            $_SESSION = [];
        }
        if (!isset($_SESSION['tkval']) || !is_string($_SESSION['tkval'])) {
            $_SESSION['tkval'] = bin2hex(random_bytes(16));
        }

        return sha1($_SESSION['tkval'] . '|' . session_id());
    }
}
