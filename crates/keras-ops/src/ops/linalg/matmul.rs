//! The batched matrix product every contraction goes through, and `keras.ops.matmul`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1i8, 2, 3, 4], [2, 2]).unwrap();
//! let p = ops::matmul(&a, &a).unwrap();
//! assert_eq!((p.dtype().name(), p.to_vec::<i32>().unwrap()), ("int32", vec![7, 10, 15, 22]));
//! ```

use keras_backend::{bail, result_type, DType, MatmulDims, Result, Storage};

use crate::autodiff::record;
use crate::ops::{cast, reshape, sum_to_shape, zeros};
use crate::shape::{broadcast_shapes, fmt_dims, pad_rank};
use crate::tensor::Tensor;

/// Rows and columns of `op(t)` for the matrix in the last two dims of `t`.
fn op_dims(t: &Tensor, transposed: bool) -> (usize, usize) {
    let r = t.rank();
    let (rows, cols) = (t.dims()[r - 2], t.dims()[r - 1]);
    if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    }
}

/// `op(a) · op(b)` over the broadcast batch dims (`a`, `b` of rank ≥ 2), where `op` transposes
/// the last two dims when the flag is set. Both operands are cast to `out`; integer products
/// wrap and bool products are ors of ands, as XLA's. Float products record the gradient.
pub(crate) fn matmul_core(
    a: &Tensor,
    b: &Tensor,
    ta: bool,
    tb: bool,
    out: DType,
) -> Result<Tensor> {
    let (_, ka) = op_dims(a, ta);
    let (kb, _) = op_dims(b, tb);
    if ka != kb {
        bail!(
            "matmul",
            "contracting dimensions differ: {ka} and {kb} (shapes {} and {})",
            a.shape(),
            b.shape()
        );
    }
    let (a, b) = (cast(a, out)?, cast(b, out)?);
    if out.is_float() {
        float_matmul(&a, &b, ta, tb)
    } else {
        kernel_matmul(&a, &b, ta, tb)
    }
}

/// The backend's batched product of two same-dtype operands (no gradient).
fn kernel_matmul(a: &Tensor, b: &Tensor, ta: bool, tb: bool) -> Result<Tensor> {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k) = op_dims(a, ta);
    let (_, n) = op_dims(b, tb);
    let batch = broadcast_shapes(&a.dims()[..ra - 2], &b.dims()[..rb - 2], "matmul")?;
    let mut out_dims = batch.clone();
    out_dims.extend([m, n]);
    let nb: usize = batch.iter().product();
    if nb * m * n == 0 || k == 0 {
        return zeros(&out_dims, a.dtype());
    }
    let a_nb: usize = a.dims()[..ra - 2].iter().product();
    let b_nb: usize = b.dims()[..rb - 2].iter().product();
    let dims = if b_nb == 1 && !ta {
        // One right-hand matrix: fold a's batch into its rows (one large product).
        MatmulDims {
            batch: 1,
            m: nb * m,
            k,
            n,
            a_batch_stride: 0,
            b_batch_stride: 0,
            transpose_a: false,
            transpose_b: tb,
        }
    } else {
        MatmulDims {
            batch: nb,
            m,
            k,
            n,
            a_batch_stride: if a_nb == 1 { 0 } else { m * k },
            b_batch_stride: if b_nb == 1 { 0 } else { k * n },
            transpose_a: ta,
            transpose_b: tb,
        }
    };
    let a_s = expand_batch(a, &batch, a_nb, nb)?;
    let b_s = expand_batch(b, &batch, b_nb, nb)?;
    let backend = a.backend();
    let s = backend.matmul(&a_s, &b_s, dims)?;
    Ok(Tensor::from_storage(s, out_dims, backend))
}

