//! Segment reductions (`keras.ops.segment_sum`, `segment_max`, `segment_min`,
//! `segment_prod`): rows of `data` are combined by their id in `segment_ids`.
//!
//! Ids outside `[0, num_segments)` are dropped, as JAX does; empty segments hold the
//! reduction's identity (0, the dtype's lowest / highest value, 1).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let data = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]).unwrap();
//! let ids = Tensor::from_vec(vec![0i32, 0, 1, 1], [4]).unwrap();
//! let s = ops::segment_sum(&data, &ids, Some(2), false).unwrap();
//! assert_eq!(s.to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
//! ```

use keras_backend::{bail, DType, Result};

use super::host::{tensor_i64, values_i64};
use crate::ops::{full, scatter, scatter_update, take};
use crate::tensor::Tensor;

#[derive(Clone, Copy)]
enum Segment {
    Sum,
    Max,
    Min,
    Prod,
}

/// The identity of a max (`lowest`) or min (`highest`) reduction in `dtype`.
fn extreme(dtype: DType, highest: bool) -> f64 {
    let (lo, hi) = match dtype {
        d if d.is_float() => (f64::NEG_INFINITY, f64::INFINITY),
        DType::Bool => (0.0, 1.0),
        DType::U8 => (0.0, u8::MAX as f64),
        DType::U16 => (0.0, u16::MAX as f64),
        DType::U32 => (0.0, u32::MAX as f64),
        DType::U64 => (0.0, u64::MAX as f64),
        DType::I8 => (i8::MIN as f64, i8::MAX as f64),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64),
        _ => (i64::MIN as f64, i64::MAX as f64),
    };
    if highest {
        hi
    } else {
        lo
    }
}

fn segment_reduce(
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: Option<usize>,
    kind: Segment,
    op: &'static str,
) -> Result<Tensor> {
    if segment_ids.rank() != 1 {
        bail!(
            op,
            "segment_ids must be a 1-D vector, got shape {}",
            segment_ids.shape()
        );
    }
    if !segment_ids.dtype().is_int() {
        bail!(
            op,
            "segment_ids must be integers, got {}",
            segment_ids.describe()
        );
    }
    if data.rank() == 0 || data.dims()[0] != segment_ids.dims()[0] {
        bail!(
            op,
            "segment_ids and data should have the same leading dimension, got {} and {}",
            segment_ids.shape(),
            data.shape()
        );
    }
    let ids = values_i64(segment_ids)?;
    let n = num_segments
        .unwrap_or_else(|| ids.iter().map(|&i| i + 1).max().unwrap_or(0).max(0) as usize);
    // Rows whose id is out of range are dropped.
    let keep: Vec<i64> = (0..ids.len() as i64)
        .filter(|&r| (0..n as i64).contains(&ids[r as usize]))
        .collect();
    let kept_ids: Vec<i64> = keep.iter().map(|&r| ids[r as usize]).collect();
    let rows = if keep.len() == ids.len() {
        data.clone()
    } else {
        take(
            data,
            &tensor_i64(keep.clone(), &[keep.len()], DType::I64)?,
            Some(0),
        )?
    };
    let index = tensor_i64(kept_ids, &[keep.len(), 1], DType::I64)?;
    let mut dims = data.dims().to_vec();
    dims[0] = n;
    let dtype = data.dtype();
    match kind {
        Segment::Sum => scatter(&index, &rows, &dims),
        Segment::Max => scatter_update(
            &full(&dims, extreme(dtype, false), dtype)?,
            &index,
            &rows,
            Some("max"),
        ),
        Segment::Min => scatter_update(
            &full(&dims, extreme(dtype, true), dtype)?,
            &index,
            &rows,
            Some("min"),
        ),
        Segment::Prod => scatter_update(&full(&dims, 1.0, dtype)?, &index, &rows, Some("mul")),
    }
}

/// Sum of the rows of `data` sharing a segment id (`keras.ops.segment_sum`).
/// `num_segments` defaults to `max(segment_ids) + 1`; `sorted` is a performance hint.
pub fn segment_sum(
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: Option<usize>,
    sorted: bool,
) -> Result<Tensor> {
    let _ = sorted;
    segment_reduce(data, segment_ids, num_segments, Segment::Sum, "segment_sum")
}

/// Maximum of the rows of `data` sharing a segment id; empty segments hold the dtype's
/// lowest value (`-inf` for floats) (`keras.ops.segment_max`).
pub fn segment_max(
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: Option<usize>,
    sorted: bool,
) -> Result<Tensor> {
    let _ = sorted;
    segment_reduce(data, segment_ids, num_segments, Segment::Max, "segment_max")
}

/// Minimum of the rows of `data` sharing a segment id; empty segments hold the dtype's
/// highest value (`inf` for floats) (`keras.ops.segment_min`).
pub fn segment_min(
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: Option<usize>,
    sorted: bool,
) -> Result<Tensor> {
    let _ = sorted;
    segment_reduce(data, segment_ids, num_segments, Segment::Min, "segment_min")
}

/// Product of the rows of `data` sharing a segment id; empty segments hold 1
/// (`keras.ops.segment_prod`).
pub fn segment_prod(
    data: &Tensor,
    segment_ids: &Tensor,
    num_segments: Option<usize>,
    sorted: bool,
) -> Result<Tensor> {
    let _ = sorted;
    segment_reduce(
        data,
        segment_ids,
        num_segments,
        Segment::Prod,
        "segment_prod",
    )
}
