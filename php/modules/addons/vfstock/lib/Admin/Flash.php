<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

/**
 * The outcome of an action, kept in the admin's session between the POST
 * and the page it redirects to (Post/Redirect/Get), and shown there once.
 */
final class Flash
{
    private const KEY = 'vfstock_flash';

    /**
     * @param array{kind: string, text: string, check?: list<array<string, mixed>>} $outcome
     */
    public static function put(array $outcome): void
    {
        $_SESSION[self::KEY] = $outcome;
    }

    /**
     * The outcome waiting to be shown, removed as it is read.
     *
     * @return array{kind: string, text: string, check?: list<array<string, mixed>>}|null
     */
    public static function take(): ?array
    {
        $outcome = $_SESSION[self::KEY] ?? null;
        unset($_SESSION[self::KEY]);
        if (!is_array($outcome) || !is_string($outcome['kind'] ?? null) || !is_string($outcome['text'] ?? null)) {
            return null;
        }

        return $outcome;
    }
}
