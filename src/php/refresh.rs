//! `vf_stock_refresh`: recompute qty for stock-controlled products and
//! write it through the caller's callbacks (SPEC §5).
//!
//! The order is fixed by the fail-safe: read everything first (rows and
//! locations on PHP's thread, the panel concurrently on workers), decide
//! every product in the pure core, then write. A callback that throws stops
//! the run: what was written stays written, nothing more is.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::bailout;
use serde_json::Value;

use super::api::read_api;
use super::callbacks::{Callback, Stop};
use super::capacity::group_to_php;
use super::convert::{opt_int, opt_str, table, to_json, type_name};
use super::errors::{guard, invalid_argument};
use super::ini;
use super::panel::{int_list, int_of};
use crate::core::input::{Entry, Obj};
use crate::core::product::{decide, Decision, GroupOutcome, Product, Status};
use crate::core::read::Read;
use crate::shell::fetch::{self, Fetched};
use crate::shell::lease;
use crate::shell::settings::{Api, Settings};

const FUNCTION: &str = "vf_stock_refresh";

const KEYS: [&str; 8] = [
    "api",
    "db",
    "log",
    "products",
    "locationLabel",
    "lease",
    "forgetGroups",
    "dryRun",
];

/// Recompute qty for stock-controlled products and write it through the
/// given callbacks.
#[php_function]
pub fn vf_stock_refresh(request: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let outcome = guard(FUNCTION, || Ok(run(request)));
    match outcome {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(Stop::Throw(e))) => Err(e),
        // The exception stays pending and reaches the caller unchanged.
        Ok(Err(Stop::Pending)) => Err(invalid_argument("")),
        // Every Rust value of the run is dropped by now: resume the bailout.
        Ok(Err(Stop::Bailout)) => unsafe { bailout() },
        Err(e) => Err(e),
    }
}

/// The parsed request.
struct Request<'a> {
    api: Api,
    settings: Settings,
    products: Callback<'a>,
    locations: Option<Callback<'a>>,
    write: Callback<'a>,
    claim: Option<Callback<'a>>,
    log: Option<Callback<'a>>,
    ids: Option<Vec<i64>>,
    label: String,
    lease: Option<(String, i64)>,
    forget: Option<Vec<i64>>,
    dry_run: bool,
}

fn parse(req: &ZendHashTable) -> PhpResult<Request<'_>> {
    for (key, _) in req.iter() {
        let key = key.to_string();
        if !KEYS.contains(&key.as_str()) {
            return Err(invalid_argument(format!(
                "{FUNCTION}(): unknown request key `{key}`"
            )));
        }
    }
    let get = |key: &str| req.get(key).map(Zval::dereference).filter(|v| !v.is_null());
    let array = |key: &'static str| -> PhpResult<Option<&ZendHashTable>> {
        match get(key) {
            None => Ok(None),
            Some(v) => v.array().map(Some).ok_or_else(|| {
                invalid_argument(format!("{key} must be an array, {} given", type_name(v)))
            }),
        }
    };
    let api = array("api")?
        .ok_or_else(|| invalid_argument("api is required (['url' => …, 'token' => …])"))?;
    let settings = ini::settings();
    let api = read_api(api, "api", &settings)?;
    let db = array("db")?.ok_or_else(|| invalid_argument("db is required (products, write, …)"))?;
    let cb = |name: &'static str, key: &str| -> PhpResult<Option<Callback<'_>>> {
        match db.get(key).map(Zval::dereference).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => Callback::new(name, v).map(Some),
        }
    };
    let products = cb("db.products", "products")?
        .ok_or_else(|| invalid_argument("db.products is required"))?;
    let write = cb("db.write", "write")?.ok_or_else(|| invalid_argument("db.write is required"))?;
    let locations = cb("db.locations", "locations")?;
    let claim = cb("db.claim", "claim")?;
    let log = match get("log") {
        None => None,
        Some(v) => Some(Callback::new("log", v)?),
    };
    let ids = array("products")?
        .map(|t| int_list(t, "products"))
        .transpose()?;
    let label = match get("locationLabel") {
        None => "Location".to_owned(),
        Some(v) => v
            .str()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_argument("locationLabel must be a non-empty string"))?,
    };
    let lease = match array("lease")? {
        None => None,
        Some(t) => {
            let key = t
                .get("key")
                .and_then(|v| v.dereference().str())
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| invalid_argument("lease.key must be a non-empty string"))?;
            let ttl = t
                .get("ttl")
                .and_then(int_of)
                .filter(|&ttl| ttl > 0)
                .ok_or_else(|| {
                    invalid_argument("lease.ttl must be a whole number of seconds > 0")
                })?;
            Some((key.to_owned(), ttl))
        }
    };
    let forget = array("forgetGroups")?
        .map(|t| int_list(t, "forgetGroups"))
        .transpose()?;
    let dry_run = match get("dryRun") {
        None => false,
        Some(v) => v.bool().ok_or_else(|| {
            invalid_argument(format!("dryRun must be a bool, {} given", type_name(v)))
        })?,
    };
    Ok(Request {
        api,
        settings,
        products,
        locations,
        write,
        claim,
        log,
        ids,
        label,
        lease,
        forget,
        dry_run,
    })
}

