//! placement: can these VPSes be placed now, jointly,
//! after the pending orders? Only full and missing refuse; what could not
//! be read never does.
//!
//! Ids 92xx; the tests hold `cache_lock()`.

use serde_json::json;
use vfstock::core::group::Ipv4Pool;
use vfstock::core::placement::Footprint;
use vfstock::shell::check::{check, ItemStatus, Outcome, Request};
use vfstock::shell::fetch;

use crate::common::*;

/// Packages 9201 (1 core), 9202 (disabled), 9204 (failing); groups 9211
/// (two nodes: 32), 9212 (one node: 16), 9213 (one slot left), 9214
/// (failing). 9209 and 9219 do not exist.
fn panel() -> Simulator {
    let plan =
        |enabled| json!({"memory": 1024, "cpuCores": 1, "primaryStorage": 10, "enabled": enabled});
    let sim = Simulator::start(json!({
        "tokens": {TOKEN: ["compute"]},
        "packages": {"9201": plan(true), "9202": plan(false), "9204": plan(true)},
        "groups": {
            "9211": {"hypervisors": [node(1, None), node(2, None)]},
            "9212": {"hypervisors": [node(3, None)]},
            "9213": {"hypervisors": [node(4, Some(1))]},
            "9214": {"hypervisors": [node(5, None)]},
        },
    }));
    sim.set_faults(json!([
        {"route": "package", "id": 9204, "action": {"status": 503}},
        {"route": "resources", "id": 9214, "action": {"status": 503}},
    ]));
    sim
}

fn checking(sim: &Simulator, items: Vec<Footprint>, reservations: Vec<Footprint>) -> Outcome {
    let s = settings();
    check(&Request {
        api: api(sim, &s),
        settings: s,
        deadline: Deadline::NONE,
        pool: Ipv4Pool::Group,
        reservations,
        items,
    })
}

fn statuses(out: &Outcome) -> Vec<(ItemStatus, i64)> {
    out.items.iter().map(|i| (i.status, i.placed)).collect()
}

#[test]
fn placed_full_missing_and_transient() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    let out = checking(
        &sim,
        vec![
            footprint(9201, 9211, 3),
            footprint(9201, 9212, 20),
            footprint(9209, 9211, 1),
            footprint(9201, 9219, 1),
            footprint(9202, 9211, 1),
            footprint(9204, 9211, 1),
            footprint(9201, 9214, 1),
        ],
        vec![],
    );
    use ItemStatus::*;
    assert_eq!(
        statuses(&out),
        vec![
            (Placed, 3),
            (Full, 16),
            (Missing, 0),
            (Missing, 0),
            (Missing, 0),
            (Transient, 0),
            (Transient, 0)
        ]
    );
    let reasons: Vec<String> = out
        .items
        .iter()
        .map(|i| i.reason.clone().unwrap_or_default())
        .collect();
    assert_eq!(out.items[0].reason, None);
    assert_eq!(out.items[1].count, 20);
    assert!(
        reasons[1].contains("16") && reasons[1].contains("20"),
        "{}",
        reasons[1]
    );
    assert!(reasons[2].contains("package 9209"), "{}", reasons[2]);
    assert!(reasons[3].contains("group 9219"), "{}", reasons[3]);
    assert!(reasons[4].contains("disabled"), "{}", reasons[4]);
    assert!(
        reasons[5].contains("503") && reasons[5].contains("not refused"),
        "{}",
        reasons[5]
    );
    assert!(reasons[6].contains("503"), "{}", reasons[6]);
    assert!(!out.ok(), "full and missing refuse");
    assert!(out
        .items
        .iter()
        .all(|i| i.status.ok() == matches!(i.status, Placed | Transient)));
    // Each distinct read once.
    assert_eq!(out.cost.requests, 8, "{:?}", paths(&sim));
    fetch::forget(None);
}

/// A transient answer never refuses the order.
#[test]
fn transient_alone_is_ok() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    let out = checking(
        &sim,
        vec![footprint(9201, 9214, 1), footprint(9204, 9212, 2)],
        vec![],
    );
    assert!(out.ok(), "{:?}", out.items);
    assert!(out.items.iter().all(|i| i.status == ItemStatus::Transient));
    // A whole panel down is still ok.
    sim.set_faults(json!([{"route": "any", "action": {"status": 502}}]));
    fetch::forget(None);
    let out = checking(&sim, vec![footprint(9201, 9211, 1)], vec![]);
    assert!(
        out.ok() && out.items[0].status == ItemStatus::Transient,
        "{:?}",
        out.items
    );
    fetch::forget(None);
}

