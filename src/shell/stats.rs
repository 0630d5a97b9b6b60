//! Process-wide counters for `vf_stock_stats()` and phpinfo.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

pub struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
}

pub static STATS: Stats = Stats {
    hits: AtomicU64::new(0),
    misses: AtomicU64::new(0),
    requests: AtomicU64::new(0),
    errors: AtomicU64::new(0),
};

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub hits: u64,
    pub misses: u64,
    pub requests: u64,
    pub errors: u64,
}

impl Stats {
    pub fn hit(&self) {
        self.hits.fetch_add(1, Relaxed);
    }
    pub fn miss(&self) {
        self.misses.fetch_add(1, Relaxed);
    }
    pub fn request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }
    /// A read that ended transient (transport failure, bad status, bad body).
    pub fn error(&self) {
        self.errors.fetch_add(1, Relaxed);
    }
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            requests: self.requests.load(Relaxed),
            errors: self.errors.load(Relaxed),
        }
    }
}
