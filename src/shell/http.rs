//! The HTTP client: one shared ureq agent per transport configuration.
//!
//! Agents pool keep-alive connections (up to `vfstock.concurrency` per
//! host, kept a minute), so the reads of a refresh, and the next cart
//! refresh of the same PHP worker, reuse the TLS sessions they have. A
//! pooled connection the panel closed meanwhile is retried once on a fresh
//! one: GETs are idempotent, and without the retry every other refresh of
//! such a panel was left untouched.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use parking_lot::Mutex;
use ureq::http::Uri;
use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

use super::deadline::Deadline;
use super::settings::Api;
use super::stats::STATS;

/// What came back: a status and a body within the size limit.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why nothing usable came back: in words, never containing the token.
pub type Failure = String;

/// The largest CA file read: a bundle of a few hundred certificates.
pub const CA_FILE_LIMIT: u64 = 1 << 20;

/// How long an idle pooled connection is kept for the next request.
const IDLE: Duration = Duration::from_secs(60);

#[derive(Clone, PartialEq, Eq, Hash)]
struct AgentKey {
    verify_tls: bool,
    ca_file: String,
    per_host: usize,
}

static AGENTS: Lazy<Mutex<HashMap<AgentKey, Agent>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// A few configurations at most in practice; a bound keeps a misuse cheap.
const MAX_AGENTS: usize = 16;

