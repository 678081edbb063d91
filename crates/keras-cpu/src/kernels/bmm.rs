//! Batched matrix products for every dtype (see [`MatmulDims`]).
//!
//! `f32`/`f64` go through [`gemm_strided`] (transposes are just strides; a batch stride of 0
//! broadcasts an operand); half floats are widened to `f32` and rounded back. Many small
//! products are spread over rayon by batch, large ones let `gemm` parallelise internally.
//! Integer and bool products use a plain loop with wrapping arithmetic (bool: or of ands).

use keras_backend::{Error, HostBuffer, MatmulDims, Result};
use rayon::prelude::*;

use super::dispatch::{mismatch_err, narrow_to, widen_half, Int};
use super::matmul::{gemm_strided, MatRef};
use super::Float;

/// Below this many multiply-adds per product, gemm runs single-threaded, so batches of such
/// products are parallelised over the batch instead.
const SMALL_PRODUCT: usize = 128 * 128 * 128;
/// Total work from which a batch of small products is worth splitting over threads.
const PAR_BATCH_WORK: usize = 1 << 18;

fn check(d: &MatmulDims, a: usize, b: usize) -> Result<()> {
    let need = |stride: usize, size: usize| {
        if d.batch == 0 || size == 0 {
            0
        } else {
            (d.batch - 1) * stride + size
        }
    };
    let (na, nb) = (
        need(d.a_batch_stride, d.m * d.k),
        need(d.b_batch_stride, d.k * d.n),
    );
    if a < na || b < nb {
        return Err(Error::op(
            "matmul",
            format!("operands hold {a} and {b} elements but {d:?} needs {na} and {nb}"),
        ));
    }
    Ok(())
}

fn float_bmm<T: Float>(a: &[T], b: &[T], d: &MatmulDims) -> Vec<T> {
    let (m, k, n) = (d.m, d.k, d.n);
    let mut out = vec![T::zero(); d.batch * m * n];
    if m * n == 0 {
        return out;
    }
    let one = |bi: usize, c: &mut [T]| {
        let aa = &a[bi * d.a_batch_stride..][..m * k];
        let bb = &b[bi * d.b_batch_stride..][..k * n];
        let ar = MatRef::dense(aa, if d.transpose_a { m } else { k }, d.transpose_a);
        let br = MatRef::dense(bb, if d.transpose_b { k } else { n }, d.transpose_b);
        // SAFETY: `aa`/`bb` hold exactly m·k and k·n elements (checked by `check`), and the
        // strides describe dense matrices within them; `c` holds m·n elements.
        unsafe { gemm_strided(c, ar, br, m, k, n, false) };
    };
    let work = m * n * k.max(1);
    if d.batch > 1 && work < SMALL_PRODUCT && work * d.batch >= PAR_BATCH_WORK {
        out.par_chunks_mut(m * n)
            .enumerate()
            .for_each(|(bi, c)| one(bi, c));
    } else {
        for (bi, c) in out.chunks_mut(m * n).enumerate() {
            one(bi, c);
        }
    }
    out
}

fn loop_bmm<T: Copy + Default>(
    a: &[T],
    b: &[T],
    d: &MatmulDims,
    mul: impl Fn(T, T) -> T,
    add: impl Fn(T, T) -> T,
) -> Vec<T> {
    let (m, k, n) = (d.m, d.k, d.n);
    let mut out = vec![T::default(); d.batch * m * n];
    if m * n == 0 {
        return out;
    }
    for (bi, c) in out.chunks_mut(m * n).enumerate() {
        let aa = &a[bi * d.a_batch_stride..][..m * k];
        let bb = &b[bi * d.b_batch_stride..][..k * n];
        for i in 0..m {
            let row = &mut c[i * n..(i + 1) * n];
            for p in 0..k {
                let av = if d.transpose_a {
                    aa[p * m + i]
                } else {
                    aa[i * k + p]
                };
                for (j, o) in row.iter_mut().enumerate() {
                    let bv = if d.transpose_b {
                        bb[j * k + p]
                    } else {
                        bb[p * n + j]
                    };
                    *o = add(*o, mul(av, bv));
                }
            }
        }
    }
    out
}

fn int_bmm<T: Int>(a: &[T], b: &[T], d: &MatmulDims) -> HostBuffer {
    T::into_buffer(loop_bmm(a, b, d, |x, y| x.wmul(y), |x, y| x.wadd(y)))
}

