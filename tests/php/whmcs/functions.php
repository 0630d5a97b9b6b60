<?php

/**
 * WHMCS's global functions, as small honest stand-ins (see bootstrap.php).
 */

declare(strict_types=1);

use VfStock\Tests\Whmcs\StandIn;
use WHMCS\Database\Capsule;

/** Registers a hook function, as WHMCS's add_hook does. */
function add_hook(string $hookName, int $priority, callable $function): void
{
    StandIn::$hooks[$hookName][] = ['priority' => $priority, 'function' => $function];
}

/**
 * Runs every function registered for the hook, lowest priority first, and
 * returns their results (WHMCS merges them for ClientAreaPage hooks).
 *
 * @param array<string, mixed> $vars
 * @return list<mixed>
 */
function run_hook(string $hookName, array $vars): array
{
    $hooks = StandIn::$hooks[$hookName] ?? [];
    usort($hooks, static fn (array $a, array $b): int => $a['priority'] <=> $b['priority']);
    $results = [];
    foreach ($hooks as $hook) {
        $results[] = ($hook['function'])($vars);
    }

    return $results;
}

/**
 * The internal API. AcceptOrder marks the order Active, as WHMCS does;
 * every call is recorded (in this process and in standin_localapi).
 *
 * @param array<string, mixed> $values
 * @return array<string, mixed>
 */
function localAPI(string $command, array $values = [], string $adminUser = ''): array
{
    StandIn::$localApiCalls[] = ['command' => $command, 'values' => $values];
    Capsule::table('standin_localapi')->insert([
        'command' => $command,
        'params' => json_encode($values, JSON_THROW_ON_ERROR),
        'created_at' => time(),
    ]);
    if (StandIn::$localApiError !== null) {
        return ['result' => 'error', 'message' => StandIn::$localApiError];
    }
    if (in_array($command, ['TriggerNotificationEvent', 'SendAdminEmail'], true)) {
        return ['result' => 'success'];
    }
    if (strcasecmp($command, 'AcceptOrder') !== 0) {
        return ['result' => 'error', 'message' => 'Command Not Found'];
    }
    $orderId = (int) ($values['orderid'] ?? 0);
    if (!Capsule::table('tblorders')->where('id', $orderId)->exists()) {
        return ['result' => 'error', 'message' => 'Order ID Not Found'];
    }
    Capsule::table('tblorders')->where('id', $orderId)->update(['status' => 'Active']);

    return ['result' => 'success'];
}

/**
 * The module log. Like WHMCS: arrays are printed, then every value of
 * $replaceVars is masked with asterisks wherever it appears; the entry goes
 * to tblmodulelog. The raw call is kept in this process for the tests.
 *
 * @param mixed $requestString
 * @param mixed $responseData
 * @param mixed $processedData
 * @param list<mixed> $replaceVars
 */
function logModuleCall(
    $module,
    $action,
    $requestString,
    $responseData,
    $processedData = '',
    $replaceVars = []
): void {
    StandIn::$moduleLogCalls[] = [
        'module' => $module,
        'action' => $action,
        'request' => $requestString,
        'response' => $responseData,
        'processed' => $processedData,
        'replace' => $replaceVars,
    ];
    $text = static function (mixed $value) use ($replaceVars): string {
        $value = is_array($value) || is_object($value) ? print_r($value, true) : (string) $value;
        foreach ((array) $replaceVars as $secret) {
            if (is_scalar($secret) && (string) $secret !== '') {
                $value = str_replace((string) $secret, str_repeat('*', strlen((string) $secret)), $value);
            }
        }

        return $value;
    };
    Capsule::table('tblmodulelog')->insert([
        'date' => date('Y-m-d H:i:s'),
        'module' => (string) $module,
        'action' => $text($action),
        'request' => $text($requestString),
        'response' => $text($responseData),
        'arrdata' => $text($processedData),
    ]);
}

/** The activity log (Utilities > Logs > Activity Log), as WHMCS writes it. */
function logActivity(string $description, int $userId = 0): void
{
    Capsule::table('tblactivitylog')->insert([
        'date' => date('Y-m-d H:i:s'),
        'description' => $description,
        'userid' => $userId,
    ]);
}

/** WHMCS-style reversible encryption of stored secrets (server passwords). */
function encrypt(string $string): string
{
    $iv = random_bytes(16);
    $cipher = openssl_encrypt($string, 'aes-256-cbc', StandIn::ENCRYPTION_KEY, OPENSSL_RAW_DATA, $iv);

    return base64_encode($iv . $cipher);
}

function decrypt(string $string): string
{
    $raw = base64_decode($string, true);
    if ($raw === false || strlen($raw) < 17) {
        return '';
    }
    $iv = substr($raw, 0, 16);
    $plain = openssl_decrypt(substr($raw, 16), 'aes-256-cbc', StandIn::ENCRYPTION_KEY, OPENSSL_RAW_DATA, $iv);

    return $plain === false ? '' : $plain;
}

/** The CSRF token of the session: a hidden input ('form'), '&token=…' ('link') or the bare value ('plain'). */
function generate_token(string $type = 'form'): string
{
    $token = StandIn::csrfToken();

    return match ($type) {
        'plain' => $token,
        'link' => '&token=' . $token,
        default => '<input type="hidden" name="token" value="' . $token . '" />',
    };
}

/**
 * Checks the request's CSRF token. WHMCS stops the request when it is wrong;
 * the stand-in throws, which ends the request the same way.
 */
function check_token(string $namespace = 'WHMCS.default'): bool
{
    $given = $_POST['token'] ?? $_REQUEST['token'] ?? '';
    if (!is_string($given) || $given === '' || !hash_equals(StandIn::csrfToken(), $given)) {
        throw new \RuntimeException('Invalid CSRF Protection Token');
    }

    return true;
}
