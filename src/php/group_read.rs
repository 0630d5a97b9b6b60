//! A resources page read straight from the PHP arrays `json_decode` makes.
//!
//! `vf_capacity_for` with array input spent most of its time in the generic
//! reader ([`ZvalDe`] through serde): an iterator per table to tell a list
//! from an object, a key parsed for digits before every lookup, a visitor
//! per field. The shape a panel sends (and `json_decode($json, true)` makes)
//! is fixed, so this reads it directly: each field the core needs by one
//! hash lookup, lists by index, scalars of the usual types inline.
//!
//! It answers exactly what the generic reader answers. Anything it does not
//! handle itself (objects, packed arrays with holes, hash tables that might
//! be lists, lists given as maps) is handed to the generic reader — the
//! whole hypervisor entry, or the whole page — so the lenient rules of
//! `core::input` stay written once.

use std::sync::Arc;

use ext_php_rs::ffi::{zend_hash_find_known_hash, zend_hash_index_find, zend_string};
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};
use serde::Deserialize;

use super::prefetch::Ahead;
use super::zval_de::zval_type::*;
use super::zval_de::{dense_list, deref, never_indexed, packed, type_of, ZvalDe};
use crate::core::fit::Quota;
use crate::core::hypervisor::{
    eligibility, Hypervisor, PoolName, PoolNames, Skip, Slots, StoragePool,
};
use crate::core::input::{self, DocError, Flag, List, Num, ResourcesPage, SharedText};

/// The depth the generic reader gives an element of the `data` list.
const ENTRY_DEPTH: usize = 2;

/// The keys, interned for good at startup.
struct Permanent(Keys);

// SAFETY: permanent interned strings are immutable and never freed while
// the module is loaded; every thread of a ZTS build may read them.
unsafe impl Send for Permanent {}
unsafe impl Sync for Permanent {}

static PERMANENT: once_cell::sync::OnceCell<Permanent> = once_cell::sync::OnceCell::new();

/// MINIT: interns the field names once per process.
pub fn startup() {
    let _ = PERMANENT.set(Permanent(Keys::interned(true)));
}

/// Not handled here: the generic reader decides.
struct Odd;

/// The value behind a reference or an indirect slot, or the value itself.
fn value(zv: &Zval) -> &Zval {
    match type_of(zv) {
        IS_REFERENCE | IS_INDIRECT => deref(zv),
        _ => zv,
    }
}

macro_rules! keys {
    ($($field:ident = $text:literal,)*) => {
        /// The field names looked up, interned once per call: a lookup
        /// then uses the hash computed at interning.
        #[derive(Clone, Copy)]
        struct Keys { $($field: *mut zend_string,)* }
        impl Keys {
            fn new() -> Keys {
                match PERMANENT.get() {
                    Some(k) => k.0,
                    None => Keys::interned(false),
                }
            }
            fn interned(persistent: bool) -> Keys {
                Keys { $($field: ZendStr::new_interned($text, persistent).into_raw().cast(),)* }
            }
        }
    };
}

keys! {
    data = "data", last_page = "last_page", hypervisor = "hypervisor", resources = "resources",
    id = "id", name = "name", enabled = "enabled", commissioned = "commissioned",
    prohibit = "prohibit", network = "network", total = "total", ipv4 = "ipv4", free = "free",
    max = "max", local_storage = "localStorage", other_storage = "otherStorage",
    storage_type = "storageType", servers = "servers", memory = "memory", cpu_cores = "cpuCores",
}

/// What a value is where an object is expected.
enum Shape<'a> {
    /// An array that is not a list, or the empty array (`{}` = `[]`).
    Object(&'a ZendHashTable),
    /// Not an object: a scalar, null, or a non-empty list.
    NotObject,
}

/// The value at list index `i`.
fn at(ht: &ZendHashTable, i: u32) -> Option<&Zval> {
    // SAFETY: a lookup in a live table; the zval lives as long as it.
    unsafe { zend_hash_index_find(ht, u64::from(i)).as_ref() }
}

