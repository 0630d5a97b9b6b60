//! Cached, concurrent reads: each distinct package and group of a refresh
//! fetched at most once, within its deadline, on worker threads bounded by
//! `vfstock.concurrency`.
//!
//! The caches are asked first, on the caller's thread: a warm cart refresh
//! starts no thread at all. Workers only do HTTP and parsing; they never
//! touch PHP, whose values and callbacks stay on PHP's own thread.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::Lazy;
use parking_lot::Mutex;

use crate::core::input::Package;

use super::cache::{Cache, Lookup};
use super::deadline::Deadline;
use super::settings::{Api, Settings};
use super::stats::STATS;
use super::upstream::{self, Group, Page, Read};

/// Packages are tiny; 4 MiB holds tens of thousands with their URLs.
pub static PACKAGES: Lazy<Cache<Package>> =
    Lazy::new(|| Cache::new(4 << 20, |_| std::mem::size_of::<Package>()));

/// Group resources: 64 MiB holds a few hundred thousand hypervisors.
pub static GROUPS: Lazy<Cache<Arc<Group>>> = Lazy::new(|| Cache::new(64 << 20, |g| g.weight()));

/// What a read cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub requests: u32,
    pub cache_hits: u32,
}

/// Everything a refresh or check needs from the panel.
#[derive(Debug, Default)]
pub struct Fetched {
    pub packages: HashMap<i64, Read<Package>>,
    pub groups: HashMap<i64, Read<Arc<Group>>>,
    pub cost: Cost,
    /// Groups not counted because they have more pages than the limit.
    pub over_page_limit: Vec<i64>,
}

impl Fetched {
    pub fn package(&self, id: i64) -> Read<Package> {
        self.packages
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Read::Transient(format!("package {id}: not read")))
    }

    pub fn group(&self, id: i64) -> Read<Arc<Group>> {
        self.groups
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Read::Transient(format!("group {id}: not read")))
    }
}

/// One read of the first round.
enum Job {
    Package(i64),
    Group(i64),
}

enum Done {
    Package(Read<Package>),
    Page(Read<Page>),
}

