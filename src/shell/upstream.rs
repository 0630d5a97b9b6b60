//! Reads from the panel, each ending in the fail-safe tri-state.
//!
//! Only the API's own 404 can mean "missing": a web server's HTML error
//! page or an empty body is transient, and [`super::fetch`] confirms that
//! the API answers at this URL before a 404 may zero anything (a base URL
//! without `/api/v1` answers 404 everywhere). Every other failure is
//! transient and leaves stock untouched; treating a 401 or a 503 as "gone"
//! once zeroed a live catalogue, and counting part of a fleet would oversell.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::core::group::{group_capacity, GroupCapacity, Ipv4Pool};
use crate::core::hypervisor::{Hypervisor, Needs};
use crate::core::input::{self, Package};
pub use crate::core::read::Read;

use super::deadline::Deadline;
use super::http::{self, Reply};
use super::settings::{Api, MAX_PAGE_SIZE};
use super::stats::STATS;

/// A group's hypervisors, merged from every page read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub hypervisors: Vec<Hypervisor>,
    /// Pages read.
    pub pages: u32,
    /// Its capacities already computed, kept with the cached group so that
    /// a warm refresh (a cart page) does not evaluate every hypervisor again.
    pub memo: Memo,
}

/// How many kinds of VPS a cached group remembers its capacity for.
pub const MEMO_ENTRIES: usize = 4;

/// A group's capacity per (needs, IPv4 pool) before any reservation: a
/// pure function of the group, so any copy may be dropped or recomputed.
/// At most [`MEMO_ENTRIES`], the oldest replaced; counted in the group's
/// weight.
#[derive(Default)]
pub struct Memo(Mutex<Vec<(Needs, Ipv4Pool, Arc<GroupCapacity>)>>);

impl Memo {
    /// The capacity for `needs`, computed at most once per kind.
    pub fn capacity(
        &self,
        hvs: &[Hypervisor],
        needs: &Needs,
        pool: Ipv4Pool,
    ) -> Arc<GroupCapacity> {
        if let Some((_, _, g)) = self
            .0
            .lock()
            .iter()
            .find(|(n, p, _)| n == needs && *p == pool)
        {
            return Arc::clone(g);
        }
        let g = Arc::new(group_capacity(hvs, needs, pool, None));
        let mut memo = self.0.lock();
        if memo.len() >= MEMO_ENTRIES {
            memo.remove(0);
        }
        memo.push((*needs, pool, Arc::clone(&g)));
        g
    }
}

/// A copy starts empty (it is only a cache).
impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

/// Two groups are equal by their hypervisors; what they remember is not part of it.
impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl Eq for Memo {}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Memo({} kinds)", self.0.lock().len())
    }
}

impl Group {
    /// Roughly the bytes it holds, for the byte-bounded cache: its
    /// hypervisors, and room for the capacities it may remember (a row
    /// per hypervisor per kind).
    pub fn weight(&self) -> usize {
        let rows = self.hypervisors.len() * std::mem::size_of::<crate::core::hypervisor::Row>();
        std::mem::size_of::<Group>()
            + self
                .hypervisors
                .iter()
                .map(Hypervisor::weight)
                .sum::<usize>()
            + MEMO_ENTRIES * (rows + std::mem::size_of::<GroupCapacity>())
    }
}

/// One page of a group's resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub hypervisors: Vec<Hypervisor>,
    /// `last_page` (absent: 1).
    pub last_page: i64,
}

/// `GET /packages/{id}`. `Missing` is the API's 404, not yet confirmed.
pub fn package(api: &Api, id: i64, deadline: &Deadline, requests: &mut u32) -> Read<Package> {
    let read = get(
        api,
        &format!("/packages/{id}"),
        deadline,
        requests,
        input::package_from_json,
    );
    count(&read);
    in_context(read, |why| format!("package {id}: {why}"))
}

/// Page `n` of `GET /compute/hypervisors/groups/{id}/resources`.
pub fn page(
    api: &Api,
    id: i64,
    n: u32,
    page_size: u32,
    deadline: &Deadline,
    requests: &mut u32,
) -> Read<Page> {
    let path = format!(
        "/compute/hypervisors/groups/{id}/resources?results={}&page={n}",
        page_size.clamp(1, MAX_PAGE_SIZE)
    );
    get(api, &path, deadline, requests, |body| {
        input::resources_from_json(body).map(|p| Page {
            last_page: p.last_page.0.max(1),
            hypervisors: p.data.into_items(),
        })
    })
}

/// What `GET {url}/connect` says about the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connect {
    /// 200 with JSON: the API is at this URL.
    Api,
    /// An answer, but not the API's (a web server's page, a 404, …).
    NotApi(String),
    /// No answer to judge by (timeout, refused, reset, the deadline).
    Unknown(String),
}

