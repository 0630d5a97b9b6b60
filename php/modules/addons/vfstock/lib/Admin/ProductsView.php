<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\Figure;
use WHMCS\Module\Addon\VfStock\State;

/**
 * The page's main table: every stock-controlled product with its qty, last
 * status, reason, when it was checked, what each Location fits and its
 * qty over the last 30 days. Zeroed, sold-out and stale products stand out.
 */
final class ProductsView
{
    /**
     * @param list<array<string, mixed>> $products State::products()
     * @param array{staleHours: float, lowStock: int} $limits
     */
    public function __construct(
        private readonly array $products,
        private readonly array $limits,
        private readonly int $now,
    ) {
    }

    public function render(): string
    {
        $title = 'Stock-controlled VirtFusion products';
        if ($this->products === []) {
            return Html::panel('vfstock-products-panel', $title, '<p id="vfstock-no-products">No product uses the'
                . ' VirtFusionDirect module with stock control on. Turn on <em>Stock Control</em> on a product'
                . ' (Products/Services &gt; Details).</p>');
        }
        $chart = new Chart($this->now);
        $ids = array_map(static fn (array $view): int => (int) $view['id'], $this->products);
        $histories = State::histories($ids, $chart->since());
        $rows = [];
        $counts = ['stale' => 0, 'zeroed' => 0, 'soldOut' => 0];
        foreach ($this->products as $view) {
            $c = Condition::of($view, $this->limits, $this->now);
            $counts['stale'] += $c['stale'] ? 1 : 0;
            $counts['zeroed'] += $c['zeroed'] !== null ? 1 : 0;
            $counts['soldOut'] += $c['soldOut'] ? 1 : 0;
            $rows[] = $this->row($view, $c, $chart, $histories[(int) $view['id']] ?? []);
        }
        $intro = '<p class="vfstock-intro">' . Html::e(Html::plural(count($this->products), 'product', 'products'))
            . ', as the last refresh left them.';
        foreach (['stale' => 'danger', 'zeroed' => 'warning', 'soldOut' => 'warning'] as $key => $kind) {
            if ($counts[$key] > 0) {
                $words = ['stale' => 'stale', 'zeroed' => 'zeroed (package gone)', 'soldOut' => 'sold out'][$key];
                $intro .= ' ' . Html::label($kind, $counts[$key] . ' ' . $words, 'vfstock-count-' . $key);
            }
        }
        $intro .= '</p>';
        $head = ['Product', 'Qty', 'Status', 'Reason', 'Locations', 'Checked', 'Last ' . Chart::DAYS . ' days'];

        return Html::panel(
            'vfstock-products-panel',
            $title,
            $intro,
            'default',
            Html::table('table-striped vfstock-products vfstock-stack', $head, $rows, 'vfstock-products')
        );
    }

    /**
     * @param array<string, mixed> $view
     * @param array<string, mixed> $c Condition::of()
     * @param list<array{qty: ?int, status: string, at: int}> $history State::histories()
     */
    private function row(array $view, array $c, Chart $chart, array $history): string
    {
        $id = (int) $view['id'];
        $status = Html::label(
            (string) $c['kind'],
            (string) $c['text'],
            'vfstock-status-label',
            $c['zeroed'] !== null ? 'last status: ' . $view['status'] : ''
        );
        foreach ($c['flags'] as [$kind, $text]) {
            $status .= ' ' . Html::label($kind, $text, 'vfstock-flag');
        }
        $reason = Html::e($view['reason'] ?? '');
        if ($c['stale']) {
            $since = State::staleSince($view);
            $reason .= '<div class="text-danger vfstock-stale"><strong>Stale:</strong> not recalculated for more than '
                . Html::e(Figure::short((float) $this->limits['staleHours'])) . ' h'
                . ($since !== null ? ' (last good result ' . Html::e(Html::ago($since, $this->now)) . ')' : '')
                . '; the panel cannot be read.</div>';
        }
        $checked = '';
        if ($view['checkedAt'] !== null) {
            $at = (int) $view['checkedAt'];
            $checked = '<time datetime="' . Html::e(date('c', $at)) . '" title="' . Html::e(Html::ago($at, $this->now))
                . '">' . Html::e(Html::when($at)) . '</time>';
        }

        return '<tr data-pid="' . $id . '" id="vfstock-product-' . $id . '"'
            . ($c['row'] !== '' ? ' class="' . Html::e($c['row']) . '"' : '') . '>'
            . Html::cell('Product', '<a href="configproducts.php?action=edit&amp;id=' . $id . '">#' . $id . ' '
                . Html::e($view['name']) . '</a>', 'vfstock-product')
            . Html::cell('Qty', Html::e($view['qty']), 'vfstock-qty')
            . Html::cell('Status', $status, 'vfstock-status')
            . Html::cell('Reason', $reason, 'vfstock-reason')
            . Html::cell(
                'Locations',
                GroupView::summaries($view['groups'], $view['defaultGroup']),
                'vfstock-locations-cell'
            )
            . Html::cell('Checked', $checked, 'vfstock-checked')
            . Html::cell(
                'Last ' . Chart::DAYS . ' days',
                $chart->svg($history, (string) $view['name']),
                'vfstock-chart vfstock-wide'
            )
            . '</tr>';
    }
}
