//! Utilities shared by layers and models: naming, argument checks, `summary()`.

pub(crate) mod argument_validation;
pub mod naming;
pub mod summary;
