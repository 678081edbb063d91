//! Sorting, ranking and running accumulations (`keras.ops.sort`, `argsort`, `top_k`,
//! `in_top_k`, `searchsorted`, `cumsum`, `cumprod`, `nancumsum`, `nancumprod`).
//!
//! Sorts are ascending and stable with NaN last, as NumPy; `top_k` is descending with ties
//! broken by the lower index and NaN ranked highest, as `jax.lax.top_k`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![3.0f32, 1.0, 2.0], [3]).unwrap();
//! assert_eq!(ops::sort(&x, Some(-1)).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
//! let (v, i) = ops::top_k(&x, 2, true).unwrap();
//! assert_eq!((v.to_vec::<f32>().unwrap(), i.to_vec::<i32>().unwrap()), (vec![3.0, 2.0], vec![0, 2]));
//! assert_eq!(ops::cumsum(&x, None, None).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 4.0, 6.0]);
//! ```

use keras_backend::{bail, CumulativeOp, DType, Result};

use crate::autodiff::record;
use crate::ops::{
    cast, divide, equal, expand_dims, greater, isnan, less, less_equal, logical_and, multiply,
    reshape, slice_axis, sum, take_along_axis, where_,
};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// `x` flattened for `axis = None`, else `x` with `axis` resolved.
fn along(x: &Tensor, axis: Option<i64>, op: &str) -> Result<(Tensor, usize)> {
    match axis {
        None => Ok((reshape(x, [x.size() as i64])?, 0)),
        Some(a) => {
            if x.rank() == 0 {
                bail!(
                    op,
                    "cannot sort a 0-d tensor along axis {a}; shape {}",
                    x.shape()
                );
            }
            Ok((x.clone(), normalize_axis(a, x.rank(), op)?))
        }
    }
}

/// The backend's stable sort: values and int32 positions (no gradient).
fn sort_kernel(x: &Tensor, axis: usize) -> Result<(Tensor, Tensor)> {
    let (v, i) = x.backend().sort(x.storage(), x.dims(), axis)?;
    Ok((
        Tensor::from_storage(v, x.shape().clone(), x.backend()),
        Tensor::from_storage(i, x.shape().clone(), x.backend()),
    ))
}

/// `x` reversed along `axis` (no gradient).
fn reversed(x: &Tensor, axis: usize) -> Result<Tensor> {
    let mut start = vec![0usize; x.rank()];
    start[axis] = x.dims()[axis].saturating_sub(1);
    let mut step = vec![1isize; x.rank()];
    step[axis] = -1;
    let s = x
        .backend()
        .strided_slice(x.storage(), x.dims(), &start, &step, x.dims())?;
    Ok(Tensor::from_storage(s, x.shape().clone(), x.backend()))
}

/// Values of `x` at int `indices` along `axis` (same shape), with a scatter-add gradient.
fn gather_along(x: &Tensor, indices: &Tensor, axis: usize) -> Result<Tensor> {
    take_along_axis(x, indices, Some(axis as i64))
}

/// Sorted copy of `x` along `axis` (`None` flattens) (`keras.ops.sort`, Keras default
/// `axis = -1`). The gradient flows back to each value's original position.
pub fn sort(x: &Tensor, axis: Option<i64>) -> Result<Tensor> {
    let (src, ax) = along(x, axis, "sort")?;
    let (values, idx) = sort_kernel(&src, ax)?;
    if !src.dtype().is_float() {
        return Ok(values);
    }
    let idx = cast(&idx, DType::I64)?;
    let dims = src.dims().to_vec();
    Ok(record("sort", &[&src], values, move |g, _, _| {
        let zeros = crate::ops::zeros(&dims, g.dtype())?;
        let s = g.backend().put_along_axis_add(
            zeros.storage(),
            &dims,
            idx.storage(),
            g.storage(),
            &dims,
            ax,
        )?;
        Ok(vec![Some(Tensor::from_storage(
            s,
            dims.clone(),
            g.backend(),
        ))])
    }))
}

/// Positions that sort `x` along `axis` (`None` flattens; a 0-d input gives `[0]`)
/// (`keras.ops.argsort`, Keras default `axis = -1`). int32, or int64 for 64-bit inputs as
/// JAX gives them.
pub fn argsort(x: &Tensor, axis: Option<i64>) -> Result<Tensor> {
    let axis = if x.rank() == 0 { None } else { axis };
    let (src, ax) = along(x, axis, "argsort")?;
    let (_, idx) = sort_kernel(&src, ax)?;
    match x.dtype() {
        DType::I64 | DType::U64 | DType::F64 => cast(&idx, DType::I64),
        _ => Ok(idx),
    }
}

