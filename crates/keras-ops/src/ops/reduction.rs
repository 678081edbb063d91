//! Reductions over any set of axes (`keras.ops.sum`, `mean`, `max`, `argmax`, `var`,
//! `logsumexp`, ...).
//!
//! `axis` is `None` (all axes), one axis or several (negative counts from the end);
//! `keepdims` keeps reduced axes as size 1.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]).unwrap();
//! assert_eq!(ops::sum(&x, None, false).unwrap().item().unwrap(), 21.0);
//! assert_eq!(ops::mean(&x, -1, true).unwrap().dims(), &[2, 1]);
//! assert_eq!(ops::max(&x, None, false, None).unwrap().item().unwrap(), 6.0);
//! assert_eq!(ops::argmax(&x, Some(1), false).unwrap().to_vec::<i32>().unwrap(), vec![2, 2]);
//! ```

use keras_backend::{bail, ArgReduceOp, DType, ReduceOp, Result};

use super::{
    add, broadcast_to, cast, divide, equal, exp, log, multiply, reshape, square, subtract, to_float,
};
use crate::autodiff::{record, stop_gradient};
use crate::config::floatx;
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

/// Dims of `dims` with `axes` kept as size 1.
fn kept_dims(dims: &[usize], axes: &[usize]) -> Vec<usize> {
    dims.iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .collect()
}

/// Dims of `dims` with `axes` removed.
fn reduced_dims(dims: &[usize], axes: &[usize]) -> Vec<usize> {
    dims.iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d)
        .collect()
}

/// Runs a reduce kernel and shapes the result (no gradient).
fn reduce_kernel(op: ReduceOp, x: &Tensor, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    let s = x.backend().reduce(op, x.storage(), x.dims(), axes)?;
    let dims = kept_or_reduced(x.dims(), axes, keepdims);
    Ok(Tensor::from_storage(s, dims, x.backend()))
}

/// Broadcasts a reduced gradient (or value) back to the input's shape.
fn expand_back(g: &Tensor, x_dims: &[usize], axes: &[usize]) -> Result<Tensor> {
    let kept = reshape(g, kept_dims(x_dims, axes))?;
    broadcast_to(&kept, x_dims)
}

/// Keras's accumulation dtype for sum/prod: small integers and bool widen to int32.
fn accumulation_dtype(d: DType) -> DType {
    match d {
        DType::Bool | DType::I8 | DType::I16 => DType::I32,
        DType::U8 | DType::U16 => DType::U32,
        other => other,
    }
}

/// Sum of elements over `axis` (`keras.ops.sum`).
pub fn sum(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "sum")?;
    let x = cast(x, accumulation_dtype(x.dtype()))?;
    let y = reduce_kernel(ReduceOp::Sum, &x, &axes, keepdims)?;
    if !x.dtype().is_float() {
        return Ok(y);
    }
    let dims = x.dims().to_vec();
    Ok(record("sum", &[&x], y, move |g, _, _| {
        Ok(vec![Some(expand_back(g, &dims, &axes)?)])
    }))
}

/// Product of elements over `axis` (`keras.ops.prod`).
pub fn prod(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "prod")?;
    let x = cast(x, accumulation_dtype(x.dtype()))?;
    let y = reduce_kernel(ReduceOp::Prod, &x, &axes, keepdims)?;
    if !x.dtype().is_float() {
        return Ok(y);
    }
    let dims = x.dims().to_vec();
    Ok(record("prod", &[&x], y, move |g, ins, _| {
        // d prod / d x_i is the product of the other elements (exact with zeros).
        let others = product_of_others(&ins[0], &axes)?;
        Ok(vec![Some(multiply(
            &expand_back(g, &dims, &axes)?,
            &others,
        )?)])
    }))
}

/// For each element, the product of the other elements in its reduction group.
fn product_of_others(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let zero = cast(&equal(x, 0.0)?, x.dtype())?;
    let zeros_in_group = reduce_kernel(ReduceOp::Sum, &zero, axes, true)?;
    let nonzero_x = super::where_(&equal(x, 0.0)?, 1.0, x)?;
    let prod_nonzero = reduce_kernel(ReduceOp::Prod, &nonzero_x, axes, true)?;
    // No zero in the group: prod / x. One zero: that element gets the product of the
    // nonzeros, the others 0. Two or more zeros: every element gets 0.
    let no_zero = equal(&zeros_in_group, 0.0)?;
    let one_zero = equal(&zeros_in_group, 1.0)?;
    let general = divide(&prod_nonzero, &nonzero_x)?;
    let single = multiply(&zero, &prod_nonzero)?;
    let r = super::where_(&no_zero, &general, &super::where_(&one_zero, &single, 0.0)?)?;
    broadcast_to(&r, x.dims())
}

