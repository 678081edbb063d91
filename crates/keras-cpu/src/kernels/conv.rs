//! N-d convolution (channels-last) and its two gradients, as plain functions over host slices.
//!
//! Layouts: input `[batch, *spatial, cin]`, kernel `[*k, cin / groups, cout]` (Keras's layout),
//! output `[batch, *out_spatial, cout]`; padding is explicit zero padding. A tap table built
//! once per call (`window_gather`: input pixel of every output pixel × kernel tap, or none)
//! drives every kernel, for any number of spatial dims.
//!
//! Two strategies, chosen by shape:
//! * **direct** (`cin / groups <= 4`: the first layer of an image model, depthwise): the
//!   forward GEMM's inner dimension `taps · cin / groups` is tiny there, and `gemm`'s packing
//!   would dominate.
//!   A cache-sized chunk of rows is unfolded and register-blocked micro-kernels (a tile of
//!   output pixels × output channels, or of kernel rows × output channels, held in vector
//!   registers; inner loops contiguous over channels) compute the forward pass and the kernel
//!   gradient. Depthwise convolutions with multiplier 1 work elementwise over channels. The
//!   gradients take this path only for grouped convolutions (with `groups == 1`, GEMM on the
//!   unfolded input measured as fast or faster);
//! * **im2col + GEMM** otherwise: a chunk of output pixels is unfolded into a per-task buffer
//!   laid out `[pixel, group, tap, cin / groups]` and multiplied with the kernel through `gemm`.
//!   The kernel gradient is `im2col(x)ᵀ · dy`, the input gradient `dy · kernelᵀ` followed by a
//!   scatter-add (col2im). Pointwise convolutions (1×…×1, stride 1, no padding) skip the unfold.
//!
//! Work is split over rayon in chunks of output rows (flattened `batch × pixels`; whole images
//! for the input gradient, whose scatter stays within an image); the GEMMs inside such chunks
//! run single-threaded, and only when there are too few rows to share does `gemm` get the
//! threads itself. The kernel gradient sums one partial per thread in a fixed order, so
//! results do not depend on scheduling. Element loops run under `simd!`, compiled for
//! AVX-512 or AVX2 when the CPU has them.

use gemm::Parallelism;
use keras_backend::ConvParams;
use rayon::prelude::*;

use super::Float;

/// Marks a window tap that falls in the padding.
pub(crate) const NONE: u32 = u32::MAX;

/// Largest `cin / groups` handled by the direct kernels.
const DIRECT_MAX_CIN: usize = 4;

/// Whether this CPU runs the AVX-512 variant of [`simd!`] bodies.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx512() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && has_avx2()
}

/// Whether this CPU runs the AVX2 variant of [`simd!`] bodies.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

/// Runs `f` compiled with AVX-512; only call where [`has_avx512`] holds.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
    debug_assert!(has_avx512());
    // SAFETY: callers check `has_avx512()`, i.e. every feature `with_avx512` is compiled for.
    unsafe { with_avx512(f) }
}

/// Runs `f` compiled with AVX2 and FMA; only call where [`has_avx2`] holds.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
    debug_assert!(has_avx2());
    // SAFETY: callers check `has_avx2()`, i.e. every feature `with_avx2` is compiled for.
    unsafe { with_avx2(f) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Evaluates an expression inside a function compiled for the widest vector extension this
/// CPU has (AVX-512, then AVX2), so the auto-vectorised loops inlined into it use wide
/// registers. The expression is expanded once per variant (each in its own closure, called
/// from one place, so LLVM inlines it into the feature-enabled function); keep it a call to
/// an `#[inline(always)]` kernel.
macro_rules! simd {
    ($body:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if $crate::kernels::conv::has_avx512() {
                $crate::kernels::conv::run_avx512(|| $body)
            } else if $crate::kernels::conv::has_avx2() {
                $crate::kernels::conv::run_avx2(|| $body)
            } else {
                $body
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $body
        }
    }};
}
pub(crate) use simd;

/// For every output pixel `p` (row-major over `output`) and window tap `t` (row-major over
/// `window`), the row-major input pixel it reads, or [`NONE`] where it reads padding; entry
/// `p * taps + t`.
pub(crate) fn window_gather(
    input: &[usize],
    output: &[usize],
    window: &[usize],
    strides: &[usize],
    dilation: &[usize],
    pad_before: &[usize],
) -> Vec<u32> {
    let n = input.len();
    let p_in: usize = input.iter().product();
    let p_out: usize = output.iter().product();
    let taps: usize = window.iter().product();
    assert!(
        p_in < NONE as usize,
        "convolution: {p_in} input pixels per image is too many"
    );
    // coords[d][o * window[d] + t] = input coordinate along d, or -1 in the padding.
    let coords: Vec<Vec<i64>> = (0..n)
        .map(|d| {
            let mut v = Vec::with_capacity(output[d] * window[d]);
            for o in 0..output[d] {
                for t in 0..window[d] {
                    let i = (o * strides[d] + t * dilation[d]) as i64 - pad_before[d] as i64;
                    v.push(if i >= 0 && (i as usize) < input[d] {
                        i
                    } else {
                        -1
                    });
                }
            }
            v
        })
        .collect();
    // Multi-index of every tap, decoded once.
    let mut t_idx = vec![0usize; taps * n];
    for (t, ti) in t_idx.chunks_exact_mut(n.max(1)).enumerate().take(taps) {
        let mut rem = t;
        for d in (0..n).rev() {
            ti[d] = rem % window[d];
            rem /= window[d];
        }
    }
    let mut gather = vec![NONE; p_out * taps];
    let mut o_idx = vec![0usize; n];
    for (p, g) in gather.chunks_exact_mut(taps.max(1)).enumerate().take(p_out) {
        let mut rem = p;
        for d in (0..n).rev() {
            o_idx[d] = rem % output[d];
            rem /= output[d];
        }
        for (t, slot) in g.iter_mut().enumerate() {
            let ti = &t_idx[t * n..(t + 1) * n];
            let mut lin = 0usize;
            let mut valid = true;
            for d in 0..n {
                let c = coords[d][o_idx[d] * window[d] + ti[d]];
                if c < 0 {
                    valid = false;
                    break;
                }
                lin = lin * input[d] + c as usize;
            }
            if valid {
                *slot = lin as u32;
            }
        }
    }
    gather
}

/// `out[i·ldo + c0 + l] = Σ_k a[i·lda + k] · w[k·ldw + c0 + l]` for the `P × B` tile
/// `i < P`, `l < B`, `k < kk`: the partial sums stay in registers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_tile<T: Float, const P: usize, const B: usize>(
    a: &[T],
    lda: usize,
    kk: usize,
    w: &[T],
    ldw: usize,
    c0: usize,
    out: &mut [T],
) {
    let ldo = ldw;
    let rows: [&[T]; P] = std::array::from_fn(|i| &a[i * lda..i * lda + kk]);
    let mut acc = [[T::zero(); B]; P];
    for k in 0..kk {
        let wr = &w[k * ldw + c0..][..B];
        for i in 0..P {
            let v = rows[i][k];
            for l in 0..B {
                acc[i][l] = acc[i][l] + v * wr[l];
            }
        }
    }
    for (i, tile) in acc.iter().enumerate() {
        out[i * ldo + c0..][..B].copy_from_slice(tile);
    }
}

