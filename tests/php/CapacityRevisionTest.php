<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * vf_capacity_for against how real panels answer: the
 * documented v7 examples, server slots, IPv4 per hypervisor and the two
 * pool models, IPv6-only plans; and "one document, one answer": JSON text
 * and its json_decode'd array read alike, whatever the document.
 */
final class CapacityRevisionTest extends TestCase
{
    private const FIXTURES = __DIR__ . '/../fixtures/virtfusion-v7/';

    private static function fixture(string $name): string
    {
        $text = file_get_contents(self::FIXTURES . $name);
        self::assertIsString($text, $name);

        return $text;
    }

    public function testTheDocumentedGroupWithTheDocumentedPackage(): void
    {
        $group = self::fixture('openapi-v7-group-resources.json');
        $package = self::fixture('openapi-v7-package.json');
        // Package 1 keeps its disk on storage type 1: BHV 3 (memory: 22),
        // Ceph Hypervisor 1 (its 50 GB local pool: 4) and 2 (memory: 18).
        $json = vf_capacity_for($package, $group);
        self::assertSame(44, $json['fits']);
        self::assertSame(503, $json['ipv4Cap']);
        self::assertSame($json, vf_capacity_for(json_decode($package, true), json_decode($group, true)));
        $byId = array_column($json['hypervisors'], null, 'id');
        self::assertSame([22, 'memory'], [$byId[8]['fits'], $byId[8]['binding']]);
        self::assertSame([4, 'storage'], [$byId[13]['fits'], $byId[13]['binding']]);
        // Every hypervisor reports maxServers 0: no slot limit.
        self::assertNull($byId[1]['servers']);
    }

    /**
     * Random well-formed fleets (cells full, empty, unlimited or overdrawn;
     * pools of every type code, switched on or off, named or not; server
     * slots reported, null or absent; IPv4 reported, null or absent; any
     * buffer and IPv4 count) give the answer of bench/reference.php, the
     * capacity rules written again in plain PHP from the specification.
     */
    public function testRandomFleetsGiveThePurePhpReferencesAnswer(): void
    {
        require_once __DIR__ . '/../../bench/reference.php';
        $pick = static fn (array $of) => $of[mt_rand(0, count($of) - 1)];
        $cell = static function () use ($pick): array {
            $max = $pick([0, -1, 1, 10, 100, 65536, mt_rand(1, 100000)]);

            return ['units' => 'MB', 'max' => $max, 'allocated' => 0,
                'free' => $pick([0, -5, $max, intdiv($max, 2), mt_rand(-10, 100000)]), 'percent' => 0];
        };
        mt_srand(31337);
        for ($i = 0; $i < 3000; $i++) {
            $data = [];
            for ($h = mt_rand(0, 6); $h > 0; $h--) {
                $resources = ['memory' => $cell(), 'cpuCores' => $cell(), 'otherStorage' => [],
                    'localStorage' => ['enabled' => $pick([true, false]), 'name' => 'Local',
                        'storageType' => mt_rand(0, 4)] + $cell()];
                for ($p = mt_rand(0, 3); $p > 0; $p--) {
                    $resources['otherStorage'][] = ['id' => $p, 'name' => $pick(['', 'ssd', "pool$p"]),
                        'enabled' => $pick([true, false, 1, 0]), 'storageType' => mt_rand(0, 4)] + $cell();
                }
                $servers = mt_rand(0, 2);
                if ($servers < 2) {
                    $resources['servers'] = $servers === 0 ? $cell() : null;
                }
                $ipv4 = mt_rand(0, 3);
                if ($ipv4 > 0) {
                    $resources['network'] = ['total' => ['ipv4' => ['free' => $ipv4 === 1 ? null : mt_rand(-3, 300)]]];
                }
                $data[] = ['hypervisor' => ['id' => mt_rand(1, 1000), 'name' => "hv$h", 'enabled' => mt_rand(0, 5) > 0,
                    'commissioned' => mt_rand(0, 5) > 0, 'prohibit' => mt_rand(0, 5) === 0], 'resources' => $resources];
            }
            $package = ['data' => ['memory' => $pick([0, 512, 4096, mt_rand(1, 9000)]), 'cpuCores' => mt_rand(0, 8),
                'primaryStorage' => $pick([0, 10, mt_rand(1, 900)]), 'primaryStorageProfile' => mt_rand(0, 4)]];
            $ipv4PerVps = mt_rand(0, 3);
            $buffer = $pick([0, 10, 100, mt_rand(0, 100)]);
            $group = ['data' => $data];
            self::assertSame(
                vfstock_ref_capacity($package, $group, $ipv4PerVps, $buffer),
                vf_capacity_for($package, $group, ['ipv4' => $ipv4PerVps, 'buffer' => $buffer]),
                json_encode([$package, $group, $ipv4PerVps, $buffer])
            );
        }
    }

