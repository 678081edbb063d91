//! Activation functions of `keras.ops` / `keras.ops.nn` (`relu6`, `gelu`, `silu`, `softmax`,
//! `sparsemax`, ...), with Keras's (JAX's) exact formulas.
//!
//! Integer and bool inputs compute in floatx (float64 for 64-bit integers, as JAX does);
//! `hard_tanh` and `threshold` keep integer dtypes. `relu`, `sigmoid`, `softplus` and
//! `tanh` live with the elementwise math ops.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![-1.0f32, 0.0, 1.0], [3]).unwrap();
//! let y = ops::softmax(&x, -1).unwrap();
//! let s: f32 = y.to_vec::<f32>().unwrap().iter().sum();
//! assert!((s - 1.0).abs() < 1e-6);
//! assert_eq!(ops::relu6(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 0.0, 1.0]);
//! ```

use keras_backend::{bail, DType, Result};

use crate::autodiff::record;
use crate::ops::{
    absolute, add, arange, cast, clip, cumsum, divide, erf, exp, expm1, greater, greater_equal,
    less, less_equal, logical_and, max, maximum, minimum, multiply, negative, permute, reshape,
    sigmoid, softplus, sort, split, sqrt, square, subtract, sum, tanh, weak_float_dtype, where_,
    Operand,
};
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

/// `x` as the float dtype JAX computes its activations in.
fn act_float(x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_float() {
        Ok(x.clone())
    } else {
        cast(x, weak_float_dtype(x.dtype()))
    }
}

/// Rectified linear unit capped at 6: `min(max(x, 0), 6)` (`keras.ops.relu6`).
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    let s = x.backend().clip(x.storage(), 0.0, 6.0)?;
    let y = Tensor::from_storage(s, x.shape().clone(), x.backend());
    // As JAX: the gradient is 1 strictly inside (0, 6), else 0.
    Ok(record("relu6", &[&x], y, |g, ins, _| {
        let inside = logical_and(&greater(&ins[0], 0.0)?, &less(&ins[0], 6.0)?)?;
        Ok(vec![Some(where_(&inside, g, 0.0)?)])
    }))
}

/// Exponential linear unit: `x` if `x > 0` else `alpha * (e^x - 1)` (`keras.ops.elu`,
/// Keras default `alpha = 1.0`).
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    let pos = greater(&x, 0.0)?;
    let neg = multiply(&expm1(&where_(&pos, 0.0, &x)?)?, alpha)?;
    where_(&pos, &x, &neg)
}

/// Scaled exponential linear unit (`keras.ops.selu`).
pub fn selu(x: &Tensor) -> Result<Tensor> {
    const ALPHA: f64 = 1.673_263_242_354_377_3;
    const SCALE: f64 = 1.050_700_987_355_480_5;
    multiply(&elu(x, ALPHA)?, SCALE)
}

/// Gaussian error linear unit (`keras.ops.gelu`; Keras's default is `approximate = true`):
/// the tanh approximation `x/2 (1 + tanh(√(2/π) (x + 0.044715 x³)))`, or the exact
/// `x/2 (1 + erf(x/√2))`.
pub fn gelu(x: &Tensor, approximate: bool) -> Result<Tensor> {
    let x = act_float(x)?;
    if approximate {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        let cube = multiply(&x, &square(&x)?)?;
        let inner = multiply(&add(&x, &multiply(&cube, 0.044715)?)?, c)?;
        let cdf = multiply(&add(&tanh(&inner)?, 1.0)?, 0.5)?;
        multiply(&x, &cdf)
    } else {
        let e = erf(&multiply(&x, std::f64::consts::FRAC_1_SQRT_2)?)?;
        multiply(&multiply(&x, 0.5)?, &add(&e, 1.0)?)
    }
}

