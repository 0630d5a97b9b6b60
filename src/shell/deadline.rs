//! A bound on a whole refresh, probe or check, however many requests and
//! pages it makes.
//!
//! Bounding each request alone let a cart page with 20 Locations wait 9 s
//! on a panel that accepts connections and never answers. Every request
//! now asks the deadline how long it may take, and one that would start
//! after it does not start at all.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    at: Option<Instant>,
    total: Duration,
}

impl Deadline {
    /// No bound but each request's own timeout.
    pub const NONE: Deadline = Deadline {
        at: None,
        total: Duration::ZERO,
    };

    /// `total` from now.
    pub fn after(total: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(total),
            total,
        }
    }

    /// How long is left; `None` when unbounded.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    pub fn passed(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// `limit`, or less when the deadline is nearer.
    pub fn bound(&self, limit: Duration) -> Duration {
        self.remaining().map_or(limit, |left| left.min(limit))
    }

    /// Why a read did not happen, in words.
    pub fn reason(&self) -> String {
        format!(
            "not read within the deadline of {:.1} s (the panel is slow or not answering)",
            self.total.as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_shrink_to_what_is_left() {
        let none = Deadline::NONE;
        assert_eq!(none.remaining(), None);
        assert_eq!(none.bound(Duration::from_secs(5)), Duration::from_secs(5));
        assert!(!none.passed());
        let soon = Deadline::after(Duration::from_millis(50));
        assert!(soon.bound(Duration::from_secs(5)) <= Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        assert!(soon.passed());
        assert_eq!(soon.bound(Duration::from_secs(5)), Duration::ZERO);
        assert!(soon.reason().contains("0.1 s"), "{}", soon.reason());
    }

    #[test]
    fn absurd_totals_do_not_overflow() {
        let far = Deadline::after(Duration::MAX);
        assert_eq!(far.remaining(), None);
    }
}
