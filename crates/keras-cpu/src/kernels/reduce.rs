//! Reductions: `reduce` over an axis set, `arg_reduce`, running `cumulative` ops, and
//! `softmax`/`log_softmax`.
//!
//! Every kernel views its input as `[outer, r, inner]` around the reduced axis (an axis set
//! is first collapsed into alternating kept/reduced groups and reduced one group at a time).
//! `inner == 1` reduces contiguous rows with 16 independent lanes (vectorised, and pairwise
//! over blocks so long float sums stay accurate); `inner > 1` accumulates whole rows into
//! an `inner`-long accumulator, so column sums never stride per element. Half floats are
//! reduced in `f32`; integer sums and products wrap. Max/Min propagate NaN.

use std::borrow::Cow;

use keras_backend::{ArgReduceOp, CumulativeOp, DType, Error, HostBuffer, ReduceOp, Result};
use rayon::prelude::*;

use super::dispatch::{
    check_axes, check_axis, check_len, dtype_err, narrow_result, numel, split_axis, widen_half,
    Int, Real,
};
use super::dispatch::{PAR_CHUNK, PAR_MIN};
use super::elementwise::truthy;

/// Independent accumulators of the contiguous reduction.
const LANES: usize = 16;
/// Contiguous elements reduced before switching to pairwise halving.
const CONTIG_BLOCK: usize = 2048;
/// Rows accumulated in sequence before switching to pairwise halving.
const ROWS_BLOCK: usize = 64;

/// Reduces a contiguous slice (non-empty or not) starting from `init`.
fn reduce_contig<T: Copy>(x: &[T], init: T, f: &impl Fn(T, T) -> T) -> T {
    if x.len() > CONTIG_BLOCK {
        // Split at a multiple of the lane count so both halves stay aligned.
        let mid = (x.len() / 2).div_ceil(LANES) * LANES;
        return f(
            reduce_contig(&x[..mid], init, f),
            reduce_contig(&x[mid..], init, f),
        );
    }
    let mut lanes = [init; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..LANES {
            lanes[i] = f(lanes[i], c[i]);
        }
    }
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            lanes[i] = f(lanes[i], lanes[i + width]);
        }
        width /= 2;
    }
    rest.iter().fold(lanes[0], |a, &b| f(a, b))
}

/// Writes into `out` (length `inner`) the reduction of the `r ≥ 1` rows of `x`.
fn reduce_rows<T: Copy>(x: &[T], r: usize, inner: usize, out: &mut [T], f: &impl Fn(T, T) -> T) {
    if r > ROWS_BLOCK {
        let h = r / 2;
        reduce_rows(&x[..h * inner], h, inner, out, f);
        let mut tmp = out.to_vec();
        reduce_rows(&x[h * inner..], r - h, inner, &mut tmp, f);
        for (o, &t) in out.iter_mut().zip(&tmp) {
            *o = f(*o, t);
        }
        return;
    }
    out.copy_from_slice(&x[..inner]);
    for row in x[inner..r * inner].chunks_exact(inner) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o = f(*o, v);
        }
    }
}

