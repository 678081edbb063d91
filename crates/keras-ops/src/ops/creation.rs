//! Tensor creation (`keras.ops.zeros`, `ones`, `full`, `*_like`, `arange`, `linspace`,
//! `eye`, `identity`, `tri`).
//!
//! ```
//! use keras_ops::{ops, DType};
//! let z = ops::zeros(&[2, 3], DType::F32).unwrap();
//! assert_eq!(z.to_vec::<f32>().unwrap(), vec![0.0; 6]);
//! let r = ops::arange(0.0, 5.0, 2.0, None).unwrap();
//! assert_eq!((r.dtype().name(), r.to_vec::<i32>().unwrap()), ("int32", vec![0, 2, 4]));
//! ```

use keras_backend::{bail, DType, HostBuffer, Result};

use crate::config::floatx;
use crate::tensor::Tensor;

/// A tensor of `shape` filled with `value` (converted to `dtype`).
pub fn full(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
    let n = checked_size(shape, "full")?;
    Tensor::from_host(HostBuffer::filled(dtype, n, value), shape)
}

/// Number of elements of `shape`, refusing sizes that overflow.
pub(crate) fn checked_size(shape: &[usize], op: &str) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| keras_backend::Error::op(op, format!("shape {shape:?} is too large")))
}

/// A tensor of zeros (`keras.ops.zeros`).
pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    full(shape, 0.0, dtype)
}

/// A tensor of ones (`keras.ops.ones`).
pub fn ones(shape: &[usize], dtype: DType) -> Result<Tensor> {
    full(shape, 1.0, dtype)
}

/// Uninitialised in NumPy; zeros here (`keras.ops.empty`).
pub fn empty(shape: &[usize], dtype: DType) -> Result<Tensor> {
    zeros(shape, dtype)
}

/// `value` in the shape of `x`, with `x`'s dtype unless `dtype` is given
/// (`keras.ops.full_like`).
pub fn full_like(x: &Tensor, value: f64, dtype: Option<DType>) -> Result<Tensor> {
    full(x.dims(), value, dtype.unwrap_or(x.dtype()))
}

/// Zeros in the shape and dtype of `x` (`keras.ops.zeros_like`).
pub fn zeros_like(x: &Tensor) -> Result<Tensor> {
    full_like(x, 0.0, None)
}

/// Ones in the shape and dtype of `x` (`keras.ops.ones_like`).
pub fn ones_like(x: &Tensor) -> Result<Tensor> {
    full_like(x, 1.0, None)
}

fn is_integral(v: f64) -> bool {
    v.fract() == 0.0 && v.is_finite()
}

/// Evenly spaced values in `[start, stop)` (`keras.ops.arange`). Without `dtype`, integral
/// arguments give int32 (like Python ints) and others floatx.
pub fn arange(start: f64, stop: f64, step: f64, dtype: Option<DType>) -> Result<Tensor> {
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
        bail!("arange", "invalid start={start}, stop={stop}, step={step}");
    }
    let dtype = dtype.unwrap_or(if [start, stop, step].iter().all(|&v| is_integral(v)) {
        DType::I32
    } else {
        floatx()
    });
    let n = ((stop - start) / step).ceil().max(0.0);
    if n > 1e10 {
        bail!("arange", "{n} elements is too many");
    }
    let n = n as usize;
    let values: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
    Tensor::from_host(HostBuffer::from(values).cast(dtype), [n])
}

/// `num` evenly spaced values from `start` to `stop` (`keras.ops.linspace`); the last is
/// `stop` when `endpoint`.
pub fn linspace(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div > 0 {
        (stop - start) / div as f64
    } else {
        0.0
    };
    let values: Vec<f64> = (0..num)
        .map(|i| {
            if endpoint && i + 1 == num && num > 1 {
                stop
            } else {
                start + i as f64 * step
            }
        })
        .collect();
    Tensor::from_host(
        HostBuffer::from(values).cast(dtype.unwrap_or(floatx())),
        [num],
    )
}

/// `base ** linspace(start, stop)` (`keras.ops.logspace`).
pub fn logspace(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    base: f64,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let exps = linspace(start, stop, num, endpoint, Some(DType::F64))?;
    let values: Vec<f64> = exps
        .to_vec::<f64>()?
        .iter()
        .map(|e| base.powf(*e))
        .collect();
    Tensor::from_host(
        HostBuffer::from(values).cast(dtype.unwrap_or(floatx())),
        [num],
    )
}

/// Builds an `n × m` matrix from a predicate on `(row, col)`.
fn matrix_from(n: usize, m: usize, dtype: DType, f: impl Fn(i64, i64) -> bool) -> Result<Tensor> {
    checked_size(&[n, m], "eye")?;
    let values: Vec<f64> = (0..n * m)
        .map(|i| f((i / m.max(1)) as i64, (i % m.max(1)) as i64) as u8 as f64)
        .collect();
    Tensor::from_host(HostBuffer::from(values).cast(dtype), [n, m])
}

/// Ones on the `k`-th diagonal of an `n × m` matrix (`keras.ops.eye`).
pub fn eye(n: usize, m: Option<usize>, k: i64, dtype: Option<DType>) -> Result<Tensor> {
    matrix_from(n, m.unwrap_or(n), dtype.unwrap_or(floatx()), |r, c| {
        c - r == k
    })
}

/// The `n × n` identity (`keras.ops.identity`).
pub fn identity(n: usize, dtype: Option<DType>) -> Result<Tensor> {
    eye(n, None, 0, dtype)
}

/// Ones at and below the `k`-th diagonal (`keras.ops.tri`).
pub fn tri(n: usize, m: Option<usize>, k: i64, dtype: Option<DType>) -> Result<Tensor> {
    matrix_from(n, m.unwrap_or(n), dtype.unwrap_or(floatx()), |r, c| {
        c - r <= k
    })
}
