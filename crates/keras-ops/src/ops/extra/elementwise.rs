//! Extra elementwise functions of one tensor: `fabs`, `copy`, `angle`, `isneginf`,
//! `isposinf`, `isreal`, `erfc`, `i0`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![-2i32, 0, 3], [3]).unwrap();
//! assert_eq!(ops::fabs(&x).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 0.0, 3.0]);
//! let e = ops::erfc(&Tensor::from_vec(vec![0.0f32], [1]).unwrap()).unwrap();
//! assert_eq!(e.to_vec::<f32>().unwrap(), vec![1.0]);
//! ```

use std::f64::consts::{FRAC_2_SQRT_PI, PI};

use keras_backend::{DType, Result};

use super::host::{bessel_i0, bessel_i1, tensor_f64, values_f64};
use crate::autodiff::{record, with_recording_paused};
use crate::config::floatx;
use crate::ops::numeric::weak_float_dtype;
use crate::ops::{
    absolute, cast, equal, erf, exp, full_like, isnan, multiply, negative, signbit, square,
    subtract, where_,
};
use crate::tensor::Tensor;

/// Absolute value as a float: integers become floatx (64-bit integers float64), as JAX's
/// `fabs` (`keras.ops.fabs`).
pub fn fabs(x: &Tensor) -> Result<Tensor> {
    absolute(&cast(x, weak_float_dtype(x.dtype()))?)
}

/// A copy of `x` (`keras.ops.copy`); tensors are immutable, so this shares the buffer.
pub fn copy(x: &Tensor) -> Result<Tensor> {
    Ok(x.clone())
}

/// The argument of each element seen as a complex number: `π` for negative reals (and
/// `-0.0`), `0` otherwise, NaN for NaN (`keras.ops.angle`). The result is floatx for
/// integers and float64 (Keras narrows 64-bit types), otherwise the float dtype.
pub fn angle(x: &Tensor) -> Result<Tensor> {
    let dtype = match x.dtype() {
        DType::F64 => DType::F32,
        d if d.is_float() => d,
        _ => floatx(),
    };
    let x = cast(x, dtype)?;
    let phase = cast(&where_(&signbit(&x)?, PI, 0.0)?, dtype)?;
    where_(&isnan(&x)?, &x, &phase)
}

/// True where `x` is `-inf` (`keras.ops.isneginf`).
pub fn isneginf(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return full_like(x, 0.0, Some(DType::Bool));
    }
    equal(x, f64::NEG_INFINITY)
}

/// True where `x` is `+inf` (`keras.ops.isposinf`).
pub fn isposinf(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return full_like(x, 0.0, Some(DType::Bool));
    }
    equal(x, f64::INFINITY)
}

/// True everywhere: real tensors have no imaginary part (`keras.ops.isreal`).
pub fn isreal(x: &Tensor) -> Result<Tensor> {
    full_like(x, 1.0, Some(DType::Bool))
}

/// The complementary error function `1 - erf(x)`, computed in float64 so small tails keep
/// their precision (`keras.ops.erfc`). Integers become floatx (64-bit integers float64).
pub fn erfc(x: &Tensor) -> Result<Tensor> {
    let x = cast(x, weak_float_dtype(x.dtype()))?;
    let y = with_recording_paused(|| {
        let wide = cast(&x, DType::F64)?;
        cast(&subtract(1.0, &erf(&wide)?)?, x.dtype())
    })?;
    Ok(record("erfc", &[&x], y, |g, ins, _| {
        let d = multiply(&exp(&negative(&square(&ins[0])?)?)?, -FRAC_2_SQRT_PI)?;
        Ok(vec![Some(multiply(g, &d)?)])
    }))
}

/// The modified Bessel function of the first kind, order 0 (`keras.ops.i0`). int64 and
/// float64 give float64, float16/bfloat16 keep their dtype, others floatx. The gradient is
/// `i1(x)`.
pub fn i0(x: &Tensor) -> Result<Tensor> {
    let dtype = match x.dtype() {
        DType::I64 | DType::F64 => DType::F64,
        d @ (DType::F16 | DType::BF16) => d,
        _ => floatx(),
    };
    let x = cast(x, dtype)?;
    let v: Vec<f64> = values_f64(&x)?.into_iter().map(bessel_i0).collect();
    let y = tensor_f64(v, x.dims(), dtype)?;
    Ok(record("i0", &[&x], y, |g, ins, _| {
        let d: Vec<f64> = values_f64(&ins[0])?.into_iter().map(bessel_i1).collect();
        let d = tensor_f64(d, ins[0].dims(), g.dtype())?;
        Ok(vec![Some(multiply(g, &d)?)])
    }))
}
