<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * and the PHP API (`vf_capacity_for`), rule by rule.
 *
 * Every expected value is worked out by hand from the spec; the arithmetic is
 * in the comments. Unless a test is about the buffer, it passes
 * `['buffer' => 0]` so the reserve is 0 and fit = floor(free / need).
 */
final class CapacityTest extends TestCase
{
    private const ROW_KEYS = [
        'id', 'name', 'eligible', 'skipped', 'memory', 'cpu', 'storage', 'servers', 'ipv4', 'fits', 'binding', 'pool',
        'ipv4Free',
    ];
    private const TOP_KEYS = ['fits', 'unbounded', 'ipv4Cap', 'hypervisors'];
    private const REASONS = ['disabled', 'not commissioned', 'prohibited', 'malformed'];
    private const NO_BUFFER = ['buffer' => 0];
    /** Only the memory axis counts: need 1 MB, cpu and storage need nothing. */
    private const MEMORY_ONLY = ['memory' => 1, 'cpuCores' => 0, 'primaryStorage' => 0];
    /** Only the storage axis counts: 10 GB of type code 0 (local storage). */
    private const STORAGE_ONLY = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 0];

    // ------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------

    /**
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     */
    private static function capacity(mixed $package, mixed $resources, array $options = self::NO_BUFFER): array
    {
        return vf_capacity_for($package, $resources, $options);
    }

    /**
     * The breakdown row of a group holding just $entry.
     *
     * @param array<string, mixed> $package
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     */
    private static function row(array $package, mixed $entry, array $options = self::NO_BUFFER): array
    {
        return self::capacity(Fleet::package($package), Fleet::group([$entry]), $options)['hypervisors'][0];
    }

    /**
     * An eligible hypervisor that does not report IPv4 (so no cap gets in the way).
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    private static function hv(int $id, array $overrides = []): array
    {
        $entry = Fleet::hypervisor($id, Fleet::ipv4Free(null));

        return Fleet::merge($entry, $overrides);
    }

    /**
     * An eligible, non-IPv4-reporting hypervisor whose memory cell is {max, free}.
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    private static function memoryHv(int $id, mixed $max, mixed $free, array $overrides = []): array
    {
        return Fleet::merge(self::hv($id, ['resources' => ['memory' => Fleet::cell($max, $free)]]), $overrides);
    }

    /**
     * An eligible hypervisor with the given local storage and other pools.
     *
     * @param array<string, mixed>|string $local
     * @param list<mixed> $others
     * @return array<string, mixed>
     */
    private static function storageHv(array|string $local, array $others = []): array
    {
        $entry = self::hv(1);
        $entry['resources']['localStorage'] = $local;
        $entry['resources']['otherStorage'] = $others;

        return $entry;
    }

    /**
     * @param array<string, mixed> $row
     */
    private static function assertSkippedRow(array $row, string $reason): void
    {
        self::assertSame(self::ROW_KEYS, array_keys($row));
        self::assertFalse($row['eligible']);
        self::assertSame($reason, $row['skipped']);
        self::assertNull($row['memory']);
        self::assertNull($row['cpu']);
        self::assertNull($row['storage']);
        self::assertNull($row['fits']);
        self::assertNull($row['binding']);
    }

    // ------------------------------------------------------------------
    // result shape
    // ------------------------------------------------------------------

    public function testResultHasTheTopLevelKeysInSpecOrderWithTheirTypes(): void
    {
        // memory: floor(4096 / 1024) = 4 (buffer 0)
        $result = self::capacity(
            Fleet::package(['memory' => 1024, 'cpuCores' => 0, 'primaryStorage' => 0]),
            Fleet::group([self::memoryHv(1, 8192, 4096)]),
        );

        self::assertSame(self::TOP_KEYS, array_keys($result));
        self::assertSame(4, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
        self::assertSame(array_values($result['hypervisors']), $result['hypervisors']);
        self::assertCount(1, $result['hypervisors']);
    }

    public function testEligibleRowHasTheSpecKeysInOrderAndValues(): void
    {
        // memory: floor(4096/1024) = 4; cpu: floor(8/2) = 4; storage: floor(50/10) = 5
        // fits = min(4, 4, 5) = 4, binding memory (tie with cpu: memory first).
        $entry = Fleet::hypervisor(7, [
            'hypervisor' => ['name' => 'node-7'],
            'resources' => [
                'memory' => Fleet::cell(8192, 4096),
                'cpuCores' => Fleet::cell(8, 8),
                'localStorage' => ['max' => 100, 'free' => 50],
                'network' => ['total' => ['ipv4' => ['free' => 12]]],
            ],
        ]);
        $row = self::row(['memory' => 1024, 'cpuCores' => 2, 'primaryStorage' => 10], $entry);

        self::assertSame([
            'id' => 7,
            'name' => 'node-7',
            'eligible' => true,
            'skipped' => null,
            'memory' => 4,
            'cpu' => 4,
            'storage' => 5,
            'servers' => null,
            'ipv4' => 12,
            'fits' => 4,
            'binding' => 'memory',
            'pool' => 'localStorage',
            'ipv4Free' => 12,
        ], $row);
    }

    public function testRowsFollowTheOrderOfDataOnePerEntryIncludingSkippedOnes(): void
    {
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(30, 100, 3),
            'not an entry',
            self::memoryHv(10, 100, 1, ['hypervisor' => ['enabled' => false]]),
            self::memoryHv(20, 100, 2),
        ]));

        self::assertCount(4, $result['hypervisors']);
        self::assertSame(30, $result['hypervisors'][0]['id']);
        self::assertSame('malformed', $result['hypervisors'][1]['skipped']);
        self::assertSame(10, $result['hypervisors'][2]['id']);
        self::assertSame(20, $result['hypervisors'][3]['id']);
        foreach ($result['hypervisors'] as $row) {
            self::assertSame(self::ROW_KEYS, array_keys($row));
        }
        // sum of the eligible: 3 + 2 = 5
        self::assertSame(5, $result['fits']);
    }

    // ------------------------------------------------------------------
    // reading values
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{mixed, int}>
     */
    public static function numberReadings(): array
    {
        return [
            'int' => [12, 12],
            'float truncated' => [12.9, 12],
            'float just under one' => [0.99, 0],
            'numeric string' => ['12', 12],
            'numeric string with spaces' => [' 12 ', 12],
            'decimal string truncated' => ['12.5', 12],
            'decimal string 12.99' => ['12.99', 12],
            'negative int' => [-12, -12],
            'non-numeric string' => ['abc', 0],
            'leading-numeric string' => ['12abc', 0],
            'empty string' => ['', 0],
            'true' => [true, 0],
            'false' => [false, 0],
            'null' => [null, 0],
            'list' => [[12], 0],
            'object' => [['value' => 12], 0],
        ];
    }

    /**
     * The memory cell's `free` is read as a number; with max 1000, need 1 and
     * buffer 0 the fit is the number itself when positive, else 0.
     *
     * @dataProvider numberReadings
     */
    public function testFreeIsReadAsANumber(mixed $free, int $read): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, 1000, $free));

        self::assertSame(max($read, 0), $row['memory']);
        self::assertSame(max($read, 0), $row['fits']);
    }

    /**
     * The package's `memory` (the need) is read as a number; a need that
     * reads ≤ 0 is unlimited (null), else fit = floor(60 / need).
     *
     * @return array<string, array{mixed, ?int}>
     */
    public static function needReadings(): array
    {
        return [
            'int 7 → floor(60/7) = 8' => [7, 8],
            'float 7.9 → 7 → 8' => [7.9, 8],
            'string "7" → 8' => ['7', 8],
            'string " 7 " → 8' => [' 7 ', 8],
            'string "7.9" → 7 → 8' => ['7.9', 8],
            'float 0.9 → 0 → unlimited' => [0.9, null],
            'float -0.5 → 0 → unlimited' => [-0.5, null],
            'string "0.5" → 0 → unlimited' => ['0.5', null],
            'string "abc" → 0 → unlimited' => ['abc', null],
            'true → 0 → unlimited' => [true, null],
            'null → 0 → unlimited' => [null, null],
            'array → 0 → unlimited' => [[7], null],
            'missing → 0 → unlimited' => [Fleet::REMOVE, null],
        ];
    }

    /**
     * @dataProvider needReadings
     */
    public function testPackageNeedIsReadAsANumber(mixed $need, ?int $expected): void
    {
        $package = ['memory' => $need, 'cpuCores' => 0, 'primaryStorage' => 0];
        $row = self::row($package, self::memoryHv(1, 100, 60));

        self::assertSame($expected, $row['memory']);
        self::assertSame($expected, $row['fits']);
    }

    /**
     * Flags: true, a non-zero number, a non-empty string other than "0".
     *
     * @return array<string, array{mixed, bool}>
     */
    public static function flagReadings(): array
    {
        return [
            'true' => [true, true],
            'false' => [false, false],
            'int 1' => [1, true],
            'int 2' => [2, true],
            'int -1' => [-1, true],
            'int 0' => [0, false],
            'float 0.5' => [0.5, true],
            'float 0.0' => [0.0, false],
            'string "1"' => ['1', true],
            'string "yes"' => ['yes', true],
            'string "false" (non-empty, not "0")' => ['false', true],
            'string "0.0" (non-empty, not "0")' => ['0.0', true],
            'string "0"' => ['0', false],
            'empty string' => ['', false],
            'null' => [null, false],
            'list' => [[1], false],
            'object' => [['on' => true], false],
            'missing' => [Fleet::REMOVE, false],
        ];
    }

    /**
     * @dataProvider flagReadings
     */
    public function testEnabledIsReadAsAFlag(mixed $value, bool $truthy): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, 100, 5, ['hypervisor' => ['enabled' => $value]]));

        self::assertSame($truthy, $row['eligible']);
        self::assertSame($truthy ? null : 'disabled', $row['skipped']);
        self::assertSame($truthy ? 5 : null, $row['fits']);
    }

    /**
     * @dataProvider flagReadings
     */
    public function testProhibitIsReadAsAFlag(mixed $value, bool $truthy): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, 100, 5, ['hypervisor' => ['prohibit' => $value]]));

        self::assertSame(!$truthy, $row['eligible']);
        self::assertSame($truthy ? 'prohibited' : null, $row['skipped']);
    }

    /**
     * The localStorage `enabled` flag decides the storage axis for code ≤ 0:
     * floor(50 / 10) = 5 when enabled, else 0.
     *
     * @dataProvider flagReadings
     */
    public function testLocalStorageEnabledIsReadAsAFlag(mixed $value, bool $truthy): void
    {
        $local = Fleet::merge(Fleet::pool(0, 100, 50), ['enabled' => $value]);
        $row = self::row(self::STORAGE_ONLY, self::storageHv($local));

        self::assertSame($truthy ? 5 : 0, $row['storage']);
    }

    public function testStorageTypeCodeIsReadAsANumber(): void
    {
        // code "2.9" → 2; the only type-2 pool is 'fast': floor(30 / 10) = 3
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => '2.9'];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 1000, 1000), [
            Fleet::pool(3, 1000, 900, ['name' => 'other']),
            Fleet::pool(2, 1000, 30, ['name' => 'fast']),
        ]));

        self::assertSame(3, $row['storage']);
        self::assertSame('fast', $row['pool']);
    }

    // ------------------------------------------------------------------
    // eligibility
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{array<string, mixed>, string}>
     */
    public static function ineligibleHypervisors(): array
    {
        return [
            'enabled false' => [['enabled' => false], 'disabled'],
            'enabled missing' => [['enabled' => Fleet::REMOVE], 'disabled'],
            'commissioned false' => [['commissioned' => false], 'not commissioned'],
            'commissioned 0' => [['commissioned' => 0], 'not commissioned'],
            'commissioned missing' => [['commissioned' => Fleet::REMOVE], 'not commissioned'],
            'prohibit true' => [['prohibit' => true], 'prohibited'],
            'prohibit "1"' => [['prohibit' => '1'], 'prohibited'],
        ];
    }

    /**
     * @dataProvider ineligibleHypervisors
     * @param array<string, mixed> $flags
     */
    public function testIneligibleHypervisorIsSkippedWithItsReason(array $flags, string $reason): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, 100, 50, ['hypervisor' => $flags]));

        self::assertSkippedRow($row, $reason);
    }

    public function testHypervisorWithoutProhibitKeyIsEligible(): void
    {
        $entry = Fleet::without(self::memoryHv(1, 100, 50), 'hypervisor.prohibit');
        $row = self::row(self::MEMORY_ONLY, $entry);

        self::assertTrue($row['eligible']);
        self::assertNull($row['skipped']);
        self::assertSame(50, $row['fits']);
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function malformedEntries(): array
    {
        $good = Fleet::hypervisor(1);

        return [
            'entry is a string' => ['junk'],
            'entry is an int' => [42],
            'entry is null' => [null],
            'entry is true' => [true],
            'hypervisor is a string' => [Fleet::with($good, 'hypervisor', 'hv1')],
            'hypervisor is null' => [Fleet::with($good, 'hypervisor', null)],
            'hypervisor is missing' => [Fleet::without($good, 'hypervisor')],
            'hypervisor is a list' => [Fleet::with($good, 'hypervisor', [1, 2, 3])],
            'resources is an int' => [Fleet::with($good, 'resources', 5)],
            'resources is a string' => [Fleet::with($good, 'resources', '{}')],
            'resources is missing' => [Fleet::without($good, 'resources')],
            'resources is a list' => [Fleet::with($good, 'resources', [1, 2])],
        ];
    }

    /**
     * @dataProvider malformedEntries
     */
    public function testEntryOfTheWrongShapeIsSkippedAsMalformed(mixed $entry): void
    {
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([$entry]));

        self::assertCount(1, $result['hypervisors']);
        self::assertSkippedRow($result['hypervisors'][0], 'malformed');
        self::assertSame(0, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
    }

    public function testMalformedEntriesInJsonAreSkippedToo(): void
    {
        // data[0] is a JSON array (not an object); data[1] has a list as hypervisor;
        // data[2] is a good hypervisor: floor(9 / 1) = 9.
        $json = '{"data":[[1,2],{"hypervisor":[1],"resources":{}},'
            . Fleet::json(self::memoryHv(3, 100, 9)) . ']}';
        $result = self::capacity(Fleet::json(Fleet::package(self::MEMORY_ONLY)), $json);

        self::assertSame('malformed', $result['hypervisors'][0]['skipped']);
        self::assertSame('malformed', $result['hypervisors'][1]['skipped']);
        self::assertNull($result['hypervisors'][2]['skipped']);
        self::assertSame(9, $result['fits']);
    }

    /**
     * A skipped hypervisor that, were it counted, would make the group
     * unlimited (memory max 0) and cap IPv4 at 2.
     *
     * @return array<string, array{array<string, mixed>, string}>
     */
    public static function skippedButGenerous(): array
    {
        $generous = self::memoryHv(2, 0, 0, Fleet::ipv4Free(2));

        return [
            'disabled' => [Fleet::merge($generous, ['hypervisor' => ['enabled' => false]]), 'disabled'],
            'not commissioned' => [
                Fleet::merge($generous, ['hypervisor' => ['commissioned' => false]]),
                'not commissioned',
            ],
            'prohibited' => [Fleet::merge($generous, ['hypervisor' => ['prohibit' => true]]), 'prohibited'],
            'malformed hypervisor' => [Fleet::with($generous, 'hypervisor', 'x'), 'malformed'],
        ];
    }

    /**
     * @dataProvider skippedButGenerous
     * @param array<string, mixed> $skipped
     */
    public function testSkippedHypervisorAddsNothingToTheSumNorTheIpv4Cap(array $skipped, string $reason): void
    {
        // eligible: floor(5 / 1) = 5, no IPv4 report. The skipped one would make
        // the sum unlimited and the cap 2 — but it counts for nothing: fits 5.
        $result = self::capacity(
            Fleet::package(self::MEMORY_ONLY),
            Fleet::group([self::memoryHv(1, 100, 5), $skipped]),
        );

        self::assertSame($reason, $result['hypervisors'][1]['skipped']);
        self::assertSame(5, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
    }

    // ------------------------------------------------------------------
    // fit(cell, need)
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{mixed}>
     */
    public static function nonPositiveNeeds(): array
    {
        return ['zero' => [0], 'negative' => [-512], 'non-numeric' => ['lots']];
    }

    /**
     * @dataProvider nonPositiveNeeds
     */
    public function testNeedOfZeroOrLessIsUnlimitedEvenWithoutACell(mixed $need): void
    {
        // need ≤ 0 is checked first: the missing memory cell does not matter.
        $entry = Fleet::without(self::memoryHv(1, 100, 0), 'resources.memory');
        $row = self::row(['memory' => $need, 'cpuCores' => 0, 'primaryStorage' => 0], $entry);

        self::assertTrue($row['eligible']);
        self::assertNull($row['memory']);
        self::assertNull($row['fits']);
        self::assertNull($row['binding']);
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function brokenCells(): array
    {
        return [
            'missing' => [Fleet::REMOVE],
            'an int' => [5000],
            'a string' => ['{"max":100,"free":100}'],
            'null' => [null],
            'a list' => [[100, 100]],
        ];
    }

    /**
     * @dataProvider brokenCells
     */
    public function testMissingOrNonObjectCellFitsZero(mixed $cell): void
    {
        $entry = Fleet::merge(self::hv(1), ['resources' => ['memory' => $cell]]);
        $row = self::row(['memory' => 1024, 'cpuCores' => 1, 'primaryStorage' => 0], $entry);

        self::assertSame(0, $row['memory']);
        self::assertSame(0, $row['fits']);
        self::assertSame('memory', $row['binding']);
    }

    public function testMissingCpuCellFitsZeroAndBindsCpu(): void
    {
        $entry = Fleet::without(self::memoryHv(1, 100, 50), 'resources.cpuCores');
        $row = self::row(['memory' => 1, 'cpuCores' => 1, 'primaryStorage' => 0], $entry);

        self::assertSame(50, $row['memory']);
        self::assertSame(0, $row['cpu']);
        self::assertSame(0, $row['fits']);
        self::assertSame('cpu', $row['binding']);
    }

    /**
     * @return array<string, array{mixed, mixed}>
     */
    public static function noQuotaCells(): array
    {
        return [
            'max 0, free negative' => [0, -50],
            'max 0, free 0' => [0, 0],
            'max negative, free positive' => [-1, 10],
            'max "0"' => ['0', 10],
            'max missing' => [Fleet::REMOVE, -5],
            'max non-numeric' => ['n/a', -5],
        ];
    }

    /**
     * @dataProvider noQuotaCells
     */
    public function testMaxOfZeroOrLessIsUnlimitedWhateverFree(mixed $max, mixed $free): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, $max, $free), ['buffer' => 50]);

        self::assertNull($row['memory']);
        self::assertNull($row['fits']);
    }

    /**
     * @return array<string, array{int, int, int, int, int}>
     */
    public static function bufferArithmetic(): array
    {
        return [
            // reserve = ceil(1001·10/100) = ceil(100.1) = 101; avail = 600 − 101 = 499; floor(499/100) = 4
            // (a reserve of free would be 60 → 5; a floored reserve 100 → 5)
            'reserve is a ceiled share of max, not of free' => [1001, 600, 100, 10, 4],
            // reserve = ceil(1000·10/100) = 100; avail = 1000 − 100 = 900; floor(900/100) = 9
            'whole reserve' => [1000, 1000, 100, 10, 9],
            // reserve = 10; avail = 10 − 10 = 0 → 0
            'avail exactly zero' => [100, 10, 1, 10, 0],
            // reserve = 10; avail = 5 − 10 = −5 → 0
            'avail negative' => [100, 5, 1, 10, 0],
            // reserve = 0; avail = 999; floor(999/100) = 9
            'floor of the division' => [1000, 999, 100, 0, 9],
            // reserve = ceil(3·33/100) = ceil(0.99) = 1; avail = 3 − 1 = 2
            'tiny reserve rounds up to one' => [3, 3, 1, 33, 2],
            // reserve = ceil(100·100/100) = 100 → avail 0
            'buffer 100 reserves everything' => [100, 100, 1, 100, 0],
            // free above max is taken as is: reserve 10; avail 500 − 10 = 490
            'free above max' => [100, 500, 10, 10, 49],
        ];
    }

    /**
     * @dataProvider bufferArithmetic
     */
    public function testFitAppliesTheReserveThenDividesByNeed(
        int $max,
        int $free,
        int $need,
        int $buffer,
        int $expected
    ): void {
        $row = self::row(
            ['memory' => $need, 'cpuCores' => 0, 'primaryStorage' => 0],
            self::memoryHv(1, $max, $free),
            ['buffer' => $buffer],
        );

        self::assertSame($expected, $row['memory']);
    }

    /**
     * @return array<string, array{int, int}>
     */
    public static function hugeReserves(): array
    {
        // max = free = PHP_INT_MAX = 2^63 − 1, need 1
        return [
            // ceil((2^63−1)·50/100) = ceil(2^62 − 0.5) = 2^62; avail = 2^62 − 1
            'buffer 50' => [50, 4611686018427387903],
            // ceil((2^63−1)/100) = 92233720368547759; avail = 9131138316486228048
            'buffer 1' => [1, 9131138316486228048],
            // ceil((2^63−1)·99/100) = 9131138316486228049; avail = 92233720368547758
            'buffer 99' => [99, 92233720368547758],
            'buffer 100' => [100, 0],
            'buffer 0' => [0, PHP_INT_MAX],
        ];
    }

    /**
     * @dataProvider hugeReserves
     */
    public function testReserveIsExactIntegerArithmeticWithoutOverflow(int $buffer, int $expected): void
    {
        $row = self::row(self::MEMORY_ONLY, self::memoryHv(1, PHP_INT_MAX, PHP_INT_MAX), ['buffer' => $buffer]);

        self::assertSame($expected, $row['memory']);
    }

    public function testDefaultBufferIsTenPercent(): void
    {
        // no options: b = 10; reserve = ceil(1000·10/100) = 100; floor((1000 − 100)/100) = 9
        $result = vf_capacity_for(
            Fleet::package(['memory' => 100, 'cpuCores' => 0, 'primaryStorage' => 0]),
            Fleet::group([self::memoryHv(1, 1000, 1000)]),
        );

        self::assertSame(9, $result['fits']);
    }

    public function testBufferAppliesToCpuAndStorageCellsToo(): void
    {
        // b = 10. cpu: reserve ceil(16·10/100) = 2; floor((16 − 2)/2) = 7.
        // storage: reserve ceil(1000·10/100) = 100; floor((1000 − 100)/10) = 90.
        $entry = self::hv(1, ['resources' => [
            'cpuCores' => Fleet::cell(16, 16),
            'localStorage' => ['max' => 1000, 'free' => 1000],
        ]]);
        $row = self::row(['memory' => 0, 'cpuCores' => 2, 'primaryStorage' => 10], $entry, ['buffer' => 10]);

        self::assertSame(7, $row['cpu']);
        self::assertSame(90, $row['storage']);
        self::assertSame(7, $row['fits']);
        self::assertSame('cpu', $row['binding']);
    }

    // ------------------------------------------------------------------
    // storage axis
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{mixed}>
     */
    public static function noStorageNeeds(): array
    {
        return ['zero' => [0], 'negative' => [-10], 'missing' => [Fleet::REMOVE], 'non-numeric' => ['none']];
    }

    /**
     * @dataProvider noStorageNeeds
     */
    public function testPrimaryStorageOfZeroOrLessIsUnlimitedWithNoPool(mixed $primaryStorage): void
    {
        // even without any storage at all, and with a type code no pool has
        $entry = Fleet::without(self::hv(1), 'resources.localStorage');
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => $primaryStorage, 'primaryStorageProfile' => 9];
        $row = self::row($package, $entry);

        self::assertNull($row['storage']);
        self::assertNull($row['pool']);
        self::assertNull($row['fits']);
    }

    public function testTypeCodeSelectsPoolsByStorageTypeNotById(): void
    {
        // code 2. Pool id 2 'bulk' is of type 1 → not a candidate (it would give 100).
        // 'fast' (id 7, type 2): floor(25 / 10) = 2.
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 2];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 5000, 5000, ['id' => 2]), [
            Fleet::pool(1, 1000, 1000, ['id' => 2, 'name' => 'bulk']),
            Fleet::pool(2, 1000, 25, ['id' => 7, 'name' => 'fast']),
        ]));

        self::assertSame(2, $row['storage']);
        self::assertSame('fast', $row['pool']);
        self::assertSame('storage', $row['binding']);
    }

    public function testDefaultMountpointIsACandidateLikeAnyOtherPool(): void
    {
        // code 3: localStorage (type 3) floor(500/10) = 50; 'small' (type 3) floor(25/10) = 2 → best 50
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 3];
        $row = self::row($package, self::storageHv(Fleet::pool(3, 1000, 500), [
            Fleet::pool(3, 1000, 25, ['name' => 'small']),
        ]));

        self::assertSame(50, $row['storage']);
        self::assertSame('localStorage', $row['pool']);
    }

    public function testTypeCodeIgnoresLocalStorageOfAnotherType(): void
    {
        // code 3: localStorage is type 0 → not a candidate; 'small': floor(25/10) = 2
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 3];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 1000, 1000), [
            Fleet::pool(3, 1000, 25, ['name' => 'small']),
        ]));

        self::assertSame(2, $row['storage']);
        self::assertSame('small', $row['pool']);
    }

    public function testTypeCodeTakesTheBestEnabledCandidate(): void
    {
        // code 4: 'a' floor(30/10) = 3, 'b' floor(70/10) = 7, 'c' floor(50/10) = 5 → 7 from 'b'
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 4];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            Fleet::pool(4, 100, 30, ['name' => 'a']),
            Fleet::pool(4, 100, 70, ['name' => 'b']),
            Fleet::pool(4, 100, 50, ['name' => 'c']),
        ]));

        self::assertSame(7, $row['storage']);
        self::assertSame('b', $row['pool']);
    }

    public function testDisabledCandidatesNeverVetoNorWin(): void
    {
        // code 4: 'full' disabled (fit would be 0), 'huge' disabled (would be 1000),
        // 'ok' enabled: floor(40/10) = 4 → 4 from 'ok'
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 4];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            Fleet::pool(4, 100, 0, ['name' => 'full', 'enabled' => false]),
            Fleet::pool(4, 10000, 10000, ['name' => 'huge', 'enabled' => false]),
            Fleet::pool(4, 100, 40, ['name' => 'ok']),
        ]));

        self::assertSame(4, $row['storage']);
        self::assertSame('ok', $row['pool']);
    }

    public function testDisabledDefaultMountpointDoesNotVetoAnEnabledPeer(): void
    {
        // code 4: localStorage disabled (type 4, free 0), 'peer' floor(60/10) = 6
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 4];
        $row = self::row($package, self::storageHv(Fleet::pool(4, 100, 0, ['enabled' => false]), [
            Fleet::pool(4, 100, 60, ['name' => 'peer']),
        ]));

        self::assertSame(6, $row['storage']);
        self::assertSame('peer', $row['pool']);
    }

    public function testOnlyDisabledCandidatesFitZero(): void
    {
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 4];
        $row = self::row($package, self::storageHv(Fleet::pool(4, 100, 100, ['enabled' => false]), [
            Fleet::pool(4, 100, 100, ['name' => 'x', 'enabled' => false]),
            Fleet::pool(4, 100, 100, ['name' => 'y', 'enabled' => Fleet::REMOVE]),
        ]));

        self::assertSame(0, $row['storage']);
        self::assertSame(0, $row['fits']);
        self::assertSame('storage', $row['binding']);
    }

    public function testNoCandidateFitsZero(): void
    {
        // code 9: no pool has storageType 9 (one has id 9)
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 9];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 1000, 1000, ['id' => 9]), [
            Fleet::pool(1, 1000, 1000, ['id' => 9, 'name' => 'nine']),
        ]));

        self::assertSame(0, $row['storage']);
        self::assertSame(0, $row['fits']);
        self::assertSame('storage', $row['binding']);
        self::assertNull($row['pool']);
    }

    public function testNonObjectStorageEntriesAreIgnored(): void
    {
        // code 5: the junk entries are ignored; 'c' floor(50/10) = 5
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 5];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            'junk', 5, null, [5, 100, 100],
            Fleet::pool(5, 100, 50, ['name' => 'c']),
        ]));

        self::assertSame(5, $row['storage']);
        self::assertSame('c', $row['pool']);
    }

    public function testNonObjectOtherStorageListIsNoCandidate(): void
    {
        // code 5: otherStorage is a string, localStorage of type 0 → no candidate → 0
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 5];
        $entry = self::hv(1);
        $entry['resources']['otherStorage'] = 'none';
        $row = self::row($package, $entry);

        self::assertSame(0, $row['storage']);
    }

    public function testUnnamedPoolIsNamedByItsIndexInOtherStorage(): void
    {
        // code 6: index 0 is type 1 (not a candidate), index 1 has no name: floor(80/10) = 8
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 6];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            Fleet::pool(1, 1000, 1000, ['name' => 'other']),
            Fleet::pool(6, 100, 80),
        ]));

        self::assertSame(8, $row['storage']);
        self::assertSame('otherStorage[1]', $row['pool']);
    }

    public function testUnnamedPoolIndexCountsIgnoredNonObjectEntries(): void
    {
        // otherStorage[0] is not an object (ignored), the pool is otherStorage[1]
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 6];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), ['junk', Fleet::pool(6, 100, 80)]));

        self::assertSame(8, $row['storage']);
        self::assertSame('otherStorage[1]', $row['pool']);
    }

    public function testTiedPoolsPreferTheDefaultMountpoint(): void
    {
        // code 3: localStorage floor(50/10) = 5, 'twin' floor(59/10) = 5 → tie → localStorage
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 3];
        $row = self::row($package, self::storageHv(Fleet::pool(3, 100, 50), [
            Fleet::pool(3, 100, 59, ['name' => 'twin']),
        ]));

        self::assertSame(5, $row['storage']);
        self::assertSame('localStorage', $row['pool']);
    }

    public function testTiedOtherPoolsPreferTheFirstListed(): void
    {
        // code 3: 'first' floor(55/10) = 5, 'second' floor(59/10) = 5: equal fits → 'first'
        // (localStorage is type 0, not a candidate)
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 3];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            Fleet::pool(3, 100, 55, ['name' => 'first']),
            Fleet::pool(3, 100, 59, ['name' => 'second']),
        ]));

        self::assertSame(5, $row['storage']);
        self::assertSame('first', $row['pool']);
    }

    public function testUnlimitedCandidateIsTheBest(): void
    {
        // code 3: 'quota' floor(50/10) = 5; 'open' has max 0 → unlimited → storage null
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => 3];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 100, 100), [
            Fleet::pool(3, 100, 50, ['name' => 'quota']),
            Fleet::pool(3, 0, -1, ['name' => 'open']),
        ]));

        self::assertNull($row['storage']);
        self::assertSame('open', $row['pool']);
        self::assertNull($row['fits']);
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function localCodes(): array
    {
        return ['zero' => [0], 'negative' => [-1], 'missing' => [Fleet::REMOVE], 'null' => [null], 'text' => ['ssd']];
    }

    /**
     * @dataProvider localCodes
     */
    public function testCodeOfZeroOrLessUsesLocalStorage(mixed $code): void
    {
        // localStorage: floor(95/10) = 9 whatever its storageType; type-0 others are ignored
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => $code];
        $row = self::row($package, self::storageHv(Fleet::pool(7, 1000, 95), [
            Fleet::pool(0, 1000, 1000, ['name' => 'big']),
        ]));

        self::assertSame(9, $row['storage']);
        self::assertSame('localStorage', $row['pool']);
    }

    /**
     * @dataProvider localCodes
     */
    public function testCodeOfZeroOrLessWithDisabledLocalStorageFitsZero(mixed $code): void
    {
        // localStorage disabled → 0, even though an enabled type-0 pool has room
        $package = ['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 10, 'primaryStorageProfile' => $code];
        $row = self::row($package, self::storageHv(Fleet::pool(0, 1000, 1000, ['enabled' => false]), [
            Fleet::pool(0, 1000, 1000, ['name' => 'big']),
        ]));

        self::assertSame(0, $row['storage']);
        self::assertSame(0, $row['fits']);
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function brokenLocalStorage(): array
    {
        return ['missing' => [Fleet::REMOVE], 'string' => ['local'], 'int' => [1], 'list' => [[true, 0, 100, 100]]];
    }

    /**
     * @dataProvider brokenLocalStorage
     */
    public function testCodeOfZeroOrLessWithoutALocalStorageObjectFitsZero(mixed $local): void
    {
        $entry = Fleet::merge(self::hv(1), ['resources' => ['localStorage' => $local]]);
        $row = self::row(self::STORAGE_ONLY, $entry);

        self::assertTrue($row['eligible']);
        self::assertSame(0, $row['storage']);
        self::assertSame(0, $row['fits']);
    }

    // ------------------------------------------------------------------
    // axes: min and binding
    // ------------------------------------------------------------------

    /**
     * Package: memory 1024, cpu 2, storage 10 (local). Each axis fit is
     * free / need with buffer 0; cells have max 1_000_000.
     *
     * @return array<string, array{int, int, int, int, string}>
     */
    public static function bindingCases(): array
    {
        return [
            // memory 3072/1024 = 3, cpu 10/2 = 5, storage 40/10 = 4
            'memory smallest' => [3072, 10, 40, 3, 'memory'],
            // 5, 4/2 = 2, 4
            'cpu smallest' => [5120, 4, 40, 2, 'cpu'],
            // 5, 5, 10/10 = 1
            'storage smallest' => [5120, 10, 10, 1, 'storage'],
            // 3, 3, 3 → first of memory, cpu, storage
            'three-way tie' => [3072, 6, 30, 3, 'memory'],
            // 5, 2, 2 → cpu before storage
            'cpu and storage tie' => [5120, 4, 20, 2, 'cpu'],
            // 2, 5, 2 → memory before storage
            'memory and storage tie' => [2048, 10, 20, 2, 'memory'],
            // 0 memory is binding at zero
            'zero memory' => [0, 10, 40, 0, 'memory'],
        ];
    }

    /**
     * @dataProvider bindingCases
     */
    public function testHypervisorFitsTheMinimumAxisAndNamesIt(
        int $memoryFree,
        int $cpuFree,
        int $storageFree,
        int $fits,
        string $binding
    ): void {
        $entry = self::hv(1, ['resources' => [
            'memory' => Fleet::cell(1000000, $memoryFree),
            'cpuCores' => Fleet::cell(1000000, $cpuFree),
            'localStorage' => ['max' => 1000000, 'free' => $storageFree],
        ]]);
        $row = self::row(['memory' => 1024, 'cpuCores' => 2, 'primaryStorage' => 10], $entry);

        self::assertSame($fits, $row['fits']);
        self::assertSame($binding, $row['binding']);
    }

    public function testUnlimitedAxesAreIgnoredByTheMinimum(): void
    {
        // memory unlimited (need 0); cpu 8/2 = 4; storage 40/10 = 4 → 4, binding cpu
        $entry = self::hv(1, ['resources' => [
            'cpuCores' => Fleet::cell(100, 8),
            'localStorage' => ['max' => 1000, 'free' => 40],
        ]]);
        $row = self::row(['memory' => 0, 'cpuCores' => 2, 'primaryStorage' => 10], $entry);

        self::assertNull($row['memory']);
        self::assertSame(4, $row['cpu']);
        self::assertSame(4, $row['storage']);
        self::assertSame(4, $row['fits']);
        self::assertSame('cpu', $row['binding']);
    }

    public function testHypervisorIsUnlimitedOnlyWhenAllThreeAxesAre(): void
    {
        // memory and cpu cells have max 0 (no quota), storage need 0
        $entry = self::hv(1, ['resources' => ['memory' => Fleet::cell(0, -1), 'cpuCores' => Fleet::cell(0, 0)]]);
        $row = self::row(['memory' => 1024, 'cpuCores' => 2, 'primaryStorage' => 0], $entry);

        self::assertTrue($row['eligible']);
        self::assertNull($row['memory']);
        self::assertNull($row['cpu']);
        self::assertNull($row['storage']);
        self::assertNull($row['fits']);
        self::assertNull($row['binding']);
    }

    // ------------------------------------------------------------------
    // one group: sum, IPv4, unbounded
    // ------------------------------------------------------------------

    public function testGroupFitsTheSumOfEligibleHypervisors(): void
    {
        // 3 + 4 + 0 = 7
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 3),
            self::memoryHv(2, 100, 4),
            self::memoryHv(3, 100, 0),
        ]));

        self::assertSame(7, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
    }

    public function testFiniteFitOfPhpIntMaxIsStillBounded(): void
    {
        // one hypervisor: PHP_INT_MAX / 1 = PHP_INT_MAX, a finite fit
        $result = self::capacity(
            Fleet::package(self::MEMORY_ONLY),
            Fleet::group([self::memoryHv(1, PHP_INT_MAX, PHP_INT_MAX)]),
        );

        self::assertSame(PHP_INT_MAX, $result['hypervisors'][0]['fits']);
        self::assertSame(PHP_INT_MAX, $result['fits']);
        self::assertFalse($result['unbounded']);
    }

    /**
     * @return array<string, array{list<int>}>
     */
    public static function overflowingSums(): array
    {
        return [
            'two at PHP_INT_MAX' => [[PHP_INT_MAX, PHP_INT_MAX]],
            'just past PHP_INT_MAX' => [[PHP_INT_MAX - 5, 6]],
            'many large' => [[PHP_INT_MAX >> 1, PHP_INT_MAX >> 1, PHP_INT_MAX >> 1, 1]],
        ];
    }

    /**
     * @dataProvider overflowingSums
     * @param list<int> $frees
     */
    public function testSumSaturatesAtPhpIntMaxAndStaysBounded(array $frees): void
    {
        $entries = [];
        foreach ($frees as $i => $free) {
            $entries[] = self::memoryHv($i + 1, PHP_INT_MAX, $free);
        }
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group($entries));

        self::assertSame(PHP_INT_MAX, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
    }

    public function testSumJustBelowPhpIntMaxIsExact(): void
    {
        // (PHP_INT_MAX − 10) + 9 = PHP_INT_MAX − 1
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, PHP_INT_MAX, PHP_INT_MAX - 10),
            self::memoryHv(2, PHP_INT_MAX, 9),
        ]));

        self::assertSame(PHP_INT_MAX - 1, $result['fits']);
    }

    public function testAnUnlimitedHypervisorMakesTheGroupUnbounded(): void
    {
        // hv1 fits 3; hv2 memory max 0 → unlimited; no IPv4 report → unbounded
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 3),
            self::memoryHv(2, 0, 0),
        ]));

        self::assertTrue($result['unbounded']);
        self::assertSame(PHP_INT_MAX, $result['fits']);
        self::assertNull($result['ipv4Cap']);
        self::assertSame(3, $result['hypervisors'][0]['fits']);
        self::assertNull($result['hypervisors'][1]['fits']);
    }

    public function testIpv4CapBoundsAnUnlimitedSum(): void
    {
        // sum unlimited, hv2 reports 6 free IPv4 → cap 6 → fits min(∞, 6) = 6
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 3),
            self::memoryHv(2, 0, 0, Fleet::ipv4Free(6)),
        ]));

        self::assertFalse($result['unbounded']);
        self::assertSame(6, $result['ipv4Cap']);
        self::assertSame(6, $result['fits']);
    }

    public function testZeroIpv4CapMakesAnUnlimitedSumFitZero(): void
    {
        // package needs nothing → unlimited; IPv4 free 0 → cap 0 → fits 0, not unbounded
        $result = self::capacity(
            Fleet::package(['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 0]),
            Fleet::group([Fleet::hypervisor(1, Fleet::ipv4Free(0))]),
        );

        self::assertSame(0, $result['ipv4Cap']);
        self::assertSame(0, $result['fits']);
        self::assertFalse($result['unbounded']);
    }

    public function testPackageNeedingNothingOnAnEligibleHypervisorIsUnbounded(): void
    {
        $result = self::capacity('{}', Fleet::group([self::hv(1)]));

        self::assertTrue($result['unbounded']);
        self::assertSame(PHP_INT_MAX, $result['fits']);
        self::assertNull($result['ipv4Cap']);
    }

    public function testIpv4CapIsTheMaximumOverReportersNotTheSum(): void
    {
        // fits 10 + 10 = 20; IPv4 free 3 and 8 → cap max(3, 8) = 8 (a sum would give 11)
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 10, Fleet::ipv4Free(3)),
            self::memoryHv(2, 100, 10, Fleet::ipv4Free(8)),
        ]));

        self::assertSame(8, $result['ipv4Cap']);
        self::assertSame(8, $result['fits']);
        self::assertSame(3, $result['hypervisors'][0]['ipv4Free']);
        self::assertSame(8, $result['hypervisors'][1]['ipv4Free']);
    }

    public function testIpv4CapAboveTheSumLeavesTheSum(): void
    {
        // fits 3 + 4 = 7; cap 100 → min(7, 100) = 7
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            Fleet::hypervisor(1, ['resources' => ['memory' => Fleet::cell(100, 3)]]),
            Fleet::hypervisor(2, ['resources' => ['memory' => Fleet::cell(100, 4)]]),
        ]));

        self::assertSame(100, $result['ipv4Cap']);
        self::assertSame(7, $result['fits']);
    }

    public function testIpv4IsNeverBuffered(): void
    {
        // b = 50 halves memory (reserve 50 → floor(50/1) = 50), but the IPv4 cap stays floor(10/1) = 10
        $result = self::capacity(
            Fleet::package(self::MEMORY_ONLY),
            Fleet::group([self::memoryHv(1, 100, 100, Fleet::ipv4Free(10))]),
            ['buffer' => 50],
        );

        self::assertSame(50, $result['hypervisors'][0]['memory']);
        self::assertSame(10, $result['ipv4Cap']);
        self::assertSame(10, $result['fits']);
    }

    /**
     * @return array<string, array{mixed, mixed, ?int}>
     */
    public static function ipv4Reports(): array
    {
        // hv1 reports $a, hv2 reports $b; each fits 50; k = 1
        return [
            'null is not reporting' => [null, 4, 4],
            'both null: no cap' => [null, null, null],
            'negative reads as a cap of 0' => [-5, Fleet::REMOVE, 0],
            'negative next to a positive' => [-5, 6, 6],
            'numeric string' => ['7', null, 7],
            'float truncated' => [7.9, null, 7],
            'non-numeric string reads 0' => ['many', null, 0],
            'false reads 0' => [false, null, 0],
            'missing is not reporting' => [Fleet::REMOVE, Fleet::REMOVE, null],
        ];
    }

    /**
     * @dataProvider ipv4Reports
     */
    public function testIpv4FreeIsReadFromEachEligibleReporter(mixed $a, mixed $b, ?int $cap): void
    {
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 50, Fleet::ipv4Free($a)),
            self::memoryHv(2, 100, 50, Fleet::ipv4Free($b)),
        ]));

        // sum = 50 + 50 = 100; fits = min(100, cap)
        self::assertSame($cap, $result['ipv4Cap']);
        self::assertSame($cap ?? 100, $result['fits']);
        self::assertFalse($result['unbounded']);
    }

    public function testMissingNetworkBranchIsNotReporting(): void
    {
        $entry = Fleet::hypervisor(1, ['resources' => ['memory' => Fleet::cell(100, 9)]]);
        $entry = Fleet::without($entry, 'resources.network');
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([$entry]));

        self::assertNull($result['ipv4Cap']);
        self::assertSame(9, $result['fits']);
        self::assertNull($result['hypervisors'][0]['ipv4Free']);
    }

    /**
     * @return array<string, array{mixed, int}>
     */
    public static function ipv4Options(): array
    {
        // IPv4 free 10: cap = floor(10 / k)
        return [
            'default k = 1' => [Fleet::REMOVE, 10],
            'k = 1' => [1, 10],
            'k = 2' => [2, 5],
            'k = 3 floors' => [3, 3],
            'k = 10' => [10, 1],
            'k = 11 leaves none' => [11, 0],
            'k = -4 is taken as 1' => [-4, 10],
            'k = "" is taken as 1' => ['', 10],
        ];
    }

    /**
     * @dataProvider ipv4Options
     */
    public function testIpv4OptionDividesTheFreeAddresses(mixed $k, int $cap): void
    {
        $options = $k === Fleet::REMOVE ? ['buffer' => 0] : ['buffer' => 0, 'ipv4' => $k];
        $result = self::capacity(
            Fleet::package(self::MEMORY_ONLY),
            Fleet::group([self::memoryHv(1, 1000, 1000, Fleet::ipv4Free(10))]),
            $options,
        );

        self::assertSame($cap, $result['ipv4Cap']);
        self::assertSame($cap, $result['fits']);
    }

    public function testIpv4ZeroIsAnIpv6OnlyPlanThatNoAddressLimits(): void
    {
        $result = self::capacity(
            Fleet::package(self::MEMORY_ONLY),
            Fleet::group([self::memoryHv(1, 1000, 1000, Fleet::ipv4Free(0))]),
            ['buffer' => 0, 'ipv4' => 0],
        );

        self::assertNull($result['ipv4Cap']);
        self::assertSame(1000, $result['fits']);
        self::assertNull($result['hypervisors'][0]['ipv4']);
        self::assertSame('memory', $result['hypervisors'][0]['binding']);
    }

    public function testIpv4OptionAppliesBeforeTakingTheMaximum(): void
    {
        // k = 2: floor(3/2) = 1, floor(9/2) = 4 → cap 4
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), Fleet::group([
            self::memoryHv(1, 100, 50, Fleet::ipv4Free(3)),
            self::memoryHv(2, 100, 50, Fleet::ipv4Free(9)),
        ]), ['buffer' => 0, 'ipv4' => 2]);

        self::assertSame(4, $result['ipv4Cap']);
        self::assertSame(4, $result['fits']);
    }

    public function testEmptyGroupFitsZero(): void
    {
        $result = self::capacity(Fleet::package(), Fleet::group([]));

        self::assertSame(['fits' => 0, 'unbounded' => false, 'ipv4Cap' => null, 'hypervisors' => []], $result);
    }

    public function testEmptyGroupFitsZeroEvenForAPackageNeedingNothing(): void
    {
        $result = self::capacity('{"memory":0}', '{"data":[]}');

        self::assertSame(0, $result['fits']);
        self::assertFalse($result['unbounded']);
    }

    public function testGroupWithNoEligibleHypervisorFitsZero(): void
    {
        // all skipped, the package needs nothing (each would be unlimited), IPv4 reported
        $result = self::capacity(
            Fleet::package(['memory' => 0, 'cpuCores' => 0, 'primaryStorage' => 0]),
            Fleet::group([
                Fleet::hypervisor(1, ['hypervisor' => ['enabled' => false]]),
                Fleet::hypervisor(2, ['hypervisor' => ['commissioned' => false]]),
                Fleet::hypervisor(3, ['hypervisor' => ['prohibit' => true]]),
                'junk',
            ]),
        );

        self::assertSame(0, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertNull($result['ipv4Cap']);
        self::assertSame(
            ['disabled', 'not commissioned', 'prohibited', 'malformed'],
            array_column($result['hypervisors'], 'skipped'),
        );
    }

    // ------------------------------------------------------------------
    // options
    // ------------------------------------------------------------------

    /**
     * Memory max 100, free 100, need 1: fit = 100 − b.
     *
     * @return array<string, array{mixed, int}>
     */
    public static function bufferOptions(): array
    {
        return [
            'absent → 10' => [Fleet::REMOVE, 90],
            'int 0' => [0, 100],
            'int 25' => [25, 75],
            'int 100' => [100, 0],
            'float 12.9 → 12' => [12.9, 88],
            'string "30"' => ['30', 70],
            'string "12.5" → 12' => ['12.5', 88],
            'string " 12 " → 12' => [' 12 ', 88],
            'blank string → 10' => ['', 90],
            'spaces → 10' => ['   ', 90],
            'null → 10' => [null, 90],
            'non-numeric → 10' => ['lots', 90],
            'above 100 → 100' => [150, 0],
            'string "250" → 100' => ['250', 0],
            'negative → 0' => [-5, 100],
            'string "-1" → 0' => ['-1', 100],
            'huge int → 100' => [PHP_INT_MAX, 0],
        ];
    }

    /**
     * @dataProvider bufferOptions
     */
    public function testBufferOptionIsReadLikeConfigoption7(mixed $buffer, int $expected): void
    {
        $options = $buffer === Fleet::REMOVE ? [] : ['buffer' => $buffer];
        $group = Fleet::group([self::memoryHv(1, 100, 100)]);
        $result = self::capacity(Fleet::package(self::MEMORY_ONLY), $group, $options);

        self::assertSame($expected, $result['fits']);
    }

    // ------------------------------------------------------------------
    // input forms
    // ------------------------------------------------------------------

    /**
     * A mixed fleet, worked by hand (buffer default 10, ipv4 k = 2).
     * Package: memory 2048, cpu 2, storage 40 of type 3.
     *
     * @return array{array<string, mixed>, array<string, mixed>}
     */
    private static function mixedFleet(): array
    {
        $package = Fleet::package([
            'memory' => 2048, 'cpuCores' => 2, 'primaryStorage' => 40, 'primaryStorageProfile' => 3,
        ]);
        $resources = Fleet::group([
            // memory: reserve ceil(32768·0.1) = 3277; "20000.7" → 20000; (20000 − 3277)/2048 = 8.16 → 8
            // cpu: reserve ceil(1.6) = 2; (16 − 2)/2 = 7
            // storage: local is type 0; 'nvme' type 3: reserve 100; (500 − 100)/40 = 10
            // fits min(8, 7, 10) = 7, binding cpu; IPv4 9 → floor(9/2) = 4
            Fleet::hypervisor(1, ['resources' => [
                'memory' => Fleet::cell(32768, '20000.7'),
                'cpuCores' => Fleet::cell(16, 16),
                'otherStorage' => [Fleet::pool(3, 1000, 500, ['name' => 'nvme'])],
                'network' => ['total' => ['ipv4' => ['free' => 9]]],
            ]]),
            // disabled: ignored, and so is its IPv4 (100)
            Fleet::hypervisor(2, ['hypervisor' => ['enabled' => false]]),
            // memory: reserve ceil(1638.4) = 1639; (16384 − 1639)/2048 = 7.2 → 7
            // cpu: max 0 → unlimited
            // storage: local type 3: reserve 20; (200 − 20)/40 = 4.5 → 4; the unnamed
            // type-3 pool is disabled (ignored). fits min(7, 4) = 4, binding storage
            // IPv4 11 → floor(11/2) = 5
            Fleet::hypervisor(3, ['resources' => [
                'memory' => Fleet::cell(16384, 16384),
                'cpuCores' => Fleet::cell(0, -3),
                'localStorage' => ['storageType' => 3, 'max' => 200, 'free' => 200],
                'otherStorage' => [Fleet::pool(3, 100000, 100000, ['enabled' => false])],
                'network' => ['total' => ['ipv4' => ['free' => 11]]],
            ]]),
        ]);

        return [$package, $resources];
    }

    /**
     * @param array<string, mixed> $result
     */
    private static function assertMixedFleetResult(array $result): void
    {
        // sum = 7 + 4 = 11; ipv4Cap = max(4, 5) = 5; fits = min(11, 5) = 5
        self::assertSame(5, $result['fits']);
        self::assertFalse($result['unbounded']);
        self::assertSame(5, $result['ipv4Cap']);
        [$one, $two, $three] = $result['hypervisors'];
        // hv one reports 8 free addresses of its own: 8 / 2 = 4 VPSes.
        self::assertSame([8, 7, 10, 4, 4, 'ipv4', 'nvme'], [
            $one['memory'], $one['cpu'], $one['storage'], $one['ipv4'], $one['fits'], $one['binding'], $one['pool'],
        ]);
        self::assertSame('disabled', $two['skipped']);
        self::assertSame([7, null, 4, 4, 'storage', 'localStorage'], [
            $three['memory'], $three['cpu'], $three['storage'], $three['fits'], $three['binding'], $three['pool'],
        ]);
    }

    public function testArraysAndJsonStringsGiveIdenticalResults(): void
    {
        [$package, $resources] = self::mixedFleet();
        $options = ['ipv4' => 2];

        $fromArrays = vf_capacity_for($package, $resources, $options);
        self::assertMixedFleetResult($fromArrays);

        self::assertSame($fromArrays, vf_capacity_for(Fleet::json($package), Fleet::json($resources), $options));
        self::assertSame($fromArrays, vf_capacity_for(Fleet::json($package), $resources, $options));
        self::assertSame($fromArrays, vf_capacity_for($package, Fleet::json($resources), $options));
    }

    public function testPackageBodyWithDataObjectEqualsTheBarePackage(): void
    {
        [$package, $resources] = self::mixedFleet();
        $options = ['ipv4' => 2];

        $bare = vf_capacity_for($package, $resources, $options);
        $body = vf_capacity_for(['data' => $package], $resources, $options);
        $bodyJson = vf_capacity_for(Fleet::json(['data' => $package]), $resources, $options);

        self::assertMixedFleetResult($body);
        self::assertSame($bare, $body);
        self::assertSame($bare, $bodyJson);
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function nonObjectPackageData(): array
    {
        return ['string' => ['x'], 'int' => [5], 'null' => [null], 'list' => [[1, 2]]];
    }

    /**
     * The package is `body.data` only when that is an object; otherwise the
     * body itself is the package.
     *
     * @dataProvider nonObjectPackageData
     */
    public function testPackageBodyWhoseDataIsNotAnObjectIsThePackageItself(mixed $data): void
    {
        // the body's own memory 10: floor(95 / 10) = 9
        $package = ['data' => $data, 'memory' => 10, 'cpuCores' => 0, 'primaryStorage' => 0];
        $result = self::capacity($package, Fleet::group([self::memoryHv(1, 100, 95)]));

        self::assertSame(9, $result['fits']);
    }

    public function testJsonFloatsAreTruncatedLikePhpFloats(): void
    {
        // need 7.9 → 7; free 99.9 → 99; floor(99 / 7) = 14
        $package = '{"memory":7.9,"cpuCores":0,"primaryStorage":0}';
        $resources = Fleet::json(Fleet::group([self::memoryHv(1, 1000.0, 99.9)]));

        self::assertSame(14, self::capacity($package, $resources)['fits']);
    }

    // ------------------------------------------------------------------
    // errors at the boundary
    // ------------------------------------------------------------------

    /**
     * @return array<string, array{string, string}>
     */
    public static function invalidJson(): array
    {
        return [
            'truncated package' => ['package', '{"memory": '],
            'package with trailing comma' => ['package', '{"memory": 1,}'],
            'package not JSON at all' => ['package', 'memory=1024'],
            'empty package string' => ['package', ''],
            'truncated resources' => ['resources', '{"data": ['],
            'resources single quotes' => ['resources', "{'data': []}"],
        ];
    }

    /**
     * @dataProvider invalidJson
     */
    public function testInvalidJsonStringThrowsNamingTheArgument(string $argument, string $json): void
    {
        $package = $argument === 'package' ? $json : Fleet::package();
        $resources = $argument === 'resources' ? $json : Fleet::group([]);

        try {
            vf_capacity_for($package, $resources);
            self::fail('expected an InvalidArgumentException');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsStringIgnoringCase($argument, $e->getMessage());
        }
    }

    /**
     * @return array<string, array{string}>
     */
    public static function nonObjectPackages(): array
    {
        return [
            'list' => ['[1,2]'],
            'list keyed like one' => ['{"0": 1, "1": 2}'],
            'number' => ['5'],
            'string' => ['"package"'],
            'null' => ['null'],
            'true' => ['true'],
        ];
    }

    /**
     * @dataProvider nonObjectPackages
     */
    public function testPackageWhoseTopLevelIsNotAnObjectThrows(string $json): void
    {
        $this->expectException(\InvalidArgumentException::class);
        vf_capacity_for($json, Fleet::group([]));
    }

    /**
     * @return array<string, array{mixed}>
     */
    public static function resourcesWithoutDataList(): array
    {
        return [
            'json empty object' => ['{}'],
            'json data number' => ['{"data":5}'],
            'json data object' => ['{"data":{"a":1}}'],
            'json data null' => ['{"data":null}'],
            'json data string' => ['{"data":"[]"}'],
            'json top-level list' => ['[]'],
            'json top-level list of entries' => ['[{"hypervisor":{},"resources":{}}]'],
            'json number' => ['42'],
            'array without data' => [['current_page' => 1]],
            'array data string' => [['data' => 'x']],
            'array data int' => [['data' => 3]],
            'array data object' => [['data' => ['first' => Fleet::hypervisor(1)]]],
        ];
    }

    /**
     * @dataProvider resourcesWithoutDataList
     */
    public function testResourcesWithoutADataListThrows(mixed $resources): void
    {
        $this->expectException(\InvalidArgumentException::class);
        vf_capacity_for(Fleet::package(), $resources);
    }

    /**
     * @return array<string, array{string, mixed}>
     */
    public static function wrongArgumentTypes(): array
    {
        return [
            'package int' => ['package', 42],
            'package null' => ['package', null],
            'package object' => ['package', new \stdClass()],
            'package float' => ['package', 1.5],
            'package bool' => ['package', true],
            'resources int' => ['resources', 42],
            'resources null' => ['resources', null],
            'resources object' => ['resources', (object) ['data' => []]],
            'options string' => ['options', 'buffer=10'],
            'options null' => ['options', null],
        ];
    }

    /**
     * @dataProvider wrongArgumentTypes
     */
    public function testWrongArgumentTypesThrowTypeErrorOrInvalidArgument(string $argument, mixed $value): void
    {
        $args = [Fleet::package(), Fleet::group([]), []];
        $args[['package' => 0, 'resources' => 1, 'options' => 2][$argument]] = $value;

        try {
            vf_capacity_for(...$args);
            self::fail('expected a TypeError or InvalidArgumentException');
        } catch (\TypeError | \InvalidArgumentException $e) {
            self::assertNotSame('', $e->getMessage());
        }
    }

    /**
     * @return array<string, array{array<array-key, mixed>, string}>
     */
    public static function unknownOptions(): array
    {
        return [
            'misspelt buffer' => [['bufer' => 5], 'bufer'],
            'unknown next to known' => [['buffer' => 5, 'ipv6' => 1], 'ipv6'],
            'case matters' => [['Buffer' => 5], 'Buffer'],
        ];
    }

    /**
     * @dataProvider unknownOptions
     * @param array<array-key, mixed> $options
     */
    public function testUnknownOptionKeyThrowsNamingIt(array $options, string $key): void
    {
        try {
            vf_capacity_for(Fleet::package(), Fleet::group([]), $options);
            self::fail('expected an InvalidArgumentException');
        } catch (\InvalidArgumentException $e) {
            self::assertStringContainsString($key, $e->getMessage());
        }
    }

    public function testPositionalOptionIsAnUnknownKey(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        vf_capacity_for(Fleet::package(), Fleet::group([]), [10]);
    }

    // ------------------------------------------------------------------
    // robustness
    // ------------------------------------------------------------------

    private const KEYS = [
        'data', 'hypervisor', 'resources', 'id', 'name', 'enabled', 'commissioned', 'prohibit', 'memory',
        'cpuCores', 'localStorage', 'otherStorage', 'network', 'total', 'ipv4', 'free', 'max', 'storageType',
        'primaryStorage', 'primaryStorageProfile', 'x',
    ];

    private const PATHS = [
        'hypervisor', 'hypervisor.id', 'hypervisor.name', 'hypervisor.enabled', 'hypervisor.commissioned',
        'hypervisor.prohibit', 'resources', 'resources.memory', 'resources.memory.max', 'resources.memory.free',
        'resources.cpuCores', 'resources.cpuCores.max', 'resources.cpuCores.free', 'resources.localStorage',
        'resources.localStorage.enabled', 'resources.localStorage.storageType', 'resources.localStorage.max',
        'resources.localStorage.free', 'resources.otherStorage', 'resources.network',
        'resources.network.total.ipv4', 'resources.network.total.ipv4.free',
    ];

    private static function randomScalar(bool $allowNonFinite): mixed
    {
        $strings = [' 12 ', '12.5', '-3', 'abc', '', '0', '1', '1e3', '9223372036854775808',
            '-9223372036854775809', 'NaN', '0x1A', ' ', "\u{00e9}", "\0"];
        switch (mt_rand(0, $allowNonFinite ? 7 : 6)) {
            case 0:
                return mt_rand(-5, 5000);
            case 1:
                return [PHP_INT_MAX, PHP_INT_MIN, PHP_INT_MAX - mt_rand(0, 3), PHP_INT_MIN + 1, 0][mt_rand(0, 4)];
            case 2:
                return (mt_rand() / mt_getrandmax()) * 20000.0 - 10000.0;
            case 3:
                return [1e300, -1e300, 9.3e18, -9.3e18, 0.5, -0.5, 1e-300][mt_rand(0, 6)];
            case 4:
                return $strings[mt_rand(0, count($strings) - 1)];
            case 5:
                return (bool) mt_rand(0, 1);
            case 6:
                return null;
            default:
                return [INF, -INF, NAN][mt_rand(0, 2)];
        }
    }

    private static function randomValue(int $depth, bool $allowNonFinite): mixed
    {
        $kind = mt_rand(0, $depth >= 4 ? 5 : 9);
        if ($kind <= 5) {
            return self::randomScalar($allowNonFinite);
        }
        $size = mt_rand(0, 4);
        $out = [];
        for ($i = 0; $i < $size; $i++) {
            $value = self::randomValue($depth + 1, $allowNonFinite);
            if ($kind <= 7) {
                $out[] = $value;
            } else {
                $out[self::KEYS[mt_rand(0, count(self::KEYS) - 1)]] = $value;
            }
        }

        return $out;
    }

    /**
     * A plausible entry with a few random mutations.
     *
     * @return array<string, mixed>
     */
    private static function mutatedEntry(int $id, bool $allowNonFinite): array
    {
        $entry = Fleet::hypervisor($id, ['resources' => ['otherStorage' => [
            Fleet::pool(mt_rand(0, 3), mt_rand(0, 3000), mt_rand(-100, 3000), ['name' => 'p' . $id]),
            Fleet::pool(mt_rand(0, 3), mt_rand(0, 3000), mt_rand(-100, 3000), ['enabled' => (bool) mt_rand(0, 1)]),
        ]]]);
        for ($m = mt_rand(0, 4); $m > 0; $m--) {
            $path = self::PATHS[mt_rand(0, count(self::PATHS) - 1)];
            $entry = mt_rand(0, 4) === 0
                ? Fleet::without($entry, $path)
                : Fleet::with($entry, $path, self::randomValue(2, $allowNonFinite));
        }

        return $entry;
    }

    /**
     * @return array{mixed, mixed, array<array-key, mixed>}
     */
    private static function randomCall(): array
    {
        $mode = mt_rand(0, 3); // 0: PHP arrays, 1: JSON, 2: corrupted JSON, 3: anything
        $nonFinite = $mode === 0;
        $package = mt_rand(0, 3) === 0
            ? self::randomValue(0, $nonFinite)
            : Fleet::package([
                'memory' => self::randomScalar($nonFinite),
                'cpuCores' => mt_rand(0, 1) ? mt_rand(-1, 4) : self::randomScalar($nonFinite),
                'primaryStorage' => mt_rand(0, 1) ? mt_rand(-1, 50) : self::randomScalar($nonFinite),
                'primaryStorageProfile' => mt_rand(-1, 3),
            ]);
        if (mt_rand(0, 5) === 0) {
            $package = ['data' => $package];
        }
        $entries = [];
        for ($n = mt_rand(0, 5); $n > 0; $n--) {
            $entries[] = mt_rand(0, 5) === 0 ? self::randomValue(1, $nonFinite) : self::mutatedEntry($n, $nonFinite);
        }
        $resources = mt_rand(0, 6) === 0 ? self::randomValue(0, $nonFinite) : Fleet::group($entries);

        if ($mode === 1 || $mode === 2) {
            $package = json_encode($package, JSON_PARTIAL_OUTPUT_ON_ERROR);
            $resources = json_encode($resources, JSON_PARTIAL_OUTPUT_ON_ERROR);
        }
        if ($mode === 2) {
            foreach ([&$package, &$resources] as &$text) {
                if (is_string($text) && $text !== '' && mt_rand(0, 1) === 1) {
                    $text = mt_rand(0, 1) === 1
                        ? substr($text, 0, mt_rand(0, strlen($text) - 1))
                        : substr_replace($text, '}]",:x'[mt_rand(0, 5)], mt_rand(0, strlen($text) - 1), 1);
                }
            }
            unset($text);
        }
        if ($mode === 3 && mt_rand(0, 1) === 1) {
            $package = self::randomValue(3, true);
        }

        $options = [];
        if (mt_rand(0, 1) === 1) {
            $options['buffer'] = self::randomScalar(false);
        }
        if (mt_rand(0, 1) === 1) {
            $options['ipv4'] = mt_rand(0, 3) === 0 ? self::randomScalar(false) : mt_rand(-2, 4);
        }
        if (mt_rand(0, 15) === 0) {
            $options['nope'] = 1;
        }

        return [$package, $resources, $options];
    }

    /**
     * The invariants the capacity rules and the PHP API impose on any result.
     *
     * @param array<string, mixed> $result
     */
    private static function assertConsistentResult(array $result, mixed $resources, string $case): void
    {
        self::assertSame(self::TOP_KEYS, array_keys($result), $case);
        self::assertIsInt($result['fits'], $case);
        self::assertGreaterThanOrEqual(0, $result['fits'], $case);
        self::assertIsBool($result['unbounded'], $case);
        self::assertTrue($result['ipv4Cap'] === null || (is_int($result['ipv4Cap']) && $result['ipv4Cap'] >= 0), $case);

        $decoded = is_string($resources) ? json_decode($resources, true, 4096) : $resources;
        if (is_array($decoded) && is_array($decoded['data'] ?? null)) {
            self::assertCount(count($decoded['data']), $result['hypervisors'], $case);
        }

        $sum = 0;
        $unlimited = false;
        $eligible = 0;
        foreach ($result['hypervisors'] as $row) {
            self::assertSame(self::ROW_KEYS, array_keys($row), $case);
            self::assertIsBool($row['eligible'], $case);
            $axes = [];
            foreach (['memory', 'cpu', 'storage', 'servers', 'ipv4', 'fits'] as $key) {
                self::assertTrue($row[$key] === null || (is_int($row[$key]) && $row[$key] >= 0), "$case: $key");
            }
            if (!$row['eligible']) {
                self::assertContains($row['skipped'], self::REASONS, $case);
                self::assertNull($row['fits'], $case);
                self::assertNull($row['binding'], $case);
                continue;
            }
            $eligible++;
            self::assertNull($row['skipped'], $case);
            foreach (['memory', 'cpu', 'storage', 'servers', 'ipv4'] as $axis) {
                if ($row[$axis] !== null) {
                    $axes[$axis] = $row[$axis];
                }
            }
            if ($axes === []) {
                self::assertNull($row['fits'], $case);
                self::assertNull($row['binding'], $case);
                $unlimited = true;
            } else {
                $min = min($axes);
                self::assertSame($min, $row['fits'], $case);
                self::assertSame(array_search($min, $axes, true), $row['binding'], $case);
                $sum = $sum > PHP_INT_MAX - $min ? PHP_INT_MAX : $sum + $min;
            }
        }

        if ($eligible === 0) {
            self::assertSame(0, $result['fits'], $case);
            self::assertFalse($result['unbounded'], $case);
            self::assertNull($result['ipv4Cap'], $case);
        } elseif ($unlimited && $result['ipv4Cap'] === null) {
            self::assertTrue($result['unbounded'], $case);
            self::assertSame(PHP_INT_MAX, $result['fits'], $case);
        } else {
            self::assertFalse($result['unbounded'], $case);
            $expected = $unlimited ? $result['ipv4Cap'] : min($sum, $result['ipv4Cap'] ?? PHP_INT_MAX);
            self::assertSame($expected, $result['fits'], $case);
        }
    }

    public function testRandomInputsReturnConsistentResultsOrThrowOnlyArgumentErrors(): void
    {
        mt_srand(20240611);
        $returned = 0;
        $rejected = 0;
        for ($i = 0; $i < 400; $i++) {
            [$package, $resources, $options] = self::randomCall();
            $case = "case #$i";
            try {
                $result = vf_capacity_for($package, $resources, $options);
            } catch (\InvalidArgumentException | \TypeError $e) {
                $rejected++;
                continue;
            } catch (\Throwable $e) {
                self::fail(sprintf('%s: unexpected %s: %s', $case, get_class($e), $e->getMessage()));
            }
            self::assertIsArray($result, $case);
            self::assertConsistentResult($result, $resources, $case);
            $returned++;
        }

        // the generator must exercise both paths, or the test proves little
        self::assertGreaterThan(100, $returned);
        self::assertGreaterThan(20, $rejected);
    }

    /**
     * Deep and self-referencing inputs, each run in a child PHP process so a
     * crash (stack overflow) shows up as a failure instead of killing the suite.
     * PHP arrays nested that deep (or containing themselves) cannot be data
     * from the panel: never a crash; what vfstock does not read is not walked. Deep JSON
     * text may be parsed or refused, but never crash.
     *
     * @return array<string, array{string, string}>
     */
    public static function hostileInputs(): array
    {
        $deepArray = '$x = 1; for ($i = 0; $i < 100000; $i++) { $x = ["memory" => $x]; }';
        $deepList = '$x = []; for ($i = 0; $i < 100000; $i++) { $x = [$x]; }';
        $refused = 'InvalidArgumentException|TypeError';
        $either = 'array:ok|InvalidArgumentException|TypeError';

        return [
            'deep JSON package' => [
                '$p = str_repeat(\'{"a":\', 200000) . "1" . str_repeat("}", 200000); $r = \'{"data":[]}\';',
                $either,
            ],
            'deep JSON resources' => [
                '$p = "{}"; $r = \'{"data":[\' . str_repeat("[", 200000) . str_repeat("]", 200000) . "]}";',
                $either,
            ],
            // Fields vfstock does not need are never walked, however deep; a
            // known field nested too deep is refused.
            'deep PHP package' => [$deepArray . ' $p = $x; $r = ["data" => []];', $either],
            'deep PHP package field' => [
                $deepArray . ' $p = ["memory" => 1, "extra" => $x]; $r = ["data" => []];',
                'array:ok',
            ],
            'deep PHP resources entry' => [$deepList . ' $p = ["memory" => 1]; $r = ["data" => [$x]];', $either],
            'deep PHP hypervisor' => [
                $deepArray . ' $p = ["memory" => 1]; $r = ["data" => [["hypervisor" => $x, "resources" => $x]]];',
                $either,
            ],
            'deep PHP known field' => [
                '$x = ["data" => []]; for ($i = 0; $i < 200; $i++) { $x = ["data" => [$x]]; } $p = $x; $r = ["data" => []];',
                $either,
            ],
            'recursive PHP package' => ['$p = ["memory" => 1]; $p["self"] = &$p; $r = ["data" => []];', 'array:ok'],
            'recursive PHP resources' => ['$p = ["memory" => 1]; $r = ["data" => []]; $r["data"][0] = &$r;', $either],
            'recursive PHP cell' => [
                '$c = ["max" => 10]; $c["free"] = &$c; $p = ["memory" => 1];'
                . ' $r = ["data" => [["hypervisor" => ["enabled" => 1, "commissioned" => 1],'
                . ' "resources" => ["memory" => &$c]]]];',
                $either,
            ],
        ];
    }

    /**
     * @dataProvider hostileInputs
     */
    public function testDeepOrRecursiveInputNeverCrashesThePhpProcess(string $setup, string $acceptable): void
    {
        $extension = self::loadedExtensionPath();
        $code = $setup . '
            try {
                $out = vf_capacity_for($p, $r, []);
                echo "OUTCOME:array:", is_int($out["fits"] ?? null) && $out["fits"] >= 0 ? "ok" : "bad", "\n";
            } catch (\Throwable $e) {
                echo "OUTCOME:", get_class($e), "\n";
            }';
        $process = proc_open(
            [PHP_BINARY, '-d', 'extension=' . $extension, '-d', 'memory_limit=1G', '-r', $code],
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        self::assertIsResource($process);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($process);

        self::assertSame(0, $status, "child crashed or failed; stdout: $stdout; stderr: " . substr($stderr, 0, 500));
        self::assertMatchesRegularExpression("/^OUTCOME:($acceptable)\$/m", $stdout);
    }

    private static function loadedExtensionPath(): string
    {
        $maps = @file_get_contents('/proc/self/maps');
        if (is_string($maps) && preg_match('~(/\S*vfstock\S*\.so)\s*$~m', $maps, $m) === 1) {
            return $m[1];
        }
        $fallback = getenv('VFSTOCK_EXT') ?: dirname(__DIR__, 2) . '/target/release/libvfstock.so';
        if (!is_file($fallback)) {
            self::markTestSkipped('cannot locate the loaded vfstock extension for a child process');
        }

        return $fallback;
    }
}
