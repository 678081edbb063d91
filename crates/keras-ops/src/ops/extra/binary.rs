//! Extra elementwise functions of two operands with broadcasting: `fmax`, `fmin`,
//! `logaddexp2`, `gcd`, `lcm`, `ldexp`, `nextafter`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![12i32, -8, 0], [3]).unwrap();
//! let b = Tensor::from_vec(vec![18i32, 6, 5], [3]).unwrap();
//! assert_eq!(ops::gcd(&a, &b).unwrap().to_vec::<i32>().unwrap(), vec![6, 2, 5]);
//! assert_eq!(ops::lcm(&a, &b).unwrap().to_vec::<i32>().unwrap(), vec![36, 24, 0]);
//! ```

use std::f64::consts::LN_2;

use keras_backend::{bail, DType, Result, TypeArg};

use super::host::{broadcast_pair, next_after, tensor_f64, tensor_i64, values_f64, values_i64};
use crate::ops::numeric::{keras_result_type, weak_float_dtype, x64_operands_dtype};
use crate::ops::{
    absolute, add, cast, divide, exp, isnan, log1p, logical_and, logical_or, maximum, minimum,
    multiply, power, subtract, where_, Operand,
};
use crate::tensor::Tensor;

/// Both operands as tensors of their JAX-promoted dtype (64-bit integers meeting a Python
/// float give float64).
fn promoted(x1: Operand, x2: Operand) -> Result<(Tensor, Tensor)> {
    let d = x64_operands_dtype(&[&x1, &x2]);
    Ok((x1.to_tensor(d)?, x2.to_tensor(d)?))
}

/// Shared body of `fmax`/`fmin`: NaN loses against a number.
fn nan_ignoring(x1: Operand, x2: Operand, is_max: bool) -> Result<Tensor> {
    let (a, b) = promoted(x1, x2)?;
    if a.dtype() == DType::Bool {
        return if is_max {
            logical_or(&a, &b)
        } else {
            logical_and(&a, &b)
        };
    }
    let m = if is_max {
        maximum(&a, &b)?
    } else {
        minimum(&a, &b)?
    };
    if !a.dtype().is_float() {
        return Ok(m);
    }
    where_(&isnan(&b)?, &a, &where_(&isnan(&a)?, &b, &m)?)
}

/// Elementwise maximum that ignores NaN (NaN only when both are NaN) (`keras.ops.fmax`).
pub fn fmax(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    nan_ignoring(x1.into(), x2.into(), true)
}

/// Elementwise minimum that ignores NaN (NaN only when both are NaN) (`keras.ops.fmin`).
pub fn fmin(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    nan_ignoring(x1.into(), x2.into(), false)
}

/// A Python scalar as the strongly typed tensor Keras's `convert_to_tensor` makes of it.
fn strong(x: Operand) -> Result<Tensor> {
    match x {
        Operand::Tensor(t) => Ok(t),
        Operand::Int(v) => Tensor::scalar(v as i32),
        Operand::Float(v) => Tensor::scalar(v as f32),
        Operand::Bool(v) => Tensor::scalar(v),
    }
}

/// `log2(2^x1 + 2^x2)`, computed stably (`keras.ops.logaddexp2`). The dtype is Keras's
/// `result_type(x1, x2, float)`.
pub fn logaddexp2(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (x1, x2) = (strong(x1.into())?, strong(x2.into())?);
    let d = keras_result_type(&[x1.dtype().into(), x2.dtype().into(), TypeArg::WeakFloat]);
    let (a, b) = (cast(&x1, d)?, cast(&x2, d)?);
    let delta = subtract(&a, &b)?;
    let tail = log1p(&exp(&multiply(&absolute(&delta)?, -LN_2)?)?)?;
    let stable = add(&maximum(&a, &b)?, &divide(&tail, LN_2)?)?;
    // Equal infinities give inf - inf = NaN in delta; their sum is the right answer there.
    where_(&isnan(&delta)?, &add(&a, &b)?, &stable)
}

/// Both operands as integer tensors of their promoted dtype, broadcast to one shape.
fn integer_pair(x1: Operand, x2: Operand, op: &str) -> Result<(Tensor, Tensor)> {
    let (a, b) = promoted(x1, x2)?;
    if !a.dtype().is_int() {
        bail!(
            op,
            "expected integer operands, got {} and {}",
            a.describe(),
            b.describe()
        );
    }
    broadcast_pair(&a, &b, op)
}

/// `f` applied to the broadcast integer operands, in their promoted dtype.
fn integer_map(x1: Operand, x2: Operand, op: &str, f: impl Fn(i64, i64) -> i64) -> Result<Tensor> {
    let (a, b) = integer_pair(x1, x2, op)?;
    let v = values_i64(&a)?
        .into_iter()
        .zip(values_i64(&b)?)
        .map(|(x, y)| f(x, y))
        .collect();
    tensor_i64(v, a.dims(), a.dtype())
}

fn gcd_i64(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as i64
}

/// Greatest common divisor of integers, non-negative (`keras.ops.gcd`).
pub fn gcd(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    integer_map(x1.into(), x2.into(), "gcd", gcd_i64)
}

/// Least common multiple of integers, non-negative; 0 if either is 0 (`keras.ops.lcm`).
pub fn lcm(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    integer_map(x1.into(), x2.into(), "lcm", |a, b| match gcd_i64(a, b) {
        0 => 0,
        g => (a / g).wrapping_mul(b).wrapping_abs(),
    })
}

/// `x1 * 2^x2` for an integer exponent `x2` (`keras.ops.ldexp`). `x1` becomes a float
/// (integers floatx, 64-bit integers float64).
pub fn ldexp(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let x1 = strong(x1.into())?;
    let x2 = strong(x2.into())?;
    if !x2.dtype().is_int() {
        bail!(
            "ldexp",
            "the exponent must be an integer tensor, got {}",
            x2.describe()
        );
    }
    let x1 = cast(&x1, weak_float_dtype(x1.dtype()))?;
    let scale = power(2.0, &cast(&x2, DType::F64)?)?;
    multiply(&x1, &cast(&scale, x1.dtype())?)
}

/// The next representable float after `x1` in the direction of `x2` (`keras.ops.nextafter`).
/// Integers become floatx (64-bit integers float64). No gradient.
pub fn nextafter(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (x1, x2) = (x1.into(), x2.into());
    let d = weak_float_dtype(x64_operands_dtype(&[&x1, &x2]));
    let (a, b) = broadcast_pair(&x1.to_tensor(d)?, &x2.to_tensor(d)?, "nextafter")?;
    let v = values_f64(&a)?
        .into_iter()
        .zip(values_f64(&b)?)
        .map(|(x, y)| next_after(x, y, d))
        .collect();
    tensor_f64(v, a.dims(), d)
}
