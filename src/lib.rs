//! vfstock: keeps WHMCS stock (`tblproducts.qty`) true to a VirtFusion
//! fleet's free capacity. See ARCHITECTURE.md for the map.
#![cfg_attr(windows, feature(abi_vectorcall))]

pub mod core;
pub mod shell;

#[cfg(feature = "php")]
mod php;
