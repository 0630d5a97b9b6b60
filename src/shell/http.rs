//! The HTTP client: one shared ureq agent per transport configuration.
//!
//! Agents pool keep-alive connections, so every read of a refresh (and of
//! later refreshes in the same PHP worker) reuses the TLS sessions it has.

use std::collections::HashMap;
use std::time::Duration;

use once_cell::sync::Lazy;
use parking_lot::Mutex;
use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

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

#[derive(Clone, PartialEq, Eq, Hash)]
struct AgentKey {
    timeout: Duration,
    connect_timeout: Duration,
    verify_tls: bool,
    ca_file: String,
}

static AGENTS: Lazy<Mutex<HashMap<AgentKey, Agent>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// A few configurations at most in practice; a bound keeps a misuse cheap.
const MAX_AGENTS: usize = 16;

fn agent(api: &Api) -> Result<Agent, Failure> {
    let key = AgentKey {
        timeout: api.timeout,
        connect_timeout: api.connect_timeout,
        verify_tls: api.verify_tls,
        ca_file: api.ca_file.clone(),
    };
    let mut agents = AGENTS.lock();
    if let Some(a) = agents.get(&key) {
        return Ok(a.clone());
    }
    let roots = if api.ca_file.is_empty() {
        RootCerts::PlatformVerifier
    } else {
        let pem = std::fs::read(&api.ca_file)
            .map_err(|e| format!("cannot read the CA file {}: {e}", api.ca_file))?;
        let certs: Vec<_> = parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!(
                "the CA file {} holds no PEM certificate",
                api.ca_file
            ));
        }
        RootCerts::new_with_certs(&certs)
    };
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .disable_verification(!api.verify_tls)
        .build();
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(api.timeout))
        .timeout_connect(Some(api.connect_timeout))
        .max_redirects(0)
        .user_agent(concat!("vfstock/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .into();
    if agents.len() >= MAX_AGENTS {
        agents.clear();
    }
    agents.insert(key, agent.clone());
    Ok(agent)
}

/// `GET {api.url}{path}` with the bearer token. The body is read up to
/// `max_response_bytes` while streaming; a larger one is refused, never
/// buffered whole.
pub fn get(api: &Api, path: &str) -> Result<Reply, Failure> {
    STATS.request();
    agent(api).and_then(|agent| {
        let mut response = agent
            .get(format!("{}{path}", api.url))
            .header("Authorization", format!("Bearer {}", api.token))
            .header("Accept", "application/json")
            .call()
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(api.max_response_bytes)
            .read_to_vec()
            .map_err(|e| describe(&e))?;
        Ok(Reply { status, body })
    })
}

/// An operator-readable cause. ureq's messages name the host and the kind
/// of failure, never request headers, so the token cannot leak through here.
fn describe(e: &ureq::Error) -> Failure {
    match e {
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
