//! Reading a PHP value straight into the core's lenient input types.
//!
//! `vf_capacity_for` takes arrays as well as JSON text, and callbacks
//! return rows as arrays or objects. This deserializer walks the PHP value
//! once, borrowing its strings, and builds no intermediate tree. An object
//! the core asks for by its field names (every lenient object does) is read
//! by looking those keys up in the hash table PHP already built, so the
//! dozens of fields a panel sends and vfstock does not need are never
//! visited; a value nobody wants is skipped without being walked.

use std::fmt;

use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Deeper than any panel document; also stops a self-referencing array.
pub const MAX_DEPTH: usize = 128;

/// zval type bytes (PHP 7 – 8.4), for the readers that switch on them.
pub(super) mod zval_type {
    pub const IS_UNDEF: u32 = 0;
    pub const IS_NULL: u32 = 1;
    pub const IS_FALSE: u32 = 2;
    pub const IS_TRUE: u32 = 3;
    pub const IS_LONG: u32 = 4;
    pub const IS_STRING: u32 = 6;
    pub const IS_ARRAY: u32 = 7;
    pub const IS_OBJECT: u32 = 8;
    pub const IS_REFERENCE: u32 = 10;
    pub const IS_INDIRECT: u32 = 12;
}

/// A zval's type byte.
pub(super) fn type_of(zv: &Zval) -> u32 {
    // SAFETY: the type byte of a live zval.
    unsafe { zv.u1.type_info & 0xff }
}

/// `HASH_FLAG_PACKED`: the array's keys are 0, 1, 2, … positions.
const HASH_FLAG_PACKED: u32 = 1 << 2;

/// A packed array: its keys are positions (0, 1, 2, …), maybe with holes.
pub(super) fn packed(ht: &ZendHashTable) -> bool {
    // SAFETY: reading the flags word of a live hash table.
    unsafe { ht.u.flags & HASH_FLAG_PACKED != 0 }
}

/// The size of a packed table's slot: PHP 8.2 made them bare zvals;
/// before, they were buckets (whose hash is the index and key null).
pub(super) const PACKED_SLOT: usize = if ext_php_rs::PHP_82 {
    std::mem::size_of::<Zval>()
} else {
    std::mem::size_of::<ext_php_rs::ffi::Bucket>()
};

/// The value at position `i` of a packed table, read in place: what
/// `zend_hash_index_find` finds there, without a call per element of a
/// fleet's list. `None` past the table's used part or in a hole.
#[inline(always)]
pub(super) fn packed_at(ht: &ZendHashTable, i: u32) -> Option<&Zval> {
    debug_assert!(packed(ht));
    if i >= ht.nNumUsed {
        return None;
    }
    // SAFETY: a packed table holds `nNumUsed` initialised elements at
    // `arData`, each starting with its zval.
    let zv: &Zval = unsafe {
        &*ht.__bindgen_anon_1
            .arData
            .cast::<u8>()
            .add(i as usize * PACKED_SLOT)
            .cast::<Zval>()
    };
    (type_of(zv) != zval_type::IS_UNDEF).then_some(zv)
}

/// A packed array without holes: a list whose element `i` is at index `i`.
pub(super) fn dense_list(ht: &ZendHashTable) -> bool {
    packed(ht) && ht.nNumUsed == ht.nNumOfElements
}

/// No key ≥ 0 was ever inserted, so a non-empty table is no list: the
/// next free index is not above 0 (PHP 8 starts it at `ZEND_LONG_MIN`,
/// PHP 7 at 0), and the header alone tells.
pub(super) fn never_indexed(ht: &ZendHashTable) -> bool {
    ht.nNextFreeElement <= 0
}

/// Why a PHP value could not be read.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Follows references and the indirect slots of declared properties
/// (a declared property holding a reference is both) to the value.
pub fn deref(zv: &Zval) -> &Zval {
    let mut zv = zv;
    for _ in 0..4 {
        let next = zv.dereference();
        if std::ptr::eq(next, zv) {
            break;
        }
        zv = next;
    }
    zv
}

/// A PHP value as a serde source. A list (`array_is_list`) reads as a
/// sequence; any other array, or an object's properties, as a map handed
/// over for lookups (see `core::input`). An empty array is a list (the
/// core reads `[]` as `{}` where an object is expected). Strings that are
/// not UTF-8 are read lossily; a resource reads as null.
pub struct ZvalDe<'a> {
    zv: &'a Zval,
    depth: usize,
}