/// Reduces the middle dim of `x` viewed as `[outer, r, inner]`.
fn reduce_axis<T: Copy + Send + Sync>(
    x: &[T],
    outer: usize,
    r: usize,
    inner: usize,
    init: T,
    f: &(impl Fn(T, T) -> T + Sync),
) -> Vec<T> {
    let mut out = vec![init; outer * inner];
    if r == 0 || out.is_empty() {
        return out;
    }
    let big = x.len() >= PAR_MIN;
    if inner == 1 {
        if outer == 1 {
            out[0] = if big {
                let partials: Vec<T> = x
                    .par_chunks(PAR_CHUNK)
                    .map(|c| reduce_contig(c, init, f))
                    .collect();
                reduce_contig(&partials, init, f)
            } else {
                reduce_contig(x, init, f)
            };
        } else if big {
            let min_len = (PAR_CHUNK / r).max(1);
            out.par_iter_mut()
                .with_min_len(min_len)
                .enumerate()
                .for_each(|(o, y)| *y = reduce_contig(&x[o * r..(o + 1) * r], init, f));
        } else {
            for (o, y) in out.iter_mut().enumerate() {
                *y = reduce_contig(&x[o * r..(o + 1) * r], init, f);
            }
        }
        return out;
    }
    let slab = r * inner;
    if big && outer >= 2 {
        out.par_chunks_mut(inner)
            .enumerate()
            .for_each(|(o, y)| reduce_rows(&x[o * slab..(o + 1) * slab], r, inner, y, f));
    } else if big && r >= 2 {
        // One slab: reduce row blocks in parallel, then combine the partial rows.
        let rows_per_block = (PAR_CHUNK / inner).max(ROWS_BLOCK).min(r);
        let blocks = r.div_ceil(rows_per_block);
        let partials: Vec<Vec<T>> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let lo = b * rows_per_block;
                let hi = ((b + 1) * rows_per_block).min(r);
                let mut p = vec![init; inner];
                reduce_rows(&x[lo * inner..hi * inner], hi - lo, inner, &mut p, f);
                p
            })
            .collect();
        for o in out.chunks_mut(inner) {
            o.copy_from_slice(&partials[0]);
            for p in &partials[1..] {
                for (y, &v) in o.iter_mut().zip(p) {
                    *y = f(*y, v);
                }
            }
        }
    } else {
        for (o, y) in out.chunks_mut(inner).enumerate() {
            reduce_rows(&x[o * slab..(o + 1) * slab], r, inner, y, f);
        }
    }
    out
}

/// Reduces `x` (shape `shape`) over the sorted axis set `axes`, starting from `init`
/// (the identity of `f`, also the result of reducing size-0 dims).
pub fn reduce_generic<T: Copy + Send + Sync>(
    x: &[T],
    shape: &[usize],
    axes: &[usize],
    init: T,
    f: impl Fn(T, T) -> T + Sync,
) -> Vec<T> {
    let out_n: usize = (0..shape.len())
        .filter(|d| !axes.contains(d))
        .map(|d| shape[d])
        .product();
    if x.is_empty() {
        return vec![init; out_n];
    }
    // Alternating groups of kept / reduced dims (size-1 dims dropped).
    let mut groups: Vec<(usize, bool)> = Vec::new();
    for (d, &n) in shape.iter().enumerate() {
        if n == 1 {
            continue;
        }
        let red = axes.contains(&d);
        match groups.last_mut() {
            Some(g) if g.1 == red => g.0 *= n,
            _ => groups.push((n, red)),
        }
    }
    let mut cur: Cow<[T]> = Cow::Borrowed(x);
    while let Some(pos) = groups.iter().rposition(|g| g.1) {
        let outer: usize = groups[..pos].iter().map(|g| g.0).product();
        let inner: usize = groups[pos + 1..].iter().map(|g| g.0).product();
        cur = Cow::Owned(reduce_axis(&cur, outer, groups[pos].0, inner, init, &f));
        groups.remove(pos);
    }
    cur.into_owned()
}

#[inline]
fn fmax<T: PartialOrd + Copy>(a: T, b: T) -> T {
    #[allow(clippy::eq_op)]
    if b > a || b != b {
        b
    } else {
        a
    }
}

#[inline]
fn fmin<T: PartialOrd + Copy>(a: T, b: T) -> T {
    #[allow(clippy::eq_op)]
    if b < a || b != b {
        b
    } else {
        a
    }
}

fn float_reduce<T: Real>(op: ReduceOp, v: &[T], shape: &[usize], axes: &[usize]) -> Vec<T> {
    match op {
        ReduceOp::Sum => reduce_generic(v, shape, axes, T::zero(), |a, b| a + b),
        ReduceOp::Prod => reduce_generic(v, shape, axes, T::one(), |a, b| a * b),
        ReduceOp::Max => reduce_generic(v, shape, axes, T::neg_infinity(), fmax),
        ReduceOp::Min => reduce_generic(v, shape, axes, T::infinity(), fmin),
        ReduceOp::Any | ReduceOp::All => unreachable!("handled by the caller"),
    }
}

