//! Integration tests of the I/O shell (SPEC §4, §6, §8) against a real
//! VirtFusion simulator on 127.0.0.1: the tri-state under every fault, TLS,
//! pagination, the caches and their counts, concurrency, the connection
//! probe and token hygiene.
//!
//! Run: `cargo test --release --no-default-features --test shell`.

#[path = "shell/caches.rs"]
mod caches;
#[path = "shell/common.rs"]
mod common;
#[path = "shell/concurrency.rs"]
mod concurrency;
#[path = "shell/faults.rs"]
mod faults;
#[path = "shell/hygiene.rs"]
mod hygiene;
#[path = "shell/pagination.rs"]
mod pagination;
#[path = "shell/probe.rs"]
mod probe;
#[path = "shell/tls.rs"]
mod tls;
