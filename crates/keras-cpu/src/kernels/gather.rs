//! Indexing kernels (any dtype): `gather` (take), `index_add`, `take_along_axis`,
//! `put_along_axis_add` and `scatter_nd`.
//!
//! Indices are int64 (other integer dtypes are widened) and are range-checked once, so a bad
//! index is an error rather than a panic. Gathers copy whole `inner` rows and run in
//! parallel for large outputs; scatters run serially so duplicate indices accumulate in
//! order. Additions wrap for integers, are `or` for bool, and happen in `f32` for halves.

use keras_backend::{Error, HostBuffer, Result, ScatterMode};
use rayon::prelude::*;

use super::dispatch::{
    check_axis, check_indices, check_len, indices_i64, narrow_to, numel, split_axis, strides,
    widen_half, with_pair, Int, PAR_CHUNK, PAR_MIN,
};

/// A scatter kernel, generic over the element type and the combining function.
trait Scatter {
    /// Combines `u` into `out` with `f(old, update)`.
    fn run<T: Copy + Send + Sync, F: Fn(T, T) -> T + Sync>(&self, out: &mut [T], u: &[T], f: F);
}

/// Runs `k` on a copy of `x`: adding `u` (mode `Add`) or overwriting (`Update`).
fn scatter_into<K: Scatter>(
    op: &str,
    x: &HostBuffer,
    u: &HostBuffer,
    mode: ScatterMode,
    k: &K,
) -> Result<HostBuffer> {
    if x.dtype() != u.dtype() {
        return Err(Error::op(
            op,
            format!(
                "updates dtype {} differs from the target's {}",
                u.dtype(),
                x.dtype()
            ),
        ));
    }
    if mode == ScatterMode::Update {
        return with_pair!(x, u, xs, us => {
            let mut out = xs.clone();
            k.run(&mut out, us, |_, b| b);
            Ok(HostBuffer::from(out))
        }, else unreachable!("dtypes checked above"));
    }
    fn int<T: Int, K: Scatter>(x: &[T], u: &[T], k: &K) -> HostBuffer {
        let mut out = x.to_vec();
        k.run(&mut out, u, |a, b| a.wadd(b));
        T::into_buffer(out)
    }
    Ok(match (x, u) {
        (HostBuffer::F32(xs), HostBuffer::F32(us)) => {
            let mut out = xs.clone();
            k.run(&mut out, us, |a, b| a + b);
            HostBuffer::F32(out)
        }
        (HostBuffer::F64(xs), HostBuffer::F64(us)) => {
            let mut out = xs.clone();
            k.run(&mut out, us, |a, b| a + b);
            HostBuffer::F64(out)
        }
        (HostBuffer::F16(_), _) | (HostBuffer::BF16(_), _) => {
            let mut out = widen_half(x).expect("half buffer");
            let us = widen_half(u).expect("half buffer");
            k.run(&mut out, &us, |a, b| a + b);
            narrow_to(x.dtype(), out)
        }
        (HostBuffer::Bool(xs), HostBuffer::Bool(us)) => {
            let mut out = xs.clone();
            k.run(&mut out, us, |a, b| a | b);
            HostBuffer::Bool(out)
        }
        (HostBuffer::U8(xs), HostBuffer::U8(us)) => int(xs, us, k),
        (HostBuffer::U16(xs), HostBuffer::U16(us)) => int(xs, us, k),
        (HostBuffer::U32(xs), HostBuffer::U32(us)) => int(xs, us, k),
        (HostBuffer::U64(xs), HostBuffer::U64(us)) => int(xs, us, k),
        (HostBuffer::I8(xs), HostBuffer::I8(us)) => int(xs, us, k),
        (HostBuffer::I16(xs), HostBuffer::I16(us)) => int(xs, us, k),
        (HostBuffer::I32(xs), HostBuffer::I32(us)) => int(xs, us, k),
        (HostBuffer::I64(xs), HostBuffer::I64(us)) => int(xs, us, k),
        _ => unreachable!("dtypes checked above"),
    })
}

fn gather_typed<T: Copy + Send + Sync + Default>(
    x: &[T],
    (outer, a, inner): (usize, usize, usize),
    idx: &[i64],
) -> Vec<T> {
    let k = idx.len();
    let mut out = vec![T::default(); outer * k * inner];
    if out.is_empty() {
        return out;
    }
    // Output row q = (o, j) copies source row (o, idx[j]).
    let rows = |chunk: &mut [T], first: usize| {
        for (r, dst) in chunk.chunks_mut(inner).enumerate() {
            let q = first + r;
            let (o, j) = (q / k, q % k);
            let src = (o * a + idx[j] as usize) * inner;
            if inner == 1 {
                dst[0] = x[src];
            } else {
                dst.copy_from_slice(&x[src..src + inner]);
            }
        }
    };
    if out.len() >= PAR_MIN {
        let per = (PAR_CHUNK / inner).max(1);
        out.par_chunks_mut(per * inner)
            .enumerate()
            .for_each(|(t, c)| rows(c, t * per));
    } else {
        rows(&mut out, 0);
    }
    out
}

