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

/// A float as PHP writes it (`(string)$f` at PHP's default `precision`,
/// 14): at most 14 significant digits, trailing zeros dropped, and the
/// exponent form (`1.0E+25`, `1.5E-7`) from 1e15 up and below 1e-4. A name
/// the panel sends as a number then reads as `json_decode` and PHP show it,
/// not as 300 digits.
pub fn float_text(v: f64) -> String {
    const DIGITS: i32 = 14;
    if v.is_nan() {
        return "NAN".into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v.is_infinite() {
        return format!("{sign}INF");
    }
    if v == 0.0 {
        return format!("{sign}0");
    }
    // 14 significant digits, correctly rounded: "d.ddddddddddddde±x".
    let sci = format!("{:.*e}", (DIGITS - 1) as usize, v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Trailing zeros are dropped, but for one quirk of PHP's dtoa:
    // 100000000000005.0 is "1.0000000000000E+14".
    let digits = if digits.ends_with('0') && tie_kept(v.abs(), &digits) {
        digits.as_str()
    } else {
        digits.trim_end_matches('0')
    };
    // Where the point goes: the value is 0.DIGITS × 10^point.
    let point = exp.parse::<i32>().unwrap_or(0) + 1;
    let (lead, rest) = digits.split_at(1);
    if !(-3..=DIGITS).contains(&point) {
        let rest = if rest.is_empty() { "0" } else { rest };
        let e = point - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        format!("{sign}{lead}.{rest}E{e_sign}{}", e.abs())
    } else if point <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else {
        let point = point as usize;
        if digits.len() <= point {
            format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// Whether PHP's dtoa keeps the zeros of `digits`: only for an integer
/// of 15 digits ending in 5 that rounding to even left as it was (its
/// exact-integer path; every other path drops them).
fn tie_kept(v: f64, digits: &str) -> bool {
    if !(1e14..1e15).contains(&v) || v.fract() != 0.0 {
        return false;
    }
    let exact = (v as u64).to_string();
    exact.ends_with('5') && exact.get(..digits.len()) == Some(digits)
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
    fn floats_are_written_as_php_writes_them() {
        // Each pair is what `(string)$float` prints in PHP 8.
        let php = [
            (0.1, "0.1"),
            (12.5, "12.5"),
            (3.0, "3"),
            (-2.5, "-2.5"),
            (-0.0, "-0"),
            (1e25, "1.0E+25"),
            (1e15, "1.0E+15"),
            (1e14, "1.0E+14"),
            (99999999999999.0, "99999999999999"),
            (999999999999999.0, "1.0E+15"),
            (1.5e-7, "1.5E-7"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (2.5e-5, "2.5E-5"),
            (1.0 / 3.0, "0.33333333333333"),
            (2.0 / 3.0, "0.66666666666667"),
            (0.30000000000000004, "0.3"),
            (14.000000000000002, "14"),
            (123456789012345678.0, "1.2345678901235E+17"),
            (9223372036854775808.0, "9.2233720368548E+18"),
            (1e300, "1.0E+300"),
            (-1e-300, "-1.0E-300"),
            (f64::MAX, "1.7976931348623E+308"),
            (5e-324, "4.9406564584125E-324"),
            (0.000123456789012345, "0.00012345678901234"),
            // Ties at the 15th digit go to even; one kept keeps its zeros.
            (100000000000005.0, "1.0000000000000E+14"),
            (100000000000015.0, "1.0000000000002E+14"),
            (100000000000095.0, "1.000000000001E+14"),
            (199999999999995.0, "2.0E+14"),
            (12345678901234.5, "12345678901234"),
            (1234567890123.25, "1234567890123.2"),
            (1234567890123.75, "1234567890123.8"),
            (4.76837158203125e-7, "4.7683715820312E-7"),
            (2647267064381050.0, "2.647267064381E+15"),
            (100000000000001.0, "1.0E+14"),
            (100000000000006.0, "1.0000000000001E+14"),
            (100000000000000.5, "1.0E+14"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NAN"),
        ];
        for (v, text) in php {
            assert_eq!(float_text(v), text, "{v:e}");
        }
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
