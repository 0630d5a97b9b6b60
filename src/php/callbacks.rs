//! Calling the PHP callbacks a refresh is given, on PHP's own thread.
//!
//! An exception thrown by a callback stays pending in the engine and reaches
//! the caller unchanged; a fatal error's bailout is caught here so that
//! every Rust value of the refresh is dropped before the bailout resumes.

use std::panic::AssertUnwindSafe;

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::error::Error;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ZendCallable, Zval};
use ext_php_rs::zend::{try_catch, CatchError, ExecutorGlobals};

use super::convert::type_name;
use super::errors::invalid_argument;

/// Why a refresh stops early.
pub enum Stop {
    /// A PHP exception is pending (thrown by a callback): let it propagate.
    Pending,
    /// The engine bailed out inside a callback (fatal error): resume it
    /// once our frames are gone.
    Bailout,
    /// Our own error to throw.
    Throw(PhpException),
}

impl From<PhpException> for Stop {
    fn from(e: PhpException) -> Stop {
        Stop::Throw(e)
    }
}

/// A named PHP callable from the request (`db.write`, `log`, …).
pub struct Callback<'a> {
    pub name: &'static str,
    callable: ZendCallable<'a>,
}

impl<'a> Callback<'a> {
    /// The callable at `value`, or an error naming `name`.
    pub fn new(name: &'static str, value: &'a Zval) -> Result<Callback<'a>, PhpException> {
        ZendCallable::new(value)
            .map(|callable| Callback { name, callable })
            .map_err(|_| {
                invalid_argument(format!(
                    "{name} must be callable, {} given",
                    type_name(value)
                ))
            })
    }

    pub fn call(&self, args: Vec<&dyn IntoZvalDyn>) -> Result<Zval, Stop> {
        match try_catch(AssertUnwindSafe(|| self.callable.try_call(args))) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(Error::ExceptionPending { .. })) => Err(Stop::Pending),
            Ok(Err(_)) if ExecutorGlobals::has_exception() => Err(Stop::Pending),
            Ok(Err(e)) => Err(Stop::Throw(invalid_argument(format!(
                "calling {} failed: {e}",
                self.name
            )))),
            Err(CatchError::Bailout) => Err(Stop::Bailout),
            Err(e) => Err(Stop::Throw(invalid_argument(format!(
                "calling {} failed: {e}",
                self.name
            )))),
        }
    }
}
