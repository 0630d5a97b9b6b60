//! Fixtures and helpers shared by the shell tests.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
pub use vfsim::Simulator;
use vfstock::core::fit::Buffer;
use vfstock::core::group::Ipv4Need;
use vfstock::core::input::Package;
use vfstock::core::placement::Footprint;
pub use vfstock::shell::deadline::Deadline;
use vfstock::shell::fetch::{self, Fetched};
use vfstock::shell::settings::{Api, Settings};
use vfstock::shell::upstream::{self, Group, Page, Read};

/// A token distinctive enough that finding it anywhere is a leak.
pub const TOKEN: &str = "tok-SECRET-1234";
/// A token the simulator knows but without the compute scope.
pub const NOSCOPE_TOKEN: &str = "tok-NOSCOPE-5678";
/// A token the simulator does not know.
pub const UNKNOWN_TOKEN: &str = "tok-UNKNOWN-9999";

/// One hypervisor entry of a resources page, with `id` as its hypervisor id.
pub fn hv(id: u64) -> Value {
    json!({
        "hypervisor": {"id": id, "name": format!("hv{id}"), "enabled": true,
                       "commissioned": true, "prohibit": false},
        "resources": {
            "memory": {"max": 65536, "free": 32768},
            "cpuCores": {"max": 32, "free": 16},
            "localStorage": {"max": 1000, "free": 500, "enabled": true},
        }
    })
}

/// A group of `n` hypervisors with ids `1..=n`.
pub fn hvs(n: u64) -> Vec<Value> {
    (1..=n).map(hv).collect()
}

/// A package whose memory (`1000 + id`) tells which one was read.
pub fn pkg(id: u64) -> Value {
    json!({"id": id, "memory": 1000 + id, "cpuCores": 1, "primaryStorage": 10, "enabled": true})
}

/// A fleet with these packages and groups (`(id, hypervisor count)`), and
/// the three tokens above.
pub fn scenario(packages: &[u64], groups: &[(u64, u64)]) -> Value {
    let packages: serde_json::Map<String, Value> = packages
        .iter()
        .map(|&id| (id.to_string(), pkg(id)))
        .collect();
    let groups: serde_json::Map<String, Value> = groups
        .iter()
        .map(|&(id, n)| (id.to_string(), json!({"hypervisors": hvs(n)})))
        .collect();
    json!({
        "tokens": {TOKEN: ["compute"], NOSCOPE_TOKEN: []},
        "packages": packages,
        "groups": groups,
    })
}

/// Fast, bounded settings: 2 s timeout, 1 s to connect, 64 KiB bodies.
pub fn settings() -> Settings {
    Settings {
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        max_response_bytes: 64 << 10,
        ..Settings::default()
    }
}

pub fn api_at(url: &str, s: &Settings) -> Api {
    Api::new(url, TOKEN, s)
}

pub fn api(sim: &Simulator, s: &Settings) -> Api {
    api_at(sim.base_url(), s)
}

/// The URL of an API on a port nothing listens on.
pub fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}/api/v1")
}

/// A read reduced to its tri-state, the reason kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Found,
    Missing,
    Transient(String),
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Found => "found",
            Outcome::Missing => "missing",
            Outcome::Transient(_) => "transient",
        }
    }
}

pub fn outcome<T>(r: &Read<T>) -> Outcome {
    match r {
        Read::Found(_) => Outcome::Found,
        Read::Missing => Outcome::Missing,
        Read::Transient(why) => Outcome::Transient(why.clone()),
    }
}

/// The reason of a transient read; panics (with the read) otherwise.
pub fn transient<T: std::fmt::Debug>(r: &Read<T>) -> String {
    match r {
        Read::Transient(why) => {
            assert!(!why.trim().is_empty(), "a transient read needs a reason");
            assert_no_token(why);
            why.clone()
        }
        other => panic!("expected transient, got {other:?}"),
    }
}

pub fn found_package(r: &Read<Package>) -> &Package {
    match r {
        Read::Found(p) => p,
        other => panic!("expected a found package, got {other:?}"),
    }
}

