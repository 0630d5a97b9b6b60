//! reads run concurrently, bounded by `vfstock.concurrency`.

use std::time::{Duration, Instant};

use vfstock::shell::fetch;
use vfstock::shell::settings::Settings;

use crate::common::*;

const LATENCY_MS: u64 = 100;

/// `fetch_all` of 16 packages never read before; returns the time it took.
fn time_16(sim: &Simulator, first_id: u64, concurrency: usize) -> Duration {
    let ids: Vec<u64> = (first_id..first_id + 16).collect();
    for &id in &ids {
        sim.put_package(id, pkg(id));
    }
    let s = Settings {
        concurrency,
        ..settings()
    };
    let api = api(sim, &s);
    let ids: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    let started = Instant::now();
    let f = fetch_all(&api, &ids, &[], &s);
    let took = started.elapsed();
    assert_eq!(f.cost.requests, 16, "all cold (concurrency {concurrency})");
    assert_eq!(f.packages.len(), 16);
    for id in ids {
        assert_eq!(found_package(&f.packages[&id]).memory.0, 1000 + id);
    }
    took
}

#[test]
fn eight_workers_are_much_faster_than_one() {
    let sim = Simulator::start(scenario(&[], &[]));
    sim.set_latency_ms(LATENCY_MS);
    let serial_floor = Duration::from_millis(16 * LATENCY_MS);

    let parallel = time_16(&sim, 1601, 8);
    let serial = time_16(&sim, 1701, 1);
    // Ideal: 2 × 100 ms against 16 × 100 ms.
    assert!(
        parallel < serial_floor / 2,
        "concurrency 8 took {parallel:?}"
    );
    assert!(serial >= serial_floor, "concurrency 1 took {serial:?}");
    assert!(
        serial.as_secs_f64() / parallel.as_secs_f64() >= 2.0,
        "serial {serial:?} vs parallel {parallel:?}"
    );
}

/// A group of six pages: page 1, then pages 2–6 at once. The chain is two
/// requests long, not six.
#[test]
fn later_pages_of_a_group_are_read_at_once() {
    let _lock = cache_lock();
    let group = 61;
    let sim = Simulator::start(scenario(&[], &[(group, 60)]));
    sim.set_latency_ms(LATENCY_MS);
    let time = |concurrency| {
        let s = Settings {
            concurrency,
            page_size: 10,
            ..settings()
        };
        fetch::forget(Some(&[group as i64]));
        let started = Instant::now();
        let f = fetch_all(&api(&sim, &s), &[], &[group as i64], &s);
        let took = started.elapsed();
        assert_eq!(f.cost.requests, 6);
        assert_eq!(
            found_group(&f.groups[&(group as i64)]).hypervisors.len(),
            60
        );
        took
    };
    let parallel = time(8);
    let serial = time(1);
    assert!(
        serial >= Duration::from_millis(6 * LATENCY_MS),
        "{serial:?}"
    );
    assert!(
        serial.as_secs_f64() / parallel.as_secs_f64() >= 2.0,
        "serial {serial:?} vs parallel {parallel:?}"
    );
    fetch::forget(Some(&[group as i64]));
}
