//! Elementwise functions of two operands with NumPy broadcasting (`keras.ops.add`,
//! `multiply`, `power`, `equal`, `logical_and`, `where`, ...).
//!
//! Operands are tensors or Rust scalars with Python-scalar typing (see [`Operand`]); the
//! result dtype follows Keras's `result_type`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3, 1]).unwrap();
//! let b = Tensor::from_vec(vec![10.0f32, 20.0], [2]).unwrap();
//! assert_eq!(ops::add(&a, &b).unwrap().dims(), &[3, 2]);
//! ```

use keras_backend::{bail, BinaryOp, DType, Result};

use super::operand::{operands_dtype, Operand};
use super::{binary_kernel, cast, floor, log, negative, square, sum_to_shape, zeros_like};
use crate::autodiff::record;
use crate::config::floatx;
use crate::shape::{broadcast_shapes, pad_rank};
use crate::tensor::Tensor;

/// How an op picks its computation dtype from the operands' `result_type`.
#[derive(Clone, Copy)]
enum DtypeRule {
    /// `result_type(x1, x2)`.
    Promote,
    /// `result_type(x1, x2, float)`: integers compute in floatx.
    PromoteFloat,
    /// `result_type(x1, x2)`, with bool widened to int32 (arithmetic on booleans).
    PromoteNoBool,
    /// `result_type(x1, x2, float)` after converting scalars to tensors (Python floats
    /// become float32, ints int32): for ops Keras implements through `result_type` on
    /// converted tensors, such as `arctan2`.
    PromoteFloatStrong,
}

/// Gradient of a binary op: `(g, a, b, y) -> (da, db)` before un-broadcasting.
type BinaryGrad = fn(&Tensor, &Tensor, &Tensor, &Tensor) -> Result<(Tensor, Tensor)>;

fn compute_dtype(x1: &Operand, x2: &Operand, rule: DtypeRule) -> DType {
    let d = operands_dtype(&[x1, x2]);
    match rule {
        DtypeRule::Promote => d,
        DtypeRule::PromoteFloat if !d.is_float() => floatx(),
        DtypeRule::PromoteFloat => d,
        DtypeRule::PromoteNoBool if d == DType::Bool => DType::I32,
        DtypeRule::PromoteNoBool => d,
        DtypeRule::PromoteFloatStrong => {
            let strong = |o: &Operand| match o {
                Operand::Tensor(t) => t.dtype(),
                Operand::Int(_) => DType::I32,
                Operand::Float(_) => DType::F32,
                Operand::Bool(_) => DType::Bool,
            };
            let d = keras_backend::result_type(&[strong(x1).into(), strong(x2).into()]);
            if d.is_float() {
                d
            } else {
                floatx()
            }
        }
    }
}

fn binary_op(
    name: &'static str,
    kernel: BinaryOp,
    x1: Operand,
    x2: Operand,
    rule: DtypeRule,
    grad: Option<BinaryGrad>,
) -> Result<Tensor> {
    let dtype = compute_dtype(&x1, &x2, rule);
    let a = x1.to_tensor(dtype)?;
    let b = x2.to_tensor(dtype)?;
    let y = binary_kernel(kernel, &a, &b, name)?;
    match grad {
        Some(grad) if dtype.is_float() => Ok(record(name, &[&a, &b], y, move |g, ins, y| {
            let (da, db) = grad(g, &ins[0], &ins[1], y)?;
            Ok(vec![
                Some(sum_to_shape(&da, ins[0].dims())?),
                Some(sum_to_shape(&db, ins[1].dims())?),
            ])
        })),
        _ => Ok(y),
    }
}

