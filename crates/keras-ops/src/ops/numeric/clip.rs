//! Clamping and cleaning values: `clip`, `nan_to_num`, `divide_no_nan`.

use keras_backend::{DType, Result};

use super::x64_operands_dtype;
use crate::autodiff::record;
use crate::ops::{
    cast, divide, equal, greater, isinf, isnan, less, maximum, minimum, multiply, operands_dtype,
    where_, Operand,
};
use crate::tensor::Tensor;

/// Clamps `x` to `[x_min, x_max]` as `minimum(maximum(x, x_min), x_max)` (`keras.ops.clip`).
///
/// Bool inputs become int32; scalar bounds convert to the input's dtype the way JAX
/// converts Python scalars (a float bound makes an integer input float; an integer bound
/// wraps into an unsigned dtype). Tensor bounds broadcast. NaN stays NaN. The gradient is 1
/// strictly inside the bounds, 1/2 on a bound and 0 outside.
pub fn clip(x: &Tensor, x_min: impl Into<Operand>, x_max: impl Into<Operand>) -> Result<Tensor> {
    let x = if x.dtype() == DType::Bool {
        cast(x, DType::I32)?
    } else {
        x.clone()
    };
    let (lo, hi) = (x_min.into(), x_max.into());
    if matches!(lo, Operand::Tensor(_)) || matches!(hi, Operand::Tensor(_)) {
        return minimum(&maximum(&x, lo)?, hi);
    }
    let dtype = x64_operands_dtype(&[&Operand::Tensor(x.clone()), &lo, &hi]);
    let x = cast(&x, dtype)?;
    let lo_v = lo.to_tensor(dtype)?.item()?;
    let hi_v = hi.to_tensor(dtype)?.item()?;
    let s = x.backend().clip(x.storage(), lo_v, hi_v)?;
    let y = Tensor::from_storage(s, x.shape().clone(), x.backend());
    if !dtype.is_float() {
        return Ok(y);
    }
    Ok(record("clip", &[&x], y, move |g, ins, _| {
        let x = &ins[0];
        // Chain rule of minimum(maximum(x, lo), hi) with ties split in half.
        let w_lo = bound_weight(&greater(x, lo_v)?, &equal(x, lo_v)?, g.dtype())?;
        let w_hi = bound_weight(&less(x, hi_v)?, &equal(x, hi_v)?, g.dtype())?;
        Ok(vec![Some(multiply(g, &multiply(&w_lo, &w_hi)?)?)])
    }))
}

/// 1 where `inside`, 1/2 where `tie`, else 0.
fn bound_weight(inside: &Tensor, tie: &Tensor, dtype: DType) -> Result<Tensor> {
    where_(inside, 1.0, &multiply(&cast(tie, dtype)?, 0.5)?)
}

/// Replaces NaN by `nan`, +inf by `posinf` and -inf by `neginf` (the dtype's largest and
/// lowest finite values by default); integers are returned unchanged
/// (`keras.ops.nan_to_num`, Keras default `nan = 0.0`).
pub fn nan_to_num(
    x: &Tensor,
    nan: f64,
    posinf: Option<f64>,
    neginf: Option<f64>,
) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Ok(x.clone());
    }
    let max = finite_max(x.dtype());
    let pos = Tensor::scalar_of(posinf.unwrap_or(max), x.dtype())?;
    let neg = Tensor::scalar_of(neginf.unwrap_or(-max), x.dtype())?;
    let inf = isinf(x)?;
    let replaced_inf = where_(&inf, &where_(&greater(x, 0.0)?, &pos, &neg)?, x)?;
    where_(&isnan(x)?, nan, &replaced_inf)
}

/// The largest finite value of a float dtype.
fn finite_max(d: DType) -> f64 {
    match d {
        DType::F16 => 65504.0,
        DType::BF16 => 3.389_531_389_251_535_5e38,
        DType::F32 => f32::MAX as f64,
        _ => f64::MAX,
    }
}

/// `x1 / x2`, with 0 wherever `x2 == 0` (`keras.ops.divide_no_nan`); integers divide in
/// floatx.
pub fn divide_no_nan(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = (x1.into(), x2.into());
    let dtype = operands_dtype(&[&a, &b]);
    let b = b.to_tensor(dtype)?;
    let zero = equal(&b, 0)?;
    let safe = where_(&zero, 1, &b)?;
    where_(&zero, 0, &divide(a, &safe)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_wraps_unsigned_bounds_like_jax() {
        let x = Tensor::from_vec(vec![0u8, 5, 250], [3]).unwrap();
        assert_eq!(
            clip(&x, -1, 100).unwrap().to_vec::<u8>().unwrap(),
            vec![100, 100, 100]
        );
        let b = Tensor::from_vec(vec![true, false], [2]).unwrap();
        assert_eq!(clip(&b, -1, 2).unwrap().dtype(), DType::I32);
    }

    #[test]
    fn divide_no_nan_zeroes_division_by_zero() {
        let a = Tensor::from_vec(vec![1.0f32, f32::NAN, 3.0], [3]).unwrap();
        let b = Tensor::from_vec(vec![0.0f32, 0.0, 2.0], [3]).unwrap();
        assert_eq!(
            divide_no_nan(&a, &b).unwrap().to_vec::<f32>().unwrap(),
            vec![0.0, 0.0, 1.5]
        );
    }
}
