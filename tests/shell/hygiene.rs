//! the token never shows in a reason, a probe error or a Debug.

use serde_json::json;
use vfstock::shell::fetch;
use vfstock::shell::probe::probe;
use vfstock::shell::settings::Api;

use crate::common::*;

#[test]
fn debug_of_an_api_hides_the_token() {
    let api = api_at("https://panel.example/api/v1", &settings());
    assert_eq!(api.token, TOKEN);
    let shown = format!("{api:?}");
    assert_no_token(&shown);
    assert!(shown.contains("panel.example"), "{shown}");
    assert_no_token(&format!("{api:#?}"));
}

/// A panel that echoes the token back in every failing body.
#[test]
fn no_reason_or_probe_error_contains_the_token() {
    // A panel that answers 404 everywhere, and the URL in the reason.
    let wrong = {
        let sim = Simulator::start(scenario(&[], &[]));
        sim.set_faults(json!([{"route": "any", "action": {"status": 404, "body": format!("{{\"token\": \"{TOKEN}\"}}")}}]));
        let s = settings();
        let _lock = cache_lock();
        let f = fetch_all(&api(&sim, &s), &[9_601], &[9_602], &s);
        vec![transient(&f.packages[&9_601]), transient(&f.groups[&9_602])]
    };
    let sim = Simulator::start(scenario(&[1], &[(2, 3)]));
    let echo = format!("Bearer {TOKEN} is not valid");
    let actions = [
        json!({"status": 401, "body": echo}),
        json!({"status": 403, "body": json!({"msg": echo}).to_string()}),
        json!({"status": 500, "body": echo}),
        json!({"status": 200, "body": echo}),
        json!({"status": 200, "body": format!("{{\"data\": \"{TOKEN}")}),
        json!({"status": 200, "body": json!([TOKEN]).to_string()}),
        json!("malformedJson"),
        json!("html200"),
        json!("truncated"),
        json!("reset"),
        json!({"oversizedBytes": 256 << 10}),
    ];
    let mut s = settings();
    s.page_size = 2;
    let api = api(&sim, &s);
    let mut reasons = Vec::new();
    for action in &actions {
        sim.set_faults(json!([{"route": "any", "action": action}]));
        let mut n = 0;
        reasons.push(transient(&read_package(&api, 1, &mut n)));
        reasons.push(transient(&read_group(&api, 2, 2, 25, &mut n)));
        let p = probe(&api, &Deadline::NONE);
        if let Some(e) = &p.error {
            reasons.push(e.clone());
        }
        assert_no_token(&format!("{p:?}"));
    }
    // Page 2 failures and the cached path too.
    sim.set_faults(
        json!([{"route": "resources", "page": 2, "action": {"status": 502, "body": echo}}]),
    );
    let g = {
        let _lock = cache_lock();
        fetch::forget(Some(&[2]));
        fetch_all(&api, &[], &[2], &s)
            .groups
            .remove(&2)
            .expect("read")
    };
    reasons.push(transient(&g));
    assert_no_token(&format!("{g:?}"));
    // Refused and TLS failures.
    let mut n = 0;
    let refused = api_at(&refused_url(), &s);
    reasons.push(transient(&read_package(&refused, 1, &mut n)));
    reasons.extend(probe(&refused, &Deadline::NONE).error);
    let (tls, _ca) = Simulator::start_tls(scenario(&[1], &[]));
    let tls_api = crate::common::api(&tls, &s);
    reasons.push(transient(&read_package(&tls_api, 1, &mut n)));
    reasons.extend(probe(&tls_api, &Deadline::NONE).error);
    // Unknown and scope-less tokens in the probe.
    sim.clear_faults();
    for token in [UNKNOWN_TOKEN, NOSCOPE_TOKEN] {
        let p = probe(&Api::new(sim.base_url(), token, &s), &Deadline::NONE);
        reasons.extend(p.error.clone());
        assert_no_token(&format!("{p:?}"));
    }

    reasons.extend(wrong);
    assert!(reasons.len() >= 30, "{}", reasons.len());
    for r in &reasons {
        assert!(!r.trim().is_empty());
        assert_no_token(r);
    }
}