/// The `k` largest values along the last axis and their int32 positions, largest first
/// (`keras.ops.top_k`; `sorted` is accepted for Keras compatibility, the result is always
/// sorted). Ties keep the lower index first; NaN ranks above everything.
pub fn top_k(x: &Tensor, k: usize, sorted: bool) -> Result<(Tensor, Tensor)> {
    let _ = sorted;
    if x.rank() == 0 {
        bail!(
            "top_k",
            "needs at least one dimension, got shape {}",
            x.shape()
        );
    }
    let ax = x.rank() - 1;
    let n = x.dims()[ax];
    if k > n {
        bail!(
            "top_k",
            "k argument to top_k must be no larger than size along axis; got k={k} for shape {}",
            x.shape()
        );
    }
    // A stable ascending sort of the reversed lane, read backwards, is descending with ties
    // in ascending original order and NaN first.
    let (_, rev_idx) = sort_kernel(&reversed(x, ax)?, ax)?;
    let desc = reversed(&rev_idx, ax)?;
    let positions = crate::ops::subtract(n as i64 - 1, &slice_axis(&desc, ax, 0, k)?)?;
    let positions = cast(&positions, DType::I32)?;
    let values = gather_along(x, &positions, ax)?;
    Ok((values, positions))
}

/// True where `predictions[i, targets[i]]` is among the `k` largest of its row
/// (`keras.ops.in_top_k`): fewer than `k` predictions are strictly greater. A NaN
/// prediction at the target never counts as large.
pub fn in_top_k(targets: &Tensor, predictions: &Tensor, k: usize) -> Result<Tensor> {
    if predictions.rank() == 0 || targets.dims() != &predictions.dims()[..predictions.rank() - 1] {
        bail!(
            "in_top_k",
            "targets {} must have the shape of predictions {} without its last axis",
            targets.shape(),
            predictions.shape()
        );
    }
    let at_label = take_along_axis(predictions, &expand_dims(targets, -1)?, Some(-1))?;
    let at_label = where_(&isnan(&at_label)?, f64::NEG_INFINITY, &at_label)?;
    let above = sum(
        &cast(&greater(predictions, &at_label)?, DType::I32)?,
        -1,
        false,
    )?;
    less(&above, k as i64)
}

/// Insertion positions of `values` in the 1-D ascending `sorted_sequence`, int32
/// (`keras.ops.searchsorted`): `side = "left"` gives the first suitable position,
/// `"right"` the last.
pub fn searchsorted(sorted_sequence: &Tensor, values: &Tensor, side: &str) -> Result<Tensor> {
    if sorted_sequence.rank() != 1 {
        bail!(
            "searchsorted",
            "only supports 1-D sorted sequences, got shape {}",
            sorted_sequence.shape()
        );
    }
    let v = expand_dims(values, -1)?;
    let hits = match side {
        "left" => less(sorted_sequence, &v)?,
        "right" => less_equal(sorted_sequence, &v)?,
        other => bail!(
            "searchsorted",
            "side must be \"left\" or \"right\", got {other:?}"
        ),
    };
    sum(&cast(&hits, DType::I32)?, -1, false)
}

/// `x` prepared for a running accumulation: cast to `dtype` (bool widens to int32) and
/// flattened for `axis = None`.
fn scan_input(
    x: &Tensor,
    axis: Option<i64>,
    dtype: Option<DType>,
    op: &str,
) -> Result<(Tensor, usize)> {
    let x = match dtype {
        Some(d) => cast(x, d)?,
        None if x.dtype() == DType::Bool => cast(x, DType::I32)?,
        None => x.clone(),
    };
    match axis {
        None => Ok((reshape(&x, [x.size() as i64])?, 0)),
        Some(a) => {
            let ax = normalize_axis(a, x.rank(), op)?;
            Ok((x, ax))
        }
    }
}

/// The backend's running accumulation (no gradient).
fn scan_kernel(op: CumulativeOp, x: &Tensor, axis: usize, reverse: bool) -> Result<Tensor> {
    let s = x
        .backend()
        .cumulative(op, x.storage(), x.dims(), axis, reverse)?;
    Ok(Tensor::from_storage(s, x.shape().clone(), x.backend()))
}

/// Running sum along `axis`, from the end when `reverse`; its gradient is the running
/// sum the other way.
fn running_sum(x: &Tensor, axis: usize, reverse: bool) -> Result<Tensor> {
    let y = scan_kernel(CumulativeOp::Sum, x, axis, reverse)?;
    if !x.dtype().is_float() {
        return Ok(y);
    }
    Ok(record("cumsum", &[x], y, move |g, _, _| {
        Ok(vec![Some(running_sum(g, axis, !reverse)?)])
    }))
}

