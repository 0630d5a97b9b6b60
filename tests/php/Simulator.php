<?php

declare(strict_types=1);

namespace VfStock\Tests;

use RuntimeException;
use stdClass;

/**
 * Runs the vfsim VirtFusion API simulator for a PHP test.
 *
 * The binary is started with a stdin pipe and exits when that pipe closes, so
 * it cannot outlive this PHP process even if a test dies without cleaning up.
 * Control calls go over HTTP(S) to the simulator's `/_sim/` API.
 */
final class Simulator
{
    /** How long the binary may take to print its READY line. */
    private const READY_TIMEOUT_S = 10.0;

    private const JSON_FLAGS = JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION;

    /** @var resource|null */
    private $process = null;

    /** @var resource|null */
    private $stdin = null;

    /** @var resource|null */
    private $stdout = null;

    private string $url = '';

    private string $origin = '';

    private ?string $caFile = null;

    private ?string $tlsDir = null;

    private string $scenarioFile;

    private string $logFile;

    /**
     * Starts the simulator and waits (at most 10 s) until it listens.
     *
     * @param array<string, mixed> $scenario tokens, packages and groups (see tests/simulator)
     */
    public function __construct(array $scenario = [], bool $tls = false, int $latencyMs = 0)
    {
        $binary = getenv('VFSIM_BIN');
        if (!is_string($binary) || $binary === '') {
            $binary = dirname(__DIR__, 2) . '/target/release/vfsim';
        }
        if (!is_file($binary) || !is_executable($binary)) {
            throw new RuntimeException(
                "vfsim binary not found at {$binary}: run `cargo build --release -p vfsim` or set VFSIM_BIN"
            );
        }

        $this->scenarioFile = self::tempFile('vfsim-scenario-', '.json');
        file_put_contents($this->scenarioFile, self::encodeScenario($scenario));
        $this->logFile = self::tempFile('vfsim-log-', '.txt');

        $command = [$binary, '--scenario', $this->scenarioFile, '--port', '0', '--latency-ms', (string) $latencyMs];
        if ($tls) {
            $this->tlsDir = sys_get_temp_dir() . '/vfsim-tls-' . bin2hex(random_bytes(6));
            $command[] = '--tls';
            $command[] = $this->tlsDir;
            $this->caFile = $this->tlsDir . '/ca.pem';
        }

        $pipes = [];
        $process = proc_open(
            $command,
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $this->logFile, 'w']],
            $pipes
        );
        if (!is_resource($process)) {
            $this->cleanup();
            throw new RuntimeException("cannot start {$binary}");
        }
        $this->process = $process;
        $this->stdin = $pipes[0];
        $this->stdout = $pipes[1];

        $this->url = $this->waitForReady();
        $this->origin = substr($this->url, 0, -strlen('/api/v1'));
    }

    public function __destruct()
    {
        $this->stop();
    }

    /** The API base URL, e.g. `http://127.0.0.1:41234/api/v1`. */
    public function url(): string
    {
        return $this->url;
    }

    /** The throwaway CA's PEM file when started with TLS, else null. */
    public function caFile(): ?string
    {
        return $this->caFile;
    }

    /**
     * The API requests seen so far, in arrival order.
     *
     * @return list<array{method: string, path: string, query: string, auth: string, status: int, fault?: string}>
     */
    public function requests(): array
    {
        return $this->control('GET', '/requests')['requests'];
    }

    public function clearRequests(): void
    {
        $this->control('POST', '/requests/clear');
    }

    /**
     * Replaces the fault list, e.g. `[['route' => 'package', 'times' => 1, 'action' => ['status' => 503]]]`.
     *
     * @param list<array<string, mixed>> $faults
     */
    public function faults(array $faults): void
    {
        $this->control('PUT', '/faults', ['faults' => array_values($faults)]);
    }

    public function clearFaults(): void
    {
        $this->control('DELETE', '/faults');
    }

    /** How long every API response takes, from its request's arrival. */
    public function latency(int $ms): void
    {
        $this->control('PUT', '/latency', ['ms' => $ms]);
    }

    /**
     * Replaces the whole fleet.
     *
     * @param array<string, mixed> $s
     */
    public function scenario(array $s): void
    {
        $this->control('PUT', '/scenario', null, self::encodeScenario($s));
    }

    /**
     * Replaces (or creates) one group's hypervisor entries, served as given.
     *
     * @param list<mixed> $hypervisors
     */
    public function patchGroup(int $id, array $hypervisors): void
    {
        $this->control('PATCH', "/groups/{$id}", ['hypervisors' => array_values($hypervisors)]);
    }

    /** Removes a group: its resources then answer 404. */
    public function deleteGroup(int $id): void
    {
        $this->control('DELETE', "/groups/{$id}");
    }

    /** Removes a package: it then answers 404 ("missing"). */
    public function deletePackage(int $id): void
    {
        $this->control('DELETE', "/packages/{$id}");
    }

    /** Stops the simulator: closes its stdin, then escalates if it lingers. */
    public function stop(): void
    {
        if ($this->process !== null) {
            if (is_resource($this->stdin)) {
                fclose($this->stdin);
            }
            if (!$this->waitExit(5.0)) {
                proc_terminate($this->process, 15);
                if (!$this->waitExit(2.0)) {
                    proc_terminate($this->process, 9);
                    $this->waitExit(2.0);
                }
            }
            if (is_resource($this->stdout)) {
                fclose($this->stdout);
            }
            proc_close($this->process);
            $this->process = null;
            $this->stdin = null;
            $this->stdout = null;
        }
        $this->cleanup();
    }

    private function waitForReady(): string
    {
        assert($this->stdout !== null && $this->process !== null);
        stream_set_blocking($this->stdout, false);
        $deadline = microtime(true) + self::READY_TIMEOUT_S;
        $line = '';
        while (!str_contains($line, "\n")) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                $this->failStart('no READY line within ' . self::READY_TIMEOUT_S . ' s');
            }
            $read = [$this->stdout];
            $write = null;
            $except = null;
            $ready = stream_select($read, $write, $except, 0, (int) min($left * 1e6, 200000));
            if ($ready === false) {
                $this->failStart('stream_select failed');
            }
            if ($ready > 0) {
                $chunk = fread($this->stdout, 4096);
                if ($chunk === false || ($chunk === '' && feof($this->stdout))) {
                    $this->failStart('exited before READY');
                }
                $line .= $chunk;
            } elseif (!proc_get_status($this->process)['running']) {
                $this->failStart('exited before READY');
            }
        }
        $first = trim(strstr($line, "\n", true));
        if (!str_starts_with($first, 'READY ')) {
            $this->failStart("unexpected first line: {$first}");
        }
        return substr($first, strlen('READY '));
    }

    private function failStart(string $why): never
    {
        $log = is_file($this->logFile) ? trim((string) file_get_contents($this->logFile)) : '';
        $this->stop();
        throw new RuntimeException("vfsim: {$why}" . ($log !== '' ? ": {$log}" : ''));
    }

    private function waitExit(float $seconds): bool
    {
        $deadline = microtime(true) + $seconds;
        do {
            if (!proc_get_status($this->process)['running']) {
                return true;
            }
            usleep(10000);
        } while (microtime(true) < $deadline);
        return false;
    }

    /**
     * One control call; throws unless it answers 200.
     *
     * @param array<string, mixed>|null $body
     * @return array<string, mixed>
     */
    private function control(string $method, string $path, ?array $body = null, ?string $rawBody = null): array
    {
        if ($this->process === null) {
            throw new RuntimeException('vfsim is stopped');
        }
        $http = [
            'method' => $method,
            'ignore_errors' => true,
            'timeout' => 10,
            'header' => "Content-Type: application/json\r\n",
        ];
        if ($body !== null) {
            $rawBody = json_encode($body, self::JSON_FLAGS);
        }
        if ($rawBody !== null) {
            $http['content'] = $rawBody;
        }
        $options = ['http' => $http];
        if ($this->caFile !== null) {
            $options['ssl'] = [
                'cafile' => $this->caFile,
                'verify_peer' => true,
                'verify_peer_name' => true,
                'peer_name' => '127.0.0.1',
            ];
        }
        $url = $this->origin . '/_sim' . $path;
        $response = @file_get_contents($url, false, stream_context_create($options));
        if ($response === false) {
            $error = error_get_last()['message'] ?? 'unknown error';
            throw new RuntimeException("vfsim control {$method} {$path} failed: {$error}");
        }
        $headers = function_exists('http_get_last_response_headers')
            ? (http_get_last_response_headers() ?? [])
            : ($http_response_header ?? []);
        $status = preg_match('#^HTTP/\S+ (\d{3})#', $headers[0] ?? '', $m) === 1 ? (int) $m[1] : 0;
        if ($status !== 200) {
            throw new RuntimeException("vfsim control {$method} {$path}: HTTP {$status}: {$response}");
        }
        $decoded = json_decode($response, true, 512, JSON_THROW_ON_ERROR);
        return is_array($decoded) ? $decoded : [];
    }

    /**
     * JSON for a scenario. The keyed sections are forced to objects, since
     * json_encode turns an empty (or 0-based) PHP array into a JSON list.
     *
     * @param array<string, mixed> $s
     */
    private static function encodeScenario(array $s): string
    {
        foreach (['tokens', 'packages', 'groups'] as $key) {
            if (isset($s[$key]) && is_array($s[$key])) {
                $s[$key] = (object) $s[$key];
            }
        }
        return json_encode($s === [] ? new stdClass() : $s, self::JSON_FLAGS);
    }

    private static function tempFile(string $prefix, string $suffix): string
    {
        return sys_get_temp_dir() . '/' . $prefix . bin2hex(random_bytes(6)) . $suffix;
    }

    private function cleanup(): void
    {
        foreach ([$this->scenarioFile ?? null, $this->logFile ?? null, $this->caFile] as $file) {
            if ($file !== null && is_file($file)) {
                @unlink($file);
            }
        }
        if ($this->tlsDir !== null && is_dir($this->tlsDir)) {
            @rmdir($this->tlsDir);
        }
    }
}
