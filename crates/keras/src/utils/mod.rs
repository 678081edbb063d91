//! Utilities shared by layers and models: naming, `summary()`.

pub mod naming;
pub mod summary;
