//! a pooled keep-alive connection that the panel closed is
//! retried once on a fresh connection. The simulator's `resetReused` fault
//! sends an RST for every request that arrives on a connection that already
//! served one: what a panel closing idle connections looks like to a client
//! that reuses them.

use serde_json::json;
use vfstock::shell::fetch;
use vfstock::shell::settings::Settings;

use crate::common::*;

fn fired(sim: &Simulator) -> usize {
    log(sim)
        .iter()
        .filter(|r| r["fault"] == "resetReused")
        .count()
}

fn two_runs(concurrency: usize, packages: &[u64], groups: &[(u64, u64)]) {
    let _lock = cache_lock();
    let sim = Simulator::start(scenario(packages, groups));
    sim.set_faults(json!([{"action": "resetReused"}]));
    let s = Settings {
        concurrency,
        page_size: 2,
        ..settings()
    };
    let a = api(&sim, &s);
    let pids: Vec<i64> = packages.iter().map(|&p| p as i64).collect();
    let gids: Vec<i64> = groups.iter().map(|&(g, _)| g as i64).collect();
    let reads: u32 = packages.len() as u32
        + groups
            .iter()
            .map(|&(_, n)| n.div_ceil(2).max(1) as u32)
            .sum::<u32>();
    for run in 1..=2 {
        fetch::forget(None);
        sim.clear_requests();
        let f = fetch_all(&a, &pids, &gids, &s);
        for id in &pids {
            assert_eq!(
                found_package(&f.packages[id]).memory.0,
                1000 + id,
                "run {run}"
            );
        }
        for (id, n) in groups {
            let g = found_group(&f.groups[&(*id as i64)]);
            assert_eq!(g.hypervisors.len() as u64, *n, "run {run}, group {id}");
        }
        // Each reset request was asked once more on a fresh connection.
        let resets = fired(&sim) as u32;
        assert_eq!(
            f.cost.requests,
            reads + resets,
            "run {run}: {:?}",
            paths(&sim)
        );
        if run == 2 {
            // The connections kept from run 1 were reused, and reset.
            assert!(resets >= 1, "run 2 reused no connection: {:?}", log(&sim));
        }
    }
    fetch::forget(None);
}

#[test]
fn a_stale_kept_alive_connection_is_retried_on_a_fresh_one() {
    two_runs(8, &[9_701, 9_702, 9_703], &[(9_704, 5), (9_705, 1)]);
}

#[test]
fn one_worker_reusing_one_connection() {
    two_runs(1, &[9_711, 9_712], &[(9_713, 6)]);
}

/// The same for the probe and for reads outside `fetch_all`.
#[test]
fn the_probe_and_single_reads_retry_too() {
    let sim = Simulator::start(scenario(&[1], &[(2, 3)]));
    sim.set_faults(json!([{"action": "resetReused"}]));
    let a = api(&sim, &settings());
    for _ in 0..3 {
        let p = vfstock::shell::probe::probe(&a, &Deadline::NONE);
        assert!(p.ok, "{p:?}");
        let mut n = 0;
        found_package(&read_package(&a, 1, &mut n));
        found_group(&read_group(&a, 2, 2, 25, &mut n));
    }
    assert!(fired(&sim) >= 1, "{:?}", log(&sim));
}
