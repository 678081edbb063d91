//! Contractions over chosen axes (`keras.ops.tensordot`, `dot`, `inner`, `vdot`) and the
//! products that need none (`outer`, `kron`).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
//! assert_eq!(ops::inner(&a, &a).unwrap().item().unwrap(), 14.0);
//! assert_eq!(ops::outer(&a, &a).unwrap().dims(), &[3, 3]);
//! ```

use keras_backend::{bail, result_type, DType, Result};

use super::matmul::matmul_core;
use crate::ops::layout::permute;
use crate::ops::{multiply, ravel, reshape};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// The `axes` argument of [`tensordot`]: the last `n` axes of `x1` against the first `n` of
/// `x2`, or explicit lists of axes (negative counting from the end).
///
/// ```
/// use keras_ops::ops::TensordotAxes;
/// let n: TensordotAxes = 2.into();
/// let pairs: TensordotAxes = ([1, 2], [0, 1]).into();
/// let one_each: TensordotAxes = (0, -1).into();
/// assert_eq!(one_each, TensordotAxes::Pairs(vec![0], vec![-1]));
/// # let _ = (n, pairs);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TensordotAxes {
    /// Contract the last `n` axes of `x1` with the first `n` of `x2`.
    Count(usize),
    /// Contract `x1`'s axes with `x2`'s, pairwise.
    Pairs(Vec<i64>, Vec<i64>),
}

impl From<usize> for TensordotAxes {
    fn from(n: usize) -> Self {
        TensordotAxes::Count(n)
    }
}
impl From<(i64, i64)> for TensordotAxes {
    fn from((a, b): (i64, i64)) -> Self {
        TensordotAxes::Pairs(vec![a], vec![b])
    }
}
impl From<(Vec<i64>, Vec<i64>)> for TensordotAxes {
    fn from((a, b): (Vec<i64>, Vec<i64>)) -> Self {
        TensordotAxes::Pairs(a, b)
    }
}
impl<const N: usize> From<([i64; N], [i64; N])> for TensordotAxes {
    fn from((a, b): ([i64; N], [i64; N])) -> Self {
        TensordotAxes::Pairs(a.to_vec(), b.to_vec())
    }
}

fn is_identity(perm: &[usize]) -> bool {
    perm.iter().enumerate().all(|(i, &p)| i == p)
}

/// Sums `a`'s axes `axes_a` against `b`'s `axes_b` (pairwise, equal sizes); the result has
/// `a`'s free axes then `b`'s, dtype `out`. Operands already in a matrix layout are read
/// transposed rather than copied.
pub(crate) fn contract(
    a: &Tensor,
    b: &Tensor,
    axes_a: &[usize],
    axes_b: &[usize],
    out: DType,
    op: &str,
) -> Result<Tensor> {
    for (i, (&p, &q)) in axes_a.iter().zip(axes_b).enumerate() {
        if axes_a[..i].contains(&p) || axes_b[..i].contains(&q) {
            bail!(op, "repeated axis in {axes_a:?} / {axes_b:?}");
        }
        if a.dims()[p] != b.dims()[q] {
            bail!(
                op,
                "shapes {} and {} are not aligned: axis {p} (size {}) of the first vs axis {q} \
                 (size {}) of the second",
                a.shape(),
                b.shape(),
                a.dims()[p],
                b.dims()[q]
            );
        }
    }
    let free_a: Vec<usize> = (0..a.rank()).filter(|i| !axes_a.contains(i)).collect();
    let free_b: Vec<usize> = (0..b.rank()).filter(|i| !axes_b.contains(i)).collect();
    let size = |t: &Tensor, ax: &[usize]| -> i64 {
        ax.iter().map(|&i| t.dims()[i]).product::<usize>() as i64
    };
    let (m, k, n) = (size(a, &free_a), size(a, axes_a), size(b, &free_b));

    let a_rows_first: Vec<usize> = free_a.iter().chain(axes_a).copied().collect();
    let a_cols_first: Vec<usize> = axes_a.iter().chain(&free_a).copied().collect();
    let (a2, ta) = if is_identity(&a_rows_first) {
        (reshape(a, [m, k])?, false)
    } else if is_identity(&a_cols_first) {
        (reshape(a, [k, m])?, true)
    } else {
        (reshape(&permute(a, &a_rows_first)?, [m, k])?, false)
    };
    let b_rows_first: Vec<usize> = axes_b.iter().chain(&free_b).copied().collect();
    let b_cols_first: Vec<usize> = free_b.iter().chain(axes_b).copied().collect();
    let (b2, tb) = if is_identity(&b_rows_first) {
        (reshape(b, [k, n])?, false)
    } else if is_identity(&b_cols_first) {
        (reshape(b, [n, k])?, true)
    } else {
        (reshape(&permute(b, &b_rows_first)?, [k, n])?, false)
    };
    let y = matmul_core(&a2, &b2, ta, tb, out)?;
    let dims: Vec<usize> = free_a
        .iter()
        .map(|&i| a.dims()[i])
        .chain(free_b.iter().map(|&i| b.dims()[i]))
        .collect();
    reshape(&y, dims)
}

