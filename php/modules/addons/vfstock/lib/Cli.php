<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The `vfstock` command-line tool (bin/vfstock): status, explain, refresh
 * and check, for people (tables, words) and scripts (`--json`, exit codes).
 *
 * bin/vfstock is thin: it builds this, requires bootFiles() in the global
 * scope (WHMCS's init.php wants it there) and exits with run().
 */
final class Cli
{
    public const OK = 0;
    /** A check failed; status/refresh: a product was left untouched; explain: nothing to explain. */
    public const FAILED = 1;
    public const USAGE = 2;
    public const NO_EXTENSION = 3;
    /** The WHMCS configuration cannot be read, or its database reached (or no usable panel to refresh from). */
    public const NO_DATABASE = 4;

    public const COMMANDS = ['status', 'explain', 'refresh', 'check', 'help'];

    private const JSON_FLAGS = JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE;

    /** Options with a value, and the command each command-specific option belongs to. */
    private const VALUED = ['--whmcs', '--db', '--product'];
    private const FLAGS = ['--json', '--help', '-h', '--dry-run', '--live'];
    private const OWNER = ['--dry-run' => 'refresh', '--product' => 'refresh', '--live' => 'explain'];

    /** Timeouts of the connection check, seconds. */
    private const PROBE_TIMEOUT = 10.0;
    private const PROBE_CONNECT_TIMEOUT = 5.0;

    private const STATUSES = ['updated', 'unchanged', 'untouched', 'skipped'];

    /** @var resource */
    private $out;

    /** @var resource */
    private $err;

    private string $command = '';

    /** @var list<string> */
    private array $operands = [];

    /** @var array<string, bool> flags given */
    private array $flags = [];

    /** @var array<string, list<string>> valued options given */
    private array $values = [];

    private bool $prepared = false;

    private ?CliError $failure = null;

    private ?Bootstrap $boot = null;

    /**
     * @param list<string> $args the arguments after the program name
     * @param string $addonDir the addon's folder (modules/addons/vfstock)
     * @param resource|null $out
     * @param resource|null $err
     */
    public function __construct(private readonly array $args, private readonly string $addonDir, $out = null, $err = null)
    {
        $this->out = $out ?? STDOUT;
        $this->err = $err ?? STDERR;
    }

    /**
     * The PHP files bin/vfstock requires in the global scope before run():
     * WHMCS's init.php, or the WHMCS stand-ins for a SQLite database.
     *
     * @return list<string>
     */
    public function bootFiles(): array
    {
        $this->prepare();
        if ($this->failure !== null || $this->boot === null) {
            return [];
        }

        return $this->boot->files();
    }

    /** Requiring a boot file failed (WHMCS's init.php threw). */
    public function bootFailed(\Throwable $e): void
    {
        $this->failure ??= new CliError(
            'cannot start WHMCS (' . ($this->boot?->describe() ?? '?') . '): '
            . ($this->boot?->redact($e->getMessage()) ?? Log::redact($e->getMessage())),
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
            if ($this->command === 'help' || !empty($this->flags['--help'])) {
                $this->write($this->out, self::usage());

                return self::OK;
            }

            return match ($this->command) {
                'status' => $this->status(),
                'explain' => $this->explain(),
                'refresh' => $this->refresh(),
                default => $this->check(),
            };
        } catch (CliError $e) {
            return $this->fail($e->getMessage(), $e->exitCode);
        } catch (\PDOException | \Illuminate\Database\QueryException $e) {
            return $this->fail('the WHMCS database failed: ' . $this->redact($e->getMessage()), self::NO_DATABASE);
        } catch (\Throwable $e) {
            return $this->fail(get_class($e) . ': ' . $this->redact($e->getMessage()), self::FAILED);
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
              vfstock --help

            Commands:
              status    Every stock-controlled VirtFusion product: its qty and the last result
                        (from the addon's records; the panel is not asked).
              explain   Why a product shows the qty it shows: per group and hypervisor, how many
                        VPSes each axis (memory, cpu, storage) still holds, the pool chosen, the
                        safety buffer, the binding axis and the IPv4 cap, then in words.
                        --live recalculates it first (nothing is written).
              refresh   Recalculate now: no rate limit, cached panel data forgotten.
                        --dry-run computes and shows, writes nothing;
                        --product <id> (repeatable, or 3,5) limits the run.
              check     Whether the vfstock extension is loaded, and its version; the connection
                        and the token's compute scope of every VirtFusion server.

            Options:
              --whmcs <dir>       The WHMCS root (with init.php or configuration.php). Default: four
                                  levels up from this script (WHMCS keeps it in modules/addons/vfstock/bin).
              --db sqlite:<file>  A SQLite WHMCS database instead, such as the demo's.
              --json              Machine-readable output on stdout (errors too: {"error": {...}}).
              -h, --help          This text.

            Exit codes:
              0  ok
              1  a check failed; status, refresh: some product is untouched (its qty kept as it was,
                 because the panel could not be read in full); explain: nothing to explain (never
                 checked, or not a stock-controlled VirtFusion product)
              2  usage error: unknown command or option, bad product id
              3  the vfstock extension is not loaded (refresh, check, explain --live)
              4  cannot read the WHMCS configuration or connect to its database; refresh: no
                 usable VirtFusion server (host, API token) is set up

            TXT;
    }

    // ---- commands ------------------------------------------------------

    private function status(): int
    {
        $this->connect();
        $products = Capsule::table('tblproducts')
            ->where('servertype', Database::SERVER_TYPE)
            ->where('stockcontrol', 1)
            ->orderBy('id')
            ->get(['id', 'name', 'qty'])
            ->all();
        $states = $this->states(array_map(static fn (object $p): int => (int) $p->id, $products));
        $lines = [];
        $counts = array_fill_keys(self::STATUSES, 0) + ['never checked' => 0];
        foreach ($products as $p) {
            $state = $states[(int) $p->id] ?? null;
            $status = $state === null ? null : (string) $state->status;
            $counts[$status ?? 'never checked'] = ($counts[$status ?? 'never checked'] ?? 0) + 1;
            $lines[] = [
                'id' => (int) $p->id,
                'name' => (string) $p->name,
                'qty' => (int) $p->qty,
                'status' => $status,
                'reason' => $state?->reason === null ? null : (string) $state->reason,
                'checkedAt' => $state === null ? null : (int) $state->checked_at,
                'boundBy' => $state === null ? null : Breakdown::boundBy(self::groups($state->breakdown)),
            ];
        }
        $summary = self::counted(count($lines), $counts);
        $code = $counts['untouched'] > 0 ? self::FAILED : self::OK;
        if ($this->json()) {
            return $this->emit(['command' => 'status', 'products' => $lines, 'counts' => $counts,
                'summary' => $summary], $code);
        }
        if ($lines === []) {
            $this->write($this->out, 'No stock-controlled VirtFusion product (' . $this->boot?->describe() . ").\n"
                . "Turn on Stock Control on a VirtFusionDirect product (Products/Services > Details).\n");

            return self::OK;
        }
        $rows = array_map(static fn (array $l): array => [
            $l['id'], $l['name'], $l['qty'], $l['status'] ?? 'never checked',
            $l['checkedAt'] === null ? '' : self::when($l['checkedAt']), $l['boundBy'] ?? '', $l['reason'] ?? '',
        ], $lines);
        $this->write($this->out, 'Stock-controlled VirtFusion products (' . $this->boot?->describe() . "):\n\n"
            . TextTable::render(['ID', 'Product', 'Qty', 'Last result', 'Checked', 'Bound by', 'Reason'], $rows, [0, 2])
            . "\n" . $summary . " `vfstock explain <id>` says why a product shows its qty.\n");

        return $code;
    }

    private function explain(): int
    {
        $id = self::productId($this->operands[0]);
        $this->connect();
        $product = Capsule::table('tblproducts')->where('id', $id)->first();
        if ($product === null) {
            throw new CliError("bad product id {$id}: there is no product #{$id} in tblproducts", self::USAGE);
        }
        $product = (array) $product;
        $name = (string) ($product['name'] ?? '');
        $settings = Settings::load();
        $facts = self::facts($product, $settings);
        $labels = $this->labels($id, $product, $settings);
        $managed = self::unmanaged($product);

        $live = !empty($this->flags['--live']);
        if ($live && $managed === null) {
            $result = $this->recalculate([$id], true);
            $line = $result['products'][$id] ?? [];
            $state = [
                'qty' => $line['qty'] ?? $line['previous'] ?? null,
                'status' => (string) ($line['status'] ?? ''),
                'reason' => $line['reason'] ?? null,
                'checkedAt' => time(),
                'groups' => is_array($line['groups'] ?? null) ? $line['groups'] : [],
            ];
        } else {
            $row = $this->states([$id])[$id] ?? null;
            $state = $row === null ? null : [
                'qty' => $row->qty === null ? null : (int) $row->qty,
                'status' => (string) $row->status,
                'reason' => $row->reason === null ? null : (string) $row->reason,
                'checkedAt' => (int) $row->checked_at,
                'groups' => self::groups($row->breakdown),
            ];
        }

        $head = [
            'id' => $id,
            'name' => $name,
            'qty' => (int) ($product['qty'] ?? 0),
            'managed' => $managed === null,
        ] + $facts;
        if ($managed !== null || $state === null) {
            $message = $managed !== null
                ? "Product #{$id} {$name} is not managed by vfstock: {$managed}."
                : "Product #{$id} {$name} (qty {$head['qty']}) has never been checked by vfstock. Run"
                    . " `vfstock refresh --product {$id}`, or `vfstock explain {$id} --live`.";
            if ($this->json()) {
                return $this->emit(['command' => 'explain', 'product' => $head, 'result' => null, 'groups' => [],
                    'explanation' => $message], self::FAILED);
            }
            $this->write($this->out, $message . "\n");

            return self::FAILED;
        }

        $why = Breakdown::why($state['qty'], $state['status'], $state['reason'], $state['groups'], $labels);
        $groups = [];
        foreach ($state['groups'] as $gid => $group) {
            $group = is_array($group) ? $group : [];
            $groups[] = [
                'id' => (int) $gid,
                'label' => $labels[(int) $gid] ?? null,
                'status' => (string) ($group['status'] ?? ''),
                'fits' => $group['fits'] ?? null,
                'unbounded' => !empty($group['unbounded']),
                'sum' => ($group['status'] ?? '') === 'ok' ? Breakdown::sum($group) : null,
                'ipv4Cap' => $group['ipv4Cap'] ?? null,
                'ipv4Binds' => Breakdown::ipv4Binds($group),
                'explanation' => Breakdown::group((int) $gid, $group, $labels, $facts['ipv4PerVps']),
                'hypervisors' => array_values(array_filter(
                    is_array($group['hypervisors'] ?? null) ? $group['hypervisors'] : [],
                    'is_array'
                )),
            ];
        }
        if ($this->json()) {
            return $this->emit([
                'command' => 'explain',
                'product' => $head,
                'result' => [
                    'live' => $live,
                    'qty' => $state['qty'],
                    'status' => $state['status'],
                    'reason' => $state['reason'],
                    'checkedAt' => $state['checkedAt'],
                    'boundBy' => Breakdown::boundBy($state['groups']),
                ],
                'groups' => $groups,
                'explanation' => $why,
            ], self::OK);
        }
        $this->write($this->out, $this->explainText($head, $state, $live, $groups, $why));

        return self::OK;
    }

    private function refresh(): int
    {
        $ids = [];
        foreach ($this->values['--product'] ?? [] as $value) {
            foreach (explode(',', $value) as $part) {
                $ids[] = self::productId($part);
            }
        }
        $ids = array_values(array_unique($ids));
        $this->requireExtension('refresh');
        $this->connect();
        if ($ids !== []) {
            $known = array_map('intval', Capsule::table('tblproducts')->whereIn('id', $ids)->pluck('id')->all());
            $unknown = array_values(array_diff($ids, $known));
            if ($unknown !== []) {
                throw new CliError('bad product id ' . implode(', ', $unknown) . ': no such product in tblproducts',
                    self::USAGE);
            }
        }
        $dryRun = !empty($this->flags['--dry-run']);
        $result = $this->recalculate($ids === [] ? null : $ids, $dryRun);

        $names = Capsule::table('tblproducts')
            ->whereIn('id', array_map('intval', array_keys($result['products'] ?? [])))
            ->pluck('name', 'id')
            ->all();
        $lines = [];
        $counts = array_fill_keys(self::STATUSES, 0);
        foreach ($result['products'] ?? [] as $pid => $line) {
            $status = (string) ($line['status'] ?? '');
            $counts[$status] = ($counts[$status] ?? 0) + 1;
            $lines[] = [
                'id' => (int) $pid,
                'name' => (string) ($names[$pid] ?? ''),
                'previous' => $line['previous'] ?? null,
                'qty' => $line['qty'] ?? null,
                'status' => $status,
                'reason' => $line['reason'] ?? null,
                'boundBy' => Breakdown::boundBy(is_array($line['groups'] ?? null) ? $line['groups'] : []),
            ];
        }
        $stats = is_array($result['stats'] ?? null) ? $result['stats'] : [];
        $summary = Refresher::summary($result) . ($dryRun ? ' Dry run: nothing was written.' : '');
        $code = $counts['untouched'] > 0 ? self::FAILED : self::OK;
        if ($this->json()) {
            return $this->emit(['command' => 'refresh', 'dryRun' => $dryRun, 'products' => $lines,
                'counts' => $counts, 'summary' => $summary, 'stats' => $stats], $code);
        }
        $this->write($this->out, self::changes($lines, $dryRun) . "\n" . $summary . sprintf(
            " %d panel request%s in %d ms.\n",
            (int) ($stats['requests'] ?? 0),
            (int) ($stats['requests'] ?? 0) === 1 ? '' : 's',
            (int) round((float) ($stats['elapsedMs'] ?? 0))
        ));

        return $code;
    }

    private function check(): int
    {
        $loaded = Refresher::extensionLoaded();
        $version = $loaded ? (string) (phpversion('vfstock') ?: 'unknown version') : null;
        $extension = $loaded
            ? "Extension: vfstock {$version} is loaded."
            : 'Extension: NOT loaded. ' . Refresher::MISSING_EXTENSION;
        if (!$this->json()) {
            $this->write($this->out, $extension . "\n");
        }
        $this->connect();
        $tables = Schema::exists();
        $servers = [];
        $used = $this->panel(false)?->serverId;
        foreach ($this->servers() as $server) {
            $servers[] = $this->probe($server, $loaded) + ['used' => $server['id'] === $used];
        }
        $enabled = array_filter($servers, static fn (array $s): bool => !$s['disabled']);
        $reachable = $enabled !== [] && array_filter($enabled, static fn (array $s): bool => $s['ok'] !== true) === [];
        $ok = $loaded && $tables && $reachable;
        $code = !$loaded ? self::NO_EXTENSION : ($ok ? self::OK : self::FAILED);
        $database = ['connection' => $this->boot?->describe(), 'addonTables' => $tables];
        if ($this->json()) {
            return $this->emit(['command' => 'check', 'ok' => $ok,
                'extension' => ['loaded' => $loaded, 'version' => $version],
                'database' => $database, 'servers' => $servers], $code);
        }
        $text = 'Database: ' . $database['connection'] . '; the addon\'s tables '
            . ($tables ? 'are there.' : 'are MISSING: activate VirtFusion Stock Control in System Settings >'
                . ' Addon Modules.') . "\n\n";
        if ($servers === []) {
            $text .= "VirtFusion servers: none. Add the panel in Setup > Servers (module VirtFusionDirect, its API"
                . " token as the password).\n";
        } else {
            $rows = array_map(static fn (array $s): array => [
                $s['id'], $s['name'] . ($s['default'] ? ' (default)' : ''), $s['url'] ?? '',
                $s['used'] ? 'yes' : '', self::probeText($s),
            ], $servers);
            $text .= "VirtFusion servers:\n\n"
                . TextTable::render(['ID', 'Server', 'API URL', 'Used', 'Check'], $rows, [0]);
            if ($enabled === []) {
                $text .= "\nEvery VirtFusionDirect server is disabled: stock is not updated.\n";
            }
        }
        $text .= "\n" . ($ok ? 'Everything checks out.' : ($loaded ? 'A check failed (see above).'
            : 'The extension is not loaded (see above).')) . "\n";
        $this->write($this->out, $text);

        return $code;
    }

    // ---- pieces --------------------------------------------------------

    /** Parses the arguments once; a usage error is kept for run(). */
    private function prepare(): void
    {
        if ($this->prepared) {
            return;
        }
        $this->prepared = true;
        try {
            $this->parse();
            if ($this->command === 'help' || !empty($this->flags['--help'])) {
                return;
            }
            if (in_array($this->command, ['refresh'], true)
                || ($this->command === 'explain' && !empty($this->flags['--live']))) {
                $this->requireExtension($this->command === 'refresh' ? 'refresh' : 'explain --live');
            }
            $this->boot = Bootstrap::locate(
                $this->last('--whmcs'),
                $this->last('--db'),
                $this->addonDir
            );
        } catch (CliError $e) {
            $this->failure = $e;
        }
    }

    private function parse(): void
    {
        $args = array_values($this->args);
        $operands = [];
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
            if (in_array($name, self::VALUED, true)) {
                if ($value === null) {
                    if ($i + 1 >= $n) {
                        throw new CliError("{$name} needs a value", self::USAGE);
                    }
                    $value = (string) $args[++$i];
                }
                $this->values[$name][] = $value;
            } elseif (in_array($name, self::FLAGS, true) && $value === null) {
                $this->flags[$name === '-h' ? '--help' : $name] = true;
            } else {
                throw new CliError("unknown option {$name}", self::USAGE);
            }
        }
        $this->command = strtolower((string) array_shift($operands));
        $this->operands = $operands;
        if (!empty($this->flags['--help'])) {
            return;
        }
        if ($this->command === '') {
            throw new CliError('no command given: status, explain, refresh or check', self::USAGE);
        }
        if (!in_array($this->command, self::COMMANDS, true)) {
            throw new CliError("unknown command '{$this->command}': status, explain, refresh or check", self::USAGE);
        }
        if ($this->command === 'explain' && count($operands) !== 1) {
            throw new CliError('explain needs one product id, e.g. `vfstock explain 3`', self::USAGE);
        }
        if ($this->command !== 'explain' && $this->command !== 'help' && $operands !== []) {
            throw new CliError("`vfstock {$this->command}` takes no argument ('{$operands[0]}')"
                . ($this->command === 'refresh' ? ': limit it with --product <id>' : ''), self::USAGE);
        }
        if (isset($this->values['--whmcs'], $this->values['--db'])) {
            throw new CliError('--whmcs and --db cannot be used together', self::USAGE);
        }
        foreach (self::OWNER as $option => $command) {
            if ((isset($this->flags[$option]) || isset($this->values[$option])) && $this->command !== $command) {
                throw new CliError("{$option} is an option of `vfstock {$command}`", self::USAGE);
            }
        }
    }

    private function last(string $option): ?string
    {
        $values = $this->values[$option] ?? [];

        return $values === [] ? null : (string) end($values);
    }

    private function json(): bool
    {
        return !empty($this->flags['--json']);
    }

    private function connect(): void
    {
        if ($this->boot === null) {
            throw new CliError('no WHMCS database to use', self::NO_DATABASE);
        }
        $this->boot->connect();
    }

    private function requireExtension(string $what): void
    {
        if (!Refresher::extensionLoaded()) {
            throw new CliError(
                "{$what} needs the vfstock PHP extension, which is not loaded in this PHP ("
                . PHP_BINARY . '). Install it with `make install` and add `extension=vfstock` to the php.ini of the'
                . ' PHP CLI (`php --ini` shows which), or run `php -d extension=/path/to/vfstock.so '
                . '.../bin/vfstock ...`.',
                self::NO_EXTENSION
            );
        }
    }

    /**
     * The panel refresh and the connection check use, or null (with $require, a CliError).
     */
    private function panel(bool $require): ?Panel
    {
        try {
            $panel = Panel::credentials();
        } catch (\RuntimeException $e) {
            if (!$require) {
                return null;
            }
            throw $this->tokenError($e);
        }
        if ($require && $panel === null) {
            throw new CliError('no enabled VirtFusionDirect server with a hostname or IP address in Setup > Servers:'
                . ' nothing to refresh from', self::NO_DATABASE);
        }
        if ($require && $panel !== null && $panel->token() === '') {
            throw new CliError("the VirtFusionDirect server \"{$panel->name}\" has no API token (its password"
                . ' field): nothing to refresh from', self::NO_DATABASE);
        }

        return $panel;
    }

    /** @return list<array{id: int, name: string, host: string, disabled: bool, default: bool, panel: ?Panel}> */
    private function servers(): array
    {
        try {
            return Panel::servers();
        } catch (\RuntimeException $e) {
            throw $this->tokenError($e);
        }
    }

    private function tokenError(\RuntimeException $e): CliError
    {
        return new CliError(
            'cannot read the VirtFusion server\'s API token: ' . $this->redact($e->getMessage())
            . (function_exists('decrypt') ? '' : '. WHMCS stores it encrypted and only WHMCS can decrypt it: run vfstock'
                . ' against a WHMCS root with init.php (--whmcs DIR)'),
            self::NO_DATABASE
        );
    }

    /**
     * One refresh without lease, cached panel data forgotten; $dryRun writes
     * nothing (neither qty nor the addon's records).
     *
     * @param list<int>|null $ids
     * @return array<string, mixed>
     */
    private function recalculate(?array $ids, bool $dryRun): array
    {
        $this->requireExtension($dryRun ? 'a dry run' : 'refresh');
        $settings = Settings::load();
        $panel = $this->panel(true);
        assert($panel !== null);
        if (!$dryRun && !Schema::exists()) {
            throw new CliError('the addon\'s tables (' . implode(', ', Schema::TABLES) . ') do not exist: activate'
                . ' VirtFusion Stock Control in System Settings > Addon Modules first', self::NO_DATABASE);
        }
        vf_stock_forget(null);
        $what = $ids === null ? 'every product' : 'product' . (count($ids) === 1 ? ' ' : 's ') . implode(', ', $ids);
        $progress = Progress::start(($dryRun ? 'dry run: ' : 'refreshing ') . $what . ' from ' . $panel->url, $this->err);
        try {
            if ($dryRun) {
                $request = [
                    'api' => $panel->api(),
                    'db' => (new Database($settings))->callbacks(),
                    'locationLabel' => $settings->locationLabel(),
                    'dryRun' => true,
                ];
                $result = vf_stock_refresh($ids === null ? $request : $request + ['products' => $ids]);
            } else {
                $result = (new Refresher($settings))->run('vfstock refresh (CLI)', ['products' => $ids]);
            }
        } finally {
            $progress->stop();
        }
        if (!is_array($result)) {
            throw new CliError('the refresh could not run (see Utilities > Logs > Module Log)', self::NO_DATABASE);
        }

        return $result;
    }

    /**
     * mod_vfstock_state rows by product id (none when the addon's tables do not exist).
     *
     * @param list<int> $ids
     * @return array<int, object>
     */
    private function states(array $ids): array
    {
        if ($ids === [] || !Capsule::schema()->hasTable(Schema::STATE)) {
            return [];
        }
        $out = [];
        foreach (Capsule::table(Schema::STATE)->whereIn('product_id', $ids)->get() as $row) {
            $out[(int) $row->product_id] = $row;
        }

        return $out;
    }

    /** @return array<int|string, mixed> the breakdown JSON of a state row */
    private static function groups(mixed $json): array
    {
        $groups = is_string($json) && $json !== '' ? json_decode($json, true) : null;

        return is_array($groups) ? $groups : [];
    }

    /**
     * Why vfstock leaves this product alone, or null when it manages it.
     *
     * @param array<string, mixed> $product
     */
    private static function unmanaged(array $product): ?string
    {
        $module = trim((string) ($product['servertype'] ?? ''));
        if ($module !== Database::SERVER_TYPE) {
            return 'its module is ' . ($module === '' ? 'none' : $module) . ', not ' . Database::SERVER_TYPE;
        }
        if ((int) ($product['stockcontrol'] ?? 0) !== 1) {
            return 'stock control is off for it (Products/Services > Details > Stock Control)';
        }

        return null;
    }

    /**
     * The product settings the numbers depend on, read as the extension reads them.
     *
     * @param array<string, mixed> $product
     * @return array{packageId: int, buffer: int, bufferSource: string, ipv4PerVps: int}
     */
    private static function facts(array $product, Settings $settings): array
    {
        $own = trim((string) ($product['configoption7'] ?? ''));
        $ipv4 = trim((string) ($product['configoption3'] ?? ''));

        return [
            'packageId' => (int) ($product['configoption2'] ?? 0),
            'buffer' => $own === '' ? $settings->buffer() : (new Settings(['buffer' => $own]))->buffer(),
            'bufferSource' => $own === '' ? 'the addon\'s setting (the product\'s own, configoption7, is blank)'
                : 'the product\'s own setting (configoption7)',
            'ipv4PerVps' => is_numeric($ipv4) && (float) $ipv4 >= 1 ? (int) min((float) $ipv4, PHP_INT_MAX) : 1,
        ];
    }

    /**
     * Names for the product's groups: the Location sub-options' labels
     * (`2|Frankfurt` → Frankfurt), "default" for configoption1's.
     *
     * @param array<string, mixed> $product
     * @return array<int, string>
     */
    private function labels(int $id, array $product, Settings $settings): array
    {
        $labels = [];
        try {
            $names = (new Database($settings))->locations($id, $settings->locationLabel());
        } catch (\Throwable) {
            $names = [];
        }
        foreach ($names as $name) {
            $parts = explode('|', $name, 2);
            $gid = trim($parts[0]);
            if (ctype_digit($gid) && (int) $gid > 0 && trim($parts[1] ?? '') !== '') {
                $labels[(int) $gid] ??= trim($parts[1]);
            }
        }
        $default = trim((string) ($product['configoption1'] ?? ''));
        if (ctype_digit($default) && (int) $default > 0) {
            $labels[(int) $default] = isset($labels[(int) $default])
                ? $labels[(int) $default] . ', the default group' : 'the default group';
        }

        return $labels;
    }

    /**
     * @param array{disabled: bool, panel: ?Panel, id: int, name: string, default: bool} $server
     * @return array<string, mixed>
     */
    private function probe(array $server, bool $loaded): array
    {
        $panel = $server['panel'];
        $line = [
            'id' => $server['id'],
            'name' => $server['name'],
            'url' => $panel?->url,
            'default' => $server['default'],
            'disabled' => $server['disabled'],
            'ok' => null,
            'status' => null,
            'error' => null,
        ];
        if ($server['disabled']) {
            return $line;
        }
        if ($panel === null) {
            return array_replace($line, ['ok' => false, 'error' => 'no hostname or IP address']);
        }
        if ($panel->token() === '') {
            return array_replace($line, ['ok' => false, 'error' => 'no API token (the server\'s password field)']);
        }
        if (!$loaded) {
            return array_replace($line, ['error' => 'not checked: needs the vfstock extension']);
        }
        try {
            $probe = vf_stock_probe($panel->api([
                'timeout' => self::PROBE_TIMEOUT,
                'connectTimeout' => self::PROBE_CONNECT_TIMEOUT,
            ]));
        } catch (\Throwable $e) {
            return array_replace($line, ['ok' => false, 'error' => $this->redact($e->getMessage())]);
        }

        return array_replace($line, [
            'ok' => !empty($probe['ok']),
            'status' => (int) ($probe['status'] ?? 0),
            'error' => isset($probe['error']) ? $this->redact((string) $probe['error']) : null,
        ]);
    }

    /** @param array<string, mixed> $s */
    private static function probeText(array $s): string
    {
        if ($s['disabled']) {
            return 'disabled: not used, not checked';
        }
        if ($s['ok'] === true) {
            return 'ok: connected, the token can read hypervisor groups (HTTP ' . $s['status'] . ')';
        }
        $status = (int) ($s['status'] ?? 0);

        return ($s['ok'] === false ? 'FAILED: ' : '') . ($status > 0 ? 'HTTP ' . $status . ': ' : '')
            . ($s['error'] ?? 'unknown error');
    }

    /**
     * The refresh table: before and after, status, what binds, why.
     *
     * @param list<array<string, mixed>> $lines
     */
    public static function changes(array $lines, bool $dryRun = false): string
    {
        $rows = [];
        foreach ($lines as $l) {
            $after = $l['qty'] ?? null;
            $rows[] = [
                $l['id'], $l['name'], $l['previous'] ?? '', $after ?? ($l['previous'] ?? ''),
                $l['status'], $l['boundBy'] ?? '', $l['reason'] ?? '',
            ];
        }

        return TextTable::render(
            ['ID', 'Product', 'Before', $dryRun ? 'Would be' : 'After', 'Status', 'Bound by', 'Reason'],
            $rows,
            [0, 2, 3]
        );
    }

    /**
     * @param array<string, mixed> $head
     * @param array<string, mixed> $state
     * @param list<array<string, mixed>> $groups
     */
    private function explainText(array $head, array $state, bool $live, array $groups, string $why): string
    {
        $text = "Product #{$head['id']} {$head['name']}: qty {$head['qty']} in WHMCS\n"
            . self::wrap(($live ? "Recalculated now (nothing written): {$state['status']}"
                : "Last result: {$state['status']} at " . self::when((int) $state['checkedAt']))
                . ($state['reason'] !== null ? " ({$state['reason']})" : ''))
            . "Package {$head['packageId']}, {$head['ipv4PerVps']} IPv4 address"
            . ($head['ipv4PerVps'] === 1 ? '' : 'es') . " per VPS\n"
            . self::wrap("Safety buffer: {$head['buffer']} % of each resource's max is kept free; "
                . $head['bufferSource'])
            . "\n" . self::wrap($why);
        if ($groups !== []) {
            $text .= "\n" . self::wrap('Memory, CPU and Storage: how many VPSes of the package each resource still'
                . ' holds after the buffer; the smallest binds (∞: the package needs none of it).');
        }
        foreach ($groups as $group) {
            $label = $group['label'] !== null ? " ({$group['label']})" : '';
            $text .= "\nGroup {$group['id']}{$label}: {$group['status']}";
            if ($group['status'] === 'ok') {
                $text .= $group['unbounded'] ? ', unbounded' : ', fits ' . Breakdown::number($group['fits']);
            }
            $text .= "\n";
            $rows = [];
            foreach ($group['hypervisors'] as $hv) {
                $name = Breakdown::name($hv) . ' #' . (int) ($hv['id'] ?? 0);
                if (empty($hv['eligible'])) {
                    $rows[] = [$name, '', '', '', '', '', 'skipped: ' . ($hv['skipped'] ?? 'not eligible'), ''];
                    continue;
                }
                $rows[] = [
                    $name,
                    Breakdown::number($hv['memory'] ?? null),
                    Breakdown::number($hv['cpu'] ?? null),
                    Breakdown::number($hv['storage'] ?? null),
                    $hv['pool'] ?? '',
                    Breakdown::number($hv['fits'] ?? null),
                    $hv['binding'] ?? 'nothing',
                    isset($hv['ipv4Free']) ? (string) $hv['ipv4Free'] : 'not reported',
                ];
            }
            if ($rows !== []) {
                $text .= "\n" . TextTable::render(
                    ['Hypervisor', 'Memory', 'CPU', 'Storage', 'Pool', 'Fits', 'Bound by', 'IPv4 free'],
                    $rows,
                    [1, 2, 3, 5],
                    '  '
                ) . "\n";
            }
            $text .= self::wrap($group['explanation'] . '.', '  ');
        }

        return $text;
    }

    /**
     * "8 products: 5 updated, 3 untouched."
     *
     * @param array<string, int> $counts
     */
    private static function counted(int $total, array $counts): string
    {
        $parts = [];
        foreach ($counts as $status => $count) {
            if ($count > 0) {
                $parts[] = "{$count} {$status}";
            }
        }

        return $total . ' product' . ($total === 1 ? '' : 's') . ($parts === [] ? '.' : ': ' . implode(', ', $parts)
            . '.');
    }

    /** A product id: a whole number > 0, else a usage error. */
    private static function productId(string $value): int
    {
        $value = trim($value);
        if (preg_match('/^\d{1,18}$/', $value) !== 1 || (int) $value <= 0) {
            throw new CliError("bad product id '{$value}': a product id is a whole number greater than 0",
                self::USAGE);
        }

        return (int) $value;
    }

    /** Prose wrapped for a terminal, each line indented, ending in a newline. */
    private static function wrap(string $text, string $indent = ''): string
    {
        return $indent . wordwrap($text, 100 - strlen($indent), "\n" . $indent . '  ', false) . "\n";
    }

    private static function when(int $timestamp): string
    {
        return date('Y-m-d H:i:s', $timestamp);
    }

    private function redact(string $text): string
    {
        return $this->boot?->redact($text) ?? Log::redact($text);
    }

    /** @param array<string, mixed> $payload */
    private function emit(array $payload, int $code): int
    {
        $json = json_encode($payload, self::JSON_FLAGS);
        $this->write($this->out, ($json === false ? '{}' : $json) . "\n");

        return $code;
    }

    private function fail(string $message, int $code): int
    {
        $message = $this->redact($message);
        if ($this->json()) {
            $this->emit(['command' => $this->command !== '' ? $this->command : null,
                'error' => ['code' => $code, 'message' => $message]], $code);
        }
        $this->write($this->err, 'vfstock: ' . $message . "\n"
            . ($code === self::USAGE ? "Run `vfstock --help` for usage.\n" : ''));

        return $code;
    }

    /** @param resource $stream */
    private function write($stream, string $text): void
    {
        fwrite($stream, $this->redact($text));
    }
}
