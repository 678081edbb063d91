//! Order statistics through sorting: `quantile`, `percentile`, `median` and their
//! NaN-ignoring versions, as `jax.numpy` computes them (methods `linear`, `lower`,
//! `higher`, `midpoint`, `nearest`).

use keras_backend::{bail, DType, Result};

use super::weak_float_dtype;
use crate::config::floatx;
use crate::ops::{
    add, any, broadcast_to, cast, ceil, divide, floor, isnan, less_equal, logical_not, maximum,
    minimum, moveaxis, multiply, permute, reshape, sort, squeeze, subtract, sum, take_along_axis,
    where_, Operand,
};
use crate::shape::Axes;
use crate::tensor::Tensor;

/// How a quantile between two order statistics is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Linear,
    Lower,
    Higher,
    Midpoint,
    Nearest,
}

impl Method {
    fn parse(s: &str, op: &str) -> Result<Method> {
        Ok(match s {
            "linear" => Method::Linear,
            "lower" => Method::Lower,
            "higher" => Method::Higher,
            "midpoint" => Method::Midpoint,
            "nearest" => Method::Nearest,
            other => bail!(
                op,
                "method must be one of linear, lower, higher, midpoint, nearest; got {other:?}"
            ),
        })
    }
}

/// One quantile request: the data (already float), `q` (0-d or 1-D, float), the axes.
struct Request {
    op: &'static str,
    a: Tensor,
    q: Tensor,
    axis: Axes,
    method: Method,
    keepdims: bool,
    ignore_nan: bool,
}

/// `q` as a float tensor: a Python-style scalar becomes float32 (float64 next to a float64
/// input, as under JAX's x64 mode).
fn q_tensor(q: Operand, a_dtype: DType) -> Result<Tensor> {
    let scalar_dtype = if a_dtype == DType::F64 {
        DType::F64
    } else {
        floatx()
    };
    let q = match q {
        Operand::Tensor(t) if t.dtype().is_float() => t,
        Operand::Tensor(t) => cast(&t, scalar_dtype)?,
        other => other.to_tensor(scalar_dtype)?,
    };
    Ok(q)
}

/// The `q`-th quantiles of `x` over `axis` (`None` = all) (`keras.ops.quantile`; Keras
/// defaults `method = "linear"`, `keepdims = false`). `q` is a number or a 0-d / 1-D tensor in
/// `[0, 1]`; a 1-D `q` adds a leading axis to the result. A NaN in a group makes it NaN.
pub fn quantile(
    x: &Tensor,
    q: impl Into<Operand>,
    axis: impl Into<Axes>,
    method: &str,
    keepdims: bool,
) -> Result<Tensor> {
    let a = keras_int64_to_floatx(x)?;
    let q = q_tensor(q.into(), a.dtype())?;
    run("quantile", a, q, axis.into(), method, keepdims, false)
}

/// [`quantile`] with `q` in percent (`keras.ops.percentile`).
pub fn percentile(
    x: &Tensor,
    q: impl Into<Operand>,
    axis: impl Into<Axes>,
    method: &str,
    keepdims: bool,
) -> Result<Tensor> {
    let a = cast(x, weak_float_dtype(x.dtype()))?;
    let q = divide(&q_tensor(q.into(), a.dtype())?, 100.0)?;
    run("percentile", a, q, axis.into(), method, keepdims, false)
}

/// Median over `axis` (`None` = all) (`keras.ops.median`); NaN if a group has NaN.
pub fn median(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let a = keras_int64_to_floatx(x)?;
    let q = Tensor::scalar_of(0.5, a.dtype())?;
    run("median", a, q, axis.into(), "midpoint", keepdims, false)
}

/// [`quantile`] of the non-NaN elements (`keras.ops.nanquantile`).
pub fn nanquantile(
    x: &Tensor,
    q: impl Into<Operand>,
    axis: impl Into<Axes>,
    method: &str,
    keepdims: bool,
) -> Result<Tensor> {
    let a = cast(x, weak_float_dtype(x.dtype()))?;
    let q = q_tensor(q.into(), a.dtype())?;
    run("nanquantile", a, q, axis.into(), method, keepdims, true)
}

/// [`percentile`] of the non-NaN elements (`keras.ops.nanpercentile`).
pub fn nanpercentile(
    x: &Tensor,
    q: impl Into<Operand>,
    axis: impl Into<Axes>,
    method: &str,
    keepdims: bool,
) -> Result<Tensor> {
    let a = cast(x, weak_float_dtype(x.dtype()))?;
    let q = divide(&q_tensor(q.into(), a.dtype())?, 100.0)?;
    run("nanpercentile", a, q, axis.into(), method, keepdims, true)
}

