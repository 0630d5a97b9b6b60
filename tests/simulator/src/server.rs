//! The server: accept loop, one thread per connection, the API routes and the
//! execution of faults.

use crate::faults::{self, Action, Fault, Route};
use crate::http::{self, Conn, ReadOutcome, Request};
use crate::scenario::{parse_id, Group, Scenario};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Read timeout on every socket: how quickly a blocked reader notices a stop.
const POLL: Duration = Duration::from_millis(100);
/// A client that stops reading a response for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Laravel's default page size, which VirtFusion inherits.
const DEFAULT_RESULTS: u64 = 15;
/// The request log keeps the newest entries only, so a long benchmark or
/// soak cannot grow it without bound; tests stay far below this.
const LOG_CAP: usize = 100_000;

pub(crate) struct State {
    pub scenario: Scenario,
    pub faults: Vec<Fault>,
    pub latency_ms: u64,
}

/// Everything the connection threads share.
pub(crate) struct Shared {
    state: Mutex<State>,
    log: Mutex<VecDeque<Value>>,
    stopping: AtomicBool,
    stop_mx: Mutex<()>,
    stop_cv: Condvar,
    /// Clones of live sockets, so a stop can shut them down under their
    /// blocked threads.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    base_url: String,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// A poisoned lock only means a connection thread panicked; the data is
/// still consistent enough for a test double.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(
        scenario: Scenario,
        latency_ms: u64,
        base_url: String,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Shared {
        Shared {
            state: Mutex::new(State {
                scenario,
                faults: Vec::new(),
                latency_ms,
            }),
            log: Mutex::new(VecDeque::new()),
            stopping: AtomicBool::new(false),
            stop_mx: Mutex::new(()),
            stop_cv: Condvar::new(),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            base_url,
            tls,
        }
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub fn begin_stop(&self) {
        {
            let _g = lock(&self.stop_mx);
            self.stopping.store(true, Ordering::SeqCst);
        }
        self.stop_cv.notify_all();
    }

    /// Sleeps unless the server stops first; false when it did.
    fn sleep(&self, d: Duration) -> bool {
        if d.is_zero() {
            return !self.is_stopping();
        }
        let g = lock(&self.stop_mx);
        let _ = self
            .stop_cv
            .wait_timeout_while(g, d, |_| !self.is_stopping())
            .unwrap_or_else(|e| e.into_inner());
        !self.is_stopping()
    }

    pub fn close_all_connections(&self) {
        for s in lock(&self.conns).values() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub fn live_connections(&self) -> usize {
        lock(&self.conns).len()
    }

    pub fn requests(&self) -> Vec<Value> {
        lock(&self.log).iter().cloned().collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub fn set_faults(&self, v: &Value) -> Result<(), String> {
        let list = faults::parse_list(v)?;
        lock(&self.state).faults = list;
        Ok(())
    }

    pub fn faults_json(&self) -> Value {
        let st = lock(&self.state);
        Value::Array(st.faults.iter().map(Fault::to_json).collect())
    }

    pub fn set_latency_ms(&self, ms: u64) {
        lock(&self.state).latency_ms = ms;
    }

    pub fn latency_ms(&self) -> u64 {
        lock(&self.state).latency_ms
    }

    pub fn set_scenario(&self, v: &Value) -> Result<(), String> {
        let s = Scenario::parse(v)?;
        lock(&self.state).scenario = s;
        Ok(())
    }

    pub fn scenario_json(&self) -> Value {
        lock(&self.state).scenario.to_json()
    }

    pub fn patch_group(&self, id: u64, name: Option<Value>, hypervisors: Vec<Value>) {
        let mut st = lock(&self.state);
        match st.scenario.groups.get_mut(&id) {
            Some(g) => {
                g.hypervisors = hypervisors;
                if let Some(n) = name {
                    g.name = n;
                }
            }
            None => {
                st.scenario
                    .groups
                    .insert(id, Group::new(id, name, hypervisors));
            }
        }
    }

    pub fn delete_group(&self, id: u64) -> bool {
        lock(&self.state).scenario.groups.remove(&id).is_some()
    }

    pub fn delete_package(&self, id: u64) -> bool {
        lock(&self.state).scenario.packages.remove(&id).is_some()
    }

    pub fn put_package(&self, id: u64, package: Value) {
        lock(&self.state).scenario.packages.insert(id, package);
    }
}

/// Removes a connection from the registry when its thread ends, even by panic.
struct Registered<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        lock(&self.shared.conns).remove(&self.id);
    }
}

pub(crate) fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.is_stopping() {
            break;
        }
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                // e.g. out of file descriptors: back off instead of spinning.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        lock(&shared.conns).insert(id, clone);
        let s = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("vfsim-conn".into())
            .spawn(move || {
                let _reg = Registered { shared: &s, id };
                serve(&s, id, stream);
            });
        if spawned.is_err() {
            lock(&shared.conns).remove(&id);
        }
    }
}

