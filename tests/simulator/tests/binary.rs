//! The `vfsim` binary: READY line, lifetime tied to stdin, TLS directory.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("vfsim-bin-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Kills the child if a test fails half-way, so none outlives the run.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vfsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let guard = Guard(child);
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("READY within 10 s");
    let url = line
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("bad first line {line:?}"))
        .trim_end()
        .to_string();
    (guard, url)
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn ready_serve_and_exit_on_stdin_eof() {
    let dir = temp_dir("plain");
    let file = dir.join("scenario.json");
    std::fs::write(&file, scenario().to_string()).unwrap();
    let (mut guard, url) = spawn(&[
        "--scenario",
        file.to_str().unwrap(),
        "--port",
        "0",
        "--latency-ms",
        "0",
    ]);
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/api/v1"),
        "{url}"
    );
    let r = api(
        &url,
        "/compute/hypervisors/groups/3/resources?results=10&page=5",
        Some(TOKEN),
    )
    .unwrap();
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 5);
    assert_eq!(
        control(&url, "GET", "/requests", None)["requests"][0]["status"],
        200
    );

    // Writing to stdin does nothing; closing it ends the process.
    let mut stdin = guard.0.stdin.take().unwrap();
    stdin.write_all(b"ignored\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(guard.0.try_wait().unwrap().is_none());
    drop(stdin);
    let status = wait_exit(&mut guard.0, Duration::from_secs(5)).expect("exit on stdin EOF");
    assert!(status.success());
    assert!(std::net::TcpStream::connect(host_port(&url)).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tls_dir_gets_the_ca() {
    let dir = temp_dir("tls");
    let (mut guard, url) = spawn(&["--tls", dir.to_str().unwrap()]);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = dir.join("ca.pem");
    let r = tls_call(&url, Some(&ca), "/api/v1/connect", "test-token").unwrap();
    assert_eq!(r.status, 200);
    drop(guard.0.stdin.take());
    assert!(wait_exit(&mut guard.0, Duration::from_secs(5)).is_some());
    assert!(ca.exists(), "an explicit --tls DIR is the caller's");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn max_seconds_and_bad_arguments() {
    let (mut guard, _url) = spawn(&["--ignore-stdin", "--max-seconds", "1"]);
    let status = wait_exit(&mut guard.0, Duration::from_secs(5)).expect("exit after max-seconds");
    assert!(status.success());

    for args in [
        &["--bogus"][..],
        &["--port"],
        &["--scenario", "/nonexistent/x.json"],
        &["--port", "70000"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vfsim"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn sigterm_ends_it() {
    let (mut guard, _url) = spawn(&[]);
    let pid = guard.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut guard.0, Duration::from_secs(5)).expect("exit on SIGTERM");
    assert!(!status.success());
}
