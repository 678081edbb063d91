//! NumPy-style numeric helpers of `keras.ops`: clipping and NaN cleanup (`clip`,
//! `nan_to_num`, `divide_no_nan`), extra elementwise functions (`cbrt`, `exp2`, `log2`,
//! `hypot`, `logaddexp`, `fmod`, `sinc`, ...), closeness tests (`isclose`, `allclose`),
//! small statistics (`average`, `diff`, `ptp`, the `nan*` reductions) and order
//! statistics (`quantile`, `percentile`, `median` and their `nan*` versions).
//!
//! Result dtypes follow Keras on JAX, including JAX's promotion of 64-bit integers to
//! float64 where JAX (not Keras) picks the float type.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![-2.0f32, 0.5, f32::NAN, 3.0], [4]).unwrap();
//! let c = ops::clip(&x, -1.0, 1.0).unwrap();
//! assert_eq!(ops::nan_to_num(&c, 0.0, None, None).unwrap().to_vec::<f32>().unwrap(),
//!            vec![-1.0, 0.5, 0.0, 1.0]);
//! ```

mod binary;
mod clip;
mod compare;
mod nan_reduce;
mod quantile;
mod stats;
mod unary;

pub use binary::*;
pub use clip::*;
pub use compare::*;
pub use nan_reduce::*;
pub use quantile::*;
pub use stats::*;
pub use unary::*;

use keras_backend::{result_type, DType, TypeArg};

use crate::config::floatx;
use crate::ops::{operands_dtype, Operand};

/// The float dtype JAX gives `x ∘ python_float` for a tensor of dtype `d` (floats keep
/// their dtype; 64-bit integers give float64, as under JAX's x64 mode, others floatx).
pub(crate) fn weak_float_dtype(d: DType) -> DType {
    match d {
        d if d.is_float() => d,
        DType::I64 | DType::U64 => DType::F64,
        _ => floatx(),
    }
}

/// `operands_dtype` of `operands`, except that a 64-bit integer tensor meeting only weak
/// floats gives float64 (JAX's x64 promotion) instead of float32.
pub(crate) fn x64_operands_dtype(operands: &[&Operand]) -> DType {
    let d = operands_dtype(operands);
    let strong = || {
        operands.iter().filter_map(|o| match o {
            Operand::Tensor(t) => Some(t.dtype()),
            _ => None,
        })
    };
    if d == DType::F32
        && !strong().any(|t| t.is_float())
        && strong().any(|t| matches!(t, DType::I64 | DType::U64))
    {
        DType::F64
    } else {
        d
    }
}

/// Keras's `backend.result_type` on JAX: the lattice result with 64-bit types narrowed to
/// 32 bits (Keras aligns with JAX's default x64-off mode).
pub(crate) fn keras_result_type(args: &[TypeArg]) -> DType {
    match result_type(args) {
        DType::I64 => DType::I32,
        DType::U64 => DType::U32,
        DType::F64 => DType::F32,
        d => d,
    }
}
