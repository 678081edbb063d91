//! Reductions that ignore NaN: `nansum`, `nanprod`, `nanmean`, `nanvar`, `nanstd`,
//! `nanmax`, `nanmin` (NumPy / JAX semantics: an all-NaN group gives NaN for the mean,
//! variance, max and min, and 0 / 1 for the sum / product).

use keras_backend::{DType, Result};

use super::weak_float_dtype;
use crate::ops::{
    all, cast, divide, isnan, logical_not, max, min, multiply, prod, sqrt, subtract, sum, where_,
};
use crate::shape::Axes;
use crate::tensor::Tensor;

/// The dtype NumPy sums and multiplies in: small integers widen to 32 bits, keeping their
/// signedness; bool counts as int32.
fn accumulation_dtype(d: DType) -> DType {
    match d {
        DType::Bool | DType::I8 | DType::I16 => DType::I32,
        DType::U8 | DType::U16 => DType::U32,
        d => d,
    }
}

/// `x` with NaN replaced by `value` (integers unchanged).
fn replace_nan(x: &Tensor, value: f64) -> Result<Tensor> {
    if x.dtype().is_float() {
        where_(&isnan(x)?, value, x)
    } else {
        Ok(x.clone())
    }
}

/// Sum over `axis` treating NaN as 0 (`keras.ops.nansum`).
pub fn nansum(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let x = cast(&replace_nan(x, 0.0)?, accumulation_dtype(x.dtype()))?;
    sum(&x, axis, keepdims)
}

/// Product over `axis` treating NaN as 1 (`keras.ops.nanprod`).
pub fn nanprod(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let x = cast(&replace_nan(x, 1.0)?, accumulation_dtype(x.dtype()))?;
    prod(&x, axis, keepdims)
}

/// `x` as the float dtype of a NaN-aware mean, its non-NaN mask, and the count of non-NaN
/// elements over `axes` (kept dims).
fn with_counts(x: &Tensor, axes: &Axes) -> Result<(Tensor, Tensor, Tensor)> {
    let x = cast(x, weak_float_dtype(x.dtype()))?;
    let valid = logical_not(&isnan(&x)?)?;
    let count = sum(&cast(&valid, x.dtype())?, axes.clone(), true)?;
    Ok((x, valid, count))
}

/// `kept` (reduced with kept dims) reshaped as a reduction with or without `keepdims`.
fn finish(kept: Tensor, x: &Tensor, axes: &Axes, keepdims: bool) -> Result<Tensor> {
    if keepdims {
        return Ok(kept);
    }
    let dims = axes.resolve(x.rank(), "nan reduction")?;
    let out: Vec<usize> = (0..x.rank())
        .filter(|i| !dims.contains(i))
        .map(|i| x.dims()[i])
        .collect();
    crate::ops::reshape(&kept, out)
}

/// Mean over `axis` of the non-NaN elements; integers average in floatx
/// (`keras.ops.nanmean`).
pub fn nanmean(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into();
    let (xf, valid, count) = with_counts(x, &axes)?;
    let total = sum(&where_(&valid, &xf, 0.0)?, axes.clone(), true)?;
    finish(divide(&total, &count)?, &xf, &axes, keepdims)
}

/// Population variance over `axis` of the non-NaN elements (`keras.ops.nanvar`).
pub fn nanvar(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into();
    let (xf, valid, count) = with_counts(x, &axes)?;
    let mean = nanmean(&xf, axes.clone(), true)?;
    let centered = where_(&valid, &subtract(&xf, &mean)?, 0.0)?;
    let total = sum(&multiply(&centered, &centered)?, axes.clone(), true)?;
    let count = where_(&crate::ops::less_equal(&count, 0.0)?, f64::NAN, &count)?;
    finish(divide(&total, &count)?, &xf, &axes, keepdims)
}

/// Standard deviation over `axis` of the non-NaN elements (`keras.ops.nanstd`).
pub fn nanstd(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    sqrt(&nanvar(x, axis, keepdims)?)
}

/// Shared body of `nanmax` / `nanmin`: NaN loses to every number, an all-NaN group is NaN.
fn nan_extremum(x: &Tensor, axes: Axes, keepdims: bool, is_max: bool) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return if is_max {
            max(x, axes, keepdims, None)
        } else {
            min(x, axes, keepdims, None)
        };
    }
    let nan = isnan(x)?;
    let filler = if is_max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let filled = where_(&nan, filler, x)?;
    let r = if is_max {
        max(&filled, axes.clone(), keepdims, None)?
    } else {
        min(&filled, axes.clone(), keepdims, None)?
    };
    where_(&all(&nan, axes, keepdims)?, f64::NAN, &r)
}

/// Maximum over `axis` ignoring NaN; NaN where every element is NaN (`keras.ops.nanmax`).
pub fn nanmax(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    nan_extremum(x, axis.into(), keepdims, true)
}

/// Minimum over `axis` ignoring NaN; NaN where every element is NaN (`keras.ops.nanmin`).
pub fn nanmin(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    nan_extremum(x, axis.into(), keepdims, false)
}
