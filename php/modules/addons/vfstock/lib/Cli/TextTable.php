<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * A plain-text table for terminals: columns padded to their widest cell,
 * numbers right-aligned, the last column left ragged.
 */
final class TextTable
{
    /**
     * @param list<string> $header
     * @param list<list<scalar|null>> $rows
     * @param list<int> $right indexes of right-aligned columns
     */
    public static function render(array $header, array $rows, array $right = [], string $indent = ''): string
    {
        $cells = [array_map('strval', $header)];
        foreach ($rows as $row) {
            $cells[] = array_map(static fn (mixed $v): string => self::clean($v), array_values($row));
        }
        $widths = [];
        foreach ($cells as $line) {
            foreach ($line as $i => $cell) {
                $widths[$i] = max($widths[$i] ?? 0, self::width($cell));
            }
        }
        $last = count($widths) - 1;
        $out = '';
        foreach ($cells as $n => $line) {
            $parts = [];
            foreach ($widths as $i => $width) {
                $cell = $line[$i] ?? '';
                $pad = str_repeat(' ', $width - self::width($cell));
                $parts[] = in_array($i, $right, true) ? $pad . $cell : ($i === $last ? $cell : $cell . $pad);
            }
            $out .= $indent . rtrim(implode('  ', $parts)) . "\n";
            if ($n === 0) {
                $out .= $indent . implode('  ', array_map(static fn (int $w): string => str_repeat('-', $w), $widths))
                    . "\n";
            }
        }

        return $out;
    }

    /** One line of text: control characters (a reason's newlines) become spaces. */
    private static function clean(mixed $value): string
    {
        if ($value === null) {
            return '';
        }
        $text = is_bool($value) ? ($value ? 'yes' : 'no') : (string) $value;

        return (string) preg_replace('/[\x00-\x1F\x7F]+/', ' ', $text);
    }

    private static function width(string $text): int
    {
        return function_exists('mb_strwidth') ? mb_strwidth($text, 'UTF-8') : strlen($text);
    }
}