    public function testAHypervisorWithoutFreeAddressesPlacesNothing(): void
    {
        // The documented "Test Only" package uses the default mountpoint, so
        // every hypervisor has room, but BHV 8, 4 and 5 report 0 free IPv4.
        $packages = json_decode(self::fixture('openapi-v7-packages-list.json'), true);
        $group = self::fixture('openapi-v7-group-resources.json');
        $result = vf_capacity_for($packages['data'][1], $group);
        $byId = array_column($result['hypervisors'], null, 'id');
        foreach ([4, 9, 10] as $id) {
            self::assertSame([0, 0, 'ipv4'], [$byId[$id]['ipv4'], $byId[$id]['fits'], $byId[$id]['binding']], "hv $id");
        }
        // 119 before revision 2 (their 14 + 3 + 3 counted).
        self::assertSame(99, $result['fits']);
        $own = vf_capacity_for($packages['data'][1], $group, ['ipv4Pool' => 'hypervisor']);
        self::assertSame([99, null], [$own['fits'], $own['ipv4Cap']]);
    }

    public function testServerSlotsAreAnAxisWithTheBuffer(): void
    {
        $group = Fleet::group([Fleet::hypervisor(1, ['resources' => ['servers' => Fleet::cell(20, 8)]])]);
        $row = vf_capacity_for(Fleet::package(), $group)['hypervisors'][0];
        // 8 free slots, 10 % of 20 kept: 6.
        self::assertSame([6, 6, 'servers'], [$row['servers'], $row['fits'], $row['binding']]);
        foreach ([Fleet::cell(0, -4), null] as $cell) {
            $group = Fleet::group([Fleet::hypervisor(1, ['resources' => ['servers' => $cell]])]);
            self::assertNull(vf_capacity_for(Fleet::package(), $group)['hypervisors'][0]['servers']);
        }
    }

    public function testPoolModelsAndTheirOption(): void
    {
        $group = Fleet::group([
            Fleet::hypervisor(1, Fleet::ipv4Free(5)),
            Fleet::hypervisor(2, Fleet::ipv4Free(5)),
        ]);
        $shared = vf_capacity_for(Fleet::package(), $group, ['ipv4Pool' => 'group']);
        $own = vf_capacity_for(Fleet::package(), $group, ['ipv4Pool' => 'hypervisor']);
        self::assertSame([5, 5], [$shared['fits'], $shared['ipv4Cap']]);
        self::assertSame([10, null], [$own['fits'], $own['ipv4Cap']]);
        self::assertSame($shared, vf_capacity_for(Fleet::package(), $group));
        foreach (['Group', 'per-hv', '', 1, null] as $bad) {
            try {
                vf_capacity_for(Fleet::package(), $group, ['ipv4Pool' => $bad]);
                self::fail('ipv4Pool ' . var_export($bad, true) . ' was accepted');
            } catch (\InvalidArgumentException $e) {
                self::assertStringContainsString("'group' or 'hypervisor'", $e->getMessage());
            }
        }
    }

    public function testBuffersThatAreNotNumbersReadAsTheDefault(): void
    {
        $group = Fleet::group([Fleet::hypervisor(1, ['resources' => ['memory' => Fleet::cell(10240, 10240)]])]);
        $package = Fleet::package(['cpuCores' => 0, 'primaryStorage' => 0]);
        $default = vf_capacity_for($package, $group, ['buffer' => 10, 'ipv4' => 0])['fits'];
        self::assertSame(9, $default);
        self::assertSame($default, vf_capacity_for($package, $group, ['buffer' => NAN, 'ipv4' => 0])['fits']);
        self::assertSame(0, vf_capacity_for($package, $group, ['buffer' => INF, 'ipv4' => 0])['fits']);
        self::assertSame(10, vf_capacity_for($package, $group, ['buffer' => -INF, 'ipv4' => 0])['fits']);
    }

