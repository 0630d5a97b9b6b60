//! How many VPSes one resource cell holds, and the safety buffer.

use super::input::Setting;

/// A count of VPSes, or no limit at all.
///
/// `Unlimited` sorts above every finite count, so `min` over axes and groups
/// is the ordinary `Ord::min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl Fit {
    /// Where this fit sorts: a count as itself, `Unlimited` above every
    /// count. One comparison of two numbers, where the derived order tested
    /// the variants and then the counts, branch by branch: axes are
    /// compared several times for every hypervisor evaluated.
    #[inline(always)]
    fn rank(self) -> i128 {
        match self {
            Fit::Finite(n) => i128::from(n),
            Fit::Unlimited => i128::MAX,
        }
    }
}

impl Ord for Fit {
    #[inline(always)]
    fn cmp(&self, other: &Fit) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Fit {
    #[inline(always)]
    fn partial_cmp(&self, other: &Fit) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The safety buffer: a whole percent of each cell's `max` kept free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Buffer(u8);

impl Buffer {
    /// Used when a product's buffer is blank or not numeric.
    pub const DEFAULT: Buffer = Buffer(10);

    /// Clamps any whole percent into 0–100.
    pub fn percent(p: i64) -> Buffer {
        Buffer(p.clamp(0, 100) as u8)
    }

    /// A product's buffer setting (`configoption7`): blank or not numeric
    /// means the default; any number is a whole percent (`12.5` → 12),
    /// clamped.
    pub fn from_setting(s: Setting) -> Buffer {
        s.0.map_or(Buffer::DEFAULT, Buffer::percent)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// `ceil(max × b / 100)`, exactly, for any `max ≥ 0`.
    pub fn reserve(self, max: i64) -> i64 {
        // In i64 when the product fits (any real cell): 128-bit division
        // is a call, twice per axis of every hypervisor read.
        if let Some(p) = max.checked_mul(i64::from(self.0)).filter(|p| *p >= 0) {
            return p / 100 + i64::from(p % 100 != 0);
        }
        let r = (i128::from(max) * i128::from(self.0) + 99) / 100;
        // r ≤ max because b ≤ 100, so it fits.
        r as i64
    }
}

/// A resource cell `{max, free}` as the core keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quota {
    pub max: i64,
    pub free: i64,
}

/// How many VPSes needing `need` of this cell fit in it, after `taken`
/// already placed; `None` is a cell that is missing or not an object.
///
/// The buffer is a share of `max`, not of `free`: free shrinks as the
/// hypervisor fills, and a reserve that shrank with it would protect nothing.
pub fn fit(cell: Option<Quota>, taken: i64, need: i64, buffer: Buffer) -> Fit {
    if need <= 0 {
        return Fit::Unlimited;
    }
    match cell {
        None => Fit::Finite(0),
        Some(q) => fit_quota(q, taken, need, buffer),
    }
}

/// [`fit`] for a cell of which `taken` has already been placed.
pub fn fit_quota(q: Quota, taken: i64, need: i64, buffer: Buffer) -> Fit {
    if need <= 0 || q.max <= 0 {
        return Fit::Unlimited;
    }
    let avail = i128::from(q.free) - i128::from(taken) - i128::from(buffer.reserve(q.max));
    if avail <= 0 {
        return Fit::Finite(0);
    }
    // Divided in i64 when avail fits (always: avail ≤ free when nothing
    // taken is negative), one instruction where i128 is a call, for every
    // cell of every hypervisor.
    Fit::Finite(match i64::try_from(avail) {
        Ok(a) => a / need,
        Err(_) => i64::try_from(avail / i128::from(need)).unwrap_or(i64::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(max: i64, free: i64) -> Option<Quota> {
        Some(Quota { max, free })
    }

    #[test]
    fn zero_need_is_unlimited() {
        assert_eq!(fit(None, 0, 0, Buffer::DEFAULT), Fit::Unlimited);
        assert_eq!(fit(cell(100, 0), 0, -5, Buffer::DEFAULT), Fit::Unlimited);
    }

    #[test]
    fn missing_cell_fits_nothing() {
        assert_eq!(fit(None, 0, 1, Buffer::DEFAULT), Fit::Finite(0));
    }

    #[test]
    fn no_quota_is_unlimited_even_with_negative_free() {
        assert_eq!(fit(cell(0, -50), 0, 1, Buffer::DEFAULT), Fit::Unlimited);
        assert_eq!(fit(cell(-1, 10), 0, 1, Buffer::DEFAULT), Fit::Unlimited);
    }

    #[test]
    fn buffer_is_a_share_of_max_rounded_up() {
        // max 1000, 10% → reserve 100; free 600 → 500 / 100 = 5.
        assert_eq!(
            fit(cell(1000, 600), 0, 100, Buffer::percent(10)),
            Fit::Finite(5)
        );
        // max 1001, 10% → reserve ceil(100.1) = 101; 600 − 101 = 499 → 4.
        assert_eq!(
            fit(cell(1001, 600), 0, 100, Buffer::percent(10)),
            Fit::Finite(4)
        );
        assert_eq!(
            fit(cell(1000, 600), 0, 100, Buffer::percent(0)),
            Fit::Finite(6)
        );
        assert_eq!(
            fit(cell(1000, 1000), 0, 1, Buffer::percent(100)),
            Fit::Finite(0)
        );
    }

    #[test]
    fn nothing_available_fits_zero() {
        assert_eq!(
            fit(cell(1000, 100), 0, 1, Buffer::percent(10)),
            Fit::Finite(0)
        );
        assert_eq!(
            fit(cell(1000, -5), 0, 1, Buffer::percent(0)),
            Fit::Finite(0)
        );
        assert_eq!(
            fit(cell(1000, 99), 0, 100, Buffer::percent(0)),
            Fit::Finite(0)
        );
    }

    #[test]
    fn what_was_taken_comes_off_free() {
        let q = Quota {
            max: 1000,
            free: 600,
        };
        assert_eq!(fit_quota(q, 200, 100, Buffer::percent(10)), Fit::Finite(3));
        assert_eq!(
            fit_quota(q, i64::MAX, 1, Buffer::percent(0)),
            Fit::Finite(0)
        );
    }

    /// The 128-bit rules, without the fast paths.
    fn wide_reserve(b: Buffer, max: i64) -> i64 {
        ((i128::from(max) * i128::from(b.0) + 99) / 100) as i64
    }

    fn wide_fit(q: Quota, taken: i64, need: i64, b: Buffer) -> Fit {
        if need <= 0 || q.max <= 0 {
            return Fit::Unlimited;
        }
        let avail = i128::from(q.free) - i128::from(taken) - i128::from(wide_reserve(b, q.max));
        Fit::Finite(i64::try_from(avail.max(0) / i128::from(need)).unwrap_or(i64::MAX))
    }

    /// The order as variants, then counts (what `derive(Ord)` gives).
    fn by_variant(f: Fit) -> (u8, i64) {
        match f {
            Fit::Finite(n) => (0, n),
            Fit::Unlimited => (1, 0),
        }
    }

    fn arb_fit() -> impl proptest::strategy::Strategy<Value = Fit> {
        use proptest::strategy::Strategy;
        proptest::prop_oneof![
            proptest::num::i64::ANY.prop_map(Fit::Finite),
            proptest::strategy::Just(Fit::Finite(i64::MAX)),
            proptest::strategy::Just(Fit::Unlimited),
        ]
    }

    #[test]
    fn unlimited_sorts_above_every_count() {
        assert!(Fit::Finite(i64::MAX) < Fit::Unlimited);
        assert!(Fit::Finite(0) < Fit::Finite(1));
        assert_eq!(Fit::Unlimited.min(Fit::Finite(3)), Fit::Finite(3));
        assert_eq!(
            Fit::Unlimited.cmp(&Fit::Unlimited),
            std::cmp::Ordering::Equal
        );
    }

    proptest::proptest! {
        #[test]
        fn fits_sort_as_variants_then_counts(a in arb_fit(), b in arb_fit()) {
            proptest::prop_assert_eq!(a.cmp(&b), by_variant(a).cmp(&by_variant(b)));
            proptest::prop_assert_eq!(a.partial_cmp(&b), Some(a.cmp(&b)));
            proptest::prop_assert_eq!(a == b, a.cmp(&b) == std::cmp::Ordering::Equal);
        }

        #[test]
        fn the_fast_paths_answer_as_128_bit_arithmetic(
            max in proptest::prop_oneof![0..=1i64 << 40, proptest::num::i64::ANY, i64::MAX - 1000..=i64::MAX],
            free in proptest::prop_oneof![-1000..=1i64 << 40, proptest::num::i64::ANY],
            taken in proptest::prop_oneof![0..=1000i64, proptest::num::i64::ANY],
            need in proptest::prop_oneof![1..=1i64 << 20, proptest::num::i64::ANY],
            b in 0..=100i64,
        ) {
            let b = Buffer::percent(b);
            if max >= 0 {
                proptest::prop_assert_eq!(b.reserve(max), wide_reserve(b, max));
            }
            let q = Quota { max, free };
            proptest::prop_assert_eq!(fit_quota(q, taken, need, b), wide_fit(q, taken, need, b));
        }
    }

    #[test]
    fn extremes_never_overflow() {
        assert_eq!(Buffer::percent(100).reserve(i64::MAX), i64::MAX);
        assert_eq!(Buffer::percent(50).reserve(i64::MAX), i64::MAX / 2 + 1);
        assert_eq!(
            fit(cell(i64::MAX, i64::MAX), 0, 1, Buffer::percent(0)),
            Fit::Finite(i64::MAX)
        );
        assert_eq!(
            fit(cell(i64::MAX, i64::MIN), 0, 1, Buffer::percent(100)),
            Fit::Finite(0)
        );
        assert_eq!(
            fit(cell(1, i64::MAX), 0, i64::MAX, Buffer::percent(0)),
            Fit::Finite(1)
        );
    }

    #[test]
    fn buffer_settings() {
        for (s, b) in [
            (None, 10),
            (Some(0), 0),
            (Some(25), 25),
            (Some(12), 12),
            (Some(-5), 0),
            (Some(150), 100),
            (Some(i64::MAX), 100),
        ] {
            assert_eq!(Buffer::from_setting(Setting(s)).get(), b, "{s:?}");
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
