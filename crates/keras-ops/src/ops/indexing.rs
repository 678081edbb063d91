//! Gathering and selecting by index (`keras.ops.take`, `take_along_axis`, `slice`,
//! `slice_update`, `one_hot`, `multi_hot`, `nonzero`, `select`); scattering and the
//! triangle/diagonal ops live in the submodules.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![10.0f32, 20.0, 30.0], [3]).unwrap();
//! let i = Tensor::from_vec(vec![2i32, -3], [2]).unwrap();
//! assert_eq!(ops::take(&x, &i, None).unwrap().to_vec::<f32>().unwrap(), vec![30.0, 10.0]);
//! let h = ops::one_hot(&Tensor::from_vec(vec![1i32, 0], [2]).unwrap(), 3, -1, None).unwrap();
//! assert_eq!(h.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
//! ```

mod scatter;
mod triangle;

pub use scatter::*;
pub use triangle::*;

use keras_backend::{bail, DType, Result};

use super::get_item::strided;
use super::operand::Operand;
use super::{broadcast_to, cast, equal, expand_dims, max, reshape, where_};
use crate::autodiff::record;
use crate::config::floatx;
use crate::shape::{fmt_dims, normalize_axis};
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
    let s = src
        .backend()
        .gather(src.storage(), src.dims(), ax, flat.storage())?;
    let mut gathered = src.dims().to_vec();
    gathered[ax] = flat.size();
    let y = Tensor::from_storage(s, gathered, src.backend());
    let y = if src.dtype().is_float() {
        let dims = src.dims().to_vec();
        record("take", &[&src], y, move |g, _, _| {
            let zeros = super::zeros(&dims, g.dtype())?;
            let s =
                g.backend()
                    .index_add(zeros.storage(), &dims, ax, flat.storage(), g.storage())?;
            Ok(vec![Some(Tensor::from_storage(
                s,
                dims.clone(),
                g.backend(),
            ))])
        })
    } else {
        y
    };
    let mut out: Vec<usize> = src.dims()[..ax].to_vec();
    out.extend_from_slice(idx.dims());
    out.extend_from_slice(&src.dims()[ax + 1..]);
    reshape(&y, out)
}

/// Picks elements of `x` along `axis` at `indices`, which has the rank of `x`; the other
/// axes of `x` and `indices` broadcast (`keras.ops.take_along_axis`). With `axis = None`,
/// `x` is flattened and `indices` must be 1-D. Negative indices count from the end.
pub fn take_along_axis(x: &Tensor, indices: &Tensor, axis: Option<i64>) -> Result<Tensor> {
    let op = "take_along_axis";
    let (src, ax) = match axis {
        None => {
            if indices.rank() != 1 {
                bail!(
                    op,
                    "indices must be 1-D when axis is None, got shape {}",
                    indices.shape()
                );
            }
            (reshape(x, [x.size() as i64])?, 0)
        }
        Some(a) => (x.clone(), normalize_axis(a, x.rank(), op)?),
    };
    if indices.rank() != src.rank() {
        bail!(
            op,
            "indices {} and x {} must have the same number of dimensions",
            indices.shape(),
            src.shape()
        );
    }
    let mut x_dims = src.dims().to_vec();
    let mut i_dims = indices.dims().to_vec();
    for d in 0..src.rank() {
        if d == ax {
            continue;
        }
        let (a, b) = (x_dims[d], i_dims[d]);
        let common = if a == b || b == 1 {
            a
        } else if a == 1 {
            b
        } else {
            bail!(
                op,
                "shapes {} and {} cannot be broadcast outside axis {ax}",
                src.shape(),
                indices.shape()
            );
        };
        x_dims[d] = common;
        i_dims[d] = common;
    }
    let src = broadcast_to(&src, &x_dims)?;
    let idx = checked_indices(&broadcast_to(indices, &i_dims)?, x_dims[ax], op)?;
    let s = src
        .backend()
        .take_along_axis(src.storage(), src.dims(), idx.storage(), &i_dims, ax)?;
    let y = Tensor::from_storage(s, i_dims.clone(), src.backend());
    if !src.dtype().is_float() {
        return Ok(y);
    }
    Ok(record(op, &[&src], y, move |g, _, _| {
        let zeros = super::zeros(&x_dims, g.dtype())?;
        let s = g.backend().put_along_axis_add(
            zeros.storage(),
            &x_dims,
            idx.storage(),
            g.storage(),
            &i_dims,
            ax,
        )?;
        Ok(vec![Some(Tensor::from_storage(
            s,
            x_dims.clone(),
            g.backend(),
        ))])
    }))
}

