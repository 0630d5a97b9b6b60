<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

/**
 * One throwaway MariaDB per test process, through scripts/mariadb.sh: started
 * on first use, stopped when the process ends (and by the script's watchdog
 * if it dies without cleaning up).
 */
final class MariaDb
{
    private static ?string $socket = null;

    private static ?string $dir = null;

    /** The Capsule connection to `whmcs_test`, starting the server if needed. */
    public static function config(): array
    {
        return [
            'driver' => 'mysql',
            'unix_socket' => self::socket(),
            'host' => 'localhost',
            'database' => 'whmcs_test',
            'username' => 'root',
            'password' => '',
            'charset' => 'utf8mb4',
            'collation' => 'utf8mb4_unicode_ci',
            'prefix' => '',
        ];
    }

    public static function socket(): string
    {
        if (self::$socket !== null) {
            return self::$socket;
        }
        $script = dirname(__DIR__, 3) . '/scripts/mariadb.sh';
        $dir = sys_get_temp_dir() . '/vfstock-mariadb-' . getmypid() . '-' . bin2hex(random_bytes(4));
        self::$dir = $dir;
        register_shutdown_function([self::class, 'stop']);
        $result = Process::run(['bash', $script, 'start', $dir, (string) getmypid()], [], 90.0);
        if ($result['exit'] !== 0) {
            throw new \RuntimeException("scripts/mariadb.sh start failed ({$result['exit']}): "
                . trim($result['stderr'] . "\n" . $result['stdout']));
        }
        $lines = array_values(array_filter(array_map('trim', explode("\n", $result['stdout']))));
        $socket = end($lines);
        if (!is_string($socket) || !file_exists($socket)) {
            throw new \RuntimeException('scripts/mariadb.sh start printed no socket: ' . $result['stdout']);
        }

        return self::$socket = $socket;
    }

    public static function stop(): void
    {
        if (self::$dir === null) {
            return;
        }
        $dir = self::$dir;
        self::$dir = null;
        self::$socket = null;
        Process::run(['bash', dirname(__DIR__, 3) . '/scripts/mariadb.sh', 'stop', $dir], [], 40.0);
    }
}