/// Defines a public binary op.
macro_rules! binary {
    ($(#[$doc:meta])* $name:ident, $kernel:ident, $rule:ident, $grad:expr) => {
        $(#[$doc])*
        pub fn $name(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
            binary_op(
                stringify!($name),
                BinaryOp::$kernel,
                x1.into(),
                x2.into(),
                DtypeRule::$rule,
                $grad,
            )
        }
    };
}

binary!(
    /// `x1 + x2`.
    add, Add, Promote, Some(|g, _, _, _| Ok((g.clone(), g.clone())))
);
binary!(
    /// `x1 - x2`.
    subtract, Sub, Promote, Some(|g, _, _, _| Ok((g.clone(), negative(g)?)))
);
binary!(
    /// `x1 * x2`.
    multiply, Mul, Promote, Some(|g, a, b, _| Ok((multiply(g, b)?, multiply(g, a)?)))
);
binary!(
    /// True division; integers divide in floatx (`keras.ops.divide`).
    divide, Div, PromoteFloat, Some(|g, _, b, y| {
        let da = divide(g, b)?;
        Ok((da.clone(), negative(&multiply(&da, y)?)?))
    })
);
binary!(
    /// Alias of [`divide`] (`keras.ops.true_divide`).
    true_divide, Div, PromoteFloat, Some(|g, _, b, y| {
        let da = divide(g, b)?;
        Ok((da.clone(), negative(&multiply(&da, y)?)?))
    })
);
binary!(
    /// `x1 ** x2`.
    power_tensor, Pow, PromoteNoBool, Some(|g, a, b, y| {
        let da = multiply(g, &multiply(b, &power_tensor(a, &subtract(b, 1.0)?)?)?)?;
        // d/db a^b = a^b log a, taken as 0 where a == 0 (as JAX does for a^b at a=0).
        let safe_log = log(&where_(&equal(a, 0.0)?, 1.0, a)?)?;
        Ok((da, multiply(g, &multiply(y, &safe_log)?)?))
    })
);
binary!(
    /// Elementwise maximum (NaN propagates); ties split the gradient equally.
    maximum, Maximum, Promote, Some(|g, a, b, _| split_extremum_grad(g, a, b, true))
);
binary!(
    /// Elementwise minimum (NaN propagates); ties split the gradient equally.
    minimum, Minimum, Promote, Some(|g, a, b, _| split_extremum_grad(g, a, b, false))
);
binary!(
    /// Floor division `x1 // x2` (no gradient).
    floor_divide, FloorDiv, PromoteNoBool, None
);
binary!(
    /// Python-style remainder: the sign of the divisor (`keras.ops.mod`).
    mod_, Mod, PromoteNoBool, Some(|g, a, b, _| {
        Ok((g.clone(), negative(&multiply(g, &floor(&divide(a, b)?)?)?)?))
    })
);
binary!(
    /// Four-quadrant inverse tangent of `x1 / x2`.
    arctan2, Atan2, PromoteFloatStrong, Some(|g, a, b, _| {
        let denom = add(&square(a)?, &square(b)?)?;
        Ok((
            divide(&multiply(g, b)?, &denom)?,
            negative(&divide(&multiply(g, a)?, &denom)?)?,
        ))
    })
);
binary!(
    /// `x1 == x2` (bool).
    equal, Equal, Promote, None
);
binary!(
    /// `x1 != x2` (bool).
    not_equal, NotEqual, Promote, None
);
binary!(
    /// `x1 < x2` (bool).
    less, Less, Promote, None
);
binary!(
    /// `x1 <= x2` (bool).
    less_equal, LessEqual, Promote, None
);
binary!(
    /// `x1 > x2` (bool).
    greater, Greater, Promote, None
);
binary!(
    /// `x1 >= x2` (bool).
    greater_equal, GreaterEqual, Promote, None
);

/// `x1 ** x2` (`keras.ops.power`). An integer tensor raised to a Rust integer exponent is
/// computed exactly by repeated squaring in its own (wrapping) dtype, as JAX does for a
/// static Python exponent.
pub fn power(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
    match (x1.into(), x2.into()) {
        (Operand::Tensor(base), Operand::Int(e)) if base.dtype().is_int() && e >= 0 => {
            let mut result = super::ones_like(&base)?;
            let mut square_ = base;
            let mut e = e;
            while e > 0 {
                if e & 1 == 1 {
                    result = multiply(&result, &square_)?;
                }
                e >>= 1;
                if e > 0 {
                    square_ = multiply(&square_, &square_)?;
                }
            }
            Ok(result)
        }
        (a, b) => power_tensor(a, b),
    }
}

/// The gradient of `maximum`/`minimum`: to the winner, half each on ties.
fn split_extremum_grad(
    g: &Tensor,
    a: &Tensor,
    b: &Tensor,
    is_max: bool,
) -> Result<(Tensor, Tensor)> {
    let a_wins = if is_max { greater(a, b)? } else { less(a, b)? };
    let tie = cast(&equal(a, b)?, g.dtype())?;
    let wa = add(&cast(&a_wins, g.dtype())?, &multiply(&tie, 0.5)?)?;
    let wb = subtract(1.0, &wa)?;
    Ok((multiply(g, &wa)?, multiply(g, &wb)?))
}

/// Defines a logical op: operands are converted to bool.
macro_rules! logical {
    ($(#[$doc:meta])* $name:ident, $kernel:ident) => {
        $(#[$doc])*
        pub fn $name(x1: impl Into<Operand>, x2: impl Into<Operand>) -> Result<Tensor> {
            let a = x1.into().to_tensor(DType::Bool)?;
            let b = x2.into().to_tensor(DType::Bool)?;
            binary_kernel(BinaryOp::$kernel, &a, &b, stringify!($name))
        }
    };
}
logical!(
    /// Elementwise `x1 and x2` (truthiness of any dtype).
    logical_and, LogicalAnd
);
logical!(
    /// Elementwise `x1 or x2`.
    logical_or, LogicalOr
);
logical!(
    /// Elementwise `x1 xor x2`.
    logical_xor, LogicalXor
);

/// Defines a bitwise op on integer or bool operands.
macro_rules! bitwise {
    ($(#[$doc:meta])* $name:ident, $kernel:ident) => {
        $(#[$doc])*
        pub fn $name(x: impl Into<Operand>, y: impl Into<Operand>) -> Result<Tensor> {
            let (x, y) = (x.into(), y.into());
            let dtype = match operands_dtype(&[&x, &y]) {
                // Shifting booleans happens in int32, as Keras does.
                DType::Bool if matches!(BinaryOp::$kernel, BinaryOp::LeftShift | BinaryOp::RightShift) => DType::I32,
                d => d,
            };
            if dtype.is_float() {
                bail!(stringify!($name), "expected integer or bool operands, got {dtype}");
            }
            binary_kernel(BinaryOp::$kernel, &x.to_tensor(dtype)?, &y.to_tensor(dtype)?, stringify!($name))
        }
    };
}
bitwise!(
    /// Bitwise and.
    bitwise_and, BitwiseAnd
);
bitwise!(
    /// Bitwise or.
    bitwise_or, BitwiseOr
);
bitwise!(
    /// Bitwise exclusive or.
    bitwise_xor, BitwiseXor
);
bitwise!(
    /// `x << y`.
    bitwise_left_shift, LeftShift
);
bitwise!(
    /// `x >> y` (arithmetic for signed types).
    bitwise_right_shift, RightShift
);

/// Alias of [`bitwise_left_shift`].
pub fn left_shift(x: impl Into<Operand>, y: impl Into<Operand>) -> Result<Tensor> {
    bitwise_left_shift(x, y)
}
/// Alias of [`bitwise_right_shift`].
pub fn right_shift(x: impl Into<Operand>, y: impl Into<Operand>) -> Result<Tensor> {
    bitwise_right_shift(x, y)
}

/// Picks `x1` where `condition` is true, else `x2`, with broadcasting (`keras.ops.where`
/// with both branches given).
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let c = Tensor::from_vec(vec![true, false], [2]).unwrap();
/// let x = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
/// assert_eq!(ops::where_(&c, &x, 0.0).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 0.0]);
/// ```
pub fn where_(
    condition: &Tensor,
    x1: impl Into<Operand>,
    x2: impl Into<Operand>,
) -> Result<Tensor> {
    let (x1, x2) = (x1.into(), x2.into());
    let dtype = operands_dtype(&[&x1, &x2]);
    let a = x1.to_tensor(dtype)?;
    let b = x2.to_tensor(dtype)?;
    let c = cast(condition, DType::Bool)?;
    let ab = broadcast_shapes(a.dims(), b.dims(), "where")?;
    let out_shape = broadcast_shapes(c.dims(), &ab, "where")?;
    let r = out_shape.len();
    let s = a.backend().select(
        c.storage(),
        &pad_rank(c.dims(), r),
        a.storage(),
        &pad_rank(a.dims(), r),
        b.storage(),
        &pad_rank(b.dims(), r),
        &out_shape,
    )?;
    let y = Tensor::from_storage(s, out_shape, a.backend());
    if !dtype.is_float() {
        return Ok(y);
    }
    Ok(record("where", &[&a, &b], y, move |g, ins, _| {
        let zeros = zeros_like(g)?;
        let ga = where_(&c, g, &zeros)?;
        let gb = where_(&c, &zeros, g)?;
        Ok(vec![
            Some(sum_to_shape(&ga, ins[0].dims())?),
            Some(sum_to_shape(&gb, ins[1].dims())?),
        ])
    }))
}
