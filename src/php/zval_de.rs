//! Reading a PHP value straight into the core's lenient input types.
//!
//! `vf_capacity_for` takes arrays as well as JSON text. Converting an array
//! to a `serde_json::Value` first built a second tree as large as the input
//! and cost 4–5× the JSON path; this deserializer walks the PHP value
//! once, borrowing its strings, and the unknown fields are skipped unread.

use std::fmt;

use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::core::value::truncate;

/// Deeper than any panel document; also stops a self-referencing array.
pub const MAX_DEPTH: usize = 128;

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

/// A PHP value as a serde source. A list (`array_is_list`) reads as a
/// sequence, any other array or an object as a map; an empty array is a
/// list. Strings that are not UTF-8 are read lossily; a resource reads as
/// null.
pub struct ZvalDe<'a> {
    zv: &'a Zval,
    depth: usize,
}

impl<'a> ZvalDe<'a> {
    pub fn new(zv: &'a Zval) -> ZvalDe<'a> {
        ZvalDe { zv, depth: 0 }
    }
}

/// Whether the keys are 0, 1, 2, … in order.
fn is_list(ht: &ZendHashTable) -> bool {
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

impl<'de> Deserializer<'de> for ZvalDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.depth > MAX_DEPTH {
            return Err(Error(format!(
                "is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let zv = self.zv.dereference();
        let depth = self.depth + 1;
        if let Some(ht) = zv.array() {
            return if is_list(ht) {
                visitor.visit_seq(Seq {
                    values: ht.values(),
                    depth,
                })
            } else {
                visitor.visit_map(Map {
                    iter: ht.iter(),
                    value: None,
                    depth,
                })
            };
        }
        if let Some(obj) = zv.object() {
            return match obj.get_properties() {
                Ok(ht) => visitor.visit_map(Map {
                    iter: ht.iter(),
                    value: None,
                    depth,
                }),
                Err(_) => visitor.visit_unit(),
            };
        }
        match zv.get_type() {
            DataType::True => visitor.visit_bool(true),
            DataType::False => visitor.visit_bool(false),
            DataType::Long => visitor.visit_i64(zv.long().unwrap_or(0)),
            DataType::Double => match zv.double().unwrap_or(0.0) {
                f if f.is_finite() => visitor.visit_f64(f),
                // JSON has no NaN or infinity: they read as the integer
                // they truncate to (NaN 0, ±INF saturated).
                f => visitor.visit_i64(truncate(f)),
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
        if self.zv.dereference().is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
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

struct Map<'a> {
    iter: ext_php_rs::types::array::Iter<'a>,
    value: Option<&'a Zval>,
    depth: usize,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next_zval() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(KeyDe(&key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Error("a value without a key".into()))?;
        seed.deserialize(ZvalDe {
            zv: value,
            depth: self.depth,
        })
    }
}

/// A map key, read in place: the key zval only lives for this call. Keys
/// are always strings, as in JSON (`7` → `"7"`).
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
