//! A raw HTTP/1.1 client for the tests: it must see exactly what went over the
//! wire (short bodies, resets, Content-Length lies), which a real client hides.
#![allow(dead_code)]

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const TOKEN: &str = "good-token";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }
}

/// `host:port` of a base URL such as `http://127.0.0.1:1234/api/v1`.
pub fn host_port(base: &str) -> String {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap().to_string()
}

pub fn connect(base: &str, timeout: Duration) -> TcpStream {
    let s = TcpStream::connect(host_port(base)).expect("connect");
    s.set_read_timeout(Some(timeout)).unwrap();
    s.set_write_timeout(Some(timeout)).unwrap();
    s
}

pub fn request_text(
    base: &str,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&str>,
    keep_alive: bool,
) -> String {
    let mut r = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\n",
        host_port(base)
    );
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        r.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    r.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    if let Some(b) = body {
        r.push_str(b);
    }
    r
}

/// Reads one response. Errors on a body shorter than announced.
pub fn read_response<S: Read>(s: &mut S, buf: &mut Vec<u8>) -> io::Result<Resp> {
    let mut tmp = [0u8; 65536];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut tmp)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no response head",
            ));
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_string(), v.trim().to_string())
        })
        .collect();
    buf.drain(..head_end + 4);
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    if let Some(len) = resp.header("content-length") {
        let len: usize = len.parse().unwrap();
        while buf.len() < len {
            let n = s.read(&mut tmp)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("truncated: {} of {len} bytes", buf.len()),
                ));
            }
            buf.extend_from_slice(&tmp[..n]);
        }
        resp.body = buf.drain(..len).collect();
    } else if resp.header("transfer-encoding") == Some("chunked") {
        loop {
            let line_end = loop {
                if let Some(p) = buf.windows(2).position(|w| w == b"\r\n") {
                    break p;
                }
                let n = s.read(&mut tmp)?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            };
            let size =
                usize::from_str_radix(std::str::from_utf8(&buf[..line_end]).unwrap(), 16).unwrap();
            buf.drain(..line_end + 2);
            while buf.len() < size + 2 {
                let n = s.read(&mut tmp)?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            resp.body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
        }
    } else {
        s.read_to_end(buf)?;
        resp.body = std::mem::take(buf);
    }
    Ok(resp)
}

/// One request on a fresh connection (`Connection: close`).
pub fn call(
    base: &str,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> io::Result<Resp> {
    let mut s = connect(base, Duration::from_secs(10));
    s.write_all(request_text(base, method, target, token, body, false).as_bytes())?;
    read_response(&mut s, &mut Vec::new())
}

/// GET an API path (relative to `/api/v1`) with a token.
pub fn api(base: &str, path: &str, token: Option<&str>) -> io::Result<Resp> {
    call(base, "GET", &format!("/api/v1{path}"), token, None)
}

/// A control call; panics unless it answers 200.
pub fn control(base: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string());
    let r = call(base, method, &format!("/_sim{path}"), None, body.as_deref()).unwrap();
    assert_eq!(
        r.status,
        200,
        "{method} {path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// `n` hypervisor entries shaped like VirtFusion's.
pub fn hypervisors(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            json!({
                "hypervisor": {"id": i, "name": format!("hv{i}"), "enabled": true,
                               "commissioned": 3, "prohibit": false},
                "resources": {"memory": {"free": 65536}, "cpuCores": {"free": 32}}
            })
        })
        .collect()
}

pub fn scenario() -> Value {
    json!({
        "tokens": {"good-token": ["compute"], "nocompute-token": []},
        "packages": {"7": {"id": 7, "name": "VPS-1", "enabled": true, "memory": 1024,
                           "cpuCores": 1, "primaryStorage": 25, "primaryStorageProfile": 4}},
        "groups": {
            "3": {"name": "Paris", "hypervisors": hypervisors(45)},
            "4": {"name": "Odd", "hypervisors": [null, "text", 12, {"hypervisor": []},
                                                 {"resources": {"memory": "12.5"}}]}
        }
    })
}

/// A TLS stream to the simulator that trusts only `ca` (if given).
pub fn tls_connect(
    base: &str,
    ca: Option<&Path>,
    server_name: &str,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for cert in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(server_name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    rustls::StreamOwned::new(conn, connect(base, Duration::from_secs(10)))
}

/// One request over TLS.
pub fn tls_call(base: &str, ca: Option<&Path>, target: &str, token: &str) -> io::Result<Resp> {
    let mut s = tls_connect(base, ca, "127.0.0.1");
    s.write_all(request_text(base, "GET", target, Some(token), None, false).as_bytes())?;
    read_response(&mut s, &mut Vec::new())
}
