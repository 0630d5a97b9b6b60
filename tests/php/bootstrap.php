<?php

declare(strict_types=1);

if (!function_exists('vf_capacity_for')) {
    fwrite(
        STDERR,
        "vfstock: the extension is not loaded (vf_capacity_for() is missing).\n"
        . "Run the tests with `make test` (or `make test-php`), which builds it and runs\n"
        . "  php -d extension=target/release/libvfstock.so /usr/bin/phpunit -c tests/php/phpunit.xml\n"
    );
    exit(1);
}

require_once __DIR__ . '/Simulator.php';
require_once __DIR__ . '/SharedSimulator.php';
require_once __DIR__ . '/Fleet.php';
require_once __DIR__ . '/Valgrind.php';