/// Reads the given packages and groups (duplicates once): from the caches
/// when fresh, else from the panel, up to `vfstock.concurrency` at a time,
/// in two rounds (every package and group's first page, then every later
/// page at once), all within `deadline`. A failed page cancels the pages
/// of its group not yet asked for.
///
/// A 404 only counts as "missing" once the API is known to answer at this
/// URL: some read of the run was found (fresh or cached), or `/connect`
/// answers with JSON (asked at most once). A wrong base URL answers 404
/// everywhere, and must never zero the catalogue.
pub fn fetch_all(
    api: &Api,
    package_ids: &[i64],
    group_ids: &[i64],
    s: &Settings,
    deadline: &Deadline,
) -> Fetched {
    let mut out = Fetched::default();
    let mut jobs = Vec::new();
    let mut seen_api = cached_first(
        &PACKAGES,
        (api, s, s.package_ttl),
        package_ids,
        &mut out.packages,
        &mut out.cost,
        |id| jobs.push(Job::Package(id)),
    );
    seen_api |= cached_first(
        &GROUPS,
        (api, s, s.group_ttl),
        group_ids,
        &mut out.groups,
        &mut out.cost,
        |id| jobs.push(Job::Group(id)),
    );
    if jobs.is_empty() {
        return out;
    }

    let workers = s.concurrency.clamp(1, 256);
    let first = parallel(&jobs, workers, |job| {
        let mut requests = 0;
        let done = match *job {
            Job::Package(id) => Done::Package(upstream::package(api, id, deadline, &mut requests)),
            Job::Group(id) => Done::Page(upstream::page(
                api,
                id,
                1,
                s.page_size,
                deadline,
                &mut requests,
            )),
        };
        (done, requests)
    });

    // Fresh answers, to be confirmed and remembered below.
    let mut packages: Vec<(i64, Read<Package>)> = Vec::new();
    let mut paged: Vec<(i64, Page, u32)> = Vec::new();
    let mut groups: Vec<(i64, Read<Arc<Group>>)> = Vec::new();
    for (job, (done, requests)) in jobs.iter().zip(first) {
        out.cost.requests += requests;
        match (job, done) {
            (Job::Package(id), Done::Package(read)) => packages.push((*id, read)),
            (Job::Group(id), Done::Page(Read::Found(page))) => {
                let pages = upstream::pages_of(&page);
                let over = pages > s.page_limit.max(1);
                if over {
                    out.over_page_limit.push(*id);
                }
                if pages > 1 && !over {
                    paged.push((*id, page, pages));
                } else {
                    // One page, or too many: assembling says which.
                    groups.push((
                        *id,
                        upstream::assemble(*id, Read::Found(page), vec![], s.page_limit),
                    ));
                }
            }
            (Job::Group(id), Done::Page(other)) => {
                groups.push((*id, upstream::assemble(*id, other, vec![], s.page_limit)));
            }
            _ => unreachable!("a job's outcome has its kind"),
        }
    }

    let pages: Vec<(usize, i64, u32)> = paged
        .iter()
        .enumerate()
        .flat_map(|(g, &(id, _, count))| (2..=count).map(move |n| (g, id, n)))
        .collect();
    let failed: Vec<AtomicBool> = paged.iter().map(|_| AtomicBool::new(false)).collect();
    let mut later = parallel(&pages, workers, |&(g, id, n)| {
        if failed[g].load(Ordering::Relaxed) {
            return (
                Read::Transient("not read: an earlier page failed".into()),
                0,
            );
        }
        let mut requests = 0;
        let read = upstream::page(api, id, n, s.page_size, deadline, &mut requests);
        if !matches!(read, Read::Found(_)) {
            failed[g].store(true, Ordering::Relaxed);
        }
        (read, requests)
    })
    .into_iter();
    for (id, first, count) in paged {
        let rest: Vec<Read<Page>> = (2..=count)
            .map(|_| {
                let (read, requests) = later.next().expect("one read per page");
                out.cost.requests += requests;
                read
            })
            .collect();
        groups.push((
            id,
            upstream::assemble(id, Read::Found(first), rest, s.page_limit),
        ));
    }

    seen_api |= packages.iter().any(|(_, r)| matches!(r, Read::Found(_)))
        || groups.iter().any(|(_, r)| matches!(r, Read::Found(_)));
    let unconfirmed = packages.iter().any(|(_, r)| matches!(r, Read::Missing))
        || groups.iter().any(|(_, r)| matches!(r, Read::Missing));
    if unconfirmed && !seen_api {
        let mut requests = 0;
        let connect = upstream::connect(api, deadline, &mut requests);
        out.cost.requests += requests;
        if let Some(why) = unconfirmed_reason(api, &connect) {
            unconfirm(&mut packages, "package", &why);
            unconfirm(&mut groups, "group", &why);
        }
    }
    for (id, read) in packages {
        remember(&PACKAGES, api, id, &read);
        out.packages.insert(id, read);
    }
    for (id, read) in groups {
        remember(&GROUPS, api, id, &read);
        out.groups.insert(id, read);
    }
    out
}

/// Why a 404 cannot be taken as "gone", or `None` when the API answered.
fn unconfirmed_reason(api: &Api, connect: &upstream::Connect) -> Option<String> {
    match connect {
        upstream::Connect::Api => None,
        upstream::Connect::NotApi(what) => Some(format!(
            "the panel answered 404 and {}/connect is not the VirtFusion API ({what}): the URL looks \
             wrong (it should be the panel's API, https://panel/api/v1), so nothing is taken to be gone",
            api.url
        )),
        upstream::Connect::Unknown(why) => Some(format!(
            "the panel answered 404, but whether its API answers at {} could not be confirmed \
             (/connect: {why}), so nothing is taken to be gone",
            api.url
        )),
    }
}

fn unconfirm<T>(reads: &mut [(i64, Read<T>)], what: &str, why: &str) {
    for (id, read) in reads.iter_mut() {
        if matches!(read, Read::Missing) {
            STATS.error();
            *read = Read::Transient(format!("{what} {id}: {why}"));
        }
    }
}

