//! the product table and the PHP API's refresh, in plain Rust: `shell::refresh::run`
//! against the simulator, with an in-memory `Store` in place of WHMCS.
//!
//! Every hypervisor here has 16 free cores of 32 and plenty of memory and
//! disk, and the products use a 0 % buffer: a 1-core plan fits 16 per
//! hypervisor. Ids are 90xx–91xx (packages, groups) and the tests hold
//! `cache_lock()`, as the caches are process-wide.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use vfstock::core::fit::Fit;
use vfstock::core::input::ProductRow;
use vfstock::core::placement::Footprint;
use vfstock::core::product::{PackageState, Status};
use vfstock::core::read::Read;
use vfstock::shell::fetch;
use vfstock::shell::refresh::{run, Line, LogEntry, Outcome, Request, Store};
use vfstock::shell::settings::Settings;

use crate::common::*;

/// A WHMCS database in memory.
#[derive(Default)]
struct Memory {
    rows: Vec<ProductRow>,
    /// Product id → the sub-option names of its Location option.
    locations: HashMap<i64, Vec<String>>,
    writes: Vec<(i64, i64)>,
    log: Vec<LogEntry>,
    /// Leases shared by every "process": `None` means the store has none.
    claims: Option<Arc<Mutex<HashSet<String>>>>,
    /// A write to this product fails and stops the run.
    fail_write: Option<i64>,
    /// What the refresh asked for.
    products_asked: Vec<Option<Vec<i64>>>,
    locations_asked: Vec<(i64, String)>,
    claims_asked: Vec<(String, i64)>,
}

impl Memory {
    fn with(rows: Vec<Value>) -> Memory {
        Memory {
            rows: rows
                .into_iter()
                .map(|v| serde_json::from_value(v).expect("a product row"))
                .collect(),
            ..Memory::default()
        }
    }

    fn location(mut self, product: i64, names: &[&str]) -> Memory {
        self.locations
            .insert(product, names.iter().map(|n| n.to_string()).collect());
        self
    }
}

impl Store for Memory {
    type Stop = String;

    fn products(&mut self, ids: Option<&[i64]>) -> Result<Vec<ProductRow>, String> {
        self.products_asked.push(ids.map(<[i64]>::to_vec));
        Ok(self
            .rows
            .iter()
            .filter(|r| ids.is_none_or(|ids| ids.contains(&r.id.0)))
            .cloned()
            .collect())
    }

    fn locations(&mut self, product: i64, label: &str) -> Result<Vec<String>, String> {
        self.locations_asked.push((product, label.to_owned()));
        Ok(self.locations.get(&product).cloned().unwrap_or_default())
    }

    fn write(&mut self, product: i64, qty: i64) -> Result<(), String> {
        if self.fail_write == Some(product) {
            return Err(format!(
                "the database refused the write of product {product}"
            ));
        }
        self.writes.push((product, qty));
        Ok(())
    }

    fn claim(&mut self, key: &str, ttl_seconds: i64) -> Result<Option<bool>, String> {
        self.claims_asked.push((key.to_owned(), ttl_seconds));
        Ok(self
            .claims
            .as_ref()
            .map(|held| held.lock().unwrap().insert(key.to_owned())))
    }

    fn log(&mut self, entry: &LogEntry) -> Result<(), String> {
        self.log.push(entry.clone());
        Ok(())
    }
}

fn nodes(ids: std::ops::RangeInclusive<u64>) -> Vec<Value> {
    ids.map(|id| node(id, None)).collect()
}

/// A 1-core, 1 GB, 10 GB plan.
fn plan(enabled: bool) -> Value {
    json!({"memory": 1024, "cpuCores": 1, "primaryStorage": 10, "enabled": enabled})
}

/// A stock-controlled VirtFusion product with a 0 % buffer.
fn product(id: i64, qty: i64, package: i64, group: Value) -> Value {
    json!({
        "id": id, "servertype": "VirtFusionDirect", "stockcontrol": 1, "qty": qty,
        "configoption1": group, "configoption2": package, "configoption3": "1",
        "configoption7": "0",
    })
}

