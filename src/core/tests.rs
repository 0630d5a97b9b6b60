//! The capacity rules, rule by rule, through the core's public functions; then the
//! invariants as properties over generated fleets and arbitrary JSON.

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use super::fit::{Buffer, Fit};
use super::group::{group_capacity, GroupCapacity, GroupTaken, Ipv4Need, Ipv4Pool, Tally};
use super::hypervisor::{evaluate, Axis, Hypervisor, Needs, PoolNames, Row, Skip};
use super::input::{
    package_from, package_from_json, resources_from, resources_from_json, DocError, Package,
    Setting,
};
use super::placement::place;

fn package(memory: i64, cpu: i64, storage: i64, code: i64) -> Value {
    json!({"memory": memory, "cpuCores": cpu, "primaryStorage": storage,
           "primaryStorageProfile": code, "enabled": true})
}

/// A healthy hypervisor: 64 GiB, 32 cores, 1 TB local storage, 100 IPv4.
fn hv(id: i64) -> Value {
    json!({
        "hypervisor": {"id": id, "name": format!("hv{id}"), "enabled": true,
                       "commissioned": true, "prohibit": false},
        "resources": {
            "memory": {"max": 65536, "free": 65536},
            "cpuCores": {"max": 32, "free": 32},
            "localStorage": {"enabled": true, "storageType": 0, "max": 1000, "free": 1000},
            "otherStorage": [],
            "network": {"total": {"ipv4": {"free": 100}}}
        }
    })
}

/// `base` with the JSON-pointer paths in `changes` replaced.
fn with(mut base: Value, changes: &[(&str, Value)]) -> Value {
    for (path, v) in changes {
        let (parent, key) = path.rsplit_once('/').unwrap();
        let slot = base
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"));
        match slot {
            Value::Object(m) => {
                m.insert(key.to_owned(), v.clone());
            }
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = v.clone(),
            _ => panic!("{parent} is not a container"),
        }
    }
    base
}

/// The group's entries as the core keeps them.
fn hypervisors(entries: Value) -> Vec<Hypervisor> {
    let page = resources_from(json!({ "data": entries })).unwrap();
    page.data.into_items()
}

fn needs(pkg: &Package, k: i64, b: i64) -> Needs {
    Needs::of(pkg, Ipv4Need::new(k), Buffer::percent(b))
}

fn cap_in(pkg: Value, entries: Vec<Value>, k: i64, b: i64, pool: Ipv4Pool) -> GroupCapacity {
    let pkg = package_from(pkg).unwrap();
    group_capacity(&hypervisors(json!(entries)), &needs(&pkg, k, b), pool, None)
}

fn cap(pkg: Value, entries: Vec<Value>, k: i64, b: i64) -> GroupCapacity {
    cap_in(pkg, entries, k, b, Ipv4Pool::Group)
}

fn fits(pkg: Value, entries: Vec<Value>, b: i64) -> Fit {
    cap(pkg, entries, 1, b).fits
}

// ---------------------------------------------------------------- reading

#[test]
fn numbers_arrive_as_ints_floats_or_numeric_strings() {
    let e = with(
        hv(1),
        &[("/resources/memory", json!({"max": "4096", "free": 2048.9}))],
    );
    let pkg = json!({"memory": "1024", "cpuCores": 1.7, "primaryStorage": " 10 ", "enabled": true});
    let g = cap(pkg, vec![e], 1, 0);
    let row = g.rows[0].outcome.as_ref().unwrap();
    assert_eq!(row.memory, Fit::Finite(2)); // 2048 / 1024
    assert_eq!(row.cpu, Fit::Finite(32)); // 1.7 → 1
    assert_eq!(row.storage, Fit::Finite(100)); // 1000 / 10
}

#[test]
fn anything_else_reads_as_zero_or_false() {
    // Non-numeric needs read as 0, so the axis is unlimited.
    let pkg = json!({"memory": "lots", "cpuCores": [2], "primaryStorage": null, "enabled": true});
    let g = cap(pkg, vec![hv(1)], 0, 0);
    assert_eq!(g.rows[0].outcome.as_ref().unwrap().fits(), Fit::Unlimited);
    // A flag of "0" is false.
    let e = with(hv(1), &[("/hypervisor/enabled", json!("0"))]);
    assert_eq!(
        cap(package(1, 1, 1, 0), vec![e], 1, 0).rows[0].outcome,
        Err(Skip::Disabled)
    );
}

#[test]
fn flags_accept_numbers_and_strings() {
    let e = with(
        hv(1),
        &[
            ("/hypervisor/enabled", json!(1)),
            ("/hypervisor/commissioned", json!("yes")),
            ("/hypervisor/prohibit", json!(0)),
        ],
    );
    assert!(cap(package(1024, 1, 10, 0), vec![e], 1, 0).rows[0]
        .outcome
        .is_ok());
}

#[test]
fn package_body_data_wins_over_the_body() {
    let body = json!({"data": {"memory": 32768, "enabled": true}, "memory": 1});
    let p = package_from(body).unwrap();
    assert_eq!(p.memory.0, 32768);
    let bare = package_from(json!({"memory": 1, "data": "x"})).unwrap();
    assert_eq!(bare.memory.0, 1);
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    let p = package_from_json(br#"{"memory": 1, "memory": 2048}"#).unwrap();
    assert_eq!(p.memory.0, 2048);
}

#[test]
fn top_level_errors_are_named() {
    assert!(matches!(package_from_json(b"{"), Err(DocError::Syntax(_))));
    assert_eq!(package_from_json(b"[1]"), Err(DocError::NotObject));
    assert_eq!(
        package_from_json(b"{} x").map(|_| ()),
        Err(DocError::Syntax(
            "trailing characters at line 1 column 4".into()
        ))
    );
    assert_eq!(
        resources_from_json(b"{\"data\": {\"a\": 1}}").map(|_| ()),
        Err(DocError::NoDataList)
    );
    assert_eq!(
        resources_from_json(b"{}").map(|_| ()),
        Err(DocError::NoDataList)
    );
    assert_eq!(
        resources_from_json(b"\"x\"").map(|_| ()),
        Err(DocError::NotObject)
    );
    assert!(resources_from_json(b"{\"data\": []}").is_ok());
}

#[test]
fn nesting_past_the_parser_limit_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    assert!(matches!(
        resources_from_json(deep.as_bytes()),
        Err(DocError::Syntax(_))
    ));
}

// ---------------------------------------------------------------- eligibility

