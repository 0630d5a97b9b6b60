<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

/**
 * Child processes for the tests, always with a deadline: a child still
 * running at its deadline is terminated (then killed) and reported.
 */
final class Process
{
    /**
     * Runs a command to completion.
     *
     * @param list<string> $command
     * @param array<string, string> $env added to this process's environment
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    public static function run(array $command, array $env = [], float $timeout = 30.0, ?string $stdin = null): array
    {
        $handle = self::start($command, $env);
        if ($stdin !== null) {
            fwrite($handle['pipes'][0], $stdin);
        }
        fclose($handle['pipes'][0]);

        return self::wait($handle, $timeout);
    }

    /**
     * Starts a command; stdin is a pipe, stdout and stderr are pipes or, for
     * a long-running chatty process, both go to $logFile (a pipe nobody reads
     * would fill up and stall it).
     *
     * @param list<string> $command
     * @param array<string, string> $env
     * @return array{process: resource, pipes: array<int, resource>, started: float}
     */
    public static function start(array $command, array $env = [], ?string $logFile = null): array
    {
        $pipes = [];
        $descriptors = $logFile === null
            ? [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']]
            : [0 => ['pipe', 'r'], 1 => ['file', $logFile, 'a'], 2 => ['file', $logFile, 'a']];
        $process = proc_open($command, $descriptors, $pipes, null, array_merge(getenv(), $env));
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . implode(' ', $command));
        }
        foreach ([1, 2] as $i) {
            if (isset($pipes[$i])) {
                stream_set_blocking($pipes[$i], false);
            }
        }

        return ['process' => $process, 'pipes' => $pipes, 'started' => microtime(true)];
    }

    /**
     * Collects a started command's output until it exits or the deadline passes.
     *
     * @param array{process: resource, pipes: array<int, resource>, started: float} $handle
     * @return array{exit: int, stdout: string, stderr: string, timedOut: bool, seconds: float}
     */
    public static function wait(array $handle, float $timeout): array
    {
        $deadline = microtime(true) + $timeout;
        $out = ['', ''];
        $open = array_filter(
            [1 => $handle['pipes'][1] ?? null, 2 => $handle['pipes'][2] ?? null],
            static fn ($pipe): bool => is_resource($pipe)
        );
        $timedOut = false;
        while ($open !== []) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                $timedOut = true;
                break;
            }
            $read = array_values($open);
            $write = null;
            $except = null;
            $ready = @stream_select($read, $write, $except, 0, (int) min($left * 1e6, 100000));
            if ($ready === false) {
                break;
            }
            foreach ($open as $i => $pipe) {
                $chunk = fread($pipe, 65536);
                if (is_string($chunk) && $chunk !== '') {
                    $out[$i - 1] .= $chunk;
                } elseif (feof($pipe)) {
                    fclose($pipe);
                    unset($open[$i]);
                }
            }
        }
        foreach ($open as $pipe) {
            fclose($pipe);
        }
        $exit = self::reap($handle['process'], $timedOut ? 0.0 : max(0.0, $deadline - microtime(true)));

        return [
            'exit' => $timedOut ? -1 : $exit,
            'stdout' => $out[0],
            'stderr' => $out[1],
            'timedOut' => $timedOut,
            'seconds' => microtime(true) - $handle['started'],
        ];
    }

    /**
     * Waits for the process to exit (bounded), then terminates and kills it.
     *
     * @param resource $process
     */
    public static function reap($process, float $grace = 1.0): int
    {
        $deadline = microtime(true) + $grace;
        $status = proc_get_status($process);
        while ($status['running'] && microtime(true) < $deadline) {
            usleep(10000);
            $status = proc_get_status($process);
        }
        if ($status['running']) {
            proc_terminate($process, 15);
            $deadline = microtime(true) + 3.0;
            while (($status = proc_get_status($process))['running'] && microtime(true) < $deadline) {
                usleep(10000);
            }
            if ($status['running']) {
                proc_terminate($process, 9);
                usleep(50000);
            }
        }
        $exit = $status['running'] ? -1 : (int) $status['exitcode'];
        proc_close($process);

        return $exit;
    }

    /**
     * A PHP child: this PHP binary with the system ini, and the vfstock
     * extension loaded or provably absent.
     *
     * @param list<string> $args script and arguments
     * @return list<string>
     */
    public static function php(array $args, bool $extension): array
    {
        $command = [PHP_BINARY];
        if ($extension) {
            $command[] = '-d';
            $command[] = 'extension=' . self::extensionPath();
        }

        return array_merge($command, $args);
    }

    /**
     * The environment of a PHP child without the extension: a copy of the
     * ini scan directory without any file that would load vfstock.
     *
     * @return array<string, string>
     */
    public static function withoutExtensionEnv(): array
    {
        static $dir = null;
        if ($dir === null) {
            $dir = sys_get_temp_dir() . '/vfstock-noext-ini-' . getmypid();
            if (!is_dir($dir)) {
                mkdir($dir, 0700, true);
            }
            $scan = (string) php_ini_scanned_files();
            foreach (array_filter(array_map('trim', explode(',', $scan))) as $file) {
                $text = (string) file_get_contents($file);
                if (stripos($text, 'vfstock') === false) {
                    copy($file, $dir . '/' . basename($file));
                }
            }
            register_shutdown_function(static function () use ($dir): void {
                foreach (glob($dir . '/*') ?: [] as $file) {
                    @unlink($file);
                }
                @rmdir($dir);
            });
        }

        return ['PHP_INI_SCAN_DIR' => $dir];
    }

    public static function extensionPath(): string
    {
        $path = getenv('VFSTOCK_EXT');
        if (is_string($path) && $path !== '') {
            return $path;
        }

        return dirname(__DIR__, 3) . '/target/release/libvfstock.so';
    }
}
