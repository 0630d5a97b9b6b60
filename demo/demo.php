<?php

/**
 * The vfstock demo (`make demo`): a simulated VirtFusion panel answering in
 * the shapes of VirtFusion's API v7, a SQLite WHMCS database driven by the
 * real addon code, the WHMCS cron, the CLI, a checkout refused in a full
 * Location and accepted in a free one, a pending order holding its place,
 * and one transient panel failure that leaves qty untouched.
 *
 *   php -d extension=target/release/libvfstock.so demo/demo.php [--keep]
 *
 * --keep leaves the demo database behind for `bin/vfstock --db sqlite:…`.
 * The simulator is stopped and the temporary folder removed on every exit.
 *
 * WHMCS itself is played by the stand-ins the addon tests use
 * (tests/php/whmcs/): Laravel's real Capsule over SQLite, add_hook/run_hook,
 * encrypt/decrypt, logModuleCall. The CLI gets them through
 * VFSTOCK_BOOTSTRAP, as any WHMCS-less database must.
 */

declare(strict_types=1);

use VfStock\Tests\Simulator;
use VfStock\Tests\Whmcs\Process;
use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Cli\RefreshCommand;
use WHMCS\Module\Addon\VfStock\Cli\StatusCommand;
use WHMCS\Module\Addon\VfStock\Cli\Stored;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

const DEMO_ROOT = __DIR__ . '/..';
const DEMO_TOKEN = 'vfdemo-api-token-7c1e0b5a9d';
const DEMO_CLI = 'php/modules/addons/vfstock/bin/vfstock';
const DEMO_STANDINS = 'tests/php/whmcs/bootstrap.php';

if (!function_exists('vf_stock_refresh')) {
    fwrite(STDERR, "The vfstock extension is not loaded: run the demo with `make demo`, which builds it and runs\n"
        . "  php -d extension=target/release/libvfstock.so demo/demo.php\n");
    exit(1);
}

require DEMO_ROOT . '/' . DEMO_STANDINS;
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
 * @param list<int> $expect the exit codes that are part of the story
 */
function cli(string $db, array $args, array $expect = [0]): void
{
    echo '  $ vfstock ' . implode(' ', $args) . "\n\n";
    $command = Process::php(array_merge([DEMO_ROOT . '/' . DEMO_CLI, '--db', 'sqlite:' . $db], $args), true);
    $result = Process::run($command, ['VFSTOCK_BOOTSTRAP' => realpath(DEMO_ROOT . '/' . DEMO_STANDINS)], 60.0);
    if ($result['timedOut'] || !in_array($result['exit'], $expect, true)) {
        throw new RuntimeException('`vfstock ' . implode(' ', $args) . "` exited with {$result['exit']}: "
            . trim($result['stderr'] . "\n" . $result['stdout']));
    }
    say($result['stdout']);
    echo "\n  (exit code {$result['exit']})\n";
}

/**
 * Each product's qty before and after, with its last result, from the
 * addon's records (what `vfstock status` reads).
 *
 * @param array<int, int> $before product id => qty
 */
function table(array $before): string
{
    $settings = Settings::load();
    $stored = new Stored();
    $lines = [];
    foreach (State::products() as $view) {
        $line = StatusCommand::line($view, $stored->groups($view), $settings);
        $lines[] = ['previous' => $before[$view['id']] ?? null, 'status' => $line['status'] ?? 'not checked']
            + $line;
    }

    return RefreshCommand::changes($lines);
}

/** @return array<int, int> product id => qty */
function quantities(): array
{
    return array_map('intval', Capsule::table('tblproducts')->pluck('qty', 'id')->all());
}

/**
 * The checkout of one VPS of a product in a Location, as WHMCS runs it: the
 * cart in $_SESSION, then the ShoppingCartValidateCheckout hook.
 *
 * @return list<string> what the hooks refused
 */
function checkout(int $productId, int $option, int $sub): array
{
    $_SESSION['cart'] = ['products' => [['pid' => $productId, 'configoptions' => [$option => $sub], 'qty' => 1]]];
    $errors = [];
    foreach (run_hook('ShoppingCartValidateCheckout', ['userid' => 1]) as $answer) {
        foreach ((array) $answer as $error) {
            $errors[] = (string) $error;
        }
    }

    return $errors;
}

