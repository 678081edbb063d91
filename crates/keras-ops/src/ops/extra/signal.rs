//! Signal helpers: `correlate` (1-D cross-correlation), `extract_sequences` (framing),
//! `cdist` (pairwise Euclidean distances) and `psnr`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! let v = Tensor::from_vec(vec![0.0f32, 1.0], [2]).unwrap();
//! assert_eq!(ops::correlate(&a, &v, "valid").unwrap().to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
//! let frames = ops::extract_sequences(&a, 2, 1).unwrap();
//! assert_eq!(frames.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 2.0, 3.0]);
//! ```

use keras_backend::{bail, result_type, DType, Result};

use super::host::tensor_i64;
use crate::ops::layout::slice_axis;
use crate::ops::numeric::weak_float_dtype;
use crate::ops::{
    add, cast, concatenate, expand_dims, flip, log10, mean, multiply, sqrt, square, subtract, sum,
    take, zeros,
};
use crate::tensor::Tensor;

/// Cross-correlation of two 1-D tensors, `c[k] = sum_n a[n + k] * v[n]`, in NumPy's
/// `mode` `"valid"`, `"same"` or `"full"` (`keras.ops.correlate`). The result is float
/// (int64 → float64, float16/bfloat16/float64 kept, others float32).
pub fn correlate(x1: &Tensor, x2: &Tensor, mode: &str) -> Result<Tensor> {
    if x1.rank() != 1 || x2.rank() != 1 {
        bail!(
            "correlate",
            "x1 and x2 must be 1-D, got shapes {} and {}",
            x1.shape(),
            x2.shape()
        );
    }
    let dtype = match result_type(&[x1.dtype().into(), x2.dtype().into()]) {
        DType::I64 | DType::U64 => DType::F64,
        d @ (DType::BF16 | DType::F16 | DType::F64) => d,
        _ => DType::F32,
    };
    let (x1, x2) = (cast(x1, dtype)?, cast(x2, dtype)?);
    // NumPy slides the shorter tensor over the longer one and reverses when it swapped them.
    let inverted = x1.dims()[0] < x2.dims()[0];
    let (a, v) = if inverted { (&x2, &x1) } else { (&x1, &x2) };
    let (m, n) = (a.dims()[0], v.dims()[0]);
    if n == 0 {
        bail!("correlate", "inputs must not be empty");
    }
    let (left, right) = match mode {
        "valid" => (0, 0),
        "same" => (n / 2, n - n / 2 - 1),
        "full" => (n - 1, n - 1),
        other => bail!(
            "correlate",
            "mode must be \"valid\", \"same\" or \"full\", got {other:?}"
        ),
    };
    let padded = concatenate(&[&zeros(&[left], dtype)?, a, &zeros(&[right], dtype)?], 0)?;
    let len = m + left + right + 1 - n;
    let mut out = zeros(&[len], dtype)?;
    for j in 0..n {
        let term = multiply(&slice_axis(&padded, 0, j, len)?, &slice_axis(v, 0, j, 1)?)?;
        out = add(&out, &term)?;
    }
    if inverted {
        flip(&out, 0)
    } else {
        Ok(out)
    }
}

/// Frames of `sequence_length` samples taken every `sequence_stride` along the last axis:
/// `[..., n] -> [..., 1 + (n - sequence_length) / sequence_stride, sequence_length]`
/// (`keras.ops.extract_sequences`).
pub fn extract_sequences(
    x: &Tensor,
    sequence_length: usize,
    sequence_stride: usize,
) -> Result<Tensor> {
    if x.rank() == 0 {
        bail!("extract_sequences", "x must have at least one axis");
    }
    if sequence_length == 0 || sequence_stride == 0 {
        bail!(
            "extract_sequences",
            "sequence_length and sequence_stride must be positive"
        );
    }
    let n = x.dims()[x.rank() - 1];
    let count = if n < sequence_length {
        0
    } else {
        1 + (n - sequence_length) / sequence_stride
    };
    let idx: Vec<i64> = (0..count)
        .flat_map(|i| (0..sequence_length).map(move |j| (i * sequence_stride + j) as i64))
        .collect();
    take(
        x,
        &tensor_i64(idx, &[count, sequence_length], DType::I64)?,
        Some(-1),
    )
}

/// Euclidean distances between the rows of `x` `[..., m, d]` and of `y` `[..., n, d]`,
/// giving `[..., m, n]` (`keras.ops.cdist`).
pub fn cdist(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    if x.rank() < 2 || y.rank() < 2 {
        bail!(
            "cdist",
            "inputs must have rank >= 2, got shapes {} and {}",
            x.shape(),
            y.shape()
        );
    }
    if x.dims()[x.rank() - 1] != y.dims()[y.rank() - 1] {
        bail!(
            "cdist",
            "the last dimensions of {} and {} must match",
            x.shape(),
            y.shape()
        );
    }
    let d = weak_float_dtype(result_type(&[x.dtype().into(), y.dtype().into()]));
    let diff = subtract(
        &expand_dims(&cast(x, d)?, -2)?,
        &expand_dims(&cast(y, d)?, -3)?,
    )?;
    sqrt(&sum(&square(&diff)?, -1, false)?)
}

/// Peak signal-to-noise ratio `20 log10(max_val) - 10 log10(mse(x1, x2))`
/// (`keras.ops.psnr`); the shapes must match.
pub fn psnr(x1: &Tensor, x2: &Tensor, max_val: f64) -> Result<Tensor> {
    if x1.dims() != x2.dims() {
        bail!(
            "psnr",
            "input shapes {} and {} must match",
            x1.shape(),
            x2.shape()
        );
    }
    let mse = mean(&square(&subtract(x1, x2)?)?, None, false)?;
    let peak = 20.0 * Tensor::scalar_of(max_val, x2.dtype())?.item()?.log10();
    subtract(peak, &multiply(&log10(&mse)?, 10.0)?)
}
