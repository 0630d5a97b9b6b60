<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * Locations that cannot take a product, from stored state (no panel
 * request): on the configure page they are marked, and with hideSoldOut a
 * Location sold out for every product of its option group is hidden, and
 * shown again once it has room. Only sub-options vfstock hid are ever shown
 * again; the operator's own hidden ones are never touched.
 */
final class SoldOut
{
    public function __construct(private readonly Settings $settings)
    {
    }

    /**
     * Per group of a product's last result: true sold out, false has room;
     * groups that could not be read are left out (never called sold out).
     *
     * @param array<string, mixed> $view State::product()
     * @return array<int, bool>
     */
    public static function groups(array $view): array
    {
        $out = [];
        foreach ($view['groups'] ?? [] as $gid => $group) {
            $status = $group['status'] ?? null;
            if ($status === 'missing') {
                $out[(int) $gid] = true;
            } elseif ($status === 'ok') {
                $out[(int) $gid] = empty($group['unbounded']) && (int) ($group['fits'] ?? 0) <= 0;
            }
        }

        return $out;
    }

    /**
     * The configure page's `configurableoptions` with the product's sold-out
     * Location sub-options named so; null when nothing is sold out.
     *
     * @param mixed $options the template variable
     * @return list<array<string, mixed>>|null
     */
    public function mark(int $productId, mixed $options): ?array
    {
        $view = State::product($productId);
        if (!is_array($options) || $view === null) {
            return null;
        }
        $soldOut = array_keys(array_filter(self::groups($view)));
        if ($soldOut === []) {
            return null;
        }
        $suffix = ' — ' . $this->settings->soldOutLabel();
        $changed = false;
        foreach ($options as $i => $option) {
            if (!is_array($option) || !OptionValue::is((string) ($option['optionname'] ?? ''), $this->settings->locationLabel())) {
                continue;
            }
            $subs = is_array($option['options'] ?? null) ? $option['options'] : [];
            $names = self::subNames(array_map(static fn ($s): int => (int) ($s['id'] ?? 0), $subs));
            foreach ($subs as $j => $sub) {
                $group = OptionValue::group($names[(int) ($sub['id'] ?? 0)] ?? '');
                if ($group === null || !in_array($group, $soldOut, true)) {
                    continue;
                }
                foreach (['name', 'nameonly'] as $key) {
                    if (isset($sub[$key]) && is_string($sub[$key]) && !str_ends_with($sub[$key], $suffix)) {
                        $options[$i]['options'][$j][$key] = $sub[$key] . $suffix;
                        $changed = true;
                    }
                }
            }
        }

        return $changed ? array_values($options) : null;
    }

    /**
     * Hides the Location sub-options sold out for every managed product
     * linked to their option group, and shows again the ones vfstock hid
     * that have room.
     */
    public function applyHiding(): void
    {
        if (!Capsule::schema()->hasTable(Schema::HIDDEN)) {
            return;
        }
        $ours = array_map('intval', Capsule::table(Schema::HIDDEN)->pluck('sub_id')->all());
        $label = $this->settings->locationLabel();
        $options = array_filter(
            Capsule::table('tblproductconfigoptions')->get(['id', 'gid', 'optionname'])->all(),
            static fn (object $o): bool => OptionValue::is((string) $o->optionname, $label)
        );
        if ($options === []) {
            return;
        }
        // Every product's state and every option group's products, read once.
        $linked = [];
        foreach (Capsule::table('tblproductconfiglinks')
            ->whereIn('gid', array_map(static fn (object $o): int => (int) $o->gid, $options))
            ->get(['gid', 'pid']) as $link) {
            $linked[(int) $link->gid][(int) $link->pid] = true;
        }
        $byId = [];
        foreach (State::products() as $view) {
            $byId[(int) $view['id']] = $view;
        }
        foreach ($options as $option) {
            // The managed products linked to it, in id order.
            $views = array_values(array_intersect_key($byId, $linked[(int) $option->gid] ?? []));
            if ($views === [] || in_array(false, array_column($views, 'checked'), true)) {
                continue; // a product never checked: nothing is known about its Locations
            }
            $byProduct = array_map([self::class, 'groups'], $views);
            foreach (Capsule::table('tblproductconfigoptionssub')->where('configid', $option->id)
                ->get(['id', 'optionname', 'hidden']) as $sub) {
                $group = OptionValue::group((string) $sub->optionname);
                if ($group === null) {
                    continue;
                }
                $known = array_filter($byProduct, static fn (array $g): bool => array_key_exists($group, $g));
                if (count($known) !== count($byProduct)) {
                    continue; // some product's figure for it is unknown: leave it as it is
                }
                $full = !in_array(false, array_map(static fn (array $g): bool => $g[$group], $known), true);
                $id = (int) $sub->id;
                if ($full && (int) $sub->hidden === 0) {
                    Capsule::table('tblproductconfigoptionssub')->where('id', $id)->update(['hidden' => 1]);
                    Capsule::table(Schema::HIDDEN)->insert(['sub_id' => $id, 'hidden_at' => time()]);
                    Log::activity('Location "' . OptionValue::label((string) $sub->optionname)
                        . '" is hidden: it is sold out for every product that offers it.');
                } elseif (!$full && in_array($id, $ours, true)) {
                    Capsule::table('tblproductconfigoptionssub')->where('id', $id)->update(['hidden' => 0]);
                    Capsule::table(Schema::HIDDEN)->where('sub_id', $id)->delete();
                    Log::activity('Location "' . OptionValue::label((string) $sub->optionname)
                        . '" is shown again: it has room.');
                }
            }
        }
    }

    /**
     * @param list<int> $ids sub-option ids
     * @return array<int, string> id => name
     */
    private static function subNames(array $ids): array
    {
        $ids = array_values(array_filter($ids));
        if ($ids === []) {
            return [];
        }

        return array_map('strval', Capsule::table('tblproductconfigoptionssub')->whereIn('id', $ids)
            ->pluck('optionname', 'id')->all());
    }
}