fn agent(api: &Api) -> Result<Agent, Failure> {
    let key = AgentKey {
        verify_tls: api.verify_tls,
        ca_file: api.ca_file.clone(),
        per_host: api.pool.clamp(1, 256),
    };
    if let Some(a) = AGENTS.lock().get(&key) {
        return Ok(a.clone());
    }
    // Read outside the lock: a slow disk must not stall other refreshes.
    let roots = if key.ca_file.is_empty() {
        RootCerts::PlatformVerifier
    } else {
        RootCerts::new_with_certs(&read_ca_file(&key.ca_file)?)
    };
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .disable_verification(!key.verify_tls)
        .build();
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections(key.per_host.saturating_mul(4).max(8))
        .max_idle_connections_per_host(key.per_host)
        .max_idle_age(IDLE)
        .user_agent(concat!("vfstock/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build();
    let agent = Agent::with_parts(config, DefaultConnector::new(), Resolve::default());
    let mut agents = AGENTS.lock();
    if agents.len() >= MAX_AGENTS {
        agents.clear();
    }
    Ok(agents.entry(key).or_insert(agent).clone())
}

/// How long a host name's addresses are reused.
const DNS_TTL: Duration = Duration::from_secs(30);

/// The most host names remembered (a store has a panel or a few).
const DNS_ENTRIES: usize = 64;

/// Resolves the panel's host without a thread per request. ureq resolves
/// before it looks for a pooled connection, and with a timeout set its
/// resolver starts a thread for every lookup: 50 requests of a refresh
/// started 50 more threads (and asked DNS 50 times), even for an IP
/// address, even on a kept-alive connection. An IP address is used as it
/// is; a name's addresses are kept for [`DNS_TTL`]; a failed lookup is not
/// kept.
#[derive(Debug, Default)]
struct Resolve {
    inner: DefaultResolver,
    names: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for Resolve {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host_port = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        let Some(host_port) = host_port else {
            return self.inner.resolve(uri, config, timeout);
        };
        if let Ok(addr) = host_port.parse::<SocketAddr>() {
            let mut out = self.empty();
            out.push(addr);
            return Ok(out);
        }
        if let Some((at, addrs)) = self.names.lock().get(&host_port) {
            if at.elapsed() < DNS_TTL {
                return Ok(addrs.clone());
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let mut names = self.names.lock();
        if names.len() >= DNS_ENTRIES {
            names.clear();
        }
        names.insert(host_port, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// The certificates of a PEM file. Only a regular file of at most
/// [`CA_FILE_LIMIT`] is read: `/dev/zero` once grew a worker to 5 GB and a
/// FIFO blocked it forever.
pub fn read_ca_file(path: &str) -> Result<Vec<Certificate<'static>>, Failure> {
    let bad = |why: String| format!("the CA file {path} {why} (vfstock.ca_file / api.caFile)");
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(bad("is not a regular file".into()));
    }
    if meta.len() > CA_FILE_LIMIT {
        return Err(bad(format!("is larger than {CA_FILE_LIMIT} bytes")));
    }
    let mut file = open_nonblocking(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    // The file may have been swapped since the check above.
    let swapped = file.metadata().map(|m| !m.is_file()).unwrap_or(true);
    if swapped {
        return Err(bad("is not a regular file".into()));
    }
    let mut pem = Vec::new();
    (&mut file)
        .take(CA_FILE_LIMIT + 1)
        .read_to_end(&mut pem)
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if pem.len() as u64 > CA_FILE_LIMIT {
        return Err(bad(format!("is larger than {CA_FILE_LIMIT} bytes")));
    }
    let certs: Vec<Certificate<'static>> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c.to_owned()),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// Opening a FIFO for reading blocks until a writer comes; non-blocking,
/// it does not, and the regular-file check then refuses it.
fn open_nonblocking(path: &str) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

/// `GET {api.url}{path}` with the bearer token, within `api.timeout` and
/// the deadline. The body is read up to `max_response_bytes` while
/// streaming; a larger one is refused, never buffered whole.
///
/// `requests` counts the HTTP requests made (a retry is one more).
pub fn get(
    api: &Api,
    path: &str,
    deadline: &Deadline,
    requests: &mut u32,
) -> Result<Reply, Failure> {
    let agent = agent(api)?;
    match attempt(&agent, api, path, deadline, false, requests) {
        Err(Attempt::Stale(_)) if !deadline.passed() => {
            attempt(&agent, api, path, deadline, true, requests).map_err(Attempt::into_failure)
        }
        other => other.map_err(Attempt::into_failure),
    }
}

/// Why an attempt failed: the connection broke before an answer (worth one
/// retry on a fresh connection), or anything else.
enum Attempt {
    Stale(Failure),
    Failed(Failure),
}

impl Attempt {
    fn into_failure(self) -> Failure {
        match self {
            Attempt::Stale(f) | Attempt::Failed(f) => f,
        }
    }
}

fn attempt(
    agent: &Agent,
    api: &Api,
    path: &str,
    deadline: &Deadline,
    fresh: bool,
    requests: &mut u32,
) -> Result<Reply, Attempt> {
    let timeout = deadline.bound(api.timeout);
    if timeout.is_zero() {
        return Err(Attempt::Failed(deadline.reason()));
    }
    STATS.request();
    *requests += 1;
    let mut config = agent
        .get(format!("{}{path}", api.url))
        .header("Authorization", format!("Bearer {}", api.token))
        .header("Accept", "application/json")
        .config()
        .timeout_global(Some(timeout))
        .timeout_connect(Some(api.connect_timeout.min(timeout)));
    if fresh {
        // A zero idle age makes this request ignore pooled connections.
        config = config.max_idle_age(Duration::ZERO);
    }
    let mut response = config.build().call().map_err(|e| {
        let why = describe(&e, deadline);
        if stale(&e) {
            Attempt::Stale(why)
        } else {
            Attempt::Failed(why)
        }
    })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(api.max_response_bytes)
        .read_to_vec()
        .map_err(|e| Attempt::Failed(describe(&e, deadline)))?;
    Ok(Reply { status, body })
}

/// A connection that broke before any answer: what a pooled connection
/// the panel already closed looks like.
fn stale(e: &ureq::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e, ureq::Error::Io(io) if matches!(io.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof))
}

/// An operator-readable cause. ureq's messages name the host and the kind
/// of failure, never request headers, so the token cannot leak through here.
fn describe(e: &ureq::Error, deadline: &Deadline) -> Failure {
    match e {
        ureq::Error::Timeout(_) if deadline.passed() => deadline.reason(),
        ureq::Error::Timeout(t) => format!("the panel did not answer in time ({t})"),
        ureq::Error::HostNotFound => "the panel's host name does not resolve".into(),
        ureq::Error::ConnectionFailed => "cannot connect to the panel".into(),
        ureq::Error::BodyExceedsLimit(n) => {
            format!("the answer is larger than vfstock.max_response_bytes ({n} bytes)")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the panel refused the connection".into()
        }
        other => format!("request failed: {other}"),
    }
}
