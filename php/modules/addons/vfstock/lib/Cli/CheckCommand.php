<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\ConnectionCheck;
use WHMCS\Module\Addon\VfStock\Panel;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;

/**
 * `vfstock check`: the PHP running it, whether the extension is loaded,
 * the addon's tables, and every VirtFusion server's connection and token
 * scope (the ConnectionCheck the admin page uses too). Exit 3 without the
 * extension, 1 when anything else fails.
 */
final class CheckCommand extends Command
{
    public const NAME = 'check';

    public function run(): int
    {
        $loaded = Refresher::extensionLoaded();
        $version = $loaded ? (string) (phpversion('vfstock') ?: 'unknown version') : null;
        $php = self::php();
        if (!$this->console->json) {
            $this->console->write(self::phpText($php)
                . ($loaded ? "Extension: vfstock {$version} is loaded.\n"
                    : self::wrap('Extension: NOT loaded. ' . Refresher::MISSING_EXTENSION)));
        }
        $this->console->connect();
        $tables = Schema::exists();
        try {
            $servers = ConnectionCheck::run();
            $used = Panel::forProducts(null);
        } catch (\RuntimeException $e) {
            throw $this->console->tokenError($e);
        }
        foreach ($servers as $i => $server) {
            $products = $used[$server['id']][1] ?? [];
            $servers[$i] += ['used' => $products !== [], 'products' => $products];
        }
        $enabled = array_filter($servers, static fn (array $s): bool => !$s['disabled']);
        $reachable = $enabled !== [] && array_filter($enabled, static fn (array $s): bool => $s['ok'] !== true) === [];
        $ok = $loaded && $tables && $reachable;
        $code = !$loaded ? Application::NO_EXTENSION : ($ok ? Application::OK : Application::FAILED);
        $database = ['connection' => $this->console->describe(), 'addonTables' => $tables];
        if ($this->console->json) {
            return $this->console->emit(['command' => self::NAME, 'ok' => $ok,
                'extension' => ['loaded' => $loaded, 'version' => $version],
                'database' => $database, 'servers' => $servers, 'php' => $php], $code);
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
                $s['products'] === [] ? '' : count($s['products']), ConnectionCheck::describe($s),
            ], $servers);
            $text .= "VirtFusion servers (Products: how many stock-controlled products read from it):\n\n"
                . TextTable::render(['ID', 'Server', 'API URL', 'Products', 'Check'], $rows, [0, 3]);
            if ($enabled === []) {
                $text .= "\nEvery VirtFusionDirect server is disabled: stock is not updated.\n";
            }
        }
        $text .= "\n" . ($ok ? 'Everything checks out.' : ($loaded ? 'A check failed (see above).'
            : 'The extension is not loaded (see above).')) . "\n";
        $this->console->write($text);

        return $code;
    }

    /**
     * The PHP this runs in.
     *
     * @return array{sapi: string, binary: string, version: string, ini: ?string, scanned: list<string>}
     */
    private static function php(): array
    {
        $ini = php_ini_loaded_file();
        $scanned = php_ini_scanned_files();

        return [
            'sapi' => PHP_SAPI,
            'binary' => PHP_BINARY,
            'version' => PHP_VERSION,
            'ini' => $ini === false ? null : $ini,
            'scanned' => $scanned === false ? [] : array_values(array_filter(array_map(
                'trim',
                explode(',', $scanned)
            ))),
        ];
    }

    /** @param array{sapi: string, binary: string, version: string, ini: ?string, scanned: list<string>} $php */
    private static function phpText(array $php): string
    {
        return "PHP: {$php['version']} ({$php['sapi']} SAPI), {$php['binary']}\n"
            . 'php.ini: ' . ($php['ini'] ?? 'none') . ($php['scanned'] === [] ? '' : ', and '
                . count($php['scanned']) . ' more .ini file' . (count($php['scanned']) === 1 ? '' : 's')
                . ' (`php --ini` lists them)') . "\n"
            . self::wrap('This checks the command-line PHP only (which runs the WHMCS cron). PHP-FPM, which serves'
                . ' WHMCS\'s pages and checkout, has its own php.ini: check there too that vfstock is loaded (the'
                . ' addon\'s admin page says so; on Debian `php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION
                . ' -m | grep vfstock`).');
    }
}