/// Packages: 9001 a plan, 9002 disabled, 9003 needing nothing (unbounded),
/// 9004 failing (503), 9009 absent. Groups: 9101 two nodes (32), 9102 one
/// (16), 9103 failing (503), 9109 absent.
fn panel() -> Simulator {
    let sim = Simulator::start(json!({
        "tokens": {TOKEN: ["compute"]},
        "packages": {
            "9001": plan(true),
            "9002": plan(false),
            "9003": {"memory": 0, "cpuCores": 0, "primaryStorage": 0, "enabled": true},
            "9004": plan(true),
            "9005": plan(true),
        },
        "groups": {
            "9101": {"hypervisors": nodes(1..=2)},
            "9102": {"hypervisors": nodes(3..=3)},
            "9103": {"hypervisors": nodes(4..=4)},
            "9105": {"hypervisors": nodes(5..=5)},
        },
    }));
    sim.set_faults(json!([
        {"route": "package", "id": 9004, "action": {"status": 503}},
        {"route": "resources", "id": 9103, "action": {"status": 503}},
    ]));
    sim
}

fn request(sim: &Simulator) -> Request {
    let s = settings();
    Request::new(api(sim, &s), s)
}

fn forget_all() {
    fetch::forget(None);
}

fn line(out: &Outcome, id: i64) -> &Line {
    out.lines
        .iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no line for product {id}: {:?}", out.lines))
}

fn status(out: &Outcome, id: i64) -> (Status, Option<i64>) {
    let d = &line(out, id).decision;
    (d.status, d.qty)
}

fn reason(out: &Outcome, id: i64) -> String {
    line(out, id).decision.reason.clone().unwrap_or_default()
}

/// The fits of one group in a product's decision.
fn group_fits(out: &Outcome, product: i64, group: i64) -> Read<Fit> {
    let d = &line(out, product).decision;
    let (_, o) = d
        .groups
        .iter()
        .find(|(g, _)| *g == group)
        .unwrap_or_else(|| panic!("product {product} has no group {group}: {:?}", d.groups));
    o.map(|g| g.fits)
}

