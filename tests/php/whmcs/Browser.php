<?php

declare(strict_types=1);

namespace VfStock\Tests\Whmcs;

/**
 * Headless Chromium for the admin page test: `--dump-dom` to read a page,
 * and a DevTools-protocol session (a tiny websocket client, RFC 6455) to
 * click like a person. Every wait is bounded; stop() ends the browser and
 * removes its profile.
 */
final class Browser
{
    private const FLAGS = [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage', '--window-size=1280,900',
    ];

    /** @var array{process: resource, pipes: array<int, resource>, started: float}|null */
    private ?array $handle = null;

    private string $profile;

    /** @var resource|null */
    private $socket = null;

    private string $buffer = '';

    private int $nextId = 0;

    /** @var list<array<string, mixed>> events received while waiting for something else */
    private array $events = [];

    public static function binary(): ?string
    {
        $binary = getenv('CHROMIUM_BIN') ?: '/usr/bin/chromium';

        return is_executable($binary) ? $binary : null;
    }

    /** The DOM of $url after it loaded, serialised (chromium --dump-dom). */
    public static function dumpDom(string $url, float $timeout = 60.0): string
    {
        $profile = self::tempDir();
        try {
            $command = array_merge(
                [(string) self::binary()],
                self::FLAGS,
                ["--user-data-dir={$profile}", '--dump-dom', $url]
            );
            $result = Process::run($command, [], $timeout);
            if ($result['timedOut'] || $result['exit'] !== 0) {
                throw new \RuntimeException(
                    "chromium --dump-dom failed ({$result['exit']}): " . substr($result['stderr'], -2000)
                );
            }

            return $result['stdout'];
        } finally {
            self::removeTree($profile);
        }
    }

    /** Starts a browser with the DevTools protocol on a free port and attaches to its page. */
    public function __construct(float $timeout = 60.0)
    {
        $this->profile = self::tempDir();
        $command = array_merge(
            [(string) self::binary()],
            self::FLAGS,
            ["--user-data-dir={$this->profile}", '--remote-debugging-port=0', 'about:blank']
        );
        $this->handle = Process::start($command, [], $this->profile . '.log');
        fclose($this->handle['pipes'][0]);
        try {
            $deadline = microtime(true) + $timeout;
            $port = $this->devToolsPort($deadline);
            $this->attach($port, $deadline);
        } catch (\Throwable $e) {
            $this->stop();
            throw $e;
        }
    }

    public function __destruct()
    {
        $this->stop();
    }

    /**
     * One DevTools command; returns its result (events that arrive meanwhile are kept).
     *
     * @param array<string, mixed> $params
     * @return array<string, mixed>
     */
    public function call(string $method, array $params = [], float $timeout = 30.0): array
    {
        $id = ++$this->nextId;
        $this->send(json_encode(
            ['id' => $id, 'method' => $method, 'params' => $params === [] ? new \stdClass() : $params],
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES
        ));
        $deadline = microtime(true) + $timeout;
        while (true) {
            $message = $this->receive($deadline);
            if (($message['id'] ?? null) === $id) {
                if (isset($message['error'])) {
                    throw new \RuntimeException("{$method}: " . json_encode($message['error']));
                }

                return $message['result'] ?? [];
            }
            if (isset($message['method'])) {
                $this->events[] = $message;
            }
        }
    }

    /**
     * Waits for an event (one already received counts), bounded.
     *
     * @return array<string, mixed> its params
     */
    public function waitFor(string $event, float $timeout = 30.0): array
    {
        $deadline = microtime(true) + $timeout;
        while (true) {
            foreach ($this->events as $i => $message) {
                if ($message['method'] === $event) {
                    array_splice($this->events, $i, 1);

                    return $message['params'] ?? [];
                }
            }
            $message = $this->receive($deadline);
            if (isset($message['method'])) {
                $this->events[] = $message;
            }
        }
    }

    public function forgetEvents(): void
    {
        $this->events = [];
    }