fn int_reduce<T: Int>(op: ReduceOp, v: &[T], shape: &[usize], axes: &[usize]) -> HostBuffer {
    T::into_buffer(match op {
        ReduceOp::Sum => reduce_generic(v, shape, axes, T::ZERO, |a, b| a.wadd(b)),
        ReduceOp::Prod => reduce_generic(v, shape, axes, T::ONE, |a, b| a.wmul(b)),
        ReduceOp::Max => reduce_generic(v, shape, axes, T::MIN, |a, b| a.max(b)),
        ReduceOp::Min => reduce_generic(v, shape, axes, T::MAX, |a, b| a.min(b)),
        ReduceOp::Any | ReduceOp::All => unreachable!("handled by the caller"),
    })
}

/// Reduces over `axes` (sorted, unique); those dims are removed. `Any`/`All` give bool,
/// the others keep the dtype (bool supports `Max`/`Min` as or/and).
pub fn reduce(op: ReduceOp, x: &HostBuffer, shape: &[usize], axes: &[usize]) -> Result<HostBuffer> {
    let name = format!("reduce_{op:?}").to_lowercase();
    check_len(&name, "input", x, numel(shape))?;
    check_axes(&name, shape, axes)?;
    if matches!(op, ReduceOp::Any | ReduceOp::All) || x.dtype() == DType::Bool {
        let owned;
        let v: &[bool] = match x {
            HostBuffer::Bool(v) => v,
            other => {
                owned = truthy(other);
                &owned
            }
        };
        let r = match op {
            ReduceOp::Any | ReduceOp::Max => reduce_generic(v, shape, axes, false, |a, b| a | b),
            ReduceOp::All | ReduceOp::Min => reduce_generic(v, shape, axes, true, |a, b| a & b),
            _ => return Err(dtype_err(&name, DType::Bool)),
        };
        return Ok(HostBuffer::Bool(r));
    }
    Ok(match x {
        HostBuffer::F32(v) => HostBuffer::F32(float_reduce(op, v, shape, axes)),
        HostBuffer::F64(v) => HostBuffer::F64(float_reduce(op, v, shape, axes)),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let w = widen_half(x).expect("half buffer");
            narrow_result(
                x.dtype(),
                HostBuffer::F32(float_reduce(op, &w, shape, axes)),
            )
        }
        HostBuffer::U8(v) => int_reduce(op, v, shape, axes),
        HostBuffer::U16(v) => int_reduce(op, v, shape, axes),
        HostBuffer::U32(v) => int_reduce(op, v, shape, axes),
        HostBuffer::U64(v) => int_reduce(op, v, shape, axes),
        HostBuffer::I8(v) => int_reduce(op, v, shape, axes),
        HostBuffer::I16(v) => int_reduce(op, v, shape, axes),
        HostBuffer::I32(v) => int_reduce(op, v, shape, axes),
        HostBuffer::I64(v) => int_reduce(op, v, shape, axes),
        HostBuffer::Bool(_) => unreachable!("handled above"),
    })
}

/// Index of the best element along the middle dim of `[outer, r, inner]` (`r ≥ 1`):
/// `better(candidate, best)` decides; ties keep the first.
fn arg_best<T: Copy + Send + Sync>(
    x: &[T],
    outer: usize,
    r: usize,
    inner: usize,
    better: impl Fn(T, T) -> bool + Sync,
) -> Vec<i32> {
    let mut out = vec![0i32; outer * inner];
    let slab = r * inner;
    let one = |o: usize, y: &mut [i32]| {
        let s = &x[o * slab..(o + 1) * slab];
        if inner == 1 {
            let mut best = s[0];
            let mut bi = 0;
            for (i, &v) in s.iter().enumerate().skip(1) {
                if better(v, best) {
                    best = v;
                    bi = i;
                }
            }
            y[0] = bi as i32;
        } else {
            let mut best = s[..inner].to_vec();
            for (i, row) in s.chunks_exact(inner).enumerate().skip(1) {
                for ((b, yi), &v) in best.iter_mut().zip(y.iter_mut()).zip(row) {
                    if better(v, *b) {
                        *b = v;
                        *yi = i as i32;
                    }
                }
            }
        }
    };
    if x.len() >= PAR_MIN && outer >= 2 {
        let min_len = (PAR_CHUNK / slab).max(1);
        out.par_chunks_mut(inner)
            .with_min_len(min_len)
            .enumerate()
            .for_each(|(o, y)| one(o, y));
    } else {
        for (o, y) in out.chunks_mut(inner).enumerate() {
            one(o, y);
        }
    }
    out
}