/// Reads `zv` where an object is expected, as the generic reader would.
fn object(zv: &Zval) -> Result<Shape<'_>, Odd> {
    let zv = value(zv);
    match type_of(zv) {
        IS_ARRAY => {}
        IS_OBJECT => return Err(Odd),
        _ => return Ok(Shape::NotObject),
    }
    // SAFETY: an array zval holds a live table.
    let ht: &ZendHashTable = unsafe { &*zv.value.arr };
    if ht.nNumOfElements == 0 {
        return Ok(Shape::Object(ht));
    }
    if packed(ht) {
        return if dense_list(ht) {
            Ok(Shape::NotObject)
        } else {
            Err(Odd)
        };
    }
    // A hash table without a key 0 is no list; one with it might be.
    if never_indexed(ht) || at(ht, 0).is_none() {
        Ok(Shape::Object(ht))
    } else {
        Err(Odd)
    }
}

/// A field of an object: present and defined (references followed).
fn field(ht: &ZendHashTable, key: *mut zend_string) -> Option<&Zval> {
    // SAFETY: a lookup in a live table with an interned key (its hash
    // known); the zval lives as long as the table.
    let v = unsafe { zend_hash_find_known_hash(ht, key).as_ref() }?;
    let v = value(v);
    (type_of(v) != IS_UNDEF).then_some(v)
}

/// The field `key` of `t` read as an object (`None`: absent or not one).
fn object_field(
    t: Option<&ZendHashTable>,
    key: *mut zend_string,
) -> Result<Option<&ZendHashTable>, Odd> {
    match t.and_then(|t| field(t, key)) {
        None => Ok(None),
        Some(v) => Ok(match object(v)? {
            Shape::Object(h) => Some(h),
            Shape::NotObject => None,
        }),
    }
}

/// A number field (`core::input::Num`).
fn num(v: Option<&Zval>) -> i64 {
    let Some(v) = v else { return 0 };
    if type_of(v) == IS_LONG {
        // SAFETY: a long zval.
        return unsafe { v.value.lval };
    }
    Num::deserialize(ZvalDe::new(v)).map_or(0, |n| n.0)
}

/// A flag field (`core::input::Flag`).
fn flag(v: Option<&Zval>) -> bool {
    let Some(v) = v else { return false };
    match type_of(v) {
        IS_TRUE => true,
        IS_FALSE | IS_NULL => false,
        // SAFETY: a long zval.
        IS_LONG => unsafe { v.value.lval != 0 },
        _ => Flag::deserialize(ZvalDe::new(v)).is_ok_and(|f| f.0),
    }
}

/// A display string field (`core::input::SharedText`).
fn text(v: Option<&Zval>) -> Arc<str> {
    let Some(v) = v else { return Arc::from("") };
    if type_of(v) == IS_STRING {
        // SAFETY: a string zval holds a live zend_string.
        let s: &ZendStr = unsafe { &*v.value.str_ };
        if let Ok(s) = std::str::from_utf8(s.as_bytes()) {
            return Arc::from(s);
        }
    }
    SharedText::deserialize(ZvalDe::new(v)).map_or_else(|_| Arc::from(""), |t| t.0)
}

/// A `{max, free}` cell.
fn quota(k: &Keys, t: &ZendHashTable) -> Quota {
    Quota {
        max: num(field(t, k.max)),
        free: num(field(t, k.free)),
    }
}

