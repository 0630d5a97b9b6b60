//! process-local caches keyed by API URL and id. Found and missing
//! answers are kept for their TTLs, transient ones never; every distinct id
//! is read at most once per `fetch_all`; `forget` drops what it names.
//!
//! The caches are process-global: every test here holds `cache_lock()` (a
//! `forget(None)` elsewhere would empty them mid-test) and uses ids no other
//! test uses (a later simulator may reuse an earlier one's port, hence URL).

use std::time::Duration;

use std::sync::Arc;

use serde_json::json;
use vfstock::core::input::Package;
use vfstock::shell::fetch::{self, Cost, GROUPS, PACKAGES};
use vfstock::shell::settings::{Api, Settings};
use vfstock::shell::upstream::{Group, Read};

use crate::common::*;

fn cost(requests: u32, cache_hits: u32) -> Cost {
    Cost {
        requests,
        cache_hits,
    }
}

/// One package through the cache, as `fetch_all` of it alone reads it.
fn one_package(api: &Api, id: i64, s: &Settings) -> (Read<Package>, Cost) {
    let mut f = fetch_all(api, &[id], &[], s);
    (f.packages.remove(&id).expect("read"), f.cost)
}

/// One group through the cache, as `fetch_all` of it alone reads it.
fn one_group(api: &Api, id: i64, s: &Settings) -> (Read<Arc<Group>>, Cost) {
    let mut f = fetch_all(api, &[], &[id], s);
    (f.groups.remove(&id).expect("read"), f.cost)
}

fn page_size_10() -> Settings {
    Settings {
        page_size: 10,
        ..settings()
    }
}

#[test]
fn cold_reads_each_distinct_id_once_and_warm_reads_none() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[101, 102, 103], &[(110, 45), (111, 3)]));
    let s = page_size_10();
    let api = api(&sim, &s);
    let packages = [101, 102, 103, 101, 102, 103, 101];
    let groups = [110, 111, 110, 111];

    let cold = fetch_all(&api, &packages, &groups, &s);
    // 3 packages + 5 pages of group 110 + 1 page of group 111.
    assert_eq!(cold.cost, cost(9, 0));
    assert_eq!(log(&sim).len(), 9, "{:?}", paths(&sim));
    assert_eq!(cold.packages.len(), 3);
    assert_eq!(cold.groups.len(), 2);
    for id in [101, 102, 103] {
        assert_eq!(found_package(&cold.packages[&id]).memory.0, 1000 + id);
    }
    assert_eq!(
        hv_ids(found_group(&cold.groups[&110])),
        (1..=45).collect::<Vec<_>>()
    );
    assert_eq!(hv_ids(found_group(&cold.groups[&111])), vec![1, 2, 3]);
    // Each distinct read went out exactly once.
    let mut seen = paths(&sim);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9, "a request was repeated: {:?}", paths(&sim));

    let warm = fetch_all(&api, &packages, &groups, &s);
    assert_eq!(warm.cost, cost(0, 5));
    assert_eq!(log(&sim).len(), 9, "a warm read went upstream");
    assert_eq!(warm.packages, cold.packages);
    assert_eq!(warm.groups, cold.groups);
    assert!(!PACKAGES.is_empty() && !GROUPS.is_empty());

    // Reads of one id share the same caches.
    let (p, c) = one_package(&api, 102, &s);
    assert_eq!((found_package(&p).memory.0, c), (1102, cost(0, 1)));
    let (g, c) = one_group(&api, 110, &s);
    assert_eq!((found_group(&g).hypervisors.len(), c), (45, cost(0, 1)));
    assert_eq!(log(&sim).len(), 9);
}

