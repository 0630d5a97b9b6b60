//! `vf_capacity_for`: the pure capacity engine, callable from PHP.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use std::panic::AssertUnwindSafe;

use ext_php_rs::args::Arg;
use ext_php_rs::builders::FunctionBuilder;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::{run_handler, ExecuteData};
use serde_json::Value;

use super::convert::{opt_int, opt_str, table, to_json, type_name};
use super::errors::{guard, invalid_argument, wrong_type};
use super::zval_de::ZvalDe;
use crate::core::fit::{Buffer, Fit};
use crate::core::group::{group_capacity, GroupCapacity, Ipv4Need};
use crate::core::hypervisor::Row;
use crate::core::input::{self, DocError, Package, ResourcesPage};

const FUNCTION: &str = "vf_capacity_for";

/// Capacity of one hypervisor group for one package. Pure: no I/O.
///
/// `$package` is a package or a `/packages/{id}` body; `$resources` a
/// resources response with its `data` list; each as an array or JSON text.
/// `$options`: `ipv4` (addresses per VPS, default 1) and `buffer` (safety
/// buffer percent, default 10).
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
        let page = read_resources(resources)?;
        let (ipv4, buffer) = read_options(options)?;
        let group = group_capacity(page.data.items(), &package, ipv4, buffer);
        Ok(group_to_php(&group))
    })
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

fn read_resources(zv: &Zval) -> PhpResult<ResourcesPage> {
    read_doc(zv, 2, "resources", input::resources_from_json, |d| {
        input::resources_from(d)
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
    let zv = zv.dereference();
    if let Some(s) = zv.zend_str() {
        return from_json(s.as_bytes()).map_err(|e| doc_error(name, &e));
    }
    let Some(ht) = zv.array() else {
        return Err(wrong_type(
            FUNCTION,
            position,
            name,
            "array|string",
            type_name(zv),
        ));
    };
    if ht.is_empty() {
        // `json_decode('{}', true)` is `[]`: at the top level, where only an
        // object makes sense, an empty array is the empty object.
        return from_json(b"{}").map_err(|e| doc_error(name, &e));
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

fn read_options(options: Option<&ZendHashTable>) -> PhpResult<(Ipv4Need, Buffer)> {
    let (mut ipv4, mut buffer) = (Ipv4Need::ONE, Buffer::DEFAULT);
    let Some(options) = options else {
        return Ok((ipv4, buffer));
    };
    for (key, value) in options.iter() {
        let key = key.to_string();
        let scalar = |accepts: &str| -> PhpResult<Value> {
            let v = value.dereference();
            if v.is_array() || v.is_object() || v.is_resource() || (key == "ipv4" && v.is_null()) {
                return Err(invalid_argument(format!(
                    "{FUNCTION}(): option `{key}` must be {accepts}, {} given",
                    type_name(value)
                )));
            }
            to_json(value).map_err(invalid_argument)
        };
        match key.as_str() {
            "ipv4" => ipv4 = Ipv4Need::from_setting(&scalar("an int")?),
            "buffer" => buffer = Buffer::from_setting(&scalar("int|float|string|null")?),
            other => {
                return Err(invalid_argument(format!(
                    "{FUNCTION}(): unknown option `{other}` (known: ipv4, buffer)"
                )))
            }
        }
    }
    Ok((ipv4, buffer))
}

/// A group's capacity in the shape of SPEC §5; shared with the refresh
/// breakdown.
pub fn group_to_php(group: &GroupCapacity) -> ZBox<ZendHashTable> {
    let mut out = table(4);
    let _ = out.insert("fits", group.fits.finite().unwrap_or(i64::MAX));
    let _ = out.insert("unbounded", group.unbounded());
    let _ = out.insert("ipv4Cap", opt_int(group.ipv4_cap));
    let mut rows = table(group.rows.len());
    for row in &group.rows {
        let _ = rows.push(row_to_php(row));
    }
    let _ = out.insert("hypervisors", rows);
    out
}

fn row_to_php(row: &Row) -> ZBox<ZendHashTable> {
    let mut out = table(11);
    let axes = row.outcome.as_ref().ok();
    let fin = |f: Option<Fit>| opt_int(f.and_then(Fit::finite));
    let _ = out.insert("id", row.id);
    let _ = out.insert("name", row.name.as_str());
    let _ = out.insert("eligible", axes.is_some());
    let _ = out.insert(
        "skipped",
        opt_str(row.outcome.as_ref().err().map(|s| s.as_str())),
    );
    let _ = out.insert("memory", fin(axes.map(|a| a.memory)));
    let _ = out.insert("cpu", fin(axes.map(|a| a.cpu)));
    let _ = out.insert("storage", fin(axes.map(|a| a.storage)));
    let _ = out.insert("fits", fin(axes.map(|a| a.fits())));
    let _ = out.insert(
        "binding",
        opt_str(axes.and_then(|a| a.binding()).map(|b| b.as_str())),
    );
    let _ = out.insert("pool", opt_str(axes.and_then(|a| a.pool.as_deref())));
    let _ = out.insert("ipv4Free", opt_int(row.ipv4_free));
    out
}
