//! Process-local leases: the fallback when the caller gives no shared
//! `db.claim`. They only rate-limit this PHP process; WHMCS's many workers
//! and nodes need the database-backed claim of the addon.
//!
//! The table is bounded in bytes (40,000 live leases with long keys once
//! held 394 MB): past the budget, expired leases go first, then the ones
//! nearest their end, which costs at most an early refresh.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

struct Table {
    leases: HashMap<String, Instant>,
    bytes: usize,
}

static LEASES: Lazy<Mutex<Table>> = Lazy::new(|| {
    Mutex::new(Table {
        leases: HashMap::new(),
        bytes: 0,
    })
});

/// What the table may hold: thousands of product leases with room to spare.
pub const BUDGET: usize = 1 << 20;

/// A lease's share besides its key.
const OVERHEAD: usize = 64;

/// The longest lease: ten years, so any ttl the caller gives is a time.
const LONGEST: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

fn weight(key: &str) -> usize {
    OVERHEAD + key.len()
}

/// Takes `key` for `ttl` unless it is still held; true when taken. A key
/// larger than the whole budget is never held (every claim takes it).
pub fn claim(key: &str, ttl: Duration) -> bool {
    let now = Instant::now();
    let until = now + ttl.min(LONGEST);
    let mut t = LEASES.lock();
    if t.leases.get(key).is_some_and(|&held| held > now) {
        return false;
    }
    let bytes = weight(key);
    if t.leases.remove(key).is_some() {
        t.bytes -= bytes;
    }
    if bytes > BUDGET {
        return true;
    }
    if t.bytes + bytes > BUDGET {
        let mut freed = 0;
        t.leases.retain(|k, held| {
            let live = *held > now;
            if !live {
                freed += weight(k);
            }
            live
        });
        t.bytes -= freed;
    }
    while t.bytes + bytes > BUDGET {
        let nearest = t
            .leases
            .iter()
            .min_by_key(|(_, held)| **held)
            .map(|(k, _)| k.clone());
        match nearest {
            Some(k) => {
                t.leases.remove(&k);
                t.bytes -= weight(&k);
            }
            None => break,
        }
    }
    t.leases.insert(key.to_owned(), until);
    t.bytes += bytes;
    true
}

/// The bytes the table holds, as weighed.
pub fn bytes() -> usize {
    LEASES.lock().bytes
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

    #[test]
    fn any_ttl_is_a_time() {
        assert!(claim("test:forever", Duration::MAX));
        assert!(!claim("test:forever", Duration::from_secs(1)));
    }

    #[test]
    fn the_table_stays_within_its_budget() {
        for i in 0..40_000 {
            claim(
                &format!("test:many:{i}:{}", "k".repeat(200)),
                Duration::from_secs(3600),
            );
        }
        assert!(bytes() <= BUDGET, "{} bytes", bytes());
    }
}
