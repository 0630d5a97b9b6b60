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
    PhpException::new(message.into(), 0, ce::type_error())
}

fn spl(class: &str, message: String) -> PhpException {
    // SPL is always compiled into PHP 8; `Exception` is only a fallback.
    let ce: &'static ClassEntry = ClassEntry::try_find(class).unwrap_or_else(ce::exception);
    PhpException::new(message, 0, ce)
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
