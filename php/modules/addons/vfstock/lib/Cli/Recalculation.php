<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\Panel;
use WHMCS\Module\Addon\VfStock\Refresher;
use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;

/**
 * One recalculation from the command line, through the Refresher every
 * trigger uses (each product from its own panel, pending orders reserved,
 * the addon's settings): without a lease, cached panel data forgotten,
 * with a spinner on a terminal. A dry run writes nothing at all.
 */
final class Recalculation
{
    /**
     * @param list<int>|null $ids null: every managed product
     * @return array{result: array<string, mixed>, noPanel: list<int>} the merged result, and the
     *         products that could not be refreshed for want of a usable panel
     */
    public static function run(Console $console, ?array $ids, bool $dryRun, string $what): array
    {
        Console::requireExtension($dryRun ? 'a dry run' : 'refresh');
        $settings = Settings::load();
        try {
            $panels = Panel::forProducts($ids);
        } catch (\RuntimeException $e) {
            throw $console->tokenError($e);
        }
        $split = Panel::usable($panels);
        $usable = $split['usable'];
        $noPanel = array_merge($split['orphans'], ...array_column($split['tokenless'], 1));
        if ($usable === []) {
            $tokenless = array_column($split['tokenless'], 0);
            $why = $tokenless !== []
                ? "the VirtFusionDirect server \"{$tokenless[0]->name}\" has no API token (its password field)"
                : 'no enabled VirtFusionDirect server with a hostname or IP address '
                    . ($ids === null ? 'in Setup > Servers' : 'for ' . (count($ids) === 1 ? 'this product' : 'these'
                        . ' products') . ' (the servers of its server group; without one, any in Setup > Servers)');
            throw new CliError($why . ': nothing to refresh from', Application::NO_DATABASE);
        }
        if (!$dryRun && !Schema::exists()) {
            throw new CliError('the addon\'s tables (' . implode(', ', Schema::TABLES) . ') do not exist: activate'
                . ' VirtFusion Stock Control in System Settings > Addon Modules first', Application::NO_DATABASE);
        }
        vf_stock_forget(null);
        $from = count($usable) === 1 ? reset($usable)[0]->url : count($usable) . ' panels';
        $progress = Progress::start(
            ($dryRun ? 'dry run: ' : 'refreshing ') . $what . ' from ' . $from,
            $console->errorStream()
        );
        try {
            $result = (new Refresher($settings))->run('vfstock refresh (CLI)', [
                'products' => $ids,
                'dryRun' => $dryRun,
            ]);
        } finally {
            $progress->stop();
        }
        if ($result === null) {
            throw new CliError(
                'the refresh could not run (see Utilities > Logs > Module Log)',
                Application::NO_DATABASE
            );
        }
        sort($noPanel);

        return ['result' => $result, 'noPanel' => array_values(array_unique($noPanel))];
    }
}
