//! Helpers of the Rust → Python interop test: models built here, and the files that
//! `tests/interop/check_rust_models.py` reads.

pub mod export;
pub mod layer_models;
pub mod npy;
pub mod trained_models;

/// Any error (keras-rs's, I/O, or a message), for `?` in test helpers.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;
