//! How many VPSes one resource cell holds, and the safety buffer.

use serde_json::Value;

use super::input::{Cell, Obj};
use super::value::{num, parse_numeric};

/// A count of VPSes, or no limit at all.
///
/// `Unlimited` sorts above every finite count, so `min` over axes and groups
/// is the ordinary `Ord::min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// Never negative.
    Finite(i64),
    Unlimited,
}

impl Fit {
    /// Adds two fits without overflow: finite sums saturate at `i64::MAX`
    /// and stay finite (bounded); only `Unlimited` is unbounded.
    pub fn saturating_add(self, other: Fit) -> Fit {
        match (self, other) {
            (Fit::Finite(a), Fit::Finite(b)) => Fit::Finite(a.saturating_add(b)),
            _ => Fit::Unlimited,
        }
    }

    /// The count, or `None` when unlimited.
    pub fn finite(self) -> Option<i64> {
        match self {
            Fit::Finite(n) => Some(n),
            Fit::Unlimited => None,
        }
    }
}

/// The safety buffer: a whole percent of each cell's `max` kept free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Buffer(u8);

impl Buffer {
    /// Used when a product's buffer is blank or not numeric.
    pub const DEFAULT: Buffer = Buffer(10);

    /// Clamps any whole percent into 0–100.
    pub fn percent(p: i64) -> Buffer {
        Buffer(p.clamp(0, 100) as u8)
    }

    /// Reads a product's buffer setting (`configoption7`): blank or not
    /// numeric means the default; any number is read as a whole percent
    /// (`12.5` → 12) and clamped.
    pub fn from_setting(v: &Value) -> Buffer {
        let numeric = match v {
            Value::Number(_) => true,
            Value::String(s) => parse_numeric(s).is_some(),
            _ => false,
        };
        if numeric {
            Buffer::percent(num(v))
        } else {
            Buffer::DEFAULT
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// `ceil(max × b / 100)`, exactly, for any `max ≥ 0`.
    pub fn reserve(self, max: i64) -> i64 {
        let r = (i128::from(max) * i128::from(self.0) + 99) / 100;
        // r ≤ max because b ≤ 100, so it fits.
        r as i64
    }
}

/// How many VPSes needing `need` of this cell fit in it (SPEC §3 `fit`).
///
/// The buffer is a share of `max`, not of `free`: free shrinks as the
/// hypervisor fills, and a reserve that shrank with it would protect nothing.
pub fn fit(cell: &Obj<Cell>, need: i64, buffer: Buffer) -> Fit {
    if need <= 0 {
        return Fit::Unlimited;
    }
    let Some(cell) = cell.get() else {
        return Fit::Finite(0);
    };
    fit_cell(cell, need, buffer)
}

/// [`fit`] for a cell known to be an object.
pub fn fit_cell(cell: &Cell, need: i64, buffer: Buffer) -> Fit {
    if need <= 0 {
        return Fit::Unlimited;
    }
    let max = cell.max.0;
    if max <= 0 {
        return Fit::Unlimited;
    }
    let avail = i128::from(cell.free.0) - i128::from(buffer.reserve(max));
    if avail <= 0 {
        Fit::Finite(0)
    } else {
        // avail ≤ free ≤ i64::MAX, so the quotient fits.
        Fit::Finite((avail / i128::from(need)) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::Num;

    fn cell(max: i64, free: i64) -> Obj<Cell> {
        Obj::Object(Cell {
            max: Num(max),
            free: Num(free),
            ..Cell::default()
        })
    }

    #[test]
    fn zero_need_is_unlimited() {
        assert_eq!(fit(&Obj::NotObject, 0, Buffer::DEFAULT), Fit::Unlimited);
        assert_eq!(fit(&cell(100, 0), -5, Buffer::DEFAULT), Fit::Unlimited);
    }

    #[test]
    fn missing_cell_fits_nothing() {
        assert_eq!(fit(&Obj::NotObject, 1, Buffer::DEFAULT), Fit::Finite(0));
    }

    #[test]
    fn no_quota_is_unlimited_even_with_negative_free() {
        assert_eq!(fit(&cell(0, -50), 1, Buffer::DEFAULT), Fit::Unlimited);
        assert_eq!(fit(&cell(-1, 10), 1, Buffer::DEFAULT), Fit::Unlimited);
    }

    #[test]
    fn buffer_is_a_share_of_max_rounded_up() {
        // max 1000, 10% → reserve 100; free 600 → 500 / 100 = 5.
        assert_eq!(
            fit(&cell(1000, 600), 100, Buffer::percent(10)),
            Fit::Finite(5)
        );
        // max 1001, 10% → reserve ceil(100.1) = 101; 600 − 101 = 499 → 4.
        assert_eq!(
            fit(&cell(1001, 600), 100, Buffer::percent(10)),
            Fit::Finite(4)
        );
        assert_eq!(
            fit(&cell(1000, 600), 100, Buffer::percent(0)),
            Fit::Finite(6)
        );
        assert_eq!(
            fit(&cell(1000, 1000), 1, Buffer::percent(100)),
            Fit::Finite(0)
        );
    }

    #[test]
    fn nothing_available_fits_zero() {
        assert_eq!(
            fit(&cell(1000, 100), 1, Buffer::percent(10)),
            Fit::Finite(0)
        );
        assert_eq!(fit(&cell(1000, -5), 1, Buffer::percent(0)), Fit::Finite(0));
        assert_eq!(
            fit(&cell(1000, 99), 100, Buffer::percent(0)),
            Fit::Finite(0)
        );
    }

    #[test]
    fn extremes_never_overflow() {
        assert_eq!(Buffer::percent(100).reserve(i64::MAX), i64::MAX);
        assert_eq!(Buffer::percent(50).reserve(i64::MAX), i64::MAX / 2 + 1);
        assert_eq!(
            fit(&cell(i64::MAX, i64::MAX), 1, Buffer::percent(0)),
            Fit::Finite(i64::MAX)
        );
        assert_eq!(
            fit(&cell(i64::MAX, i64::MIN), 1, Buffer::percent(100)),
            Fit::Finite(0)
        );
        assert_eq!(
            fit(&cell(1, i64::MAX), i64::MAX, Buffer::percent(0)),
            Fit::Finite(1)
        );
    }

    #[test]
    fn buffer_settings() {
        use serde_json::json;
        for (v, b) in [
            (json!(null), 10),
            (json!(""), 10),
            (json!("  "), 10),
            (json!("abc"), 10),
            (json!(true), 10),
            (json!([5]), 10),
            (json!(0), 0),
            (json!("0"), 0),
            (json!(25), 25),
            (json!("12.5"), 12),
            (json!(12.9), 12),
            (json!(" 7 "), 7),
            (json!(-5), 0),
            (json!("150"), 100),
            (json!(1e300), 100),
        ] {
            assert_eq!(Buffer::from_setting(&v).get(), b, "{v}");
        }
    }

    #[test]
    fn buffer_clamps() {
        assert_eq!(Buffer::percent(-3).get(), 0);
        assert_eq!(Buffer::percent(250).get(), 100);
    }

    #[test]
    fn sums_saturate_but_stay_bounded() {
        assert_eq!(
            Fit::Finite(i64::MAX).saturating_add(Fit::Finite(5)),
            Fit::Finite(i64::MAX)
        );
        assert_eq!(
            Fit::Finite(1).saturating_add(Fit::Unlimited),
            Fit::Unlimited
        );
        assert!(Fit::Finite(i64::MAX) < Fit::Unlimited);
    }
}