/// Continuously differentiable ELU: `max(x, 0) + alpha * (e^(min(x, 0)/alpha) - 1)`
/// (`keras.ops.celu`, Keras default `alpha = 1.0`).
pub fn celu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    let neg = multiply(&expm1(&divide(&minimum(&x, 0.0)?, alpha)?)?, alpha)?;
    add(&maximum(&x, 0.0)?, &neg)
}

/// Gated linear unit: splits `x` in two halves along `axis` and returns
/// `a * sigmoid(b)` (`keras.ops.glu`, Keras default `axis = -1`).
pub fn glu(x: &Tensor, axis: i64) -> Result<Tensor> {
    let x = act_float(x)?;
    let ax = normalize_axis(axis, x.rank(), "glu")?;
    if x.dims()[ax] % 2 != 0 {
        bail!(
            "glu",
            "axis {axis} of shape {} must have an even size to be split in two",
            x.shape()
        );
    }
    let halves = split(&x, 2usize, ax as i64)?;
    multiply(&halves[0], &sigmoid(&halves[1])?)
}

/// Piecewise-linear sigmoid `relu6(x + 3) / 6` (`keras.ops.hard_sigmoid`).
pub fn hard_sigmoid(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    divide(&relu6(&add(&x, 3.0)?)?, 6.0)
}

/// `x * hard_sigmoid(x)` (`keras.ops.hard_silu`).
pub fn hard_silu(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    multiply(&x, &hard_sigmoid(&x)?)
}

/// Alias of [`hard_silu`] (`keras.ops.hard_swish`).
pub fn hard_swish(x: &Tensor) -> Result<Tensor> {
    hard_silu(x)
}

/// `x` clamped to `[-1, 1]` (`keras.ops.hard_tanh`); integer dtypes are kept (bool becomes
/// int32) and the bounds convert to them as JAX converts Python ints.
pub fn hard_tanh(x: &Tensor) -> Result<Tensor> {
    let x = if x.dtype() == DType::Bool {
        cast(x, DType::I32)?
    } else {
        x.clone()
    };
    let low = where_(&less(&x, -1)?, -1, &x)?;
    where_(&greater(&x, 1)?, 1, &low)
}

/// `x` where `|x| > threshold`, else 0 (`keras.ops.hard_shrink`, Keras default
/// `threshold = 0.5`).
pub fn hard_shrink(x: &Tensor, threshold: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    where_(&greater(&absolute(&x)?, threshold)?, &x, 0.0)
}

/// Shrinks `x` toward 0 by `threshold`, zero inside `[-threshold, threshold]`
/// (`keras.ops.soft_shrink`, Keras default `threshold = 0.5`).
pub fn soft_shrink(x: &Tensor, threshold: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    let low = where_(&less(&x, -threshold)?, &add(&x, threshold)?, 0.0)?;
    where_(&greater(&x, threshold)?, &subtract(&x, threshold)?, &low)
}

/// `x - tanh(x)` (`keras.ops.tanh_shrink`).
pub fn tanh_shrink(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    subtract(&x, &tanh(&x)?)
}

/// `x` where `x > threshold`, else `default_value` (`keras.ops.threshold`); the dtype
/// follows `where`'s promotion of `x` with the replacement value.
pub fn threshold(
    x: &Tensor,
    threshold: impl Into<Operand>,
    default_value: impl Into<Operand>,
) -> Result<Tensor> {
    where_(&greater(x, threshold)?, x, default_value)
}

/// `x` if `x >= 0` else `negative_slope * x` (`keras.ops.leaky_relu`, Keras default
/// `negative_slope = 0.2`).
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    where_(&greater_equal(&x, 0.0)?, &x, &multiply(&x, negative_slope)?)
}

/// `log(sigmoid(x)) = -softplus(-x)`, stable for large |x| (`keras.ops.log_sigmoid`).
/// As in JAX, integer inputs are negated before becoming float (unsigned ones wrap).
pub fn log_sigmoid(x: &Tensor) -> Result<Tensor> {
    let neg = if x.dtype() == DType::Bool {
        negative(&cast(x, DType::I32)?)?
    } else {
        negative(x)?
    };
    negative(&softplus(&act_float(&neg)?)?)
}

