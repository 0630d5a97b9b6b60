//! Reading untrusted scalars the way the capacity rules say.
//!
//! The panel (and WHMCS's config options) hand us numbers as JSON integers,
//! floats or numeric strings. Every reader here is total: it never fails and
//! never panics, because one odd field must not take a product offline.

/// Reads a numeric string the way PHP's `is_numeric` does (surrounding
/// whitespace allowed, decimal or exponent forms), truncating toward zero and
/// saturating at the `i64` range. `None` when the text is not numeric.
pub fn parse_numeric(text: &str) -> Option<i64> {
    let t = text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    // Rust's float parser also takes "inf" and "NaN"; PHP does not.
    let well_formed = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !well_formed {
        return None;
    }
    t.parse::<f64>().ok().map(truncate)
}

/// Float to integer, truncating toward zero; NaN reads as 0, infinities saturate.
pub fn truncate(f: f64) -> i64 {
    f as i64
}

/// The string rule of a flag: non-empty and not `"0"`.
pub fn str_flag(s: &str) -> bool {
    !s.is_empty() && s != "0"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::{Flag, Num, Setting};
    use serde::Deserialize;
    use serde_json::{json, Value};

    fn num(v: &Value) -> i64 {
        Num::deserialize(v).map_or(0, |n| n.0)
    }

    fn flag(v: &Value) -> bool {
        Flag::deserialize(v).is_ok_and(|f| f.0)
    }

    #[test]
    fn settings_know_numbers_from_blanks() {
        let setting = |v: Value| Setting::deserialize(&v).unwrap().0;
        assert_eq!(setting(json!("12.5")), Some(12));
        assert_eq!(setting(json!(0)), Some(0));
        assert_eq!(setting(json!(1e300)), Some(i64::MAX));
        for v in [
            json!(""),
            json!(" "),
            json!("abc"),
            json!(null),
            json!(true),
            json!([1]),
            json!({}),
        ] {
            assert_eq!(setting(v.clone()), None, "{v}");
        }
    }

    #[test]
    fn numbers_of_every_shape() {
        assert_eq!(num(&json!(42)), 42);
        assert_eq!(num(&json!(-7)), -7);
        assert_eq!(num(&json!(12.9)), 12);
        assert_eq!(num(&json!(-12.9)), -12);
        assert_eq!(num(&json!("1024")), 1024);
        assert_eq!(num(&json!(" 64 ")), 64);
        assert_eq!(num(&json!("12.5")), 12);
        assert_eq!(num(&json!("1e3")), 1000);
        assert_eq!(num(&json!("-3.7")), -3);
        assert_eq!(num(&json!(u64::MAX)), i64::MAX);
        assert_eq!(num(&json!(1e300)), i64::MAX);
        assert_eq!(num(&json!("99999999999999999999999")), i64::MAX);
    }

    #[test]
    fn anything_else_reads_as_zero() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!([1]),
            json!({"a": 1}),
            json!(""),
            json!("abc"),
            json!("12abc"),
            json!("inf"),
            json!("NaN"),
            json!("0x1A"),
            json!("."),
            json!("-"),
            json!("e5"),
        ] {
            assert_eq!(num(&v), 0, "{v}");
        }
    }

    #[test]
    fn flags() {
        for v in [
            json!(true),
            json!(1),
            json!(-1),
            json!(0.5),
            json!("1"),
            json!("yes"),
            json!("false"),
        ] {
            assert!(flag(&v), "{v}");
        }
        for v in [
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!("0"),
            json!(null),
            json!([1]),
            json!({}),
        ] {
            assert!(!flag(&v), "{v}");
        }
    }

    #[test]
    fn numeric_text() {
        assert_eq!(parse_numeric("10"), Some(10));
        assert_eq!(parse_numeric("+10"), Some(10));
        assert_eq!(parse_numeric("\t10\n"), Some(10));
        assert_eq!(parse_numeric(".5"), Some(0));
        assert_eq!(parse_numeric("   "), None);
        assert_eq!(parse_numeric("1 0"), None);
        assert_eq!(parse_numeric("infinity"), None);
    }
}
