<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Cli;

use WHMCS\Module\Addon\VfStock\State;

/**
 * A product's stored groups (State::product()/products()) with their
 * hypervisor rows attached (State::hypervisors() of each group's `key`):
 * the same shape as the groups of a refresh result, so one renderer serves
 * both. Rows shared by several products are read once (for the admin page
 * and the CLI alike).
 */
final class Stored
{
    /** @var array<string, list<array<string, mixed>>> */
    private array $rows = [];

    /**
     * @param array<string, mixed> $view a State view
     * @return array<int, array<string, mixed>> group id => group, with `hypervisors`
     */
    public function groups(array $view): array
    {
        $out = [];
        foreach (is_array($view['groups'] ?? null) ? $view['groups'] : [] as $gid => $group) {
            $group = is_array($group) ? $group : [];
            $key = isset($group['key']) ? (string) $group['key'] : '';
            if ($key !== '' && !isset($this->rows[$key])) {
                $this->rows[$key] = State::hypervisors($key);
            }
            $group['hypervisors'] = $key === '' ? [] : $this->rows[$key];
            $out[(int) $gid] = $group;
        }

        return $out;
    }

    /**
     * The groups of a refresh result's product line, labelled from its
     * Locations (as State records them).
     *
     * @param array<string, mixed> $line
     * @return array<int, array<string, mixed>>
     */
    public static function resultGroups(array $line): array
    {
        $labels = State::labels($line);
        $out = [];
        foreach (is_array($line['groups'] ?? null) ? $line['groups'] : [] as $gid => $group) {
            $group = is_array($group) ? $group : [];
            $group['label'] = $labels[(int) $gid] ?? null;
            $out[(int) $gid] = $group;
        }

        return $out;
    }
}
