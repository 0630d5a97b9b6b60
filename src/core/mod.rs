//! The pure core: capacity maths and value reading.
//!
//! No PHP and no I/O here: everything is a function of its arguments, so it
//! is tested exhaustively in plain Rust and shared by every caller.

pub mod fast_json;
pub mod fit;
pub mod group;
pub mod hypervisor;
pub mod input;
pub mod name;
pub mod options;
pub mod placement;
pub mod product;
pub mod read;
pub mod value;

#[cfg(test)]
mod tests;
