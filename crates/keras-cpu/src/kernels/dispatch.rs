//! Shared plumbing of the CPU kernels: shape arithmetic, the scalar traits the generic
//! kernels are written against ([`Real`], [`Int`]), half-precision widening, and small
//! helpers for reading index buffers and naming dtype errors.

use std::borrow::Cow;

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};
use keras_backend::{DType, Element, Error, HostBuffer, Result};

use super::special;
use super::Float;

/// Element count from which kernels split their work over rayon's threads.
pub const PAR_MIN: usize = 1 << 16;

/// Elements per parallel task (a multiple of 64 so float chunks stay aligned to lanes).
pub const PAR_CHUNK: usize = 1 << 15;

/// Number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major element strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        s[i] = acc;
        acc *= shape[i];
    }
    s
}

/// Splits `shape` around `axis` into `(outer, shape[axis], inner)` element counts.
pub fn split_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        numel(&shape[..axis]),
        shape[axis],
        numel(&shape[axis + 1..]),
    )
}

/// An error naming `op` for an unsupported dtype.
pub fn dtype_err(op: &str, dtype: DType) -> Error {
    Error::op(
        op,
        format!("not supported for dtype {dtype} on the cpu backend"),
    )
}

/// An error naming `op` for operands of different dtypes.
pub fn mismatch_err(op: &str, a: DType, b: DType) -> Error {
    Error::op(op, format!("operands must share a dtype, got {a} and {b}"))
}

/// Checks that a buffer holds `expected` elements (guards the kernels against bad shapes).
pub fn check_len(op: &str, what: &str, buf: &HostBuffer, expected: usize) -> Result<()> {
    if buf.len() != expected {
        return Err(Error::op(
            op,
            format!(
                "{what} holds {} elements but its shape needs {expected}",
                buf.len()
            ),
        ));
    }
    Ok(())
}

/// Checks that `axis` is a dim of `shape`.
pub fn check_axis(op: &str, shape: &[usize], axis: usize) -> Result<()> {
    if axis >= shape.len() {
        return Err(Error::op(
            op,
            format!("axis {axis} is out of range for shape {shape:?}"),
        ));
    }
    Ok(())
}

/// Checks that every axis of `axes` is a dim of `shape`.
pub fn check_axes(op: &str, shape: &[usize], axes: &[usize]) -> Result<()> {
    axes.iter().try_for_each(|&a| check_axis(op, shape, a))
}

/// Checks that each of `shapes` broadcasts to `out` (right-aligned, dims 1 or equal).
pub fn check_broadcast(op: &str, shapes: &[&[usize]], out: &[usize]) -> Result<()> {
    for s in shapes {
        let ok = s.len() <= out.len()
            && s.iter()
                .rev()
                .zip(out.iter().rev())
                .all(|(&d, &o)| d == 1 || d == o);
        if !ok {
            return Err(Error::op(
                op,
                format!("shape {s:?} does not broadcast to {out:?}"),
            ));
        }
    }
    Ok(())
}

/// The elements of an integer index buffer as `i64` (borrowed when already int64).
pub fn indices_i64<'a>(op: &str, buf: &'a HostBuffer) -> Result<Cow<'a, [i64]>> {
    match buf {
        HostBuffer::I64(v) => Ok(Cow::Borrowed(v)),
        b if b.dtype().is_int() => Ok(Cow::Owned(b.to_i64_vec())),
        b => Err(Error::op(
            op,
            format!("indices must be integers, got {}", b.dtype()),
        )),
    }
}

/// Converts index `i` (already validated) to `usize`, erroring when it is out of `0..n`.
#[inline]
pub fn checked_index(op: &str, i: i64, n: usize) -> Result<usize> {
    if i < 0 || i as u64 >= n as u64 {
        return Err(Error::op(
            op,
            format!("index {i} is out of range for size {n}"),
        ));
    }
    Ok(i as usize)
}

/// Checks every index of `idx` against `0..n`.
pub fn check_indices(op: &str, idx: &[i64], n: usize) -> Result<()> {
    for &i in idx {
        checked_index(op, i, n)?;
    }
    Ok(())
}