try {
    // ---------------------------------------------------------------- 1
    heading('1. A VirtFusion panel (the simulator), answering as VirtFusion\'s API v7 does');
    $fleet = require __DIR__ . '/fleet.php';
    $sim = new Simulator(['tokens' => [DEMO_TOKEN => ['compute']]] + $fleet);
    say(<<<TXT
        Listening on {$sim->url()}, with a fleet modelled on the design notes' case, every figure in the
        shapes of VirtFusion's API v7 (units, max, allocated, free, percent, a servers cell per hypervisor):
        - 8 packages, all with primaryStorageProfile 4: VPS-1 … VPS-32 (1 to 32 GiB, 1 to 8 cores,
          25 to 640 GB) and STORAGE-1T, STORAGE-2T. Their disks live on mountpoint storage, type code 4,
          in pools with their own ids (23, 28, 30); the default mountpoints are type 0 or 1.
        - group 1, London: lon-hv1, lon-hv2, lon-hv3, sharing one IPv4 pool (each reports the same
          100 free addresses). lon-hv2 takes at most 60 VPSes (maxServers) and its old ssd-mount is
          disabled; lon-hv3's NVMe pool is nearly full.
        - group 2, Frankfurt: fra-hv1 with 32 GiB of memory left and 9 free IPv4 addresses; fra-hv2,
          empty, but without a free IPv4 address of its own (no block bound to it yet); fra-hv3 still
          being commissioned.
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
    $settings = ['buffer' => '10', 'cronInterval' => '120', 'autoAccept' => 'on', 'locationLabel' => 'Location'];
    foreach ($settings as $setting => $value) {
        Capsule::table('tbladdonmodules')->insert(['module' => 'vfstock', 'setting' => $setting, 'value' => $value]);
    }
    Capsule::table('tblservers')->insert([
        'name' => 'VirtFusion (simulated)', 'ipaddress' => '', 'hostname' => substr($sim->url(), 0, -strlen('/api/v1')),
        'type' => 'VirtFusionDirect', 'username' => '', 'password' => encrypt(DEMO_TOKEN), 'accesshash' => '',
        'secure' => 'on', 'port' => null, 'active' => 1, 'disabled' => 0,
    ]);
    $frankfurt = [];
    $locations = []; // product id => [option id, sub-option id by name]
    foreach ($fleet['packages'] as $packageId => $package) {
        $productId = (int) Capsule::table('tblproducts')->insertGetId([
            'type' => 'server', 'gid' => 1, 'name' => $package['name'], 'servertype' => 'VirtFusionDirect',
            'stockcontrol' => 1, 'qty' => $packageId % 2 === 1 ? 0 : 999,
            'configoption1' => '1', 'configoption2' => (string) $packageId, 'configoption3' => '1',
            'configoption7' => '',
        ]);
        if ($packageId <= 4) {
            $frankfurt[] = $package['name'];
            Capsule::table('tblproductconfiglinks')->insert(['gid' => $productId, 'pid' => $productId]);
            $option = (int) Capsule::table('tblproductconfigoptions')->insertGetId(
                ['gid' => $productId, 'optionname' => 'Location|Data centre', 'optiontype' => 1]
            );
            foreach (['1|London', '2|Frankfurt'] as $i => $name) {
                $locations[$productId][1][$name] = (int) Capsule::table('tblproductconfigoptionssub')->insertGetId(
                    ['configid' => $option, 'optionname' => $name, 'sortorder' => $i]
                );
            }
            $locations[$productId][0] = $option;
        }
    }
    $sold = implode(', ', $frankfurt);
    say(<<<TXT
        {$db}
        - vfstock_activate() created the addon's tables; the addon's settings are in tbladdonmodules.
        - tblservers: the panel, its API token encrypted as WHMCS stores it.
        - tblproducts: 8 VirtFusionDirect products with Stock Control on, qty deliberately wrong (0 or 999),
          all in group 1 (configoption1); {$sold} are sold in Frankfurt too: customers
          choose through their "Location" option (sub-options 1|London, 2|Frankfurt).
        TXT);

    // ---------------------------------------------------------------- 3
    heading('3. The WHMCS cron runs: hooks.php, AfterCronJob');
    $before = quantities();
    include VFSTOCK_ADDON_DIR . '/hooks.php';
    run_hook('AfterCronJob', []);
    say(table($before));
    $london = State::product(1)['groups'][1] ?? [];
    $sum = (int) ($london['sum'] ?? 0);
    $cap = (int) ($london['ipv4Cap'] ?? 0);
    say(<<<TXT

        Every qty now says how many more VPSes of that product the fleet can place (with a 10 % safety
        buffer), summed over its Locations. "Bound by" is what runs out first on each hypervisor: cpu on
        lon-hv1, lon-hv2's 60-VPS limit (servers) for the small plans, memory for the big ones, storage on
        lon-hv3 and for the storage plans; in Frankfurt fra-hv1's memory, and fra-hv2's missing IPv4
        addresses (it places nothing). London's hypervisors would hold {$sum} VPS-1, but the {$cap} free
        addresses they share cap it ("IPv4 in London").
        TXT);

    // ---------------------------------------------------------------- 4
    $qty = quantities();
    heading('4. Why does VPS-4 show ' . $qty[3] . '? Ask the CLI');
    say('`vfstock` below is php/modules/addons/vfstock/bin/vfstock --db sqlite:' . $db . ", run with\n"
        . 'VFSTOCK_BOOTSTRAP=' . DEMO_STANDINS . ' (the WHMCS stand-ins: decrypt(), logModuleCall()).');
    echo "\n";
    cli($db, ['explain', '3']);

    // ---------------------------------------------------------------- 5
    heading('5. A customer checks out VPS-8: Frankfurt is full, London is not');
    [$option, $subs] = $locations[4];
    say(<<<TXT
        VPS-8 shows qty {$qty[4]}, all of it in London: fra-hv1 has no 8 GiB left above the buffer and fra-hv2
        cannot give a VPS an address. A cart with VPS-8 in Frankfurt goes through WHMCS's checkout hook
        (ShoppingCartValidateCheckout), which asks the panel whether it can be placed (vf_stock_check):
        TXT);
    echo "\n";
    $refused = checkout(4, $option, $subs['2|Frankfurt']);
    if ($refused === []) {
        throw new RuntimeException('the checkout in Frankfurt was not refused');
    }
    say(wordwrap('Frankfurt: REFUSED. The customer reads: "' . implode('" "', $refused) . '"', 100, "\n           "));
    $accepted = checkout(4, $option, $subs['1|London']);
    if ($accepted !== []) {
        throw new RuntimeException('the checkout in London was refused: ' . implode(' ', $accepted));
    }
    say('London:    accepted (no error): the order is placed.');
    $order = (int) Capsule::table('tblorders')->insertGetId(['status' => 'Pending', 'date' => date('Y-m-d H:i:s')]);
    $service = (int) Capsule::table('tblhosting')->insertGetId(['orderid' => $order, 'packageid' => 4,
        'domain' => '', 'domainstatus' => 'Pending']);
    Capsule::table('tblhostingconfigoptions')->insert(['relid' => $service, 'configid' => $option,
        'optionid' => $subs['1|London']]);
    run_hook('AfterShoppingCartCheckout', ['OrderID' => $order, 'ServiceIDs' => [$service]]);
    $now = quantities()[4];
    echo "\n";
    say(<<<TXT
        The order is Pending until VirtFusion provisions it, so nothing holds its place on the panel yet.
        vfstock reserves it (AfterShoppingCartCheckout refreshed VPS-8 at once): qty {$qty[4]} → {$now}, and the
        next customer cannot buy the same slot. Each Location's own figures, from the addon's records:
        TXT);
    echo "\n";
    cli($db, ['status']);

    // ---------------------------------------------------------------- 6
    heading('6. lon-hv1 fills up, and Frankfurt\'s panel answers 503 Service Unavailable');
    $london = $fleet['groups'][1]['hypervisors'];
    $london[0]['resources']['memory'] = ['units' => 'MB', 'max' => 262144, 'allocated' => 227328, 'free' => 34816,
        'percent' => 86.7];
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
        their Locations would undercount, and a panel blip must never take them off sale. The others
        follow lon-hv1 filling up. Exit code 1 tells a script that some product was left untouched.
        TXT);

    heading('Done');
    say(sprintf(
        'The demo ran in %.1f s. The simulator is stopped%s.',
        microtime(true) - $started,
        $keep ? "; the database is kept: {$db}" : ' and the demo database removed'
    ));
    if ($keep) {
        say('Look around:  VFSTOCK_BOOTSTRAP=' . DEMO_STANDINS . ' php -d extension=target/release/libvfstock.so '
            . DEMO_CLI . " --db sqlite:{$db} status\n"
            . '(also explain <id>, metrics; refresh and check need the simulator, which is stopped now)');
    }
    say("Next: `make test` runs every test; `vfstock --help` shows what else the CLI does (`vfstock metrics`\n"
        . 'writes these figures for Prometheus).');
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
