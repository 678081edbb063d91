//! Utilities shared by layers and models: naming, argument checks, `summary()`, the
//! progress bar.

pub(crate) mod argument_validation;
pub mod naming;
mod numerical;
pub mod progbar;
pub mod summary;

/// Seeds every unseeded random draw of layers and initializers (`keras.utils.set_random_seed`).
pub use crate::initializers::set_random_seed;
pub use numerical::{normalize, to_categorical};
