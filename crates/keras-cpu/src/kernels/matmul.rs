//! Matrix products through the `gemm` crate.

use gemm::Parallelism;

use super::Float;

/// Work (m·k·n multiply-adds) above which a product is split over rayon's threads.
/// Below about 256³ the second thread costs more than it brings on small machines.
const PARALLEL_MIN_WORK: usize = 128 * 128 * 128;

/// Raw view of a row-major matrix: pointer plus row and column strides (in elements).
#[derive(Clone, Copy)]
pub struct MatRef<T> {
    /// First element.
    pub ptr: *const T,
    /// Distance between rows.
    pub row_stride: isize,
    /// Distance between columns.
    pub col_stride: isize,
}

impl<T> MatRef<T> {
    /// A dense `rows × cols` row-major matrix, optionally read transposed.
    pub fn dense(data: &[T], cols: usize, transpose: bool) -> Self {
        if transpose {
            MatRef {
                ptr: data.as_ptr(),
                row_stride: 1,
                col_stride: cols as isize,
            }
        } else {
            MatRef {
                ptr: data.as_ptr(),
                row_stride: cols as isize,
                col_stride: 1,
            }
        }
    }
}

/// `dst (m×n, row-major, stride n) = beta·dst + a (m×k) · b (k×n)` where `beta` is 0 or 1.
///
/// # Safety
/// `a` and `b` must address `m×k` and `k×n` valid elements through their strides, and
/// `dst` must hold at least `m·n` elements.
pub unsafe fn gemm_strided<T: Float>(
    dst: &mut [T],
    a: MatRef<T>,
    b: MatRef<T>,
    m: usize,
    k: usize,
    n: usize,
    accumulate: bool,
) {
    debug_assert!(dst.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].iter_mut().for_each(|v| *v = T::zero());
        }
        return;
    }
    let par = if m * n * k >= PARALLEL_MIN_WORK && rayon::current_num_threads() > 1 {
        Parallelism::Rayon(0)
    } else {
        Parallelism::None
    };
    gemm::gemm(
        m,
        n,
        k,
        dst.as_mut_ptr(),
        1,
        n as isize,
        accumulate,
        a.ptr,
        a.col_stride,
        a.row_stride,
        b.ptr,
        b.col_stride,
        b.row_stride,
        T::one(),
        T::one(),
        false,
        false,
        false,
        par,
    );
}

/// Dense product `a (m×k) · b (k×n)` of row-major slices, each optionally transposed in
/// storage, returned as a new `m×n` buffer.
pub fn matmul<T: Float>(
    a: &[T],
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
    transpose_a: bool,
    transpose_b: bool,
) -> Vec<T> {
    assert!(
        a.len() >= m * k && b.len() >= k * n,
        "matmul: buffers too small"
    );
    let mut out = vec![T::zero(); m * n];
    let a_ref = MatRef::dense(a, if transpose_a { m } else { k }, transpose_a);
    let b_ref = MatRef::dense(b, if transpose_b { k } else { n }, transpose_b);
    // SAFETY: lengths were checked above and the strides describe dense matrices.
    unsafe { gemm_strided(&mut out, a_ref, b_ref, m, k, n, false) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn matches_naive_with_transposes() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let got = matmul(&a, &b, m, k, n, false, false);
        for (x, y) in got.iter().zip(&want) {
            assert!((x - y).abs() < 1e-12);
        }
        // transpose a: store a^T (k×m)
        let at: Vec<f64> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        let got = matmul(&at, &bt, m, k, n, true, true);
        for (x, y) in got.iter().zip(&want) {
            assert!((x - y).abs() < 1e-12);
        }
    }
}
