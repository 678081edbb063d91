//! Host-side typed buffers: how data enters and leaves every backend.

use half::{bf16, f16};

use crate::{DType, Error, Result};

/// A contiguous, row-major buffer of one dtype in host memory.
///
/// ```
/// use keras_backend::{DType, HostBuffer};
/// let b = HostBuffer::from(vec![1.0f32, 2.5]);
/// assert_eq!(b.dtype(), DType::F32);
/// assert_eq!(b.cast(DType::I32).to_f64_vec(), vec![1.0, 2.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum HostBuffer {
    /// `bool`
    Bool(Vec<bool>),
    /// `uint8`
    U8(Vec<u8>),
    /// `uint16`
    U16(Vec<u16>),
    /// `uint32`
    U32(Vec<u32>),
    /// `uint64`
    U64(Vec<u64>),
    /// `int8`
    I8(Vec<i8>),
    /// `int16`
    I16(Vec<i16>),
    /// `int32`
    I32(Vec<i32>),
    /// `int64`
    I64(Vec<i64>),
    /// `bfloat16`
    BF16(Vec<bf16>),
    /// `float16`
    F16(Vec<f16>),
    /// `float32`
    F32(Vec<f32>),
    /// `float64`
    F64(Vec<f64>),
}

/// Runs `$body` with `$v` bound to the typed `Vec` inside a [`HostBuffer`] (by reference).
#[macro_export]
macro_rules! with_buffer {
    ($buf:expr, $v:ident => $body:expr) => {
        match $buf {
            $crate::HostBuffer::Bool($v) => $body,
            $crate::HostBuffer::U8($v) => $body,
            $crate::HostBuffer::U16($v) => $body,
            $crate::HostBuffer::U32($v) => $body,
            $crate::HostBuffer::U64($v) => $body,
            $crate::HostBuffer::I8($v) => $body,
            $crate::HostBuffer::I16($v) => $body,
            $crate::HostBuffer::I32($v) => $body,
            $crate::HostBuffer::I64($v) => $body,
            $crate::HostBuffer::BF16($v) => $body,
            $crate::HostBuffer::F16($v) => $body,
            $crate::HostBuffer::F32($v) => $body,
            $crate::HostBuffer::F64($v) => $body,
        }
    };
}

/// A Rust scalar type that is the storage type of one [`DType`].
///
/// Conversions through `f64` and `i64` follow NumPy's `astype` (float → int truncates
/// toward zero; NaN → 0; out-of-range wraps like a C cast of the `i64` value).
pub trait Element: Copy + Send + Sync + PartialOrd + std::fmt::Debug + 'static {
    /// The dtype this type stores.
    const DTYPE: DType;
    /// Converts to `f64` (bool → 0/1).
    fn to_f64(self) -> f64;
    /// Converts from `f64` (rounding/truncating as `astype` does).
    fn from_f64(v: f64) -> Self;
    /// Converts to `i64` exactly for integers, truncating for floats.
    fn to_i64(self) -> i64;
    /// Converts from `i64` (wrapping for narrower integers).
    fn from_i64(v: i64) -> Self;
    /// Wraps a vector of this type into a [`HostBuffer`].
    fn into_buffer(v: Vec<Self>) -> HostBuffer;
    /// Borrows the vector if the buffer has this type.
    fn slice(buf: &HostBuffer) -> Option<&[Self]>;
}

