//! Normalization ops of `keras.ops.nn`: `batch_normalization`, `layer_normalization`,
//! `rms_normalization` and `normalize` (Lp normalization), with Keras's formulas
//! (`moments` lives with the reductions).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap();
//! let n = ops::normalize(&x, -1, 2, None).unwrap();
//! assert_eq!(n.to_vec::<f32>().unwrap(), vec![0.6, 0.8]);
//! let l = ops::layer_normalization(&x, None, None, -1, None).unwrap();
//! assert!((l.to_vec::<f32>().unwrap()[0] + 1.0).abs() < 1e-3);
//! ```

use keras_backend::{bail, result_type, DType, Result};

use crate::config::epsilon as default_epsilon;
use crate::ops::{
    absolute, add, cast, divide, expand_dims, maximum, mean, minimum, moments, multiply, negative,
    power, reshape, rsqrt, square, sum,
};
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

/// `v` reshaped to `[1, ..., len, ..., 1]` (its length at `axis` of a rank-`rank` tensor),
/// checking that length.
fn along_axis(
    v: &Tensor,
    name: &str,
    rank: usize,
    axis: usize,
    len: usize,
    op: &str,
) -> Result<Tensor> {
    if v.rank() != 1 || v.dims()[0] != len {
        bail!(
            op,
            "{name} must be a vector of length {len} (axis {axis} of x), got shape {}",
            v.shape()
        );
    }
    let mut dims = vec![1usize; rank];
    dims[axis] = len;
    reshape(v, dims)
}

/// Normalizes `x` with given statistics along `axis`:
/// `(x - mean) / sqrt(variance + epsilon) * scale + offset` (`keras.ops.batch_normalization`,
/// Keras default `epsilon = 1e-3`). `mean`, `variance`, `offset` and `scale` are vectors
/// of the length of that axis.
pub fn batch_normalization(
    x: &Tensor,
    mean: &Tensor,
    variance: &Tensor,
    axis: i64,
    offset: Option<&Tensor>,
    scale: Option<&Tensor>,
    epsilon: f64,
) -> Result<Tensor> {
    let op = "batch_normalization";
    let ax = normalize_axis(axis, x.rank(), op)?;
    let (r, n) = (x.rank(), x.dims()[ax]);
    let mean = along_axis(mean, "mean", r, ax, n, op)?;
    let variance = along_axis(variance, "variance", r, ax, n, op)?;
    let mut inv = rsqrt(&add(&variance, epsilon)?)?;
    if let Some(s) = scale {
        inv = multiply(&inv, &along_axis(s, "scale", r, ax, n, op)?)?;
    }
    let mut res = multiply(&negative(&mean)?, &inv)?;
    if let Some(o) = offset {
        res = add(&res, &along_axis(o, "offset", r, ax, n, op)?)?;
    }
    add(&multiply(x, &inv)?, &res)
}

/// `x / max(||x||_order, epsilon)` over `axis` (`keras.ops.normalize`, Keras defaults
/// `axis = -1`, `order = 2`, `epsilon = keras.config.epsilon()`). `order` must be at
/// least 1; orders other than 2 need a single axis.
pub fn normalize(
    x: &Tensor,
    axis: impl Into<Axes>,
    order: i64,
    epsilon: Option<f64>,
) -> Result<Tensor> {
    if order < 1 {
        bail!("normalize", "order must be an int >= 1, got {order}");
    }
    let x = if x.rank() == 0 {
        expand_dims(x, 0)?
    } else {
        x.clone()
    };
    let eps = epsilon.unwrap_or_else(default_epsilon);
    let axis = axis.into();
    if order == 2 {
        let inv = rsqrt(&sum(&square(&x)?, axis, true)?)?;
        return multiply(&x, &minimum(&inv, 1.0 / eps)?);
    }
    let axes = axis.resolve(x.rank(), "normalize")?;
    if axes.len() != 1 {
        bail!(
            "normalize",
            "order {order} needs a single axis, got {axes:?}"
        );
    }
    let ax = axes[0] as i64;
    let abs = absolute(&x)?;
    let norm = if order == 1 {
        sum(&abs, ax, true)?
    } else {
        let p = order as f64;
        power(&sum(&power(&abs, p)?, ax, true)?, 1.0 / p)?
    };
    divide(&x, &maximum(&norm, eps)?)
}

