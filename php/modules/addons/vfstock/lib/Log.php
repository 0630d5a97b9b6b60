<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * The module log (Utilities > Logs > Module Log), through WHMCS's
 * logModuleCall. Every secret the addon has seen (API tokens) goes in the
 * last argument, which WHMCS masks wherever it appears in the entry.
 */
final class Log
{
    public const MODULE = 'vfstock';

    /** @var list<string> */
    private static array $secrets = [];

    /** Remembers a secret so that every later entry masks it. */
    public static function secret(string $secret): void
    {
        if ($secret !== '' && !in_array($secret, self::$secrets, true)) {
            self::$secrets[] = $secret;
        }
    }

    /**
     * One entry. Never throws: logging must not break a page or the cron.
     *
     * @param list<string> $secrets more values to mask
     */
    public static function call(string $action, mixed $request, mixed $response, array $secrets = []): void
    {
        try {
            if (!function_exists('logModuleCall')) {
                return;
            }
            $mask = [];
            foreach (array_merge(self::$secrets, $secrets) as $secret) {
                if (is_string($secret) && $secret !== '' && !in_array($secret, $mask, true)) {
                    $mask[] = $secret;
                }
            }
            logModuleCall(self::MODULE, $action, $request, $response, '', $mask);
        } catch (\Throwable) {
            // Nowhere left to report to.
        }
    }

    /** $text with every known secret masked, for anything shown to a person. */
    public static function redact(string $text): string
    {
        foreach (self::$secrets as $secret) {
            $text = str_replace($secret, str_repeat('*', strlen($secret)), $text);
        }

        return $text;
    }

    /**
     * One line of WHMCS's activity log (Utilities > Logs > Activity Log),
     * which, unlike the module log, is always kept. Never throws.
     */
    public static function activity(string $text): void
    {
        try {
            if (function_exists('logActivity')) {
                logActivity('VirtFusion Stock Control: ' . self::redact($text));
            }
        } catch (\Throwable) {
            // Nowhere left to report to.
        }
    }

    /** A failure caught at a boundary (a hook, the admin page). */
    public static function failure(string $where, \Throwable $e): void
    {
        self::call($where . ' failed', ['where' => $where], get_class($e) . ': ' . self::redact($e->getMessage()));
    }
}
