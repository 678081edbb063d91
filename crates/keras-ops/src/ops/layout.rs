//! Shape and layout ops: `reshape`, `transpose`, `broadcast_to`, `expand_dims`, `squeeze`,
//! `concatenate`, `stack`, `split`, `swapaxes`, `moveaxis`, `ravel`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = ops::arange(0.0, 6.0, 1.0, None).unwrap();
//! let y = ops::reshape(&x, [2, -1]).unwrap();
//! assert_eq!(ops::transpose(&y, None).unwrap().dims(), &[3, 2]);
//! ```

use keras_backend::{bail, Result};

use super::sum_to_shape;
use crate::autodiff::record;
use crate::shape::{fmt_dims, normalize_axis, Axes};
use crate::tensor::Tensor;

/// A target shape for [`reshape`]: dims with at most one `-1` (inferred).
#[derive(Clone, Debug)]
pub struct NewShape(pub Vec<i64>);

impl<const N: usize> From<[i64; N]> for NewShape {
    fn from(v: [i64; N]) -> Self {
        NewShape(v.to_vec())
    }
}
impl From<Vec<i64>> for NewShape {
    fn from(v: Vec<i64>) -> Self {
        NewShape(v)
    }
}
impl From<&[i64]> for NewShape {
    fn from(v: &[i64]) -> Self {
        NewShape(v.to_vec())
    }
}
impl From<&[usize]> for NewShape {
    fn from(v: &[usize]) -> Self {
        NewShape(v.iter().map(|&d| d as i64).collect())
    }
}
impl From<Vec<usize>> for NewShape {
    fn from(v: Vec<usize>) -> Self {
        NewShape(v.iter().map(|&d| d as i64).collect())
    }
}
impl From<&Vec<usize>> for NewShape {
    fn from(v: &Vec<usize>) -> Self {
        NewShape::from(v.as_slice())
    }
}

fn resolve_new_shape(size: usize, spec: &[i64], from: &[usize]) -> Result<Vec<usize>> {
    let unknown = spec.iter().filter(|&&d| d == -1).count();
    if unknown > 1 || spec.iter().any(|&d| d < -1) {
        bail!("reshape", "invalid target shape {spec:?}");
    }
    let known: usize = spec
        .iter()
        .filter(|&&d| d >= 0)
        .map(|&d| d as usize)
        .product();
    let dims: Vec<usize> = if unknown == 1 {
        if known == 0 || !size.is_multiple_of(known) {
            bail!(
                "reshape",
                "cannot reshape a tensor of shape {} ({size} elements) into {spec:?}",
                fmt_dims(from)
            );
        }
        spec.iter()
            .map(|&d| if d == -1 { size / known } else { d as usize })
            .collect()
    } else {
        spec.iter().map(|&d| d as usize).collect()
    };
    if dims.iter().product::<usize>() != size {
        bail!(
            "reshape",
            "cannot reshape a tensor of shape {} ({size} elements) into {spec:?}",
            fmt_dims(from)
        );
    }
    Ok(dims)
}

/// The same data with a new shape; one dim may be `-1` (`keras.ops.reshape`).
pub fn reshape(x: &Tensor, new_shape: impl Into<NewShape>) -> Result<Tensor> {
    let dims = resolve_new_shape(x.size(), &new_shape.into().0, x.dims())?;
    if dims == x.dims() {
        return Ok(x.clone());
    }
    let y = x.view(&dims);
    let from = x.dims().to_vec();
    Ok(record("reshape", &[x], y, move |g, _, _| {
        Ok(vec![Some(reshape(g, &from)?)])
    }))
}

/// Reorders axes: output axis `i` is input axis `axes[i]`; `None` reverses them
/// (`keras.ops.transpose`).
pub fn transpose(x: &Tensor, axes: Option<&[i64]>) -> Result<Tensor> {
    let r = x.rank();
    let perm: Vec<usize> = match axes {
        None => (0..r).rev().collect(),
        Some(a) => {
            if a.len() != r {
                bail!("transpose", "axes {a:?} do not match a tensor of rank {r}");
            }
            let p = a
                .iter()
                .map(|&ax| normalize_axis(ax, r, "transpose"))
                .collect::<Result<Vec<_>>>()?;
            let mut seen = vec![false; r];
            for &ax in &p {
                if std::mem::replace(&mut seen[ax], true) {
                    bail!("transpose", "repeated axis in {a:?}");
                }
            }
            p
        }
    };
    permute(x, &perm)
}

