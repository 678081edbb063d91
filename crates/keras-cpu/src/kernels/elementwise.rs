//! Elementwise kernels: unary functions, broadcasting binary functions, `where`, `clip` and
//! dtype casts, for every dtype.
//!
//! Floats follow NumPy/JAX: `f16`/`bf16` are computed in `f32` and rounded back; `Mod` and
//! `FloorDiv` are Python-style; `Maximum`/`Minimum` propagate NaN; `Round` is half to even.
//! Integers wrap, integer `FloorDiv`/`Mod` by zero give 0 (as JAX), integer `Pow` is exact
//! with negative exponents giving 0 unless the base is ±1. Comparisons and logical ops give
//! `bool`.

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};
use keras_backend::{BinaryOp, DType, Element, Error, HostBuffer, Result, UnaryOp};

use super::broadcast::{binary_map, map, ternary_map};
use super::dispatch::{
    check_broadcast, check_len, dtype_err, mismatch_err, narrow_result, numel, widen_half,
    with_pair, Int, Real,
};

fn unary_name(op: UnaryOp) -> String {
    format!("{op:?}").to_lowercase()
}

fn binary_name(op: BinaryOp) -> String {
    format!("{op:?}").to_lowercase()
}

/// `op(x)` elementwise. Predicates (`Is*`, `LogicalNot`) give `bool`; the rest keep the dtype.
pub fn unary(op: UnaryOp, x: &HostBuffer) -> Result<HostBuffer> {
    match x {
        HostBuffer::F32(v) => float_unary(op, v),
        HostBuffer::F64(v) => float_unary(op, v),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let w = widen_half(x).expect("half buffer");
            Ok(narrow_result(x.dtype(), float_unary(op, &w)?))
        }
        HostBuffer::U8(v) => int_unary(op, v),
        HostBuffer::U16(v) => int_unary(op, v),
        HostBuffer::U32(v) => int_unary(op, v),
        HostBuffer::U64(v) => int_unary(op, v),
        HostBuffer::I8(v) => int_unary(op, v),
        HostBuffer::I16(v) => int_unary(op, v),
        HostBuffer::I32(v) => int_unary(op, v),
        HostBuffer::I64(v) => int_unary(op, v),
        HostBuffer::Bool(v) => bool_unary(op, v),
    }
}

fn float_unary<T: Real>(op: UnaryOp, v: &[T]) -> Result<HostBuffer> {
    use UnaryOp::*;
    let zero = T::zero();
    let one = T::one();
    let r: Vec<T> = match op {
        Neg => map(v, |x| -x),
        Abs => map(v, |x| x.abs()),
        Sign => map(v, |x| {
            if x > zero {
                one
            } else if x < zero {
                -one
            } else {
                x
            }
        }),
        Square => map(v, |x| x * x),
        Sqrt => map(v, |x| x.sqrt()),
        Rsqrt => map(v, |x| one / x.sqrt()),
        Reciprocal => map(v, |x| one / x),
        Exp => map(v, |x| x.vexp()),
        Expm1 => map(v, |x| x.exp_m1()),
        Log => map(v, |x| x.ln()),
        Log1p => map(v, |x| x.ln_1p()),
        Sin => map(v, |x| x.sin()),
        Cos => map(v, |x| x.cos()),
        Tan => map(v, |x| x.tan()),
        Asin => map(v, |x| x.asin()),
        Acos => map(v, |x| x.acos()),
        Atan => map(v, |x| x.atan()),
        Sinh => map(v, |x| x.sinh()),
        Cosh => map(v, |x| x.cosh()),
        Tanh => map(v, |x| x.vtanh()),
        Asinh => map(v, |x| x.asinh()),
        Acosh => map(v, |x| x.acosh()),
        Atanh => map(v, |x| x.atanh()),
        Floor => map(v, |x| x.floor()),
        Ceil => map(v, |x| x.ceil()),
        Round => map(v, |x| x.round_even()),
        Trunc => map(v, |x| x.trunc()),
        Erf => map(v, |x| x.erf()),
        Erfinv => map(v, |x| x.erfinv()),
        Sigmoid => map(v, |x| {
            let e = (-x.abs()).vexp();
            let r = one / (one + e);
            if x >= zero {
                r
            } else {
                e * r
            }
        }),
        Relu => map(v, |x| if x < zero { zero } else { x }),
        Softplus => map(v, |x| x.vsoftplus()),
        LogicalNot => return Ok(HostBuffer::Bool(map(v, |x| x == zero))),
        IsNan => return Ok(HostBuffer::Bool(map(v, |x| x.is_nan()))),
        IsInf => return Ok(HostBuffer::Bool(map(v, |x| x.is_infinite()))),
        IsFinite => return Ok(HostBuffer::Bool(map(v, |x| x.is_finite()))),
        BitwiseNot => return Err(dtype_err(&unary_name(op), T::DTYPE)),
    };
    Ok(T::into_buffer(r))
}

