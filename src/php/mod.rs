//! The PHP boundary: argument conversion, exceptions, ini, phpinfo and
//! module registration.
//!
//! Everything here is thin: it converts PHP values to core and shell inputs,
//! calls them, and converts the answer back.

mod api;
mod callbacks;
mod capacity;
mod convert;
mod errors;
mod ini;
mod panel;
mod refresh;
mod zval_de;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_header, info_table_row};

use crate::shell::fetch::{GROUPS, PACKAGES};
use crate::shell::stats::STATS;

/// What `phpinfo()` shows: version, build, settings and cache figures;
/// never a token (the extension holds none between calls).
extern "C" fn info(_module: *mut ModuleEntry) {
    let s = STATS.snapshot();
    ext_php_rs::info_table_start!();
    info_table_row!("vfstock support", "enabled");
    info_table_row!("version", env!("CARGO_PKG_VERSION"));
    info_table_row!("built for PHP", env!("VFSTOCK_PHP_VERSION"));
    info_table_row!("PHP API", env!("VFSTOCK_PHP_API"));
    info_table_row!("cached packages", PACKAGES.len().to_string());
    info_table_row!("cached groups", GROUPS.len().to_string());
    info_table_row!("cache hits / misses", format!("{} / {}", s.hits, s.misses));
    info_table_row!(
        "upstream requests / errors",
        format!("{} / {}", s.requests, s.errors)
    );
    info_table_end!();
    ext_php_rs::info_table_start!();
    info_table_header!("Directive", "Value");
    for name in ini::names() {
        info_table_row!(name, ini::get(name).unwrap_or_default());
    }
    info_table_end!();
}

fn startup(_ty: i32, module_number: i32) -> i32 {
    ini::register(module_number);
    capacity::declare_union_types();
    0
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .info_function(info)
        .function(capacity::function())
        .function(refresh::function());
    panel::functions()
        .into_iter()
        .fold(module, ModuleBuilder::function)
}