    public function testNumbersBeyondFloatRangeReadAsPhpDecodesThem(): void
    {
        $package = '{"memory": 1, "cpuCores": 0, "primaryStorage": 0}';
        $group = '{"data": [{"hypervisor": {"id": 1, "enabled": true, "commissioned": true},'
            . ' "resources": {"memory": {"max": 1e400, "free": 1e400}}}]}';
        $json = vf_capacity_for($package, $group, ['ipv4' => 0, 'buffer' => 0]);
        self::assertSame(PHP_INT_MAX, $json['fits']);
        self::assertFalse($json['unbounded']);
        self::assertSame($json, vf_capacity_for(json_decode($package, true), json_decode($group, true), ['ipv4' => 0, 'buffer' => 0]));
    }

    /**
     * Where serde_json and json_decode read a number differently, the JSON
     * text reads as json_decode reads it: `-0` is the integer 0 (a name
     * "0"), and a float is parsed to the nearest double (1.9999999999999998
     * is below 2, so its cell holds 1 VPS, not 2).
     */
    public function testNumbersInJsonReadAsJsonDecodeReadsThem(): void
    {
        $package = '{"memory": 1, "cpuCores": 0, "primaryStorage": 0}';
        $cases = [
            // [name, free] as JSON text
            ['-0', '7.9999999999999995'],
            ['-0.0', '1.9999999999999998'],
            ['1e25', '14.9999999999999990'],
            ['100000000000005.0', '-0'],
            ['9223372036854775808', '0.99999999999999993'],
            ['1.5e-7', '2.0000000000000004'],
        ];
        foreach ($cases as [$name, $free]) {
            $group = '{"data": [{"hypervisor": {"id": 1, "name": ' . $name . ', "enabled": true, "commissioned": true},'
                . ' "resources": {"memory": {"max": 100, "free": ' . $free . '}, "cpuCores": {"max": 0, "free": 1}}}]}';
            $options = ['ipv4' => 0, 'buffer' => 0];
            $fromJson = vf_capacity_for($package, $group, $options);
            $row = $fromJson['hypervisors'][0];
            self::assertSame((string) json_decode($name), $row['name'], "name $name");
            self::assertSame(max(0, (int) json_decode($free)), $row['memory'], "free $free");
            self::assertSame($fromJson, vf_capacity_for(json_decode($package, true), json_decode($group, true), $options));
        }
    }

    /**
     * A name the panel sends as a number reads as PHP writes that number
     * (`(string)`), from JSON text and from its decoded array alike.
     */
    public function testNamesThatAreFloatsReadAsPhpWritesThem(): void
    {
        mt_srand(2718);
        $package = ['memory' => 1, 'cpuCores' => 0, 'primaryStorage' => 0];
        for ($i = 0; $i < 3000; $i++) {
            $float = match ($i % 3) {
                0 => unpack('e', pack('P', mt_rand() << 32 | mt_rand()))[1],
                1 => mt_rand(-999999999, 999999999) * 10 ** mt_rand(-20, 20),
                default => (float) (mt_rand(100000, 999999) . mt_rand(0, 999999999)) / 2 ** mt_rand(0, 8),
            };
            if (!is_float($float) || !is_finite($float)) {
                continue;
            }
            $group = ['data' => [['hypervisor' => ['id' => 1, 'name' => $float, 'enabled' => true,
                'commissioned' => true], 'resources' => []]]];
            $text = json_encode($group, JSON_PRESERVE_ZERO_FRACTION);
            self::assertSame((string) $float, vf_capacity_for($package, $group)['hypervisors'][0]['name']);
            self::assertSame((string) $float, vf_capacity_for(json_encode($package), $text)['hypervisors'][0]['name'],
                $text);
        }
    }