fn int_unary<T: Int>(op: UnaryOp, v: &[T]) -> Result<HostBuffer> {
    use UnaryOp::*;
    let r: Vec<T> = match op {
        Neg => map(v, |x| x.wneg()),
        Abs => map(v, |x| x.wabs()),
        Sign => map(v, |x| x.sign()),
        Square => map(v, |x| x.wmul(x)),
        BitwiseNot => map(v, |x| x.not()),
        Floor | Ceil | Round | Trunc => v.to_vec(),
        Relu => map(v, |x| if x < T::ZERO { T::ZERO } else { x }),
        LogicalNot => return Ok(HostBuffer::Bool(map(v, |x| x == T::ZERO))),
        IsNan | IsInf => return Ok(HostBuffer::Bool(vec![false; v.len()])),
        IsFinite => return Ok(HostBuffer::Bool(vec![true; v.len()])),
        _ => return Err(dtype_err(&unary_name(op), T::DTYPE)),
    };
    Ok(T::into_buffer(r))
}

fn bool_unary(op: UnaryOp, v: &[bool]) -> Result<HostBuffer> {
    use UnaryOp::*;
    Ok(HostBuffer::Bool(match op {
        LogicalNot | BitwiseNot => map(v, |x| !x),
        Abs | Sign | Square | Floor | Ceil | Round | Trunc | Relu => v.to_vec(),
        IsNan | IsInf => vec![false; v.len()],
        IsFinite => vec![true; v.len()],
        _ => return Err(dtype_err(&unary_name(op), DType::Bool)),
    }))
}

/// `op(a, b)` with `a_shape` and `b_shape` broadcast to `out_shape`; both operands must share
/// a dtype. Comparisons and logical ops give `bool`, the others keep the dtype.
pub fn binary(
    op: BinaryOp,
    a: &HostBuffer,
    a_shape: &[usize],
    b: &HostBuffer,
    b_shape: &[usize],
    out_shape: &[usize],
) -> Result<HostBuffer> {
    let name = binary_name(op);
    check_len(&name, "first operand", a, numel(a_shape))?;
    check_len(&name, "second operand", b, numel(b_shape))?;
    check_broadcast(&name, &[a_shape, b_shape], out_shape)?;
    let s = (a_shape, b_shape, out_shape);
    match (a, b) {
        (HostBuffer::F32(x), HostBuffer::F32(y)) => float_binary(op, x, y, s),
        (HostBuffer::F64(x), HostBuffer::F64(y)) => float_binary(op, x, y, s),
        (HostBuffer::F16(_), HostBuffer::F16(_)) | (HostBuffer::BF16(_), HostBuffer::BF16(_)) => {
            let x = widen_half(a).expect("half buffer");
            let y = widen_half(b).expect("half buffer");
            Ok(narrow_result(a.dtype(), float_binary(op, &x, &y, s)?))
        }
        (HostBuffer::U8(x), HostBuffer::U8(y)) => int_binary(op, x, y, s),
        (HostBuffer::U16(x), HostBuffer::U16(y)) => int_binary(op, x, y, s),
        (HostBuffer::U32(x), HostBuffer::U32(y)) => int_binary(op, x, y, s),
        (HostBuffer::U64(x), HostBuffer::U64(y)) => int_binary(op, x, y, s),
        (HostBuffer::I8(x), HostBuffer::I8(y)) => int_binary(op, x, y, s),
        (HostBuffer::I16(x), HostBuffer::I16(y)) => int_binary(op, x, y, s),
        (HostBuffer::I32(x), HostBuffer::I32(y)) => int_binary(op, x, y, s),
        (HostBuffer::I64(x), HostBuffer::I64(y)) => int_binary(op, x, y, s),
        (HostBuffer::Bool(x), HostBuffer::Bool(y)) => bool_binary(op, x, y, s),
        _ => Err(mismatch_err(&binary_name(op), a.dtype(), b.dtype())),
    }
}

