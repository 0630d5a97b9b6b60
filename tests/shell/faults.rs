//! every simulator fault × {package, group page 1, group page 2}
//! ends in the tri-state the spec names. Only a 404 on a package or on a
//! group's first page is "missing"; a 404 on page 2+ and every other fault
//! is "transient".

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;

const PACKAGE: u64 = 1;
/// Three hypervisors read two per page: two pages.
const GROUP: u64 = 5;
const PAGE_SIZE: u32 = 2;

#[derive(Clone, Copy, Debug)]
enum Target {
    Package,
    GroupPage(u64),
}

/// What the simulator logs in a fired fault's `fault` field.
fn action_name(action: &Value) -> &'static str {
    match action {
        Value::String(s) => match s.as_str() {
            "hang" => "hang",
            "malformedJson" => "malformedJson",
            "html200" => "html200",
            "truncated" => "truncated",
            "reset" => "reset",
            "resetReused" => "resetReused",
            other => panic!("unknown action {other}"),
        },
        Value::Object(o) if o.contains_key("status") => "status",
        Value::Object(o) if o.contains_key("delayMs") => "delayMs",
        Value::Object(o) if o.contains_key("oversizedBytes") => "oversizedBytes",
        other => panic!("unknown action {other}"),
    }
}

fn fault_for(target: Target, action: &Value) -> Value {
    match target {
        Target::Package => json!([{"route": "package", "id": PACKAGE, "action": action}]),
        Target::GroupPage(p) => {
            json!([{"route": "resources", "id": GROUP, "page": p, "action": action}])
        }
    }
}

/// Reads `target` with `action` injected; returns the outcome and the
/// requests the read counted. Checks that the fault really fired.
fn read_with(sim: &Simulator, target: Target, action: &Value, timeout: Duration) -> (Outcome, u32) {
    sim.set_faults(fault_for(target, action));
    sim.clear_requests();
    let mut s = settings();
    s.timeout = timeout;
    let api = api(sim, &s);
    let mut n = 0;
    let out = match target {
        Target::Package => outcome(&read_package(&api, PACKAGE as i64, &mut n)),
        Target::GroupPage(_) => outcome(&read_group(&api, GROUP as i64, PAGE_SIZE, 25, &mut n)),
    };
    let name = action_name(action);
    let fired = log(sim).iter().any(|r| {
        r["fault"] == name
            && match target {
                Target::Package => r["path"] == package_path(PACKAGE).as_str(),
                Target::GroupPage(p) => {
                    r["path"] == resources_path(GROUP).as_str()
                        && r["query"]
                            .as_str()
                            .is_some_and(|q| q.split('&').any(|kv| kv == format!("page={p}")))
                }
            }
    });
    assert!(
        fired,
        "{target:?} with {action}: the fault never fired; log: {:?}",
        log(sim)
    );
    (out, n)
}

fn start() -> Simulator {
    Simulator::start(scenario(&[PACKAGE], &[(GROUP, 3)]))
}

/// Requests per target when nothing is retried: the package, page 1, and
/// pages 1 and 2.
const ONCE: [u32; 3] = [1, 1, 2];

/// Runs one fault against all three targets and checks the outcomes.
fn check(action: Value, timeout: Duration, expect: [&str; 3]) {
    check_counting(action, timeout, expect, ONCE)
}

/// [`check`], with the requests each target is expected to count.
fn check_counting(action: Value, timeout: Duration, expect: [&str; 3], requests: [u32; 3]) {
    let sim = start();
    let targets = [Target::Package, Target::GroupPage(1), Target::GroupPage(2)];
    for ((target, want), want_n) in targets.into_iter().zip(expect).zip(requests) {
        let started = Instant::now();
        let (out, n) = read_with(&sim, target, &action, timeout);
        assert_eq!(
            out.kind(),
            want,
            "{target:?} with fault {action}: got {out:?}"
        );
        assert_eq!(n, want_n, "{target:?} with fault {action}: requests");
        // A hang or a delay ends at the client's timeout, not later.
        assert!(
            started.elapsed() < timeout * 2 + Duration::from_secs(1),
            "{target:?} with fault {action}: took {:?}",
            started.elapsed()
        );
        if let Outcome::Transient(why) = &out {
            assert_no_token(why);
            let what = match target {
                Target::Package => format!("package {PACKAGE}"),
                Target::GroupPage(_) => format!("group {GROUP}"),
            };
            assert!(why.contains(&what), "the reason names the read: {why}");
            if let Some(status) = action.get("status") {
                assert!(
                    why.contains(&status.to_string()),
                    "the reason gives the status: {why}"
                );
            }
            if let Target::GroupPage(2) = target {
                assert!(why.contains("page 2"), "the reason names the page: {why}");
            }
        }
    }
}

