<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;
use WHMCS\Module\Addon\VfStock\Autoload;

/**
 * The addon's files, read as text: nothing that ships names a path under
 * tests/ (a SQLite database's WHMCS stand-ins are given from outside, with
 * --bootstrap or VFSTOCK_BOOTSTRAP); the command-line tool is split by
 * concept in lib/Cli/, one class per file where WHMCS's addon autoloading
 * looks for it, and bin/vfstock stays thin.
 */
final class AddonLayoutTest extends TestCase
{
    private const PHP = __DIR__ . '/../../php';

    private const ADDON = self::PHP . '/modules/addons/vfstock';

    public static function setUpBeforeClass(): void
    {
        require_once self::ADDON . '/lib/Autoload.php';
        Autoload::register();
    }

    /** @return list<string> every file under php/ (what ships) */
    private static function shipped(): array
    {
        $files = [];
        $iterator = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator(self::PHP, \FilesystemIterator::SKIP_DOTS)
        );
        foreach ($iterator as $file) {
            if ($file instanceof \SplFileInfo && $file->isFile()) {
                $files[] = $file->getPathname();
            }
        }
        sort($files);

        return $files;
    }

    public function testNoProductionFileNamesAPathUnderTests(): void
    {
        $files = self::shipped();
        self::assertContains(realpath(self::ADDON . '/bin/vfstock'), array_map('realpath', $files));
        self::assertGreaterThan(20, count($files));
        $naming = [];
        foreach ($files as $file) {
            $text = (string) file_get_contents($file);
            if (preg_match_all('#^.*tests/.*$#m', $text, $m) > 0) {
                $naming[substr($file, strlen(self::PHP) + 1)] = $m[0];
            }
        }
        self::assertSame([], $naming, 'production files naming a path under tests/');
    }

    public function testTheCommandLineToolIsOneClassPerFileInLibCli(): void
    {
        $dir = self::ADDON . '/lib/Cli';
        $expected = ['Application', 'Bootstrap', 'Breakdown', 'CheckCommand', 'CliError', 'Command', 'Console',
            'ExplainCommand', 'Input', 'MetricsCommand', 'OpenMetrics', 'Progress', 'Recalculation', 'RefreshCommand',
            'StatusCommand', 'Stored', 'TextTable', 'VersionCommand'];
        $found = array_map(static fn (string $f): string => basename($f, '.php'), glob($dir . '/*.php') ?: []);
        sort($found);
        self::assertSame($expected, $found);
        foreach ($found as $class) {
            $text = (string) file_get_contents($dir . '/' . $class . '.php');
            self::assertStringStartsWith(
                "<?php\n\ndeclare(strict_types=1);\n\nnamespace WHMCS\\Module\\Addon\\VfStock\\Cli;\n",
                $text,
                $class
            );
            self::assertMatchesRegularExpression('/^(final |abstract )?class ' . $class . '\b/m', $text, $class);
            self::assertTrue(class_exists('WHMCS\\Module\\Addon\\VfStock\\Cli\\' . $class), "{$class} autoloads");
        }
        foreach (['Cli', 'Bootstrap', 'Breakdown', 'TextTable', 'Progress', 'CliError'] as $moved) {
            self::assertFileDoesNotExist(self::ADDON . '/lib/' . $moved . '.php', "{$moved} moved to lib/Cli/");
        }
        foreach (\WHMCS\Module\Addon\VfStock\Cli\Application::COMMANDS as $name => $class) {
            if ($class !== null) {
                self::assertSame($name, $class::NAME);
                self::assertTrue(is_subclass_of($class, \WHMCS\Module\Addon\VfStock\Cli\Command::class), $class);
            }
        }
    }

    public function testBinVfstockIsThin(): void
    {
        $text = (string) file_get_contents(self::ADDON . '/bin/vfstock');
        self::assertLessThan(45, substr_count($text, "\n"));
        self::assertStringContainsString('new Application(array_slice($argv, 1), dirname(__DIR__), getenv())', $text);
        self::assertStringNotContainsString('Capsule', $text);
    }
}