fn pair_dtype(x1: &Tensor, x2: &Tensor) -> DType {
    result_type(&[x1.dtype().into(), x2.dtype().into()])
}

/// Sum of products over the given axes (`keras.ops.tensordot`); the result has `x1`'s
/// remaining axes followed by `x2`'s, dtype `result_type(x1, x2)`.
///
/// ```
/// use keras_ops::{ops, DType};
/// let a = ops::ones(&[2, 3, 4], DType::F32).unwrap();
/// let b = ops::ones(&[4, 3, 5], DType::F32).unwrap();
/// let y = ops::tensordot(&a, &b, ([1, 2], [1, 0])).unwrap();
/// assert_eq!(y.dims(), &[2, 5]);
/// assert_eq!(y.to_vec::<f32>().unwrap()[0], 12.0);
/// ```
pub fn tensordot(x1: &Tensor, x2: &Tensor, axes: impl Into<TensordotAxes>) -> Result<Tensor> {
    let (axes_a, axes_b) = match axes.into() {
        TensordotAxes::Count(n) => {
            if n > x1.rank() || n > x2.rank() {
                bail!(
                    "tensordot",
                    "axes={n} exceeds the rank of shapes {} and {}",
                    x1.shape(),
                    x2.shape()
                );
            }
            (
                (x1.rank() - n..x1.rank()).collect::<Vec<_>>(),
                (0..n).collect::<Vec<_>>(),
            )
        }
        TensordotAxes::Pairs(pa, pb) => {
            if pa.len() != pb.len() {
                bail!("tensordot", "axes {pa:?} and {pb:?} differ in length");
            }
            let na = pa
                .iter()
                .map(|&ax| normalize_axis(ax, x1.rank(), "tensordot"))
                .collect::<Result<Vec<_>>>()?;
            let nb = pb
                .iter()
                .map(|&ax| normalize_axis(ax, x2.rank(), "tensordot"))
                .collect::<Result<Vec<_>>>()?;
            (na, nb)
        }
    };
    contract(x1, x2, &axes_a, &axes_b, pair_dtype(x1, x2), "tensordot")
}

/// Dot product with NumPy semantics (`keras.ops.dot`): a scalar operand multiplies; two 1-D
/// operands give their inner product; otherwise the last axis of `x1` is summed against the
/// last (1-D `x2`) or second-to-last axis of `x2`.
pub fn dot(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    if x1.rank() == 0 || x2.rank() == 0 {
        return multiply(x1, x2);
    }
    let b_axis = if x2.rank() == 1 { 0 } else { x2.rank() - 2 };
    contract(
        x1,
        x2,
        &[x1.rank() - 1],
        &[b_axis],
        pair_dtype(x1, x2),
        "dot",
    )
}

/// Inner product over the last axes (`keras.ops.inner`): shape `x1.shape[:-1] +
/// x2.shape[:-1]`; a scalar operand multiplies.
pub fn inner(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    if x1.rank() == 0 || x2.rank() == 0 {
        return multiply(x1, x2);
    }
    contract(
        x1,
        x2,
        &[x1.rank() - 1],
        &[x2.rank() - 1],
        pair_dtype(x1, x2),
        "inner",
    )
}

/// Outer product of the flattened operands (`keras.ops.outer`): shape `[x1.size, x2.size]`.
pub fn outer(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    let a = reshape(x1, [x1.size() as i64, 1])?;
    let b = reshape(x2, [1, x2.size() as i64])?;
    multiply(&a, &b)
}

/// Dot product of the flattened operands (`keras.ops.vdot`); sizes must match.
pub fn vdot(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    if x1.size() != x2.size() {
        bail!(
            "vdot",
            "operands have different sizes: shapes {} and {}",
            x1.shape(),
            x2.shape()
        );
    }
    contract(
        &ravel(x1)?,
        &ravel(x2)?,
        &[0],
        &[0],
        pair_dtype(x1, x2),
        "vdot",
    )
}

/// Kronecker product (`keras.ops.kron`): blocks `x1[i] * x2`; the operand of lower rank gets
/// leading 1s.
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let a = Tensor::from_vec(vec![1.0f32, 10.0], [2]).unwrap();
/// let b = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]).unwrap();
/// let k = ops::kron(&a, &b).unwrap();
/// assert_eq!(k.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 10.0, 20.0, 30.0]);
/// ```
pub fn kron(x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
    let r = x1.rank().max(x2.rank());
    let da = crate::shape::pad_rank(x1.dims(), r);
    let db = crate::shape::pad_rank(x2.dims(), r);
    // [a0, 1, a1, 1, ...] * [1, b0, 1, b1, ...] -> [a0, b0, a1, b1, ...]
    let spread = |dims: &[usize], first: bool| -> Vec<i64> {
        dims.iter()
            .flat_map(|&d| if first { [d as i64, 1] } else { [1, d as i64] })
            .collect()
    };
    let a = reshape(x1, spread(&da, true))?;
    let b = reshape(x2, spread(&db, false))?;
    let p = multiply(&a, &b)?;
    let out: Vec<usize> = da.iter().zip(&db).map(|(x, y)| x * y).collect();
    reshape(&p, out)
}
