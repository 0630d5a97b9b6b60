//! the Test Connection check.

use serde_json::json;
use vfstock::shell::probe::probe;
use vfstock::shell::settings::Api;

use crate::common::*;

fn with_token(sim: &Simulator, token: &str) -> Api {
    Api::new(sim.base_url(), token, &settings())
}

#[test]
fn a_good_token_is_ok() {
    let sim = Simulator::start(scenario(&[], &[(1, 1)]));
    let p = probe(&api(&sim, &settings()), &Deadline::NONE);
    assert!(p.ok, "{p:?}");
    assert_eq!((p.status, p.error), (200, None));
    assert_eq!(
        paths(&sim),
        vec![
            ("/api/v1/connect".to_owned(), String::new()),
            (
                "/api/v1/compute/hypervisors/groups".to_owned(),
                "results=1".to_owned()
            ),
        ]
    );
    assert!(log(&sim).iter().all(|r| r["auth"] == "ok"));
}

#[test]
fn an_unknown_token_is_401() {
    let sim = Simulator::start(scenario(&[], &[]));
    let p = probe(&with_token(&sim, UNKNOWN_TOKEN), &Deadline::NONE);
    assert!(!p.ok);
    assert_eq!(p.status, 401);
    let error = p.error.expect("an error");
    assert!(error.to_lowercase().contains("token"), "{error}");
    assert_no_token(&error);
}

#[test]
fn a_token_without_the_compute_scope_is_403() {
    let sim = Simulator::start(scenario(&[], &[]));
    let p = probe(&with_token(&sim, NOSCOPE_TOKEN), &Deadline::NONE);
    assert!(!p.ok);
    assert_eq!(p.status, 403);
    let error = p.error.expect("an error").to_lowercase();
    assert!(
        error.contains("compute") && error.contains("read") && error.contains("scope"),
        "{error}"
    );
    assert_no_token(&error);
    // /connect passed; the group listing is what failed.
    assert_eq!(log(&sim).len(), 2);
}

#[test]
fn connection_refused_is_status_0() {
    let p = probe(&api_at(&refused_url(), &settings()), &Deadline::NONE);
    assert!(!p.ok);
    assert_eq!(p.status, 0);
    assert!(!p.error.expect("an error").trim().is_empty());
}

#[test]
fn a_failing_panel_is_not_ok() {
    let sim = Simulator::start(scenario(&[], &[]));
    sim.set_faults(json!([{"route": "connect", "action": {"status": 503}}]));
    let p = probe(&api(&sim, &settings()), &Deadline::NONE);
    assert!(!p.ok && p.status == 503 && p.error.is_some(), "{p:?}");

    sim.set_faults(json!([{"route": "groups", "action": {"status": 500}}]));
    let p = probe(&api(&sim, &settings()), &Deadline::NONE);
    assert!(!p.ok && p.status == 500 && p.error.is_some(), "{p:?}");

    sim.set_faults(json!([{"route": "connect", "action": "reset"}]));
    let p = probe(&api(&sim, &settings()), &Deadline::NONE);
    assert!(!p.ok && p.status == 0 && p.error.is_some(), "{p:?}");
}

#[test]
fn a_200_that_is_not_json_is_not_the_api() {
    let sim = Simulator::start(scenario(&[], &[(1, 1)]));
    for route in ["connect", "groups"] {
        sim.set_faults(json!([{"route": route, "action": "html200"}]));
        let p = probe(&api(&sim, &settings()), &Deadline::NONE);
        assert!(!p.ok, "{route}: {p:?}");
        assert_eq!(p.status, 200, "{route}");
        assert!(
            p.error.as_deref().unwrap_or("").contains("JSON"),
            "{route}: {p:?}"
        );
    }
}

/// Revision 2: real panels answer `/connect` with `[]`; any JSON passes.
/// The group listing must be a JSON object.
#[test]
fn connect_accepts_any_json_and_groups_need_an_object() {
    let sim = Simulator::start(scenario(&[], &[(1, 1)]));
    for body in [
        "[]",
        "{}",
        r#"{"data": {"version": "7.0"}}"#,
        "\"ok\"",
        "1",
        "null",
    ] {
        sim.set_faults(json!([{"route": "connect", "action": {"status": 200, "body": body}}]));
        let p = probe(&api(&sim, &settings()), &Deadline::NONE);
        assert!(p.ok, "/connect answering {body}: {p:?}");
    }
    for body in ["", "<html></html>", "[] trailing", "{"] {
        sim.set_faults(json!([{"route": "connect", "action": {"status": 200, "body": body}}]));
        let p = probe(&api(&sim, &settings()), &Deadline::NONE);
        assert!(
            !p.ok && p.status == 200,
            "/connect answering {body:?}: {p:?}"
        );
        assert!(p.error.as_deref().unwrap_or("").contains("JSON"), "{p:?}");
    }
    for body in ["[]", "[{\"id\": 1}]", "\"groups\"", "<html></html>"] {
        sim.set_faults(json!([{"route": "groups", "action": {"status": 200, "body": body}}]));
        let p = probe(&api(&sim, &settings()), &Deadline::NONE);
        assert!(!p.ok && p.status == 200, "groups answering {body}: {p:?}");
        assert!(p.error.as_deref().unwrap_or("").contains("object"), "{p:?}");
    }
}

/// A wrong base URL (without `/api/v1`) answers the web server's 404.
#[test]
fn a_wrong_base_url_is_not_ok() {
    let sim = Simulator::start(scenario(&[], &[(1, 1)]));
    let root = sim.base_url().trim_end_matches("/api/v1").to_owned();
    let p = probe(&api_at(&root, &settings()), &Deadline::NONE);
    assert!(!p.ok && p.status == 404, "{p:?}");
    assert_eq!(log(&sim).len(), 1, "it stops at /connect");
}

/// The deadline bounds the whole probe, however long `api.timeout` is.
#[test]
fn a_hanging_panel_is_bounded_by_the_deadline() {
    let sim = Simulator::start(scenario(&[], &[(1, 1)]));
    sim.set_faults(json!([{"route": "any", "action": "hang"}]));
    let mut s = settings();
    s.timeout = std::time::Duration::from_secs(10);
    let started = std::time::Instant::now();
    let p = probe(
        &api(&sim, &s),
        &Deadline::after(std::time::Duration::from_millis(500)),
    );
    let took = started.elapsed();
    assert!(!p.ok && p.status == 0, "{p:?}");
    assert!(
        p.error.as_deref().unwrap_or("").contains("deadline"),
        "{p:?}"
    );
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
}
