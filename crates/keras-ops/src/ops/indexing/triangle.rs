//! Triangles and diagonals of matrices (`keras.ops.tril`, `triu`, `diag`, `diagflat`,
//! `diagonal`).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]).unwrap();
//! assert_eq!(ops::tril(&x, 0).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 0.0, 3.0, 4.0]);
//! assert_eq!(ops::diagonal(&x, 0, 0, 1).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 4.0]);
//! assert_eq!(ops::diag(&ops::diagonal(&x, 0, 0, 1).unwrap(), 0).unwrap().dims(), &[2, 2]);
//! ```

use keras_backend::{bail, DType, Result};

use super::{scatter_update, take};
use crate::ops::layout::permute;
use crate::ops::{logical_not, ravel, reshape, tri, where_, zeros, zeros_like};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// `x` where the `[rows, cols]` mask of the last two axes holds, zeros elsewhere.
fn mask_last_two(
    x: &Tensor,
    op: &str,
    mask: impl Fn(usize, usize) -> Result<Tensor>,
) -> Result<Tensor> {
    if x.rank() < 2 {
        bail!(
            op,
            "expected a tensor of rank >= 2, got shape {}",
            x.shape()
        );
    }
    let (n, m) = (x.dims()[x.rank() - 2], x.dims()[x.rank() - 1]);
    where_(&mask(n, m)?, x, &zeros_like(x)?)
}

/// The lower triangle: elements on and below the `k`-th diagonal of the last two axes,
/// zeros above (`keras.ops.tril`).
pub fn tril(x: &Tensor, k: i64) -> Result<Tensor> {
    mask_last_two(x, "tril", |n, m| tri(n, Some(m), k, Some(DType::Bool)))
}

/// The upper triangle: elements on and above the `k`-th diagonal of the last two axes,
/// zeros below (`keras.ops.triu`).
pub fn triu(x: &Tensor, k: i64) -> Result<Tensor> {
    mask_last_two(x, "triu", |n, m| {
        logical_not(&tri(n, Some(m), k - 1, Some(DType::Bool))?)
    })
}

/// The `k`-th diagonal of a matrix, or a square matrix with a vector on its `k`-th
/// diagonal (`keras.ops.diag`).
pub fn diag(x: &Tensor, k: i64) -> Result<Tensor> {
    match x.rank() {
        1 => {
            let n = x.dims()[0];
            let size = n + k.unsigned_abs() as usize;
            let (r0, c0) = if k >= 0 { (0, k) } else { (-k, 0) };
            let idx: Vec<i64> = (0..n as i64).flat_map(|i| [r0 + i, c0 + i]).collect();
            let idx = Tensor::from_vec(idx, [n, 2])?;
            scatter_update(&zeros(&[size, size], x.dtype())?, &idx, x, None)
        }
        2 => diagonal(x, k, 0, 1),
        _ => bail!(
            "diag",
            "expected a 1-D or 2-D tensor, got shape {}",
            x.shape()
        ),
    }
}

/// A square matrix with the flattened `x` on its `k`-th diagonal (`keras.ops.diagflat`).
pub fn diagflat(x: &Tensor, k: i64) -> Result<Tensor> {
    diag(&ravel(x)?, k)
}

/// The `offset`-th diagonal of the planes spanned by `axis1` (rows) and `axis2`
/// (columns); those axes are removed and the diagonal becomes the last axis
/// (`keras.ops.diagonal`).
pub fn diagonal(x: &Tensor, offset: i64, axis1: i64, axis2: i64) -> Result<Tensor> {
    if x.rank() < 2 {
        bail!(
            "diagonal",
            "expected a tensor of rank >= 2, got shape {}",
            x.shape()
        );
    }
    let a1 = normalize_axis(axis1, x.rank(), "diagonal")?;
    let a2 = normalize_axis(axis2, x.rank(), "diagonal")?;
    if a1 == a2 {
        bail!(
            "diagonal",
            "axis1 and axis2 cannot be the same axis ({axis1} and {axis2})"
        );
    }
    let mut perm: Vec<usize> = (0..x.rank()).filter(|&a| a != a1 && a != a2).collect();
    perm.extend([a1, a2]);
    let t = permute(x, &perm)?;
    let (n, m) = (x.dims()[a1] as i64, x.dims()[a2] as i64);
    let (r0, c0) = if offset >= 0 {
        (0, offset)
    } else {
        (-offset, 0)
    };
    let len = (n - r0).min(m - c0).max(0);
    let idx: Vec<i64> = (0..len).map(|i| (r0 + i) * m + c0 + i).collect();
    let idx = Tensor::from_vec(idx, [len as usize])?;
    let mut flat: Vec<i64> = t.dims()[..t.rank() - 2].iter().map(|&d| d as i64).collect();
    flat.push(n * m);
    take(&reshape(&t, flat)?, &idx, Some(-1))
}