/// One product's line in the result.
struct Line {
    id: i64,
    previous: Option<i64>,
    decision: Decision,
}

/// The products of the run: rows by id, in the order they are reported
/// (the requested ids, or the rows' order).
struct Catalogue {
    order: Vec<i64>,
    rows: HashMap<i64, Product>,
}

fn run(req: &ZendHashTable) -> Result<ZBox<ZendHashTable>, Stop> {
    let started = Instant::now();
    let r = parse(req)?;

    if let Some((key, ttl)) = &r.lease {
        let taken = match &r.claim {
            Some(claim) => claim.call(vec![key, ttl])?.dereference().coerce_to_bool(),
            None => lease::claim(key, Duration::from_secs(*ttl as u64)),
        };
        if !taken {
            return Ok(result(false, &[], Default::default(), started));
        }
    }
    if let Some(ids) = &r.forget {
        fetch::forget(Some(ids));
    }

    let catalogue = read_products(&r)?;
    let groups_of = read_groups(&r, &catalogue)?;
    let fetched = fetch_panel(&r, &catalogue, &groups_of);
    log_page_caps(&r, &fetched)?;

    let mut lines = Vec::with_capacity(catalogue.order.len());
    for &id in &catalogue.order {
        let line = decide_one(id, &catalogue, &groups_of, &fetched);
        apply(&r, &line)?;
        lines.push(line);
    }
    Ok(result(true, &lines, fetched, started))
}

/// `db.products`, on PHP's thread.
fn read_products(r: &Request<'_>) -> Result<Catalogue, Stop> {
    let wanted: Option<HashSet<i64>> = r.ids.as_ref().map(|ids| ids.iter().copied().collect());
    let mut rows_zv = r.products.call(vec![&r.ids])?;
    let mut rows: HashMap<i64, Product> = HashMap::new();
    let mut order: Vec<i64> = Vec::new();
    for row in iterate(&mut rows_zv, "db.products")? {
        let value = to_json(&row)
            .map_err(|e| invalid_argument(format!("db.products returned a row that {e}")))?;
        if !matches!(value, Value::Object(_)) {
            return Err(invalid_argument(format!(
                "db.products must return rows (arrays or objects), got {}",
                type_name(&row)
            ))
            .into());
        }
        let Some(p) = Product::from_row(&value) else {
            continue;
        };
        if wanted.as_ref().is_none_or(|w| w.contains(&p.id)) && !rows.contains_key(&p.id) {
            order.push(p.id);
            rows.insert(p.id, p);
        }
    }
    if let Some(ids) = &r.ids {
        // Every requested id is reported, found or not, once, in request order.
        let mut seen = HashSet::new();
        order = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    }
    Ok(Catalogue { order, rows })
}

