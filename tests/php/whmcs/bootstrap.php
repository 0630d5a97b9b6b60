<?php

/**
 * Stand-ins for the parts of WHMCS the addon touches, over a real database.
 *
 * Required lazily by the addon tests (tests/php/Addon*Test.php) and by the
 * child scripts beside this file, never by the extension-only suite:
 * - WHMCS\Database\Capsule is Laravel's real Capsule (Debian's
 *   php-illuminate-database), connected to MariaDB or SQLite;
 * - add_hook/run_hook, localAPI, logModuleCall, encrypt/decrypt and
 *   generate_token/check_token behave like WHMCS's, on a small scale.
 *
 * The connection comes from StandIn::connect(), or in a child process from
 * the VFSTOCK_TEST_DB environment variable (JSON of a Capsule connection).
 */

declare(strict_types=1);

if (!defined('WHMCS')) {
    define('WHMCS', true);
}

require_once 'Illuminate/Database/autoload.php';

if (!class_exists('WHMCS\\Database\\Capsule', false)) {
    class_alias(\Illuminate\Database\Capsule\Manager::class, 'WHMCS\\Database\\Capsule');
}

require_once __DIR__ . '/StandIn.php';
require_once __DIR__ . '/Process.php';
require_once __DIR__ . '/MariaDb.php';
require_once __DIR__ . '/functions.php';
require_once __DIR__ . '/AbstractWidget.php';

if (!defined('VFSTOCK_ADDON_DIR')) {
    /** The addon's directory, as WHMCS lays it out. */
    define('VFSTOCK_ADDON_DIR', dirname(__DIR__, 3) . '/php/modules/addons/vfstock');
}

require_once VFSTOCK_ADDON_DIR . '/lib/Autoload.php';
\WHMCS\Module\Addon\VfStock\Autoload::register();
