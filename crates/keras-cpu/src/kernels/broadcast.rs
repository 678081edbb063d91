//! NumPy broadcasting without per-element index arithmetic.
//!
//! A [`Plan`] drops the output dims of size 1 and merges neighbouring dims that every
//! operand treats the same way (all present, or all broadcast), so `[N, C] + [C]` becomes two
//! dims and a same-shape operation becomes one. Rows of the last collapsed dim are then
//! visited with an odometer over the outer dims; each row is handed to a row kernel with
//! each operand's offset and inner stride (0 or 1), so the inner loops are plain slice loops
//! that the compiler vectorises. Large outputs are split in row blocks over rayon.

use rayon::prelude::*;

use super::dispatch::{numel, strides, PAR_CHUNK, PAR_MIN};

/// How `K` operands broadcast to one output, with dims collapsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan<const K: usize> {
    /// Collapsed output dims (at least one).
    pub dims: Vec<usize>,
    /// For each collapsed dim, each operand's element stride (0 where it broadcasts).
    pub strides: Vec<[usize; K]>,
}

impl<const K: usize> Plan<K> {
    /// Plans the broadcast of `shapes` (each of rank ≤ `out.len()`, dims 1 or equal to the
    /// output's, missing leading dims read as 1) to `out`.
    pub fn new(shapes: [&[usize]; K], out: &[usize]) -> Self {
        let rank = out.len();
        let padded: [Vec<usize>; K] = std::array::from_fn(|k| {
            let s = shapes[k];
            let mut p = vec![1; rank.saturating_sub(s.len())];
            p.extend_from_slice(&s[s.len().saturating_sub(rank)..]);
            p
        });
        let op_strides: [Vec<usize>; K] = std::array::from_fn(|k| strides(&padded[k]));
        let mut dims: Vec<usize> = Vec::with_capacity(rank);
        let mut st: Vec<[usize; K]> = Vec::with_capacity(rank);
        let mut last: Option<[bool; K]> = None;
        for d in 0..rank {
            if out[d] == 1 {
                continue;
            }
            let present: [bool; K] = std::array::from_fn(|k| padded[k][d] != 1);
            let s: [usize; K] =
                std::array::from_fn(|k| if present[k] { op_strides[k][d] } else { 0 });
            if last == Some(present) {
                *dims.last_mut().expect("merged into an existing dim") *= out[d];
                *st.last_mut().expect("merged into an existing dim") = s;
            } else {
                dims.push(out[d]);
                st.push(s);
            }
            last = Some(present);
        }
        if dims.is_empty() {
            dims.push(1);
            st.push([0; K]);
        }
        Plan { dims, strides: st }
    }

    /// Length of the rows the row kernel receives (the last collapsed dim).
    pub fn row_len(&self) -> usize {
        *self.dims.last().unwrap_or(&1)
    }

    /// Calls `row(out_row, offsets, inner_strides)` for every row of `out` (which holds
    /// `numel(dims)` elements), in parallel for large outputs.
    pub fn for_each_row<O: Send>(
        &self,
        out: &mut [O],
        row: impl Fn(&mut [O], [usize; K], [usize; K]) + Sync,
    ) {
        let n = self.row_len();
        if n == 0 || out.is_empty() {
            return;
        }
        let rows = out.len() / n;
        if out.len() >= PAR_MIN && rows > 1 {
            let rows_per_task = (PAR_CHUNK / n).max(1);
            out.par_chunks_mut(rows_per_task * n)
                .enumerate()
                .for_each(|(t, chunk)| self.rows(chunk, t * rows_per_task, &row));
        } else {
            self.rows(out, 0, &row);
        }
    }

    /// Serial visit of the rows in `out`, which starts at row `first`.
    fn rows<O>(
        &self,
        out: &mut [O],
        first: usize,
        row: &impl Fn(&mut [O], [usize; K], [usize; K]),
    ) {
        let n = self.row_len();
        let outer = &self.dims[..self.dims.len() - 1];
        let outer_st = &self.strides[..self.dims.len() - 1];
        let inner_st = self.strides[self.dims.len() - 1];
        // Starting odometer position (one division per dim per task, never per element).
        let mut idx = vec![0usize; outer.len()];
        let mut offs = [0usize; K];
        let mut r = first;
        for d in (0..outer.len()).rev() {
            idx[d] = r % outer[d];
            r /= outer[d];
            for k in 0..K {
                offs[k] += idx[d] * outer_st[d][k];
            }
        }
        for chunk in out.chunks_mut(n) {
            row(chunk, offs, inner_st);
            for d in (0..outer.len()).rev() {
                idx[d] += 1;
                for k in 0..K {
                    offs[k] += outer_st[d][k];
                }
                if idx[d] < outer[d] {
                    break;
                }
                for k in 0..K {
                    offs[k] -= outer_st[d][k] * outer[d];
                }
                idx[d] = 0;
            }
        }
    }
}

