<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock;

use WHMCS\Database\Capsule;

/**
 * The addon's settings (SPEC §7), read from `tbladdonmodules`; a setting
 * without a row takes its default, so a fresh install behaves as documented.
 */
final class Settings
{
    public const MODULE = 'vfstock';

    /** The defaults, as WHMCS stores values (strings; a yesno field is 'on' or ''). */
    public const DEFAULTS = [
        'buffer' => '10',
        'cronInterval' => '120',
        'eventInterval' => '30',
        'cartInterval' => '60',
        'cartTimeout' => '3',
        'autoAccept' => 'on',
        'locationLabel' => 'Location',
    ];

    /** @var array<string, string> */
    private array $values;

    /**
     * @param array<string, mixed> $values setting => value; missing ones take their default
     */
    public function __construct(array $values = [])
    {
        $this->values = self::DEFAULTS;
        foreach ($values as $key => $value) {
            if (array_key_exists($key, self::DEFAULTS)) {
                $this->values[$key] = is_scalar($value) ? (string) $value : '';
            }
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

    /** Safety buffer percent for products whose configoption7 is blank: 0–100. */
    public function buffer(): int
    {
        $value = self::number($this->values['buffer']) ?? (float) self::DEFAULTS['buffer'];

        return (int) max(0, min(100, floor($value)));
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

    /** Seconds a cart-page refresh may wait on the panel (more than 0). */
    public function cartTimeout(): float
    {
        $value = self::number($this->values['cartTimeout']);

        return $value !== null && $value > 0 ? min($value, 60.0) : (float) self::DEFAULTS['cartTimeout'];
    }

    public function autoAccept(): bool
    {
        return in_array(strtolower(trim($this->values['autoAccept'])), ['on', 'yes', '1', 'true'], true);
    }

    /** The configurable option that lists hypervisor groups. */
    public function locationLabel(): string
    {
        $label = trim($this->values['locationLabel']);

        return $label === '' ? self::DEFAULTS['locationLabel'] : $label;
    }

    /**
     * The effective values, typed.
     *
     * @return array{buffer: int, cronInterval: int, eventInterval: int, cartInterval: int,
     *               cartTimeout: float, autoAccept: bool, locationLabel: string}
     */
    public function toArray(): array
    {
        return [
            'buffer' => $this->buffer(),
            'cronInterval' => $this->cronInterval(),
            'eventInterval' => $this->eventInterval(),
            'cartInterval' => $this->cartInterval(),
            'cartTimeout' => $this->cartTimeout(),
            'autoAccept' => $this->autoAccept(),
            'locationLabel' => $this->locationLabel(),
        ];
    }

    private function whole(string $key): int
    {
        $value = self::number($this->values[$key]) ?? (float) self::DEFAULTS[$key];

        return (int) max(1, min(10_000_000, floor($value)));
    }

    private static function number(string $value): ?float
    {
        $value = trim($value);

        return is_numeric($value) && is_finite((float) $value) ? (float) $value : null;
    }
}
