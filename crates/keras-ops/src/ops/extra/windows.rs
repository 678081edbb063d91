//! Sequence builders: the window functions `bartlett`, `blackman`, `hamming`, `hanning`,
//! `kaiser`, plus `geomspace` and the Vandermonde matrix `vander`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! assert_eq!(ops::hanning(3).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 1.0, 0.0]);
//! let g = ops::geomspace(1.0, 100.0, 3, true, None, 0).unwrap();
//! assert_eq!(g.to_vec::<f32>().unwrap(), vec![1.0, 10.0, 100.0]);
//! let x = Tensor::from_vec(vec![2i32, 3], [2]).unwrap();
//! assert_eq!(ops::vander(&x, Some(3), false).unwrap().to_vec::<i32>().unwrap(), vec![4, 2, 1, 9, 3, 1]);
//! ```

use std::f64::consts::PI;

use keras_backend::{bail, DType, Result};

use super::host::{bessel_i0, broadcast_pair, tensor_f64, values_f64};
use crate::config::floatx;
use crate::ops::numeric::weak_float_dtype;
use crate::ops::{cast, flip, moveaxis, multiply, ones_like, operands_dtype, stack, Operand};
use crate::tensor::Tensor;

/// A window of `m` points from `f(n / (m - 1))`, in floatx (`[1]` for one point, empty for
/// none).
fn window(m: i64, f: impl Fn(f64) -> f64) -> Result<Tensor> {
    let m = m.max(0) as usize;
    let values: Vec<f64> = match m {
        0 => vec![],
        1 => vec![1.0],
        _ => (0..m).map(|n| f(n as f64 / (m - 1) as f64)).collect(),
    };
    tensor_f64(values, &[m], floatx())
}

/// The triangular Bartlett window of `x` points (`keras.ops.bartlett`).
pub fn bartlett(x: i64) -> Result<Tensor> {
    window(x, |t| 1.0 - (2.0 * t - 1.0).abs())
}

/// The Blackman window of `x` points (`keras.ops.blackman`).
pub fn blackman(x: i64) -> Result<Tensor> {
    window(x, |t| {
        0.42 - 0.5 * (2.0 * PI * t).cos() + 0.08 * (4.0 * PI * t).cos()
    })
}

/// The Hamming window of `x` points (`keras.ops.hamming`).
pub fn hamming(x: i64) -> Result<Tensor> {
    window(x, |t| 0.54 - 0.46 * (2.0 * PI * t).cos())
}

/// The Hann window of `x` points (`keras.ops.hanning`).
pub fn hanning(x: i64) -> Result<Tensor> {
    window(x, |t| 0.5 - 0.5 * (2.0 * PI * t).cos())
}

/// The Kaiser window of `x` points with shape parameter `beta` (`keras.ops.kaiser`).
pub fn kaiser(x: i64, beta: f64) -> Result<Tensor> {
    let norm = bessel_i0(beta);
    window(x, |t| {
        bessel_i0(beta * (1.0 - (2.0 * t - 1.0).powi(2)).max(0.0).sqrt()) / norm
    })
}

/// `num` values spaced evenly on a log scale from `start` to `stop` (`keras.ops.geomspace`);
/// tensor endpoints broadcast and the samples run along `axis`. Both endpoints must be
/// nonzero and of one sign. The dtype defaults to the endpoints' float type.
pub fn geomspace(
    start: impl Into<Operand>,
    stop: impl Into<Operand>,
    num: usize,
    endpoint: bool,
    dtype: Option<DType>,
    axis: i64,
) -> Result<Tensor> {
    let (start, stop) = (start.into(), stop.into());
    let natural = weak_float_dtype(operands_dtype(&[&start, &stop]));
    let (s, e) = broadcast_pair(
        &start.to_tensor(DType::F64)?,
        &stop.to_tensor(DType::F64)?,
        "geomspace",
    )?;
    let (sv, ev) = (values_f64(&s)?, values_f64(&e)?);
    if sv.iter().chain(&ev).any(|&v| v == 0.0) {
        bail!("geomspace", "a geometric sequence cannot include zero");
    }
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let mut values = Vec::with_capacity(num * sv.len());
    for i in 0..num {
        let t = if div == 0 { 0.0 } else { i as f64 / div as f64 };
        for (&a, &b) in sv.iter().zip(&ev) {
            let v = if i == 0 {
                a
            } else if endpoint && i + 1 == num {
                b
            } else if (a < 0.0) != (b < 0.0) {
                f64::NAN
            } else {
                let (la, lb) = (a.abs().ln(), b.abs().ln());
                a.signum() * (la + t * (lb - la)).exp()
            };
            values.push(v);
        }
    }
    let mut dims = vec![num];
    dims.extend_from_slice(s.dims());
    let y = tensor_f64(values, &dims, dtype.unwrap_or(natural))?;
    if axis == 0 {
        Ok(y)
    } else {
        moveaxis(&y, &[0], &[axis])
    }
}

/// The Vandermonde matrix of a 1-D `x`: column `j` is `x^(n-1-j)` (or `x^j` when
/// `increasing`), `n` defaulting to `len(x)` (`keras.ops.vander`). Keeps the dtype of `x`.
pub fn vander(x: &Tensor, n: Option<usize>, increasing: bool) -> Result<Tensor> {
    if x.rank() != 1 {
        bail!("vander", "x must be a 1-D tensor, got shape {}", x.shape());
    }
    let x = if x.dtype() == DType::Bool {
        cast(x, DType::I32)?
    } else {
        x.clone()
    };
    let n = n.unwrap_or(x.dims()[0]);
    if n == 0 {
        return crate::ops::zeros(&[x.dims()[0], 0], x.dtype());
    }
    let mut cols = vec![ones_like(&x)?];
    for _ in 1..n {
        let next = multiply(cols.last().expect("non-empty"), &x)?;
        cols.push(next);
    }
    let m = stack(&cols.iter().collect::<Vec<_>>(), 1)?;
    if increasing {
        Ok(m)
    } else {
        flip(&m, 1)
    }
}
