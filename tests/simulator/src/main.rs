//! `vfsim`: the simulator as a process, for the PHP tests and the demo.
//!
//! It prints one `READY <base-url>` line once it is listening, and exits when
//! its stdin reaches EOF, so it can never outlive the process that spawned it
//! with a pipe; SIGTERM and `--max-seconds` are the fallbacks.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use vfsim::{Options, Simulator};

const USAGE: &str = "usage: vfsim [--scenario FILE] [--port N] [--latency-ms N] [--tls DIR]
             [--max-seconds N] [--ignore-stdin]
  --scenario FILE   fleet to serve (JSON); default: empty fleet, token test-token
  --port N          port on 127.0.0.1 (default 0: a free port)
  --latency-ms N    every API response takes N ms from its request (default 0)
  --tls DIR         serve HTTPS; writes the throwaway CA to DIR/ca.pem
  --max-seconds N   exit after N seconds whatever happens (default 3600)
  --ignore-stdin    do not exit on stdin EOF (for a shell running it in the background)
Prints `READY <base-url>` on stdout when listening.";

struct Args {
    scenario: Option<PathBuf>,
    opts: Options,
    max_seconds: u64,
    watch_stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        scenario: None,
        opts: Options::default(),
        max_seconds: 3600,
        watch_stdin: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a whole number"))
        };
        match flag.as_str() {
            "--scenario" => args.scenario = Some(PathBuf::from(value()?)),
            "--port" => {
                let v = value()?;
                args.opts.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port"))?;
            }
            "--latency-ms" => args.opts.latency_ms = number(value()?)?,
            "--max-seconds" => args.max_seconds = number(value()?)?,
            "--tls" => {
                args.opts.tls = true;
                args.opts.tls_dir = Some(PathBuf::from(value()?));
            }
            "--ignore-stdin" => args.watch_stdin = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(args)
}

/// Puts SIGTERM back to "terminate", in case the spawner left it ignored
/// (an ignored disposition survives exec) — the binary must stay killable.
fn default_sigterm() {
    #[cfg(unix)]
    {
        extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGTERM: i32 = 15;
        const SIG_DFL: usize = 0;
        // SAFETY: installing the default disposition has no preconditions.
        unsafe {
            signal(SIGTERM, SIG_DFL);
        }
    }
}

fn run() -> Result<(), String> {
    default_sigterm();
    let args = parse_args().map_err(|e| format!("{e}\n{USAGE}"))?;
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?
        }
        None => serde_json::json!({}),
    };
    let sim = Simulator::start_with(scenario, args.opts)?;
    let mut out = io::stdout().lock();
    writeln!(out, "READY {}", sim.base_url())
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write READY: {e}"))?;
    drop(out);

    let (tx, rx) = mpsc::channel::<()>();
    if args.watch_stdin {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut sink = [0u8; 1024];
            let mut stdin = io::stdin().lock();
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    }
    // Either stdin closed, or the time ran out; `tx` is held here so the
    // channel never disconnects early.
    let _ = rx.recv_timeout(Duration::from_secs(args.max_seconds));
    drop(tx);
    drop(sim);
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("vfsim: {e}");
        std::process::exit(2);
    }
}