    /**
     * Names of every length from empty to well past what a name holds
     * inline, in one- to four-byte characters, and more pools than a
     * hypervisor holds inline, come back whole and in order from JSON text
     * and from its decoded array.
     */
    public function testNamesOfAnyLengthAndManyPoolsReadWhole(): void
    {
        $package = ['memory' => 1, 'cpuCores' => 1, 'primaryStorage' => 1, 'primaryStorageProfile' => 4];
        $chars = ['x', 'é', '€', '𝄞'];
        $entries = [];
        $names = [];
        foreach ($chars as $c) {
            for ($len = 0; $len <= 70; $len++) {
                $name = str_repeat($c, intdiv($len, strlen($c))) . str_repeat('y', $len % strlen($c));
                $id = count($entries) + 1;
                $pools = [];
                for ($p = 0; $p < $id % 7; $p++) {
                    $pools[] = ['name' => "{$name}/{$p}", 'storageType' => 4, 'enabled' => true,
                        'max' => 100, 'free' => $p + 1];
                }
                $entries[] = ['hypervisor' => ['id' => $id, 'name' => $name, 'enabled' => true,
                    'commissioned' => true], 'resources' => ['memory' => ['max' => 10, 'free' => 10],
                    'cpuCores' => ['max' => 10, 'free' => 10], 'otherStorage' => $pools]];
                $names[] = [$name, $pools === [] ? null : end($pools)['name']];
            }
        }
        $group = ['data' => $entries];
        $fromArray = vf_capacity_for($package, $group, ['buffer' => 0]);
        $fromText = vf_capacity_for(json_encode($package), json_encode($group), ['buffer' => 0]);
        self::assertSame($fromArray, $fromText);
        $got = array_map(static fn (array $row) => [$row['name'], $row['pool']], $fromArray['hypervisors']);
        self::assertSame($names, $got);
    }

    /**
     * The documented group's JSON, mutated as text the ways a panel or a
     * proxy might write it (escaped keys, whitespace, every form of a
     * number, repeated keys, flags as numbers or strings, escaped strings),
     * reads as json_decode reads it.
     */
    public function testTextualVariantsOfTheDocumentedGroupReadAsJsonDecodeReadsThem(): void
    {
        $group = json_encode(json_decode(self::fixture('openapi-v7-group-resources.json'), true));
        $package = self::fixture('openapi-v7-package.json');
        $pick = static fn (array $of) => $of[mt_rand(0, count($of) - 1)];
        $rarely = static fn (int $in, callable $change) => static fn (array $m) => mt_rand(0, $in) ? $m[0] : $change($m);
        $mutations = [
            ['/"([A-Za-z_]+)":/', $rarely(30, static fn ($m) => '"' . implode('', array_map(
                static fn ($c) => mt_rand(0, 2) ? $c : sprintf('\\u%04x', ord($c)), str_split($m[1]))) . '":')],
            ['/[,:\[\]{}]/', $rarely(40, static fn ($m) => $m[0] . $pick(["\t", "\n", "\r\n", '  ']))],
            ['/(?<=[:\[,])(-?\d+)(?=[,\]}])/', $rarely(20, static fn ($m) => $pick([$m[1] . '.0', $m[1] . 'e0',
                $m[1] . 'E+0', $m[1] . '0e-1', '-0', '-0.0', $m[1] . '.9999999999999999', '1e400', '-1e400',
                '9223372036854775808', '18446744073709551616', '0.' . str_repeat('0', 30) . '1']))],
            ['/"([A-Za-z_]+)":(-?\d+|true|false|null|"[^"]*")/', $rarely(30, static fn ($m) => $m[0] . ',"' . $m[1]
                . '":' . $pick(['0', '1', 'null', '"x"', '{}', '[]']))],
            ['/(?<=:)(true|false)/', $rarely(20, static fn ($m) => $pick(['1', '0', '"1"', '"0"', '""', '"false"',
                'null', '[]', '0.0', '"0.0"']))],
            ['/(?<=:)"([^"\\\\]*)"/', $rarely(20, static fn ($m) => '"' . $pick(['\\u00e9', '\\ud83d\\ude00', '\\"',
                '\\\\', '\\/', '\\n', '\\u0000', '\\ud800']) . $m[1] . '"')],
            ['/(?<=:)(-?\d+)(?=[,}])/', $rarely(20, static fn ($m) => $pick(['"' . $m[1] . '"', '" ' . $m[1] . '"',
                '"' . $m[1] . '.5"', '"0x1A"', '"1e3"', '".5"', '"' . $m[1] . 'abc"']))],
        ];
        mt_srand(1618);
        $compared = 0;
        for ($i = 0; $i < 1500; $i++) {
            $text = $group;
            for ($n = mt_rand(1, 6); $n > 0; $n--) {
                [$pattern, $change] = $pick($mutations);
                $text = preg_replace_callback($pattern, $change, $text);
            }
            $decoded = json_decode($text, true);
            if (!is_array($decoded)) {
                continue;
            }
            $options = ['ipv4' => mt_rand(0, 2), 'buffer' => mt_rand(0, 20)];
            self::assertSame(
                self::outcome(static fn () => vf_capacity_for(json_decode($package, true), $decoded, $options)),
                self::outcome(static fn () => vf_capacity_for($package, $text, $options)),
                $text
            );
            $compared++;
        }
        self::assertGreaterThan(800, $compared);
    }

