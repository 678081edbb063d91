//! Neural-network ops (`keras.ops.nn`): activations, convolution, pooling, losses and
//! normalization.

mod activations;
mod conv;
mod losses;
mod normalization;
mod pool;

pub use activations::*;
pub use conv::*;
pub use losses::*;
pub use normalization::*;
pub use pool::*;
