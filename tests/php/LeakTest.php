<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * A callback that calls exit(), dies of a fatal error or throws must not
 * make the extension leak or touch freed memory. Checked under valgrind's memcheck in a child PHP.
 */
final class LeakTest extends TestCase
{
    use SharedSimulator;

    private const TOKEN = 'leak-test-token';

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        return [
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => ['7' => Fleet::package()],
            'groups' => ['3' => ['name' => 'A', 'hypervisors' => Fleet::hypervisors(3)]],
        ];
    }

    /** @return array<string, array{string, int}> */
    public static function endings(): array
    {
        return [
            'exit() in db.write' => ['exit', 3],
            'a fatal error in db.write' => ['fatal', 255],
            'an exception from db.write' => ['throw', 255],
            'an exception from log' => ['log', 255],
        ];
    }

    /** @dataProvider endings */
    public function testACallbackEndingTheScriptLeaksNothingOfOurs(string $mode, int $exitCode): void
    {
        if (!Valgrind::available()) {
            self::markTestSkipped('valgrind is not installed (make setup installs it)');
        }
        [$code, $stdout, $report] = Valgrind::run(self::child(), [self::sim()->url(), self::TOKEN, $mode]);

        self::assertSame($exitCode, $code, $stdout . $report);
        self::assertStringContainsString("wrote 1\n", $stdout, 'the first product was written before the end');
        self::assertMatchesRegularExpression('/ERROR SUMMARY: 0 errors/', $report, 'no invalid read or write');
        self::assertSame([], Valgrind::ourDefiniteLosses($report), 'no definitely lost block was allocated by vfstock');
    }

    private static function child(): string
    {
        return <<<'PHP'
<?php
[, $url, $token, $mode] = $argv;
$rows = [];
foreach ([1, 2] as $id) {
    $rows[] = ['id' => $id, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
        'configoption1' => '3', 'configoption2' => '7'];
}
$writes = 0;
vf_stock_refresh([
    'api' => ['url' => $url, 'token' => $token],
    'db' => [
        'products' => fn (?array $ids) => $rows,
        'write' => function (int $pid, int $qty) use (&$writes, $mode): void {
            if (++$writes === 1) {
                echo "wrote 1\n";
                return;
            }
            match ($mode) {
                'exit' => exit(3),
                'fatal' => trigger_error('fatal in a callback', E_USER_ERROR),
                'throw' => throw new \DomainException('thrown by a callback'),
                default => null,
            };
        },
    ],
    'log' => function (string $action) use ($mode): void {
        if ($mode === 'log' && $action === 'qty') {
            static $seen = 0;
            if (++$seen === 2) {
                throw new \DomainException('thrown by log');
            }
        }
    },
]);
PHP;
    }
}
