//! `vf_capacity_for`: the pure capacity engine, callable from PHP.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use std::panic::AssertUnwindSafe;

use ext_php_rs::args::Arg;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::{run_handler, ExecuteData};
use serde::Deserialize;

use super::convert::type_name;
use super::errors::{guard, invalid_argument, shown, wrong_type};
use super::group_read;
use super::request::pool_of;
use super::shape::Shape;
use super::zval_de::{deref, ZvalDe};
use crate::core::fit::Buffer;
use crate::core::group::{group_capacity, Ipv4Need, Ipv4Pool, Tally};
use crate::core::hypervisor::{evaluate, Needs};
use crate::core::input::{self, DocError, Package, Setting};

const FUNCTION: &str = "vf_capacity_for";

/// Capacity of one hypervisor group for one package. Pure: no I/O.
///
/// `$package` is a package or a `/packages/{id}` body; `$resources` a
/// resources response with its `data` list; each as an array or JSON text.
/// `$options`: `ipv4` (addresses per VPS, default 1; 0 is IPv6-only),
/// `buffer` (safety buffer percent, default 10) and `ipv4Pool` (`'group'`
/// or `'hypervisor'`).
fn capacity_for(
    package: &Zval,
    resources: &Zval,
    options: Option<&Zval>,
) -> PhpResult<ZBox<ZendHashTable>> {
    guard(FUNCTION, || {
        let options = match options.map(Zval::dereference) {
            None => None,
            Some(o) => Some(
                o.array()
                    .ok_or_else(|| wrong_type(FUNCTION, 3, "options", "array", type_name(o)))?,
            ),
        };
        let package = read_package(package)?;
        // Read first, thrown after `$resources`' error, as the order of
        // the arguments says: arrays are evaluated as they are read.
        let settings = read_options(options);
        let (ipv4, buffer, _) = *settings.as_ref().unwrap_or(&DEFAULT_OPTIONS);
        let needs = Needs::of(&package, ipv4, buffer);
        let resources = deref(resources);
        let group = if resources.is_array() {
            // The direct reader of the shape json_decode makes (same
            // answers), each hypervisor evaluated as it is read.
            let (mut rows, mut tally) = (Vec::new(), Tally::new());
            group_read::each_hypervisor(resources, |hv, of| {
                if rows.is_empty() {
                    rows.reserve_exact(of);
                }
                tally.add(hv, push_in_place(&mut rows, || evaluate(hv, &needs, None)));
            })
            .map_err(|e| match e {
                DocError::Syntax(why) => {
                    invalid_argument(format!("{FUNCTION}(): $resources {why}"))
                }
                other => doc_error("resources", &other),
            })?;
            let (_, _, pool) = settings?;
            tally.finish(&needs, pool, None, rows)
        } else {
            let page = read_doc(resources, 2, "resources", input::resources_from_json, |d| {
                input::resources_from(d)
            })?;
            let (_, _, pool) = settings?;
            group_capacity(&page.data.into_items(), &needs, pool, None)
        };
        Ok(Shape::new().capacity(&group))
    })
}

/// Appends `make()` to `list` and returns it. While the list has room the
/// value is written where the list keeps it: `push` builds it aside (it
/// may grow the list first) and copies it in, reading back as wide words
/// what was just written as narrow ones, which stalls until they land.
fn push_in_place<T>(list: &mut Vec<T>, make: impl FnOnce() -> T) -> &T {
    match list.spare_capacity_mut().first_mut() {
        Some(slot) => {
            slot.write(make());
            // SAFETY: the slot after the last element was just written.
            unsafe { list.set_len(list.len() + 1) };
        }
        None => list.push(make()),
    }
    list.last().expect("a value was just added")
}

/// The registration of `vf_capacity_for`. Written by hand rather than with
/// `#[php_function]` so that `$options` is `array $options = []` (null is a
/// TypeError, as for any PHP function with that signature).
pub fn function() -> FunctionBuilder<'static> {
    ext_php_rs::zend_fastcall! {
        extern fn handler(ex: &mut ExecuteData, retval: &mut Zval) {
            run_handler(AssertUnwindSafe(|| {
                let (mut package, mut resources, mut options) = args();
                let parsed = ex.parser().arg(&mut package).arg(&mut resources).arg(&mut options).required_args(2).parse();
                if parsed.is_err() {
                    return; // the engine has thrown ArgumentCountError
                }
                let (Some(p), Some(r)) = (package.zval(), resources.zval()) else {
                    return;
                };
                let o = options.zval().map(|o| &**o);
                match capacity_for(p, r, o) {
                    Ok(result) => retval.set_hashtable(result),
                    Err(e) => e.throw(),
                }
            }));
        }
    }
    let (package, resources, options) = args();
    FunctionBuilder::new(FUNCTION, handler)
        .arg(package)
        .arg(resources)
        .arg(options)
        .required_args(2)
        .returns(DataType::Array, false, false)
}

