//! Cached, concurrent reads: each distinct package and group of a refresh
//! fetched at most once, on worker threads bounded by `vfstock.concurrency`.
//!
//! Workers only do HTTP and parsing; they never touch PHP, whose values and
//! callbacks stay on PHP's own thread.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::Lazy;
use parking_lot::Mutex;

use crate::core::input::{Package, ResourcesPage};

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
    found_ttl: Duration,
    s: &Settings,
    fetch: impl FnOnce(&mut u32) -> Read<V>,
) -> (Read<V>, Cost) {
    if let Some(hit) = lookup(cache, api, id, found_ttl, s) {
        return (
            hit,
            Cost {
                requests: 0,
                cache_hits: 1,
            },
        );
    }
    let mut requests = 0;
    let read = fetch(&mut requests);
    remember(cache, api, id, &read);
    (
        read,
        Cost {
            requests,
            cache_hits: 0,
        },
    )
}

/// A fresh cached answer, counted as a hit (or the miss counted).
fn lookup<V: Clone>(
    cache: &Cache<V>,
    api: &Api,
    id: i64,
    found_ttl: Duration,
    s: &Settings,
) -> Option<Read<V>> {
    let hit = match cache.get(&api.url, id, found_ttl, s.missing_ttl) {
        Lookup::Found(v) => Read::Found(v),
        Lookup::Missing => Read::Missing,
        Lookup::Unknown => {
            STATS.miss();
            return None;
        }
    };
    STATS.hit();
    Some(hit)
}

/// Keeps found and missing answers; a transient one is never kept.
fn remember<V: Clone>(cache: &Cache<V>, api: &Api, id: i64, read: &Read<V>) {
    match read {
        Read::Found(v) => cache.put(&api.url, id, Some(v.clone())),
        Read::Missing => cache.put(&api.url, id, None),
        Read::Transient(_) => {}
    }
}

/// Everything a refresh needs from the panel.
#[derive(Debug, Default)]
pub struct Fetched {
    pub packages: HashMap<i64, Read<Package>>,
    pub groups: HashMap<i64, Read<Arc<Group>>>,
    pub cost: Cost,
}

/// The first round's work: a package, or a group's first page.
enum First {
    Package(i64),
    Group(i64),
}

/// What the first round found.
enum Started {
    Package(Read<Package>),
    /// Settled: from the cache, missing, transient, or a one-page group.
    Group(Read<Arc<Group>>),
    /// Page 1 of a group with more pages to read.
    Paged(ResourcesPage),
}

/// Reads the given packages and groups (duplicates are read once), up to
/// `vfstock.concurrency` at a time, in two rounds: every package and every
/// group's first page, then every later page at once. The longest chain is
/// two requests, however large the groups.
pub fn fetch_all(api: &Api, package_ids: &[i64], group_ids: &[i64], s: &Settings) -> Fetched {
    let workers = s.concurrency.clamp(1, 256);
    let mut seen = HashSet::new();
    let mut first: Vec<First> = Vec::new();
    first.extend(
        package_ids
            .iter()
            .filter(|id| seen.insert(**id))
            .map(|&id| First::Package(id)),
    );
    seen.clear();
    first.extend(
        group_ids
            .iter()
            .filter(|id| seen.insert(**id))
            .map(|&id| First::Group(id)),
    );

    let started = parallel(&first, workers, |job| match *job {
        First::Package(id) => {
            let (read, cost) = package(api, id, s);
            (Started::Package(read), cost)
        }
        First::Group(id) => start_group(api, id, s),
    });

    let mut fetched = Fetched::default();
    // Groups with more pages: id, page 1, pages to read in all.
    let mut paged: Vec<(i64, ResourcesPage, u32)> = Vec::new();
    for (job, (outcome, cost)) in first.iter().zip(started) {
        fetched.cost.add(cost);
        match (job, outcome) {
            (First::Package(id), Started::Package(read)) => {
                fetched.packages.insert(*id, read);
            }
            (First::Group(id), Started::Group(read)) => {
                fetched.groups.insert(*id, read);
            }
            (First::Group(id), Started::Paged(page)) => {
                let count = upstream::pages_to_read(&page, s.page_limit);
                paged.push((*id, page, count));
            }
            _ => unreachable!("a job's outcome has its kind"),
        }
    }

    let pages: Vec<(i64, u32)> = paged
        .iter()
        .flat_map(|&(id, _, count)| (2..=count).map(move |n| (id, n)))
        .collect();
    let mut reads = parallel(&pages, workers, |&(id, n)| {
        let mut requests = 0;
        let read = upstream::page(api, id, n, s.page_size, &mut requests);
        (read, requests)
    })
    .into_iter();
    for (id, first, count) in paged {
        let rest: Vec<Read<ResourcesPage>> = (2..=count)
            .map(|_| {
                let (read, requests) = reads.next().expect("one read per page");
                fetched.cost.requests += requests;
                read
            })
            .collect();
        let read = upstream::assemble(id, Read::Found(first), rest, s.page_limit);
        remember(&GROUPS, api, id, &read);
        fetched.groups.insert(id, read);
    }
    fetched
}

/// A group's first round: the cache, else page 1 (and done, unless more
/// pages follow).
fn start_group(api: &Api, id: i64, s: &Settings) -> (Started, Cost) {
    if let Some(hit) = lookup(&GROUPS, api, id, s.group_ttl, s) {
        return (
            Started::Group(hit),
            Cost {
                requests: 0,
                cache_hits: 1,
            },
        );
    }
    let mut requests = 0;
    let first = upstream::page(api, id, 1, s.page_size, &mut requests);
    let cost = Cost {
        requests,
        cache_hits: 0,
    };
    match first {
        Read::Found(p) if upstream::pages_to_read(&p, s.page_limit) > 1 => {
            (Started::Paged(p), cost)
        }
        first => {
            let read = upstream::assemble(id, first, Vec::new(), s.page_limit);
            remember(&GROUPS, api, id, &read);
            (Started::Group(read), cost)
        }
    }
}

/// Runs `f` over `jobs` on up to `workers` scoped threads; the results come
/// back in the jobs' order. Inline when there is nothing to overlap.
fn parallel<J: Sync, R: Send>(jobs: &[J], workers: usize, f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let workers = workers.min(jobs.len());
    if workers <= 1 {
        return jobs.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let r = f(job);
                *slots[i].lock() = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every job ran"))
        .collect()
}

/// Drops cached group resources for these ids, or every cached answer
/// (packages too) when `None`.
pub fn forget(group_ids: Option<&[i64]>) {
    GROUPS.forget(group_ids);
    if group_ids.is_none() {
        PACKAGES.forget(None);
    }
}
