//! `vf_stock_probe`, `vf_stock_forget` and `vf_stock_stats`: the panel
//! check and the process-local caches, seen from PHP.

// `vf_stock_forget`'s parameter is `$groupIds` in PHP (named arguments), and
// ext-php-rs names PHP parameters after the Rust ones.
#![allow(non_snake_case)]

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::api::read_api;
use super::convert::{opt_str, table};
use super::errors::guard;
use super::ini;
use super::request::{deadline_of, int_list};
use super::zval_de::deref;
use crate::shell::deadline::Deadline;
use crate::shell::fetch::{self, GROUPS, PACKAGES};
use crate::shell::lease;
use crate::shell::probe::probe;
use crate::shell::stats::STATS;

/// The Test Connection check: `GET {url}/connect`, then
/// `GET {url}/compute/hypervisors/groups?results=1`, within `$api['deadline']`.
#[php_function]
pub fn vf_stock_probe(api: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    guard("vf_stock_probe", || {
        let deadline = match api.get("deadline").map(deref).filter(|v| !v.is_null()) {
            None => Deadline::NONE,
            Some(v) => deadline_of(v, "api.deadline")?,
        };
        let api = read_api(api, "api", &ini::settings())?;
        let p = probe(&api, &deadline);
        let mut out = table(3);
        let _ = out.insert("ok", p.ok);
        let _ = out.insert("status", i64::from(p.status));
        let _ = out.insert("error", opt_str(p.error.as_deref()));
        Ok(out)
    })
}

/// Drops cached group resources for these group ids, or every cached
/// answer (packages too) when called without ids.
#[php_function]
#[php(optional = "groupIds")]
pub fn vf_stock_forget(groupIds: Option<&ZendHashTable>) -> PhpResult<()> {
    guard("vf_stock_forget", || {
        let Some(ids) = groupIds else {
            fetch::forget(None);
            return Ok(());
        };
        let ids = int_list(ids, "groupIds")?;
        fetch::forget(Some(&ids));
        Ok(())
    })
}

/// Cache entries, hits, misses, upstream requests and errors.
#[php_function]
pub fn vf_stock_stats() -> PhpResult<ZBox<ZendHashTable>> {
    guard("vf_stock_stats", || {
        let s = STATS.snapshot();
        let mut out = table(10);
        let _ = out.insert("packagesCached", PACKAGES.len() as i64);
        let _ = out.insert("groupsCached", GROUPS.len() as i64);
        let _ = out.insert("cacheBytes", (PACKAGES.bytes() + GROUPS.bytes()) as i64);
        let _ = out.insert("leaseBytes", lease::bytes() as i64);
        let _ = out.insert("hits", s.hits as i64);
        let _ = out.insert("misses", s.misses as i64);
        let _ = out.insert("requests", s.requests as i64);
        let _ = out.insert("errors", s.errors as i64);
        Ok(out)
    })
}

/// The registrations of this file's functions.
pub fn functions() -> Vec<ext_php_rs::builders::FunctionBuilder<'static>> {
    vec![
        wrap_function!(vf_stock_probe),
        wrap_function!(vf_stock_forget),
        wrap_function!(vf_stock_stats),
    ]
}