/// Shared body of `max`/`min`: the gradient goes to the extreme elements, split among ties.
/// `initial` joins every group as one more candidate (and is the result of an empty one).
fn extremum(
    x: &Tensor,
    axis: Axes,
    keepdims: bool,
    initial: Option<f64>,
    op: ReduceOp,
    name: &'static str,
) -> Result<Tensor> {
    let axes = axis.resolve(x.rank(), name)?;
    if let Some(init) = initial {
        let empty = axes.iter().any(|&a| x.dims()[a] == 0);
        if empty {
            let dims = kept_or_reduced(x.dims(), &axes, keepdims);
            return super::full(&dims, init, x.dtype());
        }
        let y = extremum(
            x,
            Axes::Some(axes.iter().map(|&a| a as i64).collect()),
            keepdims,
            None,
            op,
            name,
        )?;
        let init = Tensor::scalar_of(init, x.dtype())?;
        return if op == ReduceOp::Max {
            super::maximum(&y, &init)
        } else {
            super::minimum(&y, &init)
        };
    }
    if x.size() == 0 && axes.iter().any(|&a| x.dims()[a] == 0) {
        bail!(
            name,
            "zero-size array to reduction operation {name} which has no identity (shape {})",
            x.shape()
        );
    }
    let y = reduce_kernel(op, x, &axes, keepdims)?;
    if !x.dtype().is_float() {
        return Ok(y);
    }
    let dims = x.dims().to_vec();
    Ok(record(name, &[x], y, move |g, ins, y| {
        let yb = expand_back(y, &dims, &axes)?;
        let hit = cast(&equal(&ins[0], &yb)?, g.dtype())?;
        let count = reduce_kernel(ReduceOp::Sum, &hit, &axes, true)?;
        let share = divide(&hit, &count)?;
        Ok(vec![Some(multiply(
            &expand_back(g, &dims, &axes)?,
            &share,
        )?)])
    }))
}

/// Maximum over `axis`, optionally also against `initial` (`keras.ops.max`); an empty
/// reduction without `initial` is an error.
pub fn max(
    x: &Tensor,
    axis: impl Into<Axes>,
    keepdims: bool,
    initial: Option<f64>,
) -> Result<Tensor> {
    extremum(x, axis.into(), keepdims, initial, ReduceOp::Max, "max")
}

/// Minimum over `axis`, optionally also against `initial` (`keras.ops.min`); an empty
/// reduction without `initial` is an error.
pub fn min(
    x: &Tensor,
    axis: impl Into<Axes>,
    keepdims: bool,
    initial: Option<f64>,
) -> Result<Tensor> {
    extremum(x, axis.into(), keepdims, initial, ReduceOp::Min, "min")
}

/// Maximum over `axis` (`keras.ops.amax`).
pub fn amax(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    max(x, axis, keepdims, None)
}

/// Minimum over `axis` (`keras.ops.amin`).
pub fn amin(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    min(x, axis, keepdims, None)
}

/// Arithmetic mean over `axis`; integers average in floatx (`keras.ops.mean`).
pub fn mean(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "mean")?;
    let x = to_float(x)?;
    let n: usize = axes.iter().map(|&a| x.dims()[a]).product();
    let s = sum(
        &x,
        axes.iter().map(|&a| a as i64).collect::<Vec<_>>(),
        keepdims,
    )?;
    divide(&s, n as f64)
}

/// Variance over `axis` (population variance, `keras.ops.var`).
pub fn var(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes: Vec<i64> = axis
        .into()
        .resolve(x.rank(), "var")?
        .into_iter()
        .map(|a| a as i64)
        .collect();
    let x = to_float(x)?;
    let m = mean(&x, axes.clone(), true)?;
    mean(&square(&subtract(&x, &m)?)?, axes, keepdims)
}