/// Applies `f` to `out` in parallel chunks of `PAR_CHUNK` for large buffers; `f` receives
/// each chunk and its starting element index.
pub fn chunked<O: Send>(out: &mut [O], f: impl Fn(&mut [O], usize) + Sync) {
    if out.len() >= PAR_MIN {
        out.par_chunks_mut(PAR_CHUNK)
            .enumerate()
            .for_each(|(i, c)| f(c, i * PAR_CHUNK));
    } else {
        f(out, 0);
    }
}

/// `f(x)` for every element, in parallel for large buffers.
pub fn map<A: Copy + Sync, O: Copy + Send + Default>(a: &[A], f: impl Fn(A) -> O + Sync) -> Vec<O> {
    let mut out = vec![O::default(); a.len()];
    chunked(&mut out, |o, s| {
        let len = o.len();
        for (o, &x) in o.iter_mut().zip(&a[s..s + len]) {
            *o = f(x);
        }
    });
    out
}

/// `f(a, b)` with `a_shape` and `b_shape` broadcast to `out_shape`.
pub fn binary_map<A: Copy + Sync, B: Copy + Sync, O: Copy + Send + Default>(
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    out_shape: &[usize],
    f: impl Fn(A, B) -> O + Sync,
) -> Vec<O> {
    let n = numel(out_shape);
    let mut out = vec![O::default(); n];
    if n == 0 {
        return out;
    }
    if a.len() == n && b.len() == n {
        chunked(&mut out, |o, s| {
            let len = o.len();
            for ((o, &x), &y) in o.iter_mut().zip(&a[s..s + len]).zip(&b[s..s + len]) {
                *o = f(x, y);
            }
        });
        return out;
    }
    if a.len() == n && b.len() == 1 {
        let y = b[0];
        chunked(&mut out, |o, s| {
            let len = o.len();
            for (o, &x) in o.iter_mut().zip(&a[s..s + len]) {
                *o = f(x, y);
            }
        });
        return out;
    }
    if a.len() == 1 && b.len() == n {
        let x = a[0];
        chunked(&mut out, |o, s| {
            let len = o.len();
            for (o, &y) in o.iter_mut().zip(&b[s..s + len]) {
                *o = f(x, y);
            }
        });
        return out;
    }
    let plan = Plan::new([a_shape, b_shape], out_shape);
    plan.for_each_row(&mut out, |o, [oa, ob], [sa, sb]| {
        let len = o.len();
        match (sa, sb) {
            (1, 1) => {
                for ((o, &x), &y) in o.iter_mut().zip(&a[oa..oa + len]).zip(&b[ob..ob + len]) {
                    *o = f(x, y);
                }
            }
            (1, 0) => {
                let y = b[ob];
                for (o, &x) in o.iter_mut().zip(&a[oa..oa + len]) {
                    *o = f(x, y);
                }
            }
            (0, 1) => {
                let x = a[oa];
                for (o, &y) in o.iter_mut().zip(&b[ob..ob + len]) {
                    *o = f(x, y);
                }
            }
            _ => {
                for (i, o) in o.iter_mut().enumerate() {
                    *o = f(a[oa + i * sa], b[ob + i * sb]);
                }
            }
        }
    });
    out
}

/// `f(a, b, c)` with all three shapes broadcast to `out_shape`.
#[allow(clippy::too_many_arguments)]
pub fn ternary_map<A: Copy + Sync, B: Copy + Sync, C: Copy + Sync, O: Copy + Send + Default>(
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    c: &[C],
    c_shape: &[usize],
    out_shape: &[usize],
    f: impl Fn(A, B, C) -> O + Sync,
) -> Vec<O> {
    let n = numel(out_shape);
    let mut out = vec![O::default(); n];
    if n == 0 {
        return out;
    }
    if a.len() == n && b.len() == n && c.len() == n {
        chunked(&mut out, |o, s| {
            let len = o.len();
            let it = o
                .iter_mut()
                .zip(&a[s..s + len])
                .zip(&b[s..s + len])
                .zip(&c[s..s + len]);
            for (((o, &x), &y), &z) in it {
                *o = f(x, y, z);
            }
        });
        return out;
    }
    let plan = Plan::new([a_shape, b_shape, c_shape], out_shape);
    plan.for_each_row(&mut out, |o, [oa, ob, oc], [sa, sb, sc]| {
        for (i, o) in o.iter_mut().enumerate() {
            *o = f(a[oa + i * sa], b[ob + i * sb], c[oc + i * sc]);
        }
    });
    out
}

