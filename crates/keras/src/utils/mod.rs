//! Utilities shared by layers and models: naming, argument checks, `summary()`, the
//! progress bar.

pub(crate) mod argument_validation;
pub mod naming;
mod numerical;
pub mod progbar;
pub mod summary;

pub use numerical::{normalize, to_categorical};