/// Transpose by a resolved permutation (shared by the layout ops).
pub(crate) fn permute(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return Ok(x.clone());
    }
    let dims: Vec<usize> = perm.iter().map(|&p| x.dims()[p]).collect();
    let s = x.backend().permute(x.storage(), x.dims(), perm)?;
    let y = Tensor::from_storage(s, dims, x.backend());
    let mut inverse = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    Ok(record("transpose", &[x], y, move |g, _, _| {
        Ok(vec![Some(permute(g, &inverse)?)])
    }))
}

/// Broadcasts `x` to `shape` with NumPy rules (`keras.ops.broadcast_to`).
pub fn broadcast_to(x: &Tensor, shape: impl AsRef<[usize]>) -> Result<Tensor> {
    let shape = shape.as_ref();
    if x.dims() == shape {
        return Ok(x.clone());
    }
    if shape.len() < x.rank() {
        bail!(
            "broadcast_to",
            "cannot broadcast shape {} to {}",
            x.shape(),
            fmt_dims(shape)
        );
    }
    let padded = crate::shape::pad_rank(x.dims(), shape.len());
    for (a, b) in padded.iter().zip(shape) {
        if a != b && *a != 1 {
            bail!(
                "broadcast_to",
                "cannot broadcast shape {} to {}",
                x.shape(),
                fmt_dims(shape)
            );
        }
    }
    let s = x.backend().broadcast_to(x.storage(), &padded, shape)?;
    let y = Tensor::from_storage(s, shape, x.backend());
    let from = x.dims().to_vec();
    Ok(record("broadcast_to", &[x], y, move |g, _, _| {
        Ok(vec![Some(sum_to_shape(g, &from)?)])
    }))
}

/// Inserts size-1 axes at the positions `axis` of the result (`keras.ops.expand_dims`).
pub fn expand_dims(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    let Axes::Some(axes) = axis.into() else {
        bail!("expand_dims", "an axis is required");
    };
    let out_rank = x.rank() + axes.len();
    let mut positions = axes
        .iter()
        .map(|&a| normalize_axis(a, out_rank, "expand_dims"))
        .collect::<Result<Vec<_>>>()?;
    positions.sort_unstable();
    positions.dedup();
    if positions.len() != axes.len() {
        bail!("expand_dims", "repeated axis in {axes:?}");
    }
    let mut dims = Vec::with_capacity(out_rank);
    let mut src = x.dims().iter();
    for i in 0..out_rank {
        dims.push(if positions.contains(&i) {
            1
        } else {
            *src.next().unwrap_or(&1)
        });
    }
    reshape(x, dims)
}

/// Removes size-1 axes: the given ones, or all when `None` (`keras.ops.squeeze`).
pub fn squeeze(x: &Tensor, axis: impl Into<Axes>) -> Result<Tensor> {
    let axes: Vec<usize> = match axis.into() {
        Axes::All => (0..x.rank()).filter(|&i| x.dims()[i] == 1).collect(),
        some => {
            let a = some.resolve(x.rank(), "squeeze")?;
            if let Some(&bad) = a.iter().find(|&&i| x.dims()[i] != 1) {
                bail!(
                    "squeeze",
                    "cannot select axis {bad} of size {} (shape {}): only size-1 axes can be squeezed",
                    x.dims()[bad],
                    x.shape()
                );
            }
            a
        }
    };
    let dims: Vec<usize> = (0..x.rank())
        .filter(|i| !axes.contains(i))
        .map(|i| x.dims()[i])
        .collect();
    reshape(x, dims)
}