/// `take` along `axis`: output shape `shape[..axis] ++ [indices.len()] ++ shape[axis+1..]`.
pub fn gather(
    x: &HostBuffer,
    shape: &[usize],
    axis: usize,
    indices: &HostBuffer,
) -> Result<HostBuffer> {
    check_len("take", "input", x, numel(shape))?;
    check_axis("take", shape, axis)?;
    let idx = indices_i64("take", indices)?;
    let dims = split_axis(shape, axis);
    if dims.0 * dims.2 > 0 {
        check_indices("take", &idx, dims.1)?;
    }
    Ok(keras_backend::with_buffer!(x, v => HostBuffer::from(gather_typed(v, dims, &idx))))
}

struct IndexAdd<'a> {
    dims: (usize, usize, usize),
    idx: &'a [i64],
}

impl Scatter for IndexAdd<'_> {
    fn run<T: Copy + Send + Sync, F: Fn(T, T) -> T + Sync>(&self, out: &mut [T], u: &[T], f: F) {
        let (outer, a, inner) = self.dims;
        let k = self.idx.len();
        for o in 0..outer {
            for (j, &i) in self.idx.iter().enumerate() {
                let dst = (o * a + i as usize) * inner;
                let src = (o * k + j) * inner;
                for (d, &v) in out[dst..dst + inner].iter_mut().zip(&u[src..src + inner]) {
                    *d = f(*d, v);
                }
            }
        }
    }
}

/// Adds `updates` (shaped like a [`gather`] result) into a copy of `x` at the rows
/// `indices` along `axis`; duplicates accumulate.
pub fn index_add(
    x: &HostBuffer,
    shape: &[usize],
    axis: usize,
    indices: &HostBuffer,
    updates: &HostBuffer,
) -> Result<HostBuffer> {
    check_len("index_add", "input", x, numel(shape))?;
    check_axis("index_add", shape, axis)?;
    let idx = indices_i64("index_add", indices)?;
    let dims = split_axis(shape, axis);
    check_len("index_add", "updates", updates, dims.0 * idx.len() * dims.2)?;
    if dims.0 * dims.2 > 0 {
        check_indices("index_add", &idx, dims.1)?;
    }
    scatter_into(
        "index_add",
        x,
        updates,
        ScatterMode::Add,
        &IndexAdd { dims, idx: &idx },
    )
}

/// Checks that `idx_shape` matches `shape` except along `axis`.
fn check_along(op: &str, shape: &[usize], idx_shape: &[usize], axis: usize) -> Result<()> {
    let ok = shape.len() == idx_shape.len()
        && axis < shape.len()
        && (0..shape.len()).all(|d| d == axis || shape[d] == idx_shape[d]);
    if ok {
        Ok(())
    } else {
        Err(Error::op(
            op,
            format!("indices shape {idx_shape:?} does not match {shape:?} outside axis {axis}"),
        ))
    }
}

fn take_along_typed<T: Copy + Send + Sync + Default>(
    x: &[T],
    a: usize,
    idx: &[i64],
    (outer, k, inner): (usize, usize, usize),
) -> Vec<T> {
    let mut out = vec![T::default(); idx.len()];
    let slab = k * inner;
    if slab == 0 {
        return out;
    }
    let one = |o: usize, y: &mut [T]| {
        let src = &x[o * a * inner..(o + 1) * a * inner];
        let ix = &idx[o * slab..(o + 1) * slab];
        for (p, (d, &i)) in y.iter_mut().zip(ix).enumerate() {
            *d = src[i as usize * inner + p % inner];
        }
    };
    if out.len() >= PAR_MIN && outer > 1 {
        out.par_chunks_mut(slab)
            .enumerate()
            .for_each(|(o, y)| one(o, y));
    } else {
        for (o, y) in out.chunks_mut(slab).enumerate() {
            one(o, y);
        }
    }
    out
}