/// `dk[j·ld + c0 + l] += Σ_r a[r·lda + j] · dy[r·ld + c0 + l]` for the `KB × B` tile
/// `j < KB`, `l < B`, over all rows `r` of `dy`: the partial sums stay in registers. Only the
/// rows of `dk` it holds (`j < dk.len() / ld`) are written.
#[inline(always)]
fn kernel_grad_tile<T: Float, const KB: usize, const B: usize>(
    a: &[T],
    lda: usize,
    dy: &[T],
    ld: usize,
    c0: usize,
    dk: &mut [T],
) {
    let mut acc = [[T::zero(); B]; KB];
    for (r, dyr) in dy.chunks_exact(ld).enumerate() {
        let ar = &a[r * lda..][..KB];
        let dr = &dyr[c0..c0 + B];
        for j in 0..KB {
            let v = ar[j];
            for l in 0..B {
                acc[j][l] = acc[j][l] + v * dr[l];
            }
        }
    }
    for (j, tile) in acc.iter().enumerate().take(dk.len() / ld) {
        for (d, &v) in dk[j * ld + c0..][..B].iter_mut().zip(tile) {
            *d = *d + v;
        }
    }
}

/// Dot product with independent lanes so it vectorises.
#[inline(always)]
fn dot<T: Float>(x: &[T], y: &[T]) -> T {
    const L: usize = 16;
    let mut lanes = [T::zero(); L];
    let xc = x.chunks_exact(L);
    let yc = y.chunks_exact(L);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for l in 0..L {
            lanes[l] = lanes[l] + a[l] * b[l];
        }
    }
    let mut s = lanes.iter().fold(T::zero(), |s, &v| s + v);
    for (&a, &b) in xr.iter().zip(yr) {
        s = s + a * b;
    }
    s
}

/// `dst[i·dst_rs + j] (=|+=) Σ_l a[i·a_rs + l·a_cs] · b[l·b_rs + j·b_cs]` for an `m×k` by
/// `k×n` product.
///
/// # Safety
/// Every addressed element of `a`, `b` and `dst` must be in bounds, and `dst` must not overlap
/// `a` or `b`.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_raw<T: Float>(
    (m, k, n): (usize, usize, usize),
    dst: *mut T,
    dst_rs: usize,
    accumulate: bool,
    (a, a_rs, a_cs): (*const T, usize, usize),
    (b, b_rs, b_cs): (*const T, usize, usize),
    par: Parallelism,
) {
    if m == 0 || n == 0 || k == 0 {
        debug_assert!(
            accumulate || m == 0 || n == 0,
            "gemm_raw: k = 0 would leave dst"
        );
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            accumulate,
            a,
            a_cs as isize,
            a_rs as isize,
            b,
            b_cs as isize,
            b_rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}

/// Which kernel family runs a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Direct,
    Gemm,
}

/// Knobs of the work split (tests shrink them to exercise chunking on small shapes).
#[derive(Clone, Copy, Debug)]
struct Tuning {
    /// Force a path instead of choosing by shape.
    path: Option<Path>,
    /// Multiply-adds below which everything runs on the calling thread.
    par_min_work: usize,
    /// Target elements of an im2col buffer (or output chunk) per task.
    chunk_elems: usize,
    /// Fewest rows per chunk.
    min_rows: usize,
    /// Rows per piece for the direct kernels.
    direct_rows: usize,
}

const TUNING: Tuning = Tuning {
    path: None,
    par_min_work: 1 << 21,
    chunk_elems: 1 << 18,
    min_rows: 64,
    direct_rows: 256,
};

/// How rows are split: `chunk` rows per task, tasks over rayon or not, and the parallelism
/// the GEMMs inside a task may use.
#[derive(Clone, Copy, Debug)]
struct Plan {
    chunk: usize,
    parallel: bool,
    gemm_par: Parallelism,
}

/// Splits `units` independent units (rows or images) of `unit_elems` buffer elements each,
/// at least `min_units` per task.
fn plan(units: usize, unit_elems: usize, min_units: usize, work: usize, t: &Tuning) -> Plan {
    let target = (t.chunk_elems / unit_elems.max(1))
        .max(min_units)
        .min(units)
        .max(1);
    let threads = rayon::current_num_threads();
    if threads > 1 && work >= t.par_min_work {
        if units >= threads {
            let tasks = units.div_ceil(target).next_multiple_of(threads);
            return Plan {
                chunk: units.div_ceil(tasks).max(1),
                parallel: true,
                gemm_par: Parallelism::None,
            };
        }
        return Plan {
            chunk: target,
            parallel: false,
            gemm_par: Parallelism::Rayon(0),
        };
    }
    Plan {
        chunk: target,
        parallel: false,
        gemm_par: Parallelism::None,
    }
}

/// Shapes and the tap table shared by the three kernels.
struct Geom {
    batch: usize,
    p_in: usize,
    p_out: usize,
    taps: usize,
    cin: usize,
    cout: usize,
    groups: usize,
    cin_g: usize,
    cout_g: usize,
    /// Output spatial shape.
    out_sp: Vec<usize>,
    /// See [`window_gather`].
    gather: Vec<u32>,
    /// 1×…×1 kernel, stride 1, no padding: the im2col matrix is the input itself.
    pointwise: bool,
}

impl Geom {
    fn new(x_shape: &[usize], kernel_shape: &[usize], p: &ConvParams) -> Geom {
        assert!(
            x_shape.len() >= 3,
            "convolution: input must be [batch, *spatial, channels], got {x_shape:?}"
        );
        let n = x_shape.len() - 2;
        assert_eq!(
            kernel_shape.len(),
            n + 2,
            "convolution: kernel {kernel_shape:?} does not match input {x_shape:?}"
        );
        assert!(
            p.strides.len() == n
                && p.dilation.len() == n
                && p.pad_before.len() == n
                && p.pad_after.len() == n,
            "convolution: parameters {p:?} are not {n}-d"
        );
        assert!(
            p.strides.iter().chain(&p.dilation).all(|&s| s >= 1),
            "convolution: strides and dilation must be >= 1, got {p:?}"
        );
        let groups = p.groups;
        let cin = x_shape[n + 1];
        let cout = kernel_shape[n + 1];
        assert!(
            groups >= 1 && cin.is_multiple_of(groups) && cout.is_multiple_of(groups),
            "convolution: groups {groups} must divide channels {cin} and {cout}"
        );
        assert_eq!(
            kernel_shape[n],
            cin / groups,
            "convolution: kernel {kernel_shape:?} expects {} input channels per group, \
             input {x_shape:?} has {cin} in {groups} groups",
            kernel_shape[n]
        );
        let in_sp = &x_shape[1..=n];
        let k_sp = &kernel_shape[..n];
        let out_sp = p.output_spatial(in_sp, k_sp);
        let gather = window_gather(in_sp, &out_sp, k_sp, &p.strides, &p.dilation, &p.pad_before);
        let pointwise = k_sp.iter().all(|&k| k == 1)
            && p.strides.iter().all(|&s| s == 1)
            && p.pad_before.iter().chain(&p.pad_after).all(|&q| q == 0);
        Geom {
            batch: x_shape[0],
            p_in: in_sp.iter().product(),
            p_out: out_sp.iter().product(),
            taps: k_sp.iter().product(),
            cin,
            cout,
            groups,
            cin_g: cin / groups,
            cout_g: cout / groups,
            out_sp,
            gather,
            pointwise,
        }
    }

