//! Every fault action, fault matching, latency and concurrency.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};
use vfsim::Simulator;

const RES3: &str = "/compute/hypervisors/groups/3/resources";

#[test]
fn status_fault_with_times_id_and_page() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    sim.set_faults(json!({"faults": [
        {"route": "resources", "id": 3, "page": 2, "times": 2, "action": {"status": 503}},
        {"route": "package", "id": 7, "action": {"status": 429, "body": "slow down"}},
    ]}));
    let page = |p: u32| {
        api(base, &format!("{RES3}?results=10&page={p}"), Some(TOKEN))
            .unwrap()
            .status
    };
    assert_eq!(page(1), 200);
    assert_eq!(page(2), 503);
    assert_eq!(page(2), 503);
    assert_eq!(page(2), 200, "times: 2 expired");
    let r = api(base, "/packages/7", Some(TOKEN)).unwrap();
    assert_eq!((r.status, r.body.as_slice()), (429, &b"slow down"[..]));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(api(base, "/packages/8", Some(TOKEN)).unwrap().status, 404);

    let log = sim.requests();
    let faults: Vec<&Value> = log.iter().map(|e| &e["fault"]).collect();
    assert_eq!(faults[1], "status");
    assert_eq!(log[1]["status"], 503);
    assert_eq!(faults[3], &Value::Null);

    // The remaining list, over HTTP, then cleared.
    let v = control(base, "GET", "/faults", None);
    assert_eq!(v["faults"].as_array().unwrap().len(), 1);
    control(base, "DELETE", "/faults", None);
    assert_eq!(api(base, "/packages/7", Some(TOKEN)).unwrap().status, 200);

    // "any" hits every API route; first match wins; set over HTTP.
    control(
        base,
        "PUT",
        "/faults",
        Some(json!({"faults": [
            {"route": "connect", "action": {"status": 502}},
            {"route": "any", "action": {"status": 500, "body": "{\"msg\":\"boom\"}"}},
        ]})),
    );
    assert_eq!(api(base, "/connect", Some(TOKEN)).unwrap().status, 502);
    let r = api(base, "/compute/hypervisors/groups", Some(TOKEN)).unwrap();
    assert_eq!((r.status, r.json()), (500, json!({"msg": "boom"})));
    // Faults sit in front of auth, like a failing proxy would.
    assert_eq!(api(base, "/packages/7", None).unwrap().status, 500);
    // Control routes are never faulted.
    control(base, "GET", "/requests", None);
}

#[test]
fn delay_then_normal_answer() {
    let sim = Simulator::start(scenario());
    sim.set_faults(json!([{"route": "package", "times": 1, "action": {"delayMs": 300}}]));
    let t = Instant::now();
    let r = api(sim.base_url(), "/packages/7", Some(TOKEN)).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"]["id"], 7);
    let t = Instant::now();
    api(sim.base_url(), "/packages/7", Some(TOKEN)).unwrap();
    assert!(t.elapsed() < Duration::from_millis(250));
}

#[test]
fn global_latency_applies_to_api_not_control() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    sim.set_latency_ms(200);
    let t = Instant::now();
    assert_eq!(api(base, "/connect", Some(TOKEN)).unwrap().status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    let t = Instant::now();
    control(base, "GET", "/requests", None);
    assert!(t.elapsed() < Duration::from_millis(150));
    control(base, "PUT", "/latency", Some(json!({"ms": 0})));
    assert_eq!(control(base, "GET", "/latency", None)["ms"], 0);
    let t = Instant::now();
    api(base, "/connect", Some(TOKEN)).unwrap();
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[test]
fn latency_is_per_connection_not_serial() {
    let sim = Simulator::start(scenario());
    sim.set_latency_ms(300);
    let base = sim.base_url().to_string();
    let t = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let base = base.clone();
            std::thread::spawn(move || api(&base, "/connect", Some(TOKEN)).unwrap().status)
        })
        .collect();
    for th in threads {
        assert_eq!(th.join().unwrap(), 200);
    }
    // Eight 300 ms requests served in parallel, not one after another.
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn hang_blocks_only_its_own_connection_and_stop_frees_it() {
    let mut sim = Simulator::start(scenario());
    let base = sim.base_url().to_string();
    sim.set_faults(json!([{"route": "resources", "action": "hang"}]));
    let mut hung = connect(&base, Duration::from_millis(400));
    let req = request_text(
        &base,
        "GET",
        &format!("/api/v1{RES3}"),
        Some(TOKEN),
        None,
        false,
    );
    hung.write_all(req.as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let err = hung.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));

    // Meanwhile others are served.
    let t = Instant::now();
    assert_eq!(api(&base, "/connect", Some(TOKEN)).unwrap().status, 200);
    assert!(t.elapsed() < Duration::from_millis(300));
    assert_eq!(sim.requests()[0]["fault"], "hang");
    assert_eq!(sim.requests()[0]["status"], 0);

    // Stopping closes the hanging connection promptly.
    let t = Instant::now();
    sim.stop();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    hung.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    match hung.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("hung connection not closed: {other:?}"),
    }
}

