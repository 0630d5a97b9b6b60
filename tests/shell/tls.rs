//! TLS is verified by default; a throwaway CA is trusted only
//! through `ca_file`, or with verification switched off.

use std::time::{Duration, Instant};

use vfstock::shell::http::{read_ca_file, CA_FILE_LIMIT};
use vfstock::shell::probe::probe;

use crate::common::*;

fn mentions_tls(why: &str) -> bool {
    let w = why.to_lowercase();
    w.contains("certificate") || w.contains("tls")
}

#[test]
fn a_self_signed_panel_is_refused_by_default() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    assert!(sim.base_url().starts_with("https://"));
    let s = settings();
    assert!(s.verify_tls && s.ca_file.is_empty(), "the defaults verify");
    let api = api(&sim, &s);
    let mut n = 0;
    let why = transient(&read_package(&api, 1, &mut n));
    assert!(mentions_tls(&why), "{why}");
    let why = transient(&read_group(&api, 2, 10, 25, &mut n));
    assert!(mentions_tls(&why), "{why}");
    let p = probe(&api, &Deadline::NONE);
    assert!(!p.ok && p.status == 0, "{p:?}");
    assert!(mentions_tls(p.error.as_deref().unwrap_or("")), "{p:?}");
    // The handshake failed: no request reached the API.
    assert!(log(&sim).is_empty(), "{:?}", log(&sim));
}

#[test]
fn the_ca_file_makes_it_trusted() {
    let (sim, ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    let mut s = settings();
    s.ca_file = ca.to_string_lossy().into_owned();
    let api = api(&sim, &s);
    assert!(api.verify_tls);
    let mut n = 0;
    let p = read_package(&api, 1, &mut n);
    assert_eq!(found_package(&p).memory.0, 1001);
    let g = read_group(&api, 2, 2, 25, &mut n);
    assert_eq!(hv_ids(found_group(&g)), vec![1, 2, 3]);
    assert_eq!(n, 3);
    assert!(probe(&api, &Deadline::NONE).ok);
}

#[test]
fn another_ca_is_not_trusted() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[]));
    let (_other, other_ca) = Simulator::start_tls(scenario(&[], &[]));
    let mut s = settings();
    s.ca_file = other_ca.to_string_lossy().into_owned();
    let mut n = 0;
    let why = transient(&read_package(&api(&sim, &s), 1, &mut n));
    assert!(mentions_tls(&why), "{why}");
}

#[test]
fn an_unreadable_ca_file_is_transient() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[]));
    let mut s = settings();
    s.ca_file = "/nonexistent/vfstock-test/ca.pem".into();
    let mut n = 0;
    let why = transient(&read_package(&api(&sim, &s), 1, &mut n));
    assert!(why.contains("/nonexistent/vfstock-test/ca.pem"), "{why}");
}

#[test]
fn verify_tls_off_accepts_it() {
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    let mut s = settings();
    s.verify_tls = false;
    let api = api(&sim, &s);
    let mut n = 0;
    let p = read_package(&api, 1, &mut n);
    assert_eq!(found_package(&p).memory.0, 1001);
    let g = read_group(&api, 2, 10, 25, &mut n);
    assert_eq!(hv_ids(found_group(&g)), vec![1, 2, 3]);
}

/// A scratch directory of this test process, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("vfstock-shell-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `read_ca_file` on a thread, given `limit` to answer: a FIFO that
/// blocked it forever must fail the test, not hang it.
fn read_ca_within(path: &str, limit: Duration) -> Result<usize, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = path.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(read_ca_file(&owned).map(|certs| certs.len()));
    });
    match rx.recv_timeout(limit) {
        Ok(r) => r,
        Err(_) => {
            // Unblock a reader stuck opening a FIFO before failing.
            let _ = std::fs::OpenOptions::new().write(true).open(path);
            panic!("read_ca_file({path}) did not return within {limit:?}");
        }
    }
}

