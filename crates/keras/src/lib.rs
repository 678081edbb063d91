//! Keras 3 for Rust: layers and models the Keras way, on top of [`keras_ops`].
//!
//! ```
//! use keras::layers::{Apply, Dense, Input, LayerExt};
//! use keras::models::Model;
//! let inputs = Input::new(&[784]).build();
//! let x = Dense::new(64).activation("relu").unwrap().apply(&inputs).unwrap();
//! let outputs = Dense::new(10).apply(&x).unwrap();
//! let model = Model::new(inputs, outputs).unwrap();
//! assert_eq!(model.count_params(), 784 * 64 + 64 + 64 * 10 + 10);
//! ```
#![warn(missing_docs)]

// Lets `#[derive(Layer)]` (which names `::keras`) work inside this crate too.
extern crate self as keras;

pub mod activations;
pub mod callbacks;
pub mod constraints;
pub mod datasets;
pub mod initializers;
pub mod layers;
pub mod losses;
pub mod metrics;
pub mod models;
pub mod optimizers;
pub mod regularizers;
pub mod saving;
pub mod trainers;
pub mod utils;

pub use keras_ops::{ops, random, DType, Error, GradientTape, Result, Tensor, Variable};