/// Every row of the table in one run.
#[test]
fn the_product_table() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let mut cpanel = product(1, 7, 9005, json!("9105"));
    cpanel["servertype"] = json!("cpanel");
    let mut off = product(2, 7, 9005, json!("9105"));
    off["stockcontrol"] = json!(0);
    let mut store = Memory::with(vec![
        cpanel,
        off,
        product(4, 7, 0, json!("9101")),
        product(5, 7, 9004, json!("9101")),
        product(6, 7, 9001, json!("")),
        product(7, 7, 9001, json!("9101")),
        product(8, 7, 9003, json!("9101")),
        product(9, 5, 9009, json!("9101")),
        product(10, 3, 9002, json!("9101")),
        product(11, 7, 9001, json!("9102")),
        product(12, 32, 9001, json!("9101")),
        product(13, 0, 9001, json!(9101)),
        product(50, 7, 9001, json!("9101")),
    ])
    .location(1, &["9105|Skipped"])
    .location(7, &["9103|Broken"])
    .location(11, &["9109|Gone"])
    .location(
        13,
        &["9102|Paris", "9101|Again", "London", "0|Nowhere", "-4|x"],
    );
    let mut req = request(&sim);
    req.ids = Some(vec![1, 2, 99, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let out = run(&req, &mut store).expect("no store error");
    assert!(out.ran);
    assert_eq!(
        out.lines.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![1, 2, 99, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
        "every requested id once, in order; product 50 was not asked for"
    );
    assert_eq!(store.products_asked, vec![Some(req.ids.clone().unwrap())]);

    // Skipped: nothing read, nothing written.
    for (id, why) in [
        (1, "not a VirtFusion product"),
        (2, "stock control is off"),
        (99, "no such product"),
    ] {
        assert_eq!(status(&out, id), (Status::Skipped, None), "product {id}");
        assert!(
            reason(&out, id).contains(why),
            "product {id}: {}",
            reason(&out, id)
        );
        assert_eq!(line(&out, id).decision.package, None);
    }
    assert_eq!(line(&out, 99).previous, None);
    let asked = paths(&sim);
    for path in [package_path(9005), resources_path(9105)] {
        assert!(
            !asked.iter().any(|(p, _)| *p == path),
            "{path} was read: {asked:?}"
        );
    }

    // Untouched: no write, and a log line saying why.
    let untouched = [
        (4, "no VirtFusion package"),
        (5, "could not read the package"),
        (6, "no hypervisor group"),
        (7, "could not read every group"),
        (8, "unbounded"),
    ];
    for (id, why) in untouched {
        assert_eq!(status(&out, id), (Status::Untouched, None), "product {id}");
        let r = reason(&out, id);
        assert!(r.contains(why), "product {id}: {r}");
        assert!(
            store.log.contains(&LogEntry::Untouched {
                product: id,
                reason: r.clone()
            }),
            "product {id}: {:?}",
            store.log
        );
    }
    assert!(reason(&out, 5).contains("503"), "{}", reason(&out, 5));
    assert_eq!(
        line(&out, 5).decision.package,
        Some(PackageState::Transient)
    );
    assert!(reason(&out, 7).contains("9103"), "{}", reason(&out, 7));
    assert!(matches!(
        group_fits(&out, 7, 9101),
        Read::Found(Fit::Finite(32))
    ));
    assert!(matches!(group_fits(&out, 7, 9103), Read::Transient(_)));
    assert!(matches!(
        group_fits(&out, 8, 9101),
        Read::Found(Fit::Unlimited)
    ));
    // Products without a package id read no locations.
    let located: Vec<i64> = store.locations_asked.iter().map(|(p, _)| *p).collect();
    assert_eq!(located, vec![5, 6, 7, 8, 9, 10, 11, 12, 13]);
    assert!(store.locations_asked.iter().all(|(_, l)| l == "Location"));

    // Zero: a missing package, a disabled one.
    assert_eq!(status(&out, 9), (Status::Updated, Some(0)));
    assert!(
        reason(&out, 9).contains("no longer exists"),
        "{}",
        reason(&out, 9)
    );
    assert_eq!(line(&out, 9).decision.package, Some(PackageState::Missing));
    assert_eq!(status(&out, 10), (Status::Updated, Some(0)));
    assert!(
        reason(&out, 10).contains("disabled"),
        "{}",
        reason(&out, 10)
    );

    // A missing group counts 0, the others still count.
    assert_eq!(status(&out, 11), (Status::Updated, Some(16)));
    assert!(reason(&out, 11).contains("9109"), "{}", reason(&out, 11));
    assert_eq!(group_fits(&out, 11, 9109), Read::Missing);

    // Equal: unchanged, not written, not logged.
    assert_eq!(status(&out, 12), (Status::Unchanged, Some(32)));

    // The default group and each Location naming a group, once each.
    assert_eq!(status(&out, 13), (Status::Updated, Some(48)));
    let groups: Vec<i64> = line(&out, 13)
        .decision
        .groups
        .iter()
        .map(|(g, _)| *g)
        .collect();
    assert_eq!(groups, vec![9101, 9102]);
    assert_eq!(line(&out, 13).locations.len(), 5);

    assert_eq!(store.writes, vec![(9, 0), (10, 0), (11, 16), (13, 48)]);
    let qty_logs: Vec<&LogEntry> = store
        .log
        .iter()
        .filter(|e| matches!(e, LogEntry::Qty { .. }))
        .collect();
    assert_eq!(
        qty_logs,
        vec![
            &LogEntry::Qty {
                product: 9,
                previous: 5,
                qty: 0,
                dry_run: false
            },
            &LogEntry::Qty {
                product: 10,
                previous: 3,
                qty: 0,
                dry_run: false
            },
            &LogEntry::Qty {
                product: 11,
                previous: 7,
                qty: 16,
                dry_run: false
            },
            &LogEntry::Qty {
                product: 13,
                previous: 0,
                qty: 48,
                dry_run: false
            },
        ]
    );
    assert_eq!(store.log.len(), 4 + untouched.len());
    // Each distinct package and group read once; no /connect needed.
    assert_eq!(connects(&sim), 0);
    let mut seen = paths(&sim);
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n, "a read was repeated: {:?}", paths(&sim));
    forget_all();
}

/// A run of nothing but missing packages still asks `/connect` before it
/// zeroes them; at a wrong URL it zeroes nothing.
#[test]
fn missing_packages_alone_are_confirmed_first() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    // Every read of the run is a 404: nothing proves the API answers here.
    let rows = || {
        Memory::with(vec![
            product(21, 5, 9009, json!("9109")),
            product(22, 5, 9008, json!("9108")),
        ])
    };
    let mut store = rows();
    let out = run(&request(&sim), &mut store).expect("run");
    assert_eq!(status(&out, 21), (Status::Updated, Some(0)));
    assert_eq!(status(&out, 22), (Status::Updated, Some(0)));
    assert_eq!(store.writes, vec![(21, 0), (22, 0)]);
    assert_eq!(connects(&sim), 1);
    forget_all();

    let s = settings();
    let root = sim.base_url().trim_end_matches("/api/v1").to_owned();
    let mut store = rows();
    let out = run(&Request::new(api_at(&root, &s), s), &mut store).expect("run");
    for id in [21, 22] {
        assert_eq!(status(&out, id), (Status::Untouched, None));
        assert!(reason(&out, id).contains("URL"), "{}", reason(&out, id));
    }
    assert!(store.writes.is_empty());
    forget_all();
}