    fn x_len(&self) -> usize {
        self.batch * self.p_in * self.cin
    }
    fn y_len(&self) -> usize {
        self.batch * self.p_out * self.cout
    }
    fn k_len(&self) -> usize {
        self.taps * self.cin_g * self.cout
    }
    /// Columns of the im2col matrix.
    fn kt(&self) -> usize {
        self.taps * self.cin
    }
    /// Multiply-adds of one pass.
    fn work(&self) -> usize {
        self.batch * self.p_out * self.taps * self.cin_g * self.cout
    }
    /// The path for the forward pass (`forward`) or a gradient. With few input channels per
    /// group the forward pass runs direct; the gradients only for grouped convolutions, as
    /// for `groups == 1` GEMM measured as fast or faster (input gradient: much faster).
    fn path(&self, t: &Tuning, forward: bool) -> Path {
        t.path.unwrap_or(
            if self.cin_g <= DIRECT_MAX_CIN && (forward || self.groups > 1) {
                Path::Direct
            } else {
                Path::Gemm
            },
        )
    }
    /// Buffer elements charged per row when splitting rows into pieces: direct kernels
    /// want pieces of about `direct_rows` rows (they stay in cache while every tile
    /// sweeps them), GEMM pieces are sized by their im2col buffer.
    fn row_elems(&self, path: Path, t: &Tuning) -> usize {
        match path {
            Path::Direct => (t.chunk_elems / t.direct_rows).max(1),
            Path::Gemm => self.kt(),
        }
    }
    /// Depthwise with multiplier 1: every tap is an elementwise product over channels.
    fn depthwise1(&self) -> bool {
        self.cin_g == 1 && self.cout_g == 1
    }
    fn dy_shape(&self) -> Vec<usize> {
        let mut s = vec![self.batch];
        s.extend_from_slice(&self.out_sp);
        s.push(self.cout);
        s
    }

    /// Columns of one group's block of the im2col matrix, padded to a multiple of `pad`.
    fn kg_padded(&self, pad: usize) -> usize {
        (self.taps * self.cin_g).next_multiple_of(pad)
    }

    /// Unfolds output rows `r0 .. r0 + rows` into `buf`: `rows × (groups · kgp)` with
    /// `kgp = kg_padded(pad)`, group-major columns, each group's block zero-padded from
    /// `taps · cin / groups` to `kgp` columns.
    #[inline(always)]
    fn im2col<T: Float>(&self, x: &[T], r0: usize, rows: usize, pad: usize, buf: &mut Vec<T>) {
        // Fixed-length pieces for few channels, so copies are moves rather than `memcpy` calls.
        match self.cin_g {
            1 => self.im2col_n::<T, 1>(x, r0, rows, pad, buf),
            2 => self.im2col_n::<T, 2>(x, r0, rows, pad, buf),
            3 => self.im2col_n::<T, 3>(x, r0, rows, pad, buf),
            4 => self.im2col_n::<T, 4>(x, r0, rows, pad, buf),
            _ => self.im2col_n::<T, 0>(x, r0, rows, pad, buf),
        }
    }

