//! The PHP boundary: argument conversion, exceptions, module registration.
//!
//! Everything here is thin: it converts PHP values to core inputs, calls the
//! core (or the shell), and converts the answer back.

mod capacity;
mod convert;
mod errors;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// What `phpinfo()` shows.
extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("vfstock support", "enabled");
    info_table_row!("version", env!("CARGO_PKG_VERSION"));
    info_table_row!("built for PHP", env!("VFSTOCK_PHP_VERSION"));
    info_table_row!("PHP API", env!("VFSTOCK_PHP_API"));
    info_table_end!();
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module.info_function(info).function(capacity::function())
}
