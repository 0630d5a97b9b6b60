<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\Cli\Stored;

/**
 * Per product, collapsed until opened: the package, buffer and IPv4 count
 * it was counted with, and each Location's hypervisors with the axis that
 * holds each one down — all as the last refresh stored them.
 */
final class BreakdownsView
{
    /**
     * @param list<array<string, mixed>> $products State::products()
     * @param array{staleHours: float, lowStock: int} $limits
     */
    /** Breakdown rows by key: products that share them read them once. */
    private readonly Stored $stored;

    public function __construct(
        private readonly array $products,
        private readonly array $limits,
        private readonly int $now,
    ) {
        $this->stored = new Stored();
    }

    public function render(): string
    {
        $items = '';
        foreach ($this->products as $view) {
            if (!empty($view['checked'])) {
                $items .= $this->product($view);
            }
        }
        $intro = '<p class="text-muted">How many VPSes of each product every hypervisor still holds, and the'
            . ' resource that holds it down. Open a product to see its Locations.</p>';
        if ($items === '') {
            return Html::panel('vfstock-breakdowns', 'Per-hypervisor breakdown', $intro
                . '<p id="vfstock-no-breakdown">No breakdown yet: it appears after the first refresh.</p>');
        }

        return Html::panel(
            'vfstock-breakdowns',
            'Per-hypervisor breakdown',
            $intro,
            'default',
            '<div class="vfstock-breakdown-list">' . $items . '</div>'
        );
    }

    /** @param array<string, mixed> $view */
    private function product(array $view): string
    {
        $id = (int) $view['id'];
        $c = Condition::of($view, $this->limits, $this->now);
        $groups = is_array($view['groups']) ? $view['groups'] : [];
        $parts = [];
        foreach ($groups as $gid => $group) {
            if (is_array($group)) {
                $parts[] = GroupView::title((int) $gid, $group, $view['defaultGroup']) . ' '
                    . GroupView::fitsLabel($group)[1];
            }
        }
        $line = 'qty ' . $view['qty'] . ($parts !== [] ? ' · ' . implode(' · ', $parts) : '');
        $summary = '<summary><strong>#' . $id . ' ' . Html::e($view['name']) . '</strong> '
            . Html::label((string) $c['kind'], (string) $c['text'])
            . ' <span class="vfstock-summary-line">' . Html::e($line) . '</span></summary>';

        $facts = [];
        if ($view['packageId'] !== null) {
            $facts[] = 'package ' . $view['packageId']
                . (in_array($view['packageStatus'], [null, 'ok'], true) ? '' : ' (' . $view['packageStatus'] . ')');
        }
        if ($view['buffer'] !== null) {
            $facts[] = 'safety buffer ' . $view['buffer'] . ' %';
        }
        if ($view['ipv4'] !== null) {
            $facts[] = $view['ipv4'] === 0 ? 'IPv6 only'
                : Html::plural((int) $view['ipv4'], 'IPv4 address', 'IPv4 addresses') . ' per VPS';
        }
        if ($view['checkedAt'] !== null) {
            $facts[] = 'checked ' . Html::when((int) $view['checkedAt']);
        }
        $body = '<div class="vfstock-breakdown-body">';
        if ($facts !== []) {
            $body .= '<p class="vfstock-facts">' . Html::e(implode(' · ', $facts)) . '</p>';
        }
        if ($view['reason'] !== null) {
            $body .= '<p class="text-' . ($c['kind'] === 'success' || $c['kind'] === 'default' ? 'muted' : 'warning')
                . '">' . Html::e($view['reason']) . '</p>';
        }
        if ($groups === []) {
            $body .= '<p class="text-muted">No group was counted.</p>';
        }
        $stored = $this->stored->groups($view);
        foreach ($groups as $gid => $group) {
            if (is_array($group)) {
                $body .= GroupView::section(
                    (int) $gid,
                    $group,
                    $view['defaultGroup'],
                    $stored[(int) $gid]['hypervisors'] ?? [],
                    $view['ipv4']
                );
            }
        }

        return '<details class="vfstock-breakdown" id="vfstock-breakdown-' . $id . '" data-pid="' . $id . '">'
            . $summary . $body . '</div></details>';
    }
}