    /** Navigates and waits for the load event. */
    public function open(string $url, float $timeout = 30.0): void
    {
        $this->forgetEvents();
        $this->call('Page.navigate', ['url' => $url]);
        $this->waitFor('Page.loadEventFired', $timeout);
    }

    /** The value of a JavaScript expression in the page. */
    public function evaluate(string $expression): mixed
    {
        $result = $this->call('Runtime.evaluate', ['expression' => $expression, 'returnByValue' => true]);
        if (isset($result['exceptionDetails'])) {
            throw new \RuntimeException('evaluate failed: ' . json_encode($result['exceptionDetails']));
        }

        return $result['result']['value'] ?? null;
    }

    /**
     * A real click (trusted mouse events through the input pipeline) in the
     * middle of the element matched by $selector, after scrolling it into view.
     */
    public function click(string $selector): void
    {
        $js = json_encode($selector, JSON_THROW_ON_ERROR);
        $box = $this->evaluate("(() => { const e = document.querySelector({$js}); if (!e) return null;"
            . " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            . ' return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}; })()');
        if (!is_array($box) || $box['w'] <= 0 || $box['h'] <= 0) {
            throw new \RuntimeException("nothing to click at {$selector}");
        }
        $at = ['x' => $box['x'], 'y' => $box['y']];
        $this->call('Input.dispatchMouseEvent', ['type' => 'mouseMoved'] + $at);
        $button = ['button' => 'left', 'clickCount' => 1];
        $this->call('Input.dispatchMouseEvent', ['type' => 'mousePressed', 'buttons' => 1] + $button + $at);
        $this->call('Input.dispatchMouseEvent', ['type' => 'mouseReleased', 'buttons' => 0] + $button + $at);
    }

    /**
     * Emulates a screen $width CSS pixels wide (a phone with $mobile: touch,
     * the viewport meta honoured). Applies to the next loads too.
     */
    public function viewport(int $width, int $height, bool $mobile = false): void
    {
        $this->call('Emulation.setDeviceMetricsOverride', [
            'width' => $width, 'height' => $height, 'deviceScaleFactor' => 1, 'mobile' => $mobile,
        ]);
    }

    /** A PNG of the whole page (not only the viewport), written to $file. */
    public function screenshot(string $file): void
    {
        $size = $this->evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]');
        $width = max(1, (int) ($size[0] ?? 1));
        $height = max(1, min(16000, (int) ($size[1] ?? 1)));
        $shot = $this->call('Page.captureScreenshot', [
            'format' => 'png',
            'captureBeyondViewport' => true,
            'clip' => ['x' => 0, 'y' => 0, 'width' => $width, 'height' => $height, 'scale' => 1],
        ], 60.0);
        $png = base64_decode((string) ($shot['data'] ?? ''), true);
        if ($png === false || $png === '') {
            throw new \RuntimeException('Page.captureScreenshot returned no image');
        }
        file_put_contents($file, $png);
    }

    public function html(): string
    {
        return (string) $this->evaluate('document.documentElement.outerHTML');
    }

