//! Utilities shared by layers and models (naming, …).

pub mod naming;