pub fn found_group(r: &Read<Arc<Group>>) -> &Group {
    match r {
        Read::Found(g) => g,
        other => panic!("expected a found group, got {other:?}"),
    }
}

/// The hypervisor ids of a group, in order (0: an entry that is not an object).
pub fn hv_ids(group: &Group) -> Vec<i64> {
    group.hypervisors.iter().map(|h| h.id).collect()
}

/// A group read the way one caller alone would: page 1, then each later
/// page one after another (stopping at the first that fails), assembled
/// as `fetch_all` assembles them. No cache, no deadline.
pub fn read_group(
    api: &Api,
    id: i64,
    page_size: u32,
    page_limit: u32,
    requests: &mut u32,
) -> Read<Arc<Group>> {
    let first = upstream::page(api, id, 1, page_size, &Deadline::NONE, requests);
    let mut rest: Vec<Read<Page>> = Vec::new();
    if let Read::Found(p) = &first {
        let pages = upstream::pages_of(p);
        if pages <= page_limit.max(1) {
            for n in 2..=pages {
                let read = upstream::page(api, id, n, page_size, &Deadline::NONE, requests);
                let failed = !matches!(read, Read::Found(_));
                rest.push(read);
                if failed {
                    break;
                }
            }
        }
    }
    upstream::assemble(id, first, rest, page_limit)
}

/// `GET /packages/{id}` without a deadline.
pub fn read_package(api: &Api, id: i64, requests: &mut u32) -> Read<Package> {
    upstream::package(api, id, &Deadline::NONE, requests)
}

/// `fetch_all` without a deadline.
pub fn fetch_all(api: &Api, packages: &[i64], groups: &[i64], s: &Settings) -> Fetched {
    fetch::fetch_all(api, packages, groups, s, &Deadline::NONE)
}

/// How many logged requests went to `/connect`.
pub fn connects(sim: &Simulator) -> usize {
    paths(sim)
        .iter()
        .filter(|(p, _)| p.ends_with("/connect"))
        .count()
}

pub fn assert_no_token(text: &str) {
    for t in [TOKEN, NOSCOPE_TOKEN, UNKNOWN_TOKEN] {
        assert!(!text.contains(t), "the token leaked into: {text}");
    }
    assert!(!text.contains("SECRET"), "the token leaked into: {text}");
}

/// The API requests the simulator saw (control requests are not logged).
pub fn log(sim: &Simulator) -> Vec<Value> {
    sim.requests()
}

/// `(path, query)` of every logged request.
pub fn paths(sim: &Simulator) -> Vec<(String, String)> {
    log(sim)
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["query"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub fn resources_path(group: u64) -> String {
    format!("/api/v1/compute/hypervisors/groups/{group}/resources")
}

pub fn package_path(id: u64) -> String {
    format!("/api/v1/packages/{id}")
}

/// Tests that call `fetch::forget` or count cache hits hold this, so a
/// `forget(None)` in one cannot empty another's cache mid-test.
pub fn cache_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// `count` VPSes of a package's own size in a group: one IPv4 each, no buffer.
pub fn footprint(package: i64, group: i64, count: i64) -> Footprint {
    Footprint {
        package,
        group,
        count,
        memory: None,
        cpu: None,
        storage: None,
        ipv4: Ipv4Need::ONE,
        buffer: Buffer::percent(0),
    }
}

/// A hypervisor with 16 of 32 cores free, memory and disk to spare, and
/// (given `slots`) that many server slots free of 10.
pub fn node(id: u64, slots: Option<u64>) -> Value {
    let mut v = json!({
        "hypervisor": {"id": id, "name": format!("node{id}"), "enabled": true,
                       "commissioned": true, "prohibit": false},
        "resources": {
            "memory": {"max": 262144, "free": 131072},
            "cpuCores": {"max": 32, "free": 16},
            "localStorage": {"max": 10000, "free": 5000, "enabled": true},
        }
    });
    if let Some(free) = slots {
        v["resources"]["servers"] = json!({"max": 10, "free": free});
    }
    v
}