/// Asks `GET {url}/connect` whether the API answers at this URL.
pub fn connect(api: &Api, deadline: &Deadline, requests: &mut u32) -> Connect {
    match http::get(api, "/connect", deadline, requests) {
        Ok(r) if r.status == 200 && input::is_json(&r.body) => Connect::Api,
        Ok(r) if r.status == 200 => Connect::NotApi("it answers 200 but not with JSON".into()),
        Ok(r) => Connect::NotApi(format!("it answers HTTP {}", r.status)),
        Err(why) => Connect::Unknown(why),
    }
}

/// How many pages a group's first page says there are.
pub fn pages_of(first: &Page) -> u32 {
    u32::try_from(first.last_page.max(1)).unwrap_or(u32::MAX)
}

/// Why a group with more pages than `vfstock.page_limit` is not counted.
pub fn too_many_pages(pages: u32, page_limit: u32) -> String {
    format!(
        "it has {pages} pages of hypervisors, more than vfstock.page_limit ({page_limit}) allows: \
         raise vfstock.page_limit (or vfstock.page_size up to {MAX_PAGE_SIZE}); \
         the group is not counted rather than counted in part"
    )
}

/// A group from its first page and the pages after it, in order.
///
/// Page 1 decides found / missing / transient. Any failure on a later page,
/// a 404 included, makes the whole group transient: a partial fleet would
/// undercount. A hypervisor listed twice means the list changed while it
/// was read (offset pages shift): counting it twice once doubled a qty.
pub fn assemble(
    id: i64,
    first: Read<Page>,
    rest: Vec<Read<Page>>,
    page_limit: u32,
) -> Read<Arc<Group>> {
    let read = match first {
        Read::Found(first) => merge(first, rest, page_limit.max(1)),
        Read::Missing => Read::Missing,
        Read::Transient(why) => Read::Transient(why),
    };
    count(&read);
    in_context(read, |why| format!("group {id}: {why}"))
}

fn merge(first: Page, rest: Vec<Read<Page>>, page_limit: u32) -> Read<Arc<Group>> {
    let pages = pages_of(&first);
    if pages > page_limit {
        return Read::Transient(too_many_pages(pages, page_limit));
    }
    let mut hypervisors = first.hypervisors;
    for (n, read) in (2..).zip(rest) {
        match read {
            Read::Found(p) => hypervisors.extend(p.hypervisors),
            Read::Missing => return Read::Transient(format!("page {n} is missing (HTTP 404)")),
            Read::Transient(why) => return Read::Transient(format!("page {n}: {why}")),
        }
    }
    let mut ids = HashSet::new();
    if let Some(dup) = hypervisors
        .iter()
        .map(|h| h.id)
        .filter(|&id| id > 0)
        .find(|&id| !ids.insert(id))
    {
        return Read::Transient(format!(
            "hypervisor {dup} is listed twice: the group changed while its pages were read"
        ));
    }
    Read::Found(Arc::new(Group {
        hypervisors,
        pages,
        memo: Memo::default(),
    }))
}

/// One GET read into the tri-state: a 200 whose body `parse` accepts is
/// found, a 404 with a JSON body missing (to be confirmed), anything else
/// transient.
fn get<T>(
    api: &Api,
    path: &str,
    deadline: &Deadline,
    requests: &mut u32,
    parse: impl FnOnce(&[u8]) -> Result<T, input::DocError>,
) -> Read<T> {
    match http::get(api, path, deadline, requests) {
        Err(cause) => Read::Transient(cause),
        Ok(reply) => match classify(&reply) {
            Some(not_ok) => not_ok,
            None => match parse(&reply.body) {
                Ok(t) => Read::Found(t),
                Err(e) => Read::Transient(format!("the panel answered 200 but the body {e}")),
            },
        },
    }
}

/// `None` for a 200; else the outcome its status means.
fn classify<T>(reply: &Reply) -> Option<Read<T>> {
    Some(match reply.status {
        200 => return None,
        404 if input::is_json(&reply.body) => Read::Missing,
        404 => Read::Transient(
            "HTTP 404 without the API's JSON error body (a web server's page): \
             is the URL the panel's API (https://panel/api/v1)?"
                .into(),
        ),
        401 => Read::Transient("the panel rejected the API token (HTTP 401)".into()),
        403 => Read::Transient("the API token is not allowed to read this (HTTP 403)".into()),
        429 => Read::Transient("the panel is rate limiting us (HTTP 429)".into()),
        s @ 500..=599 => Read::Transient(format!("the panel failed (HTTP {s})")),
        s => Read::Transient(format!("unexpected answer (HTTP {s})")),
    })
}

fn count<T>(read: &Read<T>) {
    if matches!(read, Read::Transient(_)) {
        STATS.error();
    }
}

/// Prefixes a transient reason with what was being read.
fn in_context<T>(read: Read<T>, what: impl FnOnce(&str) -> String) -> Read<T> {
    match read {
        Read::Transient(why) => Read::Transient(what(&why)),
        other => other,
    }
}