    public function stop(): void
    {
        if (is_resource($this->socket)) {
            fclose($this->socket);
        }
        $this->socket = null;
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            proc_terminate($handle['process'], 15);
            Process::wait($handle, 5.0);
        }
        if (isset($this->profile)) {
            self::removeTree($this->profile);
            if (is_file($this->profile . '.log')) {
                @unlink($this->profile . '.log');
            }
        }
    }

    /** Chromium writes its port to DevToolsActivePort in the profile once it listens. */
    private function devToolsPort(float $deadline): int
    {
        $file = $this->profile . '/DevToolsActivePort';
        while (microtime(true) < $deadline) {
            $lines = is_file($file) ? file($file, FILE_IGNORE_NEW_LINES) : false;
            if (is_array($lines) && isset($lines[1]) && (int) $lines[0] > 0) {
                return (int) $lines[0];
            }
            if (!proc_get_status($this->handle['process'])['running']) {
                $log = (string) @file_get_contents($this->profile . '.log');
                throw new \RuntimeException('chromium exited: ' . substr($log, -2000));
            }
            usleep(20000);
        }
        throw new \RuntimeException('chromium did not open its DevTools port in time');
    }

    private function attach(int $port, float $deadline): void
    {
        $page = null;
        while ($page === null) {
            $list = self::httpGet('127.0.0.1', $port, '/json/list', $deadline);
            foreach (is_string($list) ? (array) json_decode($list, true) : [] as $target) {
                if (($target['type'] ?? '') === 'page' && isset($target['webSocketDebuggerUrl'])) {
                    $page = (string) $target['webSocketDebuggerUrl'];
                    break;
                }
            }
            if ($page === null) {
                if (microtime(true) > $deadline) {
                    throw new \RuntimeException('chromium has no page target');
                }
                usleep(50000);
            }
        }
        $this->connect($page, $deadline);
        $this->call('Page.enable');
        $this->call('Runtime.enable');
    }

    /**
     * A plain HTTP GET of the DevTools endpoint, read up to its Content-Length
     * (PHP's http wrapper waits for a close that Chromium does not send).
     */
    private static function httpGet(string $host, int $port, string $path, float $deadline): ?string
    {
        $socket = @stream_socket_client("tcp://{$host}:{$port}", $errno, $error, 5.0);
        if ($socket === false) {
            return null;
        }
        try {
            fwrite($socket, "GET {$path} HTTP/1.1\r\nHost: {$host}:{$port}\r\nConnection: close\r\n\r\n");
            stream_set_blocking($socket, false);
            $data = '';
            while (microtime(true) < $deadline) {
                $read = [$socket];
                $write = null;
                $except = null;
                if (@stream_select($read, $write, $except, 0, 100000) > 0) {
                    $chunk = fread($socket, 65536);
                    if ($chunk === false || ($chunk === '' && feof($socket))) {
                        break;
                    }
                    $data .= $chunk;
                }
                $end = strpos($data, "\r\n\r\n");
                if (
                    $end !== false && preg_match('/^Content-Length:\s*(\d+)/mi', substr($data, 0, $end), $m) === 1
                    && strlen($data) >= $end + 4 + (int) $m[1]
                ) {
                    return substr($data, $end + 4, (int) $m[1]);
                }
            }
            $end = strpos($data, "\r\n\r\n");

            return $end === false ? null : substr($data, $end + 4);
        } finally {
            fclose($socket);
        }
    }

    /** The websocket opening handshake. */
    private function connect(string $url, float $deadline): void
    {
        $parts = parse_url($url);
        $host = (string) ($parts['host'] ?? '127.0.0.1');
        $port = (int) ($parts['port'] ?? 80);
        $path = (string) ($parts['path'] ?? '/');
        $socket = @stream_socket_client("tcp://{$host}:{$port}", $errno, $error, 10.0);
        if ($socket === false) {
            throw new \RuntimeException("cannot connect to DevTools at {$host}:{$port}: {$error}");
        }
        $this->socket = $socket;
        $key = base64_encode(random_bytes(16));
        fwrite($socket, "GET {$path} HTTP/1.1\r\nHost: {$host}:{$port}\r\nUpgrade: websocket\r\n"
            . "Connection: Upgrade\r\nSec-WebSocket-Key: {$key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
        while (!str_contains($this->buffer, "\r\n\r\n")) {
            $this->fill($deadline);
        }
        [$head, $this->buffer] = explode("\r\n\r\n", $this->buffer, 2);
        if (preg_match('#^HTTP/1\.1 101#', $head) !== 1) {
            throw new \RuntimeException("DevTools refused the websocket: {$head}");
        }
        $accept = base64_encode(sha1($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11', true));
        if (stripos($head, "Sec-WebSocket-Accept: {$accept}") === false) {
            throw new \RuntimeException('DevTools answered a wrong Sec-WebSocket-Accept');
        }
    }

    /** Sends one text frame, masked as a client must. */
    private function send(string $payload): void
    {
        $length = strlen($payload);
        $frame = chr(0x81);
        if ($length < 126) {
            $frame .= chr(0x80 | $length);
        } elseif ($length < 65536) {
            $frame .= chr(0x80 | 126) . pack('n', $length);
        } else {
            $frame .= chr(0x80 | 127) . pack('J', $length);
        }
        $mask = random_bytes(4);
        $masked = '';
        for ($i = 0; $i < $length; $i++) {
            $masked .= $payload[$i] ^ $mask[$i % 4];
        }
        $frame .= $mask . $masked;
        for ($written = 0; $written < strlen($frame);) {
            $n = fwrite($this->socket, substr($frame, $written));
            if ($n === false || $n === 0) {
                throw new \RuntimeException('DevTools websocket write failed');
            }
            $written += $n;
        }
    }

    /**
     * The next JSON message, reassembling fragments and answering pings.
     *
     * @return array<string, mixed>
     */
    private function receive(float $deadline): array
    {
        $message = '';
        while (true) {
            $header = $this->take(2, $deadline);
            $fin = (ord($header[0]) & 0x80) !== 0;
            $opcode = ord($header[0]) & 0x0f;
            $masked = (ord($header[1]) & 0x80) !== 0;
            $length = ord($header[1]) & 0x7f;
            if ($length === 126) {
                $length = unpack('n', $this->take(2, $deadline))[1];
            } elseif ($length === 127) {
                $length = unpack('J', $this->take(8, $deadline))[1];
            }
            $mask = $masked ? $this->take(4, $deadline) : '';
            $payload = $length > 0 ? $this->take($length, $deadline) : '';
            if ($masked) {
                for ($i = 0; $i < $length; $i++) {
                    $payload[$i] = $payload[$i] ^ $mask[$i % 4];
                }
            }
            if ($opcode === 0x8) {
                throw new \RuntimeException('DevTools closed the websocket');
            }
            if ($opcode === 0x9) {
                $this->pong($payload);
                continue;
            }
            if ($opcode === 0xA) {
                continue;
            }
            $message .= $payload;
            if ($fin) {
                $decoded = json_decode($message, true);
                if (!is_array($decoded)) {
                    throw new \RuntimeException('DevTools sent something that is not JSON');
                }

                return $decoded;
            }
        }
    }

    private function pong(string $payload): void
    {
        $mask = random_bytes(4);
        $masked = '';
        for ($i = 0; $i < strlen($payload); $i++) {
            $masked .= $payload[$i] ^ $mask[$i % 4];
        }
        fwrite($this->socket, chr(0x8A) . chr(0x80 | strlen($payload)) . $mask . $masked);
    }

    private function take(int $bytes, float $deadline): string
    {
        while (strlen($this->buffer) < $bytes) {
            $this->fill($deadline);
        }
        $out = substr($this->buffer, 0, $bytes);
        $this->buffer = (string) substr($this->buffer, $bytes);

        return $out;
    }

    private function fill(float $deadline): void
    {
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            throw new \RuntimeException('timed out waiting for DevTools');
        }
        $read = [$this->socket];
        $write = null;
        $except = null;
        $ready = @stream_select($read, $write, $except, 0, (int) min($left * 1e6, 200000));
        if ($ready === false) {
            throw new \RuntimeException('stream_select failed on the DevTools websocket');
        }
        if ($ready > 0) {
            $chunk = fread($this->socket, 1 << 16);
            if ($chunk === false || ($chunk === '' && feof($this->socket))) {
                throw new \RuntimeException('DevTools websocket closed');
            }
            $this->buffer .= $chunk;
        }
    }

    private static function tempDir(): string
    {
        $dir = sys_get_temp_dir() . '/vfstock-chromium-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($dir, 0700, true);

        return $dir;
    }

    private static function removeTree(string $dir): void
    {
        if (!is_dir($dir) || is_link($dir)) {
            return;
        }
        $items = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($dir, \FilesystemIterator::SKIP_DOTS),
            \RecursiveIteratorIterator::CHILD_FIRST
        );
        foreach ($items as $item) {
            $path = $item->getPathname();
            if ($item->isDir() && !$item->isLink()) {
                @rmdir($path);
            } else {
                @unlink($path);
            }
        }
        @rmdir($dir);
    }
}