#[test]
fn a_dry_run_writes_nothing_and_says_so() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let mut store = Memory::with(vec![
        product(31, 0, 9001, json!("9101")),
        product(32, 9, 9009, json!("9101")),
        product(33, 16, 9001, json!("9102")),
    ]);
    let mut req = request(&sim);
    req.dry_run = true;
    let out = run(&req, &mut store).expect("run");
    assert_eq!(status(&out, 31), (Status::Updated, Some(32)));
    assert_eq!(status(&out, 32), (Status::Updated, Some(0)));
    assert_eq!(status(&out, 33), (Status::Unchanged, Some(16)));
    assert!(store.writes.is_empty(), "{:?}", store.writes);
    assert_eq!(
        store.log,
        vec![
            LogEntry::Qty {
                product: 31,
                previous: 0,
                qty: 32,
                dry_run: true
            },
            LogEntry::Qty {
                product: 32,
                previous: 9,
                qty: 0,
                dry_run: true
            },
        ]
    );
    forget_all();
}

/// A lease held elsewhere: `ran` false, nothing read from the store or the
/// panel, nothing written.
#[test]
fn a_held_lease_reads_and_writes_nothing() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let shared = Arc::new(Mutex::new(HashSet::new()));
    let mut req = request(&sim);
    req.lease = Some(("stockrefresh:test-shared".into(), 30));
    let rows = || Memory::with(vec![product(41, 0, 9001, json!("9101"))]);

    let mut first = Memory {
        claims: Some(shared.clone()),
        ..rows()
    };
    let out = run(&req, &mut first).expect("run");
    assert!(out.ran);
    assert_eq!(first.writes, vec![(41, 32)]);
    assert_eq!(
        first.claims_asked,
        vec![("stockrefresh:test-shared".to_owned(), 30)]
    );

    sim.clear_requests();
    let mut second = Memory {
        claims: Some(shared.clone()),
        ..rows()
    };
    let out = run(&req, &mut second).expect("run");
    assert!(!out.ran);
    assert!(out.lines.is_empty());
    assert_eq!(out.cost, fetch::Cost::default());
    assert!(second.products_asked.is_empty() && second.locations_asked.is_empty());
    assert!(second.writes.is_empty() && second.log.is_empty());
    assert!(log(&sim).is_empty(), "{:?}", log(&sim));

    // Without a shared claim, the lease is this process's.
    let key = format!("stockrefresh:test-local-{}", std::process::id());
    req.lease = Some((key, 60));
    let mut local = rows();
    assert!(run(&req, &mut local).expect("run").ran);
    let mut again = rows();
    let out = run(&req, &mut again).expect("run");
    assert!(!out.ran && again.products_asked.is_empty());
    assert!(vfstock::shell::lease::bytes() <= vfstock::shell::lease::BUDGET);
    forget_all();
}