/// Start positions clamped so that a window of `sizes` fits in `dims`, as
/// `jax.lax.dynamic_slice` does.
fn clamped_starts(dims: &[usize], start: &[i64], sizes: &[usize]) -> Vec<usize> {
    dims.iter()
        .zip(start)
        .zip(sizes)
        .map(|((&d, &s), &n)| s.clamp(0, (d - n) as i64) as usize)
        .collect()
}

/// The block of `inputs` of `shape` starting at `start_indices` (`keras.ops.slice`).
///
/// A size of `-1` takes the rest of that axis. As in JAX, starts are clamped so that the
/// block fits; a block larger than the tensor is an error.
pub fn slice(inputs: &Tensor, start_indices: &[i64], shape: &[i64]) -> Result<Tensor> {
    let r = inputs.rank();
    if start_indices.len() != r || shape.len() != r {
        bail!(
            "slice",
            "start_indices {start_indices:?} and shape {shape:?} must both have one entry per axis of {}",
            inputs.shape()
        );
    }
    let mut sizes = Vec::with_capacity(r);
    for i in 0..r {
        let d = inputs.dims()[i] as i64;
        let n = if shape[i] == -1 {
            d - start_indices[i]
        } else {
            shape[i]
        };
        if n < 0 || n > d {
            bail!(
                "slice",
                "a block of shape {shape:?} starting at {start_indices:?} does not fit in {}",
                inputs.shape()
            );
        }
        sizes.push(n as usize);
    }
    let start = clamped_starts(inputs.dims(), start_indices, &sizes);
    strided(inputs, &start, &vec![1; r], &sizes)
}

/// `inputs` with the block at `start_indices` replaced by `updates` (cast to the dtype of
/// `inputs`; `keras.ops.slice_update`). Starts are clamped so that the block fits.
pub fn slice_update(inputs: &Tensor, start_indices: &[i64], updates: &Tensor) -> Result<Tensor> {
    let r = inputs.rank();
    let fits = updates.rank() == r
        && updates
            .dims()
            .iter()
            .zip(inputs.dims())
            .all(|(u, d)| u <= d);
    if start_indices.len() != r || !fits {
        bail!(
            "slice_update",
            "updates {} starting at {start_indices:?} do not fit in inputs {}",
            updates.shape(),
            inputs.shape()
        );
    }
    let updates = cast(updates, inputs.dtype())?;
    let start = clamped_starts(inputs.dims(), start_indices, updates.dims());
    let steps = vec![1isize; r];
    let s = inputs.backend().strided_slice_assign(
        inputs.storage(),
        inputs.dims(),
        &start,
        &steps,
        updates.storage(),
        updates.dims(),
    )?;
    let y = Tensor::from_storage(s, inputs.shape().clone(), inputs.backend());
    if !inputs.dtype().is_float() {
        return Ok(y);
    }
    let window = updates.dims().to_vec();
    Ok(record(
        "slice_update",
        &[inputs, &updates],
        y,
        move |g, _, _| {
            let hole = super::zeros(&window, g.dtype())?;
            let s = g.backend().strided_slice_assign(
                g.storage(),
                g.dims(),
                &start,
                &steps,
                hole.storage(),
                &window,
            )?;
            let g_inputs = Tensor::from_storage(s, g.shape().clone(), g.backend());
            let g_updates = strided(g, &start, &steps, &window)?;
            Ok(vec![Some(g_inputs), Some(g_updates)])
        },
    ))
}

/// One-hot encoding: a new axis of `num_classes` at `axis` holds 1 at the label's
/// position (`keras.ops.one_hot`). Labels outside `[0, num_classes)` give all zeros;
/// `dtype` defaults to floatx.
pub fn one_hot(x: &Tensor, num_classes: usize, axis: i64, dtype: Option<DType>) -> Result<Tensor> {
    let ax = normalize_axis(axis, x.rank() + 1, "one_hot")?;
    let labels = if x.dtype() == DType::Bool {
        cast(x, DType::I32)?
    } else {
        x.clone()
    };
    let mut iota_dims = vec![1; x.rank() + 1];
    iota_dims[ax] = num_classes;
    let iota = super::arange(0.0, num_classes as f64, 1.0, Some(labels.dtype()))?;
    let hit = equal(
        &expand_dims(&labels, ax as i64)?,
        &reshape(&iota, iota_dims)?,
    )?;
    cast(&hit, dtype.unwrap_or(floatx()))
}