/// Batched product `C[i] = A[i] · B[i]` of two buffers of the same dtype; the result has
/// `batch · m · n` elements.
pub fn matmul(a: &HostBuffer, b: &HostBuffer, d: MatmulDims) -> Result<HostBuffer> {
    check(&d, a.len(), b.len())?;
    Ok(match (a, b) {
        (HostBuffer::F32(x), HostBuffer::F32(y)) => HostBuffer::F32(float_bmm(x, y, &d)),
        (HostBuffer::F64(x), HostBuffer::F64(y)) => HostBuffer::F64(float_bmm(x, y, &d)),
        (HostBuffer::F16(_), HostBuffer::F16(_)) | (HostBuffer::BF16(_), HostBuffer::BF16(_)) => {
            let x = widen_half(a).expect("half buffer");
            let y = widen_half(b).expect("half buffer");
            narrow_to(a.dtype(), float_bmm(&x, &y, &d))
        }
        (HostBuffer::Bool(x), HostBuffer::Bool(y)) => {
            HostBuffer::Bool(loop_bmm(x, y, &d, |p, q| p & q, |p, q| p | q))
        }
        (HostBuffer::U8(x), HostBuffer::U8(y)) => int_bmm(x, y, &d),
        (HostBuffer::U16(x), HostBuffer::U16(y)) => int_bmm(x, y, &d),
        (HostBuffer::U32(x), HostBuffer::U32(y)) => int_bmm(x, y, &d),
        (HostBuffer::U64(x), HostBuffer::U64(y)) => int_bmm(x, y, &d),
        (HostBuffer::I8(x), HostBuffer::I8(y)) => int_bmm(x, y, &d),
        (HostBuffer::I16(x), HostBuffer::I16(y)) => int_bmm(x, y, &d),
        (HostBuffer::I32(x), HostBuffer::I32(y)) => int_bmm(x, y, &d),
        (HostBuffer::I64(x), HostBuffer::I64(y)) => int_bmm(x, y, &d),
        _ => return Err(mismatch_err("matmul", a.dtype(), b.dtype())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(batch: usize, m: usize, k: usize, n: usize, sa: usize, sb: usize) -> MatmulDims {
        MatmulDims {
            batch,
            m,
            k,
            n,
            a_batch_stride: sa,
            b_batch_stride: sb,
            transpose_a: false,
            transpose_b: false,
        }
    }

    #[test]
    fn batched_with_broadcast_and_transposes() {
        // A: 2 batches of 2x3, B: one shared 3x2.
        let a: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let b: Vec<f32> = vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let d = dims(2, 2, 3, 2, 6, 0);
        let r = matmul(&HostBuffer::F32(a.clone()), &HostBuffer::F32(b.clone()), d).unwrap();
        assert_eq!(
            r.to_f64_vec(),
            vec![2.0, 3.0, 8.0, 9.0, 14.0, 15.0, 20.0, 21.0]
        );
        // Same product with B stored transposed (2x3).
        let bt = vec![1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let mut d2 = d;
        d2.transpose_b = true;
        let r2 = matmul(&HostBuffer::F32(a.clone()), &HostBuffer::F32(bt), d2).unwrap();
        assert_eq!(r, r2);
        // Integer and half paths agree with the float result.
        let ai: Vec<i32> = (0..12).collect();
        let bi: Vec<i32> = vec![1, 0, 0, 1, 1, 1];
        let ri = matmul(&HostBuffer::I32(ai), &HostBuffer::I32(bi), d).unwrap();
        assert_eq!(ri.to_f64_vec(), r.to_f64_vec());
        let ah = HostBuffer::F32(a).cast(keras_backend::DType::BF16);
        let bh = HostBuffer::F32(b).cast(keras_backend::DType::BF16);
        let rh = matmul(&ah, &bh, d).unwrap();
        assert_eq!(rh.dtype(), keras_backend::DType::BF16);
        assert_eq!(rh.to_f64_vec(), r.to_f64_vec());
    }

    #[test]
    fn int_transposed_a_and_bool() {
        // A stored transposed: 3x2 storage of a 2x3 matrix [[1,2,3],[4,5,6]].
        let at = HostBuffer::I64(vec![1, 4, 2, 5, 3, 6]);
        let b = HostBuffer::I64(vec![1, 1, 1]);
        let mut d = dims(1, 2, 3, 1, 0, 0);
        d.transpose_a = true;
        assert_eq!(matmul(&at, &b, d).unwrap(), HostBuffer::I64(vec![6, 15]));
        let x = HostBuffer::Bool(vec![true, false, false, false]);
        let y = HostBuffer::Bool(vec![false, true, true, false]);
        let r = matmul(&x, &y, dims(1, 2, 2, 2, 0, 0)).unwrap();
        assert_eq!(r, HostBuffer::Bool(vec![false, true, false, false]));
        let z = matmul(
            &HostBuffer::F32(vec![]),
            &HostBuffer::F32(vec![]),
            dims(1, 2, 0, 3, 0, 0),
        )
        .unwrap();
        assert_eq!(z, HostBuffer::F32(vec![0.0; 6]));
        assert!(matmul(
            &HostBuffer::F32(vec![1.0]),
            &HostBuffer::F32(vec![1.0]),
            dims(1, 2, 2, 2, 0, 0)
        )
        .is_err());
    }

    #[test]
    fn many_small_products_in_parallel() {
        let (batch, m, k, n) = (512, 8, 8, 8);
        let a: Vec<f64> = (0..batch * m * k).map(|v| (v % 7) as f64).collect();
        let b: Vec<f64> = (0..batch * k * n).map(|v| (v % 5) as f64).collect();
        let d = dims(batch, m, k, n, m * k, k * n);
        let r = matmul(&HostBuffer::F64(a.clone()), &HostBuffer::F64(b.clone()), d)
            .unwrap()
            .to_f64_vec();
        let bi = 300;
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..k)
                    .map(|p| a[bi * m * k + i * k + p] * b[bi * k * n + p * n + j])
                    .sum();
                assert_eq!(r[bi * m * n + i * n + j], want);
            }
        }
    }
}