/// What to do with the connection after a request.
enum Next {
    KeepAlive,
    /// Close politely (TLS close_notify, FIN).
    Close,
    /// Drop the socket without ceremony (truncated body, hang).
    Abort,
    /// Close with an RST.
    Reset,
}

fn serve(shared: &Shared, id: u64, tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(POLL));
    let _ = tcp.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut conn = match &shared.tls {
        None => Conn::Plain(tcp),
        Some(cfg) => match rustls::ServerConnection::new(Arc::clone(cfg)) {
            Ok(c) => Conn::Tls(Box::new(rustls::StreamOwned::new(c, tcp))),
            Err(_) => return,
        },
    };
    let mut buf = Vec::new();
    let stopping = || shared.is_stopping();
    let mut served = 0u64;
    let next = loop {
        let next = match http::read_request(&mut conn, &mut buf, &stopping) {
            ReadOutcome::Closed => Next::Close,
            ReadOutcome::Bad(status) => {
                let resp = Response::json(status, &json!({"msg": http::reason(status)}));
                let _ = send(&mut conn, &resp, false);
                Next::Close
            }
            ReadOutcome::Request(req) if is_control(&req.path) => {
                let resp = crate::control::handle(shared, &req);
                match send(&mut conn, &resp, req.keep_alive) {
                    Ok(()) if req.keep_alive => Next::KeepAlive,
                    _ => Next::Close,
                }
            }
            ReadOutcome::Request(req) => api(shared, &mut conn, &req, served > 0),
        };
        served += 1;
        if !matches!(next, Next::KeepAlive) {
            break next;
        }
    };
    match next {
        Next::Reset => {
            // The registry holds a dup of the fd; it must go first or the
            // close below would not be the last one and no RST would be sent.
            lock(&shared.conns).remove(&id);
            let tcp = match conn {
                Conn::Plain(s) => s,
                Conn::Tls(s) => s.sock,
            };
            crate::sys::reset(tcp);
        }
        Next::Close => {
            if let Conn::Tls(s) = &mut conn {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            let _ = conn.tcp().shutdown(Shutdown::Write);
        }
        Next::Abort | Next::KeepAlive => {
            let _ = conn.tcp().shutdown(Shutdown::Both);
        }
    }
}

fn is_control(path: &str) -> bool {
    path == "/_sim" || path.starts_with("/_sim/")
}

pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, v: &Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }
}

fn send(conn: &mut Conn, resp: &Response, keep_alive: bool) -> io::Result<()> {
    let mut out = http::head(
        resp.status,
        resp.content_type,
        Some(resp.body.len() as u64),
        keep_alive,
    )
    .into_bytes();
    out.extend_from_slice(&resp.body);
    conn.write_all(&out)?;
    conn.flush()
}

/// The API route and its id for a request; anything unknown is `Other`.
fn classify(req: &Request) -> (Route, Option<u64>) {
    if req.method != "GET" {
        return (Route::Other, None);
    }
    // The API may be mounted under a path prefix (a panel behind a reverse
    // proxy): `/anything/api/v1/…` routes like `/api/v1/…`.
    let Some(rest) = req
        .path
        .find("/api/v1/")
        .map(|at| &req.path[at + "/api/v1/".len()..])
    else {
        return (Route::Other, None);
    };
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["connect"] => (Route::Connect, None),
        ["packages", id] => match parse_id(id) {
            Some(id) => (Route::Package, Some(id)),
            None => (Route::Other, None),
        },
        ["compute", "hypervisors", "groups"] => (Route::Groups, None),
        ["compute", "hypervisors", "groups", id, "resources"] => match parse_id(id) {
            Some(id) => (Route::Resources, Some(id)),
            None => (Route::Other, None),
        },
        _ => (Route::Other, None),
    }
}

