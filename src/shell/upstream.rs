//! Reads from the panel, each ending in the tri-state of SPEC §4.
//!
//! Only a 404 is "missing"; every other failure is "transient" and leaves
//! stock untouched. Treating a 401 or a 503 as "gone" once zeroed a live
//! catalogue; treating a partial fleet as whole would oversell.

use std::sync::Arc;

use crate::core::input::{self, Entry, Obj, Package, ResourcesPage};
pub use crate::core::read::Read;

use super::http::{self, Reply};
use super::settings::Api;
use super::stats::STATS;

/// A group's hypervisors, merged from every page read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub entries: Vec<Obj<Entry>>,
    /// Pages read.
    pub pages: u32,
    /// `last_page` said more pages than `vfstock.page_limit` allows.
    pub capped: Option<String>,
}

/// `GET /packages/{id}`.
///
/// `requests` counts the HTTP requests made.
pub fn package(api: &Api, id: i64, requests: &mut u32) -> Read<Package> {
    let read = get(
        api,
        &format!("/packages/{id}"),
        input::package_from_json,
        requests,
    );
    count(&read);
    in_context(read, |why| format!("package {id}: {why}"))
}

/// Every page of `GET /compute/hypervisors/groups/{id}/resources`, one
/// after another. [`super::fetch`] reads pages 2… in parallel instead, with
/// the same [`page`] and [`assemble`].
pub fn group(
    api: &Api,
    id: i64,
    page_size: u32,
    page_limit: u32,
    requests: &mut u32,
) -> Read<Arc<Group>> {
    let first = page(api, id, 1, page_size, requests);
    let rest: Vec<Read<ResourcesPage>> = match &first {
        Read::Found(p) => (2..=pages_to_read(p, page_limit))
            .map(|n| page(api, id, n, page_size, requests))
            .collect(),
        _ => Vec::new(),
    };
    assemble(id, first, rest, page_limit)
}

/// Page `n` of a group's resources, on its own.
pub fn page(api: &Api, id: i64, n: u32, page_size: u32, requests: &mut u32) -> Read<ResourcesPage> {
    let path = format!(
        "/compute/hypervisors/groups/{id}/resources?results={}&page={n}",
        page_size.max(1)
    );
    get(api, &path, input::resources_from_json, requests)
}

/// How many pages a group's first page says to read: `last_page` (absent:
/// 1), at most `page_limit`.
pub fn pages_to_read(first: &ResourcesPage, page_limit: u32) -> u32 {
    let last = u32::try_from(first.last_page.0.max(1)).unwrap_or(u32::MAX);
    last.min(page_limit.max(1))
}

/// A group from its first page and the pages after it, in order.
///
/// Page 1 decides found / missing / transient. Any failure on a later page,
/// a 404 included, makes the whole group transient: a partial fleet would
/// undercount.
pub fn assemble(
    id: i64,
    first: Read<ResourcesPage>,
    rest: Vec<Read<ResourcesPage>>,
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

fn merge(
    first: ResourcesPage,
    rest: Vec<Read<ResourcesPage>>,
    page_limit: u32,
) -> Read<Arc<Group>> {
    let last_page = first.last_page.0.max(1);
    let mut entries = first.data.0.unwrap_or_default();
    for (n, read) in (2..).zip(rest) {
        match read {
            Read::Found(p) => entries.extend(p.data.0.unwrap_or_default()),
            Read::Missing => return Read::Transient(format!("page {n} is missing (HTTP 404)")),
            Read::Transient(why) => return Read::Transient(format!("page {n}: {why}")),
        }
    }
    let capped = (last_page > i64::from(page_limit)).then(|| {
        format!(
            "read {page_limit} of {last_page} pages (vfstock.page_limit); \
             the rest of the group is not counted"
        )
    });
    let pages = u32::try_from(last_page).unwrap_or(u32::MAX).min(page_limit);
    Read::Found(Arc::new(Group {
        entries,
        pages,
        capped,
    }))
}

/// One GET read into the tri-state: a 200 whose body `parse` accepts is
/// found, a 404 missing, anything else transient.
fn get<T>(
    api: &Api,
    path: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, input::DocError>,
    requests: &mut u32,
) -> Read<T> {
    *requests += 1;
    match http::get(api, path) {
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
        404 => Read::Missing,
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
