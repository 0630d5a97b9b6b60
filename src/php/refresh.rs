//! `vf_stock_refresh`: the request read, the caller's callbacks as the
//! refresh's [`Store`], and the answer shaped. The refresh itself
//! is `shell::refresh`.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::bailout;
use serde::Deserialize;

use super::api::read_api;
use super::callbacks::{values, Callback, Stop};
use super::convert::{kv, type_name};
use super::errors::{guard, invalid_argument};
use super::ini;
use super::request::{int_list, int_of, Keys};
use super::shape::Shape;
use super::zval_de::{deref, ZvalDe};
use crate::core::input::{Obj, ProductRow};
use crate::shell::refresh::{self, LogEntry, Request, Store};

const FUNCTION: &str = "vf_stock_refresh";

const KEYS: [&str; 12] = [
    "api",
    "db",
    "log",
    "products",
    "locationLabel",
    "lease",
    "forgetGroups",
    "dryRun",
    "deadline",
    "ipv4Pool",
    "reservations",
    "displayCap",
];

/// Recompute qty for stock-controlled products and write it through the
/// given callbacks.
#[php_function]
pub fn vf_stock_refresh(request: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    finish(guard(FUNCTION, || Ok(run(request))))
}

/// The PHP side of a run's end: our exception, the callback's pending one,
/// or a bailout resumed now that every Rust value of the run is dropped.
pub fn finish(
    outcome: PhpResult<Result<ZBox<ZendHashTable>, Stop>>,
) -> PhpResult<ZBox<ZendHashTable>> {
    match outcome {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(Stop::Throw(e))) => Err(e),
        // The exception stays pending and reaches the caller unchanged.
        Ok(Err(Stop::Pending)) => Err(invalid_argument("")),
        Ok(Err(Stop::Bailout)) => unsafe { bailout() },
        Err(e) => Err(e),
    }
}

/// The `db` callbacks, owned for the whole run.
struct Callbacks {
    products: Callback,
    locations: Option<Callback>,
    write: Callback,
    claim: Option<Callback>,
    log: Option<Callback>,
}

fn run(req: &ZendHashTable) -> Result<ZBox<ZendHashTable>, Stop> {
    let (request, mut store, with_reserved) = parse(req)?;
    let outcome = refresh::run(&request, &mut store)?;
    Ok(Shape::new().refresh(&outcome, with_reserved))
}

fn parse(req: &ZendHashTable) -> PhpResult<(Request, Callbacks, bool)> {
    let keys = Keys::new(req, FUNCTION, &KEYS)?;
    let settings = ini::settings();
    let api = keys.required_array("api", "['url' => …, 'token' => …]")?;
    let api = read_api(api, "api", &settings)?;
    let db = keys.required_array("db", "products, write, …")?;
    let cb = |name: &'static str, key: &str| -> PhpResult<Option<Callback>> {
        match db.get(key).map(deref).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => Callback::new(name, v).map(Some),
        }
    };
    let store = Callbacks {
        products: cb("db.products", "products")?
            .ok_or_else(|| invalid_argument("db.products is required"))?,
        write: cb("db.write", "write")?.ok_or_else(|| invalid_argument("db.write is required"))?,
        locations: cb("db.locations", "locations")?,
        claim: cb("db.claim", "claim")?,
        log: keys.callback("log")?,
    };
    let mut r = Request::new(api, settings);
    r.ids = keys
        .array("products")?
        .map(|t| int_list(t, "products"))
        .transpose()?;
    if let Some(v) = keys.get("locationLabel") {
        r.label = v
            .str()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_argument("locationLabel must be a non-empty string"))?;
    }
    if let Some(t) = keys.array("lease")? {
        let key = t
            .get("key")
            .and_then(|v| deref(v).str())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid_argument("lease.key must be a non-empty string"))?;
        let ttl = t
            .get("ttl")
            .and_then(int_of)
            .filter(|&ttl| ttl > 0)
            .ok_or_else(|| invalid_argument("lease.ttl must be a whole number of seconds > 0"))?;
        r.lease = Some((key.to_owned(), ttl));
    }
    r.forget = keys
        .array("forgetGroups")?
        .map(|t| int_list(t, "forgetGroups"))
        .transpose()?;
    r.dry_run = keys.bool("dryRun")?;
    r.deadline = keys.deadline()?;
    r.pool = keys.ipv4_pool()?;
    let with_reserved = keys.get("reservations").is_some();
    r.reservations = keys
        .footprints("reservations", false)?
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    if let Some(v) = keys.get("displayCap") {
        r.display_cap = Some(v.long().filter(|&n| n >= 0).ok_or_else(|| {
            invalid_argument(format!(
                "displayCap must be a whole number ≥ 0 or null, {} given",
                type_name(v)
            ))
        })?);
    }
    Ok((r, store, with_reserved))
}

impl Store for Callbacks {
    type Stop = Stop;

    fn products(&mut self, ids: Option<&[i64]>) -> Result<Vec<ProductRow>, Stop> {
        let ids: Option<Vec<i64>> = ids.map(<[i64]>::to_vec);
        let mut returned = self.products.call(vec![&ids])?;
        let mut rows = Vec::new();
        for row in values(&mut returned, "db.products")? {
            match Obj::<ProductRow>::deserialize(ZvalDe::new(&row)) {
                Ok(Obj::Object(r)) => rows.push(r),
                Ok(Obj::NotObject) | Err(_) => {
                    return Err(invalid_argument(format!(
                        "db.products must return rows (arrays or objects), got {}",
                        type_name(&row)
                    ))
                    .into())
                }
            }
        }
        Ok(rows)
    }

    fn locations(&mut self, product: i64, label: &str) -> Result<Vec<String>, Stop> {
        let Some(cb) = &self.locations else {
            return Ok(Vec::new());
        };
        let mut returned = cb.call(vec![&product, &label])?;
        Ok(values(&mut returned, "db.locations")?
            .iter()
            .filter_map(|v| match v.zend_str() {
                Some(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
                None => v.long().map(|n| n.to_string()),
            })
            .collect())
    }

    fn write(&mut self, product: i64, qty: i64) -> Result<(), Stop> {
        self.write.call(vec![&product, &qty]).map(drop)
    }

    fn claim(&mut self, key: &str, ttl: i64) -> Result<Option<bool>, Stop> {
        match &self.claim {
            None => Ok(None),
            Some(cb) => Ok(Some(
                cb.call(vec![&key, &ttl])?.dereference().coerce_to_bool(),
            )),
        }
    }

    fn log(&mut self, entry: &LogEntry) -> Result<(), Stop> {
        let Some(log) = &self.log else { return Ok(()) };
        match entry {
            LogEntry::Qty {
                product,
                previous,
                qty,
                dry_run,
            } => {
                let action = if *dry_run { "qty (dry run)" } else { "qty" };
                let request = kv(&[("product", *product), ("previous", *previous)]);
                log.call(vec![&action, &request, &kv(&[("qty", *qty)])])
            }
            LogEntry::Untouched { product, reason } => log.call(vec![
                &"untouched",
                &kv(&[("product", *product)]),
                &reason.as_str(),
            ]),
            LogEntry::PageLimit { group, reason } => log.call(vec![
                &"page limit",
                &kv(&[("group", *group)]),
                &reason.as_str(),
            ]),
        }
        .map(drop)
    }
}

/// The registration of `vf_stock_refresh`.
pub fn function() -> ext_php_rs::builders::FunctionBuilder<'static> {
    wrap_function!(vf_stock_refresh)
}
