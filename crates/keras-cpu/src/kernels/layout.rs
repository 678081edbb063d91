//! Layout kernels (any dtype): `permute`, `broadcast_to`, `strided_slice`,
//! `strided_slice_assign`, `concat` and `pad`.
//!
//! Copies are described as a strided view of the source ([`View`]): size-1 dims are
//! dropped and dims that stay contiguous are merged, then rows of the last dim are copied
//! (`copy_from_slice` when the source row is contiguous). A permutation whose innermost
//! output dim is strided in the source (a transpose) is copied in 32×32 tiles instead.

use keras_backend::{DType, Element, Error, HostBuffer, PadMode, Result};
use rayon::prelude::*;

use super::broadcast::broadcast_copy;
use super::dispatch::{
    check_broadcast, check_len, numel, strides, with_dtype, with_pair, PAR_CHUNK, PAR_MIN,
};

/// Side of the square tiles of blocked transposes.
const TILE: usize = 32;

/// A strided view of a source buffer: element `idx` of the (row-major) output is read at
/// `base + Σ idx[d]·strides[d]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// Offset of the first element.
    pub base: isize,
    /// Output dims, collapsed (at least one).
    pub dims: Vec<usize>,
    /// Source stride of each dim (may be negative).
    pub strides: Vec<isize>,
}

impl View {
    /// A view over `dims` with source `strides`, collapsing size-1 and contiguous dims.
    pub fn new(base: isize, dims: &[usize], strides: &[isize]) -> View {
        let mut d: Vec<usize> = Vec::with_capacity(dims.len());
        let mut s: Vec<isize> = Vec::with_capacity(dims.len());
        for (&n, &st) in dims.iter().zip(strides) {
            if n == 1 {
                continue;
            }
            match (d.last_mut(), s.last_mut()) {
                (Some(pd), Some(ps)) if *ps == st * n as isize => {
                    *pd *= n;
                    *ps = st;
                }
                _ => {
                    d.push(n);
                    s.push(st);
                }
            }
        }
        if d.is_empty() {
            d.push(1);
            s.push(1);
        }
        View {
            base,
            dims: d,
            strides: s,
        }
    }

    /// Calls `row(out_row, source_offset, source_stride)` for each row of the output
    /// (`out` holds `numel(dims)` elements), in parallel row blocks for large outputs.
    pub fn for_each_row<O: Send>(
        &self,
        out: &mut [O],
        row: impl Fn(&mut [O], isize, isize) + Sync,
    ) {
        let n = *self.dims.last().unwrap_or(&1);
        if n == 0 || out.is_empty() {
            return;
        }
        let rows = out.len() / n;
        if out.len() >= PAR_MIN && rows > 1 {
            let per = (PAR_CHUNK / n).max(1);
            out.par_chunks_mut(per * n)
                .enumerate()
                .for_each(|(t, c)| self.rows(c, t * per, &row));
        } else {
            self.rows(out, 0, &row);
        }
    }

    fn rows<O>(&self, out: &mut [O], first: usize, row: &impl Fn(&mut [O], isize, isize)) {
        let n = *self.dims.last().unwrap_or(&1);
        let count = out.len() / n;
        let mut chunks = out.chunks_mut(n);
        self.walk(first, count, |_, off, s| {
            if let Some(c) = chunks.next() {
                row(c, off, s);
            }
        });
    }

    /// Calls `f(row, source_offset, source_stride)` for `count` rows from row `first`,
    /// serially, with an odometer (one division per dim to start).
    pub fn walk(&self, first: usize, count: usize, mut f: impl FnMut(usize, isize, isize)) {
        let r = self.dims.len();
        let inner = self.strides[r - 1];
        let (outer, ost) = (&self.dims[..r - 1], &self.strides[..r - 1]);
        let mut idx = vec![0usize; outer.len()];
        let mut off = self.base;
        let mut q = first;
        for d in (0..outer.len()).rev() {
            idx[d] = q % outer[d];
            q /= outer[d];
            off += idx[d] as isize * ost[d];
        }
        for row in first..first + count {
            f(row, off, inner);
            for d in (0..outer.len()).rev() {
                idx[d] += 1;
                off += ost[d];
                if idx[d] < outer[d] {
                    break;
                }
                off -= ost[d] * outer[d] as isize;
                idx[d] = 0;
            }
        }
    }