/// Flattens to one dimension (`keras.ops.ravel`).
pub fn ravel(x: &Tensor) -> Result<Tensor> {
    reshape(x, [x.size() as i64])
}

/// Exchanges two axes (`keras.ops.swapaxes`).
pub fn swapaxes(x: &Tensor, axis1: i64, axis2: i64) -> Result<Tensor> {
    let a = normalize_axis(axis1, x.rank(), "swapaxes")?;
    let b = normalize_axis(axis2, x.rank(), "swapaxes")?;
    let mut perm: Vec<usize> = (0..x.rank()).collect();
    perm.swap(a, b);
    permute(x, &perm)
}

/// Moves axes to new positions, keeping the others in order (`keras.ops.moveaxis`).
pub fn moveaxis(x: &Tensor, source: &[i64], destination: &[i64]) -> Result<Tensor> {
    if source.len() != destination.len() {
        bail!(
            "moveaxis",
            "source {source:?} and destination {destination:?} differ in length"
        );
    }
    let r = x.rank();
    Axes::from(source.to_vec()).resolve(r, "moveaxis")?;
    Axes::from(destination.to_vec()).resolve(r, "moveaxis")?;
    let src: Vec<usize> = source
        .iter()
        .map(|&a| normalize_axis(a, r, "moveaxis"))
        .collect::<Result<_>>()?;
    let dst: Vec<usize> = destination
        .iter()
        .map(|&a| normalize_axis(a, r, "moveaxis"))
        .collect::<Result<_>>()?;
    let mut rest = (0..r).filter(|i| !src.contains(i));
    let mut perm = vec![usize::MAX; r];
    for (s, d) in src.iter().zip(&dst) {
        perm[*d] = *s;
    }
    for p in perm.iter_mut().filter(|p| **p == usize::MAX) {
        *p = rest.next().unwrap_or(0);
    }
    permute(x, &perm)
}

