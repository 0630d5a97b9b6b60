<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * The `vfstock` command-line tool (bin/vfstock): parses the command line,
 * finds WHMCS, runs one command and turns every failure into a message and
 * an exit code — for people (tables, words) and scripts (`--json`, exit
 * codes).
 *
 * bin/vfstock is thin: it builds this, requires bootFiles() in the global
 * scope (WHMCS's init.php wants it there) and exits with run().
 */
final class Application
{
    public const OK = 0;
    /** A check failed; status/refresh: a product was left untouched or zeroed; explain: nothing to explain. */
    public const FAILED = 1;
    public const USAGE = 2;
    public const NO_EXTENSION = 3;
    /** The WHMCS configuration cannot be read, or its database reached (or no usable panel to refresh from). */
    public const NO_DATABASE = 4;

    /** Every command, by name. */
    public const COMMANDS = [
        StatusCommand::NAME => StatusCommand::class,
        ExplainCommand::NAME => ExplainCommand::class,
        RefreshCommand::NAME => RefreshCommand::class,
        CheckCommand::NAME => CheckCommand::class,
        MetricsCommand::NAME => MetricsCommand::class,
        VersionCommand::NAME => VersionCommand::class,
        'help' => null,
    ];

    /** Options with a value that every command takes. */
    private const VALUED = ['--whmcs', '--db', '--bootstrap'];

    /** Flags that every command takes. */
    private const FLAGS = ['--json', '--help', '-h', '--version', '-V'];

    private Console $console;

    private ?Input $input = null;

    private ?Command $command = null;

    private bool $prepared = false;

    private ?CliError $failure = null;

    /**
     * @param list<string> $args the arguments after the program name
     * @param string $addonDir the addon's folder (modules/addons/vfstock)
     * @param array<string, string> $env the environment (VFSTOCK_BOOTSTRAP)
     * @param resource|null $out
     * @param resource|null $err
     */
    public function __construct(
        private readonly array $args,
        private readonly string $addonDir,
        private readonly array $env = [],
        $out = null,
        $err = null
    ) {
        $this->console = new Console($out ?? STDOUT, $err ?? STDERR, in_array('--json', $args, true));
    }

    /**
     * The PHP files bin/vfstock requires in the global scope before run():
     * the bootstrap file given from outside, WHMCS's init.php.
     *
     * @return list<string>
     */
    public function bootFiles(): array
    {
        $this->prepare();

        return $this->failure === null ? ($this->console->boot?->files() ?? []) : [];
    }

    /** Requiring a boot file failed (WHMCS's init.php threw). */
    public function bootFailed(\Throwable $e): void
    {
        $this->failure ??= new CliError(
            'cannot start WHMCS (' . $this->console->describe() . '): ' . $this->console->redact($e->getMessage()),
            self::NO_DATABASE
        );
    }

    /** Runs the command; returns the exit code. */
    public function run(): int
    {
        $this->prepare();
        try {
            if ($this->failure !== null) {
                throw $this->failure;
            }
            if ($this->command === null) {
                $this->console->write(self::usage());

                return self::OK;
            }

            return $this->command->run();
        } catch (CliError $e) {
            return $this->fail($e->getMessage(), $e->exitCode);
        } catch (\PDOException | \Illuminate\Database\QueryException $e) {
            return $this->fail('the WHMCS database failed: ' . $e->getMessage(), self::NO_DATABASE);
        } catch (\Throwable $e) {
            return $this->fail(get_class($e) . ': ' . $e->getMessage(), self::FAILED);
        }
    }

    /** The --help text, exit codes included. */
    public static function usage(): string
    {
        return <<<'TXT'
            vfstock: VirtFusion stock control for WHMCS, from the command line.

            Usage:
              vfstock [options] status
              vfstock [options] explain <product id> [--live]
              vfstock [options] refresh [--dry-run] [--product <id>]...
              vfstock [options] check
              vfstock [options] metrics [--output <file>]
              vfstock --version
              vfstock --help

            Commands:
              status    Every stock-controlled VirtFusion product: its qty, the last result, each
                        Location's own fits and what binds it (from the addon's records; the panel
                        is not asked). A product zeroed because its package is gone or disabled, and
                        one not recalculated for longer than the staleHours setting, are flagged.
              explain   Why a product shows the qty it shows: per Location (hypervisor group) and
                        hypervisor, how many VPSes each axis (memory, cpu, storage, servers, ipv4)
                        still holds after the safety buffer, the pool chosen, the binding axis, the
                        IPv4 cap and the pending orders set aside, then in words.
                        --live recalculates it from the panel first and says what qty would be;
                        nothing is written.
              refresh   Recalculate now: no rate limit, cached panel data forgotten.
                        --dry-run computes and shows, writes nothing;
                        --product <id> (repeatable, or 3,5) limits the run.
              check     The PHP running this (SAPI, binary, version, php.ini), whether the vfstock
                        extension is loaded and its version, the addon's tables, and the connection
                        and the token's compute scope of every VirtFusion server.
              metrics   OpenMetrics text for Prometheus (node_exporter's textfile collector): per
                        product its qty, status, per-group fits and the age of its last result, from
                        the addon's records (the panel is not asked).
                        --output <file> writes it atomically (a temporary file in the same folder,
                        then renamed), e.g. /var/lib/node_exporter/textfile/vfstock.prom.

            Options:
              --whmcs <dir>       The WHMCS root (with init.php or configuration.php). Default: four
                                  levels up from this script (WHMCS keeps it in modules/addons/vfstock/bin).
              --db sqlite:<file>  A SQLite WHMCS database instead, such as the demo's.
              --bootstrap <file>  A PHP file to require first, in the global scope: whatever WHMCS would
                                  provide and is missing (decrypt() for a SQLite database, say). The
                                  environment variable VFSTOCK_BOOTSTRAP does the same.
              --json              Machine-readable output on stdout (errors too: {"error": {...}}).
              -V, --version       The addon's version and the extension's.
              -h, --help          This text.

            Exit codes:
              0  ok
              1  a check failed; status, refresh: some product is untouched (its qty kept as it was,
                 because the panel could not be read in full), zeroed (its package is gone or disabled
                 on the panel) or not refreshed (no usable panel); explain: nothing to explain (never
                 checked, or not a stock-controlled VirtFusion product); metrics: the file cannot be
                 written
              2  usage error: unknown command or option, bad product id
              3  the vfstock extension is not loaded (refresh, check, explain --live)
              4  cannot read the WHMCS configuration or connect to its database; refresh: no
                 usable VirtFusion server (host, API token) is set up

            TXT;
    }

    /** Parses the arguments once and finds WHMCS; a failure is kept for run(). */
    private function prepare(): void
    {
        if ($this->prepared) {
            return;
        }
        $this->prepared = true;
        try {
            $this->input = $this->parse();
            $class = self::COMMANDS[$this->input->command] ?? null;
            if ($class === null) {
                return; // help
            }
            $this->command = new $class($this->console, $this->input);
            $needs = $this->command->needsExtension();
            if ($needs !== null) {
                Console::requireExtension($needs);
            }
            if (!$this->command->needsDatabase()) {
                return;
            }
            $bootstrap = $this->input->last('--bootstrap');
            $source = '--bootstrap';
            if ($bootstrap === null && ($this->env[Bootstrap::ENV] ?? '') !== '') {
                $bootstrap = $this->env[Bootstrap::ENV];
                $source = Bootstrap::ENV;
            }
            $this->console->boot = Bootstrap::locate(
                $this->input->last('--whmcs'),
                $this->input->last('--db'),
                $this->addonDir,
                $bootstrap,
                $source
            );
        } catch (CliError $e) {
            $this->failure = $e;
        }
    }

    private function parse(): Input
    {
        $valued = self::VALUED;
        $flags = self::FLAGS;
        $owner = [];
        foreach (self::COMMANDS as $name => $class) {
            foreach ($class === null ? [] : $class::OPTIONS as $option => $kind) {
                if ($kind === 'value') {
                    $valued[] = $option;
                } else {
                    $flags[] = $option;
                }
                $owner[$option] = $name;
            }
        }
        $args = array_values($this->args);
        $operands = [];
        $given = [];
        $values = [];
        $options = true;
        for ($i = 0, $n = count($args); $i < $n; $i++) {
            $arg = (string) $args[$i];
            if (!$options || $arg === '-' || preg_match('/^-\d/', $arg) === 1 || !str_starts_with($arg, '-')) {
                $operands[] = $arg;
                continue;
            }
            if ($arg === '--') {
                $options = false;
                continue;
            }
            [$name, $value] = str_contains($arg, '=') ? explode('=', $arg, 2) : [$arg, null];
            if (in_array($name, $valued, true)) {
                if ($value === null) {
                    if ($i + 1 >= $n) {
                        throw new CliError("{$name} needs a value", self::USAGE);
                    }
                    $value = (string) $args[++$i];
                }
                $values[$name][] = $value;
            } elseif (in_array($name, $flags, true) && $value === null) {
                $given[match ($name) {
                    '-h' => '--help',
                    '-V' => '--version',
                    default => $name,
                }] = true;
            } else {
                throw new CliError("unknown option {$name}", self::USAGE);
            }
        }
        $command = strtolower((string) array_shift($operands));
        if (isset($given['--help'])) {
            return new Input('help');
        }
        if (isset($given['--version'])) {
            return new Input(VersionCommand::NAME, [], $given);
        }
        $list = implode(', ', array_slice(array_keys(self::COMMANDS), 0, 4)) . ' or ' . MetricsCommand::NAME;
        if ($command === '') {
            throw new CliError("no command given: {$list}", self::USAGE);
        }
        if (!array_key_exists($command, self::COMMANDS)) {
            throw new CliError("unknown command '{$command}': {$list}", self::USAGE);
        }
        $class = self::COMMANDS[$command];
        if ($class !== null) {
            $class::checkOperands($operands);
        }
        if (isset($values['--whmcs'], $values['--db'])) {
            throw new CliError('--whmcs and --db cannot be used together', self::USAGE);
        }
        foreach ($owner as $option => $name) {
            if ((isset($given[$option]) || isset($values[$option])) && $command !== $name) {
                throw new CliError("{$option} is an option of `vfstock {$name}`", self::USAGE);
            }
        }

        return new Input($command, $operands, $given, $values);
    }

    private function fail(string $message, int $code): int
    {
        $message = $this->console->redact($message);
        if ($this->console->json) {
            $this->console->emit(['command' => $this->input?->command,
                'error' => ['code' => $code, 'message' => $message]], $code);
        }
        $this->console->error('vfstock: ' . $message . "\n"
            . ($code === self::USAGE ? "Run `vfstock --help` for usage.\n" : ''));

        return $code;
    }
}