    /// Writes the rows of `src` (laid out as the view's dims) to the view's positions
    /// in `dst`.
    pub fn scatter<T: Copy>(&self, dst: &mut [T], src: &[T]) {
        let n = *self.dims.last().unwrap_or(&1);
        if n == 0 || src.is_empty() {
            return;
        }
        self.walk(0, src.len() / n, |q, off, s| {
            let row = &src[q * n..(q + 1) * n];
            if s == 1 {
                let o = off as usize;
                dst[o..o + n].copy_from_slice(row);
            } else {
                for (i, &v) in row.iter().enumerate() {
                    dst[(off + i as isize * s) as usize] = v;
                }
            }
        });
    }

    /// Gathers the view of `x` into a new buffer.
    pub fn gather<T: Copy + Send + Sync + Default>(&self, x: &[T]) -> Vec<T> {
        let mut out = vec![T::default(); numel(&self.dims)];
        self.for_each_row(&mut out, |o, off, s| {
            if s == 1 {
                let off = off as usize;
                o.copy_from_slice(&x[off..off + o.len()]);
            } else {
                for (i, v) in o.iter_mut().enumerate() {
                    *v = x[(off + i as isize * s) as usize];
                }
            }
        });
        out
    }
}

/// A raw pointer shared by tasks that write disjoint elements.
#[derive(Clone, Copy)]
struct SharedMut<T>(*mut T);
// SAFETY: only used to write disjoint positions of one live buffer from rayon tasks.
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    /// The pointer (a method, so closures capture the `Sync` wrapper, not the raw field).
    fn ptr(&self) -> *mut T {
        self.0
    }
}

/// Copies a view whose stride-1 source dim is `p` (not the last) in square tiles over
/// dims `p` and the last one.
fn tiled_gather<T: Copy + Send + Sync + Default>(x: &[T], v: &View, p: usize) -> Vec<T> {
    let r = v.dims.len();
    let total = numel(&v.dims);
    let mut out = vec![T::default(); total];
    let ost = strides(&v.dims);
    let others: Vec<usize> = (0..r - 1).filter(|&d| d != p).collect();
    let n_other: usize = others.iter().map(|&d| v.dims[d]).product();
    let (dp, dl) = (v.dims[p], v.dims[r - 1]);
    let (sl, osp) = (v.strides[r - 1], ost[p]);
    let tiles_p = dp.div_ceil(TILE);
    let dst = SharedMut(out.as_mut_ptr());
    let task = |t: usize| {
        let (mut o, ti) = (t / tiles_p, t % tiles_p);
        let (mut base_in, mut base_out) = (v.base, 0usize);
        for &d in others.iter().rev() {
            let i = o % v.dims[d];
            o /= v.dims[d];
            base_in += i as isize * v.strides[d];
            base_out += i * ost[d];
        }
        let i0 = ti * TILE;
        let ni = (i0 + TILE).min(dp) - i0;
        // The tile goes through a small buffer so that both the reads (along `p`, stride 1
        // in x) and the writes (along the last dim, stride 1 in out) are contiguous;
        // power-of-two strides would otherwise thrash the cache's sets.
        let mut buf = [T::default(); TILE * TILE];
        for j0 in (0..dl).step_by(TILE) {
            let nj = (j0 + TILE).min(dl) - j0;
            for jj in 0..nj {
                let src = (base_in + i0 as isize + (j0 + jj) as isize * sl) as usize;
                for (ii, &v) in x[src..src + ni].iter().enumerate() {
                    buf[ii * TILE + jj] = v;
                }
            }
            for ii in 0..ni {
                let off = base_out + (i0 + ii) * osp + j0;
                debug_assert!(off + nj <= total);
                // SAFETY: `off + nj` ≤ total, and each output element belongs to exactly one
                // (other index, i, j) triple, so tasks never write the same element.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        buf.as_ptr().add(ii * TILE),
                        dst.ptr().add(off),
                        nj,
                    )
                };
            }
        }
    };
    let tasks = n_other * tiles_p;
    if total >= PAR_MIN && tasks > 1 {
        (0..tasks).into_par_iter().for_each(task);
    } else {
        (0..tasks).for_each(task);
    }
    out
}

