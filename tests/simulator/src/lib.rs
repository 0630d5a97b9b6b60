//! A VirtFusion API simulator for vfstock's tests, benchmarks and demo.
//!
//! It serves the few read routes vfstock consumes (`/connect`, `/packages/{id}`,
//! `/compute/hypervisors/groups[/{id}/resources]`) from a JSON *scenario*, and a
//! control API under `/_sim/` that lets a test swap the fleet, inject faults,
//! add latency and read back what the client actually asked for.
//!
//! Plain std threads (one per connection) rather than an async runtime: the
//! simulator must stay small to build and easy to reason about under faults
//! such as "hang" or "reset", which are per-connection by nature.

mod control;
mod faults;
mod http;
mod scenario;
mod server;
mod sys;
mod tls;

use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use server::Shared;

/// How to start a [`Simulator`]; the binary fills it from its command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How long every API (not control) response takes, counted from the
    /// request's arrival (building the answer is part of it).
    pub latency_ms: u64,
    /// Serve HTTPS with a throwaway CA.
    pub tls: bool,
    /// Where to write `ca.pem`. `None` with `tls` uses a temporary directory
    /// that is removed when the simulator is dropped.
    pub tls_dir: Option<PathBuf>,
}

/// A running simulator. Dropping it stops the server and its threads.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    ca_file: Option<PathBuf>,
    /// A temporary directory we created for `ca.pem` and must remove.
    temp_dir: Option<PathBuf>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Starts a plain-HTTP simulator on a free port. Panics on a bad scenario,
    /// since this is a test helper and a bad fixture is a test bug.
    pub fn start(scenario: Value) -> Simulator {
        Self::start_with(scenario, Options::default()).expect("vfsim: cannot start")
    }

    /// Starts an HTTPS simulator; returns it with the path of its CA's PEM.
    pub fn start_tls(scenario: Value) -> (Simulator, PathBuf) {
        let sim = Self::start_with(
            scenario,
            Options {
                tls: true,
                ..Options::default()
            },
        )
        .expect("vfsim: cannot start");
        let ca = sim.ca_file.clone().expect("TLS simulator has a CA");
        (sim, ca)
    }

    /// Starts a simulator with explicit options.
    pub fn start_with(scenario: Value, opts: Options) -> Result<Simulator, String> {
        let scenario = scenario::Scenario::parse(&scenario)?;
        let (tls, ca_file, temp_dir) = if opts.tls || opts.tls_dir.is_some() {
            let material = tls::generate()?;
            let (dir, temp) = match &opts.tls_dir {
                Some(d) => (d.clone(), None),
                None => {
                    let d = unique_temp_dir();
                    (d.clone(), Some(d))
                }
            };
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let ca = dir.join("ca.pem");
            std::fs::write(&ca, material.ca_pem.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", ca.display()))?;
            (Some(material.config), Some(ca), temp)
        } else {
            (None, None, None)
        };
        let listener = TcpListener::bind(("127.0.0.1", opts.port))
            .map_err(|e| format!("cannot bind 127.0.0.1:{}: {e}", opts.port))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}/api/v1");
        let shared = Arc::new(Shared::new(
            scenario,
            opts.latency_ms,
            base_url.clone(),
            tls,
        ));
        let accept_shared = Arc::clone(&shared);
        let accept_thread = std::thread::Builder::new()
            .name("vfsim-accept".into())
            .spawn(move || server::accept_loop(accept_shared, listener))
            .map_err(|e| e.to_string())?;
        Ok(Simulator {
            shared,
            addr,
            base_url,
            ca_file,
            temp_dir,
            accept_thread: Some(accept_thread),
        })
    }

    /// `http(s)://127.0.0.1:PORT/api/v1`, what vfstock is configured with.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA certificate (PEM) that signed the server certificate, with TLS.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The API request log in arrival order (same shape as `GET /_sim/requests`).
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Replaces the fault list; takes `{"faults":[...]}` or a bare array.
    /// Panics on a malformed fault (a test bug).
    pub fn set_faults(&self, faults: Value) {
        self.shared.set_faults(&faults).expect("vfsim: bad faults");
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared
            .set_faults(&json!([]))
            .expect("empty list is valid");
    }

    /// Sets how long every API response takes (from the request's arrival).
    pub fn set_latency_ms(&self, ms: u64) {
        self.shared.set_latency_ms(ms);
    }

    /// Replaces the whole fleet. Panics on a malformed scenario (a test bug).
    pub fn set_scenario(&self, scenario: Value) {
        self.shared
            .set_scenario(&scenario)
            .expect("vfsim: bad scenario");
    }

    /// Replaces (or creates) one group's hypervisor list.
    pub fn patch_group(&self, id: u64, hypervisors: Vec<Value>) {
        self.shared.patch_group(id, None, hypervisors);
    }

    /// Removes a group, so its resources answer 404. Returns whether it existed.
    pub fn delete_group(&self, id: u64) -> bool {
        self.shared.delete_group(id)
    }

    /// Removes a package, so it answers 404. Returns whether it existed.
    pub fn delete_package(&self, id: u64) -> bool {
        self.shared.delete_package(id)
    }

    /// Adds or replaces a package, served as given.
    pub fn put_package(&self, id: u64, package: Value) {
        self.shared.put_package(id, package);
    }

    /// Connections currently open (tests use it to see that a hang ended).
    pub fn open_connections(&self) -> usize {
        self.shared.live_connections()
    }

    /// Stops the server now (also done on drop).
    pub fn stop(&mut self) {
        let Some(accept) = self.accept_thread.take() else {
            return;
        };
        self.shared.begin_stop();
        // The accept thread blocks in accept(); a throwaway connection wakes it.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = accept.join();
        self.shared.close_all_connections();
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.shared.live_connections() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn unique_temp_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("vfsim-{}-{n}-{nanos}", std::process::id()))
}
