//! Host-side helpers shared by the extra ops whose results are data-dependent or need
//! special functions the kernel set lacks (`i0`, `nextafter`, counting ops).

use keras_backend::{DType, HostBuffer, Result};

use crate::ops::broadcast_to;
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

/// The elements of `x` as `f64`.
pub(super) fn values_f64(x: &Tensor) -> Result<Vec<f64>> {
    Ok(x.to_host()?.to_f64_vec())
}

/// The elements of `x` as `i64` (floats truncate).
pub(super) fn values_i64(x: &Tensor) -> Result<Vec<i64>> {
    Ok(x.to_host()?.to_i64_vec())
}

/// A tensor of `dtype` and `dims` from `f64` values.
pub(super) fn tensor_f64(values: Vec<f64>, dims: &[usize], dtype: DType) -> Result<Tensor> {
    Tensor::from_host(HostBuffer::from(values).cast(dtype), dims)
}

/// A tensor of `dtype` and `dims` from `i64` values.
pub(super) fn tensor_i64(values: Vec<i64>, dims: &[usize], dtype: DType) -> Result<Tensor> {
    Tensor::from_host(HostBuffer::from(values).cast(dtype), dims)
}

/// Both tensors broadcast to their common shape.
pub(super) fn broadcast_pair(a: &Tensor, b: &Tensor, op: &str) -> Result<(Tensor, Tensor)> {
    let dims = broadcast_shapes(a.dims(), b.dims(), op)?;
    Ok((broadcast_to(a, &dims)?, broadcast_to(b, &dims)?))
}

/// The modified Bessel function of the first kind, order 0, by its power series (all
/// terms positive, so the sum is accurate); NaN for non-finite input, as JAX gives.
pub(super) fn bessel_i0(x: f64) -> f64 {
    bessel_series(x, 0)
}

/// The modified Bessel function of the first kind, order 1 (the derivative of `i0`).
pub(super) fn bessel_i1(x: f64) -> f64 {
    bessel_series(x, 1)
}

/// `sum_k (x/2)^(2k+n) / (k! (k+n)!)` for `n` in {0, 1}.
fn bessel_series(x: f64, n: u32) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let q = x * x / 4.0;
    let mut term = if n == 0 { 1.0 } else { x / 2.0 };
    let mut total = term;
    for k in 1..2000 {
        let k = k as f64;
        term *= q / (k * (k + n as f64));
        total += term;
        if term.abs() <= total.abs() * 1e-17 || !total.is_finite() {
            break;
        }
    }
    total
}

/// The next representable value after `x` toward `y` in `dtype` (a float type).
pub(super) fn next_after(x: f64, y: f64, dtype: DType) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return y;
    }
    let up = y > x;
    match dtype {
        DType::F64 => f64::from_bits(step_bits(x.to_bits(), x == 0.0, x < 0.0, up, 64)),
        DType::F32 => {
            let v = x as f32;
            f32::from_bits(step_bits(v.to_bits() as u64, v == 0.0, v < 0.0, up, 32) as u32) as f64
        }
        DType::F16 => {
            let v = half::f16::from_f64(x);
            let bits = step_bits(v.to_bits() as u64, x == 0.0, x < 0.0, up, 16) as u16;
            half::f16::from_bits(bits).to_f64()
        }
        _ => {
            let v = half::bf16::from_f64(x);
            let bits = step_bits(v.to_bits() as u64, x == 0.0, x < 0.0, up, 16) as u16;
            half::bf16::from_bits(bits).to_f64()
        }
    }
}

/// One ulp step of an IEEE value given by its bits (`width` bits wide, sign in the top bit).
fn step_bits(bits: u64, zero: bool, negative: bool, up: bool, width: u32) -> u64 {
    let sign = 1u64 << (width - 1);
    if zero {
        // The smallest subnormal with the direction's sign.
        return if up { 1 } else { sign | 1 };
    }
    // Moving away from zero increments the magnitude bits; toward zero decrements them.
    if up != negative {
        bits + 1
    } else {
        bits - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_values() {
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-15);
        assert!((bessel_i1(1.0) - 0.565_159_103_992_485).abs() < 1e-15);
        assert!(bessel_i0(f64::INFINITY).is_nan());
    }

    #[test]
    fn next_after_steps_one_ulp() {
        assert_eq!(next_after(1.0, 2.0, DType::F64), 1.0 + f64::EPSILON);
        assert_eq!(
            next_after(0.0, -1.0, DType::F32),
            -(f32::from_bits(1) as f64)
        );
        assert_eq!(
            next_after(-2.0, 0.0, DType::F32),
            -(2.0f32 - f32::EPSILON) as f64
        );
    }
}