/// Standard deviation over `axis` (`keras.ops.std`).
pub fn std(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    super::sqrt(&var(x, axis, keepdims)?)
}

/// True if any element over `axis` is nonzero (`keras.ops.any`).
pub fn any(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "any")?;
    reduce_kernel(ReduceOp::Any, &cast(x, DType::Bool)?, &axes, keepdims)
}

/// True if every element over `axis` is nonzero (`keras.ops.all`).
pub fn all(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "all")?;
    reduce_kernel(ReduceOp::All, &cast(x, DType::Bool)?, &axes, keepdims)
}

/// Number of nonzero elements over `axis`, as int32 (`keras.ops.count_nonzero`).
pub fn count_nonzero(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    let nz = cast(&super::not_equal(x, 0)?, DType::I32)?;
    sum(&nz, axis, false)
}

/// `log(sum(exp(x)))` over `axis`, computed stably (`keras.ops.logsumexp`).
pub fn logsumexp(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let axes: Vec<i64> = axis
        .into()
        .resolve(x.rank(), "logsumexp")?
        .into_iter()
        .map(|a| a as i64)
        .collect();
    let x = to_float(x)?;
    if x.size() == 0 {
        return log(&sum(&exp(&x)?, axes, keepdims)?);
    }
    let m = stop_gradient(&max(&x, axes.clone(), true, None)?);
    // Infinite maxima would give inf - inf = NaN; shift by 0 there instead.
    let m = super::where_(&super::isfinite(&m)?, &m, 0.0)?;
    let s = log(&sum(&exp(&subtract(&x, &m)?)?, axes.clone(), true)?)?;
    let r = add(&s, &m)?;
    if keepdims {
        Ok(r)
    } else {
        let axes_u: Vec<usize> = axes.iter().map(|&a| a as usize).collect();
        reshape(&r, reduced_dims(x.dims(), &axes_u))
    }
}

fn arg_extremum(
    x: &Tensor,
    axis: Option<i64>,
    keepdims: bool,
    op: ArgReduceOp,
    name: &str,
) -> Result<Tensor> {
    if x.size() == 0 {
        bail!(
            name,
            "attempt to get {name} of an empty sequence (shape {})",
            x.shape()
        );
    }
    let (src, axis) = match axis {
        Some(a) if x.rank() > 0 => (x.clone(), normalize_axis(a, x.rank(), name)?),
        _ => (reshape(x, [x.size() as i64])?, 0),
    };
    let s = x
        .backend()
        .arg_reduce(op, src.storage(), src.dims(), axis)?;
    let out: Vec<usize> = if src.rank() != x.rank() {
        if keepdims {
            vec![1; x.rank()]
        } else {
            vec![]
        }
    } else {
        kept_or_reduced(x.dims(), &[axis], keepdims)
    };
    Ok(Tensor::from_storage(s, out, x.backend()))
}

fn kept_or_reduced(dims: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    if keepdims {
        kept_dims(dims, axes)
    } else {
        reduced_dims(dims, axes)
    }
}

/// Index of the maximum along `axis` (flattened when `None`), int32 (`keras.ops.argmax`).
pub fn argmax(x: &Tensor, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
    arg_extremum(x, axis, keepdims, ArgReduceOp::ArgMax, "argmax")
}

/// Index of the minimum along `axis` (flattened when `None`), int32 (`keras.ops.argmin`).
pub fn argmin(x: &Tensor, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
    arg_extremum(x, axis, keepdims, ArgReduceOp::ArgMin, "argmin")
}

/// Mean and variance over `axes` (`keras.ops.moments`); integer inputs compute in floatx.
pub fn moments(x: &Tensor, axes: impl Into<Axes>, keepdims: bool) -> Result<(Tensor, Tensor)> {
    let axes: Vec<i64> = axes
        .into()
        .resolve(x.rank(), "moments")?
        .into_iter()
        .map(|a| a as i64)
        .collect();
    let x = if x.dtype().is_float() {
        x.clone()
    } else {
        cast(x, floatx())?
    };
    let m = mean(&x, axes.clone(), true)?;
    let v = mean(
        &square(&subtract(&x, stop_gradient(&m))?)?,
        axes.clone(),
        keepdims,
    )?;
    let m = if keepdims { m } else { mean(&x, axes, false)? };
    Ok((m, v))
}