impl<'a> ZvalDe<'a> {
    pub fn new(zv: &'a Zval) -> ZvalDe<'a> {
        ZvalDe { zv, depth: 0 }
    }

    /// A value met `depth` levels down a document (for the depth limit).
    pub fn at_depth(zv: &'a Zval, depth: usize) -> ZvalDe<'a> {
        ZvalDe { zv, depth }
    }
}

/// Whether the keys are 0, 1, 2, … in order; cheap for the common shapes
/// (a packed array without holes, or one whose first key is a string).
fn is_list(ht: &ZendHashTable) -> bool {
    if ht.is_empty() || dense_list(ht) {
        return true;
    }
    if never_indexed(ht) {
        return false;
    }
    let mut it = ht.iter();
    let mut i = 0;
    while let Some((k, _)) = it.next_zval() {
        if k.long() != Some(i) {
            return false;
        }
        i += 1;
    }
    true
}

/// The hash table of an array, or of an object's properties.
fn table(zv: &Zval) -> Option<&ZendHashTable> {
    if let Some(ht) = zv.array() {
        return Some(ht);
    }
    zv.object().and_then(|o| o.get_properties().ok())
}

impl<'de> ZvalDe<'de> {
    fn check_depth(&self) -> Result<(), Error> {
        if self.depth > MAX_DEPTH {
            return Err(Error(format!(
                "is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }
}

impl<'de> Deserializer<'de> for ZvalDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.check_depth()?;
        let zv = deref(self.zv);
        let depth = self.depth + 1;
        if let Some(ht) = zv.array() {
            if is_list(ht) {
                return visitor.visit_seq(Seq {
                    values: ht.values(),
                    depth,
                });
            }
            return visitor.visit_newtype_struct(Table { ht, depth });
        }
        if let Some(ht) = table(zv) {
            return visitor.visit_newtype_struct(Table { ht, depth });
        }
        match zv.get_type() {
            DataType::True => visitor.visit_bool(true),
            DataType::False => visitor.visit_bool(false),
            DataType::Long => visitor.visit_i64(zv.long().unwrap_or(0)),
            DataType::Double => match zv.double().unwrap_or(0.0) {
                f if f.is_finite() || f.is_nan() => visitor.visit_f64(f),
                // ±INF (what json_decode makes of 1e400) as the largest
                // finite float of its sign: the same saturated integer.
                f => visitor.visit_f64(f64::MAX.copysign(f)),
            },
            DataType::String => match zv.zend_str() {
                Some(s) => match std::str::from_utf8(s.as_bytes()) {
                    Ok(text) => visitor.visit_borrowed_str(text),
                    Err(_) => {
                        visitor.visit_string(String::from_utf8_lossy(s.as_bytes()).into_owned())
                    }
                },
                None => visitor.visit_unit(),
            },
            _ => visitor.visit_unit(),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if deref(self.zv).is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Nothing wants this value: it is not walked.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.check_depth()?;
        let zv = deref(self.zv);
        match table(zv) {
            Some(ht) if !(zv.is_array() && is_list(ht)) => Table {
                ht,
                depth: self.depth + 1,
            }
            .deserialize_struct(name, fields, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier
    }
}

/// An array or object handed to a visitor: looked up by field names when
/// the visitor names them, walked otherwise.
struct Table<'a> {
    ht: &'a ZendHashTable,
    depth: usize,
}

impl<'de> Deserializer<'de> for Table<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Walk {
            iter: self.ht.iter(),
            value: None,
            depth: self.depth,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Lookup {
            ht: self.ht,
            fields: fields.iter(),
            value: None,
            depth: self.depth,
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier
    }
}

struct Seq<'a> {
    values: ext_php_rs::types::array::Values<'a>,
    depth: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.values.next() {
            Some(v) => seed
                .deserialize(ZvalDe {
                    zv: v,
                    depth: self.depth,
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

/// The value whose key a map access just gave.
fn value_of<'de, V: DeserializeSeed<'de>>(
    slot: &mut Option<&'de Zval>,
    depth: usize,
    seed: V,
) -> Result<V::Value, Error> {
    let zv = slot
        .take()
        .ok_or_else(|| Error("a value without a key".into()))?;
    seed.deserialize(ZvalDe { zv, depth })
}

/// Every entry, in order (an undefined property slot is no entry).
struct Walk<'a> {
    iter: ext_php_rs::types::array::Iter<'a>,
    value: Option<&'a Zval>,
    depth: usize,
}

impl<'de> MapAccess<'de> for Walk<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        loop {
            let Some((key, value)) = self.iter.next_zval() else {
                return Ok(None);
            };
            if deref(value).get_type() == DataType::Undef {
                continue;
            }
            self.value = Some(value);
            return seed.deserialize(KeyDe(&key)).map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        value_of(&mut self.value, self.depth, seed)
    }
}

/// Only the named fields, looked up.
struct Lookup<'a> {
    ht: &'a ZendHashTable,
    fields: std::slice::Iter<'static, &'static str>,
    value: Option<&'a Zval>,
    depth: usize,
}

impl<'de> MapAccess<'de> for Lookup<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for field in self.fields.by_ref() {
            let Some(value) = self.ht.get(*field) else {
                continue;
            };
            if deref(value).get_type() == DataType::Undef {
                continue;
            }
            self.value = Some(value);
            return seed
                .deserialize(de::value::BorrowedStrDeserializer::new(field))
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        value_of(&mut self.value, self.depth, seed)
    }
}

/// A map key, read in place: the key zval only lives for this call. Keys
/// are strings, as in JSON (`7` → `"7"`).
struct KeyDe<'k>(&'k Zval);

impl<'de> Deserializer<'de> for KeyDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if let Some(n) = self.0.long() {
            return visitor.visit_string(n.to_string());
        }
        match self.0.zend_str().map(|s| s.as_bytes()) {
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => visitor.visit_str(text),
                Err(_) => visitor.visit_string(String::from_utf8_lossy(bytes).into_owned()),
            },
            None => visitor.visit_str(""),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
