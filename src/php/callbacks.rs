//! Calling the PHP callbacks a request is given, on PHP's own thread.
//!
//! Every callable is **owned** (its refcount held) from parsing to the end
//! of the run: a request whose `db` is held by reference, with a callback
//! that sets `$db = null` or adds keys to it, freed or moved the closures
//! under a borrowed pointer and crashed PHP. An exception thrown by a
//! callback stays pending in the engine and reaches the caller unchanged. A
//! fatal error's bailout is caught here, so that the run's Rust values are
//! dropped before the bailout resumes.

use std::panic::AssertUnwindSafe;
use std::ptr;

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::{_call_user_function_impl, zend_object_iterator};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{try_catch, CatchError, ExecutorGlobals};

use super::convert::type_name;
use super::errors::invalid_argument;
use super::zval_de::deref;

extern "C" {
    /// Releases an iterator `get_iterator` made (and the object it holds).
    fn zend_iterator_dtor(iter: *mut zend_object_iterator);
}

/// Why a run stops early.
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

/// A named PHP callable from the request (`db.write`, `log`, …), owned.
pub struct Callback {
    pub name: &'static str,
    callable: Zval,
}

impl Callback {
    /// The callable at `value`, or an error naming `name`.
    pub fn new(name: &'static str, value: &Zval) -> Result<Callback, PhpException> {
        let value = deref(value);
        if value.is_callable() {
            Ok(Callback {
                name,
                callable: value.shallow_clone(),
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
            ptr::from_ref(&self.callable).cast_mut(),
            &raw mut retval,
            argv.as_mut_ptr(),
        );
        // SAFETY: the callable (owned by `self`), the arguments and the
        // return slot live in this frame and outlive the call; the engine
        // only reads the arguments and writes the return value.
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

/// The values a callback returned, as an array or a Traversable (a
/// Generator, an Iterator, an IteratorAggregate), each owned. The iterator
/// the engine makes for a Traversable is released, whatever happens:
/// without that, 500 refreshes over a Generator leaked 49 MB.
pub fn values(returned: &mut Zval, name: &str) -> Result<Vec<Zval>, Stop> {
    let given = type_name(returned);
    let value = returned.dereference_mut();
    if let Some(ht) = value.array() {
        return Ok(ht.values().map(|v| deref(v).shallow_clone()).collect());
    }
    if !value.is_traversable() {
        return Err(invalid_argument(format!(
            "{name} must return an array or a Traversable, {given} returned"
        ))
        .into());
    }
    let Some(iter) = value.traversable() else {
        return Err(if ExecutorGlobals::has_exception() {
            Stop::Pending
        } else {
            invalid_argument(format!(
                "{name} returned a Traversable that cannot be iterated"
            ))
            .into()
        });
    };
    let mut out = Vec::new();
    let ok = iter.rewind();
    if ok {
        while iter.valid() {
            match iter.get_current_data() {
                Some(v) => out.push(deref(v).shallow_clone()),
                None => break,
            }
            if !iter.move_forward() {
                break;
            }
        }
    }
    // SAFETY: `iter` came from `get_iterator` and is released exactly once.
    unsafe { zend_iterator_dtor(ptr::from_mut(iter)) };
    if ExecutorGlobals::has_exception() {
        return Err(Stop::Pending);
    }
    Ok(out)
}