    public function testDeclaredPropertiesHoldingReferencesAreRead(): void
    {
        $free = 4096;
        $cell = new class {
            public int $max = 8192;
            public mixed $free = null;
        };
        $cell->free = &$free;
        $group = ['data' => [[
            'hypervisor' => ['id' => 1, 'enabled' => true, 'commissioned' => true],
            'resources' => ['memory' => $cell],
        ]]];
        $row = vf_capacity_for(['memory' => 1024], $group, ['buffer' => 0, 'ipv4' => 0])['hypervisors'][0];
        self::assertSame(4, $row['memory']);
    }

    public function testErrorsNameKeysThatAreNotTextSafely(): void
    {
        foreach (["bu\0ffer" => 'bu\\x00ffer', "\xff\xfe" => '\\xff\\xfe'] as $key => $shown) {
            try {
                vf_capacity_for(Fleet::package(), Fleet::group([]), [$key => 1]);
                self::fail('an unknown option was accepted');
            } catch (\InvalidArgumentException $e) {
                self::assertStringContainsString('unknown option "' . $shown . '"', $e->getMessage());
            }
        }
    }

    /**
     * A random JSON document shaped like the panel's, with every oddity
     * json_decode flattens: {} and [], objects keyed "0", "1", …, repeated
     * keys, numbers of every form.
     */
    private static function randomJson(int $depth, array $keys): string
    {
        $scalars = ['0', '1', '-7', '12.5', '1e3', '1e400', '-1e400', '9223372036854775808', 'true', 'false', 'null',
            '"12"', '" 64 "', '"abc"', '""', '"0"', '"1.0"', '"é"'];
        $kind = mt_rand(0, $depth >= 4 ? 2 : 9);
        if ($kind <= 2) {
            return $scalars[mt_rand(0, count($scalars) - 1)];
        }
        $n = mt_rand(0, 4);
        $parts = [];
        if ($kind <= 4) {
            for ($i = 0; $i < $n; $i++) {
                $parts[] = self::randomJson($depth + 1, $keys);
            }

            return '[' . implode(',', $parts) . ']';
        }
        $listKeyed = $kind === 5;
        for ($i = 0; $i < $n; $i++) {
            $key = $listKeyed ? (string) (mt_rand(0, 5) === 0 ? mt_rand(0, $n) : $i) : $keys[mt_rand(0, count($keys) - 1)];
            $parts[] = json_encode($key) . ':' . self::randomJson($depth + 1, $keys);
        }

        return '{' . implode(',', $parts) . '}';
    }

    public function testJsonAndItsDecodedArrayGiveTheSameAnswer(): void
    {
        $keys = ['data', 'hypervisor', 'resources', 'id', 'name', 'enabled', 'commissioned', 'prohibit', 'memory',
            'cpuCores', 'localStorage', 'otherStorage', 'network', 'total', 'ipv4', 'free', 'max', 'storageType',
            'servers', 'primaryStorage', 'primaryStorageProfile', 'last_page', '0', '1', 'x'];
        mt_srand(90210);
        $compared = 0;
        for ($i = 0; $i < (int) (getenv("VFSTOCK_FUZZ_CASES") ?: 3000); $i++) {
            $package = mt_rand(0, 3) === 0 ? self::randomJson(0, $keys)
                : '{"memory": ' . self::randomJson(3, $keys) . ', "cpuCores": 1, "primaryStorage": '
                    . self::randomJson(3, $keys) . ', "primaryStorageProfile": ' . mt_rand(-1, 2) . '}';
            $entries = [];
            for ($n = mt_rand(0, 4); $n > 0; $n--) {
                $entries[] = '{"hypervisor": ' . self::randomJson(2, $keys) . ', "resources": '
                    . self::randomJson(1, $keys) . '}';
            }
            $resources = mt_rand(0, 4) === 0 ? self::randomJson(0, $keys) : '{"data": [' . implode(',', $entries) . ']}';
            $decodedPackage = json_decode($package, true);
            $decodedResources = json_decode($resources, true);
            if ((!is_array($decodedPackage) && !is_string($decodedPackage)) || !is_array($decodedResources)) {
                continue;
            }
            $options = ['ipv4Pool' => mt_rand(0, 1) ? 'group' : 'hypervisor', 'ipv4' => mt_rand(0, 2)];
            $fromJson = self::outcome(static fn () => vf_capacity_for($package, $resources, $options));
            $fromArray = self::outcome(static fn () => vf_capacity_for($decodedPackage, $decodedResources, $options));
            self::assertSame($fromJson, $fromArray, "#$i\npackage: $package\nresources: $resources");
            $compared++;
        }
        self::assertGreaterThan(1500, $compared);
    }

