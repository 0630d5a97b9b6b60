<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

/**
 * A failure of the command-line tool that ends it with an exit code
 * (Cli::USAGE, Cli::NO_EXTENSION, Cli::NO_DATABASE, …) and a message for
 * the operator.
 */
final class CliError extends \RuntimeException
{
    public function __construct(string $message, public readonly int $exitCode)
    {
        parent::__construct($message, $exitCode);
    }
}
