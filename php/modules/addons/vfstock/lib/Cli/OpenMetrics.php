<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * OpenMetrics text (what Prometheus scrapes, and what node_exporter's
 * textfile collector reads): metric families declared in order, each with
 * its `# TYPE`, `# UNIT` and `# HELP` lines and then its samples together,
 * label values escaped, `# EOF` at the end.
 *
 * Only gauges are written: the classic Prometheus text parser (the
 * textfile collector) knows no `info` or `stateset` type, so a state is a
 * gauge per possible value (1 for the current one).
 */
final class OpenMetrics
{
    private const NAME = '/^[a-zA-Z_:][a-zA-Z0-9_:]*$/';

    private const LABEL = '/^[a-zA-Z_][a-zA-Z0-9_]*$/';

    /** @var array<string, array{help: string, unit: ?string, samples: list<string>}> */
    private array $families = [];

    /** Declares a gauge family; with a unit, its name must end in `_{unit}` (OpenMetrics). */
    public function gauge(string $name, string $help, ?string $unit = null): void
    {
        if (preg_match(self::NAME, $name) !== 1 || ($unit !== null && !str_ends_with($name, '_' . $unit))) {
            throw new \InvalidArgumentException("not a metric name: {$name}");
        }
        $this->families[$name] ??= ['help' => $help, 'unit' => $unit, 'samples' => []];
    }

    /**
     * One sample of a declared family.
     *
     * @param array<string, string|int> $labels
     */
    public function sample(string $name, array $labels, int|float $value): void
    {
        if (!isset($this->families[$name])) {
            throw new \InvalidArgumentException("undeclared metric family: {$name}");
        }
        $pairs = [];
        foreach ($labels as $label => $text) {
            if (preg_match(self::LABEL, (string) $label) !== 1) {
                throw new \InvalidArgumentException("not a label name: {$label}");
            }
            $pairs[] = $label . '="' . self::escape((string) $text) . '"';
        }
        $this->families[$name]['samples'][] = $name . ($pairs === [] ? '' : '{' . implode(',', $pairs) . '}') . ' '
            . self::number($value);
    }

    /** How many samples are declared. */
    public function count(): int
    {
        return array_sum(array_map(static fn (array $f): int => count($f['samples']), $this->families));
    }

    /** How many families are declared. */
    public function families(): int
    {
        return count($this->families);
    }

    /** The exposition, ending in `# EOF`. */
    public function text(): string
    {
        $out = '';
        foreach ($this->families as $name => $family) {
            $out .= "# TYPE {$name} gauge\n";
            if ($family['unit'] !== null) {
                $out .= "# UNIT {$name} {$family['unit']}\n";
            }
            $out .= "# HELP {$name} " . self::escape($family['help']) . "\n";
            foreach ($family['samples'] as $sample) {
                $out .= $sample . "\n";
            }
        }

        return $out . "# EOF\n";
    }

    /** A label value or help text: valid UTF-8, with `\`, `"` and line feeds escaped. */
    public static function escape(string $text): string
    {
        if (function_exists('mb_scrub')) {
            $text = mb_scrub($text, 'UTF-8');
        } elseif (preg_match('//u', $text) !== 1) {
            $text = (string) iconv('UTF-8', 'UTF-8//IGNORE', $text);
        }

        return str_replace(['\\', '"', "\n"], ['\\\\', '\\"', '\\n'], $text);
    }

    /** A sample value: integers as they are, +Inf, -Inf, NaN, floats in full. */
    public static function number(int|float $value): string
    {
        if (is_int($value)) {
            return (string) $value;
        }
        if (is_nan($value)) {
            return 'NaN';
        }
        if (is_infinite($value)) {
            return $value > 0 ? '+Inf' : '-Inf';
        }

        return var_export($value, true);
    }
}
