<?php

declare(strict_types=1);

namespace VfStock\Tests;

/**
 * One simulator per test class, started from the class's own `scenario()`
 * and stopped after its last test.
 */
trait SharedSimulator
{
    private static ?Simulator $sim = null;

    /** @return array<string, mixed> the fleet the class's tests start from */
    abstract private static function scenario(): array;

    public static function setUpBeforeClass(): void
    {
        self::$sim = new Simulator(self::scenario());
    }

    public static function tearDownAfterClass(): void
    {
        self::$sim?->stop();
        self::$sim = null;
    }

    private static function sim(): Simulator
    {
        self::assertNotNull(self::$sim);

        return self::$sim;
    }
}