/// `ok`, `missing`, `unknown` or `noscope`, as recorded in the log.
fn auth_of(scenario: &Scenario, header: Option<&str>, compute: bool) -> &'static str {
    let Some(h) = header.map(str::trim) else {
        return "missing";
    };
    let token = match h.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => h[7..].trim(),
        _ if h.eq_ignore_ascii_case("bearer") || h.is_empty() => "",
        _ => return "unknown",
    };
    if token.is_empty() {
        return "missing";
    }
    match scenario.tokens.get(token) {
        None => "unknown",
        Some(scopes) if compute && !scopes.iter().any(|s| s == "compute") => "noscope",
        Some(_) => "ok",
    }
}

fn positive_param(req: &Request, name: &str) -> Option<u64> {
    req.param(name)?.trim().parse().ok().filter(|&n| n > 0)
}

/// Laravel's LengthAwarePaginator, honestly: totals and last_page always
/// describe the whole list, whatever page is asked for.
fn paginate(path_url: &str, items: &[Value], per_page: u64, page: u64) -> Value {
    let total = items.len() as u64;
    let last_page = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page);
    let data: Vec<Value> = usize::try_from(start)
        .ok()
        .map(|s| {
            items
                .iter()
                .skip(s)
                .take(usize::try_from(per_page).unwrap_or(usize::MAX))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let url = |p: u64| format!("{path_url}?results={per_page}&page={p}");
    let (from, to) = if data.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (json!(start + 1), json!(start + data.len() as u64))
    };
    // Laravel's page links, as the documented responses carry them (a few
    // around the current page, like Laravel's window).
    let mut links = vec![
        json!({"url": (page > 1).then(|| url(page - 1)), "label": "&laquo; Previous", "active": false}),
    ];
    for p in page.saturating_sub(3).max(1)..=page.saturating_add(3).min(last_page) {
        links.push(json!({"url": url(p), "label": p.to_string(), "active": p == page}));
    }
    links.push(json!({"url": (page < last_page).then(|| url(page + 1)), "label": "Next &raquo;", "active": false}));
    json!({
        "current_page": page,
        "data": data,
        "first_page_url": url(1),
        "from": from,
        "last_page": last_page,
        "last_page_url": url(last_page),
        "links": links,
        "next_page_url": if page < last_page { json!(url(page + 1)) } else { Value::Null },
        "path": path_url,
        "per_page": per_page,
        "prev_page_url": if page > 1 { json!(url(page - 1)) } else { Value::Null },
        "to": to,
        "total": total,
    })
}

/// The API's own 404 for a package or group that does not exist: JSON, in
/// the `errors` list shape VirtFusion's error responses use.
fn not_found(what: &str) -> Response {
    Response::json(404, &json!({"errors": [format!("{what} not found")]}))
}

/// What the web server answers for a path that is not an API route: an
/// HTML page, as a panel does for a base URL without `/api/v1`.
fn no_route() -> Response {
    Response {
        status: 404,
        content_type: "text/html; charset=UTF-8",
        body: NOT_FOUND_PAGE.as_bytes().to_vec(),
    }
}

const NOT_FOUND_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not Found</title></head>\
<body><div class=\"code\">404</div><div class=\"message\">Not Found</div></body></html>\n";

/// The answer when no fault interferes.
fn normal_response(
    base_url: &str,
    scenario: &Scenario,
    route: Route,
    id: Option<u64>,
    auth: &str,
    req: &Request,
) -> Response {
    if route == Route::Other {
        return no_route();
    }
    match auth {
        "missing" | "unknown" => {
            return Response::json(401, &json!({"message": "Unauthenticated."}))
        }
        "noscope" => {
            return Response::json(403, &json!({"message": "This action is unauthorized."}));
        }
        _ => {}
    }
    let per_page = positive_param(req, "results").unwrap_or(DEFAULT_RESULTS);
    let page = positive_param(req, "page").unwrap_or(1);
    match (route, id) {
        // The documented answer of GET /connect is an empty JSON list.
        (Route::Connect, _) => Response::json(200, &json!([])),
        (Route::Package, Some(id)) => match scenario.packages.get(&id) {
            Some(p) => Response::json(200, &json!({"data": p})),
            None => not_found("package"),
        },
        (Route::Resources, Some(id)) => match scenario.groups.get(&id) {
            Some(g) => {
                let path = format!("{base_url}/compute/hypervisors/groups/{id}/resources");
                Response::json(200, &paginate(&path, &g.hypervisors, per_page, page))
            }
            None => not_found("hypervisor group"),
        },
        (Route::Groups, _) => {
            let list: Vec<Value> = scenario
                .groups
                .iter()
                .map(|(id, g)| json!({"id": id, "name": g.name}))
                .collect();
            let path = format!("{base_url}/compute/hypervisors/groups");
            Response::json(200, &paginate(&path, &list, per_page, page))
        }
        _ => no_route(),
    }
}