/// Nothing found in the run: a 404 is believed only after `/connect`.
#[test]
fn missing_alone_is_confirmed_by_connect() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    let out = checking(&sim, vec![footprint(9209, 9219, 1)], vec![]);
    assert_eq!(out.items[0].status, ItemStatus::Missing);
    assert_eq!(connects(&sim), 1);
    let root = sim.base_url().trim_end_matches("/api/v1").to_owned();
    let s = settings();
    let out = check(&Request {
        api: api_at(&root, &s),
        settings: s,
        deadline: Deadline::NONE,
        pool: Ipv4Pool::Group,
        reservations: vec![],
        items: vec![footprint(9209, 9219, 1)],
    });
    assert_eq!(
        out.items[0].status,
        ItemStatus::Transient,
        "a wrong URL refuses nothing"
    );
    assert!(out.ok());
    fetch::forget(None);
}

/// Two items of one cart competing for a group's last server slot: each
/// alone fits, together only one does.
#[test]
fn items_are_placed_jointly() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    for alone in [footprint(9201, 9213, 1), footprint(9201, 9213, 1)] {
        let out = checking(&sim, vec![alone], vec![]);
        assert_eq!(statuses(&out), vec![(ItemStatus::Placed, 1)]);
    }
    let out = checking(
        &sim,
        vec![footprint(9201, 9213, 1), footprint(9201, 9213, 1)],
        vec![],
    );
    assert_eq!(
        statuses(&out),
        vec![(ItemStatus::Placed, 1), (ItemStatus::Full, 0)]
    );
    assert!(!out.ok());
    assert!(
        out.items[1]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("group 9213"),
        "{:?}",
        out.items[1]
    );
    // Items in other groups do not compete.
    let out = checking(
        &sim,
        vec![footprint(9201, 9213, 1), footprint(9201, 9212, 16)],
        vec![],
    );
    assert!(out.ok(), "{:?}", out.items);
    // The larger VPS goes first: a 16-core item takes the node, a 1-core
    // one finds no room, whatever the order in the cart.
    let big = Footprint {
        cpu: Some(16),
        ..footprint(9201, 9212, 1)
    };
    let out = checking(&sim, vec![footprint(9201, 9212, 1), big], vec![]);
    assert_eq!(
        statuses(&out),
        vec![(ItemStatus::Full, 0), (ItemStatus::Placed, 1)]
    );
    fetch::forget(None);
}

/// Pending orders are placed first.
#[test]
fn reservations_come_first() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    let out = checking(
        &sim,
        vec![footprint(9201, 9213, 1)],
        vec![footprint(9201, 9213, 1)],
    );
    assert_eq!(statuses(&out), vec![(ItemStatus::Full, 0)]);
    let out = checking(
        &sim,
        vec![footprint(9201, 9212, 10)],
        vec![footprint(9201, 9212, 6)],
    );
    assert_eq!(statuses(&out), vec![(ItemStatus::Placed, 10)]);
    let out = checking(
        &sim,
        vec![footprint(9201, 9212, 11)],
        vec![footprint(9201, 9212, 6)],
    );
    assert_eq!(statuses(&out), vec![(ItemStatus::Full, 10)]);
    // A reservation whose package cannot be read leaves the room unknown:
    // the item is transient, not refused.
    let out = checking(
        &sim,
        vec![footprint(9201, 9212, 1)],
        vec![footprint(9204, 9212, 1)],
    );
    assert_eq!(
        out.items[0].status,
        ItemStatus::Transient,
        "{:?}",
        out.items
    );
    assert!(out.ok());
    fetch::forget(None);
}

/// "the check at checkout never disagrees with the qty on the
/// shelf". A refresh zeroes a product whose package is gone or disabled
/// whatever its groups say, so the check
/// must refuse such an item even when its group cannot be read.
#[test]
fn a_gone_package_is_missing_even_when_the_group_cannot_be_read() {
    let _lock = cache_lock();
    fetch::forget(None);
    let sim = panel();
    let out = checking(
        &sim,
        vec![
            footprint(9209, 9214, 1),
            footprint(9202, 9214, 1),
            footprint(9201, 9211, 1),
        ],
        vec![],
    );
    assert_eq!(out.items[2].status, ItemStatus::Placed);
    assert_eq!(
        (out.items[0].status, out.items[1].status),
        (ItemStatus::Missing, ItemStatus::Missing),
        "a package that is gone (9209) or disabled (9202) cannot be sold: {:?}",
        out.items
    );
    assert!(!out.ok());
    fetch::forget(None);
}
