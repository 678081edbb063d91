//! Extra elementwise functions of two operands: `fmod`, `hypot`, `logaddexp`, `heaviside`.

use keras_backend::{DType, Result, TypeArg};

use super::{keras_result_type, weak_float_dtype, x64_operands_dtype};
use crate::ops::{
    absolute, add, cast, divide, equal, exp, greater, isnan, less, log1p, logical_and, logical_or,
    maximum, minimum, mod_, multiply, negative, not_equal, sqrt, square, subtract, where_, Operand,
};
use crate::tensor::Tensor;

/// Both operands as tensors of the inexact promotion of their `result_type` (JAX's
/// `promote_args_inexact`).
fn promote_inexact(x1: Operand, x2: Operand) -> Result<(Tensor, Tensor)> {
    let d = weak_float_dtype(x64_operands_dtype(&[&x1, &x2]));
    Ok((x1.to_tensor(d)?, x2.to_tensor(d)?))
}

/// C-style remainder: the result has the sign of the dividend `x1` (`keras.ops.fmod`).
pub fn fmod(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (x1, x2) = (x1.into(), x2.into());
    let mut d = x64_operands_dtype(&[&x1, &x2]);
    if d == DType::Bool {
        d = DType::I32;
    }
    let (a, b) = (x1.to_tensor(d)?, x2.to_tensor(d)?);
    // Python's modulo has the divisor's sign; move it to the dividend's side.
    let r = mod_(&a, &b)?;
    if d.is_unsigned() {
        return Ok(r);
    }
    let fix = logical_and(
        &not_equal(&r, 0)?,
        &not_equal(&less(&a, 0)?, &less(&r, 0)?)?,
    )?;
    where_(&fix, &subtract(&r, &b)?, &r)
}

/// `sqrt(x1² + x2²)` without overflow; inf if either is infinite (`keras.ops.hypot`).
pub fn hypot(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = promote_inexact(x1.into(), x2.into())?;
    let (a, b) = (absolute(&a)?, absolute(&b)?);
    let any_inf = logical_or(&equal(&a, f64::INFINITY)?, &equal(&b, f64::INFINITY)?)?;
    let (big, small) = (maximum(&a, &b)?, minimum(&a, &b)?);
    let zero = equal(&big, 0.0)?;
    let safe = where_(&zero, 1.0, &big)?;
    let scaled = multiply(&big, &sqrt(&add(&square(&divide(&small, &safe)?)?, 1.0)?)?)?;
    let h = where_(&zero, &big, &scaled)?;
    where_(&any_inf, f64::INFINITY, &h)
}

/// `log(exp(x1) + exp(x2))`, computed stably (`keras.ops.logaddexp`).
pub fn logaddexp(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (x1, x2) = (strong_scalar(x1.into())?, strong_scalar(x2.into())?);
    let d = keras_result_type(&[x1.dtype().into(), x2.dtype().into(), TypeArg::WeakFloat]);
    let (a, b) = (cast(&x1, d)?, cast(&x2, d)?);
    let delta = subtract(&a, &b)?;
    let stable = add(
        &maximum(&a, &b)?,
        &log1p(&exp(&negative(&absolute(&delta)?)?)?)?,
    )?;
    where_(&isnan(&delta)?, &add(&a, &b)?, &stable)
}

/// A scalar operand as the strongly typed tensor Keras's `convert_to_tensor` makes of it
/// (int32, float32 or bool), for ops that compute their dtype from `x.dtype`.
fn strong_scalar(x: Operand) -> Result<Tensor> {
    match x {
        Operand::Tensor(t) => Ok(t),
        Operand::Int(v) => Tensor::scalar(v as i32),
        Operand::Float(v) => Tensor::scalar(v as f32),
        Operand::Bool(v) => Tensor::scalar(v),
    }
}

/// Heaviside step: 0 for `x1 < 0`, 1 for `x1 > 0`, `x2` at 0 (NaN stays NaN)
/// (`keras.ops.heaviside`).
pub fn heaviside(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = promote_inexact(x1.into(), x2.into())?;
    let at_zero = where_(&isnan(&a)?, &a, &b)?;
    let upper = where_(&greater(&a, 0.0)?, 1.0, &at_zero)?;
    where_(&less(&a, 0.0)?, 0.0, &upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmod_takes_the_dividend_sign() {
        let a = Tensor::from_vec(vec![-7i32, 7, -7, 7], [4]).unwrap();
        let b = Tensor::from_vec(vec![2i32, -2, -2, 2], [4]).unwrap();
        assert_eq!(
            fmod(&a, &b).unwrap().to_vec::<i32>().unwrap(),
            vec![-1, 1, -1, 1]
        );
    }

    #[test]
    fn hypot_is_overflow_safe() {
        let a = Tensor::from_vec(vec![3e30f32, 3.0], [2]).unwrap();
        let b = Tensor::from_vec(vec![4e30f32, 4.0], [2]).unwrap();
        let h = hypot(&a, &b).unwrap().to_vec::<f32>().unwrap();
        assert!((h[0] / 5e30 - 1.0).abs() < 1e-6 && (h[1] - 5.0).abs() < 1e-6);
    }
}
