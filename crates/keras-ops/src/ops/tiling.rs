//! Repeating, reversing and stacking tensors (`keras.ops.tile`, `repeat`, `flip`,
//! `fliplr`, `flipud`, `rot90`, `roll`, `hstack`, `vstack`, `dstack`, `append`,
//! `meshgrid`); `pad` lives in the submodule.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! assert_eq!(ops::tile(&x, &[2]).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
//! assert_eq!(ops::repeat(&x, &[2], None).unwrap().to_vec::<f32>().unwrap(), vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
//! assert_eq!(ops::roll(&x, &[1], None).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 1.0, 2.0]);
//! assert_eq!(ops::flip(&x, None).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 2.0, 1.0]);
//! ```

mod pad;

pub use pad::*;

use keras_backend::{bail, Result};

use super::get_item::strided;
use super::layout::{permute, slice_axis};
use super::{broadcast_to, concatenate, ravel, reshape, take};
use crate::shape::{normalize_axis, Axes};
use crate::tensor::Tensor;

/// `x` repeated `repeats[i]` times along each axis (`keras.ops.tile`). When `repeats` is
/// shorter than the rank it is padded with leading 1s; when longer, `x` gains leading
/// axes.
pub fn tile(x: &Tensor, repeats: &[usize]) -> Result<Tensor> {
    let r = x.rank().max(repeats.len());
    let dims = crate::shape::pad_rank(x.dims(), r);
    let reps = crate::shape::pad_rank(repeats, r);
    let interleaved: Vec<usize> = dims.iter().flat_map(|&d| [1, d]).collect();
    let spread: Vec<usize> = reps.iter().zip(&dims).flat_map(|(&k, &d)| [k, d]).collect();
    let out: Vec<usize> = reps.iter().zip(&dims).map(|(&k, &d)| k * d).collect();
    let y = broadcast_to(&reshape(x, interleaved)?, spread)?;
    reshape(&y, out)
}

/// Each element repeated after itself along `axis` (of the flattened `x` when `None`):
/// `repeats` holds one count for every element, or a single count for all
/// (`keras.ops.repeat`).
pub fn repeat(x: &Tensor, repeats: &[usize], axis: Option<i64>) -> Result<Tensor> {
    let (src, ax) = match axis {
        None => (ravel(x)?, 0),
        Some(a) => (x.clone(), normalize_axis(a, x.rank(), "repeat")?),
    };
    let n = src.dims()[ax];
    let counts: Vec<usize> = match repeats.len() {
        1 => vec![repeats[0]; n],
        len if len == n => repeats.to_vec(),
        len => bail!(
            "repeat",
            "{len} repeat counts do not match axis {ax} of size {n} (shape {})",
            src.shape()
        ),
    };
    let idx: Vec<i64> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as i64, c))
        .collect();
    let len = idx.len();
    take(&src, &Tensor::from_vec(idx, [len])?, Some(ax as i64))
}

/// Reverses the order of elements along `axis` (every axis when `None`; `keras.ops.flip`).
pub fn flip(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    let axes = axis.into().resolve(x.rank(), "flip")?;
    let start: Vec<usize> = (0..x.rank())
        .map(|a| {
            if axes.contains(&a) {
                x.dims()[a].saturating_sub(1)
            } else {
                0
            }
        })
        .collect();
    let step: Vec<isize> = (0..x.rank())
        .map(|a| if axes.contains(&a) { -1 } else { 1 })
        .collect();
    strided(x, &start, &step, x.dims())
}

/// Reverses axis 1 (left/right) of a tensor of rank ≥ 2 (`keras.ops.fliplr`).
pub fn fliplr(x: &Tensor) -> Result<Tensor> {
    if x.rank() < 2 {
        bail!(
            "fliplr",
            "expected a tensor of rank >= 2, got shape {}",
            x.shape()
        );
    }
    flip(x, 1)
}

/// Reverses axis 0 (up/down) of a tensor of rank ≥ 1 (`keras.ops.flipud`).
pub fn flipud(x: &Tensor) -> Result<Tensor> {
    if x.rank() < 1 {
        bail!(
            "flipud",
            "expected a tensor of rank >= 1, got shape {}",
            x.shape()
        );
    }
    flip(x, 0)
}

/// Rotates by 90° `k` times in the plane of `axes`, from the first axis towards the
/// second (`keras.ops.rot90`, default `axes = [0, 1]`).
pub fn rot90(array: &Tensor, k: i64, axes: [i64; 2]) -> Result<Tensor> {
    if array.rank() < 2 {
        bail!(
            "rot90",
            "expected a tensor of rank >= 2, got shape {}",
            array.shape()
        );
    }
    let a0 = normalize_axis(axes[0], array.rank(), "rot90")?;
    let a1 = normalize_axis(axes[1], array.rank(), "rot90")?;
    if a0 == a1 {
        bail!("rot90", "axes {axes:?} must be two different axes");
    }
    let mut perm: Vec<usize> = (0..array.rank()).collect();
    perm.swap(a0, a1);
    match k.rem_euclid(4) {
        0 => Ok(array.clone()),
        1 => permute(&flip(array, a1 as i64)?, &perm),
        2 => flip(array, vec![a0 as i64, a1 as i64]),
        _ => flip(&permute(array, &perm)?, a1 as i64),
    }
}