/// Matches two buffers of the same dtype, binding their typed slices to `$x` and `$y` in
/// `$body`; any other pair evaluates `$err`.
macro_rules! with_pair {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr, else $err:expr) => {
        match ($a, $b) {
            (HostBuffer::Bool($x), HostBuffer::Bool($y)) => $body,
            (HostBuffer::U8($x), HostBuffer::U8($y)) => $body,
            (HostBuffer::U16($x), HostBuffer::U16($y)) => $body,
            (HostBuffer::U32($x), HostBuffer::U32($y)) => $body,
            (HostBuffer::U64($x), HostBuffer::U64($y)) => $body,
            (HostBuffer::I8($x), HostBuffer::I8($y)) => $body,
            (HostBuffer::I16($x), HostBuffer::I16($y)) => $body,
            (HostBuffer::I32($x), HostBuffer::I32($y)) => $body,
            (HostBuffer::I64($x), HostBuffer::I64($y)) => $body,
            (HostBuffer::BF16($x), HostBuffer::BF16($y)) => $body,
            (HostBuffer::F16($x), HostBuffer::F16($y)) => $body,
            (HostBuffer::F32($x), HostBuffer::F32($y)) => $body,
            (HostBuffer::F64($x), HostBuffer::F64($y)) => $body,
            _ => $err,
        }
    };
}
pub(crate) use with_pair;

