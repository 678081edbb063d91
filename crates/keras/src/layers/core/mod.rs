//! Core layers: `InputLayer`/`Input`, `Dense`, ….

mod dense;
mod input_layer;

pub use dense::Dense;
pub(crate) use input_layer::input_tensor;
pub use input_layer::{Input, InputLayer};