fn arg_typed<T: Copy + Send + Sync + PartialOrd>(
    op: ArgReduceOp,
    x: &[T],
    dims: (usize, usize, usize),
) -> Vec<i32> {
    let (outer, r, inner) = dims;
    #[allow(clippy::eq_op)]
    match op {
        // NaN (x != x) beats every number and the first NaN wins, as NumPy.
        ArgReduceOp::ArgMax => arg_best(x, outer, r, inner, |c, b| c > b || (c != c && b == b)),
        ArgReduceOp::ArgMin => arg_best(x, outer, r, inner, |c, b| c < b || (c != c && b == b)),
    }
}

/// Index (int32) of the max/min along `axis`: first occurrence, NaN counts as extreme.
pub fn arg_reduce(
    op: ArgReduceOp,
    x: &HostBuffer,
    shape: &[usize],
    axis: usize,
) -> Result<HostBuffer> {
    let name = format!("{op:?}").to_lowercase();
    check_len(&name, "input", x, numel(shape))?;
    check_axis(&name, shape, axis)?;
    let dims = split_axis(shape, axis);
    if dims.0 * dims.2 == 0 {
        return Ok(HostBuffer::I32(Vec::new()));
    }
    if dims.1 == 0 {
        return Err(Error::op(
            &name,
            format!("attempt to get the index of an empty axis {axis} of shape {shape:?}"),
        ));
    }
    if let Some(w) = widen_half(x) {
        return Ok(HostBuffer::I32(arg_typed(op, &w, dims)));
    }
    Ok(HostBuffer::I32(match x {
        HostBuffer::Bool(v) => arg_typed(op, v, dims),
        HostBuffer::U8(v) => arg_typed(op, v, dims),
        HostBuffer::U16(v) => arg_typed(op, v, dims),
        HostBuffer::U32(v) => arg_typed(op, v, dims),
        HostBuffer::U64(v) => arg_typed(op, v, dims),
        HostBuffer::I8(v) => arg_typed(op, v, dims),
        HostBuffer::I16(v) => arg_typed(op, v, dims),
        HostBuffer::I32(v) => arg_typed(op, v, dims),
        HostBuffer::I64(v) => arg_typed(op, v, dims),
        HostBuffer::F32(v) => arg_typed(op, v, dims),
        HostBuffer::F64(v) => arg_typed(op, v, dims),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => unreachable!("widened above"),
    }))
}

/// Running accumulation along the middle dim of `[outer, r, inner]`.
fn scan<T: Copy + Send + Sync + Default>(
    x: &[T],
    dims: (usize, usize, usize),
    reverse: bool,
    f: impl Fn(T, T) -> T + Sync,
) -> Vec<T> {
    let (outer, r, inner) = dims;
    let mut out = vec![T::default(); x.len()];
    let slab = r * inner;
    if slab == 0 {
        return out;
    }
    let one = |o: usize, y: &mut [T]| {
        let s = &x[o * slab..(o + 1) * slab];
        if inner == 1 {
            let mut acc = if reverse { s[r - 1] } else { s[0] };
            if reverse {
                y[r - 1] = acc;
                for i in (0..r - 1).rev() {
                    acc = f(acc, s[i]);
                    y[i] = acc;
                }
            } else {
                y[0] = acc;
                for i in 1..r {
                    acc = f(acc, s[i]);
                    y[i] = acc;
                }
            }
            return;
        }
        let row = |i: usize| i * inner..(i + 1) * inner;
        if reverse {
            y[row(r - 1)].copy_from_slice(&s[row(r - 1)]);
            for i in (0..r - 1).rev() {
                let (lo, hi) = y.split_at_mut((i + 1) * inner);
                let dst = &mut lo[i * inner..];
                for ((d, &p), &v) in dst.iter_mut().zip(&hi[..inner]).zip(&s[row(i)]) {
                    *d = f(p, v);
                }
            }
        } else {
            y[row(0)].copy_from_slice(&s[row(0)]);
            for i in 1..r {
                let (lo, hi) = y.split_at_mut(i * inner);
                let prev = &lo[(i - 1) * inner..];
                for ((d, &p), &v) in hi[..inner].iter_mut().zip(prev).zip(&s[row(i)]) {
                    *d = f(p, v);
                }
            }
        }
    };
    if x.len() >= PAR_MIN && outer >= 2 {
        let min_len = (PAR_CHUNK / slab).max(1);
        out.par_chunks_mut(slab)
            .with_min_len(min_len)
            .enumerate()
            .for_each(|(o, y)| one(o, y));
    } else {
        for (o, y) in out.chunks_mut(slab).enumerate() {
            one(o, y);
        }
    }
    out
}