#[test]
fn ineligible_hypervisors_say_why_and_add_nothing() {
    let cases = [
        ("/hypervisor/enabled", json!(false), Skip::Disabled),
        (
            "/hypervisor/commissioned",
            json!(false),
            Skip::NotCommissioned,
        ),
        ("/hypervisor/prohibit", json!(true), Skip::Prohibited),
        ("/hypervisor", json!("nope"), Skip::Malformed),
        ("/resources", json!(null), Skip::Malformed),
        ("/resources", json!([1, 2]), Skip::Malformed),
    ];
    for (path, v, why) in cases {
        // The odd one reports a huge IPv4 pool: it must not count either.
        let odd = with(
            hv(2),
            &[("/resources/network/total/ipv4/free", json!(5000))],
        );
        let odd = with(odd, &[(path, v)]);
        let g = cap(package(1024, 1, 10, 0), vec![hv(1), odd], 1, 0);
        assert_eq!(g.rows[1].outcome, Err(why), "{path}");
        assert_eq!(g.ipv4_cap, Some(100), "{path}");
        assert_eq!(g.fits, Fit::Finite(32), "{path}"); // hv1 alone: cpu 32/1 binds
    }
}

#[test]
fn disabled_is_reported_before_other_reasons() {
    let e = with(
        hv(1),
        &[
            ("/hypervisor/enabled", json!(false)),
            ("/hypervisor/prohibit", json!(true)),
        ],
    );
    assert_eq!(
        cap(package(1, 1, 1, 0), vec![e], 1, 0).rows[0].outcome,
        Err(Skip::Disabled)
    );
}

#[test]
fn non_object_entries_are_malformed_rows() {
    let g = cap(
        package(1024, 1, 10, 0),
        vec![json!(7), json!(null), hv(3)],
        1,
        0,
    );
    assert_eq!(g.rows.len(), 3);
    assert_eq!(g.rows[0].outcome, Err(Skip::Malformed));
    assert_eq!(g.rows[1].outcome, Err(Skip::Malformed));
    assert_eq!((g.rows[2].id, &*g.rows[2].name), (3, "hv3"));
}

// ---------------------------------------------------------------- fit

#[test]
fn buffer_comes_off_max() {
    // max 1001 at 10%: reserve ceil(100.1) = 101; free 600 − 101 = 499 → 4 of 100.
    let e = with(
        hv(1),
        &[("/resources/memory", json!({"max": 1001, "free": 600}))],
    );
    assert_eq!(fits(package(100, 0, 0, 0), vec![e], 10), Fit::Finite(4));
}

#[test]
fn unlimited_cells_and_needs() {
    let e = with(
        hv(1),
        &[("/resources/memory", json!({"max": 0, "free": -10}))],
    );
    let g = cap(package(1024, 0, 0, 0), vec![e], 1, 10);
    let axes = g.rows[0].outcome.as_ref().unwrap();
    assert_eq!(
        (axes.memory, axes.cpu, axes.storage, axes.servers),
        (
            Fit::Unlimited,
            Fit::Unlimited,
            Fit::Unlimited,
            Fit::Unlimited
        )
    );
    // Unlimited everywhere but its 100 free IPv4 addresses.
    assert_eq!(axes.binding(), Some(Axis::Ipv4));
    assert_eq!(g.fits, Fit::Finite(100));
    let v6 = cap(
        package(1024, 0, 0, 0),
        vec![with(
            hv(1),
            &[("/resources/memory", json!({"max": 0, "free": -10}))],
        )],
        0,
        10,
    );
    assert_eq!(
        (
            v6.rows[0].outcome.as_ref().unwrap().binding(),
            v6.unbounded()
        ),
        (None, true)
    );
}

#[test]
fn a_missing_cell_fits_nothing() {
    let e = with(hv(1), &[("/resources/cpuCores", json!("n/a"))]);
    assert_eq!(fits(package(1024, 1, 10, 0), vec![e], 0), Fit::Finite(0));
}

// ---------------------------------------------------------------- storage

fn pool(name: Option<&str>, id: i64, ty: i64, enabled: bool, max: i64, free: i64) -> Value {
    let mut p = json!({"id": id, "storageType": ty, "enabled": enabled, "max": max, "free": free});
    if let Some(n) = name {
        p["name"] = json!(n);
    }
    p
}

fn storage_of(g: &GroupCapacity) -> (Fit, Option<String>) {
    let a = g.rows[0].outcome.as_ref().unwrap();
    (a.storage, g.rows[0].pool.as_ref().map(|p| p.to_string()))
}

#[test]
fn storage_matches_the_type_code_not_the_pool_id() {
    // The seed incident: code 4 against pool ids 23/28/30 read as zero.
    let e = with(
        hv(1),
        &[(
            "/resources/otherStorage",
            json!([
                pool(Some("by-id"), 4, 1, true, 9000, 9000),
                pool(Some("mnt"), 23, 4, true, 2000, 1000)
            ]),
        )],
    );
    let g = cap(package(1024, 1, 25, 4), vec![e], 1, 0);
    assert_eq!(storage_of(&g), (Fit::Finite(40), Some("mnt".into())));
}

#[test]
fn the_default_mountpoint_is_a_candidate_like_any_other() {
    let e = with(
        hv(1),
        &[
            (
                "/resources/localStorage",
                pool(None, 1, 4, true, 1000, 1000),
            ),
            (
                "/resources/otherStorage",
                json!([pool(Some("small"), 2, 4, true, 100, 100)]),
            ),
        ],
    );
    let g = cap(package(1024, 1, 10, 4), vec![e], 1, 0);
    assert_eq!(
        storage_of(&g),
        (Fit::Finite(100), Some("localStorage".into()))
    );
}

#[test]
fn best_enabled_pool_wins_and_disabled_pools_never_veto() {
    let e = with(
        hv(1),
        &[(
            "/resources/otherStorage",
            json!([
                pool(Some("off"), 1, 4, false, 99999, 99999),
                pool(Some("a"), 2, 4, true, 100, 50),
                "junk",
                pool(None, 3, 4, true, 500, 300)
            ]),
        )],
    );
    let g = cap(package(1024, 1, 10, 4), vec![e], 1, 0);
    assert_eq!(
        storage_of(&g),
        (Fit::Finite(30), Some("otherStorage[3]".into()))
    );
}

#[test]
fn ties_go_to_the_first_candidate() {
    let e = with(
        hv(1),
        &[
            ("/resources/localStorage", pool(None, 1, 4, true, 100, 100)),
            (
                "/resources/otherStorage",
                json!([pool(Some("b"), 2, 4, true, 100, 100)]),
            ),
        ],
    );
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 4), vec![e.clone()], 1, 0)).1,
        Some("localStorage".into())
    );
    let e = with(e, &[("/resources/localStorage/enabled", json!(false))]);
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 4), vec![e], 1, 0)).1,
        Some("b".into())
    );
}