/// Reorders dims of `x`: output dim `i` is input dim `perm[i]`.
pub fn permute_slice<T: Copy + Send + Sync + Default>(
    x: &[T],
    shape: &[usize],
    perm: &[usize],
) -> Vec<T> {
    if x.is_empty() {
        return Vec::new();
    }
    let in_st = strides(shape);
    let dims: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let st: Vec<isize> = perm.iter().map(|&a| in_st[a] as isize).collect();
    let v = View::new(0, &dims, &st);
    let r = v.dims.len();
    if v.strides[r - 1] != 1 {
        if let Some(p) = v.strides.iter().position(|&s| s == 1) {
            return tiled_gather(x, &v, p);
        }
    }
    v.gather(x)
}

/// `permute` on a buffer of any dtype.
pub fn permute(x: &HostBuffer, shape: &[usize], perm: &[usize]) -> Result<HostBuffer> {
    check_len("transpose", "input", x, numel(shape))?;
    let mut seen = vec![false; shape.len()];
    let valid = perm.len() == shape.len()
        && perm
            .iter()
            .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
    if !valid {
        return Err(Error::op(
            "transpose",
            format!("permutation {perm:?} does not match shape {shape:?}"),
        ));
    }
    Ok(keras_backend::with_buffer!(x, v => HostBuffer::from(permute_slice(v, shape, perm))))
}

/// `broadcast_to` on a buffer of any dtype.
pub fn broadcast_to(x: &HostBuffer, shape: &[usize], out_shape: &[usize]) -> Result<HostBuffer> {
    check_len("broadcast_to", "input", x, numel(shape))?;
    check_broadcast("broadcast_to", &[shape], out_shape)?;
    Ok(keras_backend::with_buffer!(x, v => HostBuffer::from(broadcast_copy(v, shape, out_shape))))
}

/// The view of a strided window (`start`, `step`) of `shape` with `out_shape` elements.
fn window(shape: &[usize], start: &[usize], step: &[isize], out_shape: &[usize]) -> View {
    let st = strides(shape);
    let base: isize = start.iter().zip(&st).map(|(&s, &t)| (s * t) as isize).sum();
    let sv: Vec<isize> = step
        .iter()
        .zip(&st)
        .map(|(&k, &t)| k * t as isize)
        .collect();
    View::new(base, out_shape, &sv)
}

/// Checks that the window stays inside `shape` (so kernels never index out of bounds).
fn check_window(
    op: &str,
    shape: &[usize],
    start: &[usize],
    step: &[isize],
    out_shape: &[usize],
) -> Result<()> {
    let ok = shape.len() == start.len()
        && shape.len() == step.len()
        && shape.len() == out_shape.len()
        && (0..shape.len()).all(|d| {
            if out_shape[d] == 0 {
                return true;
            }
            let last = start[d] as i128 + (out_shape[d] as i128 - 1) * step[d] as i128;
            start[d] < shape[d] && last >= 0 && last < shape[d] as i128
        });
    if ok {
        Ok(())
    } else {
        Err(Error::op(
            op,
            format!(
                "window start {start:?} step {step:?} of {out_shape:?} elements does not fit in {shape:?}"
            ),
        ))
    }
}

/// Strided slice: output dim `i` has `out_shape[i]` elements from `start[i]` by `step[i]`.
pub fn strided_slice(
    x: &HostBuffer,
    shape: &[usize],
    start: &[usize],
    step: &[isize],
    out_shape: &[usize],
) -> Result<HostBuffer> {
    check_len("slice", "input", x, numel(shape))?;
    check_window("slice", shape, start, step, out_shape)?;
    let v = window(shape, start, step, out_shape);
    if numel(out_shape) == 0 {
        return Ok(HostBuffer::zeros(x.dtype(), 0));
    }
    Ok(keras_backend::with_buffer!(x, xs => HostBuffer::from(v.gather(xs))))
}