fn float_scan<T: Real>(
    op: CumulativeOp,
    v: &[T],
    dims: (usize, usize, usize),
    rev: bool,
) -> Vec<T> {
    match op {
        CumulativeOp::Sum => scan(v, dims, rev, |a, b| a + b),
        CumulativeOp::Prod => scan(v, dims, rev, |a, b| a * b),
        CumulativeOp::Max => scan(v, dims, rev, fmax),
        CumulativeOp::Min => scan(v, dims, rev, fmin),
    }
}

fn int_scan<T: Int>(
    op: CumulativeOp,
    v: &[T],
    dims: (usize, usize, usize),
    rev: bool,
) -> HostBuffer {
    T::into_buffer(match op {
        CumulativeOp::Sum => scan(v, dims, rev, |a, b| a.wadd(b)),
        CumulativeOp::Prod => scan(v, dims, rev, |a, b| a.wmul(b)),
        CumulativeOp::Max => scan(v, dims, rev, |a, b| a.max(b)),
        CumulativeOp::Min => scan(v, dims, rev, |a, b| a.min(b)),
    })
}

/// Running sum/prod/max/min along `axis`, from the end when `reverse`. Same dtype out.
pub fn cumulative(
    op: CumulativeOp,
    x: &HostBuffer,
    shape: &[usize],
    axis: usize,
    reverse: bool,
) -> Result<HostBuffer> {
    let name = format!("cum{op:?}").to_lowercase();
    check_len(&name, "input", x, numel(shape))?;
    check_axis(&name, shape, axis)?;
    let dims = split_axis(shape, axis);
    Ok(match x {
        HostBuffer::F32(v) => HostBuffer::F32(float_scan(op, v, dims, reverse)),
        HostBuffer::F64(v) => HostBuffer::F64(float_scan(op, v, dims, reverse)),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let w = widen_half(x).expect("half buffer");
            narrow_result(
                x.dtype(),
                HostBuffer::F32(float_scan(op, &w, dims, reverse)),
            )
        }
        HostBuffer::U8(v) => int_scan(op, v, dims, reverse),
        HostBuffer::U16(v) => int_scan(op, v, dims, reverse),
        HostBuffer::U32(v) => int_scan(op, v, dims, reverse),
        HostBuffer::U64(v) => int_scan(op, v, dims, reverse),
        HostBuffer::I8(v) => int_scan(op, v, dims, reverse),
        HostBuffer::I16(v) => int_scan(op, v, dims, reverse),
        HostBuffer::I32(v) => int_scan(op, v, dims, reverse),
        HostBuffer::I64(v) => int_scan(op, v, dims, reverse),
        HostBuffer::Bool(v) => HostBuffer::Bool(match op {
            CumulativeOp::Max => scan(v, dims, reverse, |a, b| a | b),
            CumulativeOp::Min => scan(v, dims, reverse, |a, b| a & b),
            _ => return Err(dtype_err(&format!("cum{op:?}").to_lowercase(), DType::Bool)),
        }),
    })
}

