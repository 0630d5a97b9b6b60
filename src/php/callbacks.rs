//! Calling the PHP callbacks a refresh is given, on PHP's own thread.
//!
//! An exception thrown by a callback stays pending in the engine and reaches
//! the caller unchanged. A fatal error's bailout is caught here, so that the
//! refresh's Rust values are dropped before the bailout resumes: the call's
//! arguments and return value live in this frame, outside the part of the
//! stack a bailout skips, so nothing of ours leaks either way.

use std::panic::AssertUnwindSafe;
use std::ptr;

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::_call_user_function_impl;
use ext_php_rs::types::Zval;
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
    callable: &'a Zval,
}

impl<'a> Callback<'a> {
    /// The callable at `value`, or an error naming `name`.
    pub fn new(name: &'static str, value: &'a Zval) -> Result<Callback<'a>, PhpException> {
        if value.is_callable() {
            Ok(Callback {
                name,
                callable: value,
            })
        } else {
            Err(invalid_argument(format!(
                "{name} must be callable, {} given",
                type_name(value)
            )))
        }
    }

    pub fn call(&self, args: Vec<&dyn IntoZvalDyn>) -> Result<Zval, Stop> {
        let mut argv = args
            .into_iter()
            .map(|a| a.as_zval(false))
            .collect::<Result<Vec<Zval>, _>>()
            .map_err(|e| invalid_argument(format!("calling {} failed: {e}", self.name)))?;
        let argc = u32::try_from(argv.len()).unwrap_or(u32::MAX);
        let mut retval = Zval::new();
        let (callable, out, params) = (
            ptr::from_ref(self.callable).cast_mut(),
            &raw mut retval,
            argv.as_mut_ptr(),
        );
        // SAFETY: the callable, the arguments and the return slot are owned
        // by this frame and outlive the call; the engine only reads the
        // arguments and writes the return value.
        let status = try_catch(AssertUnwindSafe(|| unsafe {
            _call_user_function_impl(
                ptr::null_mut(),
                callable,
                out,
                argc,
                params,
                ptr::null_mut(),
            )
        }));
        match status {
            Err(CatchError::Bailout) => Err(Stop::Bailout),
            Err(e) => Err(invalid_argument(format!("calling {} failed: {e}", self.name)).into()),
            Ok(_) if ExecutorGlobals::has_exception() => Err(Stop::Pending),
            Ok(code) if code < 0 => {
                Err(invalid_argument(format!("calling {} failed", self.name)).into())
            }
            Ok(_) => Ok(retval),
        }
    }
}