/// `x * tanh(softplus(x))` (`keras.activations.mish`).
pub fn mish(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    multiply(&x, &tanh(&softplus(&x)?)?)
}

/// Sigmoid linear unit `x * sigmoid(x)` (`keras.ops.silu`).
pub fn silu(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    multiply(&x, &sigmoid(&x)?)
}

/// Alias of [`silu`] (`keras.ops.swish`).
pub fn swish(x: &Tensor) -> Result<Tensor> {
    silu(x)
}

/// `x / (|x| + 1)` (`keras.ops.softsign`).
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    divide(&x, &add(&absolute(&x)?, 1.0)?)
}

/// Smooth ReLU `(x + sqrt(x² + b)) / 2` (`keras.ops.squareplus`, Keras default `b = 4`).
pub fn squareplus(x: &Tensor, b: f64) -> Result<Tensor> {
    let x = act_float(x)?;
    divide(&add(&x, &sqrt(&add(&square(&x)?, b)?)?)?, 2.0)
}

/// 0 for `x <= -1`, `x` for `x >= 1`, `(x + 1)² / 4` between (`keras.ops.sparse_plus`).
pub fn sparse_plus(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    let mid = divide(&square(&add(&x, 1.0)?)?, 4.0)?;
    let upper = where_(&greater_equal(&x, 1.0)?, &x, &mid)?;
    where_(&less_equal(&x, -1.0)?, 0.0, &upper)
}

/// `clip(x + 1, 0, 2) / 2` (`keras.ops.sparse_sigmoid`).
pub fn sparse_sigmoid(x: &Tensor) -> Result<Tensor> {
    let x = act_float(x)?;
    multiply(&clip(&add(&x, 1.0)?, 0.0, 2.0)?, 0.5)
}

/// Sparsemax along `axis`: the Euclidean projection onto the simplex, computed exactly
/// as Keras's JAX backend does (`keras.ops.sparsemax`, Keras default `axis = -1`).
pub fn sparsemax(x: &Tensor, axis: i64) -> Result<Tensor> {
    let logits = act_float(x)?;
    let ax = normalize_axis(axis, logits.rank(), "sparsemax")? as i64;
    let n = logits.dims()[ax as usize];
    let sorted = negative(&sort(&negative(&logits)?, Some(ax))?)?;
    let cum = cumsum(&sorted, Some(ax), None)?;
    let mut r_dims = vec![1usize; logits.rank()];
    r_dims[ax as usize] = n;
    let r = reshape(
        &arange(1.0, n as f64 + 1.0, 1.0, Some(logits.dtype()))?,
        r_dims,
    )?;
    let support = greater(
        &subtract(&sorted, &divide(&subtract(&cum, 1.0)?, &r)?)?,
        0.0,
    )?;
    let k = sum(&cast(&support, logits.dtype())?, ax, true)?;
    let cum_safe = where_(&support, &cum, 0.0)?;
    let tau = divide(&subtract(&sum(&cum_safe, ax, true)?, 1.0)?, &k)?;
    maximum(&subtract(&logits, &tau)?, 0.0)
}

/// Softmax over `axis` (one axis, several, or all): `exp(x) / sum(exp(x))`, computed by
/// the backend's fused kernel (`keras.ops.softmax`, Keras default `axis = -1`).
pub fn softmax(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    softmax_over(x, axis.into(), false, "softmax")
}

/// Log-softmax over `axis`: `x - logsumexp(x)` (`keras.ops.log_softmax`, Keras default
/// `axis = -1`).
pub fn log_softmax(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    softmax_over(x, axis.into(), true, "log_softmax")
}