#[test]
fn no_candidate_or_only_disabled_ones_fit_nothing() {
    let only_off = with(
        hv(1),
        &[(
            "/resources/otherStorage",
            json!([pool(Some("off"), 1, 4, false, 1000, 1000)]),
        )],
    );
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 4), vec![only_off], 1, 0)),
        (Fit::Finite(0), None)
    );
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 7), vec![hv(1)], 1, 0)),
        (Fit::Finite(0), None)
    );
}

#[test]
fn code_zero_uses_local_storage_only_when_enabled() {
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 0), vec![hv(1)], 1, 0)),
        (Fit::Finite(100), Some("localStorage".into()))
    );
    let off = with(hv(1), &[("/resources/localStorage/enabled", json!(false))]);
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, 0), vec![off], 1, 0)),
        (Fit::Finite(0), None)
    );
    let other = with(
        hv(1),
        &[(
            "/resources/otherStorage",
            json!([pool(Some("x"), 1, 0, true, 9999, 9999)]),
        )],
    );
    assert_eq!(
        storage_of(&cap(package(1, 1, 10, -1), vec![other], 1, 0)).1,
        Some("localStorage".into())
    );
}

#[test]
fn no_storage_need_is_unlimited_without_a_pool() {
    assert_eq!(
        storage_of(&cap(package(1, 1, 0, 4), vec![hv(1)], 1, 0)),
        (Fit::Unlimited, None)
    );
}

// ---------------------------------------------------------------- axes

#[test]
fn the_binding_axis_is_the_smallest_first_on_ties() {
    // memory 64, cpu 32, storage 100 → cpu binds.
    let g = cap(package(1024, 1, 10, 0), vec![hv(1)], 1, 0);
    assert_eq!(
        g.rows[0].outcome.as_ref().unwrap().binding(),
        Some(Axis::Cpu)
    );
    // memory 32, cpu 32 → memory (first on a tie).
    let g = cap(package(2048, 1, 10, 0), vec![hv(1)], 1, 0);
    assert_eq!(
        g.rows[0].outcome.as_ref().unwrap().binding(),
        Some(Axis::Memory)
    );
    // storage 10 < memory 64, cpu 32.
    let g = cap(package(1024, 1, 100, 0), vec![hv(1)], 1, 0);
    assert_eq!(
        g.rows[0].outcome.as_ref().unwrap().binding(),
        Some(Axis::Storage)
    );
}

proptest! {
    /// Every combination of small and unlimited axes: the binding one is
    /// the first smallest, in memory, cpu, storage, servers, ipv4 order.
    #[test]
    fn the_binding_axis_is_the_first_of_the_smallest(v in prop::collection::vec(prop::option::of(0..3i64), 5)) {
        let fits: Vec<Fit> = v.iter().map(|o| o.map_or(Fit::Unlimited, Fit::Finite)).collect();
        let axes = super::hypervisor::Axes {
            memory: fits[0],
            cpu: fits[1],
            storage: fits[2],
            servers: fits[3],
            ipv4: fits[4],
            pool: None,
        };
        let order = [Axis::Memory, Axis::Cpu, Axis::Storage, Axis::Servers, Axis::Ipv4];
        let least = fits.iter().copied().min().unwrap_or(Fit::Unlimited);
        let first = fits.iter().position(|f| *f == least).map(|i| order[i]);
        prop_assert_eq!(axes.fits(), least);
        prop_assert_eq!(axes.binding(), first.filter(|_| least != Fit::Unlimited));
    }
}

// ---------------------------------------------------------------- group

#[test]
fn sums_over_eligible_hypervisors() {
    assert_eq!(
        fits(package(1024, 1, 10, 0), vec![hv(1), hv(2), hv(3)], 0),
        Fit::Finite(96)
    );
}

#[test]
fn ipv4_is_one_pool_taken_as_the_maximum() {
    let a = with(hv(1), &[("/resources/network/total/ipv4/free", json!(30))]);
    let b = with(
        hv(2),
        &[("/resources/network/total/ipv4/free", json!("40"))],
    );
    let g = cap(package(1024, 1, 10, 0), vec![a, b], 3, 0);
    assert_eq!(g.ipv4_cap, Some(13)); // max(30, 40) / 3, never (30 + 40) / 3
    assert_eq!(g.fits, Fit::Finite(13));
}

#[test]
fn ipv4_null_or_absent_is_no_report_and_negative_is_zero() {
    let null = with(
        hv(1),
        &[("/resources/network/total/ipv4/free", Value::Null)],
    );
    let absent = with(hv(2), &[("/resources/network", json!({}))]);
    let g = cap(package(1024, 1, 10, 0), vec![null, absent], 1, 0);
    assert_eq!(g.ipv4_cap, None);
    assert_eq!(g.fits, Fit::Finite(64));
    let neg = with(hv(1), &[("/resources/network/total/ipv4/free", json!(-5))]);
    let g = cap(package(1024, 1, 10, 0), vec![neg], 1, 0);
    assert_eq!(
        (g.ipv4_cap, g.fits, g.rows[0].ipv4_free),
        (Some(0), Fit::Finite(0), Some(-5))
    );
    let text = with(
        hv(1),
        &[("/resources/network/total/ipv4/free", json!("many"))],
    );
    assert_eq!(
        cap(package(1024, 1, 10, 0), vec![text], 1, 0).ipv4_cap,
        Some(0)
    );
}

#[test]
fn unbounded_only_without_an_ipv4_cap() {
    let open = with(hv(1), &[("/resources/network", json!(null))]);
    let g = cap(package(0, 0, 0, 0), vec![open.clone()], 1, 0);
    assert!(g.unbounded());
    let g = cap(package(0, 0, 0, 0), vec![open, hv(2)], 1, 0);
    assert_eq!(g.fits, Fit::Finite(100));
}

#[test]
fn empty_or_ineligible_groups_fit_zero() {
    assert_eq!(fits(package(0, 0, 0, 0), vec![], 0), Fit::Finite(0));
    let off = with(hv(1), &[("/hypervisor/enabled", json!(false))]);
    let g = cap(package(0, 0, 0, 0), vec![off], 1, 0);
    assert_eq!((g.fits, g.unbounded()), (Fit::Finite(0), false));
}

#[test]
fn huge_finite_sums_saturate_and_stay_bounded() {
    let big = |id| {
        with(
            hv(id),
            &[
                (
                    "/resources/memory",
                    json!({"max": i64::MAX, "free": i64::MAX}),
                ),
                ("/resources/network", json!(null)),
            ],
        )
    };
    let g = cap(package(1, 0, 0, 0), vec![big(1), big(2), big(3)], 1, 0);
    assert_eq!(g.fits, Fit::Finite(i64::MAX));
    assert!(!g.unbounded());
}

