<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

/**
 * PHP's built-in web server running router.php: the WHMCS admin area as far
 * as the addon's page goes. Started on a free loopback port, stopped by
 * stop() or when the test process ends.
 */
final class PhpServer
{
    /** @var array{process: resource, pipes: array<int, resource>, started: float}|null */
    private ?array $handle = null;

    private string $dir;

    private int $port = 0;

    /**
     * @param array<string, mixed> $db the Capsule connection the router uses
     */
    public function __construct(array $db, bool $extension, float $timeout = 20.0)
    {
        $this->dir = sys_get_temp_dir() . '/vfstock-www-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir . '/sessions', 0700, true);
        $env = ['VFSTOCK_TEST_DB' => json_encode($db, JSON_THROW_ON_ERROR)];
        if (!$extension) {
            $env += Process::withoutExtensionEnv();
        }
        $deadline = microtime(true) + $timeout;
        for ($attempt = 1; $this->handle === null; $attempt++) {
            $this->port = self::freePort();
            $command = Process::php([
                '-d', 'session.save_path=' . $this->dir . '/sessions',
                '-d', 'display_errors=stderr',
                '-S', '127.0.0.1:' . $this->port,
                __DIR__ . '/router.php',
            ], $extension);
            $handle = Process::start($command, $env, $this->dir . '/server.log');
            fclose($handle['pipes'][0]);
            if ($this->waitListening($handle, $deadline)) {
                $this->handle = $handle;
            } else {
                Process::wait($handle, 0.0);
                if ($attempt >= 3 || microtime(true) > $deadline) {
                    throw new \RuntimeException('php -S did not start: ' . $this->log());
                }
            }
        }
        register_shutdown_function([$this, 'stop']);
    }

    public function url(string $path = '/'): string
    {
        return 'http://127.0.0.1:' . $this->port . $path;
    }

    /** The admin page of the addon. */
    public function addonUrl(string $query = ''): string
    {
        return $this->url('/admin/addonmodules.php?module=vfstock' . $query);
    }

    /** What the server and the router printed (errors, request lines). */
    public function log(): string
    {
        return (string) @file_get_contents($this->dir . '/server.log');
    }

    public function stop(): void
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            proc_terminate($handle['process'], 15);
            Process::wait($handle, 5.0);
        }
        foreach (glob($this->dir . '/sessions/*') ?: [] as $file) {
            @unlink($file);
        }
        @rmdir($this->dir . '/sessions');
        @unlink($this->dir . '/server.log');
        @rmdir($this->dir);
    }

    /** @param array{process: resource} $handle */
    private function waitListening(array $handle, float $deadline): bool
    {
        while (microtime(true) < $deadline) {
            $socket = @stream_socket_client('tcp://127.0.0.1:' . $this->port, $errno, $error, 0.5);
            if ($socket !== false) {
                fclose($socket);

                return true;
            }
            if (!proc_get_status($handle['process'])['running']) {
                return false;
            }
            usleep(20000);
        }

        return false;
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($socket === false) {
            throw new \RuntimeException("no free port: {$error}");
        }
        $name = (string) stream_socket_get_name($socket, false);
        fclose($socket);

        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