/// Runs `$body` with the type alias `$T` set to the storage type of the dtype `$dt`.
macro_rules! with_dtype {
    ($dt:expr, $T:ident => $body:expr) => {
        match $dt {
            DType::Bool => {
                type $T = bool;
                $body
            }
            DType::U8 => {
                type $T = u8;
                $body
            }
            DType::U16 => {
                type $T = u16;
                $body
            }
            DType::U32 => {
                type $T = u32;
                $body
            }
            DType::U64 => {
                type $T = u64;
                $body
            }
            DType::I8 => {
                type $T = i8;
                $body
            }
            DType::I16 => {
                type $T = i16;
                $body
            }
            DType::I32 => {
                type $T = i32;
                $body
            }
            DType::I64 => {
                type $T = i64;
                $body
            }
            DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            DType::F16 => {
                type $T = half::f16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_dtype;

/// Half-precision element types, computed by widening to `f32`.
pub trait Half: Element {
    /// Exact conversion of a slice to `f32`.
    fn widen(v: &[Self]) -> Vec<f32>;
    /// Round-to-nearest-even conversion of `f32` values.
    fn narrow(v: &[f32]) -> Vec<Self>;
}

macro_rules! impl_half {
    ($t:ty) => {
        impl Half for $t {
            fn widen(v: &[Self]) -> Vec<f32> {
                v.to_f32_vec()
            }
            fn narrow(v: &[f32]) -> Vec<Self> {
                let mut out = vec![<$t>::ZERO; v.len()];
                out.convert_from_f32_slice(v);
                out
            }
        }
    };
}
impl_half!(f16);
impl_half!(bf16);

/// Widens a half-precision buffer to `f32`; `None` for every other dtype.
pub fn widen_half(buf: &HostBuffer) -> Option<Vec<f32>> {
    match buf {
        HostBuffer::F16(v) => Some(f16::widen(v)),
        HostBuffer::BF16(v) => Some(bf16::widen(v)),
        _ => None,
    }
}

/// Narrows an `f32` buffer back to the half dtype `dtype` (other dtypes: unchanged `f32`).
pub fn narrow_to(dtype: DType, v: Vec<f32>) -> HostBuffer {
    match dtype {
        DType::F16 => HostBuffer::F16(f16::narrow(&v)),
        DType::BF16 => HostBuffer::BF16(bf16::narrow(&v)),
        _ => HostBuffer::F32(v),
    }
}

/// Narrows a kernel result computed in `f32` for a half input: `f32` buffers become `dtype`,
/// every other result (bool, int32 indices) is kept.
pub fn narrow_result(dtype: DType, r: HostBuffer) -> HostBuffer {
    match r {
        HostBuffer::F32(v) => narrow_to(dtype, v),
        other => other,
    }
}

/// Float scalars (`f32`, `f64`) with the few functions `num_traits::Float` lacks.
pub trait Real: Float {
    /// Round half to even.
    fn round_even(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// The inverse error function.
    fn erfinv(self) -> Self;
    /// Conversion from `f64` (rounding).
    fn of(v: f64) -> Self;
    /// `exp`, vectorisable for `f32` (see [`special::exp_f32`]).
    fn vexp(self) -> Self;
    /// `tanh`, vectorisable for `f32`.
    fn vtanh(self) -> Self;
    /// `ln(1 + exp(x))` computed stably, vectorisable for `f32`.
    fn vsoftplus(self) -> Self;
}

impl Real for f32 {
    #[inline]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    #[inline]
    fn erf(self) -> Self {
        special::erf_f32(self)
    }
    #[inline]
    fn erfinv(self) -> Self {
        special::erfinv(self as f64) as f32
    }
    #[inline]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn vexp(self) -> Self {
        special::exp_f32(self)
    }
    #[inline(always)]
    fn vtanh(self) -> Self {
        special::tanh_f32(self)
    }
    #[inline(always)]
    fn vsoftplus(self) -> Self {
        special::softplus_f32(self)
    }
}

impl Real for f64 {
    #[inline]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    #[inline]
    fn erf(self) -> Self {
        special::erf(self)
    }
    #[inline]
    fn erfinv(self) -> Self {
        special::erfinv(self)
    }
    #[inline]
    fn of(v: f64) -> Self {
        v
    }
    #[inline]
    fn vexp(self) -> Self {
        self.exp()
    }
    #[inline]
    fn vtanh(self) -> Self {
        self.tanh()
    }
    #[inline]
    fn vsoftplus(self) -> Self {
        (-self.abs()).exp().ln_1p() + if self > 0.0 { self } else { 0.0 }
    }
}

/// Integer scalars with NumPy/JAX semantics: wrapping arithmetic, Python-style floor
/// division and modulo (0 for a zero divisor), integer powers and saturating shifts.
pub trait Int: Element + Ord + Default + std::hash::Hash {
    /// Smallest value.
    const MIN: Self;
    /// Largest value.
    const MAX: Self;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Wrapping `a + b`.
    fn wadd(self, b: Self) -> Self;
    /// Wrapping `a - b`.
    fn wsub(self, b: Self) -> Self;
    /// Wrapping `a * b`.
    fn wmul(self, b: Self) -> Self;
    /// Wrapping negation.
    fn wneg(self) -> Self;
    /// Wrapping absolute value.
    fn wabs(self) -> Self;
    /// -1, 0 or 1.
    fn sign(self) -> Self;
    /// Python `a // b` (0 when `b == 0`).
    fn floordiv(self, b: Self) -> Self;
    /// Python `a % b` (0 when `b == 0`).
    fn pymod(self, b: Self) -> Self;
    /// `a ** b` with wrapping; negative exponents give 0 unless `|a| == 1`.
    fn ipow(self, b: Self) -> Self;
    /// Left shift; shifts outside `0..bits` give 0.
    fn shl(self, b: Self) -> Self;
    /// Right shift (arithmetic for signed); shifts outside `0..bits` give 0 or -1.
    fn shr(self, b: Self) -> Self;
    /// Bitwise not.
    fn not(self) -> Self;
    /// Bitwise and.
    fn and(self, b: Self) -> Self;
    /// Bitwise or.
    fn or(self, b: Self) -> Self;
    /// Bitwise xor.
    fn xor(self, b: Self) -> Self;
    /// Conversion from `f64`, saturating at the type's range (NaN → 0).
    fn saturate(v: f64) -> Self;
}

macro_rules! impl_int {
    ($t:ty, signed: $signed:expr) => {
        impl Int for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            const ZERO: Self = 0;
            const ONE: Self = 1;
            #[inline]
            fn wadd(self, b: Self) -> Self {
                self.wrapping_add(b)
            }
            #[inline]
            fn wsub(self, b: Self) -> Self {
                self.wrapping_sub(b)
            }
            #[inline]
            fn wmul(self, b: Self) -> Self {
                self.wrapping_mul(b)
            }
            #[inline]
            fn wneg(self) -> Self {
                self.wrapping_neg()
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn wabs(self) -> Self {
                if self < 0 {
                    self.wrapping_neg()
                } else {
                    self
                }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn sign(self) -> Self {
                if self > 0 {
                    1
                } else if self < 0 {
                    (0 as $t).wrapping_sub(1)
                } else {
                    0
                }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn floordiv(self, b: Self) -> Self {
                if b == 0 {
                    return 0;
                }
                let q = self.wrapping_div(b);
                let r = self.wrapping_rem(b);
                if $signed && r != 0 && ((r < 0) != (b < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn pymod(self, b: Self) -> Self {
                if b == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(b);
                if $signed && r != 0 && ((r < 0) != (b < 0)) {
                    r.wrapping_add(b)
                } else {
                    r
                }
            }
            #[allow(unused_comparisons)]
            fn ipow(self, b: Self) -> Self {
                if b < 0 {
                    // Only reachable for signed types.
                    let minus_one = (0 as $t).wrapping_sub(1);
                    return if self == 1 {
                        1
                    } else if $signed && self == minus_one {
                        if b & 1 == 0 {
                            1
                        } else {
                            minus_one
                        }
                    } else {
                        0
                    };
                }
                let mut base = self;
                let mut e = b;
                let mut acc: $t = 1;
                while e != 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    e >>= 1;
                    if e != 0 {
                        base = base.wrapping_mul(base);
                    }
                }
                acc
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn shl(self, b: Self) -> Self {
                if b < 0 || (b as u64) >= <$t>::BITS as u64 {
                    0
                } else {
                    self << (b as u32)
                }
            }
            #[inline]
            #[allow(unused_comparisons)]
            fn shr(self, b: Self) -> Self {
                if b < 0 || (b as u64) >= <$t>::BITS as u64 {
                    if self < 0 {
                        (0 as $t).wrapping_sub(1)
                    } else {
                        0
                    }
                } else {
                    self >> (b as u32)
                }
            }
            #[inline]
            fn not(self) -> Self {
                !self
            }
            #[inline]
            fn and(self, b: Self) -> Self {
                self & b
            }
            #[inline]
            fn or(self, b: Self) -> Self {
                self | b
            }
            #[inline]
            fn xor(self, b: Self) -> Self {
                self ^ b
            }
            fn saturate(v: f64) -> Self {
                if v.is_nan() {
                    0
                } else if v <= <$t>::MIN as f64 {
                    <$t>::MIN
                } else if v >= <$t>::MAX as f64 {
                    <$t>::MAX
                } else {
                    v as $t
                }
            }
        }
    };
}
impl_int!(u8, signed: false);
impl_int!(u16, signed: false);
impl_int!(u32, signed: false);
impl_int!(u64, signed: false);
impl_int!(i8, signed: true);
impl_int!(i16, signed: true);
impl_int!(i32, signed: true);
impl_int!(i64, signed: true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floordiv_and_mod_signs() {
        assert_eq!(7i32.floordiv(2), 3);
        assert_eq!((-7i32).floordiv(2), -4);
        assert_eq!(7i32.floordiv(-2), -4);
        assert_eq!((-7i32).floordiv(-2), 3);
        assert_eq!(7i32.pymod(2), 1);
        assert_eq!((-7i32).pymod(2), 1);
        assert_eq!(7i32.pymod(-2), -1);
        assert_eq!((-7i32).pymod(-2), -1);
        assert_eq!(6i32.pymod(-3), 0);
        assert_eq!(5i64.floordiv(0), 0);
        assert_eq!(5i64.pymod(0), 0);
        assert_eq!(i8::MIN.floordiv(-1), i8::MIN);
        assert_eq!(i8::MIN.pymod(-1), 0);
        assert_eq!(200u8.floordiv(7), 28);
        assert_eq!(200u8.pymod(7), 4);
    }

    #[test]
    fn int_pow_and_shifts() {
        assert_eq!(3i32.ipow(4), 81);
        assert_eq!(2i32.ipow(-1), 0);
        assert_eq!(1i32.ipow(-5), 1);
        assert_eq!((-1i32).ipow(-5), -1);
        assert_eq!((-1i32).ipow(-4), 1);
        assert_eq!(0i32.ipow(0), 1);
        assert_eq!(2u8.ipow(9), 0);
        assert_eq!(3i8.ipow(5), (243i32 as i8));
        assert_eq!(1i32.shl(31), i32::MIN);
        assert_eq!(1i32.shl(32), 0);
        assert_eq!((-8i32).shr(1), -4);
        assert_eq!((-8i32).shr(40), -1);
        assert_eq!(8i32.shr(-1), 0);
        assert_eq!(200u8.shr(9), 0);
        assert_eq!(i8::saturate(-1000.0), i8::MIN);
        assert_eq!(u8::saturate(300.5), 255);
        assert_eq!(i32::saturate(f64::NAN), 0);
    }

    #[test]
    fn helpers() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(split_axis(&[2, 3, 4], 1), (2, 3, 4));
        let h = HostBuffer::F16(vec![f16::from_f32(1.5), f16::from_f32(-2.0)]);
        assert_eq!(widen_half(&h).unwrap(), vec![1.5, -2.0]);
        assert_eq!(narrow_to(DType::F16, vec![1.5, -2.0]), h);
        assert!(indices_i64("t", &HostBuffer::F32(vec![1.0])).is_err());
        assert_eq!(
            &*indices_i64("t", &HostBuffer::I32(vec![3])).unwrap(),
            &[3i64]
        );
    }
}
