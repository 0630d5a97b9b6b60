<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The addon's settings, read from `tbladdonmodules`; a
 * setting without a row takes its default, so a fresh install behaves as
 * documented. FIELDS is the one list: vfstock_config() shows it, load()
 * reads it.
 */
final class Settings
{
    public const MODULE = 'vfstock';

    /**
     * Every setting: label, WHMCS field type, default (as WHMCS stores it:
     * strings, a yesno field is 'on' or ''), description.
     */
    public const FIELDS = [
        'buffer' => ['Safety buffer (%)', 'text', '10',
            'Share of each resource kept free, for products whose own buffer (configoption7) is blank. 0–100.'],
        'cronInterval' => ['Cron sweep (minutes)', 'text', '120',
            'Minutes between full refreshes from the WHMCS cron, for changes made on the panel.'],
        'eventInterval' => ['Provisioning coalescing (seconds)', 'text', '30',
            'Provisions and terminations within this many seconds share one refresh.'],
        'cartInterval' => ['Cart refresh (seconds)', 'text', '60',
            'Seconds between cart-page refreshes of one product.'],
        'cartTimeout' => ['Cart timeout (seconds)', 'text', '3',
            'Longest a cart page or a checkout check waits on the panel, in all: a slow panel never hangs a'
            . ' customer, and an order is never refused because the panel could not be read.'],
        'autoAccept' => ['Auto-accept orders', 'yesno', 'on',
            'Accept the order once its VirtFusion services are provisioned.'],
        'locationLabel' => ['Location option', 'text', 'Location',
            'Name of the configurable option whose sub-options (e.g. "2|Paris") name hypervisor groups.'],
        'ipv4Pool' => ['IPv4 pools', 'dropdown', 'group',
            'group: the hypervisors of a group share one IPv4 pool (capped by the largest free count);'
            . ' hypervisor: each has its own block (each one\'s free count limits it alone).'],
        'lowStock' => ['Low stock at', 'text', '3', 'Notify when a product\'s qty falls to this or below.'],
        'staleHours' => ['Stale after (hours)', 'text', '6',
            'Notify when a product could not be recalculated (the panel unreadable) for this long.'],
        'notifyEmail' => ['Email admins', 'yesno', '',
            'Also send each notification as an admin email (SendAdminEmail), besides WHMCS\'s notification rules.'],
        'reserveHours' => ['Pending orders hold stock (hours)', 'text', '48',
            'Pending, not yet provisioned orders newer than this keep their place in the fleet.'],
        'soldOutLabel' => ['Sold-out label', 'text', 'Sold out',
            'Added to the name of a Location that cannot take the product, on the configure page.'],
        'hideSoldOut' => ['Hide sold-out Locations', 'yesno', '',
            'Hide a Location sub-option that is sold out for every product using it, and show it again'
            . ' when it has room. Sub-options you hid yourself are never touched.'],
        'displayCap' => ['Show at most', 'text', '',
            'The largest qty customers see (blank: the fleet\'s true figure), for stores that keep their size'
            . ' to themselves.'],
    ];

    /** The choices of dropdown settings. */
    public const CHOICES = ['ipv4Pool' => ['group', 'hypervisor']];

    /** @var array<string, string> */
    private array $values = [];

    /**
     * @param array<string, mixed> $values setting => value; missing ones take their default
     */
    public function __construct(array $values = [])
    {
        foreach (self::FIELDS as $key => $field) {
            $value = $values[$key] ?? $field[2];
            $this->values[$key] = is_scalar($value) ? (string) $value : $field[2];
        }
    }

    /** The settings stored for the module, defaults for the rest. */
    public static function load(): self
    {
        $rows = Capsule::table('tbladdonmodules')
            ->where('module', self::MODULE)
            ->get(['setting', 'value']);
        $values = [];
        foreach ($rows as $row) {
            $values[(string) $row->setting] = $row->value;
        }

        return new self($values);
    }

