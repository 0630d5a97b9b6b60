//! The PHP boundary: argument conversion, exceptions, ini, phpinfo and
//! module registration.
//!
//! Everything here is thin: it converts PHP values to core and shell inputs,
//! calls them, and converts the answer back.

mod api;
mod callbacks;
mod capacity;
mod check;
mod convert;
mod errors;
mod group_read;
mod ini;
mod panel;
mod prefetch;
mod refresh;
mod request;
mod shape;
mod zval_de;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row};

use crate::shell::fetch::{GROUPS, PACKAGES};
use crate::shell::stats::STATS;

/// What `phpinfo()` shows: version, build, settings and cache figures;
/// never a token (the extension holds none between calls).
extern "C" fn info(module: *mut ModuleEntry) {
    // SAFETY: the engine passes our own module entry.
    let zts = unsafe { module.as_ref() }.is_some_and(|m| m.zts != 0);
    let s = STATS.snapshot();
    ext_php_rs::info_table_start!();
    info_table_row!("vfstock support", "enabled");
    info_table_row!("version", env!("CARGO_PKG_VERSION"));
    info_table_row!("built for PHP", env!("VFSTOCK_PHP_VERSION"));
    info_table_row!("PHP API", env!("VFSTOCK_PHP_API"));
    info_table_row!(
        "thread safety",
        if zts {
            "enabled (ZTS)"
        } else {
            "disabled (NTS)"
        }
    );
    info_table_row!("cached packages", PACKAGES.len().to_string());
    info_table_row!("cached groups", GROUPS.len().to_string());
    info_table_row!(
        "cache bytes",
        (PACKAGES.bytes() + GROUPS.bytes()).to_string()
    );
    info_table_row!("cache hits / misses", format!("{} / {}", s.hits, s.misses));
    info_table_row!(
        "upstream requests / errors",
        format!("{} / {}", s.requests, s.errors)
    );
    info_table_end!();
    // The standard table of each setting's local and master value.
    // SAFETY: `module` is our module entry, as the engine passes it.
    unsafe { display_ini_entries(module) };
}

extern "C" {
    fn display_ini_entries(module: *mut ModuleEntry);
}

fn startup(_ty: i32, module_number: i32) -> i32 {
    ini::register(module_number);
    capacity::declare_union_types();
    shape::startup();
    group_read::startup();
    0
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .info_function(info)
        .function(capacity::function())
        .function(refresh::function())
        .function(check::function());
    panel::functions()
        .into_iter()
        .fold(module, ModuleBuilder::function)
}