#[test]
fn a_missing_answer_is_cached_for_missing_ttl() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[203], &[]));
    let s = Settings {
        missing_ttl: Duration::from_millis(400),
        ..settings()
    };
    let api = api(&sim, &s);

    // A 404 alone is confirmed by `/connect` (one more request) before it
    // counts as missing.
    let (p, c) = one_package(&api, 201, &s);
    assert_eq!((outcome(&p), c), (Outcome::Missing, cost(2, 0)));
    let (g, c) = one_group(&api, 202, &s);
    assert_eq!((outcome(&g), c), (Outcome::Missing, cost(2, 0)));
    let (p, c) = one_package(&api, 203, &s);
    assert_eq!((outcome(&p), c), (Outcome::Found, cost(1, 0)));
    assert_eq!(connects(&sim), 2);

    // They appear upstream, but the confirmed-missing answers still hold.
    sim.put_package(201, pkg(201));
    sim.patch_group(202, hvs(2));
    let (p, c) = one_package(&api, 201, &s);
    assert_eq!((outcome(&p), c), (Outcome::Missing, cost(0, 1)));
    let (g, c) = one_group(&api, 202, &s);
    assert_eq!((outcome(&g), c), (Outcome::Missing, cost(0, 1)));
    assert_eq!(log(&sim).len(), 5);

    std::thread::sleep(Duration::from_millis(600));
    let (p, c) = one_package(&api, 201, &s);
    assert_eq!((found_package(&p).memory.0, c), (1201, cost(1, 0)));
    let (g, c) = one_group(&api, 202, &s);
    assert_eq!((hv_ids(found_group(&g)), c), (vec![1, 2], cost(1, 0)));
    // The found package's own TTL (600 s) has not run out.
    let (p, c) = one_package(&api, 203, &s);
    assert_eq!((outcome(&p), c), (Outcome::Found, cost(0, 1)));
    assert_eq!(log(&sim).len(), 7);
}

#[test]
fn found_answers_expire_after_their_ttls() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[501], &[(502, 3)]));
    let s = Settings {
        package_ttl: Duration::from_millis(300),
        group_ttl: Duration::from_millis(300),
        ..settings()
    };
    let api = api(&sim, &s);
    assert_eq!(fetch_all(&api, &[501], &[502], &s).cost, cost(2, 0));
    sim.patch_group(502, hvs(4));
    std::thread::sleep(Duration::from_millis(500));
    let again = fetch_all(&api, &[501], &[502], &s);
    assert_eq!(again.cost, cost(2, 0));
    assert_eq!(hv_ids(found_group(&again.groups[&502])), vec![1, 2, 3, 4]);
    assert_eq!(log(&sim).len(), 4);
}

#[test]
fn a_transient_answer_is_never_cached() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[301], &[(302, 3)]));
    sim.set_faults(json!([
        {"route": "package", "id": 301, "action": {"status": 503}},
        {"route": "resources", "id": 302, "page": 2, "action": {"status": 500}},
    ]));
    let s = Settings {
        page_size: 2,
        ..settings()
    };
    let api = api(&sim, &s);
    for _ in 0..2 {
        let (p, c) = one_package(&api, 301, &s);
        transient(&p);
        assert_eq!(c, cost(1, 0));
        let (g, c) = one_group(&api, 302, &s);
        transient(&g);
        assert_eq!(c, cost(2, 0), "both pages are read again");
    }
    assert_eq!(log(&sim).len(), 6);
    let f = fetch_all(&api, &[301], &[302], &s);
    assert_eq!(f.cost, cost(3, 0));
    transient(&f.packages[&301]);
    transient(&f.groups[&302]);

    // Recovered: read, then cached.
    sim.clear_faults();
    assert_eq!(fetch_all(&api, &[301], &[302], &s).cost, cost(3, 0));
    let warm = fetch_all(&api, &[301], &[302], &s);
    assert_eq!(warm.cost, cost(0, 2));
    assert_eq!(found_package(&warm.packages[&301]).memory.0, 1301);
    assert_eq!(log(&sim).len(), 12);
}

#[test]
fn forget_drops_the_groups_it_names_or_everything() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[403], &[(401, 3), (402, 3)]));
    let s = settings();
    let api = api(&sim, &s);
    let all = || fetch_all(&api, &[403], &[401, 402], &s).cost;
    assert_eq!(all(), cost(3, 0));
    assert_eq!(all(), cost(0, 3));

    fetch::forget(Some(&[999_401]));
    assert_eq!(all(), cost(0, 3), "forgetting another id drops nothing");

    sim.clear_requests();
    fetch::forget(Some(&[401]));
    assert_eq!(all(), cost(1, 2));
    assert_eq!(
        paths(&sim),
        vec![(resources_path(401), "results=200&page=1".to_owned())],
        "only group 401 was read again"
    );

    fetch::forget(None);
    assert_eq!(all(), cost(3, 0), "packages and groups read again");
    assert_eq!(all(), cost(0, 3));
}

