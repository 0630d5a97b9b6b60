//! HTTPS with the throwaway CA: verification succeeds with it, fails without.

mod common;

use common::*;
use serde_json::json;
use std::io::{ErrorKind, Write};

#[test]
fn https_verifies_against_the_ca() {
    let (sim, ca) = Simulator::start_tls(scenario());
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    assert!(std::fs::read_to_string(&ca)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    let r = tls_call(sim.base_url(), Some(&ca), "/api/v1/connect", TOKEN).unwrap();
    assert_eq!(r.json(), json!([]));

    // Both names in the certificate work.
    let mut s = tls_connect(sim.base_url(), Some(&ca), "localhost");
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
    assert_eq!(read_response(&mut s, &mut Vec::new()).unwrap().status, 200);

    // Pagination and control over HTTPS too.
    let r = tls_call(
        sim.base_url(),
        Some(&ca),
        "/api/v1/compute/hypervisors/groups/3/resources?results=10&page=5",
        TOKEN,
    )
    .unwrap();
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 5);
    let r = tls_call(sim.base_url(), Some(&ca), "/_sim/requests", TOKEN).unwrap();
    assert_eq!(r.json()["requests"].as_array().unwrap().len(), 3);
}

#[test]
fn https_fails_without_the_ca_or_for_another_name() {
    let (sim, ca) = Simulator::start_tls(scenario());
    let err = tls_call(sim.base_url(), None, "/api/v1/connect", TOKEN).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    let mut s = tls_connect(sim.base_url(), Some(&ca), "example.com");
    assert!(s
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .and_then(|_| s.flush())
        .is_err());
    // Another simulator's CA is not this one's.
    let (_other, other_ca) = Simulator::start_tls(scenario());
    assert!(tls_call(sim.base_url(), Some(&other_ca), "/api/v1/connect", TOKEN).is_err());
    // No request got through.
    assert!(sim.requests().is_empty());
}

#[test]
fn faults_over_tls() {
    let (sim, ca) = Simulator::start_tls(scenario());
    sim.set_faults(json!([
        {"route": "package", "times": 1, "action": "reset"},
        {"route": "package", "times": 1, "action": "truncated"},
        {"route": "package", "times": 1, "action": {"oversizedBytes": 300_000}},
    ]));
    let err = tls_call(sim.base_url(), Some(&ca), "/api/v1/packages/7", TOKEN).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    let err = tls_call(sim.base_url(), Some(&ca), "/api/v1/packages/7", TOKEN).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    let r = tls_call(sim.base_url(), Some(&ca), "/api/v1/packages/7", TOKEN).unwrap();
    assert_eq!(r.body.len(), 300_000);
}

#[test]
fn temp_ca_dir_is_removed_on_drop() {
    let (sim, ca) = Simulator::start_tls(json!({}));
    assert!(ca.exists());
    drop(sim);
    assert!(!ca.exists());
}

use vfsim::Simulator;