/// What will be done on the wire for one API request.
enum Outcome {
    Respond(Response),
    Hang,
    Reset,
    Truncated(Response),
    Oversized { bytes: u64, chunked: bool },
}

fn api(shared: &Shared, conn: &mut Conn, req: &Request, reused: bool) -> Next {
    // Latency counts from the request's arrival, as a panel's does: the
    // time spent building the answer is part of it, not added to it.
    let arrived = Instant::now();
    let (route, id) = classify(req);
    let page = matches!(route, Route::Resources | Route::Groups)
        .then(|| positive_param(req, "page").unwrap_or(1));
    let (auth, action, outcome, wait) = {
        let mut st = lock(&shared.state);
        let compute = matches!(route, Route::Resources | Route::Groups);
        let auth = auth_of(&st.scenario, req.header("authorization"), compute);
        let action = faults::take(&mut st.faults, route, id, page, reused);
        let normal = || normal_response(&shared.base_url, &st.scenario, route, id, auth, req);
        let mut wait = st.latency_ms;
        let outcome = match &action {
            None => Outcome::Respond(normal()),
            Some(Action::Delay(ms)) => {
                wait = wait.saturating_add(*ms);
                Outcome::Respond(normal())
            }
            Some(Action::Status { status, body }) => Outcome::Respond(match body {
                None => Response::json(*status, &json!({"msg": "simulated fault"})),
                Some(b) => Response {
                    status: *status,
                    content_type: if serde_json::from_str::<Value>(b).is_ok() {
                        "application/json"
                    } else {
                        "text/plain; charset=utf-8"
                    },
                    body: b.clone().into_bytes(),
                },
            }),
            Some(Action::MalformedJson) => Outcome::Respond(Response {
                status: 200,
                content_type: "application/json",
                body: b"{\"data\": [".to_vec(),
            }),
            Some(Action::Html200) => Outcome::Respond(Response {
                status: 200,
                content_type: "text/html; charset=UTF-8",
                body: HTML_PAGE.as_bytes().to_vec(),
            }),
            Some(Action::Truncated) => {
                let mut r = normal();
                r.status = 200;
                Outcome::Truncated(r)
            }
            Some(Action::Oversized { bytes, chunked }) => Outcome::Oversized {
                bytes: *bytes,
                chunked: *chunked,
            },
            Some(Action::Hang) => {
                wait = 0;
                Outcome::Hang
            }
            Some(Action::Reset | Action::ResetReused) => Outcome::Reset,
        };
        (auth, action, outcome, wait)
    };
    let status = match &outcome {
        Outcome::Respond(r) => r.status,
        Outcome::Truncated(_) | Outcome::Oversized { .. } => 200,
        Outcome::Hang | Outcome::Reset => 0,
    };
    let mut entry = json!({
        "method": req.method,
        "path": req.path,
        "query": req.query,
        "auth": auth,
        "status": status,
    });
    if let Some(a) = &action {
        entry["fault"] = json!(a.name());
    }
    {
        let mut log = lock(&shared.log);
        if log.len() >= LOG_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }

    let wait = Duration::from_millis(wait).saturating_sub(arrived.elapsed());
    if !shared.sleep(wait) {
        return Next::Abort;
    }
    let keep = |r: io::Result<()>| match r {
        Ok(()) if req.keep_alive => Next::KeepAlive,
        Ok(()) => Next::Close,
        Err(_) => Next::Abort,
    };
    match outcome {
        Outcome::Respond(resp) => keep(send(conn, &resp, req.keep_alive)),
        Outcome::Hang => {
            hang(shared, conn);
            Next::Abort
        }
        Outcome::Reset => Next::Reset,
        Outcome::Truncated(resp) => {
            let head = http::head(200, resp.content_type, Some(resp.body.len() as u64), true);
            let half = &resp.body[..resp.body.len() / 2];
            let _ = conn
                .write_all(head.as_bytes())
                .and_then(|_| conn.write_all(half))
                .and_then(|_| conn.flush());
            Next::Abort
        }
        Outcome::Oversized { bytes, chunked } => keep(stream_oversized(
            shared,
            conn,
            bytes,
            chunked,
            req.keep_alive,
        )),
    }
}

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>\
<body><h1>We'll be right back</h1><p>The control panel is under maintenance.</p></body></html>\n";

