//! NumPy-style basic indexing (`x[1, ::-1, None, ...]` in Keras): [`get_item`] with
//! [`Index`] items — integers, slices with steps, new axes and an ellipsis.
//!
//! ```
//! use keras_ops::ops::{self, Index};
//! use keras_ops::Tensor;
//! let x = ops::reshape(&ops::arange(0.0, 6.0, 1.0, None).unwrap(), [2, 3]).unwrap();
//! // x[-1, ::-1]
//! let y = ops::get_item(&x, &[Index::Int(-1), Index::Slice(None, None, Some(-1))]).unwrap();
//! assert_eq!(y.to_vec::<i32>().unwrap(), vec![5, 4, 3]);
//! // x[..., None, 0]
//! let z = ops::get_item(&x, &[Index::Ellipsis, Index::NewAxis, 0.into()]).unwrap();
//! assert_eq!(z.dims(), &[2, 1]);
//! ```

use std::ops::{Range, RangeFrom, RangeFull, RangeTo};

use keras_backend::{bail, Result};

use super::reshape;
use crate::autodiff::record;
use crate::tensor::Tensor;

/// One item of a NumPy basic index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// Selects one position and removes the axis; negative counts from the end.
    Int(i64),
    /// `start:stop:step` with Python semantics (out-of-range bounds are clipped, a negative
    /// step walks backwards); `None` takes the default for the step's direction.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// Inserts a size-1 axis (`None` / `np.newaxis`).
    NewAxis,
    /// Stands for as many full slices as needed (`...`).
    Ellipsis,
}

impl Index {
    /// The full slice `:`.
    pub fn full() -> Index {
        Index::Slice(None, None, None)
    }

    /// `start:stop:step` with every bound given.
    pub fn range(start: i64, stop: i64, step: i64) -> Index {
        Index::Slice(Some(start), Some(stop), Some(step))
    }
}

impl From<i64> for Index {
    fn from(i: i64) -> Self {
        Index::Int(i)
    }
}
impl From<Range<i64>> for Index {
    fn from(r: Range<i64>) -> Self {
        Index::Slice(Some(r.start), Some(r.end), None)
    }
}
impl From<RangeFrom<i64>> for Index {
    fn from(r: RangeFrom<i64>) -> Self {
        Index::Slice(Some(r.start), None, None)
    }
}
impl From<RangeTo<i64>> for Index {
    fn from(r: RangeTo<i64>) -> Self {
        Index::Slice(None, Some(r.end), None)
    }
}
impl From<RangeFull> for Index {
    fn from(_: RangeFull) -> Self {
        Index::full()
    }
}

/// Resolves a Python slice on an axis of size `n` (as `slice.indices(n)`): the first
/// position and the number of elements.
pub(crate) fn slice_bounds(
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
    n: usize,
) -> (usize, usize) {
    let n = n as i64;
    let (lower, upper) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let clip = |v: Option<i64>, default: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + n).max(lower),
        Some(v) => v.min(upper),
    };
    let b = clip(start, if step > 0 { lower } else { upper });
    let e = clip(stop, if step > 0 { upper } else { lower });
    let len = if step > 0 && e > b {
        (e - b - 1) / step + 1
    } else if step < 0 && b > e {
        (b - e - 1) / (-step) + 1
    } else {
        0
    };
    // An empty selection may start at -1 (a backwards slice of an empty range).
    let first = if len == 0 { 0 } else { b };
    (first as usize, len as usize)
}

/// `x[start[i] :: step[i]]` with `out[i]` elements on every axis, with gradient (the
/// upstream gradient written back into zeros at the same positions).
pub(crate) fn strided(
    x: &Tensor,
    start: &[usize],
    step: &[isize],
    out: &[usize],
) -> Result<Tensor> {
    if out == x.dims() && step.iter().all(|&s| s == 1) {
        return Ok(x.clone());
    }
    let s = x
        .backend()
        .strided_slice(x.storage(), x.dims(), start, step, out)?;
    let y = Tensor::from_storage(s, out, x.backend());
    if !x.dtype().is_float() {
        return Ok(y);
    }
    let (full, start, step) = (x.dims().to_vec(), start.to_vec(), step.to_vec());
    Ok(record("strided_slice", &[x], y, move |g, _, _| {
        let zeros = super::zeros(&full, g.dtype())?;
        let s = g.backend().strided_slice_assign(
            zeros.storage(),
            &full,
            &start,
            &step,
            g.storage(),
            g.dims(),
        )?;
        Ok(vec![Some(Tensor::from_storage(
            s,
            full.clone(),
            g.backend(),
        ))])
    }))
}

/// `x[key]` with NumPy basic-indexing rules (`x.__getitem__` on a Keras tensor).
///
/// Integers select and drop an axis (out of range → `Err`), slices keep it, `NewAxis`
/// inserts a size-1 axis, one `Ellipsis` expands to the axes not otherwise indexed; axes
/// after the key are kept whole. The gradient flows back to the selected elements.
pub fn get_item(x: &Tensor, key: &[Index]) -> Result<Tensor> {
    let consumed = key
        .iter()
        .filter(|k| matches!(k, Index::Int(_) | Index::Slice(..)))
        .count();
    let ellipses = key.iter().filter(|k| matches!(k, Index::Ellipsis)).count();
    if ellipses > 1 {
        bail!(
            "get_item",
            "an index can only have a single ellipsis, got {key:?}"
        );
    }
    if consumed > x.rank() {
        bail!(
            "get_item",
            "too many indices for a tensor of shape {}: {consumed} were indexed",
            x.shape()
        );
    }
    let mut items: Vec<Index> = Vec::with_capacity(key.len() + x.rank());
    for k in key {
        if *k == Index::Ellipsis {
            items.extend(std::iter::repeat_n(Index::full(), x.rank() - consumed));
        } else {
            items.push(*k);
        }
    }
    if ellipses == 0 {
        items.extend(std::iter::repeat_n(Index::full(), x.rank() - consumed));
    }
    let r = x.rank();
    let (mut start, mut step, mut sliced) = (
        Vec::with_capacity(r),
        Vec::with_capacity(r),
        Vec::with_capacity(r),
    );
    let mut out_dims = Vec::with_capacity(items.len());
    let mut axis = 0;
    for item in items {
        match item {
            Index::NewAxis => out_dims.push(1),
            Index::Ellipsis => unreachable!("ellipsis was expanded"),
            Index::Int(i) => {
                let n = x.dims()[axis];
                if i < -(n as i64) || i >= n as i64 {
                    bail!(
                        "get_item",
                        "index {i} is out of bounds for axis {axis} with size {n} (shape {})",
                        x.shape()
                    );
                }
                start.push(if i < 0 { i + n as i64 } else { i } as usize);
                step.push(1);
                sliced.push(1);
                axis += 1;
            }
            Index::Slice(b, e, s) => {
                let s = s.unwrap_or(1);
                if s == 0 {
                    bail!("get_item", "slice step cannot be zero");
                }
                let (first, len) = slice_bounds(b, e, s, x.dims()[axis]);
                start.push(first);
                step.push(s as isize);
                sliced.push(len);
                out_dims.push(len);
                axis += 1;
            }
        }
    }
    reshape(&strided(x, &start, &step, &sliced)?, out_dims)
}
