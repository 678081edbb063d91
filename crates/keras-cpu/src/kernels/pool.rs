//! N-d max and average pooling (channels-last) and their gradients, over host slices.
//!
//! Input `[batch, *spatial, channels]`, output `[batch, *out_spatial, channels]` with
//! `out_spatial` from [`PoolParams::output_spatial`]. Padding never wins a max and is never
//! counted in an average (Keras/TF `same` semantics). Every inner loop runs over the
//! contiguous channels of one pixel.

use keras_backend::{PoolKind, PoolParams};
use rayon::prelude::*;

use super::conv::{simd, window_gather, NONE};
use super::Float;

/// Element visits (output pixels × channels × window taps) below which pooling stays on the
/// calling thread.
const PAR_MIN_WORK: usize = 1 << 17;
/// Target output elements per parallel task.
const CHUNK_ELEMS: usize = 1 << 14;

/// Shapes and the tap table of one pooling.
struct Geom {
    batch: usize,
    p_in: usize,
    p_out: usize,
    taps: usize,
    c: usize,
    /// See [`window_gather`].
    gather: Vec<u32>,
}

impl Geom {
    fn new(x_shape: &[usize], p: &PoolParams) -> Geom {
        assert!(
            x_shape.len() >= 3,
            "pool: input must be [batch, *spatial, channels], got {x_shape:?}"
        );
        let n = x_shape.len() - 2;
        assert!(
            p.window.len() == n
                && p.strides.len() == n
                && p.pad_before.len() == n
                && p.pad_after.len() == n,
            "pool: parameters {p:?} are not {n}-d"
        );
        assert!(
            p.strides.iter().chain(&p.window).all(|&s| s >= 1),
            "pool: window and strides must be >= 1, got {p:?}"
        );
        let in_sp = &x_shape[1..=n];
        let out_sp = p.output_spatial(in_sp);
        let ones = vec![1; n];
        let gather = window_gather(in_sp, &out_sp, &p.window, &p.strides, &ones, &p.pad_before);
        Geom {
            batch: x_shape[0],
            p_in: in_sp.iter().product(),
            p_out: out_sp.iter().product(),
            taps: p.window.iter().product(),
            c: x_shape[n + 1],
            gather,
        }
    }

    fn work(&self) -> usize {
        self.batch * self.p_out * self.c * self.taps
    }

