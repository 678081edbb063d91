//! Small statistics: `average`, `diff`, `ptp`.

use keras_backend::{bail, result_type, DType, Result, TypeArg};

use crate::ops::{
    cast, divide, max, mean, min, multiply, not_equal, reshape, slice_axis, subtract, sum,
};
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

/// Mean of `x` over `axis`, weighted by `weights` when given (`keras.ops.average`).
///
/// `weights` has the shape of `x`, or is 1-D with the length of the single `axis`. The
/// result is float (Keras's `result_type(x, weights, float)`, except that float64 stays
/// float64).
pub fn average(x: &Tensor, axis: Option<i64>, weights: Option<&Tensor>) -> Result<Tensor> {
    let mut types: Vec<TypeArg> = vec![x.dtype().into(), TypeArg::WeakFloat];
    if let Some(w) = weights {
        types.push(w.dtype().into());
    }
    let dtype = result_type(&types);
    let x = cast(x, dtype)?;
    let axes: Axes = axis.into();
    let Some(w) = weights else {
        return mean(&x, axes, false);
    };
    let w = cast(w, dtype)?;
    let w = if w.dims() == x.dims() {
        w
    } else {
        let Some(a) = axis else {
            bail!(
                "average",
                "weights of shape {} differ from x of shape {}: an axis is required",
                w.shape(),
                x.shape()
            );
        };
        let ax = normalize_axis(a, x.rank(), "average")?;
        if w.rank() != 1 || w.dims()[0] != x.dims()[ax] {
            bail!(
                "average",
                "weights of shape {} must be 1-D with the length of axis {a} of x {}",
                w.shape(),
                x.shape()
            );
        }
        let mut dims = vec![1usize; x.rank()];
        dims[ax] = x.dims()[ax];
        reshape(&w, dims)?
    };
    let total = sum(&multiply(&x, &w)?, axes.clone(), false)?;
    let w_sum = sum(&crate::ops::broadcast_to(&w, x.dims())?, axes, false)?;
    divide(&total, &w_sum)
}

/// The `n`-th discrete difference along `axis`: `a[1:] - a[:-1]` applied `n` times
/// (`keras.ops.diff`, Keras defaults `n = 1`, `axis = -1`); bool inputs use `!=`.
pub fn diff(a: &Tensor, n: usize, axis: i64) -> Result<Tensor> {
    if n == 0 {
        return Ok(a.clone());
    }
    if a.rank() == 0 {
        bail!(
            "diff",
            "requires an input of at least one dimension, got shape {}",
            a.shape()
        );
    }
    let ax = normalize_axis(axis, a.rank(), "diff")?;
    let mut out = a.clone();
    for _ in 0..n {
        let len = out.dims()[ax];
        if len == 0 {
            break;
        }
        let hi = slice_axis(&out, ax, 1, len - 1)?;
        let lo = slice_axis(&out, ax, 0, len - 1)?;
        out = if out.dtype() == DType::Bool {
            not_equal(&hi, &lo)?
        } else {
            subtract(&hi, &lo)?
        };
    }
    Ok(out)
}

/// Range `max - min` over `axis` (`keras.ops.ptp`); keeps the input's dtype.
pub fn ptp(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into();
    let hi = max(x, axes.clone(), keepdims, None)?;
    let lo = min(x, axes, keepdims, None)?;
    if x.dtype() == DType::Bool {
        return cast(&not_equal(&hi, &lo)?, DType::Bool);
    }
    subtract(&hi, &lo)
}