macro_rules! int_element {
    ($t:ty, $dt:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$dt;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                if v.is_nan() {
                    0
                } else {
                    (v as i64) as $t
                }
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn into_buffer(v: Vec<Self>) -> HostBuffer {
                HostBuffer::$dt(v)
            }
            fn slice(buf: &HostBuffer) -> Option<&[Self]> {
                match buf {
                    HostBuffer::$dt(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
int_element!(u8, U8);
int_element!(u16, U16);
int_element!(u32, U32);
int_element!(u64, U64);
int_element!(i8, I8);
int_element!(i16, I16);
int_element!(i32, I32);
int_element!(i64, I64);

macro_rules! float_element {
    ($t:ty, $dt:ident, $from:expr, $to:expr) => {
        impl Element for $t {
            const DTYPE: DType = DType::$dt;
            fn to_f64(self) -> f64 {
                #[allow(clippy::redundant_closure_call)]
                ($to)(self)
            }
            fn from_f64(v: f64) -> Self {
                #[allow(clippy::redundant_closure_call)]
                ($from)(v)
            }
            fn to_i64(self) -> i64 {
                let f = self.to_f64();
                if f.is_nan() {
                    0
                } else {
                    f as i64
                }
            }
            fn from_i64(v: i64) -> Self {
                Self::from_f64(v as f64)
            }
            fn into_buffer(v: Vec<Self>) -> HostBuffer {
                HostBuffer::$dt(v)
            }
            fn slice(buf: &HostBuffer) -> Option<&[Self]> {
                match buf {
                    HostBuffer::$dt(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
float_element!(f32, F32, |v: f64| v as f32, |x: f32| x as f64);
float_element!(f64, F64, |v: f64| v, |x: f64| x);
float_element!(f16, F16, f16::from_f64, |x: f16| x.to_f64());
float_element!(bf16, BF16, bf16::from_f64, |x: bf16| x.to_f64());

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn into_buffer(v: Vec<Self>) -> HostBuffer {
        HostBuffer::Bool(v)
    }
    fn slice(buf: &HostBuffer) -> Option<&[Self]> {
        match buf {
            HostBuffer::Bool(v) => Some(v),
            _ => None,
        }
    }
}

impl<T: Element> From<Vec<T>> for HostBuffer {
    fn from(v: Vec<T>) -> Self {
        T::into_buffer(v)
    }
}

fn convert<S: Element, D: Element>(src: &[S]) -> Vec<D> {
    if S::DTYPE.is_float() || D::DTYPE.is_float() {
        src.iter().map(|&x| D::from_f64(x.to_f64())).collect()
    } else {
        src.iter().map(|&x| D::from_i64(x.to_i64())).collect()
    }
}

impl HostBuffer {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            HostBuffer::Bool(_) => DType::Bool,
            HostBuffer::U8(_) => DType::U8,
            HostBuffer::U16(_) => DType::U16,
            HostBuffer::U32(_) => DType::U32,
            HostBuffer::U64(_) => DType::U64,
            HostBuffer::I8(_) => DType::I8,
            HostBuffer::I16(_) => DType::I16,
            HostBuffer::I32(_) => DType::I32,
            HostBuffer::I64(_) => DType::I64,
            HostBuffer::BF16(_) => DType::BF16,
            HostBuffer::F16(_) => DType::F16,
            HostBuffer::F32(_) => DType::F32,
            HostBuffer::F64(_) => DType::F64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        with_buffer!(self, v => v.len())
    }

    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A buffer of `n` copies of `value` (converted to `dtype`).
    pub fn filled(dtype: DType, n: usize, value: f64) -> HostBuffer {
        HostBuffer::from(vec![value; n]).cast(dtype)
    }

    /// A buffer of `n` zeros.
    pub fn zeros(dtype: DType, n: usize) -> HostBuffer {
        Self::filled(dtype, n, 0.0)
    }

    /// Converts every element to `dtype` with NumPy `astype` semantics.
    pub fn cast(&self, dtype: DType) -> HostBuffer {
        if self.dtype() == dtype {
            return self.clone();
        }
        fn to<D: Element>(b: &HostBuffer) -> Vec<D> {
            with_buffer!(b, v => convert::<_, D>(v))
        }
        match dtype {
            DType::Bool => HostBuffer::Bool(to(self)),
            DType::U8 => HostBuffer::U8(to(self)),
            DType::U16 => HostBuffer::U16(to(self)),
            DType::U32 => HostBuffer::U32(to(self)),
            DType::U64 => HostBuffer::U64(to(self)),
            DType::I8 => HostBuffer::I8(to(self)),
            DType::I16 => HostBuffer::I16(to(self)),
            DType::I32 => HostBuffer::I32(to(self)),
            DType::I64 => HostBuffer::I64(to(self)),
            DType::BF16 => HostBuffer::BF16(to(self)),
            DType::F16 => HostBuffer::F16(to(self)),
            DType::F32 => HostBuffer::F32(to(self)),
            DType::F64 => HostBuffer::F64(to(self)),
        }
    }

    /// The elements as `f64` (exact for every dtype but very large int64 values).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        with_buffer!(self, v => v.iter().map(|x| x.to_f64()).collect())
    }

    /// The elements as `i64` (floats truncate toward zero).
    pub fn to_i64_vec(&self) -> Vec<i64> {
        with_buffer!(self, v => v.iter().map(|x| x.to_i64()).collect())
    }

    /// Borrows the elements as `&[T]`, or errors if the dtype differs.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        T::slice(self).ok_or_else(|| {
            Error::msg(format!(
                "buffer holds {} but {} was requested",
                self.dtype(),
                T::DTYPE
            ))
        })
    }

    /// Element `i` as `f64`.
    pub fn get_f64(&self, i: usize) -> f64 {
        with_buffer!(self, v => v[i].to_f64())
    }

    /// A new buffer holding the elements at `indices`, in that order.
    pub fn gather(&self, indices: &[usize]) -> HostBuffer {
        with_buffer!(self, v => HostBuffer::from(indices.iter().map(|&i| v[i]).collect::<Vec<_>>()))
    }
}
