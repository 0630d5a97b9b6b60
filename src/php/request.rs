//! Reading the request arrays of `vf_stock_refresh` and `vf_stock_check`:
//! every key checked, every error naming the key, nothing borrowed from
//! the array beyond the call that reads it.

use std::time::Duration;

use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde::Deserialize;

use crate::core::group::Ipv4Pool;
use crate::core::input::{FootprintDoc, Obj};
use crate::core::placement::Footprint;
use crate::shell::deadline::Deadline;

use super::callbacks::Callback;
use super::convert::type_name;
use super::errors::{invalid_argument, shown};
use super::zval_de::{deref, ZvalDe};

/// A request array, its keys checked against `known`.
pub struct Keys<'a> {
    table: &'a ZendHashTable,
    function: &'static str,
}

impl<'a> Keys<'a> {
    pub fn new(
        table: &'a ZendHashTable,
        function: &'static str,
        known: &[&str],
    ) -> PhpResult<Keys<'a>> {
        if let Some(key) = unknown_key(table, known) {
            return Err(invalid_argument(format!(
                "{function}(): unknown request key {key} (known: {})",
                known.join(", ")
            )));
        }
        Ok(Keys { table, function })
    }

    /// The value at `key`, when present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Zval> {
        self.table.get(key).map(deref).filter(|v| !v.is_null())
    }

    /// An array value.
    pub fn array(&self, key: &str) -> PhpResult<Option<&'a ZendHashTable>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.array().map(Some).ok_or_else(|| {
                invalid_argument(format!("{key} must be an array, {} given", type_name(v)))
            }),
        }
    }

    pub fn required_array(&self, key: &str, hint: &str) -> PhpResult<&'a ZendHashTable> {
        self.array(key)?.ok_or_else(|| {
            invalid_argument(format!("{}(): {key} is required ({hint})", self.function))
        })
    }

    pub fn bool(&self, key: &str) -> PhpResult<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => v.bool().ok_or_else(|| {
                invalid_argument(format!("{key} must be a bool, {} given", type_name(v)))
            }),
        }
    }

    /// `log`: an optional callable.
    pub fn callback(&self, key: &'static str) -> PhpResult<Option<Callback>> {
        self.get(key).map(|v| Callback::new(key, v)).transpose()
    }

    /// `deadline`: seconds > 0, or none.
    pub fn deadline(&self) -> PhpResult<Deadline> {
        match self.get("deadline") {
            None => Ok(Deadline::NONE),
            Some(v) => deadline_of(v, "deadline"),
        }
    }

    /// `ipv4Pool`: `'group'` (default) or `'hypervisor'`.
    pub fn ipv4_pool(&self) -> PhpResult<Ipv4Pool> {
        match self.get("ipv4Pool") {
            None => Ok(Ipv4Pool::Group),
            Some(v) => pool_of(v, "ipv4Pool"),
        }
    }

    /// A list of footprints (`reservations`, `items`).
    pub fn footprints(
        &self,
        key: &str,
        with_key: bool,
    ) -> PhpResult<Vec<(Footprint, Option<Zval>)>> {
        match self.array(key)? {
            None => Ok(Vec::new()),
            Some(list) => footprints(list, key, with_key),
        }
    }
}

/// The first key of `table` not in `known`, as a message shows it. Keys
/// are read as raw bytes: one that is not UTF-8 is named, escaped.
fn unknown_key(table: &ZendHashTable, known: &[&str]) -> Option<String> {
    let mut it = table.iter();
    while let Some((key, _)) = it.next_zval() {
        if let Some(n) = key.long() {
            return Some(n.to_string());
        }
        let bytes = key.zend_str().map(|s| s.as_bytes()).unwrap_or_default();
        if !known.iter().any(|k| k.as_bytes() == bytes) {
            return Some(shown(bytes));
        }
    }
    None
}

/// Seconds > 0 (int or float) as a deadline; `key` names it in errors.
pub fn deadline_of(v: &Zval, key: &str) -> PhpResult<Deadline> {
    let secs = v
        .double()
        .or_else(|| v.long().map(|n| n as f64))
        .ok_or_else(|| {
            invalid_argument(format!(
                "{key} must be a number of seconds, {} given",
                type_name(v)
            ))
        })?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(invalid_argument(format!(
            "{key} must be more than 0 seconds"
        )));
    }
    Ok(Deadline::after(
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX),
    ))
}

/// `'group'` or `'hypervisor'`; anything else names the choices.
pub fn pool_of(v: &Zval, key: &str) -> PhpResult<Ipv4Pool> {
    v.zend_str()
        .and_then(|s| std::str::from_utf8(s.as_bytes()).ok())
        .and_then(Ipv4Pool::parse)
        .ok_or_else(|| {
            let given = v
                .zend_str()
                .map_or_else(|| type_name(v).to_owned(), |s| shown(s.as_bytes()));
            invalid_argument(format!(
                "{key} must be 'group' or 'hypervisor', {given} given"
            ))
        })
}

/// A footprint's keys; an item may also carry a `key` (the last one).
const FOOTPRINT_KEYS: [&str; 9] = [
    "package",
    "group",
    "count",
    "memory",
    "cpuCores",
    "primaryStorage",
    "ipv4",
    "buffer",
    "key",
];

/// Footprints from a PHP list; items may carry a `key`, echoed.
fn footprints(
    list: &ZendHashTable,
    name: &str,
    with_key: bool,
) -> PhpResult<Vec<(Footprint, Option<Zval>)>> {
    let mut out = Vec::with_capacity(list.len());
    for (i, (_, v)) in list.iter().enumerate() {
        let v = deref(v);
        let at = format!("{name}[{i}]");
        let table = v.array().ok_or_else(|| {
            invalid_argument(format!(
                "{at} must be an array (a footprint), {} given",
                type_name(v)
            ))
        })?;
        let known = &FOOTPRINT_KEYS[..if with_key { 9 } else { 8 }];
        if let Some(k) = unknown_key(table, known) {
            return Err(invalid_argument(format!(
                "{at}: unknown key {k} (known: {})",
                known.join(", ")
            )));
        }
        let doc = match Obj::<FootprintDoc>::deserialize(ZvalDe::new(v)) {
            Ok(Obj::Object(doc)) => doc,
            Ok(Obj::NotObject) => FootprintDoc::default(),
            Err(e) => return Err(invalid_argument(format!("{at} {e}"))),
        };
        let footprint =
            Footprint::read(&doc).map_err(|e| invalid_argument(format!("{at}: {}", e.0)))?;
        let key = if with_key {
            table.get("key").map(|k| deref(k).shallow_clone())
        } else {
            None
        };
        out.push((footprint, key));
    }
    Ok(out)
}

/// A list of integer ids (ints or integer strings), naming `key` on error.
pub fn int_list(values: &ZendHashTable, key: &str) -> PhpResult<Vec<i64>> {
    values
        .values()
        .map(|v| {
            int_of(v).ok_or_else(|| {
                let found = match deref(v).zend_str() {
                    Some(s) => shown(s.as_bytes()),
                    None => type_name(v).to_owned(),
                };
                invalid_argument(format!("{key} must list integer ids, found {found}"))
            })
        })
        .collect()
}

/// An integer, or a string holding one.
pub fn int_of(v: &Zval) -> Option<i64> {
    let v = deref(v);
    v.long()
        .or_else(|| v.str().and_then(|s| s.trim().parse().ok()))
}
