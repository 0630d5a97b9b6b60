//! Converting between PHP values and the core's inputs and outputs.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use serde_json::{Map, Number, Value};

use crate::core::value::truncate;

/// Deeper than any panel document; also stops a self-referencing array.
const MAX_DEPTH: usize = 128;

/// The PHP name of a value's type, as PHP's own errors print it.
pub fn type_name(zv: &Zval) -> &'static str {
    match zv.dereference().get_type() {
        DataType::Null | DataType::Undef => "null",
        DataType::False | DataType::True | DataType::Bool => "bool",
        DataType::Long => "int",
        DataType::Double => "float",
        DataType::String => "string",
        DataType::Array => "array",
        DataType::Object(_) => "object",
        DataType::Resource => "resource",
        _ => "mixed",
    }
}

/// A PHP value as JSON data. A list (`array_is_list`) becomes a JSON array,
/// any other array or an object a JSON object; an empty array is a list.
/// Strings that are not UTF-8 are read lossily; a resource reads as null.
pub fn to_json(zv: &Zval) -> Result<Value, String> {
    to_json_at(zv, 0)
}

fn to_json_at(zv: &Zval, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("is nested more than {MAX_DEPTH} levels deep"));
    }
    let zv = zv.dereference();
    if let Some(ht) = zv.array() {
        return table_to_json(ht, depth);
    }
    if let Some(obj) = zv.object() {
        return match obj.get_properties() {
            Ok(ht) => table_to_json(ht, depth).map(|v| match v {
                Value::Array(a) if a.is_empty() => Value::Object(Map::new()),
                other => other,
            }),
            Err(_) => Ok(Value::Object(Map::new())),
        };
    }
    Ok(match zv.get_type() {
        DataType::True => Value::Bool(true),
        DataType::False | DataType::Bool => Value::Bool(zv.bool().unwrap_or(false)),
        DataType::Long => Value::Number(zv.long().unwrap_or(0).into()),
        DataType::Double => {
            let f = zv.double().unwrap_or(0.0);
            Number::from_f64(f).map_or_else(|| Value::Number(truncate(f).into()), Value::Number)
        }
        DataType::String => match zv.zend_str() {
            Some(s) => Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned()),
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

fn table_to_json(ht: &ZendHashTable, depth: usize) -> Result<Value, String> {
    let is_list = ht
        .iter()
        .enumerate()
        .all(|(i, (k, _))| matches!(k, ArrayKey::Long(n) if n == i as i64));
    if is_list {
        let mut out = Vec::with_capacity(ht.len());
        for v in ht.values() {
            out.push(to_json_at(v, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let mut out = Map::new();
    for (k, v) in ht.iter() {
        out.insert(k.to_string(), to_json_at(v, depth + 1)?);
    }
    Ok(Value::Object(out))
}

/// An optional count as PHP `int|null`.
pub fn opt_int(n: Option<i64>) -> Zval {
    let mut z = Zval::new();
    match n {
        Some(n) => z.set_long(n),
        None => z.set_null(),
    }
    z
}

/// An optional string as PHP `string|null`.
pub fn opt_str(s: Option<&str>) -> Zval {
    let mut z = Zval::new();
    match s {
        Some(s) => {
            let _ = z.set_string(s, false);
        }
        None => z.set_null(),
    }
    z
}

/// A new PHP array sized for `n` elements.
pub fn table(n: usize) -> ZBox<ZendHashTable> {
    ZendHashTable::with_capacity(u32::try_from(n).unwrap_or(u32::MAX))
}
