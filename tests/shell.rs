//! Integration tests of the I/O shell against a real
//! VirtFusion simulator on 127.0.0.1: the tri-state under every fault, TLS
//! and CA files, pagination, the caches and their counts, concurrency,
//! deadlines, stale keep-alive connections, wrong base URLs, the connection
//! probe, token hygiene, and the refresh loop and checkout check in plain
//! Rust.
//!
//! Run: `cargo test --release --no-default-features --test shell`.

#[path = "shell/caches.rs"]
mod caches;
#[path = "shell/check.rs"]
mod check;
#[path = "shell/common.rs"]
mod common;
#[path = "shell/concurrency.rs"]
mod concurrency;
#[path = "shell/deadline.rs"]
mod deadline;
#[path = "shell/faults.rs"]
mod faults;
#[path = "shell/hygiene.rs"]
mod hygiene;
#[path = "shell/keepalive.rs"]
mod keepalive;
#[path = "shell/pagination.rs"]
mod pagination;
#[path = "shell/probe.rs"]
mod probe;
#[path = "shell/refresh.rs"]
mod refresh;
#[path = "shell/tls.rs"]
mod tls;
#[path = "shell/urls.rs"]
mod urls;
