//! Cached, concurrent reads: each distinct package and group of a refresh
//! fetched at most once, on worker threads bounded by `vfstock.concurrency`.
//!
//! Workers only do HTTP and parsing; they never touch PHP, whose values and
//! callbacks stay on PHP's own thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use once_cell::sync::Lazy;
use parking_lot::Mutex;

use crate::core::input::Package;

use super::cache::{Cache, Lookup};
use super::settings::{Api, Settings};
use super::stats::STATS;
use super::upstream::{self, Group, Read};

/// Packages are tiny; a few thousand cover any catalogue.
pub static PACKAGES: Lazy<Cache<Package>> = Lazy::new(|| Cache::new(4096, |_| 1));

/// Weighed in hypervisors: 200,000 parsed entries stay well under 100 MiB.
pub static GROUPS: Lazy<Cache<Arc<Group>>> =
    Lazy::new(|| Cache::new(200_000, |g| g.entries.len() + 1));

/// What a read cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub requests: u32,
    pub cache_hits: u32,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.requests += other.requests;
        self.cache_hits += other.cache_hits;
    }
}

/// A package, from the cache when fresh, else from the panel.
pub fn package(api: &Api, id: i64, s: &Settings) -> (Read<Package>, Cost) {
    cached(&PACKAGES, api, id, s.package_ttl, s, |requests| {
        upstream::package(api, id, requests)
    })
}

/// A group's resources, from the cache when fresh, else from the panel.
pub fn group(api: &Api, id: i64, s: &Settings) -> (Read<Arc<Group>>, Cost) {
    cached(&GROUPS, api, id, s.group_ttl, s, |requests| {
        upstream::group(api, id, s.page_size, s.page_limit, requests)
    })
}

fn cached<V: Clone>(
    cache: &Cache<V>,
    api: &Api,
    id: i64,
    found_ttl: std::time::Duration,
    s: &Settings,
    fetch: impl FnOnce(&mut u32) -> Read<V>,
) -> (Read<V>, Cost) {
    match cache.get(&api.url, id, found_ttl, s.missing_ttl) {
        Lookup::Found(v) => {
            STATS.hit();
            return (
                Read::Found(v),
                Cost {
                    requests: 0,
                    cache_hits: 1,
                },
            );
        }
        Lookup::Missing => {
            STATS.hit();
            return (
                Read::Missing,
                Cost {
                    requests: 0,
                    cache_hits: 1,
                },
            );
        }
        Lookup::Unknown => STATS.miss(),
    }
    let mut requests = 0;
    let read = fetch(&mut requests);
    match &read {
        Read::Found(v) => cache.put(&api.url, id, Some(v.clone())),
        Read::Missing => cache.put(&api.url, id, None),
        Read::Transient(_) => {}
    }
    (
        read,
        Cost {
            requests,
            cache_hits: 0,
        },
    )
}

/// Everything a refresh needs from the panel.
#[derive(Debug, Default)]
pub struct Fetched {
    pub packages: HashMap<i64, Read<Package>>,
    pub groups: HashMap<i64, Read<Arc<Group>>>,
    pub cost: Cost,
}

enum Job {
    Package(i64),
    Group(i64),
}

enum Done {
    Package(i64, Read<Package>, Cost),
    Group(i64, Read<Arc<Group>>, Cost),
}

/// Reads the given packages and groups (duplicates are read once), up to
/// `vfstock.concurrency` at a time.
pub fn fetch_all(api: &Api, package_ids: &[i64], group_ids: &[i64], s: &Settings) -> Fetched {
    let mut jobs: Vec<Job> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    jobs.extend(
        package_ids
            .iter()
            .filter(|id| seen.insert(**id))
            .map(|&id| Job::Package(id)),
    );
    seen.clear();
    jobs.extend(
        group_ids
            .iter()
            .filter(|id| seen.insert(**id))
            .map(|&id| Job::Group(id)),
    );

    let run = |job: &Job| match *job {
        Job::Package(id) => {
            let (r, c) = package(api, id, s);
            Done::Package(id, r, c)
        }
        Job::Group(id) => {
            let (r, c) = group(api, id, s);
            Done::Group(id, r, c)
        }
    };
    let workers = s.concurrency.clamp(1, 256).min(jobs.len());
    let done: Vec<Done> = if workers <= 1 {
        jobs.iter().map(run).collect()
    } else {
        let next = AtomicUsize::new(0);
        let out = Mutex::new(Vec::with_capacity(jobs.len()));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let d = run(job);
                    out.lock().push(d);
                });
            }
        });
        out.into_inner()
    };

    let mut fetched = Fetched::default();
    for d in done {
        match d {
            Done::Package(id, r, c) => {
                fetched.cost.add(c);
                fetched.packages.insert(id, r);
            }
            Done::Group(id, r, c) => {
                fetched.cost.add(c);
                fetched.groups.insert(id, r);
            }
        }
    }
    fetched
}

/// Drops cached group resources for these ids, or every cached answer
/// (packages too) when `None`.
pub fn forget(group_ids: Option<&[i64]>) {
    GROUPS.forget(group_ids);
    if group_ids.is_none() {
        PACKAGES.forget(None);
    }
}