/// The groups of every managed product with a package (`db.locations`, on
/// PHP's thread).
fn read_groups(r: &Request<'_>, c: &Catalogue) -> Result<HashMap<i64, Vec<i64>>, Stop> {
    let mut groups_of = HashMap::new();
    for id in &c.order {
        let Some(p) = c.rows.get(id) else { continue };
        if p.skip_reason().is_some() || p.package_id <= 0 {
            continue;
        }
        let mut names = Vec::new();
        if let Some(cb) = &r.locations {
            let label = r.label.as_str();
            let mut list = cb.call(vec![id, &label])?;
            for v in iterate(&mut list, "db.locations")? {
                if let Some(s) = v.dereference().zend_str() {
                    names.push(String::from_utf8_lossy(s.as_bytes()).into_owned());
                } else if let Some(n) = v.dereference().long() {
                    names.push(n.to_string());
                }
            }
        }
        groups_of.insert(*id, p.groups(&names));
    }
    Ok(groups_of)
}

/// The panel, concurrently: each distinct package and group once.
fn fetch_panel(r: &Request<'_>, c: &Catalogue, groups_of: &HashMap<i64, Vec<i64>>) -> Fetched {
    let package_ids: Vec<i64> = groups_of
        .keys()
        .filter_map(|id| c.rows.get(id))
        .map(|p| p.package_id)
        .collect();
    if package_ids.is_empty() {
        return Fetched::default();
    }
    let group_ids: Vec<i64> = groups_of.values().flatten().copied().collect();
    fetch::fetch_all(&r.api, &package_ids, &group_ids, &r.settings)
}

/// Reaching `vfstock.page_limit` is logged: part of a group went uncounted.
fn log_page_caps(r: &Request<'_>, fetched: &Fetched) -> Result<(), Stop> {
    let Some(log) = &r.log else { return Ok(()) };
    for (gid, read) in sorted(&fetched.groups) {
        if let Read::Found(g) = read {
            if let Some(note) = &g.capped {
                log.call(vec![&"page limit", &kv(&[("group", gid)]), &note.as_str()])?;
            }
        }
    }
    Ok(())
}

/// The verdict on one product of the catalogue.
fn decide_one(
    id: i64,
    c: &Catalogue,
    groups_of: &HashMap<i64, Vec<i64>>,
    fetched: &Fetched,
) -> Line {
    let Some(p) = c.rows.get(&id) else {
        return Line {
            id,
            previous: None,
            decision: skipped("no such product".into()),
        };
    };
    let decision = match p.skip_reason() {
        Some(why) => skipped(why),
        None => {
            let groups = groups_of.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            decide_with(p, groups, fetched)
        }
    };
    Line {
        id,
        previous: Some(p.qty),
        decision,
    }
}

