//! Splitting: `array_split` (uneven sections allowed), `hsplit`, `vsplit`, `dsplit` and
//! `unstack`.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), [2, 3]).unwrap();
//! let rows = ops::unstack(&x, None, 0).unwrap();
//! assert_eq!(rows[1].to_vec::<f32>().unwrap(), vec![3.0, 4.0, 5.0]);
//! let cols = ops::hsplit(&x, vec![1]).unwrap();
//! assert_eq!((cols[0].dims(), cols[1].dims()), (&[2usize, 1][..], &[2usize, 2][..]));
//! ```

use keras_backend::{bail, Result};

use crate::ops::layout::split_sizes;
use crate::ops::{split, squeeze, SplitSpec};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// Splits along `axis` into `n` sections whose sizes differ by at most one (the first
/// `len % n` get one more), or at indices (`keras.ops.array_split`).
pub fn array_split(
    x: &Tensor,
    indices_or_sections: impl Into<SplitSpec>,
    axis: i64,
) -> Result<Vec<Tensor>> {
    match indices_or_sections.into() {
        SplitSpec::Sections(0) => bail!("array_split", "number of sections must be positive"),
        SplitSpec::Sections(k) => {
            let ax = normalize_axis(axis, x.rank(), "array_split")?;
            let n = x.dims()[ax];
            let sizes: Vec<usize> = (0..k).map(|i| n / k + usize::from(i < n % k)).collect();
            split_sizes(x, &sizes, ax)
        }
        spec => split(x, spec, axis),
    }
}

/// Checks the rank a directional split needs.
fn need_rank(x: &Tensor, rank: usize, op: &str) -> Result<()> {
    if x.rank() < rank {
        bail!(
            op,
            "needs a tensor of rank >= {rank}, got shape {}",
            x.shape()
        );
    }
    Ok(())
}

/// Splits along axis 1 (axis 0 for 1-D tensors) (`keras.ops.hsplit`).
pub fn hsplit(x: &Tensor, indices_or_sections: impl Into<SplitSpec>) -> Result<Vec<Tensor>> {
    need_rank(x, 1, "hsplit")?;
    split(x, indices_or_sections, if x.rank() == 1 { 0 } else { 1 })
}

/// Splits along axis 0 of a tensor of rank >= 2 (`keras.ops.vsplit`).
pub fn vsplit(x: &Tensor, indices_or_sections: impl Into<SplitSpec>) -> Result<Vec<Tensor>> {
    need_rank(x, 2, "vsplit")?;
    split(x, indices_or_sections, 0)
}

/// Splits along axis 2 of a tensor of rank >= 3 (`keras.ops.dsplit`).
pub fn dsplit(x: &Tensor, indices_or_sections: impl Into<SplitSpec>) -> Result<Vec<Tensor>> {
    need_rank(x, 3, "dsplit")?;
    split(x, indices_or_sections, 2)
}

/// The slices of `x` along `axis`, with that axis removed (`keras.ops.unstack`); `num`,
/// when given, must equal the axis length.
pub fn unstack(x: &Tensor, num: Option<usize>, axis: i64) -> Result<Vec<Tensor>> {
    let ax = normalize_axis(axis, x.rank(), "unstack")?;
    let n = x.dims()[ax];
    if let Some(num) = num.filter(|&k| k != n) {
        bail!(
            "unstack",
            "num={num} does not match axis {ax} of shape {}",
            x.shape()
        );
    }
    split_sizes(x, &vec![1; n], ax)?
        .iter()
        .map(|p| squeeze(p, ax as i64))
        .collect()
}
