//! Conversions: `convert_to_tensor` / `array` from nested Python-like values
//! ([`ArrayLike`]), `saturate_cast` (clip to the target range, then cast) and `view`
//! (reinterpret the bits as another dtype).
//!
//! ```
//! use keras_ops::ops::{self, ArrayLike};
//! use keras_ops::{DType, Tensor};
//! let t = ops::convert_to_tensor(vec![vec![1, 2], vec![3, 4]], None).unwrap();
//! assert_eq!((t.dtype(), t.dims()), (DType::I32, &[2usize, 2][..]));
//! let x = Tensor::from_vec(vec![-5.0f32, 300.0], [2]).unwrap();
//! assert_eq!(ops::saturate_cast(&x, DType::U8).unwrap().to_vec::<u8>().unwrap(), vec![0, 255]);
//! let bits = ops::view(&Tensor::from_vec(vec![1.0f32], [1]).unwrap(), Some(DType::I32)).unwrap();
//! assert_eq!(bits.to_vec::<i32>().unwrap(), vec![0x3f80_0000]);
//! # let _ = ArrayLike::from(1.5);
//! ```

use keras_backend::{bail, result_type, DType, HostBuffer, Result, TypeArg};

use super::host::next_after;
use crate::autodiff::record;
use crate::ops::{cast, greater_equal, less_equal, logical_and, where_};
use crate::tensor::Tensor;

/// A Python-like value for [`convert_to_tensor`]: a scalar, a tensor, or a (nested) list.
#[derive(Clone, Debug)]
pub enum ArrayLike {
    /// A tensor (keeps its dtype).
    Tensor(Tensor),
    /// A Python `int`.
    Int(i64),
    /// A Python `float`.
    Float(f64),
    /// A Python `bool`.
    Bool(bool),
    /// A list; all items must have the same shape.
    List(Vec<ArrayLike>),
}

impl From<Tensor> for ArrayLike {
    fn from(t: Tensor) -> Self {
        ArrayLike::Tensor(t)
    }
}
impl From<&Tensor> for ArrayLike {
    fn from(t: &Tensor) -> Self {
        ArrayLike::Tensor(t.clone())
    }
}
impl From<i64> for ArrayLike {
    fn from(v: i64) -> Self {
        ArrayLike::Int(v)
    }
}
impl From<i32> for ArrayLike {
    fn from(v: i32) -> Self {
        ArrayLike::Int(v as i64)
    }
}
impl From<f64> for ArrayLike {
    fn from(v: f64) -> Self {
        ArrayLike::Float(v)
    }
}
impl From<f32> for ArrayLike {
    fn from(v: f32) -> Self {
        ArrayLike::Float(v as f64)
    }
}
impl From<bool> for ArrayLike {
    fn from(v: bool) -> Self {
        ArrayLike::Bool(v)
    }
}
impl<T: Into<ArrayLike>> From<Vec<T>> for ArrayLike {
    fn from(v: Vec<T>) -> Self {
        ArrayLike::List(v.into_iter().map(Into::into).collect())
    }
}

/// Flattened leaves of an [`ArrayLike`] with the shape they fill.
#[derive(Default)]
struct Leaves {
    ints: Vec<i64>,
    floats: Vec<f64>,
    kinds: Vec<TypeArg>,
}

impl ArrayLike {
    /// The shape of this value (checking that lists are rectangular).
    fn shape(&self) -> Result<Vec<usize>> {
        match self {
            ArrayLike::Tensor(t) => Ok(t.dims().to_vec()),
            ArrayLike::List(items) => {
                let mut inner: Option<Vec<usize>> = None;
                for item in items {
                    let s = item.shape()?;
                    match &inner {
                        None => inner = Some(s),
                        Some(prev) if *prev != s => bail!(
                            "convert_to_tensor",
                            "setting an array element with a sequence: inhomogeneous shapes {prev:?} and {s:?}"
                        ),
                        _ => {}
                    }
                }
                let mut dims = vec![items.len()];
                dims.extend(inner.unwrap_or_default());
                Ok(dims)
            }
            _ => Ok(vec![]),
        }
    }

