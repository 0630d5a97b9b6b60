//! Process-local leases: the fallback when the caller gives no shared
//! `db.claim`. They only rate-limit this PHP process; WHMCS's many workers
//! and nodes need the database-backed claim of the addon.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

static LEASES: Lazy<Mutex<HashMap<String, Instant>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// A bound on distinct live keys (one per product at most, in practice).
const MAX_LEASES: usize = 10_000;

/// Takes `key` for `ttl` unless it is still held; true when taken.
pub fn claim(key: &str, ttl: Duration) -> bool {
    let now = Instant::now();
    let mut leases = LEASES.lock();
    if leases.get(key).is_some_and(|&until| until > now) {
        return false;
    }
    if leases.len() >= MAX_LEASES {
        leases.retain(|_, until| *until > now);
    }
    leases.insert(key.to_owned(), now + ttl);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_held_until_it_expires() {
        assert!(claim("test:a", Duration::from_millis(50)));
        assert!(!claim("test:a", Duration::from_millis(50)));
        assert!(
            claim("test:b", Duration::from_millis(50)),
            "keys are independent"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(claim("test:a", Duration::from_millis(50)));
    }
}