/// Shifts elements along `axis` by `shift`, wrapping around (`keras.ops.roll`). With
/// `axis = None` the flattened tensor is rolled; several axes take one shift each (or one
/// shift for all), and shifts of a repeated axis add up.
pub fn roll(x: &Tensor, shift: &[i64], axis: impl Into<Axes>) -> Result<Tensor> {
    let (src, axes) = match axis.into() {
        Axes::All => (ravel(x)?, vec![0]),
        Axes::Some(a) => {
            let axes = a
                .iter()
                .map(|&ax| normalize_axis(ax, x.rank(), "roll"))
                .collect::<Result<Vec<_>>>()?;
            (x.clone(), axes)
        }
    };
    let pairs: Vec<(usize, i64)> = match (shift.len(), axes.len()) {
        (s, a) if s == a => axes.iter().copied().zip(shift.iter().copied()).collect(),
        (1, _) => axes.iter().map(|&a| (a, shift[0])).collect(),
        (_, 1) => shift.iter().map(|&s| (axes[0], s)).collect(),
        (s, a) => bail!("roll", "{s} shifts and {a} axes cannot be paired"),
    };
    let mut total = vec![0i64; src.rank()];
    for (a, s) in pairs {
        total[a] += s;
    }
    let mut y = src;
    for (a, &s) in total.iter().enumerate() {
        let n = y.dims()[a];
        if n == 0 {
            continue;
        }
        let s = s.rem_euclid(n as i64) as usize;
        if s != 0 {
            let tail = slice_axis(&y, a, n - s, s)?;
            let head = slice_axis(&y, a, 0, n - s)?;
            y = concatenate(&[&tail, &head], a as i64)?;
        }
    }
    reshape(&y, x.dims())
}

/// `xs` reshaped to at least `rank` dims by `grow` and joined along `axis`.
fn stack_along(
    xs: &[&Tensor],
    op: &str,
    axis: impl Fn(&Tensor) -> i64,
    grow: impl Fn(&Tensor) -> Vec<usize>,
) -> Result<Tensor> {
    if xs.is_empty() {
        bail!(op, "need at least one tensor");
    }
    let grown = xs
        .iter()
        .map(|t| reshape(t, grow(t)))
        .collect::<Result<Vec<_>>>()?;
    concatenate(&grown.iter().collect::<Vec<_>>(), axis(&grown[0]))
}

/// Joins along axis 1, or axis 0 for 1-D inputs (`keras.ops.hstack`).
pub fn hstack(xs: &[&Tensor]) -> Result<Tensor> {
    let at_least_1d = |t: &Tensor| {
        if t.rank() == 0 {
            vec![1]
        } else {
            t.dims().to_vec()
        }
    };
    stack_along(
        xs,
        "hstack",
        |t| if t.rank() == 1 { 0 } else { 1 },
        at_least_1d,
    )
}

/// Joins along axis 0, 1-D inputs becoming rows (`keras.ops.vstack`).
pub fn vstack(xs: &[&Tensor]) -> Result<Tensor> {
    let at_least_2d = |t: &Tensor| match t.rank() {
        0 => vec![1, 1],
        1 => vec![1, t.dims()[0]],
        _ => t.dims().to_vec(),
    };
    stack_along(xs, "vstack", |_| 0, at_least_2d)
}

/// Joins along axis 2 (depth), after viewing 1-D inputs as `[1, n, 1]` and 2-D ones as
/// `[m, n, 1]` (`keras.ops.dstack`).
pub fn dstack(xs: &[&Tensor]) -> Result<Tensor> {
    let at_least_3d = |t: &Tensor| match t.rank() {
        0 => vec![1, 1, 1],
        1 => vec![1, t.dims()[0], 1],
        2 => vec![t.dims()[0], t.dims()[1], 1],
        _ => t.dims().to_vec(),
    };
    stack_along(xs, "dstack", |_| 2, at_least_3d)
}

/// `x2` appended to `x1` along `axis`, or both flattened when `None` (`keras.ops.append`).
pub fn append(x1: &Tensor, x2: &Tensor, axis: Option<i64>) -> Result<Tensor> {
    match axis {
        None => concatenate(&[&ravel(x1)?, &ravel(x2)?], 0),
        Some(a) => concatenate(&[x1, x2], a),
    }
}

/// Coordinate grids from 1-D tensors (`keras.ops.meshgrid`): with `indexing = "xy"`
/// (Cartesian) the first two output axes are swapped, with `"ij"` (matrix) output axis
/// `i` follows input `i`. Each output keeps its input's dtype.
pub fn meshgrid(xs: &[&Tensor], indexing: &str) -> Result<Vec<Tensor>> {
    if indexing != "xy" && indexing != "ij" {
        bail!(
            "meshgrid",
            "indexing must be \"xy\" or \"ij\", got {indexing:?}"
        );
    }
    if let Some(bad) = xs.iter().find(|t| t.rank() != 1) {
        bail!(
            "meshgrid",
            "every input must be 1-D, got shape {}",
            bad.shape()
        );
    }
    let mut out_dims: Vec<usize> = xs.iter().map(|t| t.dims()[0]).collect();
    let swap = indexing == "xy" && xs.len() >= 2;
    if swap {
        out_dims.swap(0, 1);
    }
    xs.iter()
        .enumerate()
        .map(|(i, t)| {
            let pos = match i {
                0 if swap => 1,
                1 if swap => 0,
                _ => i,
            };
            let mut dims = vec![1; xs.len()];
            dims[pos] = t.dims()[0];
            broadcast_to(&reshape(t, dims)?, &out_dims)
        })
        .collect()
}
