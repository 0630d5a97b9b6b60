<?php

declare(strict_types=1);

namespace VfStock\Tests;

use PHPUnit\Framework\TestCase;

/**
 * VirtFusion's documented example responses (API v7, tests/fixtures/
 * virtfusion-v7/), served byte for byte by the simulator and read through
 * the real code paths: the refresh, the probe.
 */
final class DocumentedExamplesTest extends TestCase
{
    use SharedSimulator;

    private const TOKEN = 'documented-token';

    private static function fixture(string $name): string
    {
        $text = file_get_contents(__DIR__ . '/../fixtures/virtfusion-v7/' . $name);
        self::assertIsString($text);

        return $text;
    }

    /** @return array<string, mixed> */
    private static function scenario(): array
    {
        $packages = [];
        foreach (json_decode(self::fixture('openapi-v7-packages-list.json'), true)['data'] as $p) {
            $packages[(string) $p['id']] = $p;
        }

        return [
            'tokens' => [self::TOKEN => ['compute']],
            'packages' => $packages,
            'groups' => ['1' => ['name' => 'Default',
                'hypervisors' => json_decode(self::fixture('openapi-v7-group-resources.json'), true)['data']]],
        ];
    }

    /** @return array<string, mixed> */
    private static function refresh(): array
    {
        vf_stock_forget(null);
        $rows = [];
        foreach ([1, 2, 3] as $package) {
            $rows[] = ['id' => $package, 'servertype' => 'VirtFusionDirect', 'stockcontrol' => 1, 'qty' => 0,
                'configoption1' => '1', 'configoption2' => (string) $package];
        }

        return vf_stock_refresh([
            'api' => ['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 5],
            'db' => ['products' => fn (?array $ids): array => $rows, 'write' => static fn () => null],
        ]);
    }

    public function testTheDocumentedGroupAndPackagesGiveTheRevisionTwoQtys(): void
    {
        self::sim()->clearFaults();
        $result = self::refresh();
        // Packages 1 and 3 keep their disks on type 1 (three hypervisors),
        // package 2 on the default mountpoint of every one that has an address.
        self::assertSame([44, 99, 44], array_map(static fn (array $l): int => $l['qty'],
            array_values($result['products'])));
    }

    public function testTheDocumentedBodiesThemselvesAreRead(): void
    {
        // The exact documented bytes, paginator and all, for the group page
        // and for /packages/1.
        self::sim()->faults([
            ['route' => 'resources', 'id' => 1, 'action' => ['status' => 200,
                'body' => self::fixture('openapi-v7-group-resources.json')]],
            ['route' => 'package', 'id' => 1, 'action' => ['status' => 200,
                'body' => self::fixture('openapi-v7-package.json')]],
        ]);
        $result = self::refresh();
        self::assertSame('updated', $result['products'][1]['status']);
        self::assertSame(44, $result['products'][1]['qty']);
        self::assertSame(11, count($result['products'][1]['groups'][1]['hypervisors']));
    }

    public function testTheDocumentedConnectAndGroupListPassTheProbe(): void
    {
        self::sim()->faults([
            ['route' => 'connect', 'action' => ['status' => 200, 'body' => self::fixture('openapi-v7-connect.json')]],
            ['route' => 'groups', 'action' => ['status' => 200, 'body' => self::fixture('openapi-v7-groups-list.json')]],
        ]);
        $probe = vf_stock_probe(['url' => self::sim()->url(), 'token' => self::TOKEN, 'timeout' => 5]);
        self::assertSame(['ok' => true, 'status' => 200, 'error' => null], $probe);
    }

    public function testTheDocumentedErrorBodyOfAPackageIsAJsonAnswer(): void
    {
        // A 404 with the API's own JSON error body is "gone" on a panel whose
        // /connect answers; the same status with an HTML page is not.
        self::sim()->clearFaults();
        self::sim()->faults([['route' => 'package', 'id' => 2, 'action' => ['status' => 404,
            'body' => self::fixture('openapi-v7-servers-create-422.json')]]]);
        $result = self::refresh();
        self::assertSame([0, 'missing'], [$result['products'][2]['qty'], $result['products'][2]['package']]);
        self::sim()->faults([['route' => 'package', 'id' => 2, 'action' => ['status' => 404,
            'body' => '<html><body>Not Found</body></html>']]]);
        $result = self::refresh();
        self::assertSame('untouched', $result['products'][2]['status']);
    }
}
