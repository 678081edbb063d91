//! Elementwise functions of one tensor (`keras.ops.exp`, `sqrt`, `sin`, `relu`, ...).
//!
//! Float-valued functions accept integer and bool inputs and compute in `floatx` (float32),
//! as Keras does; sign-like functions keep integer dtypes.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1i32, 4, 9], [3]).unwrap();
//! let r = ops::sqrt(&x).unwrap();
//! assert_eq!(r.dtype().name(), "float32");
//! assert_eq!(r.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
//! ```

use keras_backend::{bail, DType, Result, UnaryOp};

use super::{add, cast, divide, greater, multiply, subtract, to_float, unary_kernel, where_};
use crate::autodiff::record;
use crate::tensor::Tensor;

/// Defines a float-valued unary op: integer inputs are cast to floatx first; `grad` maps
/// `(upstream g, input x, output y)` to the input gradient.
macro_rules! float_unary {
    ($(#[$doc:meta])* $name:ident, $kernel:ident, |$g:ident, $x:ident, $y:ident| $grad:expr) => {
        $(#[$doc])*
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            let x = to_float(x)?;
            let y = unary_kernel(UnaryOp::$kernel, &x)?;
            Ok(record(stringify!($name), &[&x], y, |$g, ins, $y| {
                let $x = &ins[0];
                let _ = (&$x, &$y);
                Ok(vec![Some($grad)])
            }))
        }
    };
}

float_unary!(
    /// `e^x`.
    exp, Exp, |g, x, y| multiply(g, y)?
);
float_unary!(
    /// `e^x - 1`, accurate near 0.
    expm1, Expm1, |g, x, y| multiply(g, &add(y, 1.0)?)?
);
float_unary!(
    /// Natural logarithm.
    log, Log, |g, x, y| divide(g, x)?
);
float_unary!(
    /// `log(1 + x)`, accurate near 0.
    log1p, Log1p, |g, x, y| divide(g, &add(x, 1.0)?)?
);
float_unary!(
    /// Square root.
    sqrt, Sqrt, |g, x, y| divide(g, &multiply(y, 2.0)?)?
);
float_unary!(
    /// `1 / sqrt(x)`.
    rsqrt, Rsqrt, |g, x, y| multiply(g, &multiply(&divide(y, x)?, -0.5)?)?
);
float_unary!(
    /// Sine.
    sin, Sin, |g, x, y| multiply(g, &cos(x)?)?
);
float_unary!(
    /// Cosine.
    cos, Cos, |g, x, y| negative(&multiply(g, &sin(x)?)?)?
);
float_unary!(
    /// Tangent.
    tan, Tan, |g, x, y| multiply(g, &add(&square(y)?, 1.0)?)?
);
float_unary!(
    /// Inverse sine.
    arcsin, Asin, |g, x, y| multiply(g, &rsqrt(&subtract(1.0, &square(x)?)?)?)?
);
float_unary!(
    /// Inverse cosine.
    arccos, Acos, |g, x, y| negative(&multiply(g, &rsqrt(&subtract(1.0, &square(x)?)?)?)?)?
);
float_unary!(
    /// Inverse tangent.
    arctan, Atan, |g, x, y| divide(g, &add(&square(x)?, 1.0)?)?
);
float_unary!(
    /// Hyperbolic sine.
    sinh, Sinh, |g, x, y| multiply(g, &cosh(x)?)?
);
float_unary!(
    /// Hyperbolic cosine.
    cosh, Cosh, |g, x, y| multiply(g, &sinh(x)?)?
);
float_unary!(
    /// Hyperbolic tangent.
    tanh, Tanh, |g, x, y| multiply(g, &subtract(1.0, &square(y)?)?)?
);
float_unary!(
    /// Inverse hyperbolic sine.
    arcsinh, Asinh, |g, x, y| multiply(g, &rsqrt(&add(&square(x)?, 1.0)?)?)?
);
float_unary!(
    /// Inverse hyperbolic cosine.
    arccosh, Acosh, |g, x, y| multiply(g, &rsqrt(&subtract(&square(x)?, 1.0)?)?)?
);
float_unary!(
    /// Inverse hyperbolic tangent.
    arctanh, Atanh, |g, x, y| divide(g, &subtract(1.0, &square(x)?)?)?
);
float_unary!(
    /// The error function.
    erf, Erf, |g, x, y| multiply(
        g,
        &multiply(&exp(&negative(&square(x)?)?)?, std::f64::consts::FRAC_2_SQRT_PI)?
    )?
);
float_unary!(
    /// The inverse error function.
    erfinv, Erfinv, |g, x, y| multiply(
        g,
        &multiply(&exp(&square(y)?)?, std::f64::consts::PI.sqrt() / 2.0)?
    )?
);
float_unary!(
    /// Logistic sigmoid `1 / (1 + e^-x)`.
    sigmoid, Sigmoid, |g, x, y| multiply(g, &multiply(y, &subtract(1.0, y)?)?)?
);
float_unary!(
    /// `log(1 + e^x)`, stable for large |x|.
    softplus, Softplus, |g, x, y| multiply(g, &sigmoid(x)?)?
);
float_unary!(
    /// `1 / x`.
    reciprocal, Reciprocal, |g, x, y| negative(&multiply(g, &square(y)?)?)?
);

/// Defines an op that keeps integer dtypes (bool is promoted to int32 where arithmetic
/// needs it) with a gradient for float inputs.
macro_rules! keep_dtype_unary {
    ($(#[$doc:meta])* $name:ident, $kernel:ident, |$g:ident, $x:ident, $y:ident| $grad:expr) => {
        $(#[$doc])*
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            let x = &bool_to_int(x, UnaryOp::$kernel)?;
            let y = unary_kernel(UnaryOp::$kernel, x)?;
            if !x.dtype().is_float() {
                return Ok(y);
            }
            Ok(record(stringify!($name), &[x], y, |$g, ins, $y| {
                let $x = &ins[0];
                let _ = (&$x, &$y);
                Ok(vec![Some($grad)])
            }))
        }
    };
}

keep_dtype_unary!(
    /// `-x`.
    negative, Neg, |g, x, y| negative(g)?
);
keep_dtype_unary!(
    /// `|x|`.
    absolute, Abs, |g, x, y| multiply(g, &sign(x)?)?
);
keep_dtype_unary!(
    /// `x * x`.
    square, Square, |g, x, y| multiply(g, &multiply(x, 2.0)?)?
);
keep_dtype_unary!(
    /// Rectified linear unit `max(x, 0)`.
    relu, Relu, |g, x, y| where_(&greater(x, 0.0)?, g, 0.0)?
);

/// Arithmetic on bool (`square`, `relu`) happens in int32, as Keras does.
fn bool_to_int(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    if x.dtype() == DType::Bool && matches!(op, UnaryOp::Square | UnaryOp::Relu) {
        cast(x, DType::I32)
    } else {
        Ok(x.clone())
    }
}

/// `-1`, `0` or `1` by sign (NaN stays NaN). No gradient (zero almost everywhere).
pub fn sign(x: &Tensor) -> Result<Tensor> {
    unary_kernel(UnaryOp::Sign, x)
}

/// Alias of [`absolute`].
pub fn abs(x: &Tensor) -> Result<Tensor> {
    absolute(x)
}

/// Defines a rounding op: identity for integers, no gradient (zero almost everywhere).
macro_rules! rounding {
    ($(#[$doc:meta])* $name:ident, $kernel:ident) => {
        $(#[$doc])*
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            if !x.dtype().is_float() {
                return to_float(x);
            }
            unary_kernel(UnaryOp::$kernel, x)
        }
    };
}
rounding!(
    /// Largest integer ≤ x (integer inputs become floatx, as Keras).
    floor, Floor
);
rounding!(
    /// Smallest integer ≥ x (integer inputs become floatx, as Keras).
    ceil, Ceil
);
/// Integer part, toward zero (integers and bools are returned unchanged, as Keras).
pub fn trunc(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Ok(x.clone());
    }
    unary_kernel(UnaryOp::Trunc, x)
}

/// Rounds half to even to `decimals` places (`keras.ops.round`); integers are unchanged
/// when `decimals >= 0`.
pub fn round(x: &Tensor, decimals: i32) -> Result<Tensor> {
    if !x.dtype().is_float() {
        if decimals >= 0 {
            return Ok(x.clone());
        }
        let f = 10f64.powi(-decimals);
        let r = round(&divide(x, f)?, 0)?;
        return cast(&multiply(&r, f)?, x.dtype());
    }
    if decimals == 0 {
        return unary_kernel(UnaryOp::Round, x);
    }
    let f = 10f64.powi(decimals);
    divide(&unary_kernel(UnaryOp::Round, &multiply(x, f)?)?, f)
}

/// Logical not (`keras.ops.logical_not`); any dtype, result bool.
pub fn logical_not(x: &Tensor) -> Result<Tensor> {
    let b = cast(x, DType::Bool)?;
    unary_kernel(UnaryOp::LogicalNot, &b)
}

/// Bitwise not of an integer or bool tensor (`keras.ops.bitwise_invert`).
pub fn bitwise_invert(x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_float() {
        bail!(
            "bitwise_invert",
            "expected an integer or bool tensor, got {}",
            x.describe()
        );
    }
    unary_kernel(UnaryOp::BitwiseNot, x)
}

/// Alias of [`bitwise_invert`].
pub fn bitwise_not(x: &Tensor) -> Result<Tensor> {
    bitwise_invert(x)
}

/// Defines a float predicate (false for integers where the property can't hold).
macro_rules! predicate {
    ($(#[$doc:meta])* $name:ident, $kernel:ident, $int_value:expr) => {
        $(#[$doc])*
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            if !x.dtype().is_float() {
                return super::full_like(x, $int_value, Some(DType::Bool));
            }
            unary_kernel(UnaryOp::$kernel, x)
        }
    };
}
predicate!(
    /// True where x is NaN.
    isnan, IsNan, 0.0
);
predicate!(
    /// True where x is ±inf.
    isinf, IsInf, 0.0
);
predicate!(
    /// True where x is neither NaN nor ±inf.
    isfinite, IsFinite, 1.0
);