/// MINIT: declares `$package` and `$resources` as `array|string` in the
/// function's arginfo, which ext-php-rs cannot express (it says `mixed`), so
/// that reflection and `php --re` show the real signature. Types of internal
/// functions are checked by our own code, not the engine, either way.
pub fn declare_union_types() {
    const IS_STRING: u32 = 6;
    const IS_ARRAY: u32 = 7;
    let array_or_string = (1 << IS_ARRAY) | (1 << IS_STRING);
    // SAFETY: in MINIT the function table holds our registered functions;
    // their arginfo is a leaked, writable array owned by this module, and no
    // request runs yet, so nothing reads it concurrently.
    unsafe {
        let Some(globals) = ext_php_rs::ffi::ext_php_rs_compiler_globals().as_ref() else {
            return;
        };
        let Some(table) = globals.function_table.as_ref() else {
            return;
        };
        let Some(func) = table
            .get(FUNCTION)
            .and_then(|z| z.ptr::<ext_php_rs::zend::Function>())
        else {
            return;
        };
        let internal = &mut (*func).internal_function;
        if internal.arg_info.is_null() || internal.num_args < 2 {
            return;
        }
        for i in 0..2 {
            let t = &mut (*internal.arg_info.add(i)).type_;
            t.type_mask = (t.type_mask & !ext_php_rs::ffi::MAY_BE_ANY) | array_or_string;
        }
    }
}

fn args() -> (Arg<'static>, Arg<'static>, Arg<'static>) {
    (
        Arg::new("package", DataType::Mixed),
        Arg::new("resources", DataType::Mixed),
        Arg::new("options", DataType::Array).default("[]"),
    )
}

fn read_package(zv: &Zval) -> PhpResult<Package> {
    read_doc(zv, 1, "package", input::package_from_json, |d| {
        input::package_from(d)
    })
}

/// Reads argument `position` as JSON text or, for an array, straight from
/// the PHP value.
fn read_doc<T>(
    zv: &Zval,
    position: usize,
    name: &str,
    from_json: fn(&[u8]) -> Result<T, DocError>,
    from_zval: fn(ZvalDe<'_>) -> Result<T, DocError>,
) -> PhpResult<T> {
    let zv = deref(zv);
    if let Some(s) = zv.zend_str() {
        return from_json(s.as_bytes()).map_err(|e| doc_error(name, &e));
    }
    if !zv.is_array() {
        return Err(wrong_type(
            FUNCTION,
            position,
            name,
            "array|string",
            type_name(zv),
        ));
    }
    from_zval(ZvalDe::new(zv)).map_err(|e| match e {
        // Not JSON, so no syntax error: the reader's own words.
        DocError::Syntax(why) => invalid_argument(format!("{FUNCTION}(): ${name} {why}")),
        other => doc_error(name, &other),
    })
}

fn doc_error(name: &str, e: &DocError) -> ext_php_rs::exception::PhpException {
    invalid_argument(format!("{FUNCTION}(): ${name} {e}"))
}

/// The options when none are given.
const DEFAULT_OPTIONS: (Ipv4Need, Buffer, Ipv4Pool) =
    (Ipv4Need::ONE, Buffer::DEFAULT, Ipv4Pool::Group);

/// `ipv4`, `buffer` and `ipv4Pool`, read as a product's settings are.
fn read_options(options: Option<&ZendHashTable>) -> PhpResult<(Ipv4Need, Buffer, Ipv4Pool)> {
    let (mut ipv4, mut buffer, mut pool) = DEFAULT_OPTIONS;
    let Some(options) = options else {
        return Ok((ipv4, buffer, pool));
    };
    let mut it = options.iter();
    while let Some((key, value)) = it.next_zval() {
        let name = key.zend_str().map_or_else(
            || key.long().unwrap_or_default().to_string(),
            |s| String::from_utf8_lossy(s.as_bytes()).into_owned(),
        );
        let v = deref(value);
        let scalar = |accepts: &str| -> PhpResult<Setting> {
            if v.is_array() || v.is_object() || v.is_resource() || (name == "ipv4" && v.is_null()) {
                return Err(invalid_argument(format!(
                    "{FUNCTION}(): option `{name}` must be {accepts}, {} given",
                    type_name(v)
                )));
            }
            Setting::deserialize(ZvalDe::new(v)).map_err(|e| invalid_argument(e.to_string()))
        };
        match (key.zend_str().map(|s| s.as_bytes()), name.as_str()) {
            (Some(_), "ipv4") => ipv4 = Ipv4Need::from_setting(scalar("an int")?),
            (Some(_), "buffer") => buffer = Buffer::from_setting(scalar("int|float|string|null")?),
            (Some(_), "ipv4Pool") => pool = pool_of(v, "vf_capacity_for(): option `ipv4Pool`")?,
            (bytes, _) => {
                let shown = bytes.map_or(name.clone(), shown);
                return Err(invalid_argument(format!(
                    "{FUNCTION}(): unknown option {shown} (known: ipv4, buffer, ipv4Pool)"
                )));
            }
        }
    }
    Ok((ipv4, buffer, pool))
}
