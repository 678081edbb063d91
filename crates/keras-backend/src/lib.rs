//! The contract between `keras-ops` and the compute engines of keras-rs.
//!
//! This crate holds what every backend needs and nothing more: [`DType`] and Keras's
//! promotion rules ([`result_type`]), [`HostBuffer`] for moving data in and out, the
//! [`Backend`] trait with its parameter types, and the shared [`Error`].
//!
//! ```
//! use keras_backend::{result_type, DType};
//! assert_eq!(result_type(&[DType::I32.into(), DType::F16.into()]), DType::F16);
//! ```
#![warn(missing_docs)]

mod backend;
mod dtype;
mod error;
mod host;

pub use backend::{
    ArgReduceOp, Backend, BackendStorage, BinaryOp, ConvParams, CumulativeOp, MatmulDims, PadMode,
    PoolKind, PoolParams, ReduceOp, ScatterMode, Storage, UnaryOp,
};
pub use dtype::{result_type, DType, TypeArg, ALL_DTYPES};
pub use error::{Error, Result};
pub use half::{bf16, f16};
pub use host::{Element, HostBuffer};
