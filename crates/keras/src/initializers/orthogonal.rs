//! The Orthogonal initializer: Q of the QR decomposition of a normal matrix, with the signs
//! fixed so that R has a positive diagonal (which makes Q unique, as Keras's).

use keras_ops::random;
use keras_ops::{DType, Result, Tensor};

/// `gain · Q` reshaped to `shape`, with Q from a `max(rows, cols) × min(rows, cols)` normal
/// matrix (rows = product of all dims but the last), transposed when rows < cols.
pub(super) fn sample(shape: &[usize], gain: f64, seed: u64, dtype: DType) -> Result<Tensor> {
    if shape.len() < 2 {
        keras_backend::bail!(
            "Orthogonal",
            "the orthogonal initializer needs at least 2 dims, got {shape:?}"
        );
    }
    let cols = shape[shape.len() - 1];
    let rows: usize = shape[..shape.len() - 1].iter().product();
    let (n, k) = (rows.max(cols), rows.min(cols));
    let a = random::normal(&[n, k], 0.0, 1.0, DType::F64, seed)?.to_vec::<f64>()?;
    let q = gram_schmidt(&a, n, k);
    let mut out = vec![0.0f64; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            // Q is n×k; when rows < cols the result is Qᵀ.
            out[i * cols + j] = gain
                * if rows < cols {
                    q[j * k + i]
                } else {
                    q[i * k + j]
                };
        }
    }
    let t = Tensor::from_vec(out, shape.to_vec())?;
    keras_ops::ops::cast(&t, dtype)
}

/// Orthonormal columns of the n×k row-major matrix `a` (modified Gram–Schmidt, twice for
/// accuracy); column j keeps the sign of its projection on the original column j, so the
/// implied R has a positive diagonal.
fn gram_schmidt(a: &[f64], n: usize, k: usize) -> Vec<f64> {
    let mut q = a.to_vec();
    for j in 0..k {
        for _pass in 0..2 {
            for p in 0..j {
                let dot: f64 = (0..n).map(|i| q[i * k + p] * q[i * k + j]).sum();
                for i in 0..n {
                    q[i * k + j] -= dot * q[i * k + p];
                }
            }
        }
        let norm = (0..n).map(|i| q[i * k + j].powi(2)).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        for i in 0..n {
            q[i * k + j] /= norm;
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_or_rows_are_orthonormal() {
        for shape in [[6usize, 3], [3, 6]] {
            let t = sample(&shape, 1.0, 3, DType::F64).unwrap();
            let v = t.to_vec::<f64>().unwrap();
            let (r, c) = (shape[0], shape[1]);
            // The short side's vectors are orthonormal.
            let (vecs, len) = if r >= c { (c, r) } else { (r, c) };
            let at = |a: usize, i: usize| if r >= c { v[i * c + a] } else { v[a * c + i] };
            for a in 0..vecs {
                for b in 0..vecs {
                    let d: f64 = (0..len).map(|i| at(a, i) * at(b, i)).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((d - want).abs() < 1e-12, "{shape:?} {a} {b} {d}");
                }
            }
        }
    }
}
