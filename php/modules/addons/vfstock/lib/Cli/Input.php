<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * The parsed command line: the command, its operands, the flags and the
 * valued options given (each valued option keeps every value, in order).
 */
final class Input
{
    /**
     * @param list<string> $operands
     * @param array<string, true> $flags
     * @param array<string, list<string>> $values
     */
    public function __construct(
        public readonly string $command,
        public readonly array $operands = [],
        private readonly array $flags = [],
        private readonly array $values = [],
    ) {
    }

    public function flag(string $name): bool
    {
        return isset($this->flags[$name]);
    }

    /** The last value of a valued option, or null when it was not given. */
    public function last(string $name): ?string
    {
        $values = $this->values[$name] ?? [];

        return $values === [] ? null : (string) end($values);
    }

    /** @return list<string> every value of a valued option */
    public function values(string $name): array
    {
        return $this->values[$name] ?? [];
    }

    public function json(): bool
    {
        return $this->flag('--json');
    }
}
