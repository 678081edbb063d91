//! Small statistics: `nanargmax`, `nanargmin`, `trapezoid`, `corrcoef`, `histogram`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, f32::NAN, 3.0], [3]).unwrap();
//! assert_eq!(ops::nanargmax(&x, None, false).unwrap().item().unwrap(), 2.0);
//! let y = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! assert_eq!(ops::trapezoid(&y, None, 1.0, -1).unwrap().item().unwrap(), 4.0);
//! ```

use keras_backend::{bail, Result};

use super::host::{tensor_f64, values_f64};
use crate::ops::layout::slice_axis;
use crate::ops::numeric::weak_float_dtype;
use crate::ops::{
    add, all, argmax, argmin, cast, clip, diff, divide, isnan, matmul, mean, multiply, reshape,
    sqrt, subtract, sum, transpose, where_,
};
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

fn nan_arg(x: &Tensor, axis: Option<i64>, keepdims: bool, is_max: bool) -> Result<Tensor> {
    let arg = |t: &Tensor| {
        if is_max {
            argmax(t, axis, keepdims)
        } else {
            argmin(t, axis, keepdims)
        }
    };
    if !x.dtype().is_float() {
        return arg(x);
    }
    let nan = isnan(x)?;
    let fill = if is_max {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let idx = arg(&where_(&nan, fill, x)?)?;
    let every_nan = all(&nan, Axes::from(axis), keepdims)?;
    let every_nan = reshape(&every_nan, idx.dims())?;
    where_(&every_nan, -1, &idx)
}

/// Index of the maximum ignoring NaN, `-1` where a slice is all NaN
/// (`keras.ops.nanargmax`); the flattened tensor when `axis` is `None`.
pub fn nanargmax(x: &Tensor, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
    nan_arg(x, axis, keepdims, true)
}

/// Index of the minimum ignoring NaN, `-1` where a slice is all NaN
/// (`keras.ops.nanargmin`).
pub fn nanargmin(x: &Tensor, axis: Option<i64>, keepdims: bool) -> Result<Tensor> {
    nan_arg(x, axis, keepdims, false)
}

/// Integral of `y` along `axis` by the trapezoidal rule, with sample points `x` (1-D along
/// the axis, or the shape of `y`) or uniform spacing `dx` (`keras.ops.trapezoid`).
pub fn trapezoid(y: &Tensor, x: Option<&Tensor>, dx: f64, axis: i64) -> Result<Tensor> {
    let ax = normalize_axis(axis, y.rank(), "trapezoid")?;
    let y = cast(y, weak_float_dtype(y.dtype()))?;
    let n = y.dims()[ax];
    if n < 2 {
        let mut dims = y.dims().to_vec();
        dims.remove(ax);
        return crate::ops::zeros(&dims, y.dtype());
    }
    let mids = divide(
        &add(
            &slice_axis(&y, ax, 1, n - 1)?,
            &slice_axis(&y, ax, 0, n - 1)?,
        )?,
        2.0,
    )?;
    let weighted = match x {
        None => multiply(&mids, dx)?,
        Some(x) => {
            let x = cast(x, y.dtype())?;
            let d = if x.rank() == 1 {
                if x.dims()[0] != n {
                    bail!(
                        "trapezoid",
                        "x of shape {} does not match axis {ax} of y {}",
                        x.shape(),
                        y.shape()
                    );
                }
                let mut dims = vec![1; y.rank()];
                dims[ax] = n - 1;
                reshape(&diff(&x, 1, 0)?, dims)?
            } else {
                diff(&x, 1, ax as i64)?
            };
            multiply(&mids, &d)?
        }
    };
    sum(&weighted, ax as i64, false)
}

/// Pearson correlation coefficients of the rows of `x` (variables × observations), or
/// of a single 1-D variable (a 0-d result) (`keras.ops.corrcoef`). Values are clipped to
/// `[-1, 1]`.
pub fn corrcoef(x: &Tensor) -> Result<Tensor> {
    if x.rank() > 2 {
        bail!(
            "corrcoef",
            "expected a 1-D or 2-D tensor, got shape {}",
            x.shape()
        );
    }
    let x = cast(x, weak_float_dtype(x.dtype()))?;
    let rows = if x.rank() == 2 {
        x.clone()
    } else {
        reshape(&x, [1, -1])?
    };
    let centered = subtract(&rows, &mean(&rows, -1, true)?)?;
    let cov = matmul(&centered, &transpose(&centered, None)?)?;
    let k = cov.dims()[0];
    let diag = sum(&multiply(&centered, &centered)?, -1, false)?;
    let sd = sqrt(&diag)?;
    let denom = multiply(&reshape(&sd, [k as i64, 1])?, &reshape(&sd, [1, k as i64])?)?;
    let c = clip(&divide(&cov, &denom)?, -1.0, 1.0)?;
    if x.rank() == 2 {
        Ok(c)
    } else {
        reshape(&c, Vec::<i64>::new())
    }
}

/// Counts of the values of a 1-D `x` in `bins` equal-width bins over `range` (default
/// `[min(x), max(x)]`), and the `bins + 1` edges (`keras.ops.histogram`). The last bin
/// includes its right edge; values outside the range are not counted.
pub fn histogram(x: &Tensor, bins: usize, range: Option<(f64, f64)>) -> Result<(Tensor, Tensor)> {
    if x.rank() > 1 {
        bail!(
            "histogram",
            "input tensor must be 1-dimensional, got shape {}",
            x.shape()
        );
    }
    if bins == 0 {
        bail!("histogram", "bins must be positive");
    }
    let dtype = weak_float_dtype(x.dtype());
    let v = values_f64(&cast(x, dtype)?)?;
    let (mut lo, mut hi) = match range {
        Some((lo, hi)) if hi < lo => bail!("histogram", "range ({lo}, {hi}) must be increasing"),
        Some(r) => r,
        None if v.is_empty() => (0.0, 1.0),
        None => v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            }),
    };
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    // Edges rounded to the result dtype, so counting agrees with the edges returned.
    let step = (hi - lo) / bins as f64;
    let raw: Vec<f64> = (0..=bins)
        .map(|i| if i == bins { hi } else { lo + i as f64 * step })
        .collect();
    let edges_t = tensor_f64(raw, &[bins + 1], dtype)?;
    let edges = values_f64(&edges_t)?;
    let mut counts = vec![0.0; bins];
    for &val in &v {
        if val.is_nan() || val < edges[0] || val > edges[bins] {
            continue;
        }
        // Index of the first edge greater than the value (side="right"), last bin closed.
        let right = edges.partition_point(|&e| e <= val);
        counts[(right.max(1) - 1).min(bins - 1)] += 1.0;
    }
    Ok((tensor_f64(counts, &[bins], dtype)?, edges_t))
}
