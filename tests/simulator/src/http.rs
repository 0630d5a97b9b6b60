//! Just enough HTTP/1.1, by hand: keep-alive, Content-Length bodies and
//! responses whose framing we can break on purpose (which a library would not
//! let us do).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Largest request head we accept; ours are tiny.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body (control calls carry whole scenarios).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE: Duration = Duration::from_secs(300);

/// A client connection, plain or TLS, with the TCP socket still reachable
/// for timeouts, shutdown and SO_LINGER.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k) == name).then(|| percent_decode(v))
            })
            .next()
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) enum ReadOutcome {
    Request(Request),
    /// The peer closed, went idle too long, or the server is stopping.
    Closed,
    /// Unparseable request: answer this status and close.
    Bad(u16),
}

/// Reads more bytes into `buf`. `Ok(false)` means EOF or stop. The socket has
/// a short read timeout so a stopping server is noticed promptly.
fn fill(conn: &mut Conn, buf: &mut Vec<u8>, stopping: &dyn Fn() -> bool) -> io::Result<bool> {
    let mut tmp = [0u8; 16 * 1024];
    let started = Instant::now();
    loop {
        if stopping() {
            return Ok(false);
        }
        match conn.read(&mut tmp) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                return Ok(true);
            }
            Err(e) if is_poll_timeout(&e) => {
                if started.elapsed() > IDLE {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

pub(crate) fn read_request(
    conn: &mut Conn,
    buf: &mut Vec<u8>,
    stopping: &dyn Fn() -> bool,
) -> ReadOutcome {
    let head_end = loop {
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD {
            return ReadOutcome::Bad(431);
        }
        match fill(conn, buf, stopping) {
            Ok(true) => {}
            _ => return ReadOutcome::Closed,
        }
    };
    let Ok(head) = std::str::from_utf8(&buf[..head_end]) else {
        return ReadOutcome::Bad(400);
    };
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return ReadOutcome::Bad(400);
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return ReadOutcome::Bad(400);
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return ReadOutcome::Bad(400);
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
        keep_alive: false,
    };
    let conn_hdr = req.header("connection").unwrap_or("").to_ascii_lowercase();
    req.keep_alive = if version == "HTTP/1.0" {
        conn_hdr.contains("keep-alive")
    } else {
        !conn_hdr.contains("close")
    };
    if req.header("transfer-encoding").is_some() {
        // No client of ours sends chunked bodies; refuse rather than misframe.
        return ReadOutcome::Bad(501);
    }
    let len = match req.header("content-length").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(Ok(_)) => return ReadOutcome::Bad(413),
        Some(Err(_)) => return ReadOutcome::Bad(400),
    };
    let body_start = head_end + 4;
    if buf.len() < body_start + len
        && req
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = conn
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|_| conn.flush());
    }
    while buf.len() < body_start + len {
        match fill(conn, buf, stopping) {
            Ok(true) => {}
            _ => return ReadOutcome::Closed,
        }
    }
    req.body = buf[body_start..body_start + len].to_vec();
    buf.drain(..body_start + len);
    ReadOutcome::Request(req)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// The status line and headers. `len: None` means chunked transfer encoding.
pub(crate) fn head(status: u16, content_type: &str, len: Option<u64>, keep_alive: bool) -> String {
    let framing = match len {
        Some(n) => format!("Content-Length: {n}"),
        None => "Transfer-Encoding: chunked".to_string(),
    };
    format!(
        "HTTP/1.1 {status} {}\r\nServer: vfsim\r\nContent-Type: {content_type}\r\n{framing}\r\nConnection: {}\r\n\r\n",
        reason(status),
        if keep_alive { "keep-alive" } else { "close" }
    )
}

/// A read that ended on the socket's poll timeout (or a signal), not on
/// the peer: the reader checks for a stop and reads again.
pub(crate) fn is_poll_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_params() {
        let r = Request {
            method: "GET".into(),
            path: "/".into(),
            query: "results=10&page=%32&x=a+b&bad=%zz&end=%4".into(),
            headers: vec![],
            body: vec![],
            keep_alive: true,
        };
        assert_eq!(r.param("results").as_deref(), Some("10"));
        assert_eq!(r.param("page").as_deref(), Some("2"));
        assert_eq!(r.param("x").as_deref(), Some("a b"));
        assert_eq!(r.param("bad").as_deref(), Some("%zz"));
        assert_eq!(r.param("end").as_deref(), Some("%4"));
        assert_eq!(r.param("none"), None);
    }
}
