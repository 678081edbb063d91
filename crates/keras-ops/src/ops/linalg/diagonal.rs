//! Diagonals of the last two axes (shared by `einsum` for repeated labels) and
//! `keras.ops.trace`.
//!
//! ```
//! use keras_ops::{ops, DType};
//! let x = ops::ones(&[2, 3, 3], DType::F32).unwrap();
//! assert_eq!(ops::trace(&x, 0, 1, 2).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 3.0]);
//! ```

use keras_backend::{bail, Result};

use crate::autodiff::record;
use crate::ops::layout::permute;
use crate::ops::{reshape, sum, zeros};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// The diagonal `x[..., i, i + offset]` of the last two axes, as a new last axis (with
/// gradient). Read as one strided slice of the flattened matrices: no copy of the rest.
pub(crate) fn diagonal_last2(x: &Tensor, offset: i64) -> Result<Tensor> {
    let r = x.rank();
    let (n1, n2) = (x.dims()[r - 2] as i64, x.dims()[r - 1] as i64);
    let (len, start) = if offset >= 0 {
        ((n2 - offset).min(n1).max(0), offset)
    } else {
        ((n1 + offset).min(n2).max(0), -offset * n2)
    };
    let mut out_dims = x.dims()[..r - 2].to_vec();
    out_dims.push(len as usize);
    if len == 0 || x.size() == 0 {
        return zeros(&out_dims, x.dtype());
    }
    let mut flat_dims = x.dims()[..r - 2].to_vec();
    flat_dims.push((n1 * n2) as usize);
    let flat = reshape(x, flat_dims.clone())?;
    let mut begin = vec![0; r - 1];
    begin[r - 2] = start as usize;
    let mut steps = vec![1isize; r - 1];
    steps[r - 2] = (n2 + 1) as isize;
    let s = flat
        .backend()
        .strided_slice(flat.storage(), &flat_dims, &begin, &steps, &out_dims)?;
    let y = Tensor::from_storage(s, out_dims, flat.backend());
    let y = record("diagonal", &[&flat], y, move |g, _, _| {
        let base = zeros(&flat_dims, g.dtype())?;
        let s = g.backend().strided_slice_assign(
            base.storage(),
            &flat_dims,
            &begin,
            &steps,
            g.storage(),
            g.dims(),
        )?;
        Ok(vec![Some(Tensor::from_storage(
            s,
            flat_dims.clone(),
            g.backend(),
        ))])
    });
    Ok(y)
}

/// Sum along the diagonal `x[..., i, i + offset]` of the plane (`axis1`, `axis2`)
/// (`keras.ops.trace`); the other axes remain in order. Bool and small integers sum in
/// int32, as Keras's `sum`.
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let x = Tensor::from_vec((0..9).map(|v| v as f32).collect::<Vec<_>>(), [3, 3]).unwrap();
/// assert_eq!(ops::trace(&x, 0, 0, 1).unwrap().item().unwrap(), 12.0);
/// assert_eq!(ops::trace(&x, 1, 0, 1).unwrap().item().unwrap(), 6.0);
/// ```
pub fn trace(x: &Tensor, offset: i64, axis1: i64, axis2: i64) -> Result<Tensor> {
    let r = x.rank();
    if r < 2 {
        bail!(
            "trace",
            "expected a tensor of rank >= 2, got shape {}",
            x.shape()
        );
    }
    let a1 = normalize_axis(axis1, r, "trace")?;
    let a2 = normalize_axis(axis2, r, "trace")?;
    if a1 == a2 {
        bail!(
            "trace",
            "axis1 and axis2 must differ, both are {a1} (shape {})",
            x.shape()
        );
    }
    let mut perm: Vec<usize> = (0..r).filter(|&i| i != a1 && i != a2).collect();
    perm.extend([a1, a2]);
    let d = diagonal_last2(&permute(x, &perm)?, offset)?;
    sum(&d, -1, false)
}