#[test]
fn hang_ends_when_the_client_gives_up() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    sim.set_faults(json!([{"route": "connect", "action": "hang"}]));
    for _ in 0..3 {
        let mut s = connect(base, Duration::from_millis(100));
        s.write_all(
            request_text(base, "GET", "/api/v1/connect", Some(TOKEN), None, false).as_bytes(),
        )
        .unwrap();
        assert!(s.read(&mut [0u8; 16]).is_err());
    }
    // The three server threads notice the clients left.
    let t = Instant::now();
    while sim.open_connections() > 0 && t.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sim.open_connections(), 0);
    assert_eq!(sim.requests().len(), 3);
}

#[test]
fn malformed_json_and_html200() {
    let sim = Simulator::start(scenario());
    let base = sim.base_url();
    sim.set_faults(json!([
        {"route": "package", "action": "malformedJson"},
        {"route": "connect", "action": "html200"},
    ]));
    let r = api(base, "/packages/7", Some(TOKEN)).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"{\"data\": [");
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    let r = api(base, "/connect", Some(TOKEN)).unwrap();
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&r.body).contains("<html>"));
}

#[test]
fn truncated_body_then_close() {
    let sim = Simulator::start(scenario());
    sim.set_faults(json!([{"route": "resources", "action": "truncated"}]));
    let err = api(sim.base_url(), RES3, Some(TOKEN)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    assert!(err.to_string().starts_with("truncated"), "{err}");
    assert_eq!(sim.requests()[0]["status"], 200);
}

#[test]
fn oversized_body_is_exact_and_streamed() {
    let sim = Simulator::start(scenario());
    let n: u64 = 20 * 1024 * 1024 + 7;
    sim.set_faults(json!([
        {"route": "package", "times": 1, "action": {"oversizedBytes": n}},
        {"route": "package", "times": 1, "action": {"oversizedBytes": 100_000, "chunked": true}},
        {"route": "package", "times": 1, "action": {"oversizedBytes": 5}},
    ]));
    let r = api(sim.base_url(), "/packages/7", Some(TOKEN)).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some(n.to_string().as_str()));
    assert_eq!(r.body.len() as u64, n);
    let v = r.json();
    assert_eq!(v["data"].as_str().unwrap().len() as u64, n - 11);

    let r = api(sim.base_url(), "/packages/7", Some(TOKEN)).unwrap();
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body.len(), 100_000);
    r.json();

    assert_eq!(
        api(sim.base_url(), "/packages/7", Some(TOKEN))
            .unwrap()
            .body
            .len(),
        5
    );

    // A client that gives up early does not wedge the server.
    sim.set_faults(
        json!([{"route": "package", "times": 1, "action": {"oversizedBytes": 1u64 << 40}}]),
    );
    let mut s = connect(sim.base_url(), Duration::from_secs(5));
    s.write_all(
        request_text(
            sim.base_url(),
            "GET",
            "/api/v1/packages/7",
            Some(TOKEN),
            None,
            false,
        )
        .as_bytes(),
    )
    .unwrap();
    let mut chunk = vec![0u8; 65536];
    s.read_exact(&mut chunk).unwrap();
    drop(s);
    assert_eq!(
        api(sim.base_url(), "/packages/7", Some(TOKEN))
            .unwrap()
            .status,
        200
    );
}

#[test]
fn reset_closes_with_rst() {
    let sim = Simulator::start(scenario());
    sim.set_faults(json!([{"route": "package", "id": 7, "times": 1, "action": "reset"}]));
    let err = api(sim.base_url(), "/packages/7", Some(TOKEN)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    assert_eq!(sim.requests()[0]["fault"], "reset");
    assert_eq!(
        api(sim.base_url(), "/packages/7", Some(TOKEN))
            .unwrap()
            .status,
        200
    );
}