/// Writes (unless dry) and logs one product's verdict.
fn apply(r: &Request<'_>, line: &Line) -> Result<(), Stop> {
    let id = line.id;
    match (line.decision.status, line.decision.qty) {
        (Status::Updated, Some(qty)) => {
            if !r.dry_run {
                r.write.call(vec![&id, &qty])?;
            }
            if let Some(log) = &r.log {
                let action = if r.dry_run { "qty (dry run)" } else { "qty" };
                let request = kv(&[("product", id), ("previous", line.previous.unwrap_or(0))]);
                log.call(vec![&action, &request, &kv(&[("qty", qty)])])?;
            }
        }
        (Status::Untouched, _) => {
            if let Some(log) = &r.log {
                let why = line.decision.reason.as_deref().unwrap_or_default();
                log.call(vec![&"untouched", &kv(&[("product", id)]), &why])?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn decide_with(p: &Product, groups: &[i64], fetched: &Fetched) -> Decision {
    fn transient<T>() -> Read<T> {
        Read::Transient("not read".to_owned())
    }
    let package = fetched
        .packages
        .get(&p.package_id)
        .cloned()
        .unwrap_or_else(transient);
    let reads: Vec<(i64, Read<&[Obj<Entry>]>)> = groups
        .iter()
        .map(|gid| {
            let read = match fetched.groups.get(gid) {
                Some(read) => read.map(|g| g.entries.as_slice()),
                None => transient(),
            };
            (*gid, read)
        })
        .collect();
    decide(p, &package, &reads)
}

fn skipped(reason: String) -> Decision {
    Decision {
        status: Status::Skipped,
        qty: None,
        reason: Some(reason),
        groups: vec![],
    }
}

fn sorted<V>(map: &HashMap<i64, V>) -> Vec<(i64, &V)> {
    let mut v: Vec<(i64, &V)> = map.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|(k, _)| *k);
    v
}

/// The values a callback returned, as an array or a Traversable.
fn iterate(value: &mut Zval, name: &str) -> Result<Vec<Zval>, Stop> {
    let given = type_name(value);
    let Some(mut it) = value.iterable() else {
        return Err(invalid_argument(format!(
            "{name} must return an array or a Traversable, {given} returned"
        ))
        .into());
    };
    let out: Vec<Zval> = match it.iter() {
        Some(iter) => iter.map(|(_, v)| v).collect(),
        None => Vec::new(),
    };
    if ext_php_rs::zend::ExecutorGlobals::has_exception() {
        return Err(Stop::Pending);
    }
    Ok(out)
}

fn kv(pairs: &[(&str, i64)]) -> ZBox<ZendHashTable> {
    let mut t = table(pairs.len());
    for (k, v) in pairs {
        let _ = t.insert(*k, *v);
    }
    t
}

fn result(ran: bool, lines: &[Line], fetched: Fetched, started: Instant) -> ZBox<ZendHashTable> {
    let mut products = table(lines.len());
    for line in lines {
        let d = &line.decision;
        let mut p = table(6);
        let _ = p.insert("qty", opt_int(d.qty));
        let _ = p.insert("previous", opt_int(line.previous));
        let _ = p.insert("status", d.status.as_str());
        let _ = p.insert("reason", opt_str(d.reason.as_deref()));
        let mut groups = table(d.groups.len());
        for (gid, outcome) in &d.groups {
            let g = match outcome {
                GroupOutcome::Ok(cap) => {
                    let mut g = table(5);
                    let _ = g.insert("status", "ok");
                    let mut body = group_to_php(cap);
                    for key in ["fits", "unbounded", "ipv4Cap", "hypervisors"] {
                        if let Some(v) = body.remove(key) {
                            let _ = g.insert(key, v);
                        }
                    }
                    g
                }
                GroupOutcome::Missing | GroupOutcome::Transient(_) => {
                    let mut g = table(4);
                    let status = if matches!(outcome, GroupOutcome::Missing) {
                        "missing"
                    } else {
                        "transient"
                    };
                    let _ = g.insert("status", status);
                    let _ = g.insert("fits", opt_int(None));
                    let _ = g.insert("unbounded", false);
                    let _ = g.insert("hypervisors", table(0));
                    g
                }
            };
            let _ = groups.insert_at_index(*gid, g);
        }
        let _ = p.insert("groups", groups);
        let _ = products.insert_at_index(line.id, p);
    }
    let mut stats = table(3);
    let _ = stats.insert("requests", i64::from(fetched.cost.requests));
    let _ = stats.insert("cacheHits", i64::from(fetched.cost.cache_hits));
    let _ = stats.insert("elapsedMs", started.elapsed().as_secs_f64() * 1000.0);
    let mut out = table(3);
    let _ = out.insert("ran", ran);
    let _ = out.insert("products", products);
    let _ = out.insert("stats", stats);
    out
}

/// The registration of `vf_stock_refresh`.
pub fn function() -> ext_php_rs::builders::FunctionBuilder<'static> {
    wrap_function!(vf_stock_refresh)
}