/// One element of the `data` list, as `Hypervisor::deserialize` reads it.
fn entry(k: &Keys, names: &mut PoolNames, zv: &Zval) -> Result<Hypervisor, Odd> {
    let skipped = Hypervisor::skipped;
    let entry = match object(zv)? {
        Shape::Object(t) => Some(t),
        Shape::NotObject => None,
    };
    let hv = object_field(entry, k.hypervisor)?;
    let res = object_field(entry, k.resources)?;
    let (id, name) = hv.map_or_else(
        || (0, Arc::from("")),
        |h| (num(field(h, k.id)), text(field(h, k.name))),
    );
    let (Some(hv), Some(res)) = (hv, res) else {
        return Ok(skipped(id, name, Skip::Malformed));
    };
    let eligible = eligibility(
        flag(field(hv, k.enabled)),
        flag(field(hv, k.commissioned)),
        flag(field(hv, k.prohibit)),
    );
    if let Err(skip) = eligible {
        return Ok(skipped(id, name, skip));
    }

    let ipv4 = object_field(
        object_field(object_field(Some(res), k.network)?, k.total)?,
        k.ipv4,
    )?;
    let ipv4_free = match ipv4.and_then(|t| field(t, k.free)) {
        Some(v) if type_of(v) != IS_NULL => Some(num(Some(v))),
        _ => None,
    };
    let mut pools = Vec::new();
    if let Some(local) = object_field(Some(res), k.local_storage)? {
        pools.push(StoragePool {
            name: PoolName::Local,
            storage_type: num(field(local, k.storage_type)),
            enabled: flag(field(local, k.enabled)),
            quota: quota(k, local),
        });
    }
    if let Some(other) = field(res, k.other_storage) {
        match (type_of(other) == IS_ARRAY).then(|| unsafe { &*other.value.arr }) {
            None if type_of(other) == IS_OBJECT => return Err(Odd),
            None => {} // not a list: no pools
            Some(list) if list.nNumOfElements == 0 => {}
            Some(list) if dense_list(list) => {
                for i in 0..list.nNumOfElements {
                    let Some(item) = at(list, i) else {
                        return Err(Odd);
                    };
                    if let Shape::Object(p) = object(item)? {
                        let name = PoolName::other(i as usize, pool_name(names, field(p, k.name)));
                        pools.push(StoragePool {
                            name,
                            storage_type: num(field(p, k.storage_type)),
                            enabled: flag(field(p, k.enabled)),
                            quota: quota(k, p),
                        });
                    }
                }
            }
            Some(_) => return Err(Odd), // a list given as a map
        }
    }
    let slots = match field(res, k.servers) {
        None => Slots::Unreported,
        Some(v) if type_of(v) == IS_NULL => Slots::Unreported,
        Some(v) => Slots::Cell(match object(v)? {
            Shape::Object(c) => Some(quota(k, c)),
            Shape::NotObject => None,
        }),
    };
    Ok(Hypervisor {
        id,
        name,
        eligible: Ok(()),
        memory: object_field(Some(res), k.memory)?.map(|c| quota(k, c)),
        cpu: object_field(Some(res), k.cpu_cores)?.map(|c| quota(k, c)),
        pools,
        slots,
        ipv4_free,
    })
}

/// A pool's name, shared through `names` when it is plain UTF-8 text.
fn pool_name(names: &mut PoolNames, v: Option<&Zval>) -> Arc<str> {
    if let Some(v) = v.filter(|v| type_of(v) == IS_STRING) {
        // SAFETY: a string zval holds a live zend_string.
        if let Ok(s) = std::str::from_utf8(unsafe { &*v.value.str_ }.as_bytes()) {
            return names.get(s);
        }
    }
    text(v)
}

/// `core::input::resources_from` over a PHP value, the common shapes read
/// directly (see the module's notes).
pub fn resources_from(zv: &Zval) -> Result<ResourcesPage, DocError> {
    let generic = || input::resources_from(ZvalDe::new(zv));
    let k = &Keys::new();
    let mut names = PoolNames::default();
    let top = match object(zv) {
        Err(Odd) => return generic(),
        Ok(Shape::NotObject) => return Err(DocError::NotObject),
        Ok(Shape::Object(t)) => t,
    };
    let Some(data) = field(top, k.data) else {
        return Err(DocError::NoDataList);
    };
    let Some(list) = (type_of(data) == IS_ARRAY).then(|| unsafe { &*data.value.arr }) else {
        return if type_of(data) == IS_OBJECT {
            generic()
        } else {
            Err(DocError::NoDataList)
        };
    };
    if list.nNumOfElements > 0 && !dense_list(list) {
        return generic();
    }
    let mut items = Vec::with_capacity(list.nNumOfElements as usize);
    let mut ahead = Ahead::over(list);
    for i in 0..list.nNumOfElements {
        if let Some(ahead) = &mut ahead {
            ahead.step(i);
        }
        let Some(item) = at(list, i) else {
            return generic();
        };
        let hv = match entry(k, &mut names, item) {
            Ok(hv) => hv,
            Err(Odd) => Hypervisor::deserialize(ZvalDe::at_depth(item, ENTRY_DEPTH))
                .map_err(|e| DocError::Syntax(e.to_string()))?,
        };
        items.push(hv);
    }
    Ok(ResourcesPage {
        data: List(Some(items)),
        last_page: Num(num(field(top, k.last_page))),
        list_keyed: false,
    })
}