/// Softmax of one `[r, inner]` slab into `y`.
fn softmax_slab<T: Real>(s: &[T], y: &mut [T], inner: usize, log: bool) {
    if inner == 1 {
        // Separate passes so each loop vectorises (a running sum would serialise).
        let m = reduce_contig(s, T::neg_infinity(), &fmax);
        for (o, &v) in y.iter_mut().zip(s) {
            *o = (v - m).vexp();
        }
        let sum = reduce_contig(y, T::zero(), &|a, b| a + b);
        if log {
            let ls = sum.ln();
            for (o, &v) in y.iter_mut().zip(s) {
                *o = (v - m) - ls;
            }
        } else {
            let inv = T::one() / sum;
            for o in y.iter_mut() {
                *o = *o * inv;
            }
        }
        return;
    }
    let mut m = vec![T::neg_infinity(); inner];
    for row in s.chunks_exact(inner) {
        for (a, &b) in m.iter_mut().zip(row) {
            *a = fmax(*a, b);
        }
    }
    let mut sum = vec![T::zero(); inner];
    for (yr, row) in y.chunks_exact_mut(inner).zip(s.chunks_exact(inner)) {
        for (((o, &v), &mx), acc) in yr.iter_mut().zip(row).zip(&m).zip(sum.iter_mut()) {
            let e = (v - mx).vexp();
            *acc = *acc + e;
            *o = if log { v - mx } else { e };
        }
    }
    if log {
        let ls: Vec<T> = sum.iter().map(|v| v.ln()).collect();
        for yr in y.chunks_exact_mut(inner) {
            for (o, &l) in yr.iter_mut().zip(&ls) {
                *o = *o - l;
            }
        }
    } else {
        let inv: Vec<T> = sum.iter().map(|&v| T::one() / v).collect();
        for yr in y.chunks_exact_mut(inner) {
            for (o, &l) in yr.iter_mut().zip(&inv) {
                *o = *o * l;
            }
        }
    }
}

fn softmax_typed<T: Real>(x: &[T], dims: (usize, usize, usize), log: bool) -> Vec<T> {
    let (outer, r, inner) = dims;
    let mut out = vec![T::zero(); x.len()];
    let slab = r * inner;
    if slab == 0 {
        return out;
    }
    if x.len() >= PAR_MIN && outer >= 2 {
        let min_len = (PAR_CHUNK / slab).max(1);
        out.par_chunks_mut(slab)
            .with_min_len(min_len)
            .enumerate()
            .for_each(|(o, y)| softmax_slab(&x[o * slab..(o + 1) * slab], y, inner, log));
    } else {
        for (o, y) in out.chunks_mut(slab).enumerate() {
            softmax_slab(&x[o * slab..(o + 1) * slab], y, inner, log);
        }
    }
    out
}

/// Softmax (or log-softmax) along `axis`, max-shifted for stability; floats only.
pub fn softmax(x: &HostBuffer, shape: &[usize], axis: usize, log: bool) -> Result<HostBuffer> {
    let name = if log { "log_softmax" } else { "softmax" };
    check_len(name, "input", x, numel(shape))?;
    check_axis(name, shape, axis)?;
    let dims = split_axis(shape, axis);
    Ok(match x {
        HostBuffer::F32(v) => HostBuffer::F32(softmax_typed(v, dims, log)),
        HostBuffer::F64(v) => HostBuffer::F64(softmax_typed(v, dims, log)),
        HostBuffer::F16(_) | HostBuffer::BF16(_) => {
            let w = widen_half(x).expect("half buffer");
            narrow_result(x.dtype(), HostBuffer::F32(softmax_typed(&w, dims, log)))
        }
        other => return Err(dtype_err(name, other.dtype())),
    })
}

#[cfg(test)]
mod tests {
    use super::super::dispatch::numel;
    use super::*;

    fn naive_sum(x: &[f64], shape: &[usize], axes: &[usize]) -> Vec<f64> {
        let kept: Vec<usize> = (0..shape.len()).filter(|d| !axes.contains(d)).collect();
        let out_shape: Vec<usize> = kept.iter().map(|&d| shape[d]).collect();
        let mut out = vec![0.0; numel(&out_shape)];
        let st = super::super::dispatch::strides(&out_shape);
        for (flat, &v) in x.iter().enumerate() {
            let mut r = flat;
            let mut idx = vec![0; shape.len()];
            for d in (0..shape.len()).rev() {
                idx[d] = r % shape[d];
                r /= shape[d];
            }
            let o: usize = kept.iter().enumerate().map(|(k, &d)| idx[d] * st[k]).sum();
            out[o] += v;
        }
        out
    }

