<?php

declare(strict_types=1);

namespace VfStock\Tests;

use VfStock\Tests\Whmcs\AddonTestCase;
use VfStock\Tests\Whmcs\MariaDb;
use VfStock\Tests\Whmcs\Process;
use WHMCS\Database\Capsule;
use WHMCS\Module\Addon\VfStock\Schema;

require_once __DIR__ . '/whmcs/AddonTestCase.php';

/**
 * across processes: leases shared by separate PHP processes
 * (WHMCS cron runs, PHP-FPM workers) through the database, and the hooks in
 * a PHP without the extension.
 */
final class AddonProcessTest extends AddonTestCase
{
    private const RACERS = 16;

    protected function setUp(): void
    {
        self::sim();
        parent::setUp();
        $this->setting('autoAccept', '');
        $this->addServer();
    }

    public function testTheCronLeaseHoldsAcrossTwoSeparateProcesses(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $first = $this->childHook('AfterCronJob', []);
        self::assertTrue(json_decode($first['stdout'], true)['extension']);
        self::assertSame(56, $this->qty($p), 'the first cron run refreshed');
        self::assertNotSame([], $this->panelRequests());
        $expires = (int) Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:cron')->value('expires_at');
        self::assertEqualsWithDelta(time() + 7200, $expires, 5, '120 minutes');

        self::sim()->clearRequests();
        self::sim()->patchGroup(1, self::hypervisorsFitting(1, 2));
        $this->childHook('AfterCronJob', []);
        self::assertSame([], $this->panelRequests(), 'a new process, the same lease: nothing read');
        self::assertSame(56, $this->qty($p));

        Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:cron')->update(['expires_at' => 0]);
        $this->childHook('AfterCronJob', []);
        self::assertSame(2, $this->qty($p), 'once it runs out, the next cron run refreshes');
    }

    public function testSixteenProcessesRaceForOneLeaseOnMariaDb(): void
    {
        self::assertSame(1, $this->race('stockrefresh:event', 30), 'a free lease');
        Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:event')->update(['expires_at' => 0]);
        self::assertSame(1, $this->race('stockrefresh:event', 30), 'an expired lease');
        self::assertSame(0, $this->race('stockrefresh:event', 30), 'a held lease');
    }

    public function testSixteenProcessesRaceForOneLeaseOnSqlite(): void
    {
        $file = sys_get_temp_dir() . '/vfstock-leases-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sqlite';
        touch($file);
        try {
            self::useDatabase(['driver' => 'sqlite', 'database' => $file, 'prefix' => '']);
            Schema::create();
            self::assertSame(1, $this->race('stockrefresh:cron', 7200), 'a free lease');
            $expires = (int) Capsule::table(Schema::LEASES)->where('name', 'stockrefresh:cron')->value('expires_at');
            self::assertEqualsWithDelta(time() + 7200, $expires, 5);
            Capsule::table(Schema::LEASES)->update(['expires_at' => 0]);
            self::assertSame(1, $this->race('stockrefresh:cron', 7200), 'an expired lease');
            self::assertSame(0, $this->race('stockrefresh:cron', 7200), 'a held lease');
        } finally {
            self::useDatabase(MariaDb::config());
            foreach ([$file, $file . '-wal', $file . '-shm'] as $f) {
                if (is_file($f)) {
                    unlink($f);
                }
            }
        }
    }

    /**
     * Starts RACERS processes that each connect, then claim $key at the same
     * moment; returns how many won.
     */
    private function race(string $key, int $ttl): int
    {
        $go = sys_get_temp_dir() . '/vfstock-go-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $env = ['VFSTOCK_TEST_DB' => json_encode(self::$db, JSON_THROW_ON_ERROR)];
        $children = [];
        try {
            for ($i = 0; $i < self::RACERS; $i++) {
                $command = Process::php([__DIR__ . '/whmcs/claim.php', $key, (string) $ttl, $go], false);
                $child = Process::start($command, $env);
                fclose($child['pipes'][0]);
                $children[] = $child + ['out' => ''];
            }
            // Wait (bounded) until every racer is connected and waiting.
            $deadline = microtime(true) + 30.0;
            do {
                $ready = 0;
                foreach ($children as &$child) {
                    $chunk = fread($child['pipes'][1], 4096);
                    $child['out'] .= is_string($chunk) ? $chunk : '';
                    $ready += str_contains($child['out'], "ready\n") ? 1 : 0;
                }
                unset($child);
                if ($ready < self::RACERS) {
                    self::assertLessThan($deadline, microtime(true), "only {$ready} racers got ready");
                    usleep(5000);
                }
            } while ($ready < self::RACERS);
            touch($go);

            $won = 0;
            foreach ($children as $child) {
                $result = Process::wait($child, 30.0);
                $out = $child['out'] . $result['stdout'];
                self::assertSame(0, $result['exit'], "a racer failed: {$result['stderr']}{$out}");
                self::assertMatchesRegularExpression('/^ready\n(won|lost)\n$/', $out);
                $won += str_contains($out, "won\n") ? 1 : 0;
            }
            $children = [];

            return $won;
        } finally {
            foreach ($children as $child) {
                Process::wait($child, 0.0);
            }
            if (is_file($go)) {
                unlink($go);
            }
        }
    }

    public function testHooksWithoutTheExtensionLogOneLineAndChangeNothing(): void
    {
        $p = $this->addProduct(['qty' => 3]);
        $vars = self::moduleParams(100, $p);
        $hooks = [
            'AfterModuleCreate' => $vars,
            'AfterModuleTerminate' => $vars,
            'AfterCronJob' => [],
            'ClientAreaPageCart' => ['pid' => $p],
        ];
        foreach ($hooks as $hook => $hookVars) {
            $before = count($this->moduleLog());
            $result = $this->childHook($hook, $hookVars, false);
            self::assertFalse(json_decode($result['stdout'], true)['extension'], 'the child has no extension');
            self::assertSame('', $result['stderr'], "{$hook}: no warning or error");
            $log = array_slice($this->moduleLog(), $before);
            self::assertCount(1, $log, "{$hook}: exactly one log line");
            self::assertSame('extension not loaded', $log[0]->action);
            self::assertStringContainsString('vfstock PHP extension is not loaded', $log[0]->response);
            self::assertStringContainsString('extension=vfstock', $log[0]->response);
        }
        self::assertSame(3, $this->qty($p));
        self::assertSame([], $this->panelRequests());
        self::assertSame(0, Capsule::table(Schema::LEASES)->count());
        self::assertSame(0, Capsule::table(Schema::STATE)->count());
        self::assertSame(0, Capsule::table(Schema::HISTORY)->count());
    }
}
