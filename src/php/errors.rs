//! Exceptions at the boundary, and the panic guard.
//!
//! Every exported function runs its body through [`guard`], so a Rust panic
//! reaches PHP as a `\RuntimeException` instead of taking down the worker.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::zend::{ce, ClassEntry};

/// A `\InvalidArgumentException` (SPL) with the given message.
pub fn invalid_argument(message: impl Into<String>) -> PhpException {
    spl("InvalidArgumentException", message.into())
}

/// A `\RuntimeException` (SPL) with the given message.
pub fn runtime(message: impl Into<String>) -> PhpException {
    spl("RuntimeException", message.into())
}

/// A `\TypeError` with the given message.
pub fn type_error(message: impl Into<String>) -> PhpException {
    PhpException::new(safe(message.into()), 0, ce::type_error())
}

fn spl(class: &str, message: String) -> PhpException {
    // SPL is always compiled into PHP 8; `Exception` is only a fallback.
    let ce: &'static ClassEntry = ClassEntry::try_find(class).unwrap_or_else(ce::exception);
    PhpException::new(safe(message), 0, ce)
}

/// A message the engine can take: a NUL byte (from echoed input) would
/// make throwing it fail and surface as a bare `\Error` instead.
fn safe(message: String) -> String {
    if message.contains('\0') {
        message.replace('\0', "\\0")
    } else {
        message
    }
}

/// Input bytes as a message shows them: quoted, at most 60 characters,
/// control characters and bytes that are not UTF-8 escaped (`\xff`).
pub fn shown(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut chars = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if chars == 60 {
                out.push_str("…\"");
                return out;
            }
            chars += 1;
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            chars += 1;
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// Runs `body`, turning a panic into a `\RuntimeException`.
pub fn guard<T>(function: &str, body: impl FnOnce() -> PhpResult<T>) -> PhpResult<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_owned());
            Err(runtime(format!("{function}(): internal error ({detail})")))
        }
    }
}

/// PHP's wording for an argument of the wrong type.
pub fn wrong_type(
    function: &str,
    position: usize,
    name: &str,
    expected: &str,
    given: &str,
) -> PhpException {
    type_error(format!(
        "{function}(): Argument #{position} (${name}) must be of type {expected}, {given} given"
    ))
}