    /**
     * Pages of 128 entries or more are fetched from memory ahead of their
     * reader (src/php/prefetch.rs): a large page of random entries still
     * reads as its JSON text does.
     */
    public function testLargeRandomPagesReadAsTheirJsonDoes(): void
    {
        $keys = ['hypervisor', 'resources', 'id', 'name', 'enabled', 'commissioned', 'prohibit', 'memory',
            'cpuCores', 'localStorage', 'otherStorage', 'network', 'total', 'ipv4', 'free', 'max', 'storageType',
            'servers', '0', 'x'];
        mt_srand(4711);
        $package = '{"memory": 1024, "cpuCores": 1, "primaryStorage": 10, "primaryStorageProfile": 1}';
        for ($page = 0; $page < 6; $page++) {
            $entries = [];
            for ($n = 0; $n < 300; $n++) {
                $entries[] = mt_rand(0, 9) === 0 ? self::randomJson(1, $keys)
                    : '{"hypervisor": ' . self::randomJson(2, $keys) . ', "resources": ' . self::randomJson(1, $keys) . '}';
            }
            $resources = '{"data": [' . implode(',', $entries) . ']}';
            $decoded = json_decode($resources, true);
            self::assertIsArray($decoded);
            $fromJson = self::outcome(static fn () => vf_capacity_for($package, $resources));
            $fromArray = self::outcome(static fn () => vf_capacity_for($package, $decoded));
            self::assertSame($fromJson, $fromArray, "page $page");
        }
    }

    /**
     * A page whose entries PHP code left in different table layouts reads
     * as its entries do one by one: where a key sat in the last entry is
     * only ever a guess checked against the key.
     */
    public function testEntriesInDifferentLayoutsReadAsEachAlone(): void
    {
        $package = ['memory' => 4096, 'cpuCores' => 1, 'primaryStorage' => 10];
        mt_srand(1414);
        $entries = [];
        for ($i = 0; $i < 60; $i++) {
            $entries[] = Fleet::reshaped($i + 1, mt_rand(0, 5));
        }
        $whole = vf_capacity_for($package, ['data' => $entries], ['ipv4' => 0]);
        $sum = 0;
        foreach ($entries as $i => $entry) {
            $alone = vf_capacity_for($package, ['data' => [$entry]], ['ipv4' => 0]);
            self::assertSame($alone['hypervisors'][0], $whole['hypervisors'][$i], "entry $i");
            $sum += $alone['fits'];
        }
        self::assertSame($sum, $whole['fits']);
        // Renamed keys are absent: those entries are disabled.
        self::assertContains('disabled', array_column($whole['hypervisors'], 'skipped'));
        self::assertGreaterThan(0, $whole['fits']);
    }

    /**
     * What only PHP values can be (references, objects, holes, tables of
     * thousands of keys, deep nesting) reads alike in a page of 400 entries,
     * fetched ahead, and in pages of 100, which are not.
     */
    public function testOddValuesInALargePageReadAsInSmallPages(): void
    {
        $free = 10000;
        $entries = Fleet::oddEntries(400, $free);
        $options = ['ipv4' => 0];
        $whole = vf_capacity_for(Fleet::package(), ['data' => $entries], $options)['hypervisors'];
        $pieces = [];
        foreach (array_chunk($entries, 100) as $chunk) {
            $pieces = array_merge($pieces, vf_capacity_for(Fleet::package(), ['data' => $chunk], $options)['hypervisors']);
        }
        self::assertCount(400, $whole);
        self::assertSame($pieces, $whole);
        self::assertSame(57, $whole[1]['memory'], 'the object cell is read');
        self::assertSame(3, $whole[0]['memory'], 'the reference is followed');
    }

