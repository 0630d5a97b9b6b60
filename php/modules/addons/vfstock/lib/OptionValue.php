<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * WHMCS configurable options as vfstock reads them, the one place the
 * addon does: an option is found by the part of its name before any `|`
 * (trimmed, case-insensitive), and a sub-option's value is the part of its
 * name before a `|` (`2|Paris` is 2, shown as "Paris"). The extension
 * reads the Location names it is given the same way.
 */
final class OptionValue
{
    /** The part before the first `|`, trimmed. */
    public static function value(string $name): string
    {
        $pipe = strpos($name, '|');

        return trim($pipe === false ? $name : substr($name, 0, $pipe));
    }

    /** The part after the first `|`, trimmed; the whole name when there is none. */
    public static function label(string $name): string
    {
        $pipe = strpos($name, '|');

        return trim($pipe === false ? $name : substr($name, $pipe + 1));
    }

    /** An option's key: its value part, lower-cased, to compare names with. */
    public static function key(string $name): string
    {
        $name = self::value($name);

        return function_exists('mb_strtolower') ? mb_strtolower($name, 'UTF-8') : strtolower($name);
    }

    /** Whether an option called $name is the one called $wanted. */
    public static function is(string $name, string $wanted): bool
    {
        $wanted = self::key($wanted);

        return $wanted !== '' && self::key($name) === $wanted;
    }

    /** The value as a whole number, when it is one (`2|Paris` → 2, ` 7 ` → 7). */
    public static function int(mixed $value): ?int
    {
        if (is_int($value)) {
            return $value;
        }
        if (!is_string($value)) {
            return null;
        }
        $value = self::value($value);

        return preg_match('/^[+-]?\d{1,18}$/', $value) === 1 ? (int) $value : null;
    }

    /** The value as a group id (a whole number > 0). */
    public static function group(mixed $value): ?int
    {
        $id = self::int($value);

        return $id !== null && $id > 0 ? $id : null;
    }
}