/// A copy of `x` whose strided window is replaced by `update` (same dtype).
pub fn strided_slice_assign(
    x: &HostBuffer,
    shape: &[usize],
    start: &[usize],
    step: &[isize],
    update: &HostBuffer,
    update_shape: &[usize],
) -> Result<HostBuffer> {
    check_len("slice_update", "input", x, numel(shape))?;
    check_len("slice_update", "update", update, numel(update_shape))?;
    check_window("slice_update", shape, start, step, update_shape)?;
    let v = window(shape, start, step, update_shape);
    fn assign<T: Copy>(x: &[T], u: &[T], v: &View) -> Vec<T> {
        let mut out = x.to_vec();
        v.scatter(&mut out, u);
        out
    }
    with_pair!(x, update, xs, us => Ok(HostBuffer::from(assign(xs, us, &v))),
        else Err(Error::op("slice_update", format!(
            "update dtype {} differs from the target's {}", update.dtype(), x.dtype()))))
}

/// Concatenates along `axis`; all parts share dtype and rank.
pub fn concat(parts: &[(&HostBuffer, &[usize])], axis: usize) -> Result<HostBuffer> {
    let Some(&(first, first_shape)) = parts.first() else {
        return Err(Error::op("concatenate", "needs at least one input"));
    };
    let dtype = first.dtype();
    for &(p, s) in parts {
        if p.dtype() != dtype {
            return Err(Error::op(
                "concatenate",
                format!("inputs mix dtypes {} and {}", dtype, p.dtype()),
            ));
        }
        check_len("concatenate", "input", p, numel(s))?;
        if s.len() != first_shape.len() || axis >= s.len() {
            return Err(Error::op(
                "concatenate",
                format!("shape {s:?} does not match {first_shape:?} along axis {axis}"),
            ));
        }
    }
    let outer = numel(&first_shape[..axis]);
    let inner = numel(&first_shape[axis + 1..]);
    fn typed<T: Element>(
        parts: &[(&HostBuffer, &[usize])],
        outer: usize,
        inner: usize,
        axis: usize,
    ) -> Result<HostBuffer> {
        let slices: Vec<(&[T], usize)> = parts
            .iter()
            .map(|&(p, s)| Ok((p.as_slice::<T>()?, s[axis] * inner)))
            .collect::<Result<_>>()?;
        let total: usize = slices.iter().map(|(s, _)| s.len()).sum();
        let mut out = Vec::with_capacity(total);
        for o in 0..outer {
            for &(s, chunk) in &slices {
                out.extend_from_slice(&s[o * chunk..(o + 1) * chunk]);
            }
        }
        Ok(T::into_buffer(out))
    }
    with_dtype!(dtype, T => typed::<T>(parts, outer, inner, axis))
}

/// Source index along one dim of size `n` for output position `j` (`before` = left pad).
fn pad_source(mode: PadMode, j: usize, before: usize, n: usize) -> usize {
    let i = j as i64 - before as i64;
    let n = n as i64;
    let m = match mode {
        PadMode::Constant | PadMode::Edge => i.clamp(0, n - 1),
        PadMode::Reflect => {
            if n == 1 {
                0
            } else {
                let period = 2 * (n - 1);
                let m = i.rem_euclid(period);
                if m >= n {
                    period - m
                } else {
                    m
                }
            }
        }
        PadMode::Symmetric => {
            let period = 2 * n;
            let m = i.rem_euclid(period);
            if m >= n {
                period - 1 - m
            } else {
                m
            }
        }
    };
    m as usize
}