/// Joins tensors along an existing `axis`, or flattened when `axis` is `None`
/// (`keras.ops.concatenate`); dtypes are promoted.
pub fn concatenate(xs: &[&Tensor], axis: impl Into<Option<i64>>) -> Result<Tensor> {
    if xs.is_empty() {
        bail!("concatenate", "need at least one tensor");
    }
    let Some(axis) = axis.into() else {
        let flat = xs.iter().map(|t| ravel(t)).collect::<Result<Vec<_>>>()?;
        return concatenate(&flat.iter().collect::<Vec<_>>(), 0);
    };
    let r = xs[0].rank();
    if r == 0 {
        bail!(
            "concatenate",
            "zero-dimensional tensors cannot be concatenated"
        );
    }
    let ax = normalize_axis(axis, r, "concatenate")?;
    let dtype =
        keras_backend::result_type(&xs.iter().map(|t| t.dtype().into()).collect::<Vec<_>>());
    let parts = xs
        .iter()
        .map(|t| super::cast(t, dtype))
        .collect::<Result<Vec<_>>>()?;
    for t in &parts {
        let ok = t.rank() == r && (0..r).all(|i| i == ax || t.dims()[i] == parts[0].dims()[i]);
        if !ok {
            bail!(
                "concatenate",
                "all inputs must match except on axis {ax}: got shapes {}",
                parts
                    .iter()
                    .map(|p| p.shape().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut dims = parts[0].dims().to_vec();
    dims[ax] = parts.iter().map(|t| t.dims()[ax]).sum();
    let raw: Vec<(&keras_backend::Storage, &[usize])> =
        parts.iter().map(|t| (t.storage(), t.dims())).collect();
    let s = parts[0].backend().concat(&raw, ax)?;
    let y = Tensor::from_storage(s, dims, parts[0].backend());
    let sizes: Vec<usize> = parts.iter().map(|t| t.dims()[ax]).collect();
    let refs: Vec<&Tensor> = parts.iter().collect();
    Ok(record("concatenate", &refs, y, move |g, _, _| {
        let pieces = split_sizes(g, &sizes, ax)?;
        Ok(pieces.into_iter().map(Some).collect())
    }))
}

/// Joins tensors of equal shape along a new `axis` (`keras.ops.stack`).
pub fn stack(xs: &[&Tensor], axis: i64) -> Result<Tensor> {
    if xs.is_empty() {
        bail!("stack", "need at least one tensor");
    }
    let r = xs[0].rank() + 1;
    let ax = normalize_axis(axis, r, "stack")?;
    if let Some(bad) = xs.iter().find(|t| t.dims() != xs[0].dims()) {
        bail!(
            "stack",
            "all inputs must have the same shape, got {} and {}",
            xs[0].shape(),
            bad.shape()
        );
    }
    let expanded = xs
        .iter()
        .map(|t| expand_dims(t, ax as i64))
        .collect::<Result<Vec<_>>>()?;
    concatenate(&expanded.iter().collect::<Vec<_>>(), ax as i64)
}

/// How [`split`] divides an axis.
#[derive(Clone, Debug)]
pub enum SplitSpec {
    /// Into this many equal parts.
    Sections(usize),
    /// At these indices.
    Indices(Vec<i64>),
}

impl From<usize> for SplitSpec {
    fn from(n: usize) -> Self {
        SplitSpec::Sections(n)
    }
}
impl From<Vec<i64>> for SplitSpec {
    fn from(v: Vec<i64>) -> Self {
        SplitSpec::Indices(v)
    }
}
impl<const N: usize> From<[i64; N]> for SplitSpec {
    fn from(v: [i64; N]) -> Self {
        SplitSpec::Indices(v.to_vec())
    }
}

/// Splits along `axis` into equal sections or at indices (`keras.ops.split`).
pub fn split(
    x: &Tensor,
    indices_or_sections: impl Into<SplitSpec>,
    axis: i64,
) -> Result<Vec<Tensor>> {
    let ax = normalize_axis(axis, x.rank(), "split")?;
    let n = x.dims()[ax];
    let sizes: Vec<usize> = match indices_or_sections.into() {
        SplitSpec::Sections(0) => bail!("split", "number of sections must be positive"),
        SplitSpec::Sections(k) => {
            if !n.is_multiple_of(k) {
                bail!(
                    "split",
                    "axis {ax} of size {n} does not split into {k} equal sections"
                );
            }
            vec![n / k; k]
        }
        SplitSpec::Indices(idx) => {
            let mut bounds: Vec<usize> = idx
                .iter()
                .map(|&i| {
                    let i = if i < 0 { i + n as i64 } else { i };
                    i.clamp(0, n as i64) as usize
                })
                .collect();
            bounds.insert(0, 0);
            bounds.push(n);
            bounds
                .windows(2)
                .map(|w| w[1].saturating_sub(w[0]))
                .collect()
        }
    };
    split_sizes(x, &sizes, ax)
}

/// Consecutive pieces of the given sizes along `axis` (with gradient).
pub(crate) fn split_sizes(x: &Tensor, sizes: &[usize], axis: usize) -> Result<Vec<Tensor>> {
    let mut start = 0;
    let mut out = Vec::with_capacity(sizes.len());
    for &len in sizes {
        out.push(slice_axis(x, axis, start, len)?);
        start += len;
    }
    Ok(out)
}

/// `x[..., start:start+len, ...]` on one axis, with gradient.
pub(crate) fn slice_axis(x: &Tensor, axis: usize, start: usize, len: usize) -> Result<Tensor> {
    let r = x.rank();
    let mut begin = vec![0; r];
    begin[axis] = start;
    let mut dims = x.dims().to_vec();
    dims[axis] = len;
    let steps = vec![1isize; r];
    let s = x
        .backend()
        .strided_slice(x.storage(), x.dims(), &begin, &steps, &dims)?;
    let y = Tensor::from_storage(s, dims, x.backend());
    let full = x.dims().to_vec();
    Ok(record("slice", &[x], y, move |g, _, _| {
        let zeros = super::zeros(&full, g.dtype())?;
        let s = g.backend().strided_slice_assign(
            zeros.storage(),
            &full,
            &begin,
            &steps,
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