    /**
     * A key in the bucket where the entry before had the one sought, of the
     * same length and hash but other bytes, is not that key. PHP's string
     * hash (times 33, plus the byte) is unchanged when two neighbouring
     * bytes (x, y) become (x + 1, y - 33): "max" and "mbW" hash alike, and
     * so do "max" and "n@x". Each entry with such a twin key, changed at its
     * end or at its start, reads as it does alone, where nothing is guessed,
     * and as its JSON does.
     */
    public function testKeysThatOnlyShareTheirHashAreNotTheKeysSought(): void
    {
        foreach (['end', 'start'] as $where) {
            $this->assertTwinKeysAreNotTheKeysSought(static function (string $key) use ($where): string {
                $at = $where === 'end' ? strlen($key) - 2 : 0;

                return substr($key, 0, $at) . chr(ord($key[$at]) + 1) . chr(ord($key[$at + 1]) - 33)
                    . substr($key, $at + 2);
            });
        }
    }

    private function assertTwinKeysAreNotTheKeysSought(\Closure $twin): void
    {
        // The key renamed where it stands, so that it keeps its bucket.
        $rename = static function (array $table, string $from, string $to): array {
            $out = [];
            foreach ($table as $k => $v) {
                $out[$k === $from ? $to : $k] = $v;
            }

            return $out;
        };
        $cases = [
            ['hypervisor', 'id'],          // 2 bytes
            ['resources.memory', 'max'],   // 3
            ['resources.memory', 'free'],  // 4
            ['hypervisor', 'enabled'],     // 7
            ['resources', 'cpuCores'],     // 8
            ['resources', 'localStorage'], // 12
        ];
        $package = ['memory' => 4096, 'cpuCores' => 1, 'primaryStorage' => 10];
        $entries = [Fleet::hypervisor(1)];
        foreach ($cases as $i => [$path, $key]) {
            $entry = Fleet::hypervisor($i + 2);
            $table = $rename(Fleet::at($entry, $path), $key, $twin($key));
            $entries[] = Fleet::with($entry, $path, $table);
            $entries[] = Fleet::hypervisor($i + 100);
        }
        $page = ['data' => $entries];
        $whole = vf_capacity_for($package, $page)['hypervisors'];
        self::assertSame($whole, vf_capacity_for($package, Fleet::json($page))['hypervisors']);
        $decoded = json_decode(Fleet::json($page), true);
        self::assertSame($whole, vf_capacity_for($package, $decoded)['hypervisors'], 'keys of their own');
        foreach ($cases as $i => [$path, $key]) {
            $at = 1 + 2 * $i;
            $alone = vf_capacity_for($package, ['data' => [$entries[$at]]])['hypervisors'][0];
            self::assertSame($alone, $whole[$at], "{$path}.{$key} beside its twin " . $twin($key));
            $unrenamed = vf_capacity_for($package, ['data' => [Fleet::hypervisor($i + 2)]])['hypervisors'][0];
            self::assertNotSame($unrenamed, $whole[$at], "{$path}.{$key}: the key matters");
        }
        self::assertSame(0, $whole[1]['id'], 'hypervisor.id is absent');
        self::assertSame('disabled', $whole[7]['skipped'], 'hypervisor.enabled is absent');
    }

    /**
     * The rows' names are strings of their own: changing or dropping the
     * input afterwards, or another result, leaves a result as it was.
     */
    public function testNamesInTheResultOutliveTheirInput(): void
    {
        $group = json_decode(Fleet::json(Fleet::group(Fleet::hypervisors(3))), true);
        $result = vf_capacity_for(Fleet::package(), $group);
        $again = vf_capacity_for(Fleet::package(), $group);
        $group['data'][0]['hypervisor']['name'] .= '-renamed';
        $group['data'][1]['hypervisor']['name'] = 'other';
        unset($group);
        gc_collect_cycles();
        self::assertSame(['hv1', 'hv2', 'hv3'], array_column($result['hypervisors'], 'name'));
        unset($result);
        self::assertSame(['hv1', 'hv2', 'hv3'], array_column($again['hypervisors'], 'name'));
    }

    /** The result, or the class of what was thrown (messages differ: JSON has line numbers). */
    private static function outcome(callable $call): mixed
    {
        try {
            return $call();
        } catch (\Throwable $e) {
            return get_class($e);
        }
    }
}