    /** The fields of vfstock_config(). @return array<string, array<string, string>> */
    public static function configFields(): array
    {
        $fields = [];
        foreach (self::FIELDS as $key => [$label, $type, $default, $description]) {
            // WHMCS declares a ticked yes/no field with 'yes', and stores it as 'on'.
            $shown = $type === 'yesno' ? ($default === 'on' ? 'yes' : '') : $default;
            $fields[$key] = ['FriendlyName' => $label, 'Type' => $type, 'Default' => $shown,
                'Description' => $description];
            if ($type === 'text') {
                $fields[$key]['Size'] = $key === 'locationLabel' || $key === 'soldOutLabel' ? '25' : '5';
            }
            if (isset(self::CHOICES[$key])) {
                $fields[$key]['Options'] = implode(',', self::CHOICES[$key]);
            }
        }

        return $fields;
    }

    /** Safety buffer percent for products whose configoption7 is blank: 0–100. */
    public function buffer(): int
    {
        return (int) max(0, min(100, floor($this->number('buffer'))));
    }

    /** Minutes between cron sweeps (at least 1). */
    public function cronInterval(): int
    {
        return $this->whole('cronInterval');
    }

    /** Seconds that coalesce provisions and terminations (at least 1). */
    public function eventInterval(): int
    {
        return $this->whole('eventInterval');
    }

    /** Seconds between cart-page refreshes of one product (at least 1). */
    public function cartInterval(): int
    {
        return $this->whole('cartInterval');
    }

    /** Seconds a cart page or checkout check may wait on the panel, in all (more than 0). */
    public function cartTimeout(): float
    {
        $value = self::parse($this->values['cartTimeout']);

        return $value !== null && $value > 0 ? min($value, 60.0) : (float) self::FIELDS['cartTimeout'][2];
    }

    public function autoAccept(): bool
    {
        return self::flag($this->values['autoAccept']);
    }

    /** The configurable option that lists hypervisor groups. */
    public function locationLabel(): string
    {
        return $this->text('locationLabel');
    }

    /** 'group' or 'hypervisor'. */
    public function ipv4Pool(): string
    {
        $value = strtolower(trim($this->values['ipv4Pool']));

        return in_array($value, self::CHOICES['ipv4Pool'], true) ? $value : self::FIELDS['ipv4Pool'][2];
    }

    public function lowStock(): int
    {
        return (int) max(0, min(1_000_000, floor($this->number('lowStock'))));
    }

    public function staleHours(): float
    {
        return max(0.1, min(24.0 * 365, $this->number('staleHours')));
    }

    public function notifyEmail(): bool
    {
        return self::flag($this->values['notifyEmail']);
    }

    public function reserveHours(): float
    {
        return max(0.0, min(24.0 * 365, $this->number('reserveHours')));
    }

    public function soldOutLabel(): string
    {
        return $this->text('soldOutLabel');
    }

    public function hideSoldOut(): bool
    {
        return self::flag($this->values['hideSoldOut']);
    }

    /** The largest qty customers see, or null for none. */
    public function displayCap(): ?int
    {
        $value = self::parse($this->values['displayCap']);

        return $value === null || $value < 0 ? null : (int) min(2_147_483_647, floor($value));
    }

    /**
     * The effective values, typed.
     *
     * @return array<string, int|float|bool|string|null>
     */
    public function toArray(): array
    {
        $out = [];
        foreach (array_keys(self::FIELDS) as $key) {
            $out[$key] = $this->{$key}();
        }

        return $out;
    }

    private function whole(string $key): int
    {
        return (int) max(1, min(10_000_000, floor($this->number($key))));
    }

    /** The value as a number, or its default's. */
    private function number(string $key): float
    {
        return self::parse($this->values[$key]) ?? (float) self::FIELDS[$key][2];
    }

    private function text(string $key): string
    {
        $value = trim($this->values[$key]);

        return $value === '' ? self::FIELDS[$key][2] : $value;
    }

    private static function flag(string $value): bool
    {
        return in_array(strtolower(trim($value)), ['on', 'yes', '1', 'true'], true);
    }

    private static function parse(string $value): ?float
    {
        $value = trim($value);

        return is_numeric($value) && is_finite((float) $value) ? (float) $value : null;
    }
}