/// A fresh cached answer, counted as a hit (or the miss counted).
/// Answers each distinct id of `ids` from `cache` where it can, and hands
/// the others to `ask`; whether a cached answer shows the API at this URL.
fn cached_first<V: Clone>(
    cache: &Cache<V>,
    (api, s, found_ttl): (&Api, &Settings, Duration),
    ids: &[i64],
    answers: &mut HashMap<i64, Read<V>>,
    cost: &mut Cost,
    mut ask: impl FnMut(i64),
) -> bool {
    let mut seen_api = false;
    let mut seen = HashSet::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        match lookup(cache, api, id, found_ttl, s) {
            Some(read) => {
                seen_api |= matches!(read, Read::Found(_));
                cost.cache_hits += 1;
                answers.insert(id, read);
            }
            None => ask(id),
        }
    }
    seen_api
}

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

/// Keeps found and confirmed-missing answers; a transient one is never kept.
fn remember<V: Clone>(cache: &Cache<V>, api: &Api, id: i64, read: &Read<V>) {
    match read {
        Read::Found(v) => cache.put(&api.url, id, Some(v.clone())),
        Read::Missing => cache.put(&api.url, id, None),
        Read::Transient(_) => {}
    }
}

/// A worker's stack: an HTTP request, a TLS handshake and a page's parse
/// (serde_json stops at 128 levels) need far less than the default 2 MiB,
/// and a smaller stack is cheaper to map, fault in and unmap for each of
/// the up to `vfstock.concurrency` threads a cold refresh starts.
const WORKER_STACK: usize = 512 << 10;

/// Runs `f` over `jobs` on up to `workers` scoped threads; the results come
/// back in the jobs' order. Inline when there is nothing to overlap.
fn parallel<J: Sync, R: Send>(jobs: &[J], workers: usize, f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let workers = workers.min(jobs.len());
    if workers <= 1 {
        return jobs.iter().map(f).collect();
    }
    let slots: Vec<Mutex<Option<R>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let crew = Crew {
        jobs,
        f: &f,
        slots: &slots,
        next: AtomicUsize::new(0),
        started: AtomicUsize::new(0),
        workers,
    };
    std::thread::scope(|scope| {
        // The caller only starts workers and waits; should the system refuse
        // every thread, it does the work itself.
        if crew.grow(scope) == 0 {
            crew.work();
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every job ran"))
        .collect()
}

/// The workers of one [`parallel`] call.
///
/// The caller starts two workers and each worker up to two more before it
/// takes jobs, so the threads start as a tree: the last of 64 starts after
/// six thread starts, not 63 of them one after another on the caller's
/// thread (which held the last requests of a cold sweep back by
/// milliseconds). A thread the system refuses leaves its share to the others.
struct Crew<'a, J, R, F> {
    jobs: &'a [J],
    f: &'a F,
    slots: &'a [Mutex<Option<R>>],
    next: AtomicUsize,
    /// Workers started, the caller included.
    started: AtomicUsize,
    workers: usize,
}

impl<'a, J: Sync, R: Send, F: Fn(&J) -> R + Sync> Crew<'a, J, R, F> {
    /// Starts up to two more workers; how many started.
    fn grow<'scope>(&'scope self, scope: &'scope std::thread::Scope<'scope, '_>) -> usize {
        let mut started = 0;
        for _ in 0..2 {
            if self.started.fetch_add(1, Ordering::Relaxed) >= self.workers {
                break;
            }
            let spawned = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    self.grow(scope);
                    self.work();
                });
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        started
    }

    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = self.jobs.get(i) else { break };
            let r = (self.f)(job);
            *self.slots[i].lock() = Some(r);
        }
    }
}

/// Drops cached group resources for these ids, or every cached answer
/// (packages too) when `None`.
pub fn forget(group_ids: Option<&[i64]>) {
    GROUPS.forget(group_ids);
    if group_ids.is_none() {
        PACKAGES.forget(None);
    }
}
