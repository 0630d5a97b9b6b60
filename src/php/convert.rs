//! Converting between PHP values and the core's inputs and outputs.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};

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

/// A table of integer fields, in order (what log callbacks are handed).
pub fn kv(pairs: &[(&str, i64)]) -> ZBox<ZendHashTable> {
    let mut t = table(pairs.len());
    for (k, v) in pairs {
        let _ = t.insert(*k, *v);
    }
    t
}
