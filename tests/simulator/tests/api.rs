//! The API routes, pagination, auth, the request log and the control API.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;
use vfsim::Simulator;

#[test]
fn pagination_is_honest() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    let mut all = Vec::new();
    for page in 1..=5 {
        let r = api(
            base,
            &format!("/compute/hypervisors/groups/3/resources?results=10&page={page}"),
            Some(TOKEN),
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v = r.json();
        assert_eq!(v["current_page"], page);
        assert_eq!(v["last_page"], 5);
        assert_eq!(v["per_page"], 10);
        assert_eq!(v["total"], 45);
        assert_eq!(v["from"], (page - 1) * 10 + 1);
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), if page == 5 { 5 } else { 10 });
        assert_eq!(v["to"], (page - 1) * 10 + data.len() as u64);
        all.extend(data.iter().cloned());
    }
    assert_eq!(all, hypervisors(45));

    // Past the end: empty data, same totals.
    let v = api(
        base,
        "/compute/hypervisors/groups/3/resources?results=10&page=6",
        Some(TOKEN),
    )
    .unwrap()
    .json();
    assert_eq!(v["data"], json!([]));
    assert_eq!(
        (v["last_page"].clone(), v["total"].clone()),
        (json!(5), json!(45))
    );
    assert_eq!(v["from"], Value::Null);

    // Defaults: 15 per page, page 1.
    let v = api(base, "/compute/hypervisors/groups/3/resources", Some(TOKEN))
        .unwrap()
        .json();
    assert_eq!(
        (
            v["per_page"].clone(),
            v["current_page"].clone(),
            v["last_page"].clone()
        ),
        (json!(15), json!(1), json!(3))
    );
    assert_eq!(v["data"].as_array().unwrap().len(), 15);
    assert!(v["next_page_url"]
        .as_str()
        .unwrap()
        .ends_with("/api/v1/compute/hypervisors/groups/3/resources?results=15&page=2"));

    // Unknown group.
    let r = api(
        base,
        "/compute/hypervisors/groups/99/resources",
        Some(TOKEN),
    )
    .unwrap();
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"errors": ["hypervisor group not found"]}))
    );
}

#[test]
fn entries_are_served_as_written() {
    let sim = Simulator::start(scenario());
    let v = api(
        sim.base_url(),
        "/compute/hypervisors/groups/4/resources?results=200",
        Some(TOKEN),
    )
    .unwrap()
    .json();
    assert_eq!(v["data"], scenario()["groups"]["4"]["hypervisors"]);
}

#[test]
fn packages_connect_groups_and_unknown_routes() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    let r = api(base, "/packages/7", Some(TOKEN)).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"], scenario()["packages"]["7"]);
    let r = api(base, "/packages/8", Some(TOKEN)).unwrap();
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"errors": ["package not found"]}))
    );

    let r = api(base, "/connect", Some(TOKEN)).unwrap();
    assert_eq!(r.json(), json!([]));

    let v = api(
        base,
        "/compute/hypervisors/groups?results=1&page=2",
        Some(TOKEN),
    )
    .unwrap()
    .json();
    assert_eq!(v["data"], json!([{"id": 4, "name": "Odd"}]));
    assert_eq!(
        (v["total"].clone(), v["last_page"].clone()),
        (json!(2), json!(2))
    );

    for target in [
        "/api/v1/nope",
        "/api/v1/packages/x",
        "/",
        "/api/v1/packages/7/",
    ] {
        let r = call(base, "GET", target, Some(TOKEN), None).unwrap();
        assert_eq!(r.status, 404, "{target}");
    }
    let r = call(base, "POST", "/api/v1/packages/7", Some(TOKEN), Some("{}")).unwrap();
    assert_eq!(r.status, 404);
}

#[test]
fn auth_401_403_and_log() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    let res = "/compute/hypervisors/groups/3/resources";
    let groups = "/compute/hypervisors/groups";
    let cases: &[(&str, Option<&str>, u16, &str)] = &[
        (res, None, 401, "missing"),
        (res, Some("bogus"), 401, "unknown"),
        (res, Some("nocompute-token"), 403, "noscope"),
        (groups, Some("nocompute-token"), 403, "noscope"),
        ("/connect", Some("nocompute-token"), 200, "ok"),
        ("/packages/7", Some("nocompute-token"), 200, "ok"),
        ("/connect", None, 401, "missing"),
        ("/packages/7", Some("bogus"), 401, "unknown"),
        ("/packages/999", None, 401, "missing"),
        (res, Some(TOKEN), 200, "ok"),
    ];
    for (path, token, status, _) in cases {
        assert_eq!(
            api(base, path, *token).unwrap().status,
            *status,
            "{path} {token:?}"
        );
    }
    let log = sim.requests();
    assert_eq!(log.len(), cases.len());
    for (entry, (path, _, status, auth)) in log.iter().zip(cases) {
        assert_eq!(entry["method"], "GET");
        assert_eq!(entry["path"], format!("/api/v1{path}"));
        assert_eq!(entry["auth"], *auth);
        assert_eq!(entry["status"], *status);
    }
    // The token itself is never recorded.
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("bogus") && !text.contains("good-token"));

    // The same log over HTTP; control calls are not logged.
    let v = control(base, "GET", "/requests", None);
    assert_eq!(v["requests"], Value::Array(log));
    control(base, "POST", "/requests/clear", None);
    assert!(sim.requests().is_empty());

    // Default token when the scenario names none.
    let sim = Simulator::start(json!({}));
    assert_eq!(
        api(sim.base_url(), "/connect", Some("test-token"))
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        api(sim.base_url(), "/connect", Some(TOKEN)).unwrap().status,
        401
    );
}

