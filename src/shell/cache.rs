//! Process-local caches of upstream answers, keyed by API URL and id.
//!
//! Found and confirmed-missing answers are kept (with their own TTLs, read
//! at lookup so an `ini_set` applies at once); transient answers never are,
//! so a blip is retried on the next refresh instead of being remembered.
//! Memory stays bounded: each cache has a weight budget and drops its
//! oldest answers past it.

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
    weight: usize,
}

pub struct Cache<V> {
    slots: Mutex<Inner<V>>,
    budget: usize,
    weigh: fn(&V) -> usize,
}

struct Inner<V> {
    map: HashMap<(String, i64), Slot<V>>,
    weight: usize,
}

impl<V: Clone> Cache<V> {
    /// A cache holding at most `budget` units, as measured by `weigh`
    /// (a missing answer weighs 1).
    pub fn new(budget: usize, weigh: fn(&V) -> usize) -> Cache<V> {
        Cache {
            slots: Mutex::new(Inner {
                map: HashMap::new(),
                weight: 0,
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

    /// Remembers an answer: `Some` found, `None` confirmed missing.
    pub fn put(&self, url: &str, id: i64, value: Option<V>) {
        let weight = value.as_ref().map_or(1, self.weigh).max(1);
        let mut inner = self.slots.lock();
        if let Some(old) = inner.map.insert(
            (url.to_owned(), id),
            Slot {
                at: Instant::now(),
                value,
                weight,
            },
        ) {
            inner.weight -= old.weight;
        }
        inner.weight += weight;
        while inner.weight > self.budget && inner.map.len() > 1 {
            let oldest = inner
                .map
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                if let Some(s) = inner.map.remove(&k) {
                    inner.weight -= s.weight;
                }
            }
        }
    }

    /// Drops the answers for these ids (every API URL), or all of them.
    pub fn forget(&self, ids: Option<&[i64]>) {
        let mut inner = self.slots.lock();
        match ids {
            None => {
                inner.map.clear();
                inner.weight = 0;
            }
            Some(ids) => {
                let mut freed = 0;
                inner.map.retain(|(_, id), s| {
                    let keep = !ids.contains(id);
                    if !keep {
                        freed += s.weight;
                    }
                    keep
                });
                inner.weight -= freed;
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

    /// The weight held, in the units of `weigh`.
    pub fn weight(&self) -> usize {
        self.slots.lock().weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(600);

    #[test]
    fn found_missing_and_unknown() {
        let c: Cache<u32> = Cache::new(100, |_| 1);
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
        let c: Cache<u32> = Cache::new(100, |_| 1);
        c.put("u", 1, Some(7));
        c.put("u", 2, None);
        assert_eq!(c.get("u", 1, Duration::ZERO, LONG), Lookup::Unknown);
        assert_eq!(c.get("u", 2, LONG, Duration::ZERO), Lookup::Unknown);
        assert_eq!(c.get("u", 1, LONG, Duration::ZERO), Lookup::Found(7));
    }

    #[test]
    fn the_budget_evicts_the_oldest() {
        let c: Cache<u32> = Cache::new(10, |v| *v as usize);
        c.put("u", 1, Some(4));
        std::thread::sleep(Duration::from_millis(2));
        c.put("u", 2, Some(4));
        std::thread::sleep(Duration::from_millis(2));
        c.put("u", 3, Some(4));
        assert_eq!(c.get("u", 1, LONG, LONG), Lookup::Unknown);
        assert_eq!(c.get("u", 3, LONG, LONG), Lookup::Found(4));
        assert!(c.weight() <= 10);
    }

    #[test]
    fn forget_some_or_all() {
        let c: Cache<u32> = Cache::new(100, |_| 1);
        for id in 1..=3 {
            c.put("a", id, Some(1));
            c.put("b", id, Some(1));
        }
        c.forget(Some(&[2]));
        assert_eq!((c.len(), c.weight()), (4, 4));
        assert_eq!(c.get("b", 2, LONG, LONG), Lookup::Unknown);
        c.forget(None);
        assert!(c.is_empty());
        assert_eq!(c.weight(), 0);
    }
}
