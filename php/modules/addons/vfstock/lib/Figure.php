<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * How the addon writes a setting's seconds or hours to people: at most one
 * decimal and no trailing zero (1.5, 2, 0.3), on the page and in the CLI.
 */
final class Figure
{
    public static function short(float $n): string
    {
        return rtrim(rtrim(number_format($n, 1, '.', ''), '0'), '.');
    }
}
