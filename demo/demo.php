<?php

/**
 * The vfstock demo (`make demo`): a simulated VirtFusion panel, a SQLite
 * WHMCS database driven by the real addon code, the WHMCS cron, the CLI,
 * and one transient panel failure that leaves qty untouched.
 *
 *   php -d extension=target/release/libvfstock.so demo/demo.php [--keep]
 *
 * --keep leaves the demo database behind for `bin/vfstock --db sqlite:…`.
 * The simulator is stopped and the temporary folder removed on every exit.
 *
 * WHMCS itself is played by the stand-ins the addon tests use
 * (tests/php/whmcs/): Laravel's real Capsule over SQLite, add_hook/run_hook,
 * encrypt/decrypt, logModuleCall.
 */

declare(strict_types=1);

use VfStock\Tests\Fleet;
use VfStock\Tests\Simulator;
use VfStock\Tests\Whmcs\Process;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Breakdown;
use WHMCS\Module\Addon\VfStock\Cli;
use WHMCS\Module\Addon\VfStock\Schema;

const DEMO_ROOT = __DIR__ . '/..';
const DEMO_TOKEN = 'vfdemo-api-token-7c1e0b5a9d';
const DEMO_CLI = 'php/modules/addons/vfstock/bin/vfstock';

if (!function_exists('vf_stock_refresh')) {
    fwrite(STDERR, "The vfstock extension is not loaded: run the demo with `make demo`, which builds it and runs\n"
        . "  php -d extension=target/release/libvfstock.so demo/demo.php\n");
    exit(1);
}

require DEMO_ROOT . '/tests/php/whmcs/bootstrap.php';
require_once DEMO_ROOT . '/tests/php/Simulator.php';

$started = microtime(true);
$keep = in_array('--keep', array_slice($argv, 1), true);
$dir = sys_get_temp_dir() . '/vfstock-demo-' . getmypid() . '-' . bin2hex(random_bytes(3));
$sim = null;

function heading(string $text): void
{
    $bold = function_exists('stream_isatty') && @stream_isatty(STDOUT);
    echo "\n", $bold ? "\033[1m{$text}\033[0m" : $text, "\n\n";
}

function say(string $text): void
{
    echo '  ', str_replace("\n", "\n  ", rtrim($text, "\n")), "\n";
}

/**
 * Runs the CLI against the demo database in its own PHP process, as an
 * operator would, and prints the command and its output.
 *
 * @param list<string> $args
 */
function cli(string $db, array $args, array $expect = [0]): void
{
    $shown = DEMO_CLI . ' --db sqlite:' . $db . ' ' . implode(' ', $args);
    echo "  \$ {$shown}\n\n";
    $result = Process::run(Process::php(array_merge([DEMO_ROOT . '/' . DEMO_CLI, '--db', 'sqlite:' . $db], $args),
        true), [], 60.0);
    if ($result['timedOut'] || !in_array($result['exit'], $expect, true)) {
        throw new RuntimeException("`{$shown}` exited with {$result['exit']}: " . trim($result['stderr']
            . "\n" . $result['stdout']));
    }
    say($result['stdout']);
    echo "\n  (exit code {$result['exit']})\n";
}

/**
 * Each product's qty before and after, with its last result (mod_vfstock_state).
 *
 * @param array<int, int> $before product id => qty
 */
function table(array $before): string
{
    $states = Capsule::table(Schema::STATE)->get()->keyBy('product_id');
    $lines = [];
    foreach (Capsule::table('tblproducts')->orderBy('id')->get(['id', 'name', 'qty']) as $p) {
        $state = $states[$p->id] ?? null;
        $groups = $state === null ? [] : (array) json_decode((string) $state->breakdown, true);
        $lines[] = [
            'id' => (int) $p->id,
            'name' => (string) $p->name,
            'previous' => $before[(int) $p->id] ?? null,
            'qty' => (int) $p->qty,
            'status' => $state === null ? 'not checked' : (string) $state->status,
            'boundBy' => Breakdown::boundBy($groups),
            'reason' => $state?->reason,
        ];
    }

    return Cli::changes($lines);
}

/** @return array<int, int> product id => qty */
function quantities(): array
{
    return array_map('intval', Capsule::table('tblproducts')->pluck('qty', 'id')->all());
}

