<?php

declare(strict_types=1);

namespace VfStock\Tests;

/**
 * A PHP script run with the extension under valgrind's memcheck, for the
 * tests that prove no use-after-free and no leak of ours.
 *
 * The report goes to a file, not a pipe: a report over a pipe's 64 KiB
 * once blocked the child for ever.
 */
final class Valgrind
{
    /** A child taking longer than this is killed (valgrind is slow, not this slow). */
    private const SECONDS = 120.0;

    public static function available(): bool
    {
        return is_executable('/usr/bin/valgrind');
    }

    /**
     * Runs `$script` (PHP source) with `$args`, in a PHP with only the
     * extension loaded and PHP's own allocator off, so memcheck sees every
     * block.
     *
     * @param list<string> $args
     * @return array{int, string, string} exit code, stdout, valgrind's report
     */
    public static function run(string $script, array $args): array
    {
        $file = tempnam(sys_get_temp_dir(), 'vfstock-valgrind-') . '.php';
        file_put_contents($file, $script);
        $reportFile = $file . '.report';
        $so = dirname(__DIR__, 2) . '/target/release/libvfstock.so';
        $command = array_merge(['/usr/bin/valgrind', '--leak-check=full', '--errors-for-leak-kinds=none',
            '--num-callers=40', PHP_BINARY, '-n', '-d', "extension={$so}", $file], $args);
        $env = ['USE_ZEND_ALLOC' => '0', 'ZEND_DONT_UNLOAD_MODULES' => '1', 'PATH' => (string) getenv('PATH')];
        try {
            $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['file', $reportFile, 'w']], $pipes, null, $env);
            if (!is_resource($process)) {
                throw new \RuntimeException('valgrind did not start');
            }
            stream_set_blocking($pipes[1], false);
            $stdout = '';
            $deadline = microtime(true) + self::SECONDS;
            while (($status = proc_get_status($process))['running']) {
                $stdout .= (string) stream_get_contents($pipes[1]);
                if (microtime(true) > $deadline) {
                    proc_terminate($process, 9);
                    throw new \RuntimeException('the child under valgrind did not finish: ' . $stdout);
                }
                usleep(10000);
            }
            // The exit code is only reported by the first status call after the exit.
            $code = $status['exitcode'];
            $stdout .= (string) stream_get_contents($pipes[1]);
            fclose($pipes[1]);
            $closed = proc_close($process);

            return [$code >= 0 ? $code : $closed, $stdout, (string) file_get_contents($reportFile)];
        } finally {
            @unlink($file);
            @unlink($reportFile);
        }
    }

    /**
     * The loss records valgrind calls "definitely lost" whose allocation
     * stack passes through the extension. PHP itself leaks the compiled
     * script on a fatal error; that is not ours.
     *
     * @return list<string>
     */
    public static function ourDefiniteLosses(string $report): array
    {
        $ours = [];
        foreach (preg_split('/^==\d+== $/m', $report) ?: [] as $record) {
            if (str_contains($record, 'definitely lost in loss record') && str_contains($record, 'libvfstock')) {
                $ours[] = trim($record);
            }
        }

        return $ours;
    }
}
