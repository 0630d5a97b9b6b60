<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

/**
 * A product's qty over the last days (State::histories) as an inline SVG
 * step chart with a time axis: dated ticks a week apart, the qty scale on
 * the left, a dot per change (red where the product was sold out), each
 * with its date in a tooltip.
 */
final class Chart
{
    public const DAYS = 30;

    private const WIDTH = 360;
    private const HEIGHT = 120;
    private const LEFT = 36;
    private const RIGHT = 10;
    private const TOP = 10;
    private const BOTTOM = 24;

    private readonly int $since;

    public function __construct(private readonly int $now, private readonly int $days = self::DAYS)
    {
        $this->since = $now - $days * 86400;
    }

    /** Where the chart starts: what State::histories() needs. */
    public function since(): int
    {
        return $this->since;
    }

    /**
     * @param list<array{qty: ?int, status: string, at: int}> $history oldest first; the first may be older
     *        than the window (the value the chart starts with)
     */
    public function svg(array $history, string $name): string
    {
        if ($history === []) {
            return '<span class="text-muted vfstock-no-history">no history yet</span>';
        }
        // In time order (a stable sort: rows of one second keep their order).
        usort($history, static fn (array $a, array $b): int => $a['at'] <=> $b['at']);
        $points = [];
        foreach ($history as $point) {
            $points[] = ['qty' => $point['qty'], 'status' => $point['status'], 'at' => max($this->since, $point['at'])];
        }
        $qtys = array_values(array_filter(array_column($points, 'qty'), static fn ($q): bool => $q !== null));
        $max = self::niceMax($qtys === [] ? 1 : max(1, ...$qtys));

        $w = self::WIDTH;
        $h = self::HEIGHT;
        $x0 = self::LEFT;
        $x1 = $w - self::RIGHT;
        $y0 = self::TOP;
        $y1 = $h - self::BOTTOM;
        $span = max(1, $this->now - $this->since);
        $x = fn (int $t): float => round($x0 + ($x1 - $x0) * ($t - $this->since) / $span, 1);
        $y = static fn (int $q): float => round($y1 - ($y1 - $y0) * min($q, $max) / $max, 1);

        $grid = '';
        foreach ([0, intdiv($max, 2), $max] as $i => $tick) {
            if ($i === 1 && ($tick === 0 || $tick === $max)) {
                continue;
            }
            $ty = $y($tick);
            $grid .= '<line x1="' . $x0 . '" y1="' . $ty . '" x2="' . $x1 . '" y2="' . $ty . '" class="vfstock-grid"'
                . ' stroke="#e5e5e5"/><text x="' . ($x0 - 4) . '" y="' . ($ty + 4) . '" text-anchor="end"'
                . ' class="vfstock-ytick" font-size="12" fill="#777">'
                . Html::e((string) $tick) . '</text>';
        }
        $ticks = '';
        foreach ($this->dayTicks() as $t) {
            $tx = $x($t);
            $ticks .= '<line x1="' . $tx . '" y1="' . $y0 . '" x2="' . $tx . '" y2="' . ($y1 + 4) . '"'
                . ' class="vfstock-grid"'
                . ' stroke="#e5e5e5"/><text x="' . $tx . '" y="' . ($h - 6) . '" text-anchor="middle"'
                . ' class="vfstock-xtick" font-size="12" fill="#777">'
                . Html::e(date('M j', $t)) . '</text>';
        }

        // The step line: each value holds until the next change, the last until now; an unknown qty breaks it.
        $lines = [];
        $line = [];
        $dots = '';
        $n = count($points);
        foreach ($points as $i => $p) {
            if ($p['qty'] === null) {
                $lines[] = $line;
                $line = [];
                continue;
            }
            $from = $x($p['at']);
            $to = $x($i + 1 < $n ? $points[$i + 1]['at'] : $this->now);
            $py = $y($p['qty']);
            $line[] = $from . ',' . $py;
            $line[] = $to . ',' . $py;
            if ($history[$i]['at'] >= $this->since) {
                $dots .= '<circle cx="' . $from . '" cy="' . $py . '" r="2.6" class="vfstock-dot'
                    . ($p['qty'] === 0 ? ' vfstock-dot-zero" fill="#d9534f' : '" fill="#337ab7') . '"><title>'
                    . Html::e(Html::when($history[$i]['at']) . ': qty ' . $p['qty'] . ' (' . $p['status'] . ')')
                    . '</title></circle>';
            }
        }
        $lines[] = $line;
        $polylines = '';
        foreach ($lines as $line) {
            if ($line !== []) {
                $polylines .= '<polyline points="' . Html::e(implode(' ', $line)) . '" class="vfstock-line"'
                    . ' fill="none" stroke="#337ab7" stroke-width="2"/>';
            }
        }

        $shown = array_map(static fn (array $p): string => $p['qty'] === null ? '?' : (string) $p['qty'], $history);
        $title = 'qty of ' . $name . ' over the last ' . $this->days . ' days, from ' . date('M j', $this->since)
            . ' to ' . date('M j', $this->now) . ': ' . implode(' → ', $shown);

        return '<svg class="vfstock-history" xmlns="http://www.w3.org/2000/svg" width="' . $w . '" height="' . $h
            . '" viewBox="0 0 ' . $w . ' ' . $h . '" role="img" aria-label="' . Html::e($title) . '">'
            . '<title>' . Html::e($title) . '</title>'
            . $grid . $ticks
            . '<line x1="' . $x0 . '" y1="' . $y1 . '" x2="' . $x1 . '" y2="' . $y1 . '" class="vfstock-axis"'
            . ' stroke="#999"/>'
            . $polylines
            . $dots
            . '</svg>';
    }

    /**
     * Midnights a week apart, counting back from today's, within the window.
     *
     * @return list<int>
     */
    private function dayTicks(): array
    {
        $today = (int) strtotime('today', $this->now);
        $ticks = [];
        for ($t = $today; $t > $this->since; $t = (int) strtotime('-7 days', $t)) {
            $ticks[] = $t;
        }

        return array_reverse($ticks);
    }

    /** A round top for the scale at or above $max: 8, 20, 60, 150, 4000. */
    private static function niceMax(int $max): int
    {
        if ($max <= 10) {
            return $max;
        }
        $magnitude = 10 ** (int) floor(log10($max));
        foreach ([1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] as $m) {
            $top = $m * $magnitude;
            if ($top >= $max) {
                return $top > PHP_INT_MAX / 2 ? $max : (int) $top;
            }
        }

        return $max;
    }
}