    fn collect(&self, out: &mut Leaves) -> Result<()> {
        let mut push = |i: i64, f: f64, kind: TypeArg| {
            out.ints.push(i);
            out.floats.push(f);
            if !out.kinds.contains(&kind) {
                out.kinds.push(kind);
            }
        };
        match self {
            ArrayLike::Int(v) => push(*v, *v as f64, TypeArg::Strong(DType::I32)),
            ArrayLike::Float(v) => push(*v as i64, *v, TypeArg::WeakFloat),
            ArrayLike::Bool(v) => push(*v as i64, *v as u8 as f64, TypeArg::Strong(DType::Bool)),
            ArrayLike::Tensor(t) => {
                let host = t.to_host()?;
                let kind = TypeArg::Strong(t.dtype());
                for (i, f) in host.to_i64_vec().into_iter().zip(host.to_f64_vec()) {
                    push(i, f, kind);
                }
            }
            ArrayLike::List(items) => {
                for item in items {
                    item.collect(out)?;
                }
            }
        }
        Ok(())
    }
}

/// Converts a Python-like value to a tensor (`keras.ops.convert_to_tensor`). Without
/// `dtype`, Python ints give int32, floats floatx, bools bool (mixed lists promote; an
/// empty list is floatx); tensors keep their dtype. With `dtype`, values are cast
/// (`astype` semantics). Ragged lists are an error.
pub fn convert_to_tensor(x: impl Into<ArrayLike>, dtype: Option<DType>) -> Result<Tensor> {
    let x = x.into();
    if let ArrayLike::Tensor(t) = &x {
        return match dtype {
            Some(d) => cast(t, d),
            None => Ok(t.clone()),
        };
    }
    let dims = x.shape()?;
    let mut leaves = Leaves::default();
    x.collect(&mut leaves)?;
    let natural = if leaves.kinds.is_empty() {
        crate::config::floatx()
    } else {
        result_type(&leaves.kinds)
    };
    let buf = if natural.is_float() {
        HostBuffer::from(leaves.floats).cast(natural)
    } else {
        HostBuffer::from(leaves.ints).cast(natural)
    };
    let t = Tensor::from_host(buf, dims)?;
    match dtype {
        Some(d) => cast(&t, d),
        None => Ok(t),
    }
}

/// Alias of [`convert_to_tensor`] (`keras.ops.array`).
pub fn array(x: impl Into<ArrayLike>, dtype: Option<DType>) -> Result<Tensor> {
    convert_to_tensor(x, dtype)
}

/// The smallest and largest values of `dtype`.
fn dtype_range(dtype: DType) -> (f64, f64) {
    match dtype {
        DType::Bool => (0.0, 1.0),
        DType::U8 => (0.0, u8::MAX as f64),
        DType::U16 => (0.0, u16::MAX as f64),
        DType::U32 => (0.0, u32::MAX as f64),
        DType::U64 => (0.0, u64::MAX as f64),
        DType::I8 => (i8::MIN as f64, i8::MAX as f64),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64),
        DType::I64 => (i64::MIN as f64, i64::MAX as f64),
        DType::BF16 => (-half::bf16::MAX.to_f64(), half::bf16::MAX.to_f64()),
        DType::F16 => (-half::f16::MAX.to_f64(), half::f16::MAX.to_f64()),
        DType::F32 => (-(f32::MAX as f64), f32::MAX as f64),
        DType::F64 => (f64::MIN, f64::MAX),
    }
}

/// `limit` rounded into `dtype`, nudged toward zero when rounding pushed it past `bound`.
fn representable(limit: f64, dtype: DType, past: impl Fn(f64) -> bool) -> f64 {
    let v = HostBuffer::from(vec![limit]).cast(dtype).get_f64(0);
    if dtype.is_float() && past(v) {
        next_after(v, 0.0, dtype)
    } else {
        v
    }
}