#[test]
fn query_is_logged() {
    let sim = Simulator::start(scenario());
    api(
        sim.base_url(),
        "/compute/hypervisors/groups/3/resources?results=10&page=2",
        Some(TOKEN),
    )
    .unwrap();
    let log = sim.requests();
    assert_eq!(log[0]["query"], "results=10&page=2");
    assert!(log[0].get("fault").is_none());
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    let mut s = connect(base, Duration::from_secs(10));
    let mut buf = Vec::new();
    for path in ["/connect", "/packages/7", "/packages/8"] {
        let req = request_text(
            base,
            "GET",
            &format!("/api/v1{path}"),
            Some(TOKEN),
            None,
            true,
        );
        s.write_all(req.as_bytes()).unwrap();
        let r = read_response(&mut s, &mut buf).unwrap();
        assert_eq!(r.header("connection"), Some("keep-alive"));
    }
    // Two pipelined requests in one write.
    let two = request_text(base, "GET", "/api/v1/connect", Some(TOKEN), None, true).repeat(2);
    s.write_all(two.as_bytes()).unwrap();
    for _ in 0..2 {
        assert_eq!(read_response(&mut s, &mut buf).unwrap().status, 200);
    }
    assert_eq!(sim.requests().len(), 5);
}

#[test]
fn control_api_reshapes_the_fleet() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    let res3 = "/compute/hypervisors/groups/3/resources";

    control(
        base,
        "PATCH",
        "/groups/3",
        Some(json!({"hypervisors": hypervisors(2)})),
    );
    assert_eq!(api(base, res3, Some(TOKEN)).unwrap().json()["total"], 2);
    control(
        base,
        "PATCH",
        "/groups/9",
        Some(json!({"hypervisors": [{"x": 1}]})),
    );
    let v = api(base, "/compute/hypervisors/groups/9/resources", Some(TOKEN))
        .unwrap()
        .json();
    assert_eq!(v["data"], json!([{"x": 1}]));

    let v = control(base, "DELETE", "/groups/3", None);
    assert_eq!(v["existed"], true);
    assert_eq!(api(base, res3, Some(TOKEN)).unwrap().status, 404);

    control(base, "DELETE", "/packages/7", None);
    assert_eq!(api(base, "/packages/7", Some(TOKEN)).unwrap().status, 404);
    control(
        base,
        "PUT",
        "/packages/7",
        Some(json!({"id": 7, "enabled": false})),
    );
    assert_eq!(
        api(base, "/packages/7", Some(TOKEN)).unwrap().json()["data"]["enabled"],
        false
    );

    control(
        base,
        "PUT",
        "/scenario",
        Some(json!({"tokens": {"t2": ["compute"]}})),
    );
    assert_eq!(api(base, "/connect", Some(TOKEN)).unwrap().status, 401);
    assert_eq!(api(base, "/connect", Some("t2")).unwrap().status, 200);
    assert_eq!(control(base, "GET", "/scenario", None)["groups"], json!({}));

    // Bad bodies are refused with 400 and change nothing.
    for (method, path, body) in [
        ("PUT", "/scenario", "[1]"),
        ("PUT", "/scenario", "{not json"),
        ("PUT", "/faults", r#"{"faults":[{"action":"explode"}]}"#),
        ("PATCH", "/groups/1", r#"{"hypervisors": 3}"#),
        ("PUT", "/latency", r#"{"ms": -1}"#),
    ] {
        let r = call(base, method, &format!("/_sim{path}"), None, Some(body)).unwrap();
        assert_eq!(r.status, 400, "{method} {path} {body}");
    }
    assert_eq!(
        call(base, "GET", "/_sim/nope", None, None).unwrap().status,
        404
    );
    assert_eq!(api(base, "/connect", Some("t2")).unwrap().status, 200);

    // The library API does the same.
    sim.set_scenario(scenario());
    sim.patch_group(3, hypervisors(1));
    assert_eq!(api(base, res3, Some(TOKEN)).unwrap().json()["total"], 1);
    assert!(sim.delete_package(7));
    assert!(!sim.delete_package(7));
    assert!(sim.delete_group(3));
    assert_eq!(api(base, res3, Some(TOKEN)).unwrap().status, 404);
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}