/// `take_along_axis`: `indices` (shape `out_shape`, same rank, other dims equal to
/// `shape`'s) pick elements along `axis`.
pub fn take_along_axis(
    x: &HostBuffer,
    shape: &[usize],
    indices: &HostBuffer,
    out_shape: &[usize],
    axis: usize,
) -> Result<HostBuffer> {
    check_len("take_along_axis", "input", x, numel(shape))?;
    check_along("take_along_axis", shape, out_shape, axis)?;
    let idx = indices_i64("take_along_axis", indices)?;
    if idx.len() != numel(out_shape) {
        return Err(Error::op(
            "take_along_axis",
            "indices do not match their shape",
        ));
    }
    check_indices("take_along_axis", &idx, shape[axis])?;
    let dims = split_axis(out_shape, axis);
    let a = shape[axis];
    Ok(keras_backend::with_buffer!(x, v => HostBuffer::from(take_along_typed(v, a, &idx, dims))))
}

struct AlongAdd<'a> {
    a: usize,
    dims: (usize, usize, usize),
    idx: &'a [i64],
}

impl Scatter for AlongAdd<'_> {
    fn run<T: Copy + Send + Sync, F: Fn(T, T) -> T + Sync>(&self, out: &mut [T], u: &[T], f: F) {
        let (outer, k, inner) = self.dims;
        let slab = k * inner;
        for o in 0..outer {
            let dst = &mut out[o * self.a * inner..(o + 1) * self.a * inner];
            let ix = &self.idx[o * slab..(o + 1) * slab];
            let us = &u[o * slab..(o + 1) * slab];
            for (p, (&i, &v)) in ix.iter().zip(us).enumerate() {
                let d = &mut dst[i as usize * inner + p % inner];
                *d = f(*d, v);
            }
        }
    }
}

/// Adds `updates` (shape `idx_shape`) into a copy of `x` at positions `indices` along
/// `axis`; duplicates accumulate.
pub fn put_along_axis_add(
    x: &HostBuffer,
    shape: &[usize],
    indices: &HostBuffer,
    updates: &HostBuffer,
    idx_shape: &[usize],
    axis: usize,
) -> Result<HostBuffer> {
    check_len("put_along_axis", "input", x, numel(shape))?;
    check_along("put_along_axis", shape, idx_shape, axis)?;
    let idx = indices_i64("put_along_axis", indices)?;
    if idx.len() != numel(idx_shape) {
        return Err(Error::op(
            "put_along_axis",
            "indices do not match their shape",
        ));
    }
    check_len("put_along_axis", "updates", updates, idx.len())?;
    check_indices("put_along_axis", &idx, shape[axis])?;
    let k = AlongAdd {
        a: shape[axis],
        dims: split_axis(idx_shape, axis),
        idx: &idx,
    };
    scatter_into("put_along_axis", x, updates, ScatterMode::Add, &k)
}

struct ScatterNd {
    offsets: Vec<usize>,
    slice: usize,
}

impl Scatter for ScatterNd {
    fn run<T: Copy + Send + Sync, F: Fn(T, T) -> T + Sync>(&self, out: &mut [T], u: &[T], f: F) {
        let s = self.slice;
        for (r, &off) in self.offsets.iter().enumerate() {
            for (d, &v) in out[off..off + s].iter_mut().zip(&u[r * s..(r + 1) * s]) {
                *d = f(*d, v);
            }
        }
    }
}