const T: &str = "transient";
const ALL_TRANSIENT: [&str; 3] = [T, T, T];
const SLOW: Duration = Duration::from_secs(2);
/// The client timeout for the hang and delay faults.
const SHORT: Duration = Duration::from_millis(300);

#[test]
fn no_fault_baseline_is_found() {
    let sim = start();
    let api = api(&sim, &settings());
    let mut n = 0;
    let p = read_package(&api, PACKAGE as i64, &mut n);
    assert_eq!(found_package(&p).memory.0, 1000 + PACKAGE as i64);
    let g = read_group(&api, GROUP as i64, PAGE_SIZE, 25, &mut n);
    let g = found_group(&g);
    assert_eq!(hv_ids(g), vec![1, 2, 3]);
    assert_eq!((g.pages, n), (2, 3));
    assert!(
        log(&sim).iter().all(|r| r["auth"] == "ok"),
        "{:?}",
        log(&sim)
    );
}

#[test]
fn status_404_is_missing_except_on_a_later_page() {
    check(json!({"status": 404}), SLOW, ["missing", "missing", T]);
}

#[test]
fn status_401() {
    check(json!({"status": 401}), SLOW, ALL_TRANSIENT);
}

#[test]
fn status_403() {
    check(json!({"status": 403}), SLOW, ALL_TRANSIENT);
}

#[test]
fn status_429() {
    check(json!({"status": 429}), SLOW, ALL_TRANSIENT);
}

#[test]
fn status_500() {
    check(json!({"status": 500}), SLOW, ALL_TRANSIENT);
}

#[test]
fn status_502() {
    check(json!({"status": 502}), SLOW, ALL_TRANSIENT);
}

#[test]
fn status_503() {
    check(json!({"status": 503}), SLOW, ALL_TRANSIENT);
}

#[test]
fn delay_beyond_the_timeout() {
    check(json!({"delayMs": 1500}), SHORT, ALL_TRANSIENT);
}

#[test]
fn delay_within_the_timeout_is_still_found() {
    // The control for the case above: the delay alone is not a failure.
    let sim = start();
    for target in [Target::Package, Target::GroupPage(1), Target::GroupPage(2)] {
        let (out, _) = read_with(&sim, target, &json!({"delayMs": 50}), SLOW);
        assert_eq!(out, Outcome::Found, "{target:?}");
    }
}

#[test]
fn hang() {
    check(json!("hang"), SHORT, ALL_TRANSIENT);
}

#[test]
fn malformed_json() {
    check(json!("malformedJson"), SLOW, ALL_TRANSIENT);
}

#[test]
fn html_200() {
    check(json!("html200"), SLOW, ALL_TRANSIENT);
}

#[test]
fn truncated() {
    check(json!("truncated"), SLOW, ALL_TRANSIENT);
}

#[test]
fn oversized_with_content_length() {
    check(json!({"oversizedBytes": 256 << 10}), SLOW, ALL_TRANSIENT);
}

#[test]
fn oversized_chunked() {
    check(
        json!({"oversizedBytes": 256 << 10, "chunked": true}),
        SLOW,
        ALL_TRANSIENT,
    );
}

#[test]
fn oversized_is_refused_because_of_the_limit() {
    // `{"data":"xxx…"}` is a usable package body (data is not an object, so
    // the body is the package): under the limit it is found, over it not.
    let sim = start();
    for (bytes, chunked, want) in [
        (32 << 10, false, "found"),
        (32 << 10, true, "found"),
        (65 << 10, false, T),
        (65 << 10, true, T),
    ] {
        let action = json!({"oversizedBytes": bytes, "chunked": chunked});
        let (out, _) = read_with(&sim, Target::Package, &action, SLOW);
        assert_eq!(
            out.kind(),
            want,
            "{bytes} bytes, chunked {chunked}: {out:?}"
        );
        if let Outcome::Transient(why) = out {
            let why = why.to_lowercase();
            assert!(
                why.contains("max_response_bytes") || why.contains("larger"),
                "the reason says the answer is too large: {why}"
            );
        }
    }
}

/// A reset before any answer is what a stale pooled connection looks like,
/// so it is retried once on a fresh connection; a reset on every
/// connection still ends transient, after two requests per read.
#[test]
fn reset() {
    check_counting(json!("reset"), SLOW, ALL_TRANSIENT, [2, 2, 3]);
}

