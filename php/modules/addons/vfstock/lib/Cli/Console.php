<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\Log;
use WHMCS\Module\Addon\VfStock\Refresher;

/**
 * Where a command writes (stdout, stderr; text or --json) and what it
 * reaches WHMCS through. Everything written goes through redact(): no
 * secret read from the configuration, and no API token the addon has seen,
 * ever reaches a terminal or a script.
 */
final class Console
{
    private const JSON_FLAGS = JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE;

    /** @var resource */
    private $out;

    /** @var resource */
    private $err;

    public ?Bootstrap $boot = null;

    /**
     * @param resource $out
     * @param resource $err
     */
    public function __construct($out, $err, public readonly bool $json = false)
    {
        $this->out = $out;
        $this->err = $err;
    }

    /** Text for stdout. */
    public function write(string $text): void
    {
        fwrite($this->out, $this->redact($text));
    }

    /** Text for stderr. */
    public function error(string $text): void
    {
        fwrite($this->err, $this->redact($text));
    }

    /** @return resource stderr, for the progress spinner */
    public function errorStream()
    {
        return $this->err;
    }

    /**
     * The --json answer of a command, on stdout; returns $code.
     *
     * @param array<string, mixed> $payload
     */
    public function emit(array $payload, int $code): int
    {
        $json = json_encode($payload, self::JSON_FLAGS);
        $this->write(($json === false ? '{}' : $json) . "\n");

        return $code;
    }

    public function redact(string $text): string
    {
        return $this->boot?->redact($text) ?? Log::redact($text);
    }

    /** Where the data comes from, for people. */
    public function describe(): string
    {
        return $this->boot?->describe() ?? 'no WHMCS database';
    }

    /** Connects to WHMCS's database (a CliError when it cannot). */
    public function connect(): void
    {
        if ($this->boot === null) {
            throw new CliError('no WHMCS database to use', Application::NO_DATABASE);
        }
        $this->boot->connect();
    }

    /** A CliError (exit 3) unless the extension is loaded. */
    public static function requireExtension(string $what): void
    {
        if (!Refresher::extensionLoaded()) {
            throw new CliError(
                "{$what} needs the vfstock PHP extension, which is not loaded in this PHP (" . PHP_BINARY
                . ', ' . PHP_VERSION . '). Install it with `make install` and add `extension=vfstock` to the php.ini'
                . ' of the PHP CLI (`php --ini` shows which), or run `php -d extension=/path/to/vfstock.so '
                . '.../bin/vfstock ...`.',
                Application::NO_EXTENSION
            );
        }
    }

    /** Reading a server's API token failed: WHMCS's decrypt() is missing. */
    public function tokenError(\RuntimeException $e): CliError
    {
        return new CliError(
            'cannot read the VirtFusion server\'s API token: ' . $this->redact($e->getMessage())
            . (function_exists('decrypt') ? '' : '. WHMCS stores it encrypted and only WHMCS can decrypt it: run'
                . ' vfstock against a WHMCS root with init.php (--whmcs DIR), or give a PHP file that defines decrypt()'
                . ' with --bootstrap FILE'),
            Application::NO_DATABASE
        );
    }
}