/// Multi-hot encoding: the one-hot encodings of `inputs` combined by `max` over the label
/// axis (axis 1 for batched inputs, else 0), as Keras's JAX backend computes it
/// (`keras.ops.multi_hot`); `dtype` defaults to floatx.
pub fn multi_hot(
    inputs: &Tensor,
    num_classes: usize,
    axis: i64,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let reduction_axis: i64 = if inputs.rank() > 1 { 1 } else { 0 };
    let labels = cast(inputs, DType::I32)?;
    let hot = one_hot(&labels, num_classes, axis, Some(DType::I32))?;
    cast(
        &max(&hot, reduction_axis, false, None)?,
        dtype.unwrap_or(floatx()),
    )
}

/// The indices of the nonzero elements, one int32 tensor per axis (`keras.ops.nonzero`).
/// Computed on the host: the result size depends on the data.
pub fn nonzero(x: &Tensor) -> Result<Vec<Tensor>> {
    if x.rank() == 0 {
        bail!(
            "nonzero",
            "a 0-d tensor has no axes to index; got shape {}",
            x.shape()
        );
    }
    let values = x.to_host()?.to_f64_vec();
    let strides = x.shape().strides();
    let mut coords: Vec<Vec<i32>> = vec![Vec::new(); x.rank()];
    for (flat, v) in values.iter().enumerate() {
        if *v != 0.0 {
            for (d, c) in coords.iter_mut().enumerate() {
                c.push(((flat / strides[d]) % x.dims()[d]) as i32);
            }
        }
    }
    coords
        .into_iter()
        .map(|c| {
            let n = c.len();
            Tensor::from_vec(c, [n])
        })
        .collect()
}

/// Elements of the first choice whose condition holds, else `default`; conditions and
/// choices broadcast together and the dtypes promote with `default` as a Python scalar
/// (`keras.ops.select`).
pub fn select(
    condlist: &[&Tensor],
    choicelist: &[&Tensor],
    default: impl Into<Operand>,
) -> Result<Tensor> {
    if condlist.len() != choicelist.len() || condlist.is_empty() {
        bail!(
            "select",
            "condlist and choicelist must be non-empty and of equal length, got {} and {}",
            condlist.len(),
            choicelist.len()
        );
    }
    let mut out = default.into();
    for (c, choice) in condlist.iter().zip(choicelist).rev() {
        out = Operand::Tensor(where_(c, *choice, out)?);
    }
    match out {
        Operand::Tensor(t) => Ok(t),
        _ => unreachable!("select always runs where at least once"),
    }
}

/// The row-major position, over the first `depth` dims of `dims`, of each `[.., depth]`
/// row of `indices` after wrapping negatives; errors name `op` when an index is out of
/// range.
pub(crate) fn linear_indices(indices: &Tensor, dims: &[usize], op: &str) -> Result<Vec<i64>> {
    if indices.dtype().is_float() || indices.dtype() == DType::Bool {
        bail!(op, "indices must be integers, got {}", indices.describe());
    }
    let depth = indices.dims().last().copied().unwrap_or(0);
    if indices.rank() == 0 || depth > dims.len() {
        bail!(
            op,
            "indices of shape {} cannot address a tensor of shape {}",
            indices.shape(),
            fmt_dims(dims)
        );
    }
    let raw = indices.to_vec::<i64>()?;
    let rows: usize = indices.dims()[..indices.rank() - 1].iter().product();
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut lin = 0i64;
        for (d, &i) in raw[r * depth..(r + 1) * depth].iter().enumerate() {
            let n = dims[d] as i64;
            if i < -n || i >= n {
                bail!(op, "index {i} is out of bounds for axis {d} with size {n}");
            }
            lin = lin * n + if i < 0 { i + n } else { i };
        }
        out.push(lin);
    }
    Ok(out)
}