#[test]
fn a_single_reset_is_retried_and_found() {
    let sim = start();
    for target in [Target::Package, Target::GroupPage(1), Target::GroupPage(2)] {
        let mut fault = fault_for(target, &json!("reset"));
        fault[0]["times"] = json!(1);
        sim.set_faults(fault);
        sim.clear_requests();
        let api = api(&sim, &settings());
        let mut n = 0;
        let out = match target {
            Target::Package => outcome(&read_package(&api, PACKAGE as i64, &mut n)),
            Target::GroupPage(_) => outcome(&read_group(&api, GROUP as i64, PAGE_SIZE, 25, &mut n)),
        };
        assert_eq!(out, Outcome::Found, "{target:?}");
        // The group's two pages, one of them asked twice.
        let want = match target {
            Target::Package => 2,
            Target::GroupPage(_) => 3,
        };
        assert_eq!(n, want, "{target:?}: the reset read is asked once more");
        assert_eq!(log(&sim).len() as u32, want, "{target:?}: {:?}", log(&sim));
    }
}

#[test]
fn a_200_that_is_not_usable_is_transient() {
    let sim = start();
    // A package body that is JSON but not an object.
    let (out, _) = read_with(
        &sim,
        Target::Package,
        &json!({"status": 200, "body": "[1, 2, 3]"}),
        SLOW,
    );
    assert_eq!(out.kind(), T, "{out:?}");
    // A resources page that is an object without a `data` list, on either page.
    for page in [1, 2] {
        let (out, _) = read_with(
            &sim,
            Target::GroupPage(page),
            &json!({"status": 200, "body": "{\"data\": {\"not\": \"a list\"}, \"last_page\": 2}"}),
            SLOW,
        );
        assert_eq!(out.kind(), T, "page {page}: {out:?}");
    }
}

#[test]
fn an_unexpected_status_is_transient() {
    let sim = start();
    for status in [301, 400, 410, 418, 504] {
        for target in [Target::Package, Target::GroupPage(1), Target::GroupPage(2)] {
            let (out, _) = read_with(&sim, target, &json!({"status": status}), SLOW);
            assert_eq!(out.kind(), T, "HTTP {status} on {target:?}: {out:?}");
        }
    }
}

#[test]
fn a_real_404_is_missing() {
    let sim = start();
    let api = api(&sim, &settings());
    let mut n = 0;
    assert_eq!(outcome(&read_package(&api, 77, &mut n)), Outcome::Missing);
    assert_eq!(
        outcome(&read_group(&api, 78, PAGE_SIZE, 25, &mut n)),
        Outcome::Missing
    );
    assert!(sim.delete_package(PACKAGE) && sim.delete_group(GROUP));
    assert_eq!(
        outcome(&read_package(&api, PACKAGE as i64, &mut n)),
        Outcome::Missing
    );
    assert_eq!(
        outcome(&read_group(&api, GROUP as i64, PAGE_SIZE, 25, &mut n)),
        Outcome::Missing
    );
    assert_eq!(n, 4);
}

/// only the API's own 404 (a JSON body) can mean missing; a web
/// server's HTML page or an empty body is transient, and says to look at
/// the URL.
#[test]
fn a_404_that_is_not_json_is_transient() {
    let sim = start();
    let page = "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>";
    for body in [page, "", "   "] {
        let action = json!({"status": 404, "body": body});
        for target in [Target::Package, Target::GroupPage(1), Target::GroupPage(2)] {
            let (out, _) = read_with(&sim, target, &action, SLOW);
            let Outcome::Transient(why) = &out else {
                panic!("a 404 with body {body:?} on {target:?}: {out:?}");
            };
            assert!(why.contains("404"), "{why}");
            if !matches!(target, Target::GroupPage(2)) {
                assert!(why.contains("URL"), "the reason points at the URL: {why}");
            }
        }
    }
    // Any JSON at all is the API's own 404, whatever its shape.
    for body in [
        r#"{"errors": ["package not found"]}"#,
        "[]",
        r#"{"message": "Not Found"}"#,
    ] {
        let action = json!({"status": 404, "body": body});
        let (out, _) = read_with(&sim, Target::Package, &action, SLOW);
        assert_eq!(out, Outcome::Missing, "{body}");
    }
}

#[test]
fn connection_refused_is_transient() {
    let url = refused_url();
    let api = api_at(&url, &settings());
    let mut n = 0;
    let started = Instant::now();
    transient(&read_package(&api, 1, &mut n));
    transient(&read_group(&api, 1, PAGE_SIZE, 25, &mut n));
    assert_eq!(n, 2);
    assert!(started.elapsed() < Duration::from_secs(4));
}