/// [`median`] of the non-NaN elements (`keras.ops.nanmedian`).
pub fn nanmedian(x: &Tensor, axis: impl Into<Axes>, keepdims: bool) -> Result<Tensor> {
    let a = cast(x, weak_float_dtype(x.dtype()))?;
    let q = Tensor::scalar_of(0.5, a.dtype())?;
    run("nanmedian", a, q, axis.into(), "midpoint", keepdims, true)
}

/// Keras casts int64 inputs of `quantile` / `median` to floatx before JAX sees them.
fn keras_int64_to_floatx(x: &Tensor) -> Result<Tensor> {
    let x = if x.dtype() == DType::I64 {
        cast(x, floatx())?
    } else {
        x.clone()
    };
    cast(&x, weak_float_dtype(x.dtype()))
}

fn run(
    op: &'static str,
    a: Tensor,
    q: Tensor,
    axis: Axes,
    method: &str,
    keepdims: bool,
    ignore_nan: bool,
) -> Result<Tensor> {
    let method = Method::parse(method, op)?;
    if q.rank() > 1 {
        bail!(op, "q must have rank <= 1, got shape {}", q.shape());
    }
    compute(&Request {
        op,
        a,
        q,
        axis,
        method,
        keepdims,
        ignore_nan,
    })
}

/// Moves the reduced axes last and merges them: `[kept..., n]`.
fn to_rows(a: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let keep: Vec<usize> = (0..a.rank()).filter(|i| !axes.contains(i)).collect();
    let perm: Vec<usize> = keep.iter().chain(axes).copied().collect();
    let mut dims: Vec<usize> = keep.iter().map(|&i| a.dims()[i]).collect();
    dims.push(axes.iter().map(|&i| a.dims()[i]).product());
    reshape(&permute(a, &perm)?, dims)
}

fn compute(r: &Request) -> Result<Tensor> {
    let a = if r.a.rank() == 0 {
        reshape(&r.a, [1])?
    } else {
        r.a.clone()
    };
    let axes = r.axis.resolve(a.rank(), r.op)?;
    let rows = to_rows(&a, &axes)?;
    let last = rows.rank() - 1;
    let n = rows.dims()[last];
    if n == 0 {
        bail!(
            r.op,
            "cannot take a quantile over an empty axis of shape {}",
            r.a.shape()
        );
    }
    let rows = if r.ignore_nan {
        rows
    } else {
        // A NaN anywhere in a row makes the whole row NaN (so every quantile is NaN).
        where_(&any(&isnan(&rows)?, -1, true)?, f64::NAN, &rows)?
    };
    let sorted = sort(&rows, Some(-1))?;
    // Positions: q * (count - 1), count being n or the number of non-NaN elements.
    let qd = r.q.dtype();
    let q_row = reshape(&r.q, [r.q.size() as i64])?;
    let count = if r.ignore_nan {
        sum(&cast(&logical_not(&isnan(&sorted)?)?, qd)?, -1, true)?
    } else {
        Tensor::scalar_of(n as f64, qd)?
    };
    let top = subtract(&count, 1.0)?;
    let pos = multiply(&q_row, &top)?;
    let low = floor(&pos)?;
    let high_weight = subtract(&pos, &low)?;
    let low_weight = subtract(1.0, &high_weight)?;
    let clamp = |v: &Tensor| maximum(&minimum(v, &top)?, 0.0);
    let low_i = cast(&clamp(&low)?, DType::I32)?;
    let high_i = cast(&clamp(&ceil(&pos)?)?, DType::I32)?;
    let mut idx_dims = sorted.dims().to_vec();
    idx_dims[last] = q_row.size();
    let pick = |i: &Tensor| take_along_axis(&sorted, &broadcast_to(i, &idx_dims)?, Some(-1));
    let (lo_v, hi_v) = (pick(&low_i)?, pick(&high_i)?);
    let result = match r.method {
        Method::Linear => add(
            &multiply(&cast(&lo_v, qd)?, &low_weight)?,
            &multiply(&cast(&hi_v, qd)?, &high_weight)?,
        )?,
        Method::Lower => lo_v,
        Method::Higher => hi_v,
        Method::Nearest => where_(&less_equal(&high_weight, 0.5)?, &lo_v, &hi_v)?,
        Method::Midpoint => multiply(&add(&lo_v, &hi_v)?, 0.5)?,
    };
    // [kept..., m] → [m, kept...] (or [kept...] for a scalar q), then restore kept dims.
    let result = if r.q.rank() == 0 {
        squeeze(&result, -1)?
    } else {
        moveaxis(&result, &[-1], &[0])?
    };
    let mut out: Vec<usize> = if r.q.rank() == 0 {
        vec![]
    } else {
        vec![r.q.size()]
    };
    for (i, &d) in r.a.dims().iter().enumerate() {
        if !axes.contains(&i) {
            out.push(d);
        } else if r.keepdims {
            out.push(1);
        }
    }
    reshape(&result, out)
}