/// Pending orders hold capacity the panel does not show yet.
#[test]
fn reservations_reduce_the_qty() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let mut store = Memory::with(vec![
        product(51, 32, 9001, json!("9101")),
        product(52, 16, 9001, json!("9102")),
    ]);
    let mut req = request(&sim);
    req.reservations = vec![
        footprint(9001, 9101, 5),
        // A 4-core custom configuration takes four 1-core slots.
        Footprint {
            cpu: Some(4),
            ..footprint(9001, 9101, 1)
        },
        // Its package is gone: it holds nothing, and is reported unplaced.
        footprint(9009, 9101, 2),
        // More than the group holds.
        footprint(9001, 9102, 20),
        // A group no product uses: not read at all.
        footprint(9001, 9199, 3),
    ];
    let out = run(&req, &mut store).expect("run");
    assert_eq!(status(&out, 51), (Status::Updated, Some(32 - 5 - 4)));
    assert_eq!(status(&out, 52), (Status::Updated, Some(0)));
    assert_eq!(store.writes, vec![(51, 23), (52, 0)]);
    let reserved: HashMap<i64, (i64, i64)> = out
        .reserved
        .iter()
        .map(|(g, r)| (*g, (r.reserved, r.unplaced)))
        .collect();
    assert_eq!(reserved.get(&9101), Some(&(6, 2)));
    assert_eq!(reserved.get(&9102), Some(&(16, 4)));
    assert_eq!(reserved.get(&9199), None);
    assert!(!paths(&sim).iter().any(|(p, _)| *p == resources_path(9199)));
    forget_all();
}

/// A store error stops the run: what was written stays, nothing more is.
#[test]
fn a_failing_write_stops_the_run() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let mut store = Memory {
        fail_write: Some(62),
        ..Memory::with(vec![
            product(61, 0, 9001, json!("9101")),
            product(62, 0, 9001, json!("9101")),
            product(63, 0, 9001, json!("9102")),
        ])
    };
    let err = run(&request(&sim), &mut store).expect_err("the write of 62 fails");
    assert!(err.contains("product 62"), "{err}");
    assert_eq!(store.writes, vec![(61, 32)]);
    assert_eq!(
        store.log,
        vec![LogEntry::Qty {
            product: 61,
            previous: 0,
            qty: 32,
            dry_run: false
        }]
    );
    forget_all();
}

/// `locationLabel` reaches the store; `displayCap` and the INT column cap
/// the qty written.
#[test]
fn labels_and_caps() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let huge = 1_i64 << 62;
    sim.put_package(
        9006,
        json!({"memory": 0, "cpuCores": 1, "primaryStorage": 0, "enabled": true}),
    );
    sim.patch_group(9106, vec![json!({
        "hypervisor": {"id": 60, "name": "big", "enabled": true, "commissioned": true, "prohibit": false},
        "resources": {"cpuCores": {"max": huge, "free": huge}}
    })]);
    let mut store = Memory::with(vec![
        product(71, 0, 9001, json!("9101")),
        product(72, 0, 9006, json!("9106")),
    ])
    .location(71, &["9102|Paris"]);
    let mut req = request(&sim);
    req.label = "Datacentre".into();
    let out = run(&req, &mut store).expect("run");
    assert_eq!(
        store.locations_asked,
        vec![(71, "Datacentre".to_owned()), (72, "Datacentre".to_owned())]
    );
    assert_eq!(status(&out, 71), (Status::Updated, Some(48)));
    assert_eq!(status(&out, 72), (Status::Updated, Some(2_147_483_647)));
    assert!(
        reason(&out, 72).contains("2147483647"),
        "{}",
        reason(&out, 72)
    );

    forget_all();
    let mut store = Memory::with(vec![product(71, 0, 9001, json!("9101"))]);
    req.display_cap = Some(10);
    let out = run(&req, &mut store).expect("run");
    assert_eq!(status(&out, 71), (Status::Updated, Some(10)));
    assert!(
        reason(&out, 71).contains("displayCap"),
        "{}",
        reason(&out, 71)
    );
    forget_all();
}