type Shapes<'a> = (&'a [usize], &'a [usize], &'a [usize]);

/// NumPy's float floor division (`npy_divmod`): consistent with [`float_mod`].
#[inline]
fn float_floordiv<T: Real>(a: T, b: T) -> T {
    let zero = T::zero();
    if b == zero {
        return a / b;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != zero && ((b < zero) != (m < zero)) {
        div = div - T::one();
    }
    if div != zero {
        let fd = div.floor();
        if div - fd > T::of(0.5) {
            fd + T::one()
        } else {
            fd
        }
    } else {
        zero.copysign(a / b)
    }
}

/// Python-style float modulo: the result has the sign of the divisor.
#[inline]
fn float_mod<T: Real>(a: T, b: T) -> T {
    let zero = T::zero();
    let m = a % b;
    if b == zero {
        return m;
    }
    if m != zero {
        if (b < zero) != (m < zero) {
            m + b
        } else {
            m
        }
    } else {
        zero.copysign(b)
    }
}

fn float_binary<T: Real>(op: BinaryOp, a: &[T], b: &[T], s: Shapes) -> Result<HostBuffer> {
    use BinaryOp::*;
    macro_rules! bm {
        (|$x:ident, $y:ident| $e:expr) => {
            binary_map(a, s.0, b, s.1, s.2, |$x: T, $y: T| $e)
        };
    }
    let zero = T::zero();
    let r: Vec<T> = match op {
        Add => bm!(|x, y| x + y),
        Sub => bm!(|x, y| x - y),
        Mul => bm!(|x, y| x * y),
        Div => bm!(|x, y| x / y),
        FloorDiv => bm!(|x, y| float_floordiv(x, y)),
        Mod => bm!(|x, y| float_mod(x, y)),
        Pow => bm!(|x, y| x.powf(y)),
        Maximum => bm!(|x, y| if x > y || x.is_nan() { x } else { y }),
        Minimum => bm!(|x, y| if x < y || x.is_nan() { x } else { y }),
        Atan2 => bm!(|x, y| x.atan2(y)),
        Equal => return Ok(HostBuffer::Bool(bm!(|x, y| x == y))),
        NotEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x != y))),
        Less => return Ok(HostBuffer::Bool(bm!(|x, y| x < y))),
        LessEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x <= y))),
        Greater => return Ok(HostBuffer::Bool(bm!(|x, y| x > y))),
        GreaterEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x >= y))),
        LogicalAnd => return Ok(HostBuffer::Bool(bm!(|x, y| x != zero && y != zero))),
        LogicalOr => return Ok(HostBuffer::Bool(bm!(|x, y| x != zero || y != zero))),
        LogicalXor => return Ok(HostBuffer::Bool(bm!(|x, y| (x != zero) != (y != zero)))),
        BitwiseAnd | BitwiseOr | BitwiseXor | LeftShift | RightShift => {
            return Err(dtype_err(&binary_name(op), T::DTYPE))
        }
    };
    Ok(T::into_buffer(r))
}

