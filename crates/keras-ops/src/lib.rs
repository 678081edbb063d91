//! Tensors, the `keras.ops` namespace, reverse-mode autodiff and seeded random numbers:
//! the layer of keras-rs that everything else (layers, models, training) stands on.
//!
//! * [`Tensor`]: dynamic shape and dtype, immutable, cheap to clone, on the selected backend;
//! * [`ops`]: Keras's op names, argument names and semantics (see the table below);
//! * [`GradientTape`], [`value_and_grad`], [`stop_gradient`], [`custom_gradient`]: autodiff
//!   written above the backend, so it works the same on every backend;
//! * [`random`]: counter-based (Philox) samplers with a [`random::SeedGenerator`];
//! * [`Variable`]: shared mutable state for weights.
//!
//! ```
//! use keras_ops::{ops, value_and_grad, Tensor};
//! let w = Tensor::from_vec(vec![0.5f32, -1.0], [2]).unwrap();
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
//! let (loss, grads) = value_and_grad(
//!     |p| ops::mean(&ops::square(&ops::matmul(&x, &p[0])?)?, None, false),
//!     &[w],
//! ).unwrap();
//! assert!(loss.item().unwrap() > 0.0);
//! assert_eq!(grads[0].dims(), &[2]);
//! ```
#![warn(missing_docs)]

pub mod autodiff;
pub mod config;
#[doc = include_str!("../OPS.md")]
pub mod coverage {}
pub mod ops;
pub mod random;
mod shape;
mod tensor;
mod variable;

pub use autodiff::{
    custom_gradient, stop_gradient, value_and_grad, CustomGradFn, GradientTape, Source,
};
pub use keras_backend::{result_type, DType, Error, HostBuffer, Result, TypeArg};
pub use shape::{broadcast_shapes, normalize_axis, Axes, Shape};
pub use tensor::{Tensor, TensorId};
pub use variable::{AutocastScope, Variable};
