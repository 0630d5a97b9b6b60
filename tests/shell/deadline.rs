//! one bound on a whole read, all requests and pages
//! together. A panel that accepts connections and never answers must not
//! hold a cart page for `api.timeout` × (reads / concurrency).
//!
//! The bounds below are generous (the machine running the tests may be
//! busy): they catch a hang, they do not time the client.

use std::time::{Duration, Instant};

use serde_json::json;
use vfstock::shell::fetch;
use vfstock::shell::settings::Settings;

use crate::common::*;

/// What the deadline allows, and what the test accepts.
const DEADLINE: Duration = Duration::from_secs(1);
const BOUND: Duration = Duration::from_secs(3);

fn hanging(first_group: u64) -> (Simulator, Settings, Vec<i64>) {
    let groups: Vec<(u64, u64)> = (first_group..first_group + 20).map(|g| (g, 2)).collect();
    let sim = Simulator::start(scenario(&[1], &groups));
    sim.set_faults(json!([{"route": "any", "action": "hang"}]));
    let s = Settings {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ..settings()
    };
    let ids = groups.iter().map(|&(g, _)| g as i64).collect();
    (sim, s, ids)
}

fn check_bounded(first_group: u64, concurrency: usize) {
    let _lock = cache_lock();
    let (sim, mut s, ids) = hanging(first_group);
    s.concurrency = concurrency;
    let a = api(&sim, &s);
    assert_eq!(a.timeout, Duration::from_secs(10));
    let started = Instant::now();
    let f = fetch::fetch_all(&a, &[], &ids, &s, &Deadline::after(DEADLINE));
    let took = started.elapsed();
    assert!(took < BOUND, "concurrency {concurrency}: took {took:?}");
    assert_eq!(f.groups.len(), 20);
    for id in &ids {
        let why = transient(&f.groups[id]);
        assert!(why.contains("deadline"), "group {id}: {why}");
        assert!(why.contains(&format!("group {id}")), "{why}");
    }
    // Requests that would start after the deadline never start.
    assert!(
        f.cost.requests as usize <= concurrency.min(20),
        "concurrency {concurrency}: {} requests",
        f.cost.requests
    );
    assert!(f.cost.requests >= 1);
    // Nothing transient was kept.
    sim.clear_faults();
    let f = fetch_all(&a, &[], &ids, &s);
    assert_eq!(f.cost.cache_hits, 0);
    for id in &ids {
        assert_eq!(outcome(&f.groups[id]), Outcome::Found);
    }
    fetch::forget(Some(&ids));
}

#[test]
fn twenty_groups_on_a_hanging_panel_end_at_the_deadline() {
    check_bounded(9_900, 8);
}

#[test]
fn one_at_a_time_they_still_end_at_the_deadline() {
    check_bounded(9_930, 1);
}

/// Packages and groups together, and the pages after page 1.
#[test]
fn later_pages_share_the_same_deadline() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[9_961], &[(9_962, 10)]));
    // Page 1 answers; every later page hangs.
    sim.set_faults(json!([{"route": "resources", "page": 2, "action": "hang"},
                          {"route": "resources", "page": 3, "action": "hang"}]));
    let s = Settings {
        timeout: Duration::from_secs(10),
        page_size: 4,
        ..settings()
    };
    let started = Instant::now();
    let f = fetch::fetch_all(
        &api(&sim, &s),
        &[9_961],
        &[9_962],
        &s,
        &Deadline::after(DEADLINE),
    );
    let took = started.elapsed();
    assert!(took < BOUND, "took {took:?}");
    assert_eq!(outcome(&f.packages[&9_961]), Outcome::Found);
    let why = transient(&f.groups[&9_962]);
    assert!(why.contains("deadline"), "{why}");
    fetch::forget(Some(&[9_962]));
}

/// A deadline already passed asks nothing at all.
#[test]
fn a_passed_deadline_asks_nothing() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[9_971], &[(9_972, 1)]));
    let s = settings();
    let gone = Deadline::after(Duration::ZERO);
    std::thread::sleep(Duration::from_millis(5));
    let f = fetch::fetch_all(&api(&sim, &s), &[9_971, 9_973], &[9_972], &s, &gone);
    assert_eq!(f.cost.requests, 0);
    assert!(log(&sim).is_empty(), "{:?}", log(&sim));
    for read in [&f.packages[&9_971], &f.packages[&9_973]] {
        assert!(transient(read).contains("deadline"));
    }
    assert!(transient(&f.groups[&9_972]).contains("deadline"));
}