    /// [`Geom::im2col`] for `N = cin / groups` channels per group (`N = 0`: any number).
    #[inline(always)]
    fn im2col_n<T: Float, const N: usize>(
        &self,
        x: &[T],
        r0: usize,
        rows: usize,
        pad: usize,
        buf: &mut Vec<T>,
    ) {
        let cg = if N == 0 { self.cin_g } else { N };
        let kg = self.taps * cg;
        let kgp = self.kg_padded(pad);
        let kt = self.groups * kgp;
        if buf.len() < rows * kt {
            buf.resize(rows * kt, T::zero());
        }
        let img = self.p_in * self.cin;
        let (mut b, mut p) = self.unflatten(r0);
        for row in buf[..rows * kt].chunks_exact_mut(kt) {
            let xb = &x[b * img..(b + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            if self.groups == 1 {
                for (dst, &idx) in row[..kg].chunks_exact_mut(cg).zip(gat) {
                    if idx == NONE {
                        dst.fill(T::zero());
                    } else {
                        dst.copy_from_slice(&xb[idx as usize * cg..][..cg]);
                    }
                }
                row[kg..].fill(T::zero());
            } else {
                for grp in 0..self.groups {
                    row[grp * kgp + kg..(grp + 1) * kgp].fill(T::zero());
                }
                for (t, &idx) in gat.iter().enumerate() {
                    for grp in 0..self.groups {
                        let dst = &mut row[grp * kgp + t * cg..][..cg];
                        if idx == NONE {
                            dst.fill(T::zero());
                        } else {
                            let s = idx as usize * self.cin + grp * cg;
                            dst.copy_from_slice(&xb[s..s + cg]);
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

    /// Scatter-adds the unfolded rows `r0 .. r0 + rows` in `buf` into `dx`, which holds the
    /// images from `b0` on.
    #[inline(always)]
    fn col2im<T: Float>(&self, buf: &[T], r0: usize, rows: usize, dx: &mut [T], b0: usize) {
        let kt = self.kt();
        let kg = self.taps * self.cin_g;
        let img = self.p_in * self.cin;
        for (i, row) in buf[..rows * kt].chunks_exact(kt).enumerate() {
            let r = r0 + i;
            let (b, p) = (r / self.p_out, r % self.p_out);
            let dxb = &mut dx[(b - b0) * img..(b - b0 + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            if self.groups == 1 {
                for (src, &idx) in row.chunks_exact(self.cin).zip(gat) {
                    if idx != NONE {
                        let s = idx as usize * self.cin;
                        for (d, &v) in dxb[s..s + self.cin].iter_mut().zip(src) {
                            *d = *d + v;
                        }
                    }
                }
            } else {
                for (t, &idx) in gat.iter().enumerate() {
                    if idx == NONE {
                        continue;
                    }
                    for grp in 0..self.groups {
                        let src = &row[grp * kg + t * self.cin_g..][..self.cin_g];
                        let s = idx as usize * self.cin + grp * self.cin_g;
                        for (d, &v) in dxb[s..s + self.cin_g].iter_mut().zip(src) {
                            *d = *d + v;
                        }
                    }
                }
            }
        }
    }

    // ---- direct kernels -------------------------------------------------------------
    //
    // For few input channels per group the GEMM inner dimension `taps · cin / groups` is
    // tiny, where `gemm`'s packing dominates. These kernels unfold a small chunk of rows
    // (cache-resident) and run register-blocked micro-kernels that keep a `P × B` tile of
    // partial sums in vector registers. Depthwise convolutions with multiplier 1 instead work
    // elementwise over the channels.

    /// `(image, pixel)` of row `r`.
    #[inline(always)]
    fn unflatten(&self, r: usize) -> (usize, usize) {
        (r / self.p_out, r % self.p_out)
    }

    /// Output rows from `r0` (`out` holds whole rows; `buf` is scratch).
    #[inline(always)]
    fn direct_forward<T: Float>(
        &self,
        x: &[T],
        kernel: &[T],
        out: &mut [T],
        r0: usize,
        buf: &mut Vec<T>,
    ) {
        let rows = out.len() / self.cout;
        if self.depthwise1() {
            return self.depthwise_forward(x, kernel, out, r0);
        }
        self.im2col(x, r0, rows, 1, buf);
        let a = &buf[..rows * self.kt()];
        if size_of::<T>() <= 4 {
            self.direct_forward_p::<T, 4>(a, kernel, out, rows);
        } else {
            self.direct_forward_p::<T, 2>(a, kernel, out, rows);
        }
    }

    #[inline(always)]
    fn direct_forward_p<T: Float, const P: usize>(
        &self,
        a: &[T],
        kernel: &[T],
        out: &mut [T],
        rows: usize,
    ) {
        let mut i = 0;
        while i + P <= rows {
            self.forward_tile_rows::<T, P>(a, kernel, out, i);
            i += P;
        }
        while i < rows {
            self.forward_tile_rows::<T, 1>(a, kernel, out, i);
            i += 1;
        }
    }

    /// All output channels of unfolded rows `i .. i + P`.
    #[inline(always)]
    fn forward_tile_rows<T: Float, const P: usize>(
        &self,
        a: &[T],
        kernel: &[T],
        out: &mut [T],
        i: usize,
    ) {
        let (kt, cout) = (self.kt(), self.cout);
        let kg = self.taps * self.cin_g;
        let a = &a[i * kt..(i + P) * kt];
        let out = &mut out[i * cout..(i + P) * cout];
        for grp in 0..self.groups {
            let ag = &a[grp * kg..];
            let (mut c, end) = (grp * self.cout_g, (grp + 1) * self.cout_g);
            while c + 16 <= end {
                forward_tile::<T, P, 16>(ag, kt, kg, kernel, cout, c, out);
                c += 16;
            }
            while c + 8 <= end {
                forward_tile::<T, P, 8>(ag, kt, kg, kernel, cout, c, out);
                c += 8;
            }
            while c < end {
                forward_tile::<T, P, 1>(ag, kt, kg, kernel, cout, c, out);
                c += 1;
            }
        }
    }

    /// Depthwise (multiplier 1) output rows from `r0`: elementwise over channels.
    #[inline(always)]
    fn depthwise_forward<T: Float>(&self, x: &[T], kernel: &[T], out: &mut [T], r0: usize) {
        let c = self.cout;
        let img = self.p_in * c;
        let (mut b, mut p) = self.unflatten(r0);
        for o in out.chunks_exact_mut(c) {
            let xb = &x[b * img..(b + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            o.fill(T::zero());
            for (&idx, kt) in gat.iter().zip(kernel.chunks_exact(c)) {
                if idx != NONE {
                    let xr = &xb[idx as usize * c..][..c];
                    for ((s, &v), &w) in o.iter_mut().zip(xr).zip(kt) {
                        *s = *s + v * w;
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

    /// Accumulates the kernel gradient of rows `r0 .. r0 + rows` into `dk` (`buf` is
    /// scratch).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn direct_kernel_grad<T: Float>(
        &self,
        x: &[T],
        dy: &[T],
        r0: usize,
        rows: usize,
        dk: &mut [T],
        buf: &mut Vec<T>,
    ) {
        if self.depthwise1() {
            return self.depthwise_kernel_grad(x, dy, r0, rows, dk);
        }
        if size_of::<T>() <= 4 {
            self.direct_kernel_grad_k::<T, 4>(x, dy, r0, rows, dk, buf);
        } else {
            self.direct_kernel_grad_k::<T, 2>(x, dy, r0, rows, dk, buf);
        }
    }

    /// Kernel rows go in tiles of `KB`; the unfolded groups are zero-padded to a multiple of
    /// `KB` columns so there is no narrower tail tile.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn direct_kernel_grad_k<T: Float, const KB: usize>(
        &self,
        x: &[T],
        dy: &[T],
        r0: usize,
        rows: usize,
        dk: &mut [T],
        buf: &mut Vec<T>,
    ) {
        self.im2col(x, r0, rows, KB, buf);
        let kgp = self.kg_padded(KB);
        let a = &buf[..rows * self.groups * kgp];
        let dy = &dy[r0 * self.cout..(r0 + rows) * self.cout];
        let kg = self.taps * self.cin_g;
        for grp in 0..self.groups {
            for k in (0..kg).step_by(KB) {
                self.kernel_grad_tile_rows::<T, KB>(a, kgp, dy, dk, grp, k);
            }
        }
    }

    /// Kernel rows `k .. min(k + KB, kg)` of group `grp`, all its output channels; `a` is
    /// unfolded with groups padded to `kgp` columns.
    #[inline(always)]
    fn kernel_grad_tile_rows<T: Float, const KB: usize>(
        &self,
        a: &[T],
        kgp: usize,
        dy: &[T],
        dk: &mut [T],
        grp: usize,
        k: usize,
    ) {
        let (lda, cout) = (self.groups * kgp, self.cout);
        let valid = KB.min(self.taps * self.cin_g - k);
        let a = &a[grp * kgp + k..];
        let dk = &mut dk[k * cout..(k + valid) * cout];
        let (mut c, end) = (grp * self.cout_g, (grp + 1) * self.cout_g);
        while c + 16 <= end {
            kernel_grad_tile::<T, KB, 16>(a, lda, dy, cout, c, dk);
            c += 16;
        }
        while c + 8 <= end {
            kernel_grad_tile::<T, KB, 8>(a, lda, dy, cout, c, dk);
            c += 8;
        }
        while c < end {
            kernel_grad_tile::<T, KB, 1>(a, lda, dy, cout, c, dk);
            c += 1;
        }
    }

    /// Depthwise (multiplier 1) kernel gradient of rows `r0 .. r0 + rows`.
    #[inline(always)]
    fn depthwise_kernel_grad<T: Float>(
        &self,
        x: &[T],
        dy: &[T],
        r0: usize,
        rows: usize,
        dk: &mut [T],
    ) {
        let c = self.cout;
        let img = self.p_in * c;
        let (mut b, mut p) = self.unflatten(r0);
        for dyr in dy[r0 * c..(r0 + rows) * c].chunks_exact(c) {
            let xb = &x[b * img..(b + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            for (&idx, dkt) in gat.iter().zip(dk.chunks_exact_mut(c)) {
                if idx != NONE {
                    let xr = &xb[idx as usize * c..][..c];
                    for ((s, &v), &g) in dkt.iter_mut().zip(xr).zip(dyr) {
                        *s = *s + v * g;
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

    /// Accumulates the input gradient of rows `r0 .. r0 + rows` into `dx` (images from `b0`).
    /// Used for grouped convolutions with few channels per group (depthwise and the like);
    /// `groups == 1` goes through GEMM, which is faster even for one input channel.
    #[inline(always)]
    fn direct_input_grad<T: Float>(
        &self,
        dy: &[T],
        kernel: &[T],
        r0: usize,
        rows: usize,
        dx: &mut [T],
        b0: usize,
    ) {
        let (cin, cout, cin_g, cout_g) = (self.cin, self.cout, self.cin_g, self.cout_g);
        let img = self.p_in * cin;
        let kstep = cin_g * cout;
        let (mut b, mut p) = self.unflatten(r0);
        for dyr in dy[r0 * cout..(r0 + rows) * cout].chunks_exact(cout) {
            let dxb = &mut dx[(b - b0) * img..(b - b0 + 1) * img];
            let gat = &self.gather[p * self.taps..(p + 1) * self.taps];
            for (&idx, kt) in gat.iter().zip(kernel.chunks_exact(kstep)) {
                if idx == NONE {
                    continue;
                }
                let dxr = &mut dxb[idx as usize * cin..][..cin];
                if self.depthwise1() {
                    for ((d, &g), &w) in dxr.iter_mut().zip(dyr).zip(kt) {
                        *d = *d + g * w;
                    }
                } else {
                    for grp in 0..self.groups {
                        let dyg = &dyr[grp * cout_g..(grp + 1) * cout_g];
                        for ci in 0..cin_g {
                            let kr = &kt[ci * cout + grp * cout_g..][..cout_g];
                            let d = &mut dxr[grp * cin_g + ci];
                            *d = *d + dot(dyg, kr);
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

    // ---- im2col + GEMM kernels ------------------------------------------------------

    /// Output rows from `r0` (`out` holds whole rows).
    fn gemm_forward<T: Float>(
        &self,
        x: &[T],
        kernel: &[T],
        out: &mut [T],
        r0: usize,
        buf: &mut Vec<T>,
        par: Parallelism,
    ) {
        let rows = out.len() / self.cout;
        let (a, a_rs): (&[T], usize) = if self.pointwise {
            (&x[r0 * self.cin..(r0 + rows) * self.cin], self.cin)
        } else {
            simd!(self.im2col(x, r0, rows, 1, buf));
            (&buf[..rows * self.kt()], self.kt())
        };
        let kg = self.taps * self.cin_g;
        for grp in 0..self.groups {
            // SAFETY: `a` is `rows × a_rs` with group `grp` in columns `grp·kg ..+kg`; the
            // kernel is `kg × cout` with the group in columns `grp·cout_g ..+cout_g`; `out`
            // is `rows × cout`; all three were bounds-checked when sliced.
            unsafe {
                gemm_raw(
                    (rows, kg, self.cout_g),
                    out.as_mut_ptr().add(grp * self.cout_g),
                    self.cout,
                    false,
                    (a.as_ptr().add(grp * kg), a_rs, 1),
                    (kernel.as_ptr().add(grp * self.cout_g), self.cout, 1),
                    par,
                );
            }
        }
    }

    /// Accumulates the kernel gradient of rows `r0 .. r0 + rows` into `dk`.
    #[allow(clippy::too_many_arguments)]
    fn gemm_kernel_grad<T: Float>(
        &self,
        x: &[T],
        dy: &[T],
        r0: usize,
        rows: usize,
        dk: &mut [T],
        buf: &mut Vec<T>,
        par: Parallelism,
    ) {
        let (a, a_rs): (&[T], usize) = if self.pointwise {
            (&x[r0 * self.cin..(r0 + rows) * self.cin], self.cin)
        } else {
            simd!(self.im2col(x, r0, rows, 1, buf));
            (&buf[..rows * self.kt()], self.kt())
        };
        let dyc = &dy[r0 * self.cout..(r0 + rows) * self.cout];
        let kg = self.taps * self.cin_g;
        assert_eq!(dk.len(), self.k_len());
        for grp in 0..self.groups {
            // SAFETY: `aᵀ` is `kg × rows` read from the `rows × a_rs` buffer at column
            // `grp·kg`; `dy` is `rows × cout` at column `grp·cout_g`; `dk` is `kg × cout`.
            unsafe {
                gemm_raw(
                    (kg, rows, self.cout_g),
                    dk.as_mut_ptr().add(grp * self.cout_g),
                    self.cout,
                    true,
                    (a.as_ptr().add(grp * kg), 1, a_rs),
                    (dyc.as_ptr().add(grp * self.cout_g), self.cout, 1),
                    par,
                );
            }
        }
    }

    /// Accumulates the input gradient of rows `r0 .. r0 + rows` into `dx` (images from `b0`).
    #[allow(clippy::too_many_arguments)]
    fn gemm_input_grad<T: Float>(
        &self,
        dy: &[T],
        kernel: &[T],
        r0: usize,
        rows: usize,
        dx: &mut [T],
        b0: usize,
        buf: &mut Vec<T>,
        par: Parallelism,
    ) {
        let dyc = &dy[r0 * self.cout..(r0 + rows) * self.cout];
        let kg = self.taps * self.cin_g;
        let kt = self.kt();
        let dst: &mut [T] = if self.pointwise {
            // Pixels map one to one, so the rows land directly (and only once) in `dx`.
            let s = (r0 - b0 * self.p_out) * self.cin;
            &mut dx[s..s + rows * self.cin]
        } else {
            if buf.len() < rows * kt {
                buf.resize(rows * kt, T::zero());
            }
            &mut buf[..rows * kt]
        };
        for grp in 0..self.groups {
            // SAFETY: `dy` is `rows × cout` at column `grp·cout_g`; `kernelᵀ` is
            // `cout_g × kg` read from the `kg × cout` kernel at column `grp·cout_g`; `dst` is
            // `rows × kt` (pointwise: `kt = cin`) written at column `grp·kg`.
            unsafe {
                gemm_raw(
                    (rows, self.cout_g, kg),
                    dst.as_mut_ptr().add(grp * kg),
                    kt,
                    false,
                    (dyc.as_ptr().add(grp * self.cout_g), self.cout, 1),
                    (kernel.as_ptr().add(grp * self.cout_g), 1, self.cout),
                    par,
                );
            }
        }
        if !self.pointwise {
            simd!(self.col2im(buf, r0, rows, dx, b0));
        }
    }
}

/// Calls `f(first_row, rows)` for consecutive pieces of at most `chunk` rows of `range`.
#[inline(always)]
fn for_pieces(range: std::ops::Range<usize>, chunk: usize, mut f: impl FnMut(usize, usize)) {
    let mut r = range.start;
    while r < range.end {
        let n = chunk.min(range.end - r);
        f(r, n);
        r += n;
    }
}

/// Convolution of `x` (`[batch, *spatial, cin]`) with `kernel` (`[*k, cin / groups, cout]`);
/// returns `[batch, *out_spatial, cout]` with `out_spatial` from [`ConvParams::output_spatial`].
///
/// # Panics
/// If the shapes, buffer lengths and parameters are inconsistent.
pub fn conv_forward<T: Float>(
    x: &[T],
    x_shape: &[usize],
    kernel: &[T],
    kernel_shape: &[usize],
    p: &ConvParams,
) -> Vec<T> {
    forward_tuned(x, x_shape, kernel, kernel_shape, p, &TUNING)
}

fn forward_tuned<T: Float>(
    x: &[T],
    x_shape: &[usize],
    kernel: &[T],
    kernel_shape: &[usize],
    p: &ConvParams,
    t: &Tuning,
) -> Vec<T> {
    let g = Geom::new(x_shape, kernel_shape, p);
    assert_eq!(x.len(), g.x_len(), "conv: input length for {x_shape:?}");
    assert_eq!(
        kernel.len(),
        g.k_len(),
        "conv: kernel length for {kernel_shape:?}"
    );
    let mut out = vec![T::zero(); g.y_len()];
    if out.is_empty() || g.cin_g == 0 {
        return out;
    }
    let rows = g.batch * g.p_out;
    let cout = g.cout;
    let path = g.path(t, true);
    let pl = plan(rows, g.row_elems(path, t), t.min_rows, g.work(), t);
    let run = |buf: &mut Vec<T>, i: usize, o: &mut [T]| match path {
        Path::Direct => simd!(g.direct_forward(x, kernel, o, i * pl.chunk, buf)),
        Path::Gemm => g.gemm_forward(x, kernel, o, i * pl.chunk, buf, pl.gemm_par),
    };
    if pl.parallel {
        out.par_chunks_mut(pl.chunk * cout)
            .enumerate()
            .for_each_init(Vec::new, |buf, (i, o)| run(buf, i, o));
    } else {
        let mut buf = Vec::new();
        out.chunks_mut(pl.chunk * cout)
            .enumerate()
            .for_each(|(i, o)| run(&mut buf, i, o));
    }
    out
}

/// Gradient of [`conv_forward`] with respect to its input: `dy` (`[batch, *out_spatial,
/// cout]`) back through `kernel` to an input of shape `x_shape`. With `x_shape` chosen by the
/// caller (output padding included) this is also the transposed convolution.
///
/// # Panics
/// If the shapes, buffer lengths and parameters are inconsistent.
pub fn conv_input_grad<T: Float>(
    dy: &[T],
    dy_shape: &[usize],
    kernel: &[T],
    kernel_shape: &[usize],
    x_shape: &[usize],
    p: &ConvParams,
) -> Vec<T> {
    input_grad_tuned(dy, dy_shape, kernel, kernel_shape, x_shape, p, &TUNING)
}

fn input_grad_tuned<T: Float>(
    dy: &[T],
    dy_shape: &[usize],
    kernel: &[T],
    kernel_shape: &[usize],
    x_shape: &[usize],
    p: &ConvParams,
    t: &Tuning,
) -> Vec<T> {
    let g = Geom::new(x_shape, kernel_shape, p);
    assert_eq!(
        dy_shape,
        g.dy_shape(),
        "conv_input_grad: dy {dy_shape:?} does not match input {x_shape:?} and kernel \
         {kernel_shape:?}"
    );
    assert_eq!(
        dy.len(),
        g.y_len(),
        "conv_input_grad: dy length for {dy_shape:?}"
    );
    assert_eq!(
        kernel.len(),
        g.k_len(),
        "conv_input_grad: kernel length for {kernel_shape:?}"
    );
    let mut dx = vec![T::zero(); g.x_len()];
    if dx.is_empty() || g.p_out == 0 || g.cout == 0 {
        return dx;
    }
    let img = g.p_in * g.cin;
    let path = g.path(t, false);
    // Tasks own whole images (col2im scatters within an image); inside a task, rows go in
    // pieces that bound the im2col buffer.
    let row_elems = g.row_elems(path, t);
    let rows_pl = plan(g.batch * g.p_out, row_elems, t.min_rows, g.work(), t);
    let img_pl = plan(g.batch, row_elems * g.p_out, 1, g.work(), t);
    let piece = rows_pl.chunk;
    let gemm_par = if img_pl.parallel {
        Parallelism::None
    } else {
        rows_pl.gemm_par
    };
    let run = |buf: &mut Vec<T>, i: usize, dxc: &mut [T]| {
        let b0 = i * img_pl.chunk;
        let b1 = b0 + dxc.len() / img;
        for_pieces(b0 * g.p_out..b1 * g.p_out, piece, |r0, rows| match path {
            Path::Direct => simd!(g.direct_input_grad(dy, kernel, r0, rows, dxc, b0)),
            Path::Gemm => g.gemm_input_grad(dy, kernel, r0, rows, dxc, b0, buf, gemm_par),
        });
    };
    if img_pl.parallel {
        dx.par_chunks_mut(img_pl.chunk * img)
            .enumerate()
            .for_each_init(Vec::new, |buf, (i, c)| run(buf, i, c));
    } else {
        let mut buf = Vec::new();
        dx.chunks_mut(img_pl.chunk * img)
            .enumerate()
            .for_each(|(i, c)| run(&mut buf, i, c));
    }
    dx
}

/// Gradient of [`conv_forward`] with respect to its kernel: returns `kernel_shape`
/// (`[*k, cin / groups, cout]`) from the input `x` and the output gradient `dy`.
///
/// Per-thread partial sums are added in a fixed order, so the result depends on the number
/// of rayon threads but not on scheduling.
///
/// # Panics
/// If the shapes, buffer lengths and parameters are inconsistent.
pub fn conv_kernel_grad<T: Float>(
    x: &[T],
    x_shape: &[usize],
    dy: &[T],
    dy_shape: &[usize],
    kernel_shape: &[usize],
    p: &ConvParams,
) -> Vec<T> {
    kernel_grad_tuned(x, x_shape, dy, dy_shape, kernel_shape, p, &TUNING)
}

fn kernel_grad_tuned<T: Float>(
    x: &[T],
    x_shape: &[usize],
    dy: &[T],
    dy_shape: &[usize],
    kernel_shape: &[usize],
    p: &ConvParams,
    t: &Tuning,
) -> Vec<T> {
    let g = Geom::new(x_shape, kernel_shape, p);
    assert_eq!(
        dy_shape,
        g.dy_shape(),
        "conv_kernel_grad: dy {dy_shape:?} does not match input {x_shape:?} and kernel \
         {kernel_shape:?}"
    );
    assert_eq!(
        x.len(),
        g.x_len(),
        "conv_kernel_grad: input length for {x_shape:?}"
    );
    assert_eq!(
        dy.len(),
        g.y_len(),
        "conv_kernel_grad: dy length for {dy_shape:?}"
    );
    let klen = g.k_len();
    let rows = g.batch * g.p_out;
    if klen == 0 || rows == 0 {
        return vec![T::zero(); klen];
    }
    let path = g.path(t, false);
    let pl = plan(rows, g.row_elems(path, t), t.min_rows, g.work(), t);
    let part = |range: std::ops::Range<usize>, par: Parallelism| {
        let mut dk = vec![T::zero(); klen];
        let mut buf = Vec::new();
        for_pieces(range, pl.chunk, |r0, n| match path {
            Path::Direct => simd!(g.direct_kernel_grad(x, dy, r0, n, &mut dk, &mut buf)),
            Path::Gemm => g.gemm_kernel_grad(x, dy, r0, n, &mut dk, &mut buf, par),
        });
        dk
    };
    if !pl.parallel {
        return part(0..rows, pl.gemm_par);
    }
    let parts = rayon::current_num_threads().min(rows.div_ceil(pl.chunk));
    let partials: Vec<Vec<T>> = (0..parts)
        .into_par_iter()
        .map(|i| part(rows * i / parts..rows * (i + 1) / parts, Parallelism::None))
        .collect();
    let mut it = partials.into_iter();
    let mut dk = it.next().expect("at least one part");
    for q in it {
        for (a, b) in dk.iter_mut().zip(q) {
            *a = *a + b;
        }
    }
    dk
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny xorshift generator so tests need no extra crates.
    pub(crate) struct Rng(u64);
    impl Rng {
        pub(crate) fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// Uniform in `lo..=hi`.
        pub(crate) fn int(&mut self, lo: usize, hi: usize) -> usize {
            lo + (self.next() % (hi - lo + 1) as u64) as usize
        }
        /// Uniform in `[-1, 1)`.
        pub(crate) fn float(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
        pub(crate) fn vec(&mut self, n: usize) -> Vec<f64> {
            (0..n).map(|_| self.float()).collect()
        }
    }

    /// Calls `f(x_index, kernel_index, y_index)` for every multiply-add of the convolution.
    fn visit(
        x_shape: &[usize],
        k_shape: &[usize],
        p: &ConvParams,
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let n = x_shape.len() - 2;
        let (batch, cin, cout) = (x_shape[0], x_shape[n + 1], k_shape[n + 1]);
        let in_sp = &x_shape[1..=n];
        let k_sp = &k_shape[..n];
        let out_sp = p.output_spatial(in_sp, k_sp);
        let (cin_g, cout_g) = (cin / p.groups, cout / p.groups);
        let p_out: usize = out_sp.iter().product();
        let taps: usize = k_sp.iter().product();
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
                for t in 0..taps {
                    let tk = unravel(t, k_sp);
                    let mut lin = b;
                    let mut ok = true;
                    for d in 0..n {
                        let i = (o[d] * p.strides[d] + tk[d] * p.dilation[d]) as i64
                            - p.pad_before[d] as i64;
                        if i < 0 || i >= in_sp[d] as i64 {
                            ok = false;
                        }
                        lin = lin * in_sp[d] + i.max(0) as usize;
                    }
                    if !ok {
                        continue;
                    }
                    for co in 0..cout {
                        let grp = co / cout_g;
                        for ci in 0..cin_g {
                            let xi = lin * cin + grp * cin_g + ci;
                            let ki = (t * cin_g + ci) * cout + co;
                            let yi = (b * p_out + po) * cout + co;
                            f(xi, ki, yi);
                        }
                    }
                }
            }
        }
    }

    struct Case {
        x_shape: Vec<usize>,
        k_shape: Vec<usize>,
        y_shape: Vec<usize>,
        p: ConvParams,
    }

    fn random_case(rng: &mut Rng, n: usize, big_cin: bool) -> Case {
        let max_sp = [9, 7, 5][n - 1];
        let groups_choice = rng.int(0, 2);
        let cin_g = if big_cin {
            rng.int(5, 9)
        } else {
            rng.int(1, 4)
        };
        // Sometimes wide enough to use every register-block width (16, 8, 1).
        let cout_g = if rng.int(0, 2) == 0 {
            rng.int(17, 27)
        } else {
            rng.int(1, 7)
        };
        let (groups, cin_g, cout_g) = match groups_choice {
            0 => (1, cin_g, cout_g),
            1 => (2, cin_g, cout_g),
            // depthwise: one input channel per group
            _ => (rng.int(2, 6), 1, rng.int(1, 3)),
        };
        let cin = groups * cin_g;
        let cout = groups * cout_g;
        let mut x_shape = vec![rng.int(1, 3)];
        let mut k_shape = vec![];
        let mut p = ConvParams {
            strides: vec![],
            dilation: vec![],
            pad_before: vec![],
            pad_after: vec![],
            groups,
        };
        for _ in 0..n {
            x_shape.push(rng.int(1, max_sp));
            k_shape.push(rng.int(1, 3));
            p.strides.push(rng.int(1, 3));
            p.dilation.push(rng.int(1, 2));
            p.pad_before.push(rng.int(0, 2));
            p.pad_after.push(rng.int(0, 2));
        }
        x_shape.push(cin);
        k_shape.push(cin_g);
        k_shape.push(cout);
        let out_sp = p.output_spatial(&x_shape[1..=n], &k_shape[..n]);
        let mut y_shape = vec![x_shape[0]];
        y_shape.extend(out_sp);
        y_shape.push(cout);
        Case {
            x_shape,
            k_shape,
            y_shape,
            p,
        }
    }

    fn naive_all(c: &Case, x: &[f64], k: &[f64], dy: &[f64]) -> [Vec<f64>; 3] {
        let mut y = vec![0.0; dy.len()];
        let mut dx = vec![0.0; x.len()];
        let mut dk = vec![0.0; k.len()];
        visit(&c.x_shape, &c.k_shape, &c.p, |xi, ki, yi| {
            y[yi] += x[xi] * k[ki];
            dx[xi] += dy[yi] * k[ki];
            dk[ki] += x[xi] * dy[yi];
        });
        [y, dx, dk]
    }

    fn close<T: Float>(got: &[T], want: &[f64], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let g = keras_backend::Element::to_f64(*g);
            assert!(
                (g - w).abs() <= tol * scale,
                "{what}: element {i}: got {g}, want {w}"
            );
        }
    }

    const TEST_TUNINGS: [Tuning; 3] = [
        // defaults, path by shape
        TUNING,
        // tiny chunks, always parallel, each path forced
        Tuning {
            path: Some(Path::Direct),
            par_min_work: 0,
            chunk_elems: 1,
            min_rows: 3,
            direct_rows: 3,
        },
        Tuning {
            path: Some(Path::Gemm),
            par_min_work: 0,
            chunk_elems: 1,
            min_rows: 3,
            direct_rows: 3,
        },
    ];

    fn check_case<T: Float>(c: &Case, rng: &mut Rng, tol: f64) {
        let xl: usize = c.x_shape.iter().product();
        let kl: usize = c.k_shape.iter().product();
        let yl: usize = c.y_shape.iter().product();
        let (x, k, dy) = (rng.vec(xl), rng.vec(kl), rng.vec(yl));
        let [y, dx, dk] = naive_all(c, &x, &k, &dy);
        let cast = |v: &[f64]| {
            v.iter()
                .map(|&a| <T as keras_backend::Element>::from_f64(a))
                .collect::<Vec<T>>()
        };
        let (xt, kt, dyt) = (cast(&x), cast(&k), cast(&dy));
        for t in &TEST_TUNINGS {
            let what = format!("{:?} {:?} {:?} {t:?}", c.x_shape, c.k_shape, c.p);
            let got = forward_tuned(&xt, &c.x_shape, &kt, &c.k_shape, &c.p, t);
            close(&got, &y, tol, &format!("forward {what}"));
            let got = input_grad_tuned(&dyt, &c.y_shape, &kt, &c.k_shape, &c.x_shape, &c.p, t);
            close(&got, &dx, tol, &format!("input grad {what}"));
            let got = kernel_grad_tuned(&xt, &c.x_shape, &dyt, &c.y_shape, &c.k_shape, &c.p, t);
            close(&got, &dk, tol, &format!("kernel grad {what}"));
        }
    }

    #[test]
    fn matches_naive_random_shapes() {
        let mut rng = Rng::new(7);
        for n in 1..=3 {
            for i in 0..60 {
                let c = random_case(&mut rng, n, i % 2 == 1);
                check_case::<f64>(&c, &mut rng, 1e-12);
                check_case::<f32>(&c, &mut rng, 1e-5);
            }
        }
    }

    #[test]
    fn mnist_like_shapes_match_naive() {
        let mut rng = Rng::new(11);
        let p = |pad: usize| ConvParams {
            strides: vec![1, 1],
            dilation: vec![1, 1],
            pad_before: vec![pad, pad],
            pad_after: vec![pad, pad],
            groups: 1,
        };
        for (x_shape, k_shape, pad) in [
            (vec![4, 12, 12, 1], vec![3, 3, 1, 32], 0),
            (vec![3, 9, 9, 32], vec![3, 3, 32, 16], 1),
            (vec![2, 6, 6, 24], vec![1, 1, 24, 8], 0),
        ] {
            let pp = p(pad);
            let out = pp.output_spatial(&x_shape[1..3], &k_shape[..2]);
            let y_shape = vec![x_shape[0], out[0], out[1], k_shape[3]];
            let c = Case {
                x_shape,
                k_shape,
                y_shape,
                p: pp,
            };
            check_case::<f32>(&c, &mut rng, 1e-5);
            check_case::<f64>(&c, &mut rng, 1e-12);
        }
    }

    /// `<conv(x, w), dy> == <x, input_grad(dy, w)> == <w, kernel_grad(x, dy)>`.
    #[test]
    fn adjoint_identities() {
        let mut rng = Rng::new(3);
        let dotf = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        for n in 1..=3 {
            for i in 0..40 {
                let c = random_case(&mut rng, n, i % 2 == 0);
                let xl: usize = c.x_shape.iter().product();
                let kl: usize = c.k_shape.iter().product();
                let yl: usize = c.y_shape.iter().product();
                let (x, k, dy) = (rng.vec(xl), rng.vec(kl), rng.vec(yl));
                let y = conv_forward(&x, &c.x_shape, &k, &c.k_shape, &c.p);
                let dx = conv_input_grad(&dy, &c.y_shape, &k, &c.k_shape, &c.x_shape, &c.p);
                let dk = conv_kernel_grad(&x, &c.x_shape, &dy, &c.y_shape, &c.k_shape, &c.p);
                let a = dotf(&y, &dy);
                let b = dotf(&x, &dx);
                let d = dotf(&k, &dk);
                let tol = 1e-9 * (1.0 + a.abs());
                assert!((a - b).abs() <= tol, "{a} vs {b} for {:?}", c.p);
                assert!((a - d).abs() <= tol, "{a} vs {d} for {:?}", c.p);
            }
        }
    }

    #[test]
    fn transposed_conv_with_output_padding() {
        // conv_transpose 2x2 -> 5x5 with stride 2, kernel 3, output padding 0/1 via x_shape.
        let mut rng = Rng::new(5);
        let p = ConvParams {
            strides: vec![2, 2],
            dilation: vec![1, 1],
            pad_before: vec![0, 0],
            pad_after: vec![0, 0],
            groups: 1,
        };
        for x_shape in [vec![2, 5, 5, 3], vec![2, 6, 6, 3]] {
            let k_shape = vec![3, 3, 3, 6];
            let y_shape = vec![2, 2, 2, 6];
            let c = Case {
                x_shape,
                k_shape,
                y_shape,
                p: p.clone(),
            };
            check_case::<f64>(&c, &mut rng, 1e-12);
        }
    }

    #[test]
    fn empty_and_degenerate_shapes() {
        let p = ConvParams {
            strides: vec![1],
            dilation: vec![1],
            pad_before: vec![0],
            pad_after: vec![0],
            groups: 1,
        };
        // kernel larger than the input: empty output, zero gradients.
        let y = conv_forward(&[1.0f32; 6], &[1, 3, 2], &[1.0; 16], &[4, 2, 2], &p);
        assert!(y.is_empty());
        let dx = conv_input_grad::<f32>(&[], &[1, 0, 2], &[1.0; 16], &[4, 2, 2], &[1, 3, 2], &p);
        assert_eq!(dx, vec![0.0; 6]);
        let dk = conv_kernel_grad::<f32>(&[1.0; 6], &[1, 3, 2], &[], &[1, 0, 2], &[4, 2, 2], &p);
        assert_eq!(dk, vec![0.0; 16]);
        // empty batch
        let y = conv_forward::<f64>(&[], &[0, 3, 2], &[1.0; 8], &[2, 2, 2], &p);
        assert!(y.is_empty());
    }
}