try {
    // ---------------------------------------------------------------- 1
    heading('1. A VirtFusion panel (the simulator)');
    $fleet = require __DIR__ . '/fleet.php';
    $sim = new Simulator(['tokens' => [DEMO_TOKEN => ['compute']]] + $fleet);
    say(<<<TXT
        Listening on {$sim->url()}, with a fleet modelled on the design notes' case:
        - group 1, London: lon-hv1, lon-hv2, lon-hv3. Disks live on mountpoint storage, type code 4;
          the pools have their own ids (23, 28, 30), lon-hv3's default mountpoint is a type-4 pool too,
          and lon-hv2's old ssd-mount is disabled.
        - group 2, Frankfurt: fra-hv1 with room for many but only 9 IPv4 addresses left,
          fra-hv2 still being commissioned.
        - 8 packages, all with primaryStorageProfile 4: VPS-1 … VPS-32 (1 to 32 GiB, 1 to 8 cores,
          25 to 640 GB) and STORAGE-1T, STORAGE-2T.
        TXT);

    // ---------------------------------------------------------------- 2
    heading('2. A WHMCS database (SQLite), set up by the addon itself');
    mkdir($dir, 0700, true);
    $db = $dir . '/whmcs.sqlite';
    touch($db);
    StandIn::connect(['driver' => 'sqlite', 'database' => $db, 'prefix' => '']);
    StandIn::createSchema();
    require_once VFSTOCK_ADDON_DIR . '/vfstock.php';
    $activated = vfstock_activate();
    if ($activated['status'] !== 'success') {
        throw new RuntimeException('vfstock_activate(): ' . $activated['description']);
    }
    foreach (['buffer' => '10', 'cronInterval' => '120', 'autoAccept' => 'on', 'locationLabel' => 'Location']
        as $setting => $value) {
        Capsule::table('tbladdonmodules')->insert(['module' => 'vfstock', 'setting' => $setting, 'value' => $value]);
    }
    Capsule::table('tblservers')->insert([
        'name' => 'VirtFusion (simulated)', 'ipaddress' => '', 'hostname' => substr($sim->url(), 0, -strlen('/api/v1')),
        'type' => 'VirtFusionDirect', 'username' => '', 'password' => encrypt(DEMO_TOKEN), 'accesshash' => '',
        'secure' => 'on', 'port' => null, 'active' => 1, 'disabled' => 0,
    ]);
    $frankfurt = [];
    foreach ($fleet['packages'] as $packageId => $package) {
        $productId = (int) Capsule::table('tblproducts')->insertGetId([
            'type' => 'server', 'gid' => 1, 'name' => $package['name'], 'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1, 'qty' => $packageId % 2 === 1 ? 0 : 999,
            'configoption1' => '1', 'configoption2' => (string) $packageId, 'configoption3' => '1',
            'configoption7' => '',
        ]);
        if ($packageId <= 3) {
            $frankfurt[] = $package['name'];
            Capsule::table('tblproductconfiglinks')->insert(['gid' => $productId, 'pid' => $productId]);
            $option = Capsule::table('tblproductconfigoptions')->insertGetId(
                ['gid' => $productId, 'optionname' => 'Location|Data centre', 'optiontype' => 1]
            );
            foreach (['1|London', '2|Frankfurt'] as $i => $name) {
                Capsule::table('tblproductconfigoptionssub')->insert(
                    ['configid' => $option, 'optionname' => $name, 'sortorder' => $i]
                );
            }
        }
    }
    $sold = implode(', ', $frankfurt);
    say(<<<TXT
        {$db}
        - vfstock_activate() created the addon's tables; the addon's settings are in tbladdonmodules.
        - tblservers: the panel, its API token encrypted as WHMCS stores it.
        - tblproducts: 8 VirtFusionDirect products with Stock Control on, qty deliberately wrong (0 or 999),
          all in group 1 (configoption1); {$sold} are sold in Frankfurt too, through their
          "Location" option (sub-options 1|London, 2|Frankfurt).
        TXT);

    // ---------------------------------------------------------------- 3
    heading('3. The WHMCS cron runs: hooks.php, AfterCronJob');
    $before = quantities();
    include VFSTOCK_ADDON_DIR . '/hooks.php';
    run_hook('AfterCronJob', []);
    say(table($before));
    say(<<<'TXT'

        Every qty now says how many more VPSes of that product the fleet can place (with a 10 % safety
        buffer), summed over its groups. "Bound by" is the resource that runs out first: cpu for the small
        plans, memory for the big ones, storage on lon-hv3 and for the storage plans, and Frankfurt's IPv4
        pool for the plans sold there.
        TXT);

    // ---------------------------------------------------------------- 4
    heading('4. Why does VPS-4 show ' . quantities()[3] . '? Ask the CLI');
    cli($db, ['explain', '3']);

    // ---------------------------------------------------------------- 5
    heading('5. lon-hv1 fills up, and Frankfurt\'s panel answers 503 Service Unavailable');
    $london = $fleet['groups'][1]['hypervisors'];
    $london[0] = Fleet::merge($london[0], ['resources' => ['memory' => [
        'allocated' => 227328, 'free' => 34816, 'percent' => 86,
    ]]]);
    $sim->patchGroup(1, $london);
    $sim->faults([['route' => 'resources', 'id' => 2, 'action' => ['status' => 503]]]);
    $sim->clearRequests();
    run_hook('AfterCronJob', []);
    $cronRequests = count($sim->requests());
    say(<<<TXT
        lon-hv1 now has 34 GiB of memory free instead of 128, and every read of group 2 fails.
        A second cron run reads nothing ({$cronRequests} panel requests): the cron lease holds for 120 minutes.
        The CLI's refresh bypasses leases and forgets cached panel data:
        TXT);
    echo "\n";
    cli($db, ['refresh'], [0, 1]);
    echo "\n";
    say(<<<TXT
        The plans sold in Frankfurt ({$sold}) keep their qty, untouched: counting only part of
        their groups would undercount, and a panel blip must never take them off sale. The others
        follow lon-hv1 filling up. Exit code 1 tells a script that some product was left untouched.
        TXT);

    heading('Done');
    say(sprintf('The demo ran in %.1f s. The simulator is stopped%s.', microtime(true) - $started,
        $keep ? "; the database is kept: {$db}" : ' and the demo database removed'));
    if ($keep) {
        say('Look around:  ' . DEMO_CLI . " --db sqlite:{$db} status");
    }
    say("Next: `make test` runs every test; README.md's \"The CLI\" shows what bin/vfstock can do.");
    $code = 0;
} catch (\Throwable $e) {
    fwrite(STDERR, "\nThe demo failed: " . $e->getMessage() . "\n");
    $code = 1;
} finally {
    $sim?->stop();
    if (!$keep || ($code ?? 1) !== 0) {
        foreach (glob($dir . '/*') ?: [] as $file) {
            @unlink($file);
        }
        @rmdir($dir);
    }
}

exit($code);
