//! Extra elementwise functions of one tensor: `cbrt`, `exp2`, `log2`, `log10`, `deg2rad`,
//! `rad2deg`, `sinc`, `signbit`, and the complex-number helpers `conj`, `real`, `imag`
//! (identities and zeros for real tensors).

use std::f64::consts::{LN_10, LN_2, PI};

use keras_backend::{DType, Result, TypeArg};

use super::{keras_result_type, weak_float_dtype};
use crate::autodiff::{record, with_recording_paused};
use crate::config::floatx;
use crate::ops::{
    absolute, cast, divide, equal, less, log, logical_and, logical_or, multiply, power, reciprocal,
    sign, sin, square, where_, zeros_like,
};
use crate::tensor::Tensor;

/// `x` cast to `weak_float_dtype` (how JAX's inexact promotion treats integers).
fn inexact(x: &Tensor) -> Result<Tensor> {
    cast(x, weak_float_dtype(x.dtype()))
}

/// `x` as a float tensor, integers (64-bit ones included) in floatx.
fn floatx_if_int(x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_float() {
        Ok(x.clone())
    } else {
        cast(x, floatx())
    }
}

/// Real cube root, negative for negative `x` (`keras.ops.cbrt`).
pub fn cbrt(x: &Tensor) -> Result<Tensor> {
    let x = inexact(x)?;
    let y = with_recording_paused(|| multiply(&sign(&x)?, &power(&absolute(&x)?, 1.0 / 3.0)?))?;
    Ok(record("cbrt", &[&x], y, |g, _, y| {
        Ok(vec![Some(divide(g, &multiply(&square(y)?, 3.0)?)?)])
    }))
}

/// `2^x`; integers compute in floatx (`keras.ops.exp2`).
pub fn exp2(x: &Tensor) -> Result<Tensor> {
    power(2.0, &floatx_if_int(x)?)
}

/// Base-2 logarithm (`keras.ops.log2`).
pub fn log2(x: &Tensor) -> Result<Tensor> {
    multiply(&log(&floatx_if_int(x)?)?, 1.0 / LN_2)
}

/// Base-10 logarithm (`keras.ops.log10`).
pub fn log10(x: &Tensor) -> Result<Tensor> {
    multiply(&log(&floatx_if_int(x)?)?, 1.0 / LN_10)
}

/// Degrees to radians (`keras.ops.deg2rad`).
pub fn deg2rad(x: &Tensor) -> Result<Tensor> {
    multiply(&inexact(x)?, PI / 180.0)
}

/// Radians to degrees (`keras.ops.rad2deg`).
pub fn rad2deg(x: &Tensor) -> Result<Tensor> {
    multiply(&inexact(x)?, 180.0 / PI)
}

/// Normalised sinc `sin(πx) / (πx)`, 1 at 0 (`keras.ops.sinc`).
pub fn sinc(x: &Tensor) -> Result<Tensor> {
    let dtype = match x.dtype() {
        DType::I64 | DType::U64 => floatx(),
        d => keras_result_type(&[d.into(), TypeArg::WeakFloat]),
    };
    let x = cast(x, dtype)?;
    let zero = equal(&x, 0.0)?;
    let pi_x = where_(&zero, 1.0, &multiply(&x, PI)?)?;
    where_(&zero, 1.0, &divide(&sin(&pi_x)?, &pi_x)?)
}

/// True where the sign bit is set: negative numbers and `-0.0` (`keras.ops.signbit`).
pub fn signbit(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return less(x, 0);
    }
    let neg_zero = logical_and(&equal(x, 0.0)?, &less(&reciprocal(x)?, 0.0)?)?;
    logical_or(&less(x, 0.0)?, &neg_zero)
}

/// Complex conjugate: `x` itself for real tensors (`keras.ops.conj`).
pub fn conj(x: &Tensor) -> Result<Tensor> {
    Ok(x.clone())
}

/// Alias of [`conj`] (`keras.ops.conjugate`).
pub fn conjugate(x: &Tensor) -> Result<Tensor> {
    conj(x)
}

/// Real part: `x` itself for real tensors (`keras.ops.real`).
pub fn real(x: &Tensor) -> Result<Tensor> {
    Ok(x.clone())
}

/// Imaginary part: zeros of `x`'s dtype for real tensors (`keras.ops.imag`).
pub fn imag(x: &Tensor) -> Result<Tensor> {
    zeros_like(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbrt_of_negative_numbers() {
        let x = Tensor::from_vec(vec![-8.0f64, 27.0, 0.0], [3]).unwrap();
        let y = cbrt(&x).unwrap().to_vec::<f64>().unwrap();
        assert!((y[0] + 2.0).abs() < 1e-12 && (y[1] - 3.0).abs() < 1e-12 && y[2] == 0.0);
    }

    #[test]
    fn signbit_sees_negative_zero() {
        let x = Tensor::from_vec(vec![-0.0f32, 0.0, -1.0], [3]).unwrap();
        assert_eq!(
            signbit(&x).unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, true]
        );
    }
}
