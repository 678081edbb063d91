//! Core layers: `InputLayer`/`Input`, `Dense`, `EinsumDense`, `Embedding`, `Identity`,
//! `Lambda`, `Masking`.

mod dense;
mod einsum_dense;
mod embedding;
mod identity;
mod input_layer;
mod lambda;
mod masking;

pub use dense::Dense;
pub use einsum_dense::EinsumDense;
pub use embedding::Embedding;
pub use identity::Identity;
pub(crate) use input_layer::input_tensor;
pub use input_layer::{Input, InputLayer};
pub use lambda::{register_lambda, Lambda, LambdaFn};
pub use masking::Masking;
