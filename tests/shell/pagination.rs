//! a group's pages are all read (`results={page_size}&page={n}`,
//! `results` at most 200) and merged in order. More pages than
//! `page_limit`, a failed later page, or a hypervisor listed twice across
//! pages make the group transient: never a partial or doubled total.

use serde_json::{json, Value};
use vfstock::shell::fetch;
use vfstock::shell::settings::Settings;
use vfstock::shell::upstream;

use crate::common::*;

const GROUP: u64 = 9;

/// Reads a group of `size` hypervisors with this page size and limit, and
/// checks hypervisors, request count and the queries sent.
fn check(size: u64, page_size: u32, page_limit: u32) {
    let sim = Simulator::start(scenario(&[], &[(GROUP, size)]));
    let mut s = settings();
    s.max_response_bytes = 16 << 20;
    let api = api(&sim, &s);
    let pages = size.div_ceil(u64::from(page_size)).max(1);
    let over = pages > u64::from(page_limit);
    // Over the limit, only page 1 is read: it says how many there are.
    let read = if over { 1 } else { pages };
    let mut n = 0;
    let g = read_group(&api, GROUP as i64, page_size, page_limit, &mut n);
    if over {
        let why = transient(&g);
        assert!(
            why.contains(&pages.to_string()) && why.contains(&page_limit.to_string()),
            "the reason gives the numbers: {why}"
        );
        assert!(why.contains("page_limit"), "{why}");
    } else {
        let g = found_group(&g);
        let want: Vec<i64> = (1..=size as i64).collect();
        assert_eq!(hv_ids(g), want, "{size}/{page_size}");
        assert_eq!(u64::from(g.pages), pages);
    }
    assert_eq!(u64::from(n), read, "requests for {size}/{page_size}");
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

/// Revision 2: more pages than the limit is transient, not a capped
/// (partial) total; the limit exactly reached is read whole.
#[test]
fn more_pages_than_the_limit_is_transient() {
    check(45, 10, 3);
    check(1000, 10, 25);
    check(45, 10, 5);
}

#[test]
fn the_page_limit_message_gives_the_numbers() {
    let sim = Simulator::start(scenario(&[], &[(GROUP, 45)]));
    let mut n = 0;
    let g = read_group(&api(&sim, &settings()), GROUP as i64, 10, 3, &mut n);
    let why = transient(&g);
    assert!(why.contains('3') && why.contains('5'), "{why}");
    assert!(why.contains(&format!("group {GROUP}")), "{why}");
}

#[test]
fn absent_last_page_means_one_page() {
    let sim = Simulator::start(scenario(&[], &[(GROUP, 45)]));
    let body = json!({"data": [hv(7), hv(8)]}).to_string();
    sim.set_faults(json!([{"route": "resources", "id": GROUP, "page": 1,
                           "action": {"status": 200, "body": body}}]));
    let mut n = 0;
    let g = read_group(&api(&sim, &settings()), GROUP as i64, 2, 25, &mut n);
    let g = found_group(&g);
    assert_eq!(hv_ids(g), vec![7, 8]);
    assert_eq!((n, g.pages), (1, 1));
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
    fetch::forget(Some(&[GROUP as i64]));
    let mut n = 0;
    let one_by_one = read_group(&api, GROUP as i64, page_size, page_limit, &mut n);
    sim.clear_requests();
    let f = fetch_all(&api, &[], &[GROUP as i64, GROUP as i64], &s);
    assert_eq!(
        f.groups[&(GROUP as i64)],
        one_by_one,
        "{size}/{page_size}/{page_limit}"
    );
    assert_eq!(f.cost.requests, n, "the same pages, each once");
    let over = size.div_ceil(u64::from(page_size)) > u64::from(page_limit);
    assert_eq!(
        f.over_page_limit,
        if over { vec![GROUP as i64] } else { vec![] }
    );
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
    fetch::forget(Some(&[GROUP as i64]));
    sim.set_faults(
        json!([{"route": "resources", "id": GROUP, "page": 4, "action": {"status": 404}}]),
    );
    let f = fetch_all(&api(&sim, &s), &[], &[GROUP as i64], &s);
    let why = transient(&f.groups[&(GROUP as i64)]);
    assert!(why.contains("page 4"), "{why}");
    // Pages 2–5 start together; page 5 may be cancelled if page 4's 404
    // came back before it started.
    assert!((4..=5).contains(&f.cost.requests), "{}", f.cost.requests);
    // Transient is never cached: the next run reads again.
    sim.clear_faults();
    let again = fetch_all(&api(&sim, &s), &[], &[GROUP as i64], &s);
    assert_eq!(
        hv_ids(found_group(&again.groups[&(GROUP as i64)])),
        (1..=45).collect::<Vec<_>>()
    );
    fetch::forget(Some(&[GROUP as i64]));
}

/// One worker: a failed page 2 cancels pages 3–5, which are never asked.
#[test]
fn a_failed_page_cancels_the_pages_not_yet_started() {
    let _lock = cache_lock();
    let group = 9_201;
    let sim = Simulator::start(scenario(&[], &[(group, 45)]));
    let s = Settings {
        page_size: 10,
        concurrency: 1,
        ..settings()
    };
    sim.set_faults(
        json!([{"route": "resources", "id": group, "page": 2, "action": {"status": 503}}]),
    );
    let f = fetch_all(&api(&sim, &s), &[], &[group as i64], &s);
    let why = transient(&f.groups[&(group as i64)]);
    assert!(why.contains("page 2") && why.contains("503"), "{why}");
    assert_eq!(f.cost.requests, 2);
    let asked: Vec<String> = paths(&sim).into_iter().map(|(_, q)| q).collect();
    assert_eq!(asked, vec!["results=10&page=1", "results=10&page=2"]);
}

/// A page body as the API writes it, with the given hypervisors.
fn page_body(data: Vec<Value>, page: u64, last_page: u64) -> String {
    json!({"current_page": page, "data": data, "last_page": last_page, "per_page": 2}).to_string()
}

/// The list shifted while it was read: page 2 repeats page 1's
/// hypervisors. Counting them twice once doubled a qty.
#[test]
fn page_two_repeating_page_one_is_transient() {
    let _lock = cache_lock();
    let group = 9_301;
    let sim = Simulator::start(scenario(&[], &[(group, 4)]));
    sim.set_faults(json!([{"route": "resources", "id": group, "page": 2,
        "action": {"status": 200, "body": page_body(vec![hv(1), hv(2)], 2, 2)}}]));
    let s = Settings {
        page_size: 2,
        ..settings()
    };
    let api = api(&sim, &s);
    let mut n = 0;
    let why = transient(&read_group(&api, group as i64, 2, 25, &mut n));
    assert!(
        why.contains("twice") && why.contains("hypervisor 1"),
        "{why}"
    );
    let f = fetch_all(&api, &[], &[group as i64], &s);
    let why = transient(&f.groups[&(group as i64)]);
    assert!(why.contains("twice"), "{why}");
    assert_eq!(f.cost.requests, 2);
    // One repeat is enough, even with new ones beside it.
    sim.set_faults(json!([{"route": "resources", "id": group, "page": 2,
        "action": {"status": 200, "body": page_body(vec![hv(3), hv(2)], 2, 2)}}]));
    let why = transient(&read_group(&api, group as i64, 2, 25, &mut n));
    assert!(why.contains("hypervisor 2"), "{why}");
    // Not transient is never remembered: recovered, it is found.
    sim.clear_faults();
    let f = fetch_all(&api, &[], &[group as i64], &s);
    assert_eq!(
        hv_ids(found_group(&f.groups[&(group as i64)])),
        vec![1, 2, 3, 4]
    );
    fetch::forget(Some(&[group as i64]));
}

/// Only ids > 0 are compared: entries without one (malformed) are not a
/// repeat, they are reported as malformed.
#[test]
fn entries_without_an_id_are_not_a_repeat() {
    let sim = Simulator::start(scenario(&[], &[]));
    sim.patch_group(
        9_302,
        vec![
            json!("not an object"),
            json!(7),
            hv(1),
            json!({"resources": {}}),
        ],
    );
    let mut n = 0;
    let g = read_group(&api(&sim, &settings()), 9_302, 200, 25, &mut n);
    assert_eq!(hv_ids(found_group(&g)), vec![0, 0, 1, 0]);
}

/// `last_page` beyond the limit: transient, and no page beyond 1 is asked,
/// by `fetch_all` either.
#[test]
fn last_page_beyond_the_limit_reads_only_page_one() {
    let _lock = cache_lock();
    let group = 9_401;
    let sim = Simulator::start(scenario(&[], &[(group, 3)]));
    sim.set_faults(json!([{"route": "resources", "id": group, "page": 1,
        "action": {"status": 200, "body": page_body(vec![hv(1), hv(2)], 1, 1_000_000)}}]));
    let s = Settings {
        page_size: 2,
        page_limit: 25,
        concurrency: 8,
        ..settings()
    };
    let f = fetch_all(&api(&sim, &s), &[], &[group as i64], &s);
    let why = transient(&f.groups[&(group as i64)]);
    assert!(why.contains("1000000") && why.contains("25"), "{why}");
    assert_eq!(f.over_page_limit, vec![group as i64]);
    assert_eq!(f.cost.requests, 1);
    assert_eq!(
        paths(&sim),
        vec![(resources_path(group), "results=2&page=1".to_owned())]
    );
    // Absurd values do not overflow either.
    sim.set_faults(json!([{"route": "resources", "id": group, "page": 1,
    "action": {"status": 200, "body": format!(
        "{{\"data\": [], \"last_page\": {}}}", u64::MAX
    )}}]));
    sim.clear_requests();
    let f = fetch_all(&api(&sim, &s), &[], &[group as i64], &s);
    transient(&f.groups[&(group as i64)]);
    assert_eq!(log(&sim).len(), 1);
}

/// `results` is at most 200, the API's limit.
#[test]
fn page_size_is_clamped_to_two_hundred() {
    let _lock = cache_lock();
    let group = 9_501;
    let sim = Simulator::start(scenario(&[], &[(group, 450)]));
    let s = Settings {
        page_size: 500,
        max_response_bytes: 16 << 20,
        ..settings()
    };
    let api = api(&sim, &s);
    let f = fetch_all(&api, &[], &[group as i64], &s);
    let g = found_group(&f.groups[&(group as i64)]);
    assert_eq!(hv_ids(g), (1..=450).collect::<Vec<_>>());
    assert_eq!(g.pages, 3);
    let mut asked: Vec<String> = paths(&sim).into_iter().map(|(_, q)| q).collect();
    asked.sort();
    assert_eq!(
        asked,
        vec![
            "results=200&page=1",
            "results=200&page=2",
            "results=200&page=3"
        ]
    );
    // One page alone, and a page size of 0, too.
    sim.clear_requests();
    let mut n = 0;
    let p = upstream::page(&api, group as i64, 1, 500, &Deadline::NONE, &mut n);
    assert!(
        matches!(p, upstream::Read::Found(ref p) if p.hypervisors.len() == 200 && p.last_page == 3)
    );
    let p = upstream::page(&api, group as i64, 1, 0, &Deadline::NONE, &mut n);
    assert!(matches!(p, upstream::Read::Found(ref p) if p.hypervisors.len() == 1));
    assert_eq!(
        paths(&sim).into_iter().map(|(_, q)| q).collect::<Vec<_>>(),
        vec!["results=200&page=1", "results=1&page=1"]
    );
    fetch::forget(Some(&[group as i64]));
}
