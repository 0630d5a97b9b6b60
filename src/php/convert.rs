//! Converting between PHP values and the core's inputs and outputs.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde::Deserialize;
use serde_json::Value;

use super::zval_de::ZvalDe;

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

/// A PHP value as JSON data, read by [`ZvalDe`] (lists as arrays, other
/// arrays and objects as objects, the same depth limit).
pub fn to_json(zv: &Zval) -> Result<Value, String> {
    Value::deserialize(ZvalDe::new(zv)).map_err(|e| e.to_string())
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
