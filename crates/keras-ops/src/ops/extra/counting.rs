//! Counting and binning: `digitize`, `isin`, `bincount`, `unravel_index`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![0i32, 1, 1, 3], [4]).unwrap();
//! assert_eq!(ops::bincount(&x, None, 0).unwrap().to_vec::<i32>().unwrap(), vec![1, 2, 0, 1]);
//! let bins = Tensor::from_vec(vec![0.0f32, 1.0, 2.5], [3]).unwrap();
//! let v = Tensor::from_vec(vec![-1.0f32, 0.5, 3.0], [3]).unwrap();
//! assert_eq!(ops::digitize(&v, &bins).unwrap().to_vec::<i32>().unwrap(), vec![0, 1, 3]);
//! ```

use std::collections::HashSet;

use keras_backend::{bail, result_type, DType, Result};

use super::host::{tensor_f64, tensor_i64, values_f64, values_i64};
use crate::ops::{cast, flip, searchsorted, subtract};
use crate::tensor::Tensor;

/// Index of the bin of `bins` (1-D, monotonic) each element of `x` falls in: `i` with
/// `bins[i-1] <= x < bins[i]` for increasing bins, `bins[i-1] >= x > bins[i]` for
/// decreasing ones (as JAX); int32 (`keras.ops.digitize`).
pub fn digitize(x: &Tensor, bins: &Tensor) -> Result<Tensor> {
    if bins.rank() != 1 {
        bail!("digitize", "bins must be 1-D, got shape {}", bins.shape());
    }
    let d = result_type(&[x.dtype().into(), bins.dtype().into()]);
    let (x, bins) = (cast(x, d)?, cast(bins, d)?);
    let b = values_f64(&bins)?;
    let decreasing = b.len() > 1 && b[b.len() - 1] < b[0];
    if !decreasing {
        return searchsorted(&bins, &x, "right");
    }
    let n = b.len() as i64;
    subtract(n, &searchsorted(&flip(&bins, 0)?, &x, "right")?)
}

/// True where an element of `x1` occurs in `x2` (false where it does when `invert`);
/// NaN matches nothing (`keras.ops.isin`). `assume_unique` is a performance hint.
pub fn isin(x1: &Tensor, x2: &Tensor, assume_unique: bool, invert: bool) -> Result<Tensor> {
    let _ = assume_unique;
    let d = result_type(&[x1.dtype().into(), x2.dtype().into()]);
    let (a, b) = (cast(x1, d)?, cast(x2, d)?);
    let hits: Vec<f64> = if d.is_float() {
        let set: HashSet<u64> = values_f64(&b)?
            .into_iter()
            .filter(|v| !v.is_nan())
            .map(|v| (v + 0.0).to_bits())
            .collect();
        values_f64(&a)?
            .into_iter()
            .map(|v| (set.contains(&(v + 0.0).to_bits()) != invert) as u8 as f64)
            .collect()
    } else {
        let set: HashSet<i64> = values_i64(&b)?.into_iter().collect();
        values_i64(&a)?
            .into_iter()
            .map(|v| (set.contains(&v) != invert) as u8 as f64)
            .collect()
    };
    tensor_f64(hits, x1.dims(), DType::Bool)
}

/// Occurrences of each non-negative integer in `x` (1-D, or 2-D counted per row), weighted
/// by `weights` when given; the length is `max(max(x) + 1, minlength)`
/// (`keras.ops.bincount`). The result is int32 without weights, else the weights' dtype.
pub fn bincount(x: &Tensor, weights: Option<&Tensor>, minlength: usize) -> Result<Tensor> {
    if !x.dtype().is_int() {
        bail!(
            "bincount",
            "x must be an integer tensor, got {}",
            x.describe()
        );
    }
    if x.rank() == 0 || x.rank() > 2 {
        bail!("bincount", "x must be 1-D or 2-D, got shape {}", x.shape());
    }
    let v = values_i64(x)?;
    if let Some(bad) = v.iter().find(|&&i| i < 0) {
        bail!("bincount", "x must hold non-negative values, got {bad}");
    }
    let (w, dtype) = match weights {
        Some(w) if w.dims() != x.dims() => {
            bail!(
                "bincount",
                "weights {} must have the shape of x {}",
                w.shape(),
                x.shape()
            )
        }
        Some(w) => (values_f64(w)?, w.dtype()),
        None => (vec![1.0; v.len()], DType::I32),
    };
    let len = v
        .iter()
        .map(|&i| i as usize + 1)
        .max()
        .unwrap_or(0)
        .max(minlength);
    let (rows, per_row) = if x.rank() == 2 {
        (x.dims()[0], x.dims()[1])
    } else {
        (1, v.len())
    };
    let mut counts = vec![0.0; rows * len];
    for (j, (&i, &wt)) in v.iter().zip(&w).enumerate() {
        counts[(j / per_row.max(1)) * len + i as usize] += wt;
    }
    let dims = if x.rank() == 2 {
        vec![rows, len]
    } else {
        vec![len]
    };
    tensor_f64(counts, &dims, dtype)
}

/// The coordinates in an array of `shape` of each flat index in `indices`: one tensor per
/// dim, each shaped like `indices` (`keras.ops.unravel_index`). Negative or too large
/// indices are an error.
pub fn unravel_index(indices: &Tensor, shape: &[usize]) -> Result<Vec<Tensor>> {
    if !indices.dtype().is_int() {
        bail!(
            "unravel_index",
            "indices must be integers, got {}",
            indices.describe()
        );
    }
    let size: usize = shape.iter().product();
    let flat = values_i64(indices)?;
    if let Some(bad) = flat.iter().find(|&&i| i < 0 || i as usize >= size) {
        bail!(
            "unravel_index",
            "index {bad} is out of bounds for shape {shape:?}"
        );
    }
    let mut out = Vec::with_capacity(shape.len());
    let mut stride = size;
    for &d in shape {
        stride /= d.max(1);
        let coords: Vec<i64> = flat
            .iter()
            .map(|&i| (i as usize / stride.max(1) % d.max(1)) as i64)
            .collect();
        out.push(tensor_i64(coords, indices.dims(), indices.dtype())?);
    }
    Ok(out)
}
