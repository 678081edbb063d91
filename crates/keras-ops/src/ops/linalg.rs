//! Products and contractions of tensors (`keras.ops.matmul`, `dot`, `einsum`, `tensordot`,
//! `inner`, `outer`, `vdot`, `trace`, `kron`, `cross`).
//!
//! Every contraction ends in one batched matrix product (the backend's `matmul` kernel, with
//! broadcast operands read through a zero batch stride instead of being copied), so all of
//! them are differentiable through the matmul gradient rule. Integer products wrap in the
//! result dtype, as XLA's do (`int8 · int8` is computed in int32 where Keras says so).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]).unwrap();
//! let b = Tensor::from_vec(vec![1.0f32, 0.0, -1.0], [3]).unwrap();
//! assert_eq!(ops::matmul(&a, &b).unwrap().to_vec::<f32>().unwrap(), vec![-2.0, -2.0]);
//! let e = ops::einsum("ij,j->i", &[&a, &b]).unwrap();
//! assert_eq!(e.to_vec::<f32>().unwrap(), vec![-2.0, -2.0]);
//! ```

mod cross;
mod diagonal;
mod einsum;
mod matmul;
mod products;

pub use cross::cross;
pub use diagonal::trace;
pub use einsum::einsum;
pub use matmul::matmul;
pub use products::{dot, inner, kron, outer, tensordot, vdot, TensordotAxes};
