<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Log;

/**
 * How the command-line tool reaches WHMCS's database, in one of three ways:
 *
 * - a WHMCS root with `init.php`: the script requires it (in the global
 *   scope, as WHMCS expects), which provides Capsule, decrypt(), localAPI()
 *   and logModuleCall() like in the cron;
 * - a WHMCS root with only `configuration.php`: its `$db_*` settings are
 *   read and Capsule is connected here (MySQL/MariaDB). Without WHMCS's
 *   decrypt() the server's API token cannot be read, so only the commands
 *   that do not ask the panel work;
 * - `--db sqlite:FILE`: a SQLite WHMCS database such as the demo's.
 *
 * Whatever WHMCS would provide and is not there (decrypt(), logModuleCall()
 * for a SQLite database) comes from a PHP file given from outside:
 * `--bootstrap FILE`, or the VFSTOCK_BOOTSTRAP environment variable. The
 * demo and the tests pass their WHMCS stand-ins that way; the addon itself
 * never looks for them.
 *
 * Every failure is a CliError with exit code Application::NO_DATABASE.
 */
final class Bootstrap
{
    public const INIT = 'init.php';
    public const CONFIGURATION = 'configuration.php';
    public const SQLITE = 'sqlite';

    /** The environment variable naming a PHP file to require first, like --bootstrap. */
    public const ENV = 'VFSTOCK_BOOTSTRAP';

    /** @var list<string> secrets read from the configuration, masked in every output */
    private array $secrets = [];

    private function __construct(
        public readonly string $mode,
        public readonly string $path,
        private readonly ?string $bootstrap,
    ) {
    }

    /**
     * Decides how to reach WHMCS: `--db` wins, then `--whmcs DIR`, then the
     * WHMCS root four levels up from the addon's bin/ folder
     * (`{root}/modules/addons/vfstock/bin`). $bootstrap is a PHP file to
     * require before anything else (--bootstrap, else VFSTOCK_BOOTSTRAP;
     * $source says which, for messages).
     */
    public static function locate(
        ?string $whmcs,
        ?string $db,
        string $addonDir,
        ?string $bootstrap = null,
        string $source = '--bootstrap'
    ): self {
        $bootstrap = $bootstrap === null || trim($bootstrap) === '' ? null : self::bootstrapFile($bootstrap, $source);
        if ($db !== null) {
            if (preg_match('/^sqlite:(.+)$/s', $db, $m) !== 1) {
                throw new CliError(
                    "--db {$db}: only SQLite databases are supported (--db sqlite:/path/to/file.sqlite)",
                    Application::USAGE
                );
            }
            $file = $m[1];
            if (!is_file($file)) {
                throw new CliError("cannot open the SQLite database {$file}: no such file", Application::NO_DATABASE);
            }
            if (!is_readable($file)) {
                throw new CliError("cannot open the SQLite database {$file}: not readable", Application::NO_DATABASE);
            }

            return new self(self::SQLITE, (string) realpath($file), $bootstrap);
        }

        $explicit = $whmcs !== null;
        $root = $whmcs ?? dirname($addonDir, 3);
        $hint = $explicit ? '' : ' (the WHMCS root is looked for four levels up from the addon\'s bin/ folder;'
            . ' pass --whmcs DIR, or --db sqlite:FILE for the demo database)';
        if (!is_dir($root)) {
            throw new CliError(
                "cannot read the WHMCS configuration: {$root} is not a folder{$hint}",
                Application::NO_DATABASE
            );
        }
        $root = (string) realpath($root);
        if (is_file($root . '/' . self::INIT)) {
            return new self(self::INIT, $root, $bootstrap);
        }
        $configuration = $root . '/' . self::CONFIGURATION;
        if (!is_file($configuration)) {
            throw new CliError(
                "cannot read the WHMCS configuration: no init.php or configuration.php in {$root}{$hint}",
                Application::NO_DATABASE
            );
        }
        if (!is_readable($configuration)) {
            throw new CliError(
                "cannot read the WHMCS configuration: {$configuration} is not readable by this user"
                . ' (run vfstock as the user WHMCS runs as)',
                Application::NO_DATABASE
            );
        }

        return new self(self::CONFIGURATION, $root, $bootstrap);
    }

    /**
     * PHP files to require in the global scope before connect(): the
     * bootstrap file given from outside, then WHMCS's init.php.
     *
     * @return list<string>
     */
    public function files(): array
    {
        $files = $this->bootstrap === null ? [] : [$this->bootstrap];
        if ($this->mode === self::INIT) {
            $files[] = $this->path . '/' . self::INIT;
        }

        return $files;
    }

    /** A bootstrap file that can be required, by its real path. */
    private static function bootstrapFile(string $file, string $source): string
    {
        if (!is_file($file)) {
            throw new CliError(
                "cannot load the bootstrap file {$file} ({$source}): no such file",
                Application::NO_DATABASE
            );
        }
        if (!is_readable($file)) {
            throw new CliError(
                "cannot load the bootstrap file {$file} ({$source}): not readable",
                Application::NO_DATABASE
            );
        }

        return (string) realpath($file);
    }

