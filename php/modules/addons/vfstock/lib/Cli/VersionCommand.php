<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;

/**
 * `vfstock --version`: the addon's version and the extension's (or that
 * it is not loaded in this PHP). Reads no database.
 */
final class VersionCommand extends Command
{
    public const NAME = 'version';

    public function needsDatabase(): bool
    {
        return false;
    }

    public function run(): int
    {
        $loaded = Refresher::extensionLoaded();
        $extension = $loaded ? (string) (phpversion('vfstock') ?: 'unknown version') : null;
        if ($this->console->json) {
            return $this->console->emit([
                'command' => self::NAME,
                'addon' => Schema::VERSION,
                'extension' => ['loaded' => $loaded, 'version' => $extension],
                'php' => ['version' => PHP_VERSION, 'binary' => PHP_BINARY],
            ], Application::OK);
        }
        $this->console->write('vfstock addon ' . Schema::VERSION . "\n"
            . ($loaded ? "vfstock extension {$extension}" : 'vfstock extension: not loaded')
            . ' (PHP ' . PHP_VERSION . ', ' . PHP_BINARY . ")\n");

        return Application::OK;
    }
}