/// Copies `x` (shape `shape`) broadcast to `out_shape`.
pub fn broadcast_copy<T: Copy + Send + Sync + Default>(
    x: &[T],
    shape: &[usize],
    out_shape: &[usize],
) -> Vec<T> {
    let n = numel(out_shape);
    if x.len() == n {
        return x.to_vec();
    }
    let mut out = vec![T::default(); n];
    if n == 0 {
        return out;
    }
    if x.len() == 1 {
        out.fill(x[0]);
        return out;
    }
    let plan = Plan::new([shape], out_shape);
    plan.for_each_row(&mut out, |o, [off], [s]| {
        let len = o.len();
        if s == 1 {
            o.copy_from_slice(&x[off..off + len]);
        } else if s == 0 {
            o.fill(x[off]);
        } else {
            for (i, o) in o.iter_mut().enumerate() {
                *o = x[off + i * s];
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference broadcast by explicit index arithmetic.
    fn naive(a: &[i64], ash: &[usize], b: &[i64], bsh: &[usize], out: &[usize]) -> Vec<i64> {
        let n = numel(out);
        let (sa, sb) = (strides(ash), strides(bsh));
        (0..n)
            .map(|flat| {
                let mut r = flat;
                let (mut ia, mut ib) = (0, 0);
                for d in (0..out.len()).rev() {
                    let i = r % out[d];
                    r /= out[d];
                    if ash[d] != 1 {
                        ia += i * sa[d];
                    }
                    if bsh[d] != 1 {
                        ib += i * sb[d];
                    }
                }
                a[ia] * 1000 + b[ib]
            })
            .collect()
    }

    #[test]
    fn plan_collapses_bias_add() {
        let p = Plan::new([&[4, 3][..], &[1, 3][..]], &[4, 3]);
        assert_eq!(p.dims, vec![4, 3]);
        assert_eq!(p.strides, vec![[3, 0], [1, 1]]);
        let p = Plan::new([&[2, 3, 4][..], &[2, 3, 4][..]], &[2, 3, 4]);
        assert_eq!(p.dims, vec![24]);
        let p = Plan::new([&[2, 1, 4][..], &[1, 3, 1][..]], &[2, 3, 4]);
        assert_eq!(p.dims, vec![2, 3, 4]);
    }

    #[test]
    fn binary_broadcasting_matches_naive() {
        let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
            (vec![2, 3, 4], vec![1, 3, 1]),
            (vec![2, 1, 4], vec![1, 3, 1]),
            (vec![1, 1, 1], vec![2, 3, 4]),
            (vec![5, 1], vec![1, 7]),
            (vec![3, 1, 1, 2], vec![3, 4, 5, 1]),
            (vec![2, 3], vec![2, 3]),
            (vec![1, 4, 1], vec![3, 4, 1]),
            (vec![300, 257], vec![1, 257]),
            (vec![300, 1], vec![300, 257]),
        ];
        for (ash, bsh) in cases {
            let out: Vec<usize> = ash.iter().zip(&bsh).map(|(&x, &y)| x.max(y)).collect();
            let a: Vec<i64> = (0..numel(&ash) as i64).collect();
            let b: Vec<i64> = (0..numel(&bsh) as i64).map(|v| v * 7 % 13).collect();
            let got = binary_map(&a, &ash, &b, &bsh, &out, |x, y| x * 1000 + y);
            assert_eq!(got, naive(&a, &ash, &b, &bsh, &out), "{ash:?} {bsh:?}");
        }
    }

    #[test]
    fn large_broadcast_uses_parallel_rows() {
        // Big enough to take the rayon path with partial rows per task.
        let (r, c) = (700, 301);
        let a: Vec<i64> = (0..r as i64).collect();
        let b: Vec<i64> = (0..c as i64).collect();
        let got = binary_map(&a, &[r, 1], &b, &[1, c], &[r, c], |x, y| x * 1000 + y);
        assert_eq!(got, naive(&a, &[r, 1], &b, &[1, c], &[r, c]));
    }

    #[test]
    fn broadcast_copy_and_ternary() {
        let x = [1, 2, 3];
        assert_eq!(broadcast_copy(&x, &[3, 1], &[3, 2]), vec![1, 1, 2, 2, 3, 3]);
        assert_eq!(broadcast_copy(&x, &[1, 3], &[2, 3]), vec![1, 2, 3, 1, 2, 3]);
        let c = [true, false];
        let got = ternary_map(
            &c,
            &[1, 2],
            &[1, 2, 3],
            &[3, 1],
            &[10, 20],
            &[1, 2],
            &[3, 2],
            |c, a, b| if c { a } else { b },
        );
        assert_eq!(got, vec![1, 20, 2, 20, 3, 20]);
    }
}
