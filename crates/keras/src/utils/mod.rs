//! Utilities shared by layers and models: naming, argument checks, `summary()`, the
//! progress bar.

pub(crate) mod argument_validation;
pub mod naming;
pub mod progbar;
pub mod summary;
