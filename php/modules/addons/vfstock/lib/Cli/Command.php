<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * One command of the tool (`vfstock status`, …): what it takes and what it
 * does. Application parses the command line, checks what the command
 * declares here, starts WHMCS and calls run().
 */
abstract class Command
{
    /** The command's name on the command line. */
    public const NAME = '';

    /** Options only this command takes (any other command refuses them): option => 'flag' or 'value'. */
    public const OPTIONS = [];

    /** How many operands it takes. */
    public const OPERANDS = 0;

    /** What to say when it is given an operand it does not take (after the default message). */
    protected const OPERAND_HINT = '';

    public function __construct(protected readonly Console $console, protected readonly Input $input)
    {
    }

    /** Runs the command; returns the exit code. */
    abstract public function run(): int;

    /** Whether it reads WHMCS's database (so WHMCS must be found and started first). */
    public function needsDatabase(): bool
    {
        return true;
    }

    /** What needs the extension, when the command cannot start without it (null: it can). */
    public function needsExtension(): ?string
    {
        return null;
    }

    /**
     * A usage error unless the operands are what the command takes.
     *
     * @param list<string> $operands
     */
    public static function checkOperands(array $operands): void
    {
        if (count($operands) > static::OPERANDS) {
            throw new CliError('`vfstock ' . static::NAME . '` takes no argument (\'' . $operands[static::OPERANDS]
                . '\')' . static::OPERAND_HINT, Application::USAGE);
        }
    }

    /** A product id: a whole number > 0, else a usage error. */
    protected static function productId(string $value): int
    {
        $value = trim($value);
        if (preg_match('/^\d{1,18}$/', $value) !== 1 || (int) $value <= 0) {
            throw new CliError(
                "bad product id '{$value}': a product id is a whole number greater than 0",
                Application::USAGE
            );
        }

        return (int) $value;
    }

    /** Prose wrapped for a terminal, each line indented, ending in a newline. */
    protected static function wrap(string $text, string $indent = ''): string
    {
        return $indent . wordwrap($text, 100 - strlen($indent), "\n" . $indent . '  ', false) . "\n";
    }

    protected static function when(?int $timestamp): string
    {
        return $timestamp === null ? '' : date('Y-m-d H:i:s', $timestamp);
    }

    /**
     * "8 products: 5 updated, 3 untouched."
     *
     * @param array<string, int> $counts
     */
    protected static function counted(int $total, array $counts): string
    {
        $parts = [];
        foreach ($counts as $status => $count) {
            if ($count > 0) {
                $parts[] = "{$count} {$status}";
            }
        }

        return $total . ' product' . ($total === 1 ? '' : 's') . ($parts === [] ? '.' : ': ' . implode(', ', $parts)
            . '.');
    }
}
