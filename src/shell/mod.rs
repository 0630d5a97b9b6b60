//! The I/O shell: the VirtFusion client, its caches and counters.
//!
//! Knows nothing of PHP; the boundary hands it [`settings::Settings`] and an
//! [`settings::Api`], and gets plain Rust values back.

pub mod allocator;
pub mod cache;
pub mod check;
pub mod deadline;
pub mod fetch;
pub mod fleet;
pub mod http;
pub mod lease;
pub mod probe;
pub mod refresh;
pub mod settings;
pub mod stats;
pub mod upstream;
