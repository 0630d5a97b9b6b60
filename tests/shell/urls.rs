//! a 404 means "gone" only when the API itself said so. A wrong
//! base URL answers 404 everywhere and must never zero the catalogue: the
//! 404 must be JSON, and the run must have seen the API answer at this URL
//! (a found read, fresh or cached, or `GET /connect` answering 200 with
//! JSON, asked at most once per `fetch_all` and only when needed).
//!
//! Every test holds `cache_lock()` and uses its own ids (98xx): confirmed
//! answers are cached process-wide.

use serde_json::json;
use vfstock::shell::fetch;

use crate::common::*;

fn root_of(sim: &Simulator) -> String {
    let url = sim.base_url();
    assert!(url.ends_with("/api/v1"), "{url}");
    url.trim_end_matches("/api/v1").to_owned()
}

/// The simulator's base URL without `/api/v1`: every path is an unknown
/// route, answered with the web server's HTML 404.
#[test]
fn a_base_url_without_api_v1_leaves_everything_transient() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[9_801, 9_802], &[(9_803, 3)]));
    let s = settings();
    let wrong = api_at(&root_of(&sim), &s);
    for round in 0..2 {
        sim.clear_requests();
        let f = fetch_all(&wrong, &[9_801, 9_802, 9_809], &[9_803, 9_808], &s);
        for (what, read) in [
            ("package 9801", outcome(&f.packages[&9_801])),
            ("package 9802", outcome(&f.packages[&9_802])),
            ("package 9809", outcome(&f.packages[&9_809])),
            ("group 9803", outcome(&f.groups[&9_803])),
            ("group 9808", outcome(&f.groups[&9_808])),
        ] {
            let Outcome::Transient(why) = read else {
                panic!("round {round}, {what}: {read:?}");
            };
            assert!(why.contains("URL"), "the reason points at the URL: {why}");
            assert!(why.contains("404"), "{why}");
            assert!(why.contains(what), "the reason names the read: {why}");
            assert_no_token(&why);
        }
        // Nothing was missing, so there was nothing to confirm.
        assert_eq!(connects(&sim), 0, "{:?}", paths(&sim));
        // Transient is never cached: the second round asks again.
        assert_eq!(
            f.cost,
            fetch::Cost {
                requests: 5,
                cache_hits: 0
            }
        );
        assert!(
            log(&sim).iter().all(|r| r["status"] == 404),
            "{:?}",
            log(&sim)
        );
    }
    // The right URL on the same panel: found and missing as they are.
    let right = api(&sim, &s);
    let f = fetch_all(&right, &[9_801, 9_809], &[9_803], &s);
    assert_eq!(outcome(&f.packages[&9_801]), Outcome::Found);
    assert_eq!(outcome(&f.packages[&9_809]), Outcome::Missing);
    assert_eq!(outcome(&f.groups[&9_803]), Outcome::Found);
    fetch::forget(Some(&[9_803]));
}

/// A URL where every route answers a JSON 404 (a proxy in front of some
/// other JSON service, say): `/connect` does not answer 200 either, so no
/// 404 is believed. `/connect` is asked once for the whole run.
#[test]
fn json_404s_without_the_api_answering_connect_stay_transient() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[9_811], &[(9_813, 3)]));
    sim.set_faults(
        json!([{"route": "any", "action": {"status": 404, "body": "{\"error\": \"no route\"}"}}]),
    );
    let s = settings();
    let a = api(&sim, &s);
    let f = fetch_all(&a, &[9_811, 9_812, 9_814], &[9_813, 9_815, 9_816], &s);
    for read in [
        &f.packages[&9_811],
        &f.packages[&9_812],
        &f.packages[&9_814],
    ] {
        let why = transient(read);
        assert!(why.contains(&a.url), "the reason gives the URL: {why}");
        assert!(why.contains("URL"), "{why}");
    }
    for id in [9_813, 9_815, 9_816] {
        let why = transient(&f.groups[&id]);
        assert!(why.contains(&a.url) && why.contains("/connect"), "{why}");
    }
    assert_eq!(connects(&sim), 1, "{:?}", paths(&sim));
    assert_eq!(f.cost.requests, 7, "six reads and one /connect");
    // Not cached: the next run asks again (and /connect once more).
    sim.clear_requests();
    let f = fetch_all(&a, &[9_811], &[9_813], &s);
    transient(&f.packages[&9_811]);
    assert_eq!((f.cost.requests, connects(&sim)), (3, 1));
}

