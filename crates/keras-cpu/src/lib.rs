//! The native CPU backend of keras-rs: pure Rust, no system libraries.
#![warn(missing_docs)]

pub mod kernels;
