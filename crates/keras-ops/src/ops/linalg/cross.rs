//! `keras.ops.cross`: the cross product of 2- or 3-vectors, with broadcasting.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let a = Tensor::from_vec(vec![1.0f32, 2.0], [2]).unwrap();
//! let b = Tensor::from_vec(vec![3.0f32, 4.0], [2]).unwrap();
//! assert_eq!(ops::cross(&a, &b, -1, -1, -1, None).unwrap().item().unwrap(), -2.0);
//! ```

use keras_backend::{bail, result_type, Result};

use crate::ops::layout::slice_axis;
use crate::ops::{cast, concatenate, moveaxis, multiply, reshape, subtract, zeros};
use crate::shape::{broadcast_shapes, normalize_axis};
use crate::tensor::Tensor;

/// The `i`-th component along the last axis (kept as a size-1 axis).
fn component(v: &Tensor, i: usize) -> Result<Tensor> {
    slice_axis(v, v.rank() - 1, i, 1)
}

/// `v` with its last axis moved from `axis` to the end.
fn vectors_last(v: &Tensor, axis: i64, name: &str) -> Result<Tensor> {
    if v.rank() == 0 {
        bail!("cross", "{name} must have at least one dim, got a scalar");
    }
    let ax = normalize_axis(axis, v.rank(), "cross")?;
    let v = moveaxis(v, &[ax as i64], &[-1])?;
    let d = v.dims()[v.rank() - 1];
    if d != 2 && d != 3 {
        bail!(
            "cross",
            "incompatible vector dimension {d} for {name} (shape {}): must be 2 or 3",
            v.shape()
        );
    }
    Ok(v)
}

/// Cross product of the vectors along `axisa` of `x1` and `axisb` of `x2`, written along
/// `axisc` of the result (`keras.ops.cross`); `axis` overrides all three. Vectors have 2 or
/// 3 components (a missing third is 0); two 2-vectors give the scalar z component. Other
/// dims broadcast; the dtype is `result_type(x1, x2)`.
///
/// ```
/// use keras_ops::{ops, Tensor};
/// let x = Tensor::from_vec(vec![1.0f32, 0.0, 0.0], [3]).unwrap();
/// let y = Tensor::from_vec(vec![0.0f32, 1.0, 0.0], [3]).unwrap();
/// let z = ops::cross(&x, &y, -1, -1, -1, None).unwrap();
/// assert_eq!(z.to_vec::<f32>().unwrap(), vec![0.0, 0.0, 1.0]);
/// ```
pub fn cross(
    x1: &Tensor,
    x2: &Tensor,
    axisa: i64,
    axisb: i64,
    axisc: i64,
    axis: Option<i64>,
) -> Result<Tensor> {
    let (axisa, axisb, axisc) = match axis {
        Some(a) => (a, a, a),
        None => (axisa, axisb, axisc),
    };
    let dtype = result_type(&[x1.dtype().into(), x2.dtype().into()]);
    let a = vectors_last(&cast(x1, dtype)?, axisa, "x1")?;
    let b = vectors_last(&cast(x2, dtype)?, axisb, "x2")?;
    let (ra, rb) = (a.rank(), b.rank());
    let lead = broadcast_shapes(&a.dims()[..ra - 1], &b.dims()[..rb - 1], "cross")?;
    let (da, db) = (a.dims()[ra - 1], b.dims()[rb - 1]);
    let cross2 = |a0: &Tensor, a1: &Tensor, b0: &Tensor, b1: &Tensor| -> Result<Tensor> {
        subtract(&multiply(a0, b1)?, &multiply(a1, b0)?)
    };
    if da == 2 && db == 2 {
        let z = cross2(
            &component(&a, 0)?,
            &component(&a, 1)?,
            &component(&b, 0)?,
            &component(&b, 1)?,
        )?;
        return reshape(&z, lead);
    }
    let pad3 = |v: Tensor| -> Result<Tensor> {
        if v.dims()[v.rank() - 1] == 3 {
            return Ok(v);
        }
        let mut zd = v.dims().to_vec();
        let last = zd.len() - 1;
        zd[last] = 1;
        concatenate(&[&v, &zeros(&zd, v.dtype())?], -1)
    };
    let (a, b) = (pad3(a)?, pad3(b)?);
    let ac: Vec<Tensor> = (0..3).map(|i| component(&a, i)).collect::<Result<_>>()?;
    let bc: Vec<Tensor> = (0..3).map(|i| component(&b, i)).collect::<Result<_>>()?;
    let c0 = cross2(&ac[1], &ac[2], &bc[1], &bc[2])?;
    let c1 = cross2(&ac[2], &ac[0], &bc[2], &bc[0])?;
    let c2 = cross2(&ac[0], &ac[1], &bc[0], &bc[1])?;
    let c = concatenate(&[&c0, &c1, &c2], -1)?;
    let ax = normalize_axis(axisc, c.rank(), "cross")?;
    moveaxis(&c, &[-1], &[ax as i64])
}