/// `/connect` answering something that is not the API (an HTML page, a
/// failure, an RST, a 401) confirms nothing.
#[test]
fn connect_must_answer_200_with_json() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[]));
    let s = settings();
    let a = api(&sim, &s);
    for (n, action) in [
        json!("html200"),
        json!({"status": 503}),
        json!({"status": 404}),
        json!({"status": 401}),
        json!({"status": 200, "body": "<p>ok</p>"}),
        json!({"status": 200, "body": ""}),
        json!("malformedJson"),
        json!("reset"),
    ]
    .into_iter()
    .enumerate()
    {
        sim.set_faults(json!([{"route": "connect", "action": action}]));
        sim.clear_requests();
        let (pid, gid) = (9_820 + 2 * n as i64, 9_821 + 2 * n as i64);
        let f = fetch_all(&a, &[pid], &[gid], &s);
        let why = transient(&f.packages[&pid]);
        assert!(why.starts_with(&format!("package {pid}: ")), "{why}");
        // An answer that is not the API says the URL looks wrong; no answer
        // at all (a reset) says it could not be confirmed.
        let said = if action == json!("reset") {
            "could not be confirmed"
        } else {
            "the URL looks wrong"
        };
        assert!(why.contains(said), "/connect {action}: {why}");
        transient(&f.groups[&gid]);
        let asked = connects(&sim);
        let want = if action == json!("reset") { 2 } else { 1 };
        assert_eq!(asked, want, "/connect {action}: {:?}", paths(&sim));
    }
}

/// The panel answers `/connect` (`[]`): its JSON 404s are believed, once
/// `/connect` has been asked a single time for the whole run.
#[test]
fn a_json_404_on_a_panel_that_answers_connect_is_missing() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[]));
    let s = settings();
    let a = api(&sim, &s);
    let f = fetch_all(&a, &[9_841, 9_842, 9_843], &[9_844, 9_845], &s);
    for id in [9_841, 9_842, 9_843] {
        assert_eq!(outcome(&f.packages[&id]), Outcome::Missing, "package {id}");
    }
    for id in [9_844, 9_845] {
        assert_eq!(outcome(&f.groups[&id]), Outcome::Missing, "group {id}");
    }
    assert_eq!(connects(&sim), 1, "{:?}", paths(&sim));
    assert_eq!(f.cost.requests, 6);
    // Confirmed missing is cached: nothing more is asked.
    sim.clear_requests();
    let f = fetch_all(&a, &[9_841], &[9_844], &s);
    assert_eq!(
        f.cost,
        fetch::Cost {
            requests: 0,
            cache_hits: 2
        }
    );
    assert_eq!(outcome(&f.packages[&9_841]), Outcome::Missing);
    assert!(log(&sim).is_empty());
}

/// A found read in the same run is proof enough: `/connect` is not asked.
#[test]
fn a_found_read_confirms_without_asking_connect() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[9_851], &[(9_853, 2)]));
    let s = settings();
    let a = api(&sim, &s);
    let f = fetch_all(&a, &[9_851, 9_852], &[9_854], &s);
    assert_eq!(outcome(&f.packages[&9_851]), Outcome::Found);
    assert_eq!(outcome(&f.packages[&9_852]), Outcome::Missing);
    assert_eq!(outcome(&f.groups[&9_854]), Outcome::Missing);
    assert_eq!(connects(&sim), 0, "{:?}", paths(&sim));
    assert_eq!(f.cost.requests, 3);

    // A found answer from the cache counts too: 9853 is cached, 9856 is a
    // fresh 404, and /connect is still not asked even though it is down.
    let _ = fetch_all(&a, &[], &[9_853], &s);
    sim.set_faults(json!([{"route": "connect", "action": {"status": 503}}]));
    sim.clear_requests();
    let f = fetch_all(&a, &[9_851], &[9_853, 9_856], &s);
    assert_eq!(
        f.cost,
        fetch::Cost {
            requests: 1,
            cache_hits: 2
        }
    );
    assert_eq!(outcome(&f.groups[&9_856]), Outcome::Missing);
    assert_eq!(connects(&sim), 0);
    fetch::forget(Some(&[9_853]));
}

/// Found-by-cache only counts when it is a found answer: a cached missing
/// one proves nothing about this run's fresh 404s.
#[test]
fn a_cached_missing_answer_is_no_proof() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[]));
    let s = settings();
    let a = api(&sim, &s);
    assert_eq!(
        outcome(&fetch_all(&a, &[9_861], &[], &s).packages[&9_861]),
        Outcome::Missing
    );
    assert_eq!(connects(&sim), 1);
    sim.set_faults(json!([{"route": "connect", "action": "html200"}]));
    let f = fetch_all(&a, &[9_861, 9_862], &[], &s);
    assert_eq!(outcome(&f.packages[&9_861]), Outcome::Missing, "cached");
    let why = transient(&f.packages[&9_862]);
    assert!(why.contains("URL"), "{why}");
    assert_eq!(connects(&sim), 2);
}

/// A later page's 404 is never "missing" and never needs confirming.
#[test]
fn a_later_page_404_does_not_ask_connect() {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(&[], &[(9_871, 3)]));
    sim.set_faults(json!([{"route": "resources", "page": 2, "action": {"status": 404}}]));
    let s = vfstock::shell::settings::Settings {
        page_size: 2,
        ..settings()
    };
    let f = fetch_all(&api(&sim, &s), &[], &[9_871], &s);
    let why = transient(&f.groups[&9_871]);
    assert!(why.contains("page 2"), "{why}");
    assert_eq!(connects(&sim), 0);
}