/// Scatters `updates` into a copy of `x`: row `r` of `indices` (`[n, depth]`) addresses
/// the first `depth` dims of `shape`; `updates` holds `n` slices of the remaining dims.
#[allow(clippy::too_many_arguments)]
pub fn scatter_nd(
    x: &HostBuffer,
    shape: &[usize],
    indices: &HostBuffer,
    n: usize,
    depth: usize,
    updates: &HostBuffer,
    mode: ScatterMode,
) -> Result<HostBuffer> {
    check_len("scatter_nd", "input", x, numel(shape))?;
    if depth > shape.len() {
        return Err(Error::op(
            "scatter_nd",
            format!("index depth {depth} exceeds the rank of {shape:?}"),
        ));
    }
    let idx = indices_i64("scatter_nd", indices)?;
    if idx.len() != n * depth {
        return Err(Error::op("scatter_nd", "indices do not match [n, depth]"));
    }
    let slice = numel(&shape[depth..]);
    check_len("scatter_nd", "updates", updates, n * slice)?;
    let st = strides(shape);
    let mut offsets = Vec::with_capacity(n);
    for r in 0..n {
        let mut off = 0;
        for d in 0..depth {
            let i = idx[r * depth + d];
            if i < 0 || i as u64 >= shape[d] as u64 {
                return Err(Error::op(
                    "scatter_nd",
                    format!("index {i} is out of range for dim {d} of {shape:?}"),
                ));
            }
            off += i as usize * st[d];
        }
        offsets.push(off);
    }
    scatter_into(
        "scatter_nd",
        x,
        updates,
        mode,
        &ScatterNd { offsets, slice },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_rows_and_columns() {
        let x = HostBuffer::F32((0..12).map(|v| v as f32).collect());
        let i = HostBuffer::I64(vec![2, 0, 2]);
        let r = gather(&x, &[3, 4], 0, &i).unwrap();
        assert_eq!(
            r.to_f64_vec(),
            vec![8., 9., 10., 11., 0., 1., 2., 3., 8., 9., 10., 11.]
        );
        let r = gather(&x, &[3, 4], 1, &i).unwrap();
        assert_eq!(r.to_f64_vec(), vec![2., 0., 2., 6., 4., 6., 10., 8., 10.]);
        assert!(gather(&x, &[3, 4], 0, &HostBuffer::I64(vec![3])).is_err());
        assert!(gather(&x, &[3, 4], 0, &HostBuffer::I64(vec![-1])).is_err());
        let big = HostBuffer::I32((0..200_000).collect());
        let idx = HostBuffer::I64((0..100_000).map(|v| (v * 7) % 1000).collect());
        let r = gather(&big, &[1000, 200], 0, &idx).unwrap();
        let r = r.to_i64_vec();
        assert_eq!(r[200 * 5 + 3], 35 * 200 + 3);
    }

    #[test]
    fn index_add_accumulates_duplicates() {
        let x = HostBuffer::F32(vec![0.0; 6]);
        let i = HostBuffer::I64(vec![1, 1, 0]);
        let u = HostBuffer::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let r = index_add(&x, &[3, 2], 0, &i, &u).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![5.0, 6.0, 4.0, 6.0, 0.0, 0.0]));
        let xi = HostBuffer::I8(vec![120, 0]);
        let r = index_add(
            &xi,
            &[2],
            0,
            &HostBuffer::I64(vec![0]),
            &HostBuffer::I8(vec![10]),
        )
        .unwrap();
        assert_eq!(r, HostBuffer::I8(vec![-126, 0]));
    }

    #[test]
    fn along_axis_round_trip() {
        let x = HostBuffer::I32(vec![10, 30, 20, 60, 40, 50]);
        let idx = HostBuffer::I64(vec![0, 2, 1, 1]);
        // shape [2, 3], indices [2, 2] along axis 1
        let r = take_along_axis(&x, &[2, 3], &idx, &[2, 2], 1).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![10, 20, 40, 40]));
        let idx0 = HostBuffer::I64(vec![1, 0, 1]);
        let r = take_along_axis(&x, &[2, 3], &idx0, &[1, 3], 0).unwrap();
        assert_eq!(r, HostBuffer::I32(vec![60, 30, 50]));
        let z = HostBuffer::F64(vec![0.0; 6]);
        let u = HostBuffer::F64(vec![1.0, 2.0, 3.0, 4.0]);
        let r = put_along_axis_add(&z, &[2, 3], &idx, &u, &[2, 2], 1).unwrap();
        assert_eq!(r, HostBuffer::F64(vec![1.0, 0.0, 2.0, 0.0, 7.0, 0.0]));
        assert!(take_along_axis(&x, &[2, 3], &idx, &[1, 2], 1).is_err());
    }

    #[test]
    fn scatter_nd_add_and_update() {
        let x = HostBuffer::F32(vec![0.0; 6]);
        let idx = HostBuffer::I64(vec![0, 1, 1, 2, 0, 1]);
        let u = HostBuffer::F32(vec![1.0, 2.0, 3.0]);
        let r = scatter_nd(&x, &[2, 3], &idx, 3, 2, &u, ScatterMode::Add).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![0.0, 4.0, 0.0, 0.0, 0.0, 2.0]));
        let r = scatter_nd(&x, &[2, 3], &idx, 3, 2, &u, ScatterMode::Update).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![0.0, 3.0, 0.0, 0.0, 0.0, 2.0]));
        let rows = HostBuffer::I64(vec![1]);
        let u = HostBuffer::F32(vec![7.0, 8.0, 9.0]);
        let r = scatter_nd(&x, &[2, 3], &rows, 1, 1, &u, ScatterMode::Update).unwrap();
        assert_eq!(r, HostBuffer::F32(vec![0.0, 0.0, 0.0, 7.0, 8.0, 9.0]));
        let bad = HostBuffer::I64(vec![2]);
        assert!(scatter_nd(&x, &[2, 3], &bad, 1, 1, &u, ScatterMode::Add).is_err());
        let h = HostBuffer::F32(vec![1.0, 2.0]).cast(keras_backend::DType::BF16);
        let r = scatter_nd(&h, &[2], &rows, 1, 1, &h.clone(), ScatterMode::Add);
        assert!(r.is_err(), "updates of the wrong length are rejected");
    }
}