/// Holds the request unanswered until the client gives up or we stop.
fn hang(shared: &Shared, conn: &mut Conn) {
    let mut tmp = [0u8; 4096];
    while !shared.is_stopping() {
        match conn.read(&mut tmp) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if http::is_poll_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

/// `{"data":"xxx…"}` of exactly `bytes` bytes, written from a fixed buffer
/// so a huge size never has to fit in memory.
fn stream_oversized(
    shared: &Shared,
    conn: &mut Conn,
    bytes: u64,
    chunked: bool,
    keep_alive: bool,
) -> io::Result<()> {
    const PREFIX: &[u8] = b"{\"data\":\"";
    const SUFFIX: &[u8] = b"\"}";
    const CHUNK: usize = 64 * 1024;
    let filler = [b'x'; CHUNK];
    conn.write_all(
        http::head(
            200,
            "application/json",
            (!chunked).then_some(bytes),
            keep_alive,
        )
        .as_bytes(),
    )?;
    let frame = |conn: &mut Conn, part: &[u8]| -> io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        if chunked {
            conn.write_all(format!("{:x}\r\n", part.len()).as_bytes())?;
            conn.write_all(part)?;
            conn.write_all(b"\r\n")
        } else {
            conn.write_all(part)
        }
    };
    let framing = (PREFIX.len() + SUFFIX.len()) as u64;
    if bytes < framing {
        // Too small for the JSON frame: still exactly `bytes` bytes.
        frame(conn, &filler[..bytes as usize])?;
    } else {
        frame(conn, PREFIX)?;
        let mut left = bytes - framing;
        while left > 0 {
            if shared.is_stopping() {
                return Err(io::Error::other("stopping"));
            }
            let n = left.min(CHUNK as u64) as usize;
            frame(conn, &filler[..n])?;
            left -= n as u64;
        }
        frame(conn, SUFFIX)?;
    }
    if chunked {
        conn.write_all(b"0\r\n\r\n")?;
    }
    conn.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_is_honest() {
        let items: Vec<Value> = (0..45).map(|i| json!(i)).collect();
        let p = paginate("u", &items, 10, 5);
        assert_eq!(p["data"], json!([40, 41, 42, 43, 44]));
        assert_eq!((p["from"].clone(), p["to"].clone()), (json!(41), json!(45)));
        assert_eq!(p["last_page"], 5);
        assert_eq!(p["next_page_url"], Value::Null);
        let past = paginate("u", &items, 10, 9);
        assert_eq!(past["data"], json!([]));
        assert_eq!(past["from"], Value::Null);
        assert_eq!(past["last_page"], 5);
        assert_eq!(paginate("u", &[], 10, 1)["last_page"], 1);
        assert_eq!(paginate("u", &items, u64::MAX, u64::MAX)["data"], json!([]));
    }

    #[test]
    fn auth_classes() {
        let s = Scenario::parse(&json!({"tokens": {"a": ["compute"], "b": []}})).unwrap();
        assert_eq!(auth_of(&s, None, true), "missing");
        assert_eq!(auth_of(&s, Some("Bearer "), true), "missing");
        assert_eq!(auth_of(&s, Some("Basic a"), true), "unknown");
        assert_eq!(auth_of(&s, Some("Bearer zz"), false), "unknown");
        assert_eq!(auth_of(&s, Some("bearer a"), true), "ok");
        assert_eq!(auth_of(&s, Some("Bearer b"), true), "noscope");
        assert_eq!(auth_of(&s, Some("Bearer b"), false), "ok");
        assert_eq!(auth_of(&s, Some("Bearer é"), false), "unknown");
    }
}