#[test]
fn the_cache_is_keyed_by_url() {
    let _lock = cache_lock();
    let a = Simulator::start(scenario(&[601], &[(602, 2)]));
    let b = Simulator::start(scenario(&[], &[(602, 5)]));
    b.put_package(601, json!({"memory": 4242, "enabled": true}));
    let s = settings();
    let (api_a, api_b) = (api(&a, &s), api(&b, &s));
    assert_eq!(fetch_all(&api_a, &[601], &[602], &s).cost, cost(2, 0));
    let fb = fetch_all(&api_b, &[601], &[602], &s);
    assert_eq!(
        fb.cost,
        cost(2, 0),
        "another panel is not served from a's cache"
    );
    assert_eq!(found_package(&fb.packages[&601]).memory.0, 4242);
    assert_eq!(found_group(&fb.groups[&602]).hypervisors.len(), 5);
    let fa = fetch_all(&api_a, &[601], &[602], &s);
    assert_eq!(fa.cost, cost(0, 2));
    assert_eq!(found_package(&fa.packages[&601]).memory.0, 1601);
    assert_eq!(found_group(&fa.groups[&602]).hypervisors.len(), 2);
}

#[test]
fn fetch_all_reports_each_outcome() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[701], &[(703, 3), (705, 3)]));
    sim.set_faults(json!([{"route": "resources", "id": 705, "action": {"status": 503}}]));
    let s = settings();
    let api = api(&sim, &s);
    let f = fetch_all(&api, &[701, 702], &[703, 704, 705], &s);
    assert_eq!(f.cost, cost(5, 0));
    assert_eq!(outcome(&f.packages[&701]), Outcome::Found);
    assert_eq!(outcome(&f.packages[&702]), Outcome::Missing);
    assert_eq!(outcome(&f.groups[&703]), Outcome::Found);
    assert_eq!(outcome(&f.groups[&704]), Outcome::Missing);
    transient(&f.groups[&705]);
    // Only the transient group is read again.
    let f = fetch_all(&api, &[701, 702], &[703, 704, 705], &s);
    assert_eq!(f.cost, cost(1, 4));
    assert_eq!(log(&sim).len(), 6);
}

/// memory stays bounded in bytes, long URLs included. A base URL
/// with a 16 KiB path prefix (the simulator serves `/anything/api/v1/…`)
/// costs its length in every entry it keys.
#[test]
fn long_urls_count_against_the_byte_budget() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = Simulator::start(scenario(&[1], &[(2, 1)]));
    let s = settings();
    let root = sim.base_url().trim_end_matches("/api/v1").to_owned();
    let long = |i: usize| format!("{root}/{i}-{}/api/v1", "x".repeat(16 << 10));
    let f = fetch_all(&api_at(&long(0), &s), &[1], &[2], &s);
    assert_eq!(outcome(&f.packages[&1]), Outcome::Found);
    assert_eq!(outcome(&f.groups[&2]), Outcome::Found);
    assert!(PACKAGES.bytes() > 16 << 10, "{}", PACKAGES.bytes());
    assert!(GROUPS.bytes() > 16 << 10, "{}", GROUPS.bytes());
    // 400 such panels would be 6.4 MB of keys: more than the packages' 4 MiB.
    for i in 1..400 {
        let f = fetch_all(&api_at(&long(i), &s), &[1], &[], &s);
        assert_eq!(outcome(&f.packages[&1]), Outcome::Found, "{i}");
    }
    assert!(PACKAGES.bytes() <= 4 << 20, "{} bytes", PACKAGES.bytes());
    assert!(PACKAGES.len() < 400, "{} entries", PACKAGES.len());
    // The most recent answers are the ones kept.
    let f = fetch_all(&api_at(&long(399), &s), &[1], &[], &s);
    assert_eq!(f.cost, cost(0, 1));
    fetch::forget(None);
    assert_eq!((PACKAGES.bytes(), GROUPS.bytes()), (0, 0));
}

/// The process-local lease table is bounded in bytes too.
#[test]
fn the_lease_table_stays_within_its_budget() {
    use vfstock::shell::lease;
    // The refresh tests take leases too; they hold the same lock.
    let _lock = cache_lock();
    let key = format!("test:shell:lease:{}", std::process::id());
    assert!(lease::claim(&key, Duration::from_secs(30)));
    assert!(!lease::claim(&key, Duration::from_secs(30)), "held");
    for i in 0..8_000 {
        lease::claim(
            &format!("test:shell:flood:{i}:{}", "k".repeat(300)),
            Duration::from_millis(200),
        );
    }
    assert!(lease::bytes() <= lease::BUDGET, "{} bytes", lease::bytes());
    // The flood's leases end first, so they went first.
    assert!(!lease::claim(&key, Duration::from_secs(30)), "still held");
}
