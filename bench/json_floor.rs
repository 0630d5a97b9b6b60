//! The JSON floor of `make bench` (bench/capacity.php builds and runs it).
//!
//! Over the same bytes, in one process: serde_json's skip-only parse
//! (`IgnoredAny`, the least any serde reader of this text can do) and
//! `vfstock::core::input::resources_from_json` (the reader behind
//! `vf_capacity_for`'s JSON path and every group page the refresh reads).
//! Best of several timed runs each; prints one JSON line of nanoseconds.
//!
//!   cargo build --release --no-default-features --example json_floor
//!   target/release/examples/json_floor group.json [min_seconds]

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::de::{Deserialize, IgnoredAny};

/// Best time of `f` over at least `budget` of runs (and at least 5 runs).
fn best(budget: Duration, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 5 || started.elapsed() < budget {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: json_floor FILE.json [min_seconds]");
        std::process::exit(2);
    };
    let budget = args
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(Duration::from_millis(300), Duration::from_secs_f64);
    let text = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("json_floor: cannot read {path}: {e}");
        std::process::exit(2);
    });

    let skip = best(budget, || {
        let mut de = serde_json::Deserializer::from_slice(black_box(&text));
        IgnoredAny::deserialize(&mut de).expect("valid JSON");
        de.end().expect("one document");
    });
    let mut hypervisors = 0;
    let read = best(budget, || {
        let page = vfstock::core::input::resources_from_json(black_box(&text)).expect("a page");
        hypervisors = page.data.items().len();
        black_box(page);
    });
    println!(
        "{{\"bytes\":{},\"hypervisors\":{},\"skipNs\":{},\"readNs\":{}}}",
        text.len(),
        hypervisors,
        skip.as_nanos(),
        read.as_nanos()
    );
}
