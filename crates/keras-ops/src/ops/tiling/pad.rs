//! Padding (`keras.ops.pad`) in the modes `constant`, `reflect`, `symmetric`, `edge`,
//! `wrap`, `maximum`, `minimum`, `mean`, `median` and `empty`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! let r = ops::pad(&x, 2, "reflect", None).unwrap();
//! assert_eq!(r.to_vec::<f32>().unwrap(), vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
//! let c = ops::pad(&x, [(1, 0)], "constant", Some(9.0)).unwrap();
//! assert_eq!(c.to_vec::<f32>().unwrap(), vec![9.0, 1.0, 2.0, 3.0]);
//! ```

use keras_backend::{bail, PadMode, Result};

use crate::autodiff::record;
use crate::ops::get_item::strided;
use crate::ops::layout::slice_axis;
use crate::ops::{broadcast_to, cast, concatenate, max, mean, min, round, sort, take, to_float};
use crate::tensor::Tensor;

/// Pad widths: `(before, after)` per axis, or one pair (or one number) for every axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PadWidth(pub Vec<(usize, usize)>);

impl From<usize> for PadWidth {
    fn from(n: usize) -> Self {
        PadWidth(vec![(n, n)])
    }
}
impl From<(usize, usize)> for PadWidth {
    fn from(p: (usize, usize)) -> Self {
        PadWidth(vec![p])
    }
}
impl From<Vec<(usize, usize)>> for PadWidth {
    fn from(v: Vec<(usize, usize)>) -> Self {
        PadWidth(v)
    }
}
impl From<&[(usize, usize)]> for PadWidth {
    fn from(v: &[(usize, usize)]) -> Self {
        PadWidth(v.to_vec())
    }
}
impl<const N: usize> From<[(usize, usize); N]> for PadWidth {
    fn from(v: [(usize, usize); N]) -> Self {
        PadWidth(v.to_vec())
    }
}

impl PadWidth {
    /// One `(before, after)` pair per axis of a rank-`rank` tensor.
    fn resolve(&self, rank: usize) -> Result<Vec<(usize, usize)>> {
        match self.0.len() {
            1 => Ok(vec![self.0[0]; rank]),
            n if n == rank => Ok(self.0.clone()),
            n => bail!(
                "pad",
                "{n} (before, after) pairs do not match a tensor of rank {rank}"
            ),
        }
    }
}

