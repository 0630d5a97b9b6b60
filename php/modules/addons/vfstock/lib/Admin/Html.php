<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

/**
 * HTML helpers of the admin page and the widget. Every value that reaches
 * the page goes through e(): nothing is printed raw.
 */
final class Html
{
    /** Text (or an attribute value) escaped; null prints nothing, booleans print yes/no. */
    public static function e(mixed $value): string
    {
        if ($value === null) {
            return '';
        }
        if (is_bool($value)) {
            $value = $value ? 'yes' : 'no';
        }

        return htmlspecialchars(is_scalar($value) ? (string) $value : '', ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }

    /** A fit or an axis for people: "∞" for unlimited (null or PHP_INT_MAX). */
    public static function number(mixed $value): string
    {
        if ($value === null || $value === PHP_INT_MAX) {
            return '∞';
        }

        return is_scalar($value) ? (string) $value : '';
    }

    /** A moment, as WHMCS's admin area shows one. */
    public static function when(int $timestamp): string
    {
        return date('Y-m-d H:i:s', $timestamp);
    }

    /** "5 min ago", "3 h ago", "2 days ago". */
    public static function ago(int $timestamp, int $now): string
    {
        $seconds = max(0, $now - $timestamp);

        return match (true) {
            $seconds < 60 => 'just now',
            $seconds < 3600 => intdiv($seconds, 60) . ' min ago',
            $seconds < 172800 => intdiv($seconds, 3600) . ' h ago',
            default => intdiv($seconds, 86400) . ' days ago',
        };
    }

    /** A Bootstrap 3 label: `<span class="label label-{kind}">text</span>`. */
    public static function label(string $kind, string $text, string $class = '', string $title = ''): string
    {
        return '<span class="label label-' . self::e($kind) . ($class !== '' ? ' ' . self::e($class) : '') . '"'
            . ($title !== '' ? ' title="' . self::e($title) . '"' : '') . '>' . self::e($text) . '</span>';
    }

    /** A Bootstrap 3 panel with a heading; $body is HTML already escaped. */
    public static function panel(
        string $id,
        string $title,
        string $body,
        string $kind = 'default',
        string $after = '',
    ): string {
        return '<div class="panel panel-' . self::e($kind) . ' vfstock-panel" id="' . self::e($id) . '">'
            . '<div class="panel-heading"><h3 class="panel-title">' . self::e($title) . '</h3></div>'
            . ($body !== '' ? '<div class="panel-body">' . $body . '</div>' : '')
            . $after . '</div>';
    }

    /**
     * A table inside .table-responsive; each cell carries its column's name
     * (data-label) so that narrow screens show rows as stacked cards.
     *
     * @param list<string> $head column names
     * @param list<string> $rows `<tr>` HTML, built with cell()
     */
    public static function table(string $class, array $head, array $rows, string $id = ''): string
    {
        $html = '<div class="table-responsive"><table class="table table-condensed ' . self::e($class) . '"'
            . ($id !== '' ? ' id="' . self::e($id) . '"' : '') . '><thead><tr>';
        foreach ($head as $name) {
            $html .= '<th scope="col">' . self::e($name) . '</th>';
        }

        return $html . '</tr></thead><tbody>' . implode('', $rows) . '</tbody></table></div>';
    }

    /** One cell; $html is HTML already escaped, $label its column's name. */
    public static function cell(string $label, string $html, string $class = '', string $extra = ''): string
    {
        return '<td data-label="' . self::e($label) . '"' . ($class !== '' ? ' class="' . self::e($class) . '"' : '')
            . $extra . '>' . $html . '</td>';
    }

    /** "1 VPS", "2 VPSes" and the like. */
    public static function plural(int $count, string $one, string $many): string
    {
        return $count . ' ' . ($count === 1 ? $one : $many);
    }
}
