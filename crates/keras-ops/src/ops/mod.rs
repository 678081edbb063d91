//! The `keras.ops` namespace: Keras's function names, argument names and semantics.
//!
//! Every op validates its arguments (errors name the op and the shapes), resolves dtypes with
//! Keras's promotion rules, calls one backend kernel (or composes other ops), and records a
//! gradient rule when a tape is watching.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, -2.0, 3.0, -4.0], [2, 2]).unwrap();
//! let y = ops::sum(&ops::relu(&x).unwrap(), 1, false).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 3.0]);
//! ```

mod binary;
mod creation;
mod extra;
mod get_item;
mod indexing;
mod layout;
mod linalg;
mod math;
mod nn;
mod numeric;
mod operand;
mod reduction;
mod sorting;
mod tiling;

pub use binary::*;
pub use creation::*;
pub use extra::*;
pub use get_item::*;
pub use indexing::*;
pub use layout::*;
pub use linalg::*;
pub use math::*;
pub use nn::*;
pub use numeric::*;
pub use operand::{operands_dtype, Operand};
pub use reduction::*;
pub use sorting::*;
pub use tiling::*;

pub use crate::autodiff::{custom_gradient, stop_gradient};

use keras_backend::{bail, BinaryOp, DType, Result, UnaryOp};

use crate::autodiff::record;
use crate::config::floatx;
use crate::shape::{broadcast_shapes, pad_rank};
use crate::tensor::Tensor;

/// Converts `x` to `dtype`, keeping the gradient for float→float casts
/// (`keras.ops.cast`).
///
/// ```
/// use keras_ops::{ops, DType, Tensor};
/// let x = Tensor::from_vec(vec![1.7f32, -1.7], [2]).unwrap();
/// assert_eq!(ops::cast(&x, DType::I32).unwrap().to_vec::<i32>().unwrap(), vec![1, -1]);
/// ```
pub fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    let out = Tensor::from_storage(
        x.backend().cast(x.storage(), dtype)?,
        x.shape().clone(),
        x.backend(),
    );
    if !(dtype.is_float() && x.dtype().is_float()) {
        return Ok(out);
    }
    let from = x.dtype();
    Ok(record("cast", &[x], out, move |g, _, _| {
        Ok(vec![Some(cast(g, from)?)])
    }))
}

/// `x` itself if it is a float tensor, else `x` cast to `floatx` (how Keras treats integer
/// inputs of float-valued functions such as `sqrt`).
pub(crate) fn to_float(x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_float() {
        Ok(x.clone())
    } else {
        cast(x, floatx())
    }
}

/// Runs a unary kernel (no gradient).
pub(crate) fn unary_kernel(op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    let s = x.backend().unary(op, x.storage())?;
    Ok(Tensor::from_storage(s, x.shape().clone(), x.backend()))
}

/// Runs a binary kernel on two tensors of the same dtype with broadcasting (no gradient).
pub(crate) fn binary_kernel(op: BinaryOp, a: &Tensor, b: &Tensor, name: &str) -> Result<Tensor> {
    if a.dtype() != b.dtype() {
        bail!(
            name,
            "dtype mismatch: {} and {}",
            a.describe(),
            b.describe()
        );
    }
    let out_shape = broadcast_shapes(a.dims(), b.dims(), name)?;
    let r = out_shape.len();
    let s = a.backend().binary(
        op,
        a.storage(),
        &pad_rank(a.dims(), r),
        b.storage(),
        &pad_rank(b.dims(), r),
        &out_shape,
    )?;
    Ok(Tensor::from_storage(s, out_shape, a.backend()))
}

/// Sums `g` over the dims that broadcasting added or stretched, giving shape `dims`
/// (the gradient of a broadcast).
pub(crate) fn sum_to_shape(g: &Tensor, dims: &[usize]) -> Result<Tensor> {
    if g.dims() == dims {
        return Ok(g.clone());
    }
    let lead = g.rank() - dims.len();
    let axes: Vec<i64> = (0..g.rank())
        .filter(|&i| i < lead || (dims[i - lead] == 1 && g.dims()[i] != 1))
        .map(|i| i as i64)
        .collect();
    let s = sum(g, axes, false)?;
    reshape(&s, dims)
}
