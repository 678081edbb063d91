//! Closeness tests: `isclose` and `allclose`.

use keras_backend::Result;

use crate::ops::{
    absolute, add, all, equal, isinf, isnan, less_equal, logical_and, logical_not, logical_or,
    multiply, operands_dtype, subtract, Operand,
};
use crate::tensor::Tensor;

/// True where `|x1 - x2| <= atol + rtol * |x2|`, with infinities close only to the same
/// infinity and NaN close to NaN only when `equal_nan` (`keras.ops.isclose`; Keras defaults
/// `rtol = 1e-5`, `atol = 1e-8`, `equal_nan = false`). Integers compare exactly.
pub fn isclose(
    x1: impl Into<Operand>,
    x2: impl Into<Operand>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
) -> Result<Tensor> {
    let (x1, x2) = (x1.into(), x2.into());
    let d = operands_dtype(&[&x1, &x2]);
    let (a, b) = (x1.to_tensor(d)?, x2.to_tensor(d)?);
    if !d.is_float() {
        return equal(&a, &b);
    }
    let bound = add(&multiply(&absolute(&b)?, rtol)?, atol)?;
    let near = less_equal(&absolute(&subtract(&a, &b)?)?, &bound)?;
    let (a_inf, b_inf) = (isinf(&a)?, isinf(&b)?);
    let finite_near = logical_and(&near, &logical_not(&logical_or(&a_inf, &b_inf)?)?)?;
    let same_inf = logical_and(&logical_and(&a_inf, &b_inf)?, &equal(&a, &b)?)?;
    let close = logical_or(&finite_near, &same_inf)?;
    let (a_nan, b_nan) = (isnan(&a)?, isnan(&b)?);
    let close = logical_and(&close, &logical_not(&logical_or(&a_nan, &b_nan)?)?)?;
    if equal_nan {
        logical_or(&close, &logical_and(&a_nan, &b_nan)?)
    } else {
        Ok(close)
    }
}

/// True (a 0-d bool tensor) when every pair of elements [`isclose`] (`keras.ops.allclose`).
pub fn allclose(
    x1: impl Into<Operand>,
    x2: impl Into<Operand>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
) -> Result<Tensor> {
    all(&isclose(x1, x2, rtol, atol, equal_nan)?, None, false)
}
