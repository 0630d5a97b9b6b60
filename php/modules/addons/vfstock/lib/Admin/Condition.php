<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

use WHMCS\Module\Addon\VfStock\State;

/**
 * What a product's stored state means to an operator, for the page and the
 * widget alike: sold out, low, zeroed because its package is gone or
 * disabled (a warning, never a success), untouched, stale (the panel has
 * been unreadable for longer than staleHours). Read from State only.
 */
final class Condition
{
    /** The reasons the extension gives when it zeroes a product whose package went away. */
    private const ZEROED_REASON = '/\bpackage\b.*\b(no longer exists|is disabled)\b/i';

    /**
     * @param array<string, mixed> $view State::products() entry
     * @param array{staleHours: float, lowStock: int} $limits
     * @return array{checked: bool, zeroed: ?string, stale: bool, untouched: bool, soldOut: bool, low: bool,
     *               row: string, kind: string, text: string, flags: list<array{0: string, 1: string}>}
     *         row: the Bootstrap row class ('' for none); kind/text: the status label; flags: more labels
     */
    public static function of(array $view, array $limits, int $now): array
    {
        $status = $view['status'] ?? null;
        $qty = (int) ($view['qty'] ?? 0);
        $out = ['checked' => !empty($view['checked']), 'zeroed' => null, 'stale' => false, 'untouched' => false,
            'soldOut' => false, 'low' => false, 'row' => '', 'kind' => 'default', 'text' => 'never checked',
            'flags' => []];
        if (!$out['checked'] || !is_string($status)) {
            return $out;
        }
        $out['text'] = $status;
        $computed = in_array($status, State::COMPUTED, true);
        $package = $view['packageStatus'] ?? null;
        if (State::zeroedBecause($package) !== null) {
            $out['zeroed'] = $package === 'disabled' ? 'disabled' : 'gone';
        } elseif ($computed && $qty === 0 && preg_match(self::ZEROED_REASON, (string) ($view['reason'] ?? '')) === 1) {
            $out['zeroed'] = str_contains(strtolower((string) $view['reason']), 'disabled') ? 'disabled' : 'gone';
        }
        if ($computed) {
            $out['soldOut'] = $qty === 0;
            $out['low'] = $qty > 0 && $qty <= $limits['lowStock'];
        }
        if ($status === 'untouched') {
            $out['untouched'] = true;
            $out['stale'] = State::stale($view, $limits['staleHours'], $now);
        }

        if ($out['zeroed'] !== null) {
            $out['kind'] = 'warning';
            $out['text'] = 'zeroed';
            $out['row'] = 'warning';
            $out['flags'][] = ['warning', 'package ' . ($out['zeroed'] === 'disabled' ? 'disabled' : 'gone')];
        } else {
            $out['kind'] = match ($status) {
                'updated' => 'success',
                'untouched' => 'warning',
                'skipped' => 'info',
                default => 'default',
            };
            if ($out['soldOut']) {
                $out['row'] = 'warning';
                $out['flags'][] = ['danger', 'sold out'];
            } elseif ($out['low']) {
                $out['flags'][] = ['warning', 'low'];
            }
            if ($out['untouched']) {
                $out['row'] = 'warning';
            }
        }
        if ($out['stale']) {
            $out['row'] = 'danger';
            $out['flags'][] = ['danger', 'stale'];
        }

        return $out;
    }
}