/// Running product along `axis`, with an exact gradient even when `x` has zeros.
fn running_prod(x: &Tensor, axis: usize) -> Result<Tensor> {
    let y = scan_kernel(CumulativeOp::Prod, x, axis, false)?;
    if !x.dtype().is_float() {
        return Ok(y);
    }
    Ok(record("cumprod", &[x], y, move |g, ins, y| {
        Ok(vec![Some(cumprod_grad(g, &ins[0], y, axis)?)])
    }))
}

/// `d/dx_j Σ_i g_i y_i` for `y = cumprod(x)`: `revcumsum(g y)_j / x_j` before the first zero
/// of the lane, the running product that skips the zero at the first zero, 0 after it.
fn cumprod_grad(g: &Tensor, x: &Tensor, y: &Tensor, axis: usize) -> Result<Tensor> {
    let is_zero = equal(x, 0.0)?;
    let zeros_so_far = running_sum(&cast(&is_zero, x.dtype())?, axis, false)?;
    let before = equal(&zeros_so_far, 0.0)?;
    let first_zero = logical_and(&is_zero, &equal(&zeros_so_far, 1.0)?)?;
    let safe_x = where_(&before, x, 1.0)?;
    let part_before = divide(&running_sum(&multiply(g, y)?, axis, true)?, &safe_x)?;
    let skipped = running_prod(&where_(&first_zero, 1.0, x)?, axis)?;
    let part_zero = running_sum(&multiply(g, &skipped)?, axis, true)?;
    where_(
        &before,
        &part_before,
        &where_(&first_zero, &part_zero, 0.0)?,
    )
}

/// Running sum along `axis` (`None` flattens), computed in `dtype` if given; bool
/// becomes int32 (`keras.ops.cumsum`).
pub fn cumsum(x: &Tensor, axis: Option<i64>, dtype: Option<DType>) -> Result<Tensor> {
    let (x, ax) = scan_input(x, axis, dtype, "cumsum")?;
    running_sum(&x, ax, false)
}

/// Running product along `axis` (`None` flattens), computed in `dtype` if given; bool
/// becomes int32 (`keras.ops.cumprod`).
pub fn cumprod(x: &Tensor, axis: Option<i64>, dtype: Option<DType>) -> Result<Tensor> {
    let (x, ax) = scan_input(x, axis, dtype, "cumprod")?;
    running_prod(&x, ax)
}

/// [`cumsum`] with NaN counted as 0 (`keras.ops.nancumsum`).
pub fn nancumsum(x: &Tensor, axis: Option<i64>, dtype: Option<DType>) -> Result<Tensor> {
    let x = if x.dtype().is_float() {
        where_(&isnan(x)?, 0.0, x)?
    } else {
        x.clone()
    };
    cumsum(&x, axis, dtype)
}

/// [`cumprod`] with NaN counted as 1 (`keras.ops.nancumprod`).
pub fn nancumprod(x: &Tensor, axis: Option<i64>, dtype: Option<DType>) -> Result<Tensor> {
    let x = if x.dtype().is_float() {
        where_(&isnan(x)?, 1.0, x)?
    } else {
        x.clone()
    };
    cumprod(&x, axis, dtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ties_and_nan() {
        let x = Tensor::from_vec(vec![1.0f32, 3.0, 3.0, 2.0, 3.0], [5]).unwrap();
        let (v, i) = top_k(&x, 2, true).unwrap();
        assert_eq!(v.to_vec::<f32>().unwrap(), vec![3.0, 3.0]);
        assert_eq!(i.to_vec::<i32>().unwrap(), vec![1, 2]);
        let x = Tensor::from_vec(vec![1.0f32, f32::NAN, 3.0, 2.0], [4]).unwrap();
        let (_, i) = top_k(&x, 2, true).unwrap();
        assert_eq!(i.to_vec::<i32>().unwrap(), vec![1, 2]);
        assert!(top_k(&x, 5, true).is_err());
    }

    #[test]
    fn searchsorted_sides() {
        let s = Tensor::from_vec(vec![1.0f32, 2.0, 2.0, 3.0], [4]).unwrap();
        let v = Tensor::from_vec(vec![2.0f32, 0.0, 5.0], [3]).unwrap();
        assert_eq!(
            searchsorted(&s, &v, "left")
                .unwrap()
                .to_vec::<i32>()
                .unwrap(),
            vec![1, 0, 4]
        );
        assert_eq!(
            searchsorted(&s, &v, "right")
                .unwrap()
                .to_vec::<i32>()
                .unwrap(),
            vec![3, 0, 4]
        );
    }

    #[test]
    fn cumprod_with_zero() {
        let x = Tensor::from_vec(vec![2.0f64, 0.0, 3.0], [3]).unwrap();
        assert_eq!(
            cumprod(&x, None, None).unwrap().to_vec::<f64>().unwrap(),
            vec![2.0, 0.0, 0.0]
        );
    }
}
