<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

/**
 * A failure of the command-line tool that ends it with an exit code
 * (Application::USAGE, Application::NO_EXTENSION, Application::NO_DATABASE,
 * …) and a message for the operator.
 */
final class CliError extends \RuntimeException
{
    public function __construct(string $message, public readonly int $exitCode)
    {
        parent::__construct($message, $exitCode);
    }
}
