//! Utilities shared by layers and models (naming, argument checks, …).

pub(crate) mod argument_validation;
pub mod naming;