/// A bad CA file: every product untouched with the file's error as reason.
#[test]
fn a_bad_ca_file_leaves_everything_untouched() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let mut s = settings();
    s.ca_file = "/dev/zero".into();
    let mut store = Memory::with(vec![
        product(81, 0, 9001, json!("9101")),
        product(82, 0, 9009, json!("9101")),
    ]);
    let started = std::time::Instant::now();
    let out = run(&Request::new(api(&sim, &s), s), &mut store).expect("run");
    assert!(started.elapsed() < Duration::from_secs(3));
    for id in [81, 82] {
        assert_eq!(status(&out, id), (Status::Untouched, None));
        let r = reason(&out, id);
        assert!(r.contains("/dev/zero") && r.contains("regular file"), "{r}");
    }
    assert!(store.writes.is_empty());
    assert!(log(&sim).is_empty());
}

/// The deadline of a refresh: a hanging panel leaves everything untouched,
/// in about the deadline, whatever `api.timeout` says.
#[test]
fn a_hanging_panel_is_untouched_at_the_deadline() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    sim.set_faults(json!([{"route": "any", "action": "hang"}]));
    let s = Settings {
        timeout: Duration::from_secs(10),
        ..settings()
    };
    let mut req = Request::new(api(&sim, &s), s);
    req.deadline = Deadline::after(Duration::from_secs(1));
    let rows: Vec<Value> = (91..=110)
        .map(|id| product(id, 4, 9001, json!("9101")))
        .collect();
    let mut store = Memory::with(rows).location(91, &["9102|a", "9105|b"]);
    let started = std::time::Instant::now();
    let out = run(&req, &mut store).expect("run");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(out
        .lines
        .iter()
        .all(|l| l.decision.status == Status::Untouched));
    assert!(
        reason(&out, 91).contains("deadline"),
        "{}",
        reason(&out, 91)
    );
    assert!(store.writes.is_empty());
}

/// A group with more pages than `vfstock.page_limit`: the product is
/// untouched, and the log says which group and why.
#[test]
fn a_group_over_the_page_limit_is_logged_and_untouched() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let s = Settings {
        page_size: 1,
        page_limit: 1,
        ..settings()
    };
    let mut store = Memory::with(vec![
        product(121, 0, 9001, json!("9101")),
        product(122, 0, 9001, json!("9102")),
    ]);
    let out = run(&Request::new(api(&sim, &s), s), &mut store).expect("run");
    assert_eq!(status(&out, 121), (Status::Untouched, None));
    assert!(
        reason(&out, 121).contains("page_limit"),
        "{}",
        reason(&out, 121)
    );
    assert_eq!(status(&out, 122), (Status::Updated, Some(16)));
    let logged: Vec<&LogEntry> = store
        .log
        .iter()
        .filter(|e| matches!(e, LogEntry::PageLimit { .. }))
        .collect();
    assert_eq!(logged.len(), 1, "{:?}", store.log);
    let LogEntry::PageLimit { group, reason } = logged[0] else {
        unreachable!()
    };
    assert_eq!(*group, 9101);
    assert!(reason.contains("2 pages"), "{reason}");
    assert_eq!(store.writes, vec![(122, 16)]);
    forget_all();
}

/// `forgetGroups`: those groups are read again, everything else comes from
/// the caches.
#[test]
fn forgotten_groups_are_read_again() {
    let _lock = cache_lock();
    forget_all();
    let sim = panel();
    let rows = || {
        Memory::with(vec![
            product(131, 0, 9001, json!("9101")),
            product(132, 0, 9001, json!("9102")),
        ])
    };
    let mut req = request(&sim);
    let out = run(&req, &mut rows()).expect("run");
    assert_eq!(out.cost.requests, 3);
    let out = run(&req, &mut rows()).expect("run");
    assert_eq!(
        out.cost,
        fetch::Cost {
            requests: 0,
            cache_hits: 3
        }
    );

    sim.patch_group(9101, nodes(1..=3));
    sim.clear_requests();
    req.forget = Some(vec![9101]);
    let mut store = rows();
    let out = run(&req, &mut store).expect("run");
    assert_eq!(
        out.cost,
        fetch::Cost {
            requests: 1,
            cache_hits: 2
        }
    );
    assert_eq!(paths(&sim).len(), 1);
    assert_eq!(paths(&sim)[0].0, resources_path(9101));
    assert_eq!(status(&out, 131), (Status::Updated, Some(48)));
    assert_eq!(
        store.products_asked,
        vec![None],
        "all products when no ids are given"
    );
    forget_all();
}