    /// Output rows from `r0` (`out` holds whole rows).
    #[inline(always)]
    fn forward<T: Float, const MAX: bool>(&self, x: &[T], out: &mut [T], r0: usize) {
        let c = self.c;
        let img = self.p_in * c;
        let (mut b, mut p) = (r0 / self.p_out, r0 % self.p_out);
        for o in out.chunks_exact_mut(c) {
            let xb = &x[b * img..(b + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            let mut c0 = 0;
            while c0 + 16 <= c {
                self.forward_block::<T, MAX, 16>(xb, gat, c0, o);
                c0 += 16;
            }
            while c0 + 8 <= c {
                self.forward_block::<T, MAX, 8>(xb, gat, c0, o);
                c0 += 8;
            }
            while c0 < c {
                self.forward_block::<T, MAX, 1>(xb, gat, c0, o);
                c0 += 1;
            }
            p += 1;
            if p == self.p_out {
                p = 0;
                b += 1;
            }
        }
    }

    /// Channels `c0 .. c0 + B` of one output pixel whose window taps are `gat`, reduced in
    /// registers.
    #[inline(always)]
    fn forward_block<T: Float, const MAX: bool, const B: usize>(
        &self,
        xb: &[T],
        gat: &[u32],
        c0: usize,
        o: &mut [T],
    ) {
        let c = self.c;
        let mut acc = [T::zero(); B];
        let mut n = 0usize;
        for &idx in gat {
            if idx == NONE {
                continue;
            }
            let xr = &xb[idx as usize * c + c0..][..B];
            if MAX && n == 0 {
                acc.copy_from_slice(xr);
            } else if MAX {
                for l in 0..B {
                    // NaN propagates, as in XLA's max.
                    acc[l] = if xr[l] > acc[l] || xr[l].is_nan() {
                        xr[l]
                    } else {
                        acc[l]
                    };
                }
            } else {
                for l in 0..B {
                    acc[l] = acc[l] + xr[l];
                }
            }
            n += 1;
        }
        if n == 0 {
            // A window entirely in the padding: the max of nothing, the mean of nothing.
            acc = [if MAX { T::neg_infinity() } else { T::zero() }; B];
        } else if !MAX && n > 1 {
            let inv = T::one() / T::from(n).expect("count fits");
            acc.iter_mut().for_each(|s| *s = *s * inv);
        }
        o[c0..c0 + B].copy_from_slice(&acc);
    }

    /// Accumulates the gradient of rows `r0 .. r0 + rows` into `dx` (images from `b0`).
    #[inline(always)]
    fn backward<T: Float, const MAX: bool>(
        &self,
        x: &[T],
        dy: &[T],
        (r0, rows): (usize, usize),
        dx: &mut [T],
        b0: usize,
    ) {
        let c = self.c;
        let img = self.p_in * c;
        let (mut b, mut p) = (r0 / self.p_out, r0 % self.p_out);
        for dyr in dy[r0 * c..(r0 + rows) * c].chunks_exact(c) {
            let dxb = &mut dx[(b - b0) * img..(b - b0 + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            if MAX {
                let xb = &x[b * img..(b + 1) * img];
                let mut c0 = 0;
                while c0 + 16 <= c {
                    self.max_grad_block::<T, 16>(xb, gat, dyr, dxb, c0);
                    c0 += 16;
                }
                while c0 + 8 <= c {
                    self.max_grad_block::<T, 8>(xb, gat, dyr, dxb, c0);
                    c0 += 8;
                }
                while c0 < c {
                    self.max_grad_block::<T, 1>(xb, gat, dyr, dxb, c0);
                    c0 += 1;
                }
            } else {
                let n = gat.iter().filter(|&&i| i != NONE).count();
                if n > 0 {
                    let inv = T::one() / T::from(n).expect("count fits");
                    for &idx in gat {
                        if idx != NONE {
                            let dxr = &mut dxb[idx as usize * c..][..c];
                            for (d, &g) in dxr.iter_mut().zip(dyr) {
                                *d = *d + g * inv;
                            }
                        }
                    }
                }
            }
            p += 1;
            if p == self.p_out {
                p = 0;
                b += 1;
            }
        }
    }

    /// Max gradient for channels `c0 .. c0 + B` of one output pixel: after the window max
    /// is found, the taps are walked in order (row-major in the window) and the first one
    /// equal to the max takes the whole `dy`; all in registers, branch-free.
    #[inline(always)]
    fn max_grad_block<T: Float, const B: usize>(
        &self,
        xb: &[T],
        gat: &[u32],
        dyr: &[T],
        dxb: &mut [T],
        c0: usize,
    ) {
        let c = self.c;
        let mut best = [T::neg_infinity(); B];
        for &idx in gat {
            if idx != NONE {
                let xr = &xb[idx as usize * c + c0..][..B];
                for l in 0..B {
                    best[l] = if xr[l] > best[l] { xr[l] } else { best[l] };
                }
            }
        }
        // What is left to route, per channel.
        let mut rest = [T::zero(); B];
        rest.copy_from_slice(&dyr[c0..c0 + B]);
        for &idx in gat {
            if idx != NONE {
                let at = idx as usize * c + c0;
                let xr = &xb[at..at + B];
                let d = &mut dxb[at..at + B];
                let mut take = [T::zero(); B];
                for l in 0..B {
                    let hit = xr[l] == best[l];
                    take[l] = if hit { rest[l] } else { T::zero() };
                    rest[l] = if hit { T::zero() } else { rest[l] };
                }
                for l in 0..B {
                    d[l] = d[l] + take[l];
                }
            }
        }
    }
}

/// Max or average pooling of `x` (`[batch, *spatial, channels]`); returns `[batch,
/// *out_spatial, channels]`. A max window lying wholly in the padding gives `-inf`, an average
/// one `0`.
///
/// # Panics
/// If the shapes, buffer length and parameters are inconsistent.
pub fn pool_forward<T: Float>(x: &[T], x_shape: &[usize], p: &PoolParams) -> Vec<T> {
    let g = Geom::new(x_shape, p);
    assert_eq!(
        x.len(),
        g.batch * g.p_in * g.c,
        "pool: input length for {x_shape:?}"
    );
    let mut out = vec![T::zero(); g.batch * g.p_out * g.c];
    if out.is_empty() {
        return out;
    }
    let rows = g.batch * g.p_out;
    let run = |i: usize, chunk: usize, o: &mut [T]| match p.kind {
        PoolKind::Max => simd!(g.forward::<T, true>(x, o, i * chunk)),
        PoolKind::Average => simd!(g.forward::<T, false>(x, o, i * chunk)),
    };
    if g.work() >= PAR_MIN_WORK && rayon::current_num_threads() > 1 {
        let threads = rayon::current_num_threads();
        let tasks = rows
            .div_ceil((CHUNK_ELEMS / g.c).max(1))
            .next_multiple_of(threads);
        let chunk = rows.div_ceil(tasks);
        out.par_chunks_mut(chunk * g.c)
            .enumerate()
            .for_each(|(i, o)| run(i, chunk, o));
    } else {
        run(0, rows, &mut out);
    }
    out
}

/// Gradient of [`pool_forward`] with respect to its input, given `x` and the output gradient
/// `dy`. Max routes each output's gradient to the first maximal element of its window
/// (row-major order); average spreads it evenly over the window's non-padding elements.
///
/// # Panics
/// If the shapes, buffer lengths and parameters are inconsistent.
pub fn pool_grad<T: Float>(x: &[T], x_shape: &[usize], dy: &[T], p: &PoolParams) -> Vec<T> {
    let g = Geom::new(x_shape, p);
    let img = g.p_in * g.c;
    assert_eq!(
        x.len(),
        g.batch * img,
        "pool_grad: input length for {x_shape:?}"
    );
    assert_eq!(
        dy.len(),
        g.batch * g.p_out * g.c,
        "pool_grad: dy length for input {x_shape:?} and {p:?}"
    );
    let mut dx = vec![T::zero(); g.batch * img];
    if dx.is_empty() || g.p_out == 0 {
        return dx;
    }
    // Windows may overlap, so tasks own whole images.
    let run = |i: usize, ipt: usize, d: &mut [T]| {
        let b0 = i * ipt;
        let rows = (b0 * g.p_out, d.len() / img * g.p_out);
        match p.kind {
            PoolKind::Max => simd!(g.backward::<T, true>(x, dy, rows, d, b0)),
            PoolKind::Average => simd!(g.backward::<T, false>(x, dy, rows, d, b0)),
        }
    };
    let threads = rayon::current_num_threads();
    if g.work() >= PAR_MIN_WORK && threads > 1 && g.batch >= threads {
        let per_img = (g.p_out * g.c).max(1);
        let tasks = g
            .batch
            .div_ceil((CHUNK_ELEMS / per_img).max(1))
            .next_multiple_of(threads);
        let ipt = g.batch.div_ceil(tasks);
        dx.par_chunks_mut(ipt * img)
            .enumerate()
            .for_each(|(i, d)| run(i, ipt, d));
    } else {
        run(0, g.batch, &mut dx);
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn int(&mut self, lo: usize, hi: usize) -> usize {
            lo + (self.next() % (hi - lo + 1) as u64) as usize
        }
        /// Coarse values in `[-2, 2]` so max windows often tie.
        fn coarse(&mut self) -> f64 {
            (self.int(0, 16) as f64 - 8.0) / 4.0
        }
    }

    /// Calls `f(y_index, [x_index of each valid tap, in window order])` for every output.
    fn visit(x_shape: &[usize], p: &PoolParams, mut f: impl FnMut(usize, &[usize])) {
        let n = x_shape.len() - 2;
        let (batch, c) = (x_shape[0], x_shape[n + 1]);
        let in_sp = &x_shape[1..=n];
        let out_sp = p.output_spatial(in_sp);
        let p_out: usize = out_sp.iter().product();
        let taps: usize = p.window.iter().product();
        let unravel = |mut i: usize, dims: &[usize]| {
            let mut v = vec![0; dims.len()];
            for d in (0..dims.len()).rev() {
                v[d] = i % dims[d];
                i /= dims[d];
            }
            v
        };
        for b in 0..batch {
            for po in 0..p_out {
                let o = unravel(po, &out_sp);
                for ch in 0..c {
                    let mut xs = vec![];
                    for t in 0..taps {
                        let w = unravel(t, &p.window);
                        let mut lin = b;
                        let mut ok = true;
                        for d in 0..n {
                            let i = (o[d] * p.strides[d] + w[d]) as i64 - p.pad_before[d] as i64;
                            ok &= i >= 0 && i < in_sp[d] as i64;
                            lin = lin * in_sp[d] + i.max(0) as usize;
                        }
                        if ok {
                            xs.push(lin * c + ch);
                        }
                    }
                    f((b * p_out + po) * c + ch, &xs);
                }
            }
        }
    }

    fn naive(x_shape: &[usize], p: &PoolParams, x: &[f64], dy: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut y = vec![0.0; dy.len()];
        let mut dx = vec![0.0; x.len()];
        visit(x_shape, p, |yi, xs| match p.kind {
            PoolKind::Max => {
                let mut best = f64::NEG_INFINITY;
                let mut arg = None;
                for &xi in xs {
                    if arg.is_none() || x[xi] > best {
                        best = x[xi];
                        arg = Some(xi);
                    }
                }
                y[yi] = best;
                if let Some(a) = arg {
                    dx[a] += dy[yi];
                }
            }
            PoolKind::Average => {
                if xs.is_empty() {
                    return;
                }
                let n = xs.len() as f64;
                y[yi] = xs.iter().map(|&i| x[i]).sum::<f64>() / n;
                for &xi in xs {
                    dx[xi] += dy[yi] / n;
                }
            }
        });
        (y, dx)
    }

    fn random_case(rng: &mut Rng, n: usize, kind: PoolKind) -> (Vec<usize>, PoolParams) {
        let mut x_shape = vec![rng.int(1, 3)];
        let mut p = PoolParams {
            kind,
            window: vec![],
            strides: vec![],
            pad_before: vec![],
            pad_after: vec![],
        };
        for _ in 0..n {
            x_shape.push(rng.int(1, [10, 8, 5][n - 1]));
            let w = rng.int(1, 3);
            p.window.push(w);
            p.strides.push(rng.int(1, 3));
            // Keras 'same' padding is at most window - 1 in total.
            let pad = rng.int(0, w - 1);
            let before = rng.int(0, pad);
            p.pad_before.push(before);
            p.pad_after.push(pad - before);
        }
        x_shape.push(rng.int(1, 20));
        (x_shape, p)
    }

    fn check<T: Float>(x_shape: &[usize], p: &PoolParams, rng: &mut Rng, tol: f64) {
        let xl: usize = x_shape.iter().product();
        let n = x_shape.len() - 2;
        let yl = x_shape[0]
            * p.output_spatial(&x_shape[1..=n]).iter().product::<usize>()
            * x_shape[n + 1];
        let x: Vec<f64> = (0..xl).map(|_| rng.coarse()).collect();
        let dy: Vec<f64> = (0..yl).map(|_| rng.coarse() + 0.1).collect();
        let (y, dx) = naive(x_shape, p, &x, &dy);
        let xt: Vec<T> = x
            .iter()
            .map(|&v| <T as keras_backend::Element>::from_f64(v))
            .collect();
        let dyt: Vec<T> = dy
            .iter()
            .map(|&v| <T as keras_backend::Element>::from_f64(v))
            .collect();
        let got = pool_forward(&xt, x_shape, p);
        let got_dx = pool_grad(&xt, x_shape, &dyt, p);
        for (what, got, want) in [("forward", &got, &y), ("grad", &got_dx, &dx)] {
            assert_eq!(got.len(), want.len());
            for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                assert!(
                    (keras_backend::Element::to_f64(*g) - w).abs() <= tol * (1.0 + w.abs()),
                    "{what} {x_shape:?} {p:?} at {i}: got {g:?}, want {w}"
                );
            }
        }
    }

    #[test]
    fn matches_naive_random_shapes() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for n in 1..=3 {
            for kind in [PoolKind::Max, PoolKind::Average] {
                for _ in 0..80 {
                    let (x_shape, p) = random_case(&mut rng, n, kind);
                    check::<f64>(&x_shape, &p, &mut rng, 1e-12);
                    check::<f32>(&x_shape, &p, &mut rng, 1e-5);
                }
            }
        }
    }

    #[test]
    fn large_shapes_run_in_parallel_and_match() {
        let mut rng = Rng(99);
        for kind in [PoolKind::Max, PoolKind::Average] {
            let p = PoolParams {
                kind,
                window: vec![2, 2],
                strides: vec![2, 2],
                pad_before: vec![0, 0],
                pad_after: vec![1, 1],
            };
            check::<f32>(&[16, 25, 25, 32], &p, &mut rng, 1e-5);
            let p = PoolParams {
                kind,
                window: vec![3, 3],
                strides: vec![1, 2],
                pad_before: vec![1, 1],
                pad_after: vec![1, 0],
            };
            check::<f64>(&[9, 14, 13, 20], &p, &mut rng, 1e-12);
        }
    }

    /// `<avg_pool(x), dy> == <x, avg_pool_grad(dy)>`.
    #[test]
    fn average_adjoint_identity() {
        let mut rng = Rng(12345);
        for n in 1..=3 {
            for _ in 0..40 {
                let (x_shape, p) = random_case(&mut rng, n, PoolKind::Average);
                let xl: usize = x_shape.iter().product();
                let x: Vec<f64> = (0..xl).map(|_| rng.coarse() * 0.37).collect();
                let y = pool_forward(&x, &x_shape, &p);
                let dy: Vec<f64> = (0..y.len()).map(|_| rng.coarse() * 0.51).collect();
                let dx = pool_grad(&x, &x_shape, &dy, &p);
                let a: f64 = y.iter().zip(&dy).map(|(a, b)| a * b).sum();
                let b: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
                assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs()), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn windows_in_padding_only() {
        // window 1 with padding: the border outputs see nothing.
        let p = PoolParams {
            kind: PoolKind::Max,
            window: vec![1],
            strides: vec![1],
            pad_before: vec![1],
            pad_after: vec![0],
        };
        let y = pool_forward(&[2.0f32, 3.0], &[1, 2, 1], &p);
        assert_eq!(y, vec![f32::NEG_INFINITY, 2.0, 3.0]);
        let dx = pool_grad(&[2.0f32, 3.0], &[1, 2, 1], &[1.0, 1.0, 1.0], &p);
        assert_eq!(dx, vec![1.0, 1.0]);
        let p = PoolParams {
            kind: PoolKind::Average,
            ..p
        };
        let y = pool_forward(&[2.0f64, 3.0], &[1, 2, 1], &p);
        assert_eq!(y, vec![0.0, 2.0, 3.0]);
    }

    #[test]
    fn max_grad_goes_to_first_maximum() {
        let p = PoolParams {
            kind: PoolKind::Max,
            window: vec![2, 2],
            strides: vec![2, 2],
            pad_before: vec![0, 0],
            pad_after: vec![0, 0],
        };
        let x = [1.0f32, 5.0, 5.0, 5.0];
        let dx = pool_grad(&x, &[1, 2, 2, 1], &[7.0], &p);
        assert_eq!(dx, vec![0.0, 7.0, 0.0, 0.0]);
    }
}