#[test]
fn ipv4_settings_zero_is_ipv6_only() {
    let setting = |v: Value| Ipv4Need::from_setting(Setting::deserialize(&v).unwrap()).get();
    assert_eq!(setting(json!("")), 1);
    assert_eq!(setting(json!("abc")), 1);
    assert_eq!(setting(json!(null)), 1);
    assert_eq!(setting(json!("3")), 3);
    assert_eq!(setting(json!(-2)), 1);
    assert_eq!(setting(json!("0")), 0);
    assert_eq!(setting(json!(0)), 0);
    assert_eq!(Ipv4Need::new(-1).get(), 1);
}

// ---------------------------------------------------------------- properties

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[0-9 .e+-]{0,6}".prop_map(Value::String),
        prop::sample::select(vec!["max", "free", "enabled", "storageType", "name"])
            .prop_map(|s| json!(s)),
    ];
    let keys = prop::sample::select(vec![
        "hypervisor",
        "resources",
        "memory",
        "cpuCores",
        "localStorage",
        "otherStorage",
        "network",
        "total",
        "ipv4",
        "free",
        "max",
        "enabled",
        "commissioned",
        "prohibit",
        "storageType",
        "name",
        "id",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// A well-formed hypervisor with the given free amounts.
fn fleet_hv(id: i64, mem_free: i64, cpu_free: i64, disk_free: i64, ip_free: i64) -> Value {
    json!({
        "hypervisor": {"id": id, "enabled": true, "commissioned": true, "prohibit": false},
        "resources": {
            "memory": {"max": 65536, "free": mem_free},
            "cpuCores": {"max": 64, "free": cpu_free},
            "localStorage": {"enabled": true, "storageType": 4, "max": 4000, "free": disk_free},
            "network": {"total": {"ipv4": {"free": ip_free}}}
        }
    })
}

prop_compose! {
    fn arb_fleet()(hvs in prop::collection::vec((-100i64..70000, -5i64..70, -100i64..4100, -5i64..300), 0..8))
        -> Vec<(i64, i64, i64, i64)> { hvs }
}

fn fleet_fit(hvs: &[(i64, i64, i64, i64)], need: (i64, i64, i64), k: i64, b: i64) -> Fit {
    let entries = hvs
        .iter()
        .enumerate()
        .map(|(i, &(m, c, d, ip))| fleet_hv(i as i64, m, c, d, ip))
        .collect();
    cap(package(need.0, need.1, need.2, 4), entries, k, b).fits
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics(pkg in arb_json(), res in arb_json(), k in any::<i64>(), b in any::<i64>()) {
        let Ok(pkg) = package_from(pkg) else { return Ok(()); };
        let data = match res { Value::Array(a) => a, other => vec![other] };
        let hvs = hypervisors(json!(data));
        for pool in [Ipv4Pool::Group, Ipv4Pool::Hypervisor] {
            let g = group_capacity(&hvs, &Needs::of(&pkg, Ipv4Need::new(k), Buffer::percent(b)), pool, None);
            prop_assert!(g.fits >= Fit::Finite(0));
            prop_assert!(g.ipv4_cap.is_none_or(|c| c >= 0));
        }
        let g = group_capacity(&hvs, &Needs::of(&pkg, Ipv4Need::new(k), Buffer::percent(b)), Ipv4Pool::Group, None);
        prop_assert!(g.fits >= Fit::Finite(0));
        prop_assert!(g.ipv4_cap.is_none_or(|c| c >= 0));
        for r in &g.rows {
            prop_assert!(r.fits() >= Fit::Finite(0));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = package_from_json(&bytes);
        let _ = resources_from_json(&bytes);
    }

    /// The sum of the eligible rows, capped by the largest IPv4 report of
    /// an eligible hypervisor (a shared pool); counted one hypervisor at a
    /// time, as `vf_capacity_for` counts arrays while it reads them, alike.
    #[test]
    fn a_groups_totals_are_its_rows_under_its_largest_report(
        fleet in arb_fleet(), off in prop::collection::vec(any::<bool>(), 8),
        k in 0i64..3, b in 0i64..30,
    ) {
        let entries: Vec<Value> = fleet.iter().enumerate().map(|(i, &(m, c, d, ip))| {
            let mut e = fleet_hv(i as i64, m, c, d, ip);
            e["hypervisor"]["enabled"] = json!(!off[i]);
            e
        }).collect();
        let hvs = hypervisors(json!(entries));
        let pkg = package_from(package(512, 1, 10, 4)).unwrap();
        let n = needs(&pkg, k, b);
        let g = group_capacity(&hvs, &n, Ipv4Pool::Group, None);
        let sum = g.rows.iter().filter(|r| r.outcome.is_ok())
            .fold(Fit::Finite(0), |a, r| a.saturating_add(r.fits()));
        let largest = hvs.iter().filter(|h| h.eligible.is_ok()).filter_map(|h| h.ipv4_free).max();
        let cap = largest.and_then(|f| n.ipv4.fits_in(f));
        prop_assert_eq!(g.sum, sum);
        prop_assert_eq!(g.ipv4_free, largest);
        prop_assert_eq!(g.ipv4_cap, cap);
        prop_assert_eq!(g.fits, cap.map_or(sum, |c| sum.min(Fit::Finite(c))));
        let mut tally = Tally::new();
        let rows: Vec<Row> = hvs.iter().map(|h| {
            let r = evaluate(h, &n, None);
            tally.add(h, &r);
            r
        }).collect();
        prop_assert_eq!(tally.finish(&n, Ipv4Pool::Group, None, rows), g);
    }

    #[test]
    fn more_free_never_lowers_the_fit(hvs in arb_fleet(), at in 0usize..8, extra in 0i64..5000,
                                      need in (1i64..4096, 1i64..8, 1i64..200), b in 0i64..=100) {
        prop_assume!(!hvs.is_empty());
        let at = at % hvs.len();
        let before = fleet_fit(&hvs, need, 1, b);
        for axis in 0..4 {
            let mut more = hvs.clone();
            match axis {
                0 => more[at].0 += extra,
                1 => more[at].1 += extra,
                2 => more[at].2 += extra,
                _ => more[at].3 += extra,
            }
            prop_assert!(fleet_fit(&more, need, 1, b) >= before);
        }
    }

    #[test]
    fn a_larger_buffer_or_ipv4_need_never_raises_it(hvs in arb_fleet(), need in (1i64..4096, 1i64..8, 1i64..200),
                                                     b in 0i64..100, db in 0i64..=100, k in 1i64..4, dk in 0i64..4) {
        let base = fleet_fit(&hvs, need, k, b);
        prop_assert!(fleet_fit(&hvs, need, k, (b + db).min(100)) <= base);
        prop_assert!(fleet_fit(&hvs, need, k + dk, b) <= base);
    }

    #[test]
    fn a_group_is_the_sum_of_its_parts_capped_by_ipv4(hvs in arb_fleet(), need in (1i64..4096, 1i64..8, 1i64..200)) {
        let whole = fleet_fit(&hvs, need, 1, 10);
        // Each hypervisor holds no more than its own free addresses either.
        let parts: i64 = hvs.iter().map(|&(m, c, d, ip)| {
            fleet_fit(&[(m, c, d, i64::MAX / 2)], need, 1, 10).finite().unwrap().min(ip.max(0))
        }).sum();
        let ip = hvs.iter().map(|h| h.3.max(0)).max();
        let expect = match ip { Some(ip) => parts.min(ip), None => 0 };
        prop_assert_eq!(whole, Fit::Finite(expect));
    }
}

// ---------------------------------------------------------------- revision 2: servers, IPv4 per hypervisor

#[test]
fn server_slots_are_an_axis_with_the_buffer() {
    // maxServers 20 with 12 in use: 8 free; 10 % of 20 = 2 kept free → 6.
    let e = with(
        hv(1),
        &[("/resources/servers", json!({"max": 20, "free": 8}))],
    );
    let g = cap(package(1024, 1, 10, 0), vec![e], 1, 10);
    let axes = g.rows[0].outcome.as_ref().unwrap();
    assert_eq!(
        (axes.servers, axes.binding()),
        (Fit::Finite(6), Some(Axis::Servers))
    );
    assert_eq!(g.fits, Fit::Finite(6));
    // max 0 is no limit (free may be negative), absent or null is an older panel.
    for servers in [json!({"max": 0, "free": -3}), json!(null)] {
        let e = with(hv(1), &[("/resources/servers", servers.clone())]);
        let a = cap(package(1024, 1, 10, 0), vec![e], 1, 10).rows[0]
            .outcome
            .clone()
            .unwrap();
        assert_eq!(a.servers, Fit::Unlimited, "{servers}");
    }
    assert_eq!(
        cap(package(1024, 1, 10, 0), vec![hv(1)], 1, 10).rows[0]
            .outcome
            .as_ref()
            .unwrap()
            .servers,
        Fit::Unlimited
    );
    // Present but not an object fits nothing.
    let e = with(hv(1), &[("/resources/servers", json!("lots"))]);
    assert_eq!(
        cap(package(1024, 1, 10, 0), vec![e], 1, 10).fits,
        Fit::Finite(0)
    );
}

#[test]
fn a_hypervisor_without_free_addresses_places_nothing() {
    let empty = with(hv(1), &[("/resources/network/total/ipv4/free", json!(0))]);
    let g = cap(package(1024, 1, 10, 0), vec![empty, hv(2)], 1, 0);
    let a = g.rows[0].outcome.as_ref().unwrap();
    assert_eq!((a.ipv4, a.binding()), (Fit::Finite(0), Some(Axis::Ipv4)));
    // hv2 alone counts (32, cpu), the shared cap is max(0, 100).
    assert_eq!((g.fits, g.ipv4_cap), (Fit::Finite(32), Some(100)));
    // Per VPS k addresses: floor(free / k).
    let few = with(hv(1), &[("/resources/network/total/ipv4/free", json!(7))]);
    assert_eq!(
        cap(package(1024, 1, 10, 0), vec![few], 3, 0).rows[0]
            .outcome
            .as_ref()
            .unwrap()
            .ipv4,
        Fit::Finite(2)
    );
}

#[test]
fn ipv6_only_plans_need_no_address() {
    let empty = with(hv(1), &[("/resources/network/total/ipv4/free", json!(0))]);
    let g = cap(package(1024, 1, 10, 0), vec![empty], 0, 0);
    assert_eq!((g.fits, g.ipv4_cap), (Fit::Finite(32), None));
    assert_eq!(g.rows[0].outcome.as_ref().unwrap().ipv4, Fit::Unlimited);
}

#[test]
fn per_hypervisor_pools_drop_the_group_cap() {
    let at = |id, free| {
        with(
            hv(id),
            &[("/resources/network/total/ipv4/free", json!(free))],
        )
    };
    let entries = vec![at(1, 10), at(2, 10)];
    let shared = cap_in(
        package(1024, 1, 10, 0),
        entries.clone(),
        1,
        0,
        Ipv4Pool::Group,
    );
    let own = cap_in(package(1024, 1, 10, 0), entries, 1, 0, Ipv4Pool::Hypervisor);
    assert_eq!((shared.fits, shared.ipv4_cap), (Fit::Finite(10), Some(10)));
    assert_eq!(
        (own.fits, own.ipv4_cap, own.sum),
        (Fit::Finite(20), None, Fit::Finite(20))
    );
    assert!(shared.ipv4_binds() && !own.ipv4_binds());
}

/// VirtFusion's documented example (API v7): a group of 11 hypervisors
/// whose IPv4 free counts differ, and its documented packages.
fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/virtfusion-v7/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn the_documented_group_with_its_documented_packages() {
    let group = fixture("openapi-v7-group-resources.json");
    let hvs = hypervisors(group["data"].clone());
    let packages = fixture("openapi-v7-packages-list.json");
    let fits = |pkg: &Value, pool| {
        let p = package_from(pkg.clone()).unwrap();
        group_capacity(&hvs, &needs(&p, 1, 10), pool, None)
    };
    // Package 1 (the documented /packages/1): storage type 1 lives on BHV 3
    // and the two Ceph hypervisors only: 22 (memory) + 4 (storage) + 18 (memory).
    let one = fits(&fixture("openapi-v7-package.json"), Ipv4Pool::Group);
    assert_eq!((one.fits, one.ipv4_cap), (Fit::Finite(44), Some(503)));
    // Package 2 ("Test Only") keeps its disk on the default mountpoint:
    // every hypervisor could hold some, but BHV 8, 4 and 5 have no free
    // address of their own. The old rules counted their 14 + 3 + 3.
    let two = fits(&packages["data"][1], Ipv4Pool::Group);
    let zero_ip: Vec<i64> = two
        .rows
        .iter()
        .filter(|r| r.outcome.as_ref().unwrap().binding() == Some(Axis::Ipv4))
        .map(|r| r.id)
        .collect();
    assert_eq!(zero_ip, vec![4, 9, 10]);
    assert_eq!(two.fits, Fit::Finite(119 - 14 - 3 - 3));
    // The pools here are per hypervisor: the same qty, no group cap.
    let own = fits(&packages["data"][1], Ipv4Pool::Hypervisor);
    assert_eq!((own.fits, own.ipv4_cap), (two.fits, None));
}

// ---------------------------------------------------------------- one document, one answer

#[test]
fn json_is_read_as_php_decodes_it() {
    // `{}` and `[]` are one value to PHP: where an object is expected, both
    // are the empty object (a cell without a quota: unlimited).
    let with_memory = |m: &str| {
        let text = format!(
            r#"{{"data": [{{"hypervisor": {{"id": 1, "enabled": 1, "commissioned": 1}}, "resources": {{"memory": {m}, "cpuCores": {{"max": 4, "free": 4}}}}}}]}}"#
        );
        let page = resources_from_json(text.as_bytes()).unwrap();
        let hvs: Vec<Hypervisor> = page.data.into_items();
        let p = package_from_json(br#"{"memory": 1024, "cpuCores": 1}"#).unwrap();
        group_capacity(&hvs, &needs(&p, 0, 0), Ipv4Pool::Group, None).fits
    };
    assert_eq!(with_memory("{}"), Fit::Finite(4));
    assert_eq!(with_memory("[]"), Fit::Finite(4));
    // An object keyed "0", "1", … is a list to PHP: not an object.
    assert_eq!(with_memory(r#"{"0": 5}"#), Fit::Finite(0));
    assert_eq!(with_memory("[5]"), Fit::Finite(0));
    assert_eq!(with_memory(r#"{"1": 5}"#), Fit::Finite(4));
    // Where a list is expected, `{}` is the empty list and `{"0": …}` a list.
    assert!(resources_from_json(br#"{"data": {}}"#)
        .unwrap()
        .data
        .items()
        .is_empty());
    let keyed =
        resources_from_json(br#"{"data": {"0": {"hypervisor": {"id": 7}}, "1": 3}}"#).unwrap();
    assert_eq!(keyed.data.items().len(), 2);
    assert!(resources_from_json(br#"{"data": {"a": 1}}"#).is_err());
}

/// Numbers where serde_json and `json_decode` disagree read as PHP reads
/// them: `-0` is the integer 0 (`-0.0` stays a float), and a float is the
/// nearest double (1.9999999999999998 is not 2).
#[test]
fn json_numbers_are_read_as_php_decodes_them() {
    let first = |name: &str, free: &str| {
        let text = format!(
            r#"{{"data": [{{"hypervisor": {{"id": 1, "name": {name}, "enabled": 1, "commissioned": 1}}, "resources": {{"memory": {{"max": 9, "free": {free}}}}}}}]}}"#
        );
        let page = resources_from_json(text.as_bytes()).unwrap();
        let hv = page.data.into_items().remove(0);
        (hv.name.to_string(), hv.memory.map(|q| q.free))
    };
    assert_eq!(first("-0", "-0"), ("0".into(), Some(0)));
    assert_eq!(first("-0.0", "1.9999999999999998"), ("-0".into(), Some(1)));
    assert_eq!(
        first("[-0, \"-0\"]", "7.9999999999999995"),
        ("".into(), Some(7))
    );
    assert_eq!(
        first("\"-0\"", "2.0000000000000004"),
        ("-0".into(), Some(2))
    );
    assert_eq!(first("1e25", "1e400"), ("1.0E+25".into(), Some(i64::MAX)));
    // The rewrite keeps every offset: an error names the same place.
    let err = resources_from_json(br#"{"data": [-0, -0 x]}"#).unwrap_err();
    assert!(err.to_string().contains("column 18"), "{err}");
}

/// One rule for "PHP reads these keys as a list", where a list is expected
/// and where an object is: in order from "0", a repeated key replacing.
#[test]
fn list_keys_are_read_as_php_reads_them() {
    let data = |text: &str| {
        resources_from_json(format!(r#"{{"data": {text}}}"#).as_bytes())
            .map(|p| p.data.items().iter().map(|h| h.id).collect::<Vec<_>>())
            .ok()
    };
    let hv = |id: i64| format!(r#"{{"hypervisor": {{"id": {id}}}}}"#);
    let (a, b, c) = (hv(1), hv(2), hv(3));
    assert_eq!(
        data(&format!(r#"{{"0": {a}, "1": {b}}}"#)),
        Some(vec![1, 2])
    );
    assert_eq!(
        data(&format!(r#"{{"0": {a}, "1": {b}, "0": {c}}}"#)),
        Some(vec![3, 2])
    );
    for not_a_list in [
        format!(r#"{{"1": {a}, "0": {b}}}"#),
        format!(r#"{{"0": {a}, "2": {b}}}"#),
        format!(r#"{{"0": {a}, "x": {b}}}"#),
        format!(r#"{{"00": {a}}}"#),
    ] {
        assert_eq!(data(&not_a_list), None, "{not_a_list}");
    }

    let memory = |cell: &str| {
        let text = format!(
            r#"{{"data": [{{"hypervisor": {{"id": 1, "enabled": true, "commissioned": true}},
                "resources": {{"memory": {cell}}}}}]}}"#
        );
        let hvs: Vec<Hypervisor> = resources_from_json(text.as_bytes())
            .unwrap()
            .data
            .into_items();
        hvs[0].memory.is_some()
    };
    assert!(!memory(r#"{"0": 5, "1": 6, "0": 7}"#), "a list, not a cell");
    assert!(memory(r#"{"0": 5, "2": 6}"#));
    assert!(memory(r#"{"1": 5, "0": 6}"#));
    assert!(memory(r#"{"0": 5, "max": 6}"#));
}

#[test]
fn numbers_beyond_float_range_saturate_like_php_inf() {
    let p =
        package_from_json(br#"{"memory": 1e400, "cpuCores": -1e400, "name": "1e400"}"#).unwrap();
    assert_eq!((p.memory.0, p.cpu_cores.0), (i64::MAX, i64::MIN));
    assert!(matches!(
        package_from_json(b"{\"memory\": 1e400"),
        Err(DocError::Syntax(_))
    ));
}

// ---------------------------------------------------------------- placement

fn fleet_hvs(hvs: &[(i64, i64, i64, i64)]) -> Vec<Hypervisor> {
    hypervisors(json!(hvs
        .iter()
        .enumerate()
        .map(|(i, &(m, c, d, ip))| fleet_hv(i as i64 + 1, m, c, d, ip))
        .collect::<Vec<_>>()))
}

fn plain_needs(memory: i64, cpu: i64, storage: i64, k: i64, b: i64) -> Needs {
    needs(
        &package_from(package(memory, cpu, storage, 4)).unwrap(),
        k,
        b,
    )
}

#[test]
fn placement_takes_largest_first_where_most_memory_is_left() {
    let hvs = fleet_hvs(&[(8192, 8, 1000, 50), (16384, 8, 1000, 50)]);
    let big = plain_needs(12288, 1, 10, 1, 0);
    let small = plain_needs(4096, 1, 10, 1, 0);
    // Given small first, the big one is still placed first (on hv2), then
    // the first small one where most memory is left (hv1: 8192 − 4096 > 4096 − 4096).
    let p = place(
        &hvs,
        Ipv4Pool::Group,
        GroupTaken::default(),
        &[(small, 2), (big, 1)],
    );
    assert_eq!(p.placed, vec![2, 1]);
    // The second small one ties (both would be left with 0): the first wins.
    assert_eq!(p.taken.hypervisors[1].memory, 12288);
    assert_eq!(p.taken.hypervisors[0].memory, 8192);
    assert_eq!(p.taken.shared_ipv4, 3);
    // A 32 GB custom configuration fits on no single hypervisor, though
    // the group has 24 GB free in all.
    let custom = plain_needs(32768, 1, 10, 1, 0);
    assert_eq!(
        place(&hvs, Ipv4Pool::Group, GroupTaken::default(), &[(custom, 1)]).placed,
        vec![0]
    );
}

#[test]
fn placement_keeps_one_pool_per_storage_type() {
    let two_pools = with(
        hv(1),
        &[
            (
                "/resources/localStorage",
                json!({"enabled": true, "storageType": 4, "max": 100, "free": 50}),
            ),
            (
                "/resources/otherStorage",
                json!([{"enabled": true, "storageType": 4, "max": 100, "free": 50, "name": "b"}]),
            ),
        ],
    );
    let hvs = hypervisors(json!([two_pools]));
    let n = plain_needs(1, 0, 10, 0, 0);
    let fits = group_capacity(&hvs, &n, Ipv4Pool::Group, None).fits;
    assert_eq!(fits, Fit::Finite(5), "capacity counts the best single pool");
    let p = place(&hvs, Ipv4Pool::Group, GroupTaken::default(), &[(n, 10)]);
    assert_eq!(p.placed, vec![5], "placement never spreads past it");
}

prop_compose! {
    fn arb_needs()(m in 0i64..20000, c in 0i64..9, d in 0i64..400, k in 0i64..3, b in 0i64..30) -> Needs {
        plain_needs(m, c, d, k, b)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// For one footprint, n copies all place exactly when n ≤ fits.
    #[test]
    fn n_copies_place_exactly_when_n_fits(hvs in arb_fleet(), n in arb_needs(), pool in prop::bool::ANY,
                                          reserve in prop::option::of((arb_needs(), 0i64..30))) {
        let hvs = fleet_hvs(&hvs);
        let pool = if pool { Ipv4Pool::Group } else { Ipv4Pool::Hypervisor };
        // After some pending orders of another kind, too.
        let taken = match reserve {
            Some((r, count)) => place(&hvs, pool, GroupTaken::for_group(hvs.len()), &[(r, count)]).taken,
            None => GroupTaken::for_group(hvs.len()),
        };
        let fits = group_capacity(&hvs, &n, pool, Some(&taken)).fits;
        let Fit::Finite(f) = fits else { return Ok(()); };
        prop_assume!(f <= 5_000);
        let all = place(&hvs, pool, taken.clone(), &[(n, f)]);
        prop_assert_eq!(all.placed, vec![f]);
        let over = place(&hvs, pool, taken, &[(n, f + 1)]);
        prop_assert_eq!(over.placed, vec![f]);
    }

    /// For one footprint, more free never places fewer.
    #[test]
    fn more_free_never_places_fewer(hvs in arb_fleet(), at in 0usize..8, extra in 0i64..5000, axis in 0usize..4,
                                    n in arb_needs(), count in 1i64..60) {
        prop_assume!(!hvs.is_empty());
        let at = at % hvs.len();
        let mut more = hvs.clone();
        match axis { 0 => more[at].0 += extra, 1 => more[at].1 += extra, 2 => more[at].2 += extra, _ => more[at].3 += extra }
        let placed = |h: &[(i64, i64, i64, i64)]| place(&fleet_hvs(h), Ipv4Pool::Group, GroupTaken::default(), &[(n, count)]).placed[0];
        prop_assert!(placed(&more) >= placed(&hvs));
    }

    /// Adding copies of a footprint never lets a refused one through, and
    /// a larger order never places more of what a smaller one placed.
    #[test]
    fn more_of_an_order_never_lets_a_refused_one_through(hvs in arb_fleet(), n in arb_needs(), count in 1i64..40, extra in 1i64..40) {
        let hvs = fleet_hvs(&hvs);
        let small = place(&hvs, Ipv4Pool::Group, GroupTaken::default(), &[(n, count)]).placed[0];
        let large = place(&hvs, Ipv4Pool::Group, GroupTaken::default(), &[(n, count + extra)]).placed[0];
        prop_assert_eq!(large, (count + extra).min(small.max(large)));
        if small < count {
            prop_assert_eq!(large, small);
        }
    }

    /// Placement never takes more than a hypervisor has (after its buffer).
    #[test]
    fn placement_never_oversells(hvs in arb_fleet(), items in prop::collection::vec((arb_needs(), 1i64..20), 1..5)) {
        let fleet = fleet_hvs(&hvs);
        let p = place(&fleet, Ipv4Pool::Hypervisor, GroupTaken::default(), &items);
        for (i, h) in fleet.iter().enumerate() {
            let t = &p.taken.hypervisors[i];
            if let Some(q) = h.memory { if q.max > 0 && t.memory > 0 { prop_assert!(t.memory <= q.free); } }
            if let Some(q) = h.cpu { if q.max > 0 && t.cpu > 0 { prop_assert!(t.cpu <= q.free); } }
            if let (Some(free), true) = (h.ipv4_free, t.ipv4 > 0) { prop_assert!(t.ipv4 <= free); }
        }
    }

    /// Adding a servers or an IPv4 limit never raises a fit.
    #[test]
    fn a_new_limit_never_raises_a_fit(hvs in arb_fleet(), slots in (0i64..50, -5i64..50), n in (1i64..4096, 1i64..8, 1i64..200)) {
        let base = fleet_fit(&hvs, n, 1, 10);
        let entries: Vec<Value> = hvs.iter().enumerate().map(|(i, &(m, c, d, ip))| {
            with(fleet_hv(i as i64, m, c, d, ip), &[("/resources/servers", json!({"max": slots.0, "free": slots.1}))])
        }).collect();
        prop_assert!(cap(package(n.0, n.1, n.2, 4), entries, 1, 10).fits <= base);
        let no_ip: Vec<Value> = hvs.iter().enumerate().map(|(i, &(m, c, d, _))| {
            with(fleet_hv(i as i64, m, c, d, 0), &[("/resources/network", json!(null))])
        }).collect();
        prop_assert!(cap(package(n.0, n.1, n.2, 4), no_ip, 1, 10).fits >= base);
    }

    /// With the same free count on every hypervisor, shared and
    /// per-hypervisor pools give the same fits.
    #[test]
    fn pools_agree_when_every_report_is_the_same(hvs in arb_fleet(), ip in -5i64..300, n in (1i64..4096, 1i64..8, 1i64..200), k in 1i64..4) {
        let same: Vec<(i64, i64, i64, i64)> = hvs.iter().map(|&(m, c, d, _)| (m, c, d, ip)).collect();
        let entries = |h: &[(i64, i64, i64, i64)]| h.iter().enumerate().map(|(i, &(m, c, d, ip))| fleet_hv(i as i64, m, c, d, ip)).collect::<Vec<_>>();
        let shared = cap_in(package(n.0, n.1, n.2, 4), entries(&same), k, 10, Ipv4Pool::Group).fits;
        let own = cap_in(package(n.0, n.1, n.2, 4), entries(&same), k, 10, Ipv4Pool::Hypervisor).fits;
        if same.len() <= 1 { prop_assert_eq!(shared, own); } else { prop_assert!(shared <= own); }
        let own_of_one: Vec<Fit> = same.iter().map(|h| cap_in(package(n.0, n.1, n.2, 4), entries(std::slice::from_ref(h)), k, 10, Ipv4Pool::Hypervisor).fits).collect();
        prop_assert!(own_of_one.iter().all(|f| *f <= Fit::Finite(ip.max(0) / k)));
    }
}

#[test]
fn a_pages_pool_names_are_shared_and_a_few_are_kept() {
    let mut names = PoolNames::default();
    let a = names.get(b"nvme-mount").unwrap();
    let b = names.get(b"nvme-mount").unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&a, &b),
        "one allocation for a repeated name"
    );
    assert_eq!(&*names.get(b"ssd").unwrap(), "ssd");
    let many: Vec<_> = (0..40)
        .map(|i| names.get(format!("pool-{i}").as_bytes()).unwrap())
        .collect();
    assert!(many
        .iter()
        .enumerate()
        .all(|(i, n)| **n == *format!("pool-{i}")));
    let late = names.get(b"pool-39").unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&late, &many[39]),
        "past the kept few, names are allocated"
    );
    assert!(
        std::sync::Arc::ptr_eq(&names.get(b"nvme-mount").unwrap(), &a),
        "the first ones stay shared"
    );
    let by_bytes = names.get(b"nvme-mount").unwrap();
    assert!(std::sync::Arc::ptr_eq(&by_bytes, &a), "found by its bytes");
    assert_eq!(names.get(b"nvme\xff"), None, "not UTF-8: no name");
    assert_eq!(names.get("z\u{e9}".as_bytes()).as_deref(), Some("z\u{e9}"));
}

#[test]
fn json_text_whose_pool_name_is_not_utf8_is_an_error() {
    let text = b"{\"data\":[{\"hypervisor\":{\"id\":1,\"name\":\"hv1\",\"enabled\":true,\"commissioned\":true},\"resources\":{\"otherStorage\":[{\"name\":\"a\xffb\",\"storageType\":4,\"enabled\":true,\"max\":9,\"free\":9}]}}]}";
    let fast = resources_from_json(text);
    assert!(
        fast.is_err(),
        "invalid UTF-8 in JSON text is an error: {fast:?}"
    );
}

#[test]
fn names_hold_their_whole_text_inline_or_shared() {
    use super::name::Name;
    use std::sync::Arc;
    let texts = [
        String::new(),
        "a".to_string(),
        "hv-00001.g1.example.net".to_string(),
        "x".repeat(29),
        "x".repeat(30),
        "x".repeat(31),
        "é".repeat(15),                 // 30 bytes
        "é".repeat(16),                 // 32 bytes
        format!("{}€", "x".repeat(28)), // 31 bytes, the last char across the line
        "n".repeat(300),
    ];
    for t in &texts {
        let inline = t.len() <= 30;
        let made = Name::new(t);
        let from_shared = Name::from(Arc::<str>::from(t.as_str()));
        assert_eq!(made.as_str(), t);
        assert_eq!(from_shared.as_str(), t);
        assert_eq!(made, from_shared);
        let read = Name::from_utf8(t.as_bytes()).expect("UTF-8");
        assert_eq!((read.as_str(), read.as_bytes()), (t.as_str(), t.as_bytes()));
        assert_eq!(read.heap_bytes(), made.heap_bytes(), "{t:?}");
        assert_eq!(made.clone(), made);
        assert_eq!(made.heap_bytes(), if inline { 0 } else { t.len() }, "{t:?}");
        assert_eq!(format!("{made}"), *t);
        assert_eq!(format!("{made:?}"), format!("{t:?}"));
    }
    // Bytes that are not UTF-8 spell no name, whether short or long.
    for bad in [
        &b"hv\xff"[..],
        &b"\xc3"[..],
        &[b'x'; 40][..39],
        &b"\xe2\x82"[..],
    ] {
        let expect = std::str::from_utf8(bad).ok().map(Name::new);
        assert_eq!(Name::from_utf8(bad), expect, "{bad:?}");
    }
    let mut long = vec![b'x'; 40];
    long[39] = 0xff;
    assert_eq!(Name::from_utf8(&long), None);
    assert_ne!(Name::new("hv1"), Name::new("hv2"));
    assert_ne!(Name::new(&"x".repeat(30)), Name::new(&"x".repeat(31)));
    assert_eq!(Name::default().as_str(), "");
    assert_eq!(std::mem::size_of::<Name>(), 32);
}

#[test]
fn many_pools_and_long_names_read_alike_on_every_path() {
    let long = "hypervisor-".repeat(12);
    let pools: Vec<Value> = (0..6)
        .map(|i| pool(Some(&format!("pool-{i}")), i, 4, i != 2, 1000, 100 * i))
        .collect();
    let entry = with(
        hv(7),
        &[
            ("/hypervisor/name", json!(long)),
            ("/resources/otherStorage", Value::Array(pools)),
        ],
    );
    let page = json!({ "data": [entry.clone()] });
    let generic = resources_from(page.clone()).unwrap().data.into_items();
    let text = serde_json::to_vec(&page).unwrap();
    let direct = resources_from_json(&text).unwrap().data.into_items();
    assert_eq!(generic, direct);
    let h: &Hypervisor = &direct[0];
    assert_eq!(&*h.name, long);
    assert_eq!(h.pools.len(), 7, "the default mountpoint and six others");
    assert!(h.pools.spilled());
    let names: Vec<String> = h.pools.iter().map(|p| p.name.to_string()).collect();
    assert_eq!(names[0], "localStorage");
    assert_eq!(names[6], "pool-5");
    // The cache's weight counts what sits outside the hypervisor itself.
    let short = &hypervisors(json!([hv(8)]))[0];
    assert!(!short.pools.spilled());
    assert!(h.weight() >= short.weight() + long.len() + 7 * std::mem::size_of_val(&h.pools[0]));
    // Placement reads past the inline three: the best enabled pool of
    // type 4 is the last one.
    let g = cap(package(1, 1, 10, 4), vec![entry], 1, 0);
    assert_eq!(storage_of(&g), (Fit::Finite(50), Some("pool-5".into())));
    assert_eq!(&*g.rows[0].name, long);
}