    #[test]
    fn sums_over_axis_sets_match_naive() {
        let shape = [3, 4, 5, 2];
        let x: Vec<f64> = (0..numel(&shape)).map(|i| (i as f64 * 0.7).sin()).collect();
        let axis_sets: Vec<Vec<usize>> = vec![
            vec![],
            vec![0],
            vec![1],
            vec![3],
            vec![0, 2],
            vec![1, 3],
            vec![0, 1, 2, 3],
            vec![0, 1],
        ];
        for axes in axis_sets {
            let got = reduce(ReduceOp::Sum, &HostBuffer::F64(x.clone()), &shape, &axes).unwrap();
            let want = naive_sum(&x, &shape, &axes);
            let got = got.to_f64_vec();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-12, "axes {axes:?}");
            }
        }
    }

    #[test]
    fn size_zero_reductions_give_identities() {
        let x = HostBuffer::F32(vec![]);
        let r = reduce(ReduceOp::Sum, &x, &[2, 0], &[1]).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![0.0, 0.0]));
        let r = reduce(ReduceOp::Prod, &x, &[2, 0], &[1]).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![1.0, 1.0]));
        let r = reduce(ReduceOp::Max, &x, &[0], &[0]).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![f32::NEG_INFINITY]));
        let r = reduce(ReduceOp::Min, &HostBuffer::I8(vec![]), &[0, 3], &[0]).unwrap();
        assert_eq!(r, HostBuffer::I8(vec![127; 3]));
        let r = reduce(ReduceOp::All, &HostBuffer::Bool(vec![]), &[0], &[0]).unwrap();
        assert_eq!(r, HostBuffer::Bool(vec![true]));
        let r = reduce(ReduceOp::Sum, &x, &[0, 2], &[0]).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![0.0, 0.0]));
        let r = reduce(ReduceOp::Sum, &x, &[2, 0], &[0]).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![]));
    }

    #[test]
    fn max_propagates_nan_and_argmax_prefers_first_nan() {
        let x = HostBuffer::F32(vec![1.0, f32::NAN, 3.0, 0.0, 5.0, f32::NAN]);
        let m = reduce(ReduceOp::Max, &x, &[2, 3], &[1])
            .unwrap()
            .to_f64_vec();
        assert!(m[0].is_nan() && m[1].is_nan());
        let m = reduce(ReduceOp::Min, &x, &[2, 3], &[0])
            .unwrap()
            .to_f64_vec();
        assert!(m[0] == 0.0 && m[1].is_nan() && m[2].is_nan());
        let a = arg_reduce(ArgReduceOp::ArgMax, &x, &[2, 3], 1).unwrap();
        assert_eq!(a, HostBuffer::I32(vec![1, 2]));
        let a = arg_reduce(ArgReduceOp::ArgMin, &x, &[2, 3], 0).unwrap();
        assert_eq!(a, HostBuffer::I32(vec![1, 0, 1]));
        let t = HostBuffer::I32(vec![3, 7, 7, 1, 1, 3]);
        let a = arg_reduce(ArgReduceOp::ArgMax, &t, &[6], 0).unwrap();
        assert_eq!(a, HostBuffer::I32(vec![1]));
        let a = arg_reduce(ArgReduceOp::ArgMin, &t, &[6], 0).unwrap();
        assert_eq!(a, HostBuffer::I32(vec![3]));
        assert!(arg_reduce(ArgReduceOp::ArgMin, &HostBuffer::F32(vec![]), &[2, 0], 1).is_err());
    }

    #[test]
    fn large_float_sums_stay_accurate() {
        let n = 1 << 22;
        let x = HostBuffer::F32(vec![0.1f32; n]);
        let s = reduce(ReduceOp::Sum, &x, &[n], &[0]).unwrap().to_f64_vec()[0];
        let want = 0.1f32 as f64 * n as f64;
        assert!((s - want).abs() / want < 1e-6, "{s} vs {want}");
        // Column sums of a tall matrix, serial and parallel paths.
        for rows in [1000, 100_000] {
            let x = HostBuffer::F32(vec![0.1f32; rows * 3]);
            let s = reduce(ReduceOp::Sum, &x, &[rows, 3], &[0])
                .unwrap()
                .to_f64_vec();
            let want = 0.1f32 as f64 * rows as f64;
            for v in s {
                assert!((v - want).abs() / want < 1e-6);
            }
        }
        let h = HostBuffer::F32(vec![1.0; 5000]).cast(DType::F16);
        let s = reduce(ReduceOp::Sum, &h, &[5000], &[0])
            .unwrap()
            .to_f64_vec()[0];
        assert_eq!(s, 5000.0);
    }

    #[test]
    fn int_reductions_wrap() {
        let x = HostBuffer::I8(vec![100, 100, 100]);
        assert_eq!(
            reduce(ReduceOp::Sum, &x, &[3], &[0]).unwrap(),
            HostBuffer::I8(vec![44])
        );
        let a = reduce(
            ReduceOp::Any,
            &HostBuffer::F32(vec![0.0, 2.0, 0.0, 0.0]),
            &[2, 2],
            &[1],
        )
        .unwrap();
        assert_eq!(a, HostBuffer::Bool(vec![true, false]));
        assert!(reduce(ReduceOp::Sum, &HostBuffer::Bool(vec![true]), &[1], &[0]).is_err());
    }

    #[test]
    fn cumulative_forward_and_reverse() {
        let x = HostBuffer::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let c = cumulative(CumulativeOp::Sum, &x, &[2, 3], 1, false).unwrap();
        assert_eq!(c, HostBuffer::F32(vec![1.0, 3.0, 6.0, 4.0, 9.0, 15.0]));
        let c = cumulative(CumulativeOp::Sum, &x, &[2, 3], 1, true).unwrap();
        assert_eq!(c, HostBuffer::F32(vec![6.0, 5.0, 3.0, 15.0, 11.0, 6.0]));
        let c = cumulative(CumulativeOp::Prod, &x, &[2, 3], 0, false).unwrap();
        assert_eq!(c, HostBuffer::F32(vec![1.0, 2.0, 3.0, 4.0, 10.0, 18.0]));
        let c = cumulative(CumulativeOp::Max, &x, &[2, 3], 0, true).unwrap();
        assert_eq!(c, HostBuffer::F32(vec![4.0, 5.0, 6.0, 4.0, 5.0, 6.0]));
        let i = HostBuffer::I32(vec![3, 1, 2, 0]);
        let c = cumulative(CumulativeOp::Min, &i, &[4], 0, false).unwrap();
        assert_eq!(c, HostBuffer::I32(vec![3, 1, 1, 0]));
        let c = cumulative(CumulativeOp::Max, &i, &[4], 0, true).unwrap();
        assert_eq!(c, HostBuffer::I32(vec![3, 2, 2, 0]));
    }

    #[test]
    fn softmax_is_stable() {
        let x = HostBuffer::F32(vec![1000.0, 1001.0, 1002.0, -5.0, 0.0, 5.0]);
        let s = softmax(&x, &[2, 3], 1, false).unwrap().to_f64_vec();
        let e = [(-2.0f64).exp(), (-1.0f64).exp(), 1.0];
        let z: f64 = e.iter().sum();
        for i in 0..3 {
            assert!((s[i] - e[i] / z).abs() < 1e-6);
        }
        let l = softmax(&x, &[2, 3], 1, true).unwrap().to_f64_vec();
        assert!((l[2] - (1.0 / z).ln()).abs() < 1e-5);
        // Along axis 0 (columns) matches the transposed computation.
        let t = softmax(&x, &[2, 3], 0, false).unwrap().to_f64_vec();
        assert!((t[0] - 1.0).abs() < 1e-6 && t[3].abs() < 1e-6);
        let lt = softmax(&x, &[2, 3], 0, true).unwrap().to_f64_vec();
        assert!((lt[3] + 1005.0).abs() < 1e-3);
        assert!(softmax(&HostBuffer::I32(vec![1]), &[1], 0, false).is_err());
    }
}
