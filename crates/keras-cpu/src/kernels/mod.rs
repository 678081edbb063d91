//! Kernels on host slices. Each file holds one family; all are plain functions over
//! contiguous row-major data so they can be tested and benchmarked on their own.

pub mod bmm;
pub mod broadcast;
pub mod conv;
pub mod dispatch;
pub mod elementwise;
pub mod gather;
pub mod layout;
pub mod matmul;
pub mod nn;
pub mod pool;
pub mod reduce;
pub mod sort;
pub mod special;

/// The float types the heavy kernels (matmul, conv, pool) are written for: `f32` and `f64`.
/// Half-precision inputs are widened to `f32` by the backend before calling them.
pub trait Float:
    num_traits::Float + keras_backend::Element + Default + std::iter::Sum + std::fmt::Debug
{
}
impl Float for f32 {}
impl Float for f64 {}