fn int_binary<T: Int>(op: BinaryOp, a: &[T], b: &[T], s: Shapes) -> Result<HostBuffer> {
    use BinaryOp::*;
    macro_rules! bm {
        (|$x:ident, $y:ident| $e:expr) => {
            binary_map(a, s.0, b, s.1, s.2, |$x: T, $y: T| $e)
        };
    }
    let zero = T::ZERO;
    let r: Vec<T> = match op {
        Add => bm!(|x, y| x.wadd(y)),
        Sub => bm!(|x, y| x.wsub(y)),
        Mul => bm!(|x, y| x.wmul(y)),
        FloorDiv => bm!(|x, y| x.floordiv(y)),
        Mod => bm!(|x, y| x.pymod(y)),
        Pow => bm!(|x, y| x.ipow(y)),
        Maximum => bm!(|x, y| if x > y { x } else { y }),
        Minimum => bm!(|x, y| if x < y { x } else { y }),
        BitwiseAnd => bm!(|x, y| x.and(y)),
        BitwiseOr => bm!(|x, y| x.or(y)),
        BitwiseXor => bm!(|x, y| x.xor(y)),
        LeftShift => bm!(|x, y| x.shl(y)),
        RightShift => bm!(|x, y| x.shr(y)),
        Equal => return Ok(HostBuffer::Bool(bm!(|x, y| x == y))),
        NotEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x != y))),
        Less => return Ok(HostBuffer::Bool(bm!(|x, y| x < y))),
        LessEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x <= y))),
        Greater => return Ok(HostBuffer::Bool(bm!(|x, y| x > y))),
        GreaterEqual => return Ok(HostBuffer::Bool(bm!(|x, y| x >= y))),
        LogicalAnd => return Ok(HostBuffer::Bool(bm!(|x, y| x != zero && y != zero))),
        LogicalOr => return Ok(HostBuffer::Bool(bm!(|x, y| x != zero || y != zero))),
        LogicalXor => return Ok(HostBuffer::Bool(bm!(|x, y| (x != zero) != (y != zero)))),
        Div | Atan2 => {
            return Err(Error::op(
                &binary_name(op),
                format!(
                    "not defined for integer dtype {} (cast to float first)",
                    T::DTYPE
                ),
            ))
        }
    };
    Ok(T::into_buffer(r))
}

fn bool_binary(op: BinaryOp, a: &[bool], b: &[bool], s: Shapes) -> Result<HostBuffer> {
    use BinaryOp::*;
    macro_rules! bm {
        (|$x:ident, $y:ident| $e:expr) => {
            binary_map(a, s.0, b, s.1, s.2, |$x: bool, $y: bool| $e)
        };
    }
    #[allow(clippy::bool_comparison)]
    let r = match op {
        Add | Maximum | LogicalOr | BitwiseOr => bm!(|x, y| x | y),
        Mul | Minimum | LogicalAnd | BitwiseAnd => bm!(|x, y| x & y),
        LogicalXor | BitwiseXor | NotEqual => bm!(|x, y| x ^ y),
        Equal => bm!(|x, y| x == y),
        Less => bm!(|x, y| !x & y),
        LessEqual => bm!(|x, y| !x | y),
        Greater => bm!(|x, y| x & !y),
        GreaterEqual => bm!(|x, y| x | !y),
        _ => return Err(dtype_err(&binary_name(op), DType::Bool)),
    };
    Ok(HostBuffer::Bool(r))
}

/// `where(cond, a, b)` with all three broadcast to `out_shape`. A non-bool `cond` counts
/// non-zero elements as true.
pub fn select(
    cond: &HostBuffer,
    cond_shape: &[usize],
    a: &HostBuffer,
    a_shape: &[usize],
    b: &HostBuffer,
    b_shape: &[usize],
    out_shape: &[usize],
) -> Result<HostBuffer> {
    check_len("where", "condition", cond, numel(cond_shape))?;
    check_len("where", "first operand", a, numel(a_shape))?;
    check_len("where", "second operand", b, numel(b_shape))?;
    check_broadcast("where", &[cond_shape, a_shape, b_shape], out_shape)?;
    let owned;
    let c: &[bool] = match cond {
        HostBuffer::Bool(v) => v,
        other => {
            owned = truthy(other);
            &owned
        }
    };
    with_pair!(a, b, x, y => Ok(HostBuffer::from(ternary_map(
        c, cond_shape, x, a_shape, y, b_shape, out_shape,
        |c, x, y| if c { x } else { y },
    ))), else Err(mismatch_err("where", a.dtype(), b.dtype())))
}

/// Non-zero test of every element (NaN counts as true, as NumPy's `astype(bool)`).
pub fn truthy(x: &HostBuffer) -> Vec<bool> {
    match x {
        HostBuffer::Bool(v) => v.clone(),
        HostBuffer::U8(v) => map(v, |x| x != 0),
        HostBuffer::U16(v) => map(v, |x| x != 0),
        HostBuffer::U32(v) => map(v, |x| x != 0),
        HostBuffer::U64(v) => map(v, |x| x != 0),
        HostBuffer::I8(v) => map(v, |x| x != 0),
        HostBuffer::I16(v) => map(v, |x| x != 0),
        HostBuffer::I32(v) => map(v, |x| x != 0),
        HostBuffer::I64(v) => map(v, |x| x != 0),
        HostBuffer::BF16(v) => map(v, |x| x.to_f32() != 0.0),
        HostBuffer::F16(v) => map(v, |x| x.to_f32() != 0.0),
        HostBuffer::F32(v) => map(v, |x| x != 0.0),
        HostBuffer::F64(v) => map(v, |x| x != 0.0),
    }
}

