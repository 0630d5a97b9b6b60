//! SPEC §4, §8: TLS is verified by default; a throwaway CA is trusted only
//! through `ca_file`, or with verification switched off.

use vfstock::shell::probe::probe;
use vfstock::shell::upstream;

use crate::common::*;

fn mentions_tls(why: &str) -> bool {
    let w = why.to_lowercase();
    w.contains("certificate") || w.contains("tls")
}

#[test]
fn a_self_signed_panel_is_refused_by_default() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    assert!(sim.base_url().starts_with("https://"));
    let s = settings();
    assert!(s.verify_tls && s.ca_file.is_empty(), "the defaults verify");
    let api = api(&sim, &s);
    let mut n = 0;
    let why = transient(&upstream::package(&api, 1, &mut n));
    assert!(mentions_tls(&why), "{why}");
    let why = transient(&upstream::group(&api, 2, 10, 25, &mut n));
    assert!(mentions_tls(&why), "{why}");
    let p = probe(&api);
    assert!(!p.ok && p.status == 0, "{p:?}");
    assert!(mentions_tls(p.error.as_deref().unwrap_or("")), "{p:?}");
    // The handshake failed: no request reached the API.
    assert!(log(&sim).is_empty(), "{:?}", log(&sim));
}

#[test]
fn the_ca_file_makes_it_trusted() {
    let (sim, ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    let mut s = settings();
    s.ca_file = ca.to_string_lossy().into_owned();
    let api = api(&sim, &s);
    assert!(api.verify_tls);
    let mut n = 0;
    let p = upstream::package(&api, 1, &mut n);
    assert_eq!(found_package(&p).memory.0, 1001);
    let g = upstream::group(&api, 2, 2, 25, &mut n);
    assert_eq!(entry_ids(&found_group(&g).entries), vec![1, 2, 3]);
    assert_eq!(n, 3);
    assert!(probe(&api).ok);
}

#[test]
fn another_ca_is_not_trusted() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[]));
    let (_other, other_ca) = Simulator::start_tls(scenario(&[], &[]));
    let mut s = settings();
    s.ca_file = other_ca.to_string_lossy().into_owned();
    let mut n = 0;
    let why = transient(&upstream::package(&api(&sim, &s), 1, &mut n));
    assert!(mentions_tls(&why), "{why}");
}

#[test]
fn an_unreadable_ca_file_is_transient() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[]));
    let mut s = settings();
    s.ca_file = "/nonexistent/vfstock-test/ca.pem".into();
    let mut n = 0;
    let why = transient(&upstream::package(&api(&sim, &s), 1, &mut n));
    assert!(why.contains("/nonexistent/vfstock-test/ca.pem"), "{why}");
}

#[test]
fn verify_tls_off_accepts_it() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    let mut s = settings();
    s.verify_tls = false;
    let api = api(&sim, &s);
    let mut n = 0;
    let p = upstream::package(&api, 1, &mut n);
    assert_eq!(found_package(&p).memory.0, 1001);
    let g = upstream::group(&api, 2, 10, 25, &mut n);
    assert_eq!(entry_ids(&found_group(&g).entries), vec![1, 2, 3]);
}
