<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\Log;
use WHMCS\Module\Addon\VfStock\Settings;
use WHMCS\Module\Addon\VfStock\State;

/**
 * The admin dashboard widget: sold-out, low,
 * stale and untouched products at a glance, linking to the addon page.
 * From stored state only: drawing the dashboard never asks the panel.
 *
 * Loaded only where WHMCS has \WHMCS\Module\AbstractWidget (Hooks checks).
 */
final class Widget extends \WHMCS\Module\AbstractWidget
{
    public const LINK = 'addonmodules.php?module=vfstock';

    /** Products named per list before the rest are only counted. */
    private const NAMES = 5;

    protected $title = 'VirtFusion Stock';
    protected $description = 'Stock-controlled VirtFusion products that need a look.';
    protected $weight = 150;
    protected $columns = 1;
    protected $cache = false;

    /**
     * @return array{total: int, checked: int, lastCheck: ?int, now: int, lists: array<string, list<array{id: int,
     *               name: string, qty: int, note: string}>>, error: ?string}
     */
    public function getData()
    {
        $data = ['total' => 0, 'checked' => 0, 'lastCheck' => null, 'now' => time(),
            'lists' => ['soldOut' => [], 'low' => [], 'stale' => [], 'untouched' => []], 'error' => null];
        try {
            $settings = Settings::load();
            $limits = ['staleHours' => $settings->staleHours(), 'lowStock' => $settings->lowStock()];
            $now = $data['now'];
            foreach (State::products() as $view) {
                $data['total']++;
                $c = Condition::of($view, $limits, $now);
                if (!$c['checked']) {
                    continue;
                }
                $data['checked']++;
                $data['lastCheck'] = max($data['lastCheck'] ?? 0, (int) $view['checkedAt']);
                $item = ['id' => (int) $view['id'], 'name' => (string) $view['name'], 'qty' => (int) $view['qty'],
                    'note' => ''];
                if ($c['zeroed'] !== null) {
                    $data['lists']['soldOut'][] = ['note' => 'package ' . $c['zeroed']] + $item;
                } elseif ($c['soldOut']) {
                    $data['lists']['soldOut'][] = $item;
                } elseif ($c['low']) {
                    $data['lists']['low'][] = ['note' => 'qty ' . $item['qty']] + $item;
                }
                if ($c['stale']) {
                    $since = State::staleSince($view);
                    $data['lists']['stale'][] = ['note' => $since !== null ? 'since ' . Html::ago($since, $now) : '']
                        + $item;
                } elseif ($c['untouched']) {
                    $data['lists']['untouched'][] = ['note' => (string) ($view['reason'] ?? '')] + $item;
                }
            }
        } catch (\Throwable $e) {
            Log::failure('dashboard widget', $e);
            $data['error'] = Log::redact($e->getMessage());
        }

        return $data;
    }

    /** @param mixed $data getData() */
    public function generateOutput($data)
    {
        $data = is_array($data) ? $data : [];
        $link = '<a href="' . Html::e(self::LINK) . '" class="btn btn-default btn-sm" id="vfstock-widget-link">'
            . 'Open VirtFusion Stock Control</a>';
        $html = '<div class="widget-content-padded vfstock-widget" id="vfstock-widget"><style>'
            . '.vfstock-widget ul{margin:2px 0 10px}.vfstock-widget .vfstock-widget-total{margin:0 0 10px}</style>';
        if (($data['error'] ?? null) !== null) {
            return $html . '<p class="text-danger">The stock state could not be read: ' . Html::e($data['error'])
                . '</p>' . $link . '</div>';
        }
        $total = (int) ($data['total'] ?? 0);
        if ($total === 0) {
            return $html . '<p class="text-muted">No VirtFusion product has stock control on.</p>' . $link . '</div>';
        }
        $lists = is_array($data['lists'] ?? null) ? $data['lists'] : [];
        $titles = [
            'soldOut' => ['danger', 'Sold out'],
            'low' => ['warning', 'Low stock'],
            'stale' => ['danger', 'Stale (panel unreadable)'],
            'untouched' => ['warning', 'Not recalculated'],
        ];
        $any = false;
        $body = '';
        foreach ($titles as $key => [$kind, $title]) {
            $items = is_array($lists[$key] ?? null) ? $lists[$key] : [];
            if ($items === []) {
                continue;
            }
            $any = true;
            $body .= '<div class="vfstock-widget-list" data-list="' . Html::e($key) . '"><strong>' . Html::e($title)
                . '</strong> ' . Html::label($kind, (string) count($items)) . '<ul class="list-unstyled">';
            foreach (array_slice($items, 0, self::NAMES) as $item) {
                $body .= '<li><a href="' . Html::e(self::LINK . '#vfstock-product-' . (int) $item['id']) . '">'
                    . Html::e($item['name']) . '</a>'
                    . ($item['note'] !== '' ? ' <span class="text-muted">' . Html::e($item['note']) . '</span>' : '')
                    . '</li>';
            }
            if (count($items) > self::NAMES) {
                $body .= '<li class="text-muted">and ' . (count($items) - self::NAMES) . ' more</li>';
            }
            $body .= '</ul></div>';
        }
        $checked = (int) ($data['checked'] ?? 0);
        $ago = Html::ago((int) ($data['lastCheck'] ?? 0), (int) ($data['now'] ?? time()));
        $products = Html::plural($total, 'stock-controlled product', 'stock-controlled products');
        $head = '<p class="vfstock-widget-total">' . Html::e($products)
            . ($checked < $total ? ', ' . Html::e(($total - $checked) . ' never checked') : '')
            . (isset($data['lastCheck']) ? ' · last refresh ' . Html::e($ago) : '') . '.</p>';
        if (!$any) {
            $body = '<p class="text-success" id="vfstock-widget-ok">' . ($checked > 0 ? 'All in stock and up to date.'
                : 'Nothing checked yet.') . '</p>';
        }

        return $html . $head . $body . $link . '</div>';
    }
}