/// [`kernel_matmul`] with the gradient rule (floats).
fn float_matmul(a: &Tensor, b: &Tensor, ta: bool, tb: bool) -> Result<Tensor> {
    let y = kernel_matmul(a, b, ta, tb)?;
    Ok(record("matmul", &[a, b], y, move |g, ins, _| {
        let (a, b) = (&ins[0], &ins[1]);
        let (da, db) = match (ta, tb) {
            (false, false) => (
                float_matmul(g, b, false, true)?,
                float_matmul(a, g, true, false)?,
            ),
            (true, false) => (
                float_matmul(b, g, false, true)?,
                float_matmul(a, g, false, false)?,
            ),
            (false, true) => (
                float_matmul(g, b, false, false)?,
                float_matmul(g, a, true, false)?,
            ),
            (true, true) => (
                float_matmul(b, g, true, true)?,
                float_matmul(g, a, true, true)?,
            ),
        };
        Ok(vec![
            Some(sum_to_shape(&da, a.dims())?),
            Some(sum_to_shape(&db, b.dims())?),
        ])
    }))
}

/// The operand's buffer laid out for a product over `batch`: as is when it holds one matrix
/// (read with batch stride 0) or every batch matrix; otherwise broadcast (copied) to the
/// full batch.
fn expand_batch(t: &Tensor, batch: &[usize], t_nb: usize, nb: usize) -> Result<Storage> {
    if t_nb == 1 || t_nb == nb {
        return Ok(t.storage().clone());
    }
    let r = t.rank();
    let mut full = batch.to_vec();
    full.extend_from_slice(&t.dims()[r - 2..]);
    t.backend()
        .broadcast_to(t.storage(), &pad_rank(t.dims(), full.len()), &full)
}

/// Matrix product with NumPy semantics (`keras.ops.matmul`): a 1-D first operand is a row
/// vector and a 1-D second operand a column vector (their added dim is removed from the
/// result); leading dims are batch dims and broadcast. `int8 · int8` gives int32; otherwise
/// the dtype is `result_type(x1, x2)`.
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let a = ops::ones(&[5, 2, 3], keras_ops::DType::F32).unwrap();
/// let b = ops::ones(&[3, 4], keras_ops::DType::F32).unwrap();
/// assert_eq!(ops::matmul(&a, &b).unwrap().dims(), &[5, 2, 4]);
/// ```
pub fn matmul(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    if x1.rank() == 0 || x2.rank() == 0 {
        bail!(
            "matmul",
            "operands must have at least one dim, got shapes {} and {}",
            x1.shape(),
            x2.shape()
        );
    }
    let out = if x1.dtype() == DType::I8 && x2.dtype() == DType::I8 {
        DType::I32
    } else {
        result_type(&[x1.dtype().into(), x2.dtype().into()])
    };
    let a = if x1.rank() == 1 {
        reshape(x1, [1, x1.size() as i64])?
    } else {
        x1.clone()
    };
    let b = if x2.rank() == 1 {
        reshape(x2, [x2.size() as i64, 1])?
    } else {
        x2.clone()
    };
    let (ka, kb) = (a.dims()[a.rank() - 1], b.dims()[b.rank() - 2]);
    if ka != kb {
        bail!(
            "matmul",
            "inner dimensions differ: shapes {} and {} ({ka} != {kb})",
            x1.shape(),
            x2.shape()
        );
    }
    let (ra, rb) = (a.rank(), b.rank());
    if broadcast_shapes(&a.dims()[..ra - 2], &b.dims()[..rb - 2], "matmul").is_err() {
        bail!(
            "matmul",
            "the batch dims of shapes {} and {} cannot be broadcast together",
            fmt_dims(x1.dims()),
            fmt_dims(x2.dims())
        );
    }
    let y = matmul_core(&a, &b, false, false, out)?;
    if x1.rank() > 1 && x2.rank() > 1 {
        return Ok(y);
    }
    let mut dims = y.dims().to_vec();
    if x2.rank() == 1 {
        dims.pop();
    }
    if x1.rank() == 1 {
        dims.remove(dims.len() - 1 - usize::from(x2.rank() > 1));
    }
    reshape(&y, dims)
}
