//! Process-local caches of upstream answers, keyed by API URL and id.
//!
//! Found and confirmed-missing answers are kept (with their own TTLs, read
//! at lookup so an `ini_set` applies at once); transient answers never are,
//! so a blip is retried on the next refresh instead of being remembered.
//! Memory stays bounded **in bytes**, keys included: counting entries alone
//! let 3,000 distinct long URLs grow a worker by 194 MB. Past its budget a
//! cache drops its oldest answers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// What a cache knows about one id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<V> {
    Found(V),
    Missing,
    Unknown,
}

struct Slot<V> {
    at: Instant,
    value: Option<V>,
    bytes: usize,
}

pub struct Cache<V> {
    slots: Mutex<Inner<V>>,
    budget: usize,
    weigh: fn(&V) -> usize,
}

struct Inner<V> {
    map: HashMap<(String, i64), Slot<V>>,
    bytes: usize,
}

/// What one entry costs besides its URL and value: the key, the slot and
/// the hash table's own share.
const OVERHEAD: usize = 96;

impl<V: Clone> Cache<V> {
    /// A cache holding at most `budget` bytes, values weighed by `weigh`.
    pub fn new(budget: usize, weigh: fn(&V) -> usize) -> Cache<V> {
        Cache {
            slots: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
            }),
            budget,
            weigh,
        }
    }

    pub fn get(&self, url: &str, id: i64, found_ttl: Duration, missing_ttl: Duration) -> Lookup<V> {
        let inner = self.slots.lock();
        let Some(slot) = inner.map.get(&(url.to_owned(), id)) else {
            return Lookup::Unknown;
        };
        let age = slot.at.elapsed();
        match &slot.value {
            Some(v) if age < found_ttl => Lookup::Found(v.clone()),
            None if age < missing_ttl => Lookup::Missing,
            _ => Lookup::Unknown,
        }
    }

    /// Remembers an answer: `Some` found, `None` confirmed missing. An
    /// answer larger than the whole budget is not kept.
    pub fn put(&self, url: &str, id: i64, value: Option<V>) {
        let bytes = OVERHEAD + url.len() + value.as_ref().map_or(0, self.weigh);
        let key = (url.to_owned(), id);
        let mut inner = self.slots.lock();
        if let Some(old) = inner.map.remove(&key) {
            inner.bytes -= old.bytes;
        }
        if bytes > self.budget {
            return;
        }
        while inner.bytes + bytes > self.budget {
            let oldest = inner
                .map
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(k, _)| k.clone());
            match oldest.and_then(|k| inner.map.remove(&k)) {
                Some(s) => inner.bytes -= s.bytes,
                None => break,
            }
        }
        inner.bytes += bytes;
        inner.map.insert(
            key,
            Slot {
                at: Instant::now(),
                value,
                bytes,
            },
        );
    }

    /// Drops the answers for these ids (every API URL), or all of them.
    pub fn forget(&self, ids: Option<&[i64]>) {
        let mut inner = self.slots.lock();
        match ids {
            None => {
                inner.map.clear();
                inner.bytes = 0;
            }
            Some(ids) => {
                let mut freed = 0;
                inner.map.retain(|(_, id), s| {
                    let keep = !ids.contains(id);
                    if !keep {
                        freed += s.bytes;
                    }
                    keep
                });
                inner.bytes -= freed;
            }
        }
    }

    /// Entries held (expired ones included until replaced or evicted).
    pub fn len(&self) -> usize {
        self.slots.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes held, as weighed.
    pub fn bytes(&self) -> usize {
        self.slots.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(600);

    #[test]
    fn found_missing_and_unknown() {
        let c: Cache<u32> = Cache::new(10_000, |_| 4);
        assert_eq!(c.get("u", 1, LONG, LONG), Lookup::Unknown);
        c.put("u", 1, Some(7));
        c.put("u", 2, None);
        assert_eq!(c.get("u", 1, LONG, LONG), Lookup::Found(7));
        assert_eq!(c.get("u", 2, LONG, LONG), Lookup::Missing);
        assert_eq!(
            c.get("other", 1, LONG, LONG),
            Lookup::Unknown,
            "keyed by URL too"
        );
    }

    #[test]
    fn ttls_apply_at_lookup() {
        let c: Cache<u32> = Cache::new(10_000, |_| 4);
        c.put("u", 1, Some(7));
        c.put("u", 2, None);
        assert_eq!(c.get("u", 1, Duration::ZERO, LONG), Lookup::Unknown);
        assert_eq!(c.get("u", 2, LONG, Duration::ZERO), Lookup::Unknown);
        assert_eq!(c.get("u", 1, LONG, Duration::ZERO), Lookup::Found(7));
    }

    #[test]
    fn the_budget_evicts_the_oldest() {
        let c: Cache<u32> = Cache::new(3 * (OVERHEAD + 1 + 100), |v| *v as usize);
        for id in 1..=4 {
            c.put("u", id, Some(100));
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(c.get("u", 1, LONG, LONG), Lookup::Unknown);
        assert_eq!(c.get("u", 4, LONG, LONG), Lookup::Found(100));
        assert_eq!(c.len(), 3);
        assert!(c.bytes() <= 3 * (OVERHEAD + 101));
    }

    #[test]
    fn long_urls_count_against_the_budget() {
        // 3,000 distinct 64 KiB URLs would be 192 MB held by count alone.
        let budget = 4 << 20;
        let c: Cache<u32> = Cache::new(budget, |_| 4);
        for i in 0..3_000 {
            let url = format!("https://panel-{i}.example/{}", "x".repeat(64 << 10));
            c.put(&url, 1, Some(1));
        }
        assert!(c.bytes() <= budget, "{} bytes", c.bytes());
        assert!(c.len() < 100, "{} entries", c.len());
    }

    #[test]
    fn an_answer_larger_than_the_budget_is_not_kept() {
        let c: Cache<u32> = Cache::new(1_000, |v| *v as usize);
        c.put("u", 1, Some(10));
        c.put("u", 2, Some(5_000));
        assert_eq!(c.get("u", 2, LONG, LONG), Lookup::Unknown);
        assert_eq!(c.get("u", 1, LONG, LONG), Lookup::Found(10));
    }

    #[test]
    fn forget_some_or_all() {
        let c: Cache<u32> = Cache::new(100_000, |_| 4);
        for id in 1..=3 {
            c.put("a", id, Some(1));
            c.put("b", id, Some(1));
        }
        c.forget(Some(&[2]));
        assert_eq!(c.len(), 4);
        assert_eq!(c.bytes(), 4 * (OVERHEAD + 1 + 4));
        assert_eq!(c.get("b", 2, LONG, LONG), Lookup::Unknown);
        c.forget(None);
        assert!(c.is_empty());
        assert_eq!(c.bytes(), 0);
    }
}