/// The bad CA files, each with what its error should say.
fn bad_ca_files(dir: &Scratch) -> Vec<(String, &'static str)> {
    let fifo = dir.path("ca.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {fifo}");
    let big = dir.path("big.pem");
    std::fs::write(&big, vec![b'\n'; 2 << 20]).expect("write");
    let empty = dir.path("no-cert.pem");
    std::fs::write(
        &empty,
        "# a CA bundle\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let subdir = dir.path("a-directory");
    std::fs::create_dir_all(&subdir).expect("mkdir");
    let link = dir.path("zero-link.pem");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    vec![
        ("/dev/zero".to_owned(), "regular file"),
        (link, "regular file"),
        (fifo, "regular file"),
        (subdir, "regular file"),
        (big, "larger than"),
        (empty, "no PEM certificate"),
        (dir.path("absent.pem"), "cannot be read"),
    ]
}

/// only a regular file of at most 1 MiB is read; `/dev/zero`
/// once grew a worker to 5 GB and a FIFO blocked it forever.
#[test]
fn a_bad_ca_file_is_an_error_at_once() {
    let dir = Scratch::new("bad-ca");
    for (path, says) in bad_ca_files(&dir) {
        let started = Instant::now();
        let err = read_ca_within(&path, Duration::from_secs(5)).expect_err(&path);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path}: {:?}",
            started.elapsed()
        );
        assert!(err.contains(&path), "the error names the file: {err}");
        assert!(err.contains(says), "{path}: {err}");
        assert!(err.contains("ca_file") || err.contains("caFile"), "{err}");
    }
}

#[test]
fn a_ca_file_of_exactly_the_limit_is_read() {
    let (_sim, ca) = Simulator::start_tls(scenario(&[], &[]));
    let dir = Scratch::new("limit-ca");
    let mut pem = std::fs::read(&ca).expect("ca.pem");
    assert_eq!(
        read_ca_within(&ca.to_string_lossy(), Duration::from_secs(5)),
        Ok(1)
    );
    pem.resize(CA_FILE_LIMIT as usize, b'\n');
    let at = dir.path("at-limit.pem");
    std::fs::write(&at, &pem).expect("write");
    assert_eq!(read_ca_within(&at, Duration::from_secs(5)), Ok(1));
    pem.push(b'\n');
    let over = dir.path("over-limit.pem");
    std::fs::write(&over, &pem).expect("write");
    let err = read_ca_within(&over, Duration::from_secs(5)).expect_err("over");
    assert!(err.contains("larger than"), "{err}");
}

/// Through an `Api`, a bad CA file is a TLS configuration error: every
/// read transient and the probe failed, with the file's error as reason,
/// and nothing reaches the panel.
#[test]
fn a_bad_ca_file_makes_reads_transient_and_the_probe_fail() {
    let _lock = cache_lock();
    let dir = Scratch::new("bad-ca-api");
    let (sim, _ca) = Simulator::start_tls(scenario(&[1], &[(2, 3)]));
    for (path, says) in bad_ca_files(&dir) {
        let mut s = settings();
        s.ca_file = path.clone();
        let a = api(&sim, &s);
        let started = Instant::now();
        let p = probe(&a, &Deadline::after(Duration::from_secs(5)));
        assert!(!p.ok && p.status == 0, "{path}: {p:?}");
        let err = p.error.unwrap_or_default();
        assert!(err.contains(&path) && err.contains(says), "{err}");
        let f = vfstock::shell::fetch::fetch_all(
            &a,
            &[9_991],
            &[9_992],
            &s,
            &Deadline::after(Duration::from_secs(5)),
        );
        for why in [transient(&f.packages[&9_991]), transient(&f.groups[&9_992])] {
            assert!(why.contains(&path) && why.contains(says), "{why}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{path}: {:?}",
            started.elapsed()
        );
    }
    assert!(log(&sim).is_empty(), "{:?}", log(&sim));
}