/// Casts `x` to `dtype`, first clipping to the range both dtypes can hold, so out-of-range
/// values saturate instead of wrapping (`keras.ops.saturate_cast`). The gradient passes
/// where no clipping happened.
pub fn saturate_cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    let (in_lo, in_hi) = dtype_range(x.dtype());
    let (out_lo, out_hi) = dtype_range(dtype);
    let lo = representable(in_lo.max(out_lo), x.dtype(), |v| v < out_lo);
    let hi = representable(in_hi.min(out_hi), x.dtype(), |v| v > out_hi);
    let s = x.backend().clip(x.storage(), lo, hi)?;
    let clipped = Tensor::from_storage(s, x.shape().clone(), x.backend());
    let clipped = if x.dtype().is_float() {
        record("saturate_cast", &[x], clipped, move |g, ins, _| {
            let inside = logical_and(&greater_equal(&ins[0], lo)?, &less_equal(&ins[0], hi)?)?;
            Ok(vec![Some(where_(&inside, g, 0.0)?)])
        })
    } else {
        clipped
    };
    cast(&clipped, dtype)
}

/// The elements' bytes (little-endian).
fn to_bytes(buf: &HostBuffer) -> Vec<u8> {
    match buf {
        HostBuffer::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        HostBuffer::U8(v) => v.clone(),
        HostBuffer::I8(v) => v.iter().map(|&b| b as u8).collect(),
        HostBuffer::U16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::U32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::U64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::F16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        HostBuffer::BF16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        HostBuffer::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        HostBuffer::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

/// Elements of `dtype` read from little-endian bytes (a whole number of elements).
fn from_bytes(dtype: DType, bytes: &[u8]) -> HostBuffer {
    macro_rules! read {
        ($t:ty, $conv:expr) => {{
            const W: usize = std::mem::size_of::<$t>();
            HostBuffer::from(
                bytes
                    .chunks_exact(W)
                    .map(|c| {
                        #[allow(clippy::redundant_closure_call)]
                        ($conv)(<$t>::from_le_bytes(c.try_into().expect("chunk of W bytes")))
                    })
                    .collect::<Vec<_>>(),
            )
        }};
    }
    match dtype {
        DType::Bool => HostBuffer::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::U8 => HostBuffer::U8(bytes.to_vec()),
        DType::I8 => HostBuffer::I8(bytes.iter().map(|&b| b as i8).collect()),
        DType::U16 => read!(u16, |v| v),
        DType::U32 => read!(u32, |v| v),
        DType::U64 => read!(u64, |v| v),
        DType::I16 => read!(i16, |v| v),
        DType::I32 => read!(i32, |v| v),
        DType::I64 => read!(i64, |v| v),
        DType::F16 => read!(u16, half::f16::from_bits),
        DType::BF16 => read!(u16, half::bf16::from_bits),
        DType::F32 => read!(f32, |v| v),
        DType::F64 => read!(f64, |v| v),
    }
}

/// The same bits seen as `dtype` (`keras.ops.view`); `None` keeps the dtype. With a
/// different element size the last axis is rescaled, which must divide evenly.
pub fn view(x: &Tensor, dtype: Option<DType>) -> Result<Tensor> {
    let Some(dtype) = dtype.filter(|&d| d != x.dtype()) else {
        return Ok(x.clone());
    };
    let (from, to) = (x.dtype().size_in_bytes(), dtype.size_in_bytes());
    let mut dims = x.dims().to_vec();
    if from != to {
        let Some(last) = dims.last_mut() else {
            bail!(
                "view",
                "cannot change the element size of a 0-d tensor ({} to {dtype})",
                x.dtype()
            );
        };
        if (*last * from) % to != 0 {
            bail!(
                "view",
                "the last axis of {} ({} bytes) is not a multiple of the {dtype} size",
                x.describe(),
                *last * from
            );
        }
        *last = *last * from / to;
    }
    let bytes = to_bytes(&x.to_host()?);
    Tensor::from_host(from_bytes(dtype, &bytes), dims)
}
