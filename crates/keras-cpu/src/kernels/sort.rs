//! Sorting along an axis: ascending, stable, NaN last (as NumPy), returning the sorted values
//! and the int32 positions they came from (`argsort`).
//!
//! Each lane along the axis is copied into `(value, index)` pairs and merge-sorted (Rust's
//! stable sort); lanes of different outer slabs are sorted in parallel for large inputs.
//! Half floats are sorted as `f32` (exact, order preserving).

use std::cmp::Ordering;

use keras_backend::{Error, HostBuffer, Result};
use rayon::prelude::*;

use super::dispatch::{
    check_axis, check_len, narrow_result, numel, split_axis, widen_half, PAR_MIN,
};

/// Total order used by the sort: numbers ascending, then every NaN (equal among themselves).
#[inline]
#[allow(clippy::eq_op)]
fn nan_last<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    match a.partial_cmp(b) {
        Some(o) => o,
        None => (a != a).cmp(&(b != b)),
    }
}

/// Sorts one `[r, inner]` slab lane by lane into `vals` and `idx`.
fn sort_slab<T: Copy + PartialOrd>(
    x: &[T],
    r: usize,
    inner: usize,
    vals: &mut [T],
    idx: &mut [i32],
) {
    let mut pairs: Vec<(T, i32)> = Vec::with_capacity(r);
    for lane in 0..inner {
        pairs.clear();
        pairs.extend((0..r).map(|i| (x[i * inner + lane], i as i32)));
        pairs.sort_by(|a, b| nan_last(&a.0, &b.0));
        for (i, &(v, j)) in pairs.iter().enumerate() {
            vals[i * inner + lane] = v;
            idx[i * inner + lane] = j;
        }
    }
}

/// Stable ascending sort of `x` (viewed `[outer, r, inner]`) along the middle dim.
pub fn sort_typed<T: Copy + PartialOrd + Send + Sync + Default>(
    x: &[T],
    (outer, r, inner): (usize, usize, usize),
) -> (Vec<T>, Vec<i32>) {
    let mut vals = vec![T::default(); x.len()];
    let mut idx = vec![0i32; x.len()];
    let slab = r * inner;
    if slab == 0 {
        return (vals, idx);
    }
    if x.len() >= PAR_MIN && outer > 1 {
        vals.par_chunks_mut(slab)
            .zip(idx.par_chunks_mut(slab))
            .enumerate()
            .for_each(|(o, (v, i))| sort_slab(&x[o * slab..(o + 1) * slab], r, inner, v, i));
    } else {
        for (o, (v, i)) in vals.chunks_mut(slab).zip(idx.chunks_mut(slab)).enumerate() {
            sort_slab(&x[o * slab..(o + 1) * slab], r, inner, v, i);
        }
    }
    (vals, idx)
}

/// Sorts along `axis` (ascending, NaN last, stable); returns values and int32 indices.
pub fn sort(x: &HostBuffer, shape: &[usize], axis: usize) -> Result<(HostBuffer, HostBuffer)> {
    check_len("sort", "input", x, numel(shape))?;
    check_axis("sort", shape, axis)?;
    let dims = split_axis(shape, axis);
    if dims.1 > i32::MAX as usize {
        return Err(Error::op(
            "sort",
            format!("axis of {} elements does not fit int32 indices", dims.1),
        ));
    }
    if let Some(w) = widen_half(x) {
        let (v, i) = sort_typed(&w, dims);
        return Ok((
            narrow_result(x.dtype(), HostBuffer::F32(v)),
            HostBuffer::I32(i),
        ));
    }
    let (v, i) = keras_backend::with_buffer!(x, xs => {
        let (v, i) = sort_typed(xs, dims);
        (HostBuffer::from(v), i)
    });
    Ok((v, HostBuffer::I32(i)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_backend::DType;

    #[test]
    fn stable_with_nan_last() {
        let nan = f32::NAN;
        let x = HostBuffer::F32(vec![3.0, nan, 1.0, 3.0, -0.0, 0.0, nan, -2.0]);
        let (v, i) = sort(&x, &[8], 0).unwrap();
        let v = v.to_f64_vec();
        assert_eq!(&v[..6], &[-2.0, -0.0, 0.0, 1.0, 3.0, 3.0]);
        assert!(v[6].is_nan() && v[7].is_nan());
        assert_eq!(i, HostBuffer::I32(vec![7, 4, 5, 2, 0, 3, 1, 6]));
    }

    #[test]
    fn sorts_along_leading_axis() {
        let x = HostBuffer::I32(vec![5, 1, 2, 2, 9, 0]);
        // shape [3, 2], axis 0: columns [5, 2, 9] and [1, 2, 0]
        let (v, i) = sort(&x, &[3, 2], 0).unwrap();
        assert_eq!(v, HostBuffer::I32(vec![2, 0, 5, 1, 9, 2]));
        assert_eq!(i, HostBuffer::I32(vec![1, 2, 0, 0, 2, 1]));
        let h = HostBuffer::F32(vec![2.0, 1.0, 2.0]).cast(DType::F16);
        let (v, i) = sort(&h, &[3], 0).unwrap();
        assert_eq!(v.dtype(), DType::F16);
        assert_eq!(v.to_f64_vec(), vec![1.0, 2.0, 2.0]);
        assert_eq!(i, HostBuffer::I32(vec![1, 0, 2]));
        let b = HostBuffer::Bool(vec![true, false, true, false]);
        let (v, i) = sort(&b, &[2, 2], 1).unwrap();
        assert_eq!(v, HostBuffer::Bool(vec![false, true, false, true]));
        assert_eq!(i, HostBuffer::I32(vec![1, 0, 1, 0]));
    }
}
