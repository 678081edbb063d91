//! Gathering and scattering by index (`keras.ops.take`, ...).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![10.0f32, 20.0, 30.0], [3]).unwrap();
//! let i = Tensor::from_vec(vec![2i32, -3], [2]).unwrap();
//! assert_eq!(ops::take(&x, &i, None).unwrap().to_vec::<f32>().unwrap(), vec![30.0, 10.0]);
//! ```

use keras_backend::{bail, DType, Result};

use super::reshape;
use crate::autodiff::record;
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// Integer `indices` as int64 with negative values wrapped by `size`; errors if any is out
/// of `[-size, size)`.
pub(crate) fn checked_indices(indices: &Tensor, size: usize, op: &str) -> Result<Tensor> {
    if indices.dtype().is_float() || indices.dtype() == DType::Bool {
        bail!(op, "indices must be integers, got {}", indices.describe());
    }
    let mut v = indices.to_vec::<i64>()?;
    let n = size as i64;
    for i in v.iter_mut() {
        if *i < -n || *i >= n {
            bail!(op, "index {i} is out of bounds for an axis of size {size}");
        }
        if *i < 0 {
            *i += n;
        }
    }
    Tensor::from_vec(v, indices.shape().clone())
}

/// Elements of `x` at `indices` along `axis` (the flattened `x` when `None`);
/// the result has shape `x.shape[:axis] + indices.shape + x.shape[axis+1:]`
/// (`keras.ops.take`). Negative indices count from the end.
pub fn take(x: &Tensor, indices: &Tensor, axis: Option<i64>) -> Result<Tensor> {
    let (src, ax) = match axis {
        None => (reshape(x, [x.size() as i64])?, 0),
        Some(a) => (x.clone(), normalize_axis(a, x.rank(), "take")?),
    };
    let idx = checked_indices(indices, src.dims()[ax], "take")?;
    let flat = reshape(&idx, [idx.size() as i64])?;
    let s = src.backend().gather(src.storage(), src.dims(), ax, flat.storage())?;
    let mut gathered = src.dims().to_vec();
    gathered[ax] = flat.size();
    let y = Tensor::from_storage(s, gathered, src.backend());
    let y = if src.dtype().is_float() {
        let dims = src.dims().to_vec();
        record("take", &[&src], y, move |g, _, _| {
            let zeros = super::zeros(&dims, g.dtype())?;
            let s = g.backend().index_add(zeros.storage(), &dims, ax, flat.storage(), g.storage())?;
            Ok(vec![Some(Tensor::from_storage(s, dims.clone(), g.backend()))])
        })
    } else {
        y
    };
    let mut out: Vec<usize> = src.dims()[..ax].to_vec();
    out.extend_from_slice(idx.dims());
    out.extend_from_slice(&src.dims()[ax + 1..]);
    reshape(&y, out)
}
