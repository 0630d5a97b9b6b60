//! SPEC §4: a group's pages are all read (`results={page_size}&page={n}`),
//! merged in order, and capped at `page_limit`.

use serde_json::json;
use vfstock::shell::settings::Settings;
use vfstock::shell::{fetch, upstream};

use crate::common::*;

const GROUP: u64 = 9;

/// Reads a group of `size` hypervisors with this page size and limit, and
/// checks entries, request count and the queries sent.
fn check(size: u64, page_size: u32, page_limit: u32) {
    let sim = Simulator::start(scenario(&[], &[(GROUP, size)]));
    let mut s = settings();
    s.max_response_bytes = 16 << 20;
    let api = api(&sim, &s);
    let pages = size.div_ceil(u64::from(page_size)).max(1);
    let read = pages.min(u64::from(page_limit));
    let mut n = 0;
    let g = upstream::group(&api, GROUP as i64, page_size, page_limit, &mut n);
    let g = found_group(&g);
    let want: Vec<i64> = (1..=(read * u64::from(page_size)).min(size) as i64).collect();
    assert_eq!(entry_ids(&g.entries), want, "{size}/{page_size}");
    assert_eq!(u64::from(n), read, "requests for {size}/{page_size}");
    assert_eq!(u64::from(g.pages), read);
    assert_eq!(g.capped.is_some(), pages > read, "capped: {:?}", g.capped);
    let queries: Vec<(String, String)> = (1..=read)
        .map(|p| {
            (
                resources_path(GROUP),
                format!("results={page_size}&page={p}"),
            )
        })
        .collect();
    assert_eq!(paths(&sim), queries);
    assert!(log(&sim).iter().all(|r| r["auth"] == "ok"));
}

#[test]
fn forty_five_by_ten() {
    check(45, 10, 25);
}

#[test]
fn forty_five_by_two_hundred() {
    check(45, 200, 25);
}

#[test]
fn a_thousand_by_two_hundred() {
    check(1000, 200, 25);
}

#[test]
fn a_thousand_by_ten() {
    check(1000, 10, 100);
}

#[test]
fn an_empty_group_is_one_page() {
    check(0, 10, 25);
}

#[test]
fn page_limit_caps_and_says_so() {
    check(45, 10, 3);
    check(1000, 10, 25);
    // The limit exactly reached is not a cap.
    check(45, 10, 5);
}

#[test]
fn the_cap_message_gives_the_numbers() {
    let sim = Simulator::start(scenario(&[], &[(GROUP, 45)]));
    let mut n = 0;
    let g = upstream::group(&api(&sim, &settings()), GROUP as i64, 10, 3, &mut n);
    let capped = found_group(&g).capped.clone().expect("capped");
    assert!(capped.contains('3') && capped.contains('5'), "{capped}");
}

#[test]
fn absent_last_page_means_one_page() {
    let sim = Simulator::start(scenario(&[], &[(GROUP, 45)]));
    let body = json!({"data": [hv(7), hv(8)]}).to_string();
    sim.set_faults(json!([{"route": "resources", "id": GROUP, "page": 1,
                           "action": {"status": 200, "body": body}}]));
    let mut n = 0;
    let g = upstream::group(&api(&sim, &settings()), GROUP as i64, 2, 25, &mut n);
    let g = found_group(&g);
    assert_eq!(entry_ids(&g.entries), vec![7, 8]);
    assert_eq!((n, g.pages, g.capped.is_some()), (1, 1, false));
}

/// `fetch_all` reads pages 2… in parallel; the group must come out exactly
/// as the one-after-another read gives it.
fn check_parallel(size: u64, page_size: u32, page_limit: u32) {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[(GROUP, size)]));
    let mut s = settings();
    s.max_response_bytes = 16 << 20;
    s.page_size = page_size;
    s.page_limit = page_limit;
    s.concurrency = 8;
    let api = api(&sim, &s);
    let mut n = 0;
    let one_by_one = upstream::group(&api, GROUP as i64, page_size, page_limit, &mut n);
    sim.clear_requests();
    let f = fetch::fetch_all(&api, &[], &[GROUP as i64, GROUP as i64], &s);
    assert_eq!(
        f.groups[&(GROUP as i64)],
        one_by_one,
        "{size}/{page_size}/{page_limit}"
    );
    assert_eq!(f.cost.requests, n, "the same pages, each once");
    let mut sent: Vec<(String, String)> = paths(&sim);
    sent.sort();
    let mut want: Vec<(String, String)> = (1..=n)
        .map(|p| {
            (
                resources_path(GROUP),
                format!("results={page_size}&page={p}"),
            )
        })
        .collect();
    want.sort();
    assert_eq!(sent, want);
    fetch::forget(Some(&[GROUP as i64]));
}

#[test]
fn pages_read_in_parallel_merge_in_order() {
    check_parallel(45, 10, 25);
    check_parallel(1000, 200, 25);
    check_parallel(45, 10, 3);
    check_parallel(7, 10, 25);
}

#[test]
fn a_later_page_failing_in_parallel_makes_the_group_transient() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[(GROUP, 45)]));
    let s = Settings {
        page_size: 10,
        concurrency: 8,
        ..settings()
    };
    sim.set_faults(
        json!([{"route": "resources", "id": GROUP, "page": 4, "action": {"status": 404}}]),
    );
    let f = fetch::fetch_all(&api(&sim, &s), &[], &[GROUP as i64], &s);
    let why = transient(&f.groups[&(GROUP as i64)]);
    assert!(why.contains("page 4"), "{why}");
    assert_eq!(f.cost.requests, 5);
    // Transient is never cached: the next run reads again.
    sim.clear_faults();
    let again = fetch::fetch_all(&api(&sim, &s), &[], &[GROUP as i64], &s);
    assert_eq!(
        entry_ids(&found_group(&again.groups[&(GROUP as i64)]).entries),
        (1..=45).collect::<Vec<_>>()
    );
    fetch::forget(Some(&[GROUP as i64]));
}