/// Clamps every element to `[lo, hi]` (`min(max(x, lo), hi)` as NumPy, so NaN stays NaN).
/// Integer bounds saturate to the dtype's range.
pub fn clip(x: &HostBuffer, lo: f64, hi: f64) -> Result<HostBuffer> {
    fn clamp<T: PartialOrd + Copy>(x: T, lo: T, hi: T) -> T {
        let y = if x < lo { lo } else { x };
        if y > hi {
            hi
        } else {
            y
        }
    }
    fn float<T: Real>(v: &[T], lo: f64, hi: f64) -> Vec<T> {
        let (lo, hi) = (T::of(lo), T::of(hi));
        map(v, |x| clamp(x, lo, hi))
    }
    fn int<T: Int>(v: &[T], lo: f64, hi: f64) -> HostBuffer {
        let (lo, hi) = (T::saturate(lo), T::saturate(hi));
        T::into_buffer(map(v, |x| clamp(x, lo, hi)))
    }
    Ok(match x {
        HostBuffer::F32(v) => HostBuffer::F32(float(v, lo, hi)),
        HostBuffer::F64(v) => HostBuffer::F64(float(v, lo, hi)),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let w = widen_half(x).expect("half buffer");
            narrow_result(x.dtype(), HostBuffer::F32(float(&w, lo, hi)))
        }
        HostBuffer::U8(v) => int(v, lo, hi),
        HostBuffer::U16(v) => int(v, lo, hi),
        HostBuffer::U32(v) => int(v, lo, hi),
        HostBuffer::U64(v) => int(v, lo, hi),
        HostBuffer::I8(v) => int(v, lo, hi),
        HostBuffer::I16(v) => int(v, lo, hi),
        HostBuffer::I32(v) => int(v, lo, hi),
        HostBuffer::I64(v) => int(v, lo, hi),
        HostBuffer::Bool(v) => {
            let (lo, hi) = (lo != 0.0, hi != 0.0);
            HostBuffer::Bool(map(v, |x| clamp(x, lo, hi)))
        }
    })
}