/// Moves the softmax axes last and merges them when there are several (as Keras does for
/// tuple axes), then runs the fused kernel.
fn softmax_over(x: &Tensor, axis: Axes, log: bool, name: &'static str) -> Result<Tensor> {
    let x = if x.dtype() == DType::Bool {
        cast(x, DType::I32)?
    } else {
        x.clone()
    };
    if x.rank() == 0 {
        let flat = reshape(&x, [1])?;
        return reshape(&fused_softmax(&flat, 0, log, name)?, Vec::<usize>::new());
    }
    let axes = axis.resolve(x.rank(), name)?;
    if let [a] = axes[..] {
        return fused_softmax(&x, a, log, name);
    }
    let keep: Vec<usize> = (0..x.rank()).filter(|i| !axes.contains(i)).collect();
    let perm: Vec<usize> = keep.iter().chain(&axes).copied().collect();
    let moved = permute(&x, &perm)?;
    let mut merged: Vec<usize> = keep.iter().map(|&i| x.dims()[i]).collect();
    merged.push(axes.iter().map(|&i| x.dims()[i]).product());
    let flat = reshape(&moved, merged.clone())?;
    let y = fused_softmax(&flat, merged.len() - 1, log, name)?;
    let y = reshape(&y, moved.dims())?;
    let mut inverse = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    permute(&y, &inverse)
}

/// Softmax of an integer tensor as JAX computes it: `x - max(x)` in the integer dtype
/// (unsigned values wrap), then `exp` and normalisation in float.
fn int_softmax(x: &Tensor, axis: usize, log: bool) -> Result<Tensor> {
    let ax = axis as i64;
    let shifted = act_float(&subtract(x, &max(x, ax, true, None)?)?)?;
    let e = exp(&shifted)?;
    if log {
        subtract(&shifted, &crate::ops::log(&sum(&e, ax, true)?)?)
    } else {
        divide(&e, &sum(&e, ax, true)?)
    }
}

/// The backend's softmax kernel along one axis, with its gradient rule:
/// `y (g - Σ g y)` for softmax and `g - softmax(x) Σ g` for log-softmax.
fn fused_softmax(x: &Tensor, axis: usize, log: bool, name: &'static str) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return int_softmax(x, axis, log);
    }
    let s = x.backend().softmax(x.storage(), x.dims(), axis, log)?;
    let y = Tensor::from_storage(s, x.shape().clone(), x.backend());
    Ok(record(name, &[x], y, move |g, _, y| {
        let ax = axis as i64;
        let dx = if log {
            subtract(g, &multiply(&exp(y)?, &sum(g, ax, true)?)?)?
        } else {
            let gy = multiply(g, y)?;
            subtract(&gy, &multiply(y, &sum(&gy, ax, true)?)?)?
        };
        Ok(vec![Some(dx)])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_tanh_keeps_ints() {
        let x = Tensor::from_vec(vec![-3i32, 0, 2], [3]).unwrap();
        let y = hard_tanh(&x).unwrap();
        assert_eq!(y.to_vec::<i32>().unwrap(), vec![-1, 0, 1]);
    }

    #[test]
    fn glu_rejects_odd_axis() {
        let x = Tensor::from_vec(vec![1.0f32; 6], [2, 3]).unwrap();
        assert!(glu(&x, -1).is_err());
        assert_eq!(glu(&x, 0).unwrap().dims(), &[1, 3]);
    }

    #[test]
    fn softmax_over_two_axes_sums_to_one() {
        let x = Tensor::from_vec(
            (0..12).map(|v| v as f32 * 0.1).collect::<Vec<_>>(),
            [2, 3, 2],
        )
        .unwrap();
        let y = softmax(&x, [1, 2]).unwrap();
        let s = sum(&y, [1, 2], false).unwrap().to_vec::<f32>().unwrap();
        assert!(s.iter().all(|v| (v - 1.0).abs() < 1e-6));
    }
}