    /** Connects Capsule (unless init.php did) and checks that this is a WHMCS database. */
    public function connect(): void
    {
        try {
            if ($this->mode === self::SQLITE) {
                $this->capsule(['driver' => 'sqlite', 'database' => $this->path, 'prefix' => '']);
                Capsule::connection()->getPdo()->exec('PRAGMA busy_timeout = 10000');
            } elseif ($this->mode === self::CONFIGURATION) {
                $this->capsule($this->configuration());
            } elseif (!class_exists(Capsule::class)) {
                throw new CliError(
                    "{$this->path}/init.php did not provide WHMCS's database (WHMCS\\Database\\Capsule)",
                    Application::NO_DATABASE
                );
            }
            Capsule::connection()->getPdo();
            $whmcs = Capsule::schema()->hasTable('tblproducts');
        } catch (CliError $e) {
            throw $e;
        } catch (\Throwable $e) {
            throw new CliError(
                'cannot connect to the WHMCS database (' . $this->describe() . '): ' . $this->redact($e->getMessage()),
                Application::NO_DATABASE
            );
        }
        if (!$whmcs) {
            throw new CliError(
                'this is not a WHMCS database (' . $this->describe() . '): it has no tblproducts table',
                Application::NO_DATABASE
            );
        }
    }

    /** Where the data comes from, for people (never a password). */
    public function describe(): string
    {
        return match ($this->mode) {
            self::SQLITE => 'SQLite ' . $this->path,
            self::INIT => 'WHMCS at ' . $this->path,
            default => 'WHMCS configuration ' . $this->path . '/' . self::CONFIGURATION,
        };
    }

    /** $text without any secret read from the configuration. */
    public function redact(string $text): string
    {
        foreach ($this->secrets as $secret) {
            $text = str_replace($secret, str_repeat('*', strlen($secret)), $text);
        }

        return Log::redact($text);
    }

    /**
     * The Capsule connection of configuration.php's `$db_*` settings.
     *
     * @return array<string, mixed>
     */
    private function configuration(): array
    {
        $file = $this->path . '/' . self::CONFIGURATION;
        $read = static function (string $__file): array {
            ob_start();
            try {
                include $__file;
            } finally {
                ob_end_clean();
            }
            unset($__file);

            return get_defined_vars();
        };
        try {
            $vars = $read($file);
        } catch (\Throwable $e) {
            throw new CliError(
                "cannot read the WHMCS configuration {$file}: " . $e->getMessage(),
                Application::NO_DATABASE
            );
        }
        $text = static fn (string $key): string => is_scalar($vars[$key] ?? null) ? trim((string) $vars[$key]) : '';
        $password = is_scalar($vars['db_password'] ?? null) ? (string) $vars['db_password'] : '';
        if ($password !== '') {
            $this->secrets[] = $password;
        }
        $missing = array_filter(['db_host', 'db_username', 'db_name'], static fn (string $k): bool => $text($k) === '');
        if ($missing !== []) {
            throw new CliError(
                "cannot read the WHMCS configuration {$file}: \$" . implode(', $', $missing) . ' not set',
                Application::NO_DATABASE
            );
        }
        $port = $text('db_port');
        $charset = $text('mysql_charset');

        return [
            'driver' => 'mysql',
            'host' => $text('db_host'),
            'port' => $port !== '' && ctype_digit($port) ? (int) $port : 3306,
            'database' => $text('db_name'),
            'username' => $text('db_username'),
            'password' => $password,
            'charset' => $charset !== '' ? $charset : 'utf8',
            'collation' => ($charset !== '' ? $charset : 'utf8') . '_unicode_ci',
            'prefix' => '',
            'options' => [\PDO::ATTR_TIMEOUT => 5],
        ];
    }

    /** @param array<string, mixed> $connection */
    private function capsule(array $connection): void
    {
        if (!class_exists(\Illuminate\Database\Capsule\Manager::class)) {
            $vendor = $this->mode === self::CONFIGURATION ? $this->path . '/vendor/autoload.php' : '';
            if ($vendor !== '' && is_file($vendor)) {
                require_once $vendor;
            } elseif (stream_resolve_include_path('Illuminate/Database/autoload.php') !== false) {
                require_once 'Illuminate/Database/autoload.php';
            }
        }
        if (!class_exists(\Illuminate\Database\Capsule\Manager::class)) {
            throw new CliError(
                "Laravel's database component (illuminate/database) was not found: WHMCS ships it in vendor/;"
                . ' on Debian install php-illuminate-database',
                Application::NO_DATABASE
            );
        }
        if (!class_exists(Capsule::class)) {
            class_alias(\Illuminate\Database\Capsule\Manager::class, Capsule::class);
        }
        $capsule = new \Illuminate\Database\Capsule\Manager();
        $capsule->addConnection($connection);
        $capsule->setAsGlobal();
    }
}