/// Converts to `dtype` with NumPy `astype` semantics (float → int truncates, NaN → 0,
/// anything → bool is a non-zero test). Common float conversions take vectorised paths.
pub fn cast(x: &HostBuffer, dtype: DType) -> HostBuffer {
    if x.dtype() == dtype {
        return x.clone();
    }
    match (x, dtype) {
        (HostBuffer::F32(v), DType::F64) => HostBuffer::F64(map(v, |x| x as f64)),
        (HostBuffer::F64(v), DType::F32) => HostBuffer::F32(map(v, |x| x as f32)),
        (HostBuffer::F32(v), DType::F16) => {
            let mut out = vec![f16::ZERO; v.len()];
            out.convert_from_f32_slice(v);
            HostBuffer::F16(out)
        }
        (HostBuffer::F32(v), DType::BF16) => {
            let mut out = vec![bf16::ZERO; v.len()];
            out.convert_from_f32_slice(v);
            HostBuffer::BF16(out)
        }
        (HostBuffer::F16(_) | HostBuffer::BF16(_), DType::F32) => {
            HostBuffer::F32(widen_half(x).expect("half buffer"))
        }
        (HostBuffer::F16(_) | HostBuffer::BF16(_), DType::F64) => {
            HostBuffer::F64(map(&widen_half(x).expect("half buffer"), |x| x as f64))
        }
        (HostBuffer::F16(_), DType::BF16) | (HostBuffer::BF16(_), DType::F16) => {
            let w = widen_half(x).expect("half buffer");
            narrow_result(dtype, HostBuffer::F32(w))
        }
        (_, DType::Bool) => HostBuffer::Bool(truthy(x)),
        (HostBuffer::Bool(v), DType::F32) => HostBuffer::F32(map(v, |x| x as u8 as f32)),
        (HostBuffer::I32(v), DType::F32) => HostBuffer::F32(map(v, |x| x as f32)),
        (HostBuffer::I64(v), DType::F32) => HostBuffer::F32(map(v, |x| x as f32)),
        (HostBuffer::U8(v), DType::F32) => HostBuffer::F32(map(v, |x| x as f32)),
        (HostBuffer::F32(v), DType::I32) => HostBuffer::I32(map(v, |x| i32::from_f64(x as f64))),
        (HostBuffer::F32(v), DType::I64) => HostBuffer::I64(map(v, |x| i64::from_f64(x as f64))),
        _ => x.cast(dtype),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(b: &HostBuffer) -> Vec<f64> {
        b.to_f64_vec()
    }

    #[test]
    fn float_mod_and_floordiv_follow_python() {
        let a = HostBuffer::F64(vec![7.0, -7.0, 7.0, -7.0, 6.0, 5.5, 1.0]);
        let b = HostBuffer::F64(vec![2.0, 2.0, -2.0, -2.0, -3.0, 0.0, 0.0]);
        let s = [7];
        let m = binary(BinaryOp::Mod, &a, &s, &b, &s, &s).unwrap();
        let m = f64s(&m);
        assert_eq!(&m[..4], &[1.0, 1.0, -1.0, -1.0]);
        assert_eq!(m[4], 0.0);
        assert!(m[4].is_sign_negative(), "0 takes the divisor's sign");
        assert!(m[5].is_nan());
        let d = f64s(&binary(BinaryOp::FloorDiv, &a, &s, &b, &s, &s).unwrap());
        assert_eq!(&d[..5], &[3.0, -4.0, -4.0, 3.0, -2.0]);
        assert_eq!(d[6], f64::INFINITY);
    }

    #[test]
    fn int_ops_wrap_and_never_panic() {
        let a = HostBuffer::I8(vec![127, -128, 7, -7, 5]);
        let b = HostBuffer::I8(vec![1, -1, -2, 2, 0]);
        let s = [5];
        let add = binary(BinaryOp::Add, &a, &s, &b, &s, &s).unwrap();
        assert_eq!(add, HostBuffer::I8(vec![-128, 127, 5, -5, 5]));
        let fd = binary(BinaryOp::FloorDiv, &a, &s, &b, &s, &s).unwrap();
        assert_eq!(fd, HostBuffer::I8(vec![127, -128, -4, -4, 0]));
        let m = binary(BinaryOp::Mod, &a, &s, &b, &s, &s).unwrap();
        assert_eq!(m, HostBuffer::I8(vec![0, 0, -1, 1, 0]));
        assert!(binary(BinaryOp::Div, &a, &s, &b, &s, &s).is_err());
        let p = binary(
            BinaryOp::Pow,
            &HostBuffer::I32(vec![2, -1, 3]),
            &[3],
            &HostBuffer::I32(vec![-1]),
            &[1],
            &[3],
        )
        .unwrap();
        assert_eq!(p, HostBuffer::I32(vec![0, -1, 0]));
    }

    #[test]
    fn maximum_propagates_nan_and_comparisons_give_bool() {
        let a = HostBuffer::F32(vec![1.0, f32::NAN, 3.0]);
        let b = HostBuffer::F32(vec![f32::NAN, 2.0, 2.0]);
        let s = [3];
        let m = f64s(&binary(BinaryOp::Maximum, &a, &s, &b, &s, &s).unwrap());
        assert!(m[0].is_nan() && m[1].is_nan() && m[2] == 3.0);
        let m = f64s(&binary(BinaryOp::Minimum, &a, &s, &b, &s, &s).unwrap());
        assert!(m[0].is_nan() && m[1].is_nan() && m[2] == 2.0);
        let g = binary(BinaryOp::Greater, &a, &s, &b, &s, &s).unwrap();
        assert_eq!(g, HostBuffer::Bool(vec![false, false, true]));
    }

    #[test]
    fn half_broadcast_add_rounds_back() {
        let a = HostBuffer::from(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).cast(DType::F16);
        let b = HostBuffer::from(vec![0.5f32, 0.25, 0.125]).cast(DType::F16);
        let r = binary(BinaryOp::Add, &a, &[2, 3], &b, &[1, 3], &[2, 3]).unwrap();
        assert_eq!(r.dtype(), DType::F16);
        assert_eq!(f64s(&r), vec![1.5, 2.25, 3.125, 4.5, 5.25, 6.125]);
    }

    #[test]
    fn unary_specials() {
        let x = HostBuffer::F64(vec![0.5, 1.5, 2.5, -0.5, -2.5, f64::NAN]);
        let r = f64s(&unary(UnaryOp::Round, &x).unwrap());
        assert_eq!(&r[..5], &[0.0, 2.0, 2.0, -0.0, -2.0]);
        let s = f64s(&unary(UnaryOp::Sign, &x).unwrap());
        assert_eq!(&s[..5], &[1.0, 1.0, 1.0, -1.0, -1.0]);
        assert!(s[5].is_nan());
        let big = HostBuffer::F32(vec![-1000.0, 0.0, 1000.0, 30.0]);
        let sg = f64s(&unary(UnaryOp::Sigmoid, &big).unwrap());
        assert_eq!(&sg[..3], &[0.0, 0.5, 1.0]);
        let sp = f64s(&unary(UnaryOp::Softplus, &big).unwrap());
        assert_eq!(sp[0], 0.0);
        assert!((sp[1] - std::f64::consts::LN_2).abs() < 1e-7);
        assert_eq!(sp[2], 1000.0);
        assert!((sp[3] - 30.0).abs() < 1e-5);
        let e = f64s(&unary(UnaryOp::Erf, &HostBuffer::F32(vec![0.5])).unwrap());
        assert!((e[0] - 0.520_499_877_813_046_5).abs() < 1e-7);
        let i = unary(UnaryOp::Abs, &HostBuffer::I8(vec![-128, -3, 4])).unwrap();
        assert_eq!(i, HostBuffer::I8(vec![-128, 3, 4]));
        assert!(unary(UnaryOp::Sqrt, &HostBuffer::I32(vec![4])).is_err());
        let n = unary(UnaryOp::IsNan, &x).unwrap();
        assert_eq!(
            n,
            HostBuffer::Bool(vec![false, false, false, false, false, true])
        );
    }

    #[test]
    fn bool_and_bitwise() {
        let a = HostBuffer::Bool(vec![true, false]);
        let b = HostBuffer::Bool(vec![true]);
        let r = binary(BinaryOp::LogicalXor, &a, &[2], &b, &[1], &[2]).unwrap();
        assert_eq!(r, HostBuffer::Bool(vec![false, true]));
        let r = binary(BinaryOp::Less, &a, &[2], &b, &[1], &[2]).unwrap();
        assert_eq!(r, HostBuffer::Bool(vec![false, true]));
        let x = HostBuffer::I32(vec![1, -8, 12]);
        let y = HostBuffer::I32(vec![3, 1, 40]);
        let r = binary(BinaryOp::RightShift, &x, &[3], &y, &[3], &[3]).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![0, -4, 0]));
        assert!(binary(BinaryOp::Add, &x, &[3], &a, &[2], &[3]).is_err());
    }

    #[test]
    fn select_clip_cast() {
        let c = HostBuffer::Bool(vec![true, false]);
        let a = HostBuffer::I32(vec![1, 2, 3]);
        let b = HostBuffer::I32(vec![9]);
        let r = select(&c, &[1, 2], &a, &[3, 1], &b, &[1, 1], &[3, 2]).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![1, 9, 2, 9, 3, 9]));
        let x = HostBuffer::I8(vec![-100, 0, 100]);
        assert_eq!(
            clip(&x, -1000.0, 50.0).unwrap(),
            HostBuffer::I8(vec![-100, 0, 50])
        );
        let f = HostBuffer::F32(vec![f32::NAN, -2.0, 2.0]);
        let r = f64s(&clip(&f, -1.0, 1.0).unwrap());
        assert!(r[0].is_nan() && r[1] == -1.0 && r[2] == 1.0);
        let h = cast(&HostBuffer::F32(vec![1.5, f32::NAN, -2.7]), DType::I32);
        assert_eq!(h, HostBuffer::I32(vec![1, 0, -2]));
        let h = cast(&HostBuffer::F32(vec![1.0, 65520.0]), DType::F16);
        assert_eq!(h.to_f64_vec(), vec![1.0, f64::INFINITY]);
        let bb = cast(&HostBuffer::F32(vec![0.0, f32::NAN]), DType::Bool);
        assert_eq!(bb, HostBuffer::Bool(vec![false, true]));
    }
}
