<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * A spinner with the elapsed time on a terminal's stderr while one long
 * extension call runs.
 *
 * PHP cannot draw while it waits inside vf_stock_refresh, so a tiny helper
 * PHP process draws it; it stops when its stdin closes (stop(), or this
 * process ending for any reason) and clears its line. Nothing at all when
 * stderr is not a terminal.
 */
final class Progress
{
    private const CHILD = <<<'PHP'
        $label = $argv[1] ?? '';
        $frames = ['|', '/', '-', '\\'];
        $started = microtime(true);
        stream_set_blocking(STDIN, false);
        for ($i = 0; ; $i++) {
            fwrite(STDERR, sprintf("\r%s %s %.1f s ", $frames[$i % 4], $label, microtime(true) - $started));
            $read = [STDIN];
            $write = $except = null;
            if (@stream_select($read, $write, $except, 0, 100000) !== 0 && fread(STDIN, 64) === '' && feof(STDIN)) {
                break;
            }
        }
        fwrite(STDERR, "\r\033[K");
        PHP;

    /** @var resource|null */
    private $process = null;

    /** @var resource|null */
    private $stdin = null;

    /**
     * @param resource $stream where the caller's messages go (stderr)
     */
    public static function start(string $label, $stream): self
    {
        $progress = new self();
        if (
            !is_resource($stream) || !function_exists('stream_isatty') || !@stream_isatty($stream)
            || !function_exists('proc_open')
        ) {
            return $progress;
        }
        $pipes = [];
        $process = @proc_open(
            [PHP_BINARY, '-n', '-r', self::CHILD, '--', $label],
            [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => $stream],
            $pipes
        );
        if (is_resource($process)) {
            $progress->process = $process;
            $progress->stdin = $pipes[0];
        }

        return $progress;
    }

    /** Stops the spinner and clears its line (waits at most a second). */
    public function stop(): void
    {
        if ($this->process === null) {
            return;
        }
        if (is_resource($this->stdin)) {
            fclose($this->stdin);
        }
        $deadline = microtime(true) + 1.0;
        while (proc_get_status($this->process)['running'] && microtime(true) < $deadline) {
            usleep(10000);
        }
        if (proc_get_status($this->process)['running']) {
            proc_terminate($this->process);
        }
        proc_close($this->process);
        $this->process = null;
        $this->stdin = null;
    }

    public function __destruct()
    {
        $this->stop();
    }
}
