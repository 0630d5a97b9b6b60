<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\Schema;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

/**
 * `vfstock metrics [--output FILE]`: OpenMetrics text for Prometheus, from
 * the stored state only (the panel is not asked) — per product its qty,
 * last status, whether it is zeroed or stale, the age of its last result
 * and each group's own fits and pending orders.
 *
 * With --output the text is written atomically, for node_exporter's
 * textfile collector: a temporary file in the same folder (a name not
 * ending in .prom, so the collector never reads it half-written), made
 * readable by others, then renamed over FILE.
 */
final class MetricsCommand extends Command
{
    public const NAME = 'metrics';

    public const OPTIONS = ['--output' => 'value'];

    /** The values of vfstock_product_status's `status` label. */
    public const STATUSES = ['updated', 'unchanged', 'untouched', 'skipped', 'never_checked'];

    public function run(): int
    {
        $output = $this->input->last('--output');
        if ($output !== null && trim($output) === '') {
            throw new CliError('--output needs a file name', Application::USAGE);
        }
        $this->console->connect();
        $metrics = self::collect(State::products(), Settings::load(), time());
        $text = $metrics->text();
        if ($output !== null) {
            self::writeAtomically($output, $text);
        }
        if ($this->console->json) {
            return $this->console->emit(['command' => self::NAME, 'output' => $output,
                'families' => $metrics->families(), 'samples' => $metrics->count()]
                + ($output === null ? ['text' => $text] : []), Application::OK);
        }
        if ($output === null) {
            $this->console->write($text);
        }

        return Application::OK;
    }

    /**
     * The metrics of these products (State::products()), at $now.
     *
     * @param list<array<string, mixed>> $views
     */
    public static function collect(array $views, Settings $settings, int $now): OpenMetrics
    {
        $m = new OpenMetrics();
        $m->gauge('vfstock_build', 'The vfstock versions: the addon\'s and the PHP extension\'s (empty when the'
            . ' extension is not loaded in this PHP).');
        $m->sample('vfstock_build', ['addon' => Schema::VERSION,
            'extension' => (string) (phpversion('vfstock') ?: '')], 1);
        $m->gauge('vfstock_product_qty', 'The qty WHMCS shows for the product (tblproducts.qty): how many more'
            . ' VPSes of it can be ordered.');
        $m->gauge('vfstock_product_status', 'The result of the product\'s last recalculation: 1 for it (updated,'
            . ' unchanged, untouched: the panel could not be read and qty was kept, skipped, never_checked), 0 for the'
            . ' others.');
        $m->gauge('vfstock_product_zeroed', '1 when the product\'s qty was set to 0 because its package is gone or'
            . ' disabled on the panel.');
        $m->gauge('vfstock_product_stale', '1 when the product has not been recalculated for more than the'
            . ' staleHours setting (the panel cannot be read).');
        $m->gauge('vfstock_product_result_age_seconds', 'Seconds since the product\'s last recalculation was'
            . ' recorded, at the time these metrics were written.', 'seconds');
        $m->gauge('vfstock_product_result_timestamp_seconds', 'When the product\'s last recalculation was'
            . ' recorded (Unix time).', 'seconds');
        $m->gauge('vfstock_group_fits', 'How many more VPSes of the product this hypervisor group (a Location)'
            . ' holds on its own, after pending orders; +Inf when unbounded, 0 when the group is gone. No sample'
            . ' while the group could not be read.');
        $m->gauge('vfstock_group_reserved', 'VPSes of pending orders (sold, not yet on the panel) set aside in the'
            . ' group before its fits were counted.');
        $m->gauge('vfstock_group_unplaced', 'VPSes of pending orders that the group can no longer hold.');

        foreach ($views as $view) {
            $product = ['product_id' => (int) $view['id'], 'product' => (string) $view['name']];
            $status = $view['checked'] ? (string) $view['status'] : 'never_checked';
            $m->sample('vfstock_product_qty', $product, (int) $view['qty']);
            foreach (in_array($status, self::STATUSES, true) ? self::STATUSES : [...self::STATUSES, $status] as $s) {
                $m->sample('vfstock_product_status', $product + ['status' => $s], $s === $status ? 1 : 0);
            }
            $zeroed = State::zeroed($view['status'], $view['packageStatus']) !== null;
            $m->sample('vfstock_product_zeroed', $product, $zeroed ? 1 : 0);
            $m->sample('vfstock_product_stale', $product, State::stale($view, $settings->staleHours(), $now) ? 1 : 0);
            if ($view['checkedAt'] !== null) {
                $m->sample('vfstock_product_result_age_seconds', $product, max(0, $now - (int) $view['checkedAt']));
                $m->sample('vfstock_product_result_timestamp_seconds', $product, (int) $view['checkedAt']);
            }
            foreach (is_array($view['groups']) ? $view['groups'] : [] as $gid => $group) {
                $labels = $product + ['group' => (int) $gid, 'location' => (string) ($group['label'] ?? '')];
                $groupStatus = $group['status'] ?? null;
                if ($groupStatus === 'ok') {
                    $m->sample('vfstock_group_fits', $labels, !empty($group['unbounded']) ? INF
                        : (int) ($group['fits'] ?? 0));
                } elseif ($groupStatus === 'missing') {
                    $m->sample('vfstock_group_fits', $labels, 0);
                }
                if (array_key_exists('reserved', $group)) {
                    $m->sample('vfstock_group_reserved', $labels, (int) $group['reserved']);
                    $m->sample('vfstock_group_unplaced', $labels, (int) ($group['unplaced'] ?? 0));
                }
            }
        }

        return $m;
    }

    /** Writes $text to $file atomically: a temporary file beside it, then a rename. */
    private static function writeAtomically(string $file, string $text): void
    {
        $dir = dirname($file);
        if (!is_dir($dir)) {
            throw new CliError("cannot write {$file}: {$dir} is not a folder", Application::FAILED);
        }
        if (is_dir($file)) {
            throw new CliError("cannot write {$file}: it is a folder", Application::FAILED);
        }
        $tmp = @tempnam($dir, '.' . basename($file) . '.');
        if ($tmp === false || realpath(dirname($tmp)) !== realpath($dir)) {
            if (is_string($tmp)) {
                @unlink($tmp); // tempnam() fell back to the system's folder: a rename would not be atomic
            }
            throw new CliError("cannot write {$file}: cannot create a file in {$dir}", Application::FAILED);
        }
        try {
            $written = @file_put_contents($tmp, $text);
            if ($written !== strlen($text)) {
                throw new CliError("cannot write {$file}: writing {$tmp} failed", Application::FAILED);
            }
            @chmod($tmp, 0644); // tempnam() makes it 0600; the collector often runs as another user
            if (!@rename($tmp, $file)) {
                throw new CliError("cannot write {$file}: renaming {$tmp} to it failed", Application::FAILED);
            }
        } finally {
            if (is_file($tmp)) {
                @unlink($tmp);
            }
        }
    }
}