fn pad_typed<T: Element + Default>(
    x: &[T],
    shape: &[usize],
    pads: &[(usize, usize)],
    mode: PadMode,
    value: T,
) -> Vec<T> {
    let out_shape: Vec<usize> = shape
        .iter()
        .zip(pads)
        .map(|(&n, &(b, a))| n + b + a)
        .collect();
    let total = numel(&out_shape);
    if total == 0 {
        return Vec::new();
    }
    if shape.is_empty() {
        return x.to_vec();
    }
    let r = shape.len();
    let ost = strides(&out_shape);
    let ist = strides(shape);
    if mode == PadMode::Constant {
        let mut out = vec![value; total];
        if x.is_empty() {
            return out;
        }
        // Copy x into the interior: a view of `out` with x's dims.
        let base: usize = (0..r).map(|d| pads[d].0 * ost[d]).sum();
        let ost_i: Vec<isize> = ost.iter().map(|&s| s as isize).collect();
        View::new(base as isize, shape, &ost_i).scatter(&mut out, x);
        return out;
    }
    // Mirror/edge modes: per-dim maps from output position to source index.
    let maps: Vec<Vec<usize>> = (0..r)
        .map(|d| {
            (0..out_shape[d])
                .map(|j| pad_source(mode, j, pads[d].0, shape[d]) * ist[d])
                .collect()
        })
        .collect();
    let last = &maps[r - 1];
    let mut out = vec![T::default(); total];
    let nl = out_shape[r - 1];
    let rows_out = total / nl;
    let mut idx = vec![0usize; r - 1];
    for q in 0..rows_out {
        let off: usize = (0..r - 1).map(|d| maps[d][idx[d]]).sum();
        let row = &mut out[q * nl..(q + 1) * nl];
        for (o, &m) in row.iter_mut().zip(last) {
            *o = x[off + m];
        }
        for d in (0..r - 1).rev() {
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

/// Pads each dim by `(before, after)` with `mode` (`value` for [`PadMode::Constant`]).
pub fn pad(
    x: &HostBuffer,
    shape: &[usize],
    pads: &[(usize, usize)],
    mode: PadMode,
    value: f64,
) -> Result<HostBuffer> {
    check_len("pad", "input", x, numel(shape))?;
    if pads.len() != shape.len() {
        return Err(Error::op(
            "pad",
            format!("{} pad pairs for a rank-{} input", pads.len(), shape.len()),
        ));
    }
    if mode != PadMode::Constant {
        for (d, (&n, &(b, a))) in shape.iter().zip(pads).enumerate() {
            if n == 0 && b + a > 0 {
                return Err(Error::op(
                    "pad",
                    format!("cannot pad the empty dim {d} of {shape:?} in mode {mode:?}"),
                ));
            }
        }
    }
    let dtype = x.dtype();
    with_dtype!(dtype, T => {
        let v = x.as_slice::<T>()?;
        Ok(T::into_buffer(pad_typed(v, shape, pads, mode, T::from_f64(value))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i64s(b: &HostBuffer) -> Vec<i64> {
        b.to_i64_vec()
    }

    fn naive_permute(x: &[i64], shape: &[usize], perm: &[usize]) -> Vec<i64> {
        let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        let ist = strides(shape);
        (0..x.len())
            .map(|flat| {
                let mut r = flat;
                let mut src = 0;
                for d in (0..out_shape.len()).rev() {
                    let i = r % out_shape[d];
                    r /= out_shape[d];
                    src += i * ist[perm[d]];
                }
                x[src]
            })
            .collect()
    }

    #[test]
    fn permutes_match_naive() {
        let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
            (vec![3, 4], vec![1, 0]),
            (vec![70, 45], vec![1, 0]),
            (vec![2, 3, 4], vec![0, 2, 1]),
            (vec![2, 3, 4], vec![2, 0, 1]),
            (vec![2, 3, 4], vec![1, 2, 0]),
            (vec![5, 1, 33, 40], vec![2, 3, 1, 0]),
            (vec![2, 3, 4, 5], vec![0, 2, 1, 3]),
            (vec![400, 300], vec![1, 0]),
            (vec![3, 64, 65, 2], vec![0, 3, 1, 2]),
        ];
        for (shape, perm) in cases {
            let x: Vec<i64> = (0..numel(&shape) as i64).collect();
            let got = permute(&HostBuffer::I64(x.clone()), &shape, &perm).unwrap();
            assert_eq!(
                i64s(&got),
                naive_permute(&x, &shape, &perm),
                "{shape:?} {perm:?}"
            );
        }
        let s = permute(&HostBuffer::F32(vec![7.0]), &[], &[]).unwrap();
        assert_eq!(s, HostBuffer::F32(vec![7.0]));
    }

    #[test]
    fn negative_step_slices() {
        let x = HostBuffer::I32((0..12).collect());
        // x[::-1, 1::2] of a [3, 4] array
        let r = strided_slice(&x, &[3, 4], &[2, 1], &[-1, 2], &[3, 2]).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![9, 11, 5, 7, 1, 3]));
        // x[:, ::-1]
        let r = strided_slice(&x, &[3, 4], &[0, 3], &[1, -1], &[3, 4]).unwrap();
        assert_eq!(
            r,
            HostBuffer::I32(vec![3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8])
        );
        // x[1:2, 3:0:-2]
        let r = strided_slice(&x, &[3, 4], &[1, 3], &[1, -2], &[1, 2]).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![7, 5]));
        let r = strided_slice(&x, &[3, 4], &[0, 0], &[1, 1], &[0, 4]).unwrap();
        assert_eq!(r.len(), 0);
        assert!(strided_slice(&x, &[3, 4], &[0, 3], &[1, 1], &[3, 2]).is_err());
        let u = HostBuffer::I32(vec![-1, -2, -3]);
        let r = strided_slice_assign(&x, &[3, 4], &[2, 3], &[-1, 1], &u, &[3, 1]).unwrap();
        assert_eq!(
            r,
            HostBuffer::I32(vec![0, 1, 2, -3, 4, 5, 6, -2, 8, 9, 10, -1])
        );
    }

    #[test]
    fn pad_modes_match_numpy() {
        let x = HostBuffer::I32(vec![1, 2, 3]);
        let p = |mode, b, a| i64s(&pad(&x, &[3], &[(b, a)], mode, 9.0).unwrap());
        assert_eq!(p(PadMode::Constant, 2, 1), vec![9, 9, 1, 2, 3, 9]);
        assert_eq!(p(PadMode::Reflect, 3, 3), vec![2, 3, 2, 1, 2, 3, 2, 1, 2]);
        assert_eq!(p(PadMode::Symmetric, 3, 3), vec![3, 2, 1, 1, 2, 3, 3, 2, 1]);
        assert_eq!(p(PadMode::Edge, 2, 2), vec![1, 1, 1, 2, 3, 3, 3]);
        // np.pad([1, 2, 3], 5, 'reflect') / 'symmetric'
        assert_eq!(
            p(PadMode::Reflect, 5, 5),
            vec![2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]
        );
        assert_eq!(
            p(PadMode::Symmetric, 5, 5),
            vec![2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2]
        );
        let m = HostBuffer::F32(vec![1.0, 2.0, 3.0, 4.0]);
        let r = pad(&m, &[2, 2], &[(1, 0), (0, 1)], PadMode::Constant, 0.5).unwrap();
        assert_eq!(
            r,
            HostBuffer::F32(vec![0.5, 0.5, 0.5, 1.0, 2.0, 0.5, 3.0, 4.0, 0.5])
        );
        let r = pad(&m, &[2, 2], &[(1, 1), (1, 0)], PadMode::Reflect, 0.0).unwrap();
        assert_eq!(
            r.to_f64_vec(),
            vec![4.0, 3.0, 4.0, 2.0, 1.0, 2.0, 4.0, 3.0, 4.0, 2.0, 1.0, 2.0]
        );
        let one = HostBuffer::F32(vec![5.0]);
        let r = pad(&one, &[1], &[(2, 1)], PadMode::Reflect, 0.0).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![5.0; 4]));
        let empty = HostBuffer::F32(vec![]);
        assert!(pad(&empty, &[0], &[(1, 1)], PadMode::Edge, 0.0).is_err());
        let r = pad(&empty, &[0], &[(1, 1)], PadMode::Constant, 2.0).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![2.0, 2.0]));
    }

    #[test]
    fn concat_parts_of_any_size() {
        let a = HostBuffer::I64(vec![1, 2, 3, 4]);
        let b = HostBuffer::I64(vec![]);
        let c = HostBuffer::I64(vec![5, 6]);
        let r = concat(&[(&a, &[2, 2]), (&b, &[2, 0]), (&c, &[2, 1])], 1).unwrap();
        assert_eq!(r, HostBuffer::I64(vec![1, 2, 5, 3, 4, 6]));
        let r = concat(&[(&a, &[2, 2]), (&c, &[1, 2])], 0).unwrap();
        assert_eq!(r, HostBuffer::I64(vec![1, 2, 3, 4, 5, 6]));
        let f = HostBuffer::F32(vec![1.0]);
        assert!(concat(&[(&a, &[2, 2]), (&f, &[1, 1])], 0).is_err());
        let r = broadcast_to(&c, &[2, 1], &[2, 3]).unwrap();
        assert_eq!(r, HostBuffer::I64(vec![5, 5, 5, 6, 6, 6]));
    }
}