/// How the values of the border are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Constant,
    /// Border positions copy positions of the input (reflect, symmetric, edge, wrap).
    Index(IndexMode),
    /// Border positions hold a statistic of the whole axis.
    Stat(Stat),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IndexMode {
    Reflect,
    Symmetric,
    Edge,
    Wrap,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stat {
    Maximum,
    Minimum,
    Mean,
    Median,
}

fn parse_mode(mode: &str) -> Result<Mode> {
    Ok(match mode {
        "constant" | "empty" => Mode::Constant,
        "reflect" => Mode::Index(IndexMode::Reflect),
        "symmetric" => Mode::Index(IndexMode::Symmetric),
        "edge" => Mode::Index(IndexMode::Edge),
        "wrap" => Mode::Index(IndexMode::Wrap),
        "maximum" => Mode::Stat(Stat::Maximum),
        "minimum" => Mode::Stat(Stat::Minimum),
        "mean" => Mode::Stat(Stat::Mean),
        "median" => Mode::Stat(Stat::Median),
        other => bail!(
            "pad",
            "unsupported mode {other:?}: expected constant, reflect, symmetric, edge, wrap, \
             maximum, minimum, mean, median or empty"
        ),
    })
}

/// Pads `x` by `pad_width` (`keras.ops.pad`): `mode` is `"constant"` (with
/// `constant_values`, default 0), `"reflect"`, `"symmetric"`, `"edge"`, `"wrap"`,
/// `"maximum"`, `"minimum"`, `"mean"`, `"median"` or `"empty"` (zeros here). Pads wider than the axis
/// repeat the pattern, as NumPy does. The gradient flows back to the copied elements.
pub fn pad(
    x: &Tensor,
    pad_width: impl Into<PadWidth>,
    mode: &str,
    constant_values: Option<f64>,
) -> Result<Tensor> {
    let pads = pad_width.into().resolve(x.rank())?;
    let mode = parse_mode(mode)?;
    if constant_values.is_some() && mode != Mode::Constant {
        bail!(
            "pad",
            "constant_values can only be given with mode \"constant\""
        );
    }
    if mode != Mode::Constant {
        if let Some(a) = (0..x.rank()).find(|&a| x.dims()[a] == 0 && pads[a] != (0, 0)) {
            bail!(
                "pad",
                "cannot pad the empty axis {a} of shape {} in this mode",
                x.shape()
            );
        }
    }
    match mode {
        Mode::Constant => pad_constant(x, &pads, constant_values.unwrap_or(0.0)),
        Mode::Index(m) => {
            let mut y = x.clone();
            for (a, &(before, after)) in pads.iter().enumerate() {
                if before + after > 0 {
                    let idx = source_positions(y.dims()[a], before, after, m);
                    let n = idx.len();
                    y = take(&y, &Tensor::from_vec(idx, [n])?, Some(a as i64))?;
                }
            }
            Ok(y)
        }
        Mode::Stat(s) => pad_stat(x, &pads, s),
    }
}

/// Constant padding through the backend kernel; the gradient is the interior of `g`.
fn pad_constant(x: &Tensor, pads: &[(usize, usize)], value: f64) -> Result<Tensor> {
    let dims: Vec<usize> = x
        .dims()
        .iter()
        .zip(pads)
        .map(|(&d, &(b, a))| d + b + a)
        .collect();
    let s = x
        .backend()
        .pad(x.storage(), x.dims(), pads, PadMode::Constant, value)?;
    let y = Tensor::from_storage(s, dims, x.backend());
    if !x.dtype().is_float() {
        return Ok(y);
    }
    let start: Vec<usize> = pads.iter().map(|p| p.0).collect();
    let inner = x.dims().to_vec();
    Ok(record("pad", &[x], y, move |g, _, _| {
        Ok(vec![Some(strided(
            g,
            &start,
            &vec![1; inner.len()],
            &inner,
        )?)])
    }))
}

/// For each position of an axis of size `n` padded by `(before, after)`, the input
/// position it copies.
fn source_positions(n: usize, before: usize, after: usize, mode: IndexMode) -> Vec<i64> {
    let n = n as i64;
    (-(before as i64)..n + after as i64)
        .map(|j| match mode {
            IndexMode::Edge => j.clamp(0, n - 1),
            IndexMode::Wrap => j.rem_euclid(n),
            IndexMode::Reflect if n == 1 => 0,
            IndexMode::Reflect => {
                let r = j.rem_euclid(2 * (n - 1));
                if r >= n {
                    2 * (n - 1) - r
                } else {
                    r
                }
            }
            IndexMode::Symmetric => {
                let r = j.rem_euclid(2 * n);
                if r >= n {
                    2 * n - 1 - r
                } else {
                    r
                }
            }
        })
        .collect()
}

/// `v` in the dtype of `like`, rounded half to even first when that is an integer type.
fn rounded_like(v: &Tensor, like: &Tensor) -> Result<Tensor> {
    if like.dtype().is_float() {
        cast(v, like.dtype())
    } else {
        cast(&round(v, 0)?, like.dtype())
    }
}

/// The median along `axis` (kept as size 1), in floats: the middle sorted value, or the
/// mean of the two middle ones.
fn median_keepdims(y: &Tensor, axis: usize) -> Result<Tensor> {
    let n = y.dims()[axis];
    let sorted = sort(&to_float(y)?, Some(axis as i64))?;
    if n % 2 == 1 {
        slice_axis(&sorted, axis, n / 2, 1)
    } else {
        mean(&slice_axis(&sorted, axis, n / 2 - 1, 2)?, axis as i64, true)
    }
}

/// Statistic padding, axis by axis as NumPy does: each axis is extended by its
/// statistic over the (already partly padded) tensor; integer means are rounded.
fn pad_stat(x: &Tensor, pads: &[(usize, usize)], stat: Stat) -> Result<Tensor> {
    let mut y = x.clone();
    for (a, &(before, after)) in pads.iter().enumerate() {
        if before + after == 0 {
            continue;
        }
        let ax = a as i64;
        let value = match stat {
            Stat::Maximum => max(&y, ax, true, None)?,
            Stat::Minimum => min(&y, ax, true, None)?,
            Stat::Mean => rounded_like(&mean(&y, ax, true)?, &y)?,
            Stat::Median => rounded_like(&median_keepdims(&y, a)?, &y)?,
        };
        let mut parts = Vec::with_capacity(3);
        let block = |len: usize| -> Result<Tensor> {
            let mut dims = y.dims().to_vec();
            dims[a] = len;
            broadcast_to(&value, dims)
        };
        if before > 0 {
            parts.push(block(before)?);
        }
        parts.push(y.clone());
        if after > 0 {
            parts.push(block(after)?);
        }
        y = concatenate(&parts.iter().collect::<Vec<_>>(), ax)?;
    }
    Ok(y)
}