/// The dtype Keras normalizes in (at least float32; float64 stays float64, where Keras on
/// JAX would narrow it) and the axes, sorted.
fn norm_setup(x: &Tensor, axis: Axes, op: &str) -> Result<(DType, Vec<usize>)> {
    let dtype = result_type(&[x.dtype().into(), DType::F32.into()]);
    let axes = if x.rank() == 0 {
        vec![0]
    } else {
        axis.resolve(x.rank(), op)?
    };
    Ok((dtype, axes))
}

/// A per-feature parameter: cast to `dtype` and, when its rank differs from the input's,
/// reshaped to broadcast over the normalized `axes`.
fn feature_param(
    v: &Tensor,
    dtype: DType,
    dims: &[usize],
    axes: &[usize],
    op: &str,
) -> Result<Tensor> {
    let v = cast(v, dtype)?;
    if v.rank() == dims.len() {
        return Ok(v);
    }
    let shape: Vec<usize> = (0..dims.len())
        .map(|i| if axes.contains(&i) { dims[i] } else { 1 })
        .collect();
    if v.size() != shape.iter().product::<usize>() {
        bail!(
            op,
            "parameter of shape {} does not match the normalized axes of shape {:?}",
            v.shape(),
            dims
        );
    }
    reshape(&v, shape)
}

/// Layer normalization over `axis` (one or several): `(x - mean) / sqrt(var + epsilon) *
/// gamma + beta` (`keras.ops.layer_normalization`, Keras defaults `axis = -1`,
/// `epsilon = keras.config.epsilon()`). Computes in at least float32 and returns `x`'s dtype.
pub fn layer_normalization(
    x: &Tensor,
    gamma: Option<&Tensor>,
    beta: Option<&Tensor>,
    axis: impl Into<Axes>,
    epsilon: Option<f64>,
) -> Result<Tensor> {
    let op = "layer_normalization";
    let (dtype, axes) = norm_setup(x, axis.into(), op)?;
    let xc = cast(x, dtype)?;
    let ax: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
    let (m, v) = moments(&xc, ax, true)?;
    let mut inv = rsqrt(&add(&v, epsilon.unwrap_or_else(default_epsilon))?)?;
    if let Some(g) = gamma {
        inv = multiply(&inv, &feature_param(g, dtype, xc.dims(), &axes, op)?)?;
    }
    let mut res = multiply(&negative(&m)?, &inv)?;
    if let Some(b) = beta {
        res = add(&res, &feature_param(b, dtype, xc.dims(), &axes, op)?)?;
    }
    cast(&add(&multiply(&xc, &inv)?, &res)?, x.dtype())
}

/// Root-mean-square normalization over `axis`: `x / sqrt(mean(x²) + epsilon) * scale`
/// (`keras.ops.rms_normalization`, Keras defaults `axis = -1`,
/// `epsilon = keras.config.epsilon()`). Computes in at least float32 and returns `x`'s dtype;
/// a 0-d input becomes shape `(1,)`, as in Keras.
pub fn rms_normalization(
    x: &Tensor,
    scale: Option<&Tensor>,
    axis: impl Into<Axes>,
    epsilon: Option<f64>,
) -> Result<Tensor> {
    let op = "rms_normalization";
    let (dtype, _) = norm_setup(x, Axes::All, op)?;
    let mut xc = cast(x, dtype)?;
    if xc.rank() == 0 {
        xc = expand_dims(&xc, 0)?;
    }
    let axes = axis.into();
    axes.resolve(xc.rank(), op)?;
    let ms = mean(&square(&xc)?, axes, true)?;
    let mut out = multiply(
        &xc,
        &rsqrt(&add(&ms, epsilon.unwrap_or_else(default_epsilon))?)?,
    )?;
    if let Some(s) = scale {
        out = multiply(&out, &cast(s, dtype)?)?;
    }
    cast(&out, x.dtype())
}
