//! Adaptive pooling (`keras.ops.adaptive_average_pool`, `adaptive_max_pool`): pool 1-D,
//! 2-D or 3-D inputs to a fixed `output_size`. Output cell `i` of an axis of length `L`
//! covers `[floor(i L / out), ceil((i + 1) L / out))`, as PyTorch and Keras do.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), [1, 6, 1]).unwrap();
//! let y = ops::adaptive_average_pool(&x, 2usize, None).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 4.0]);
//! ```

use keras_backend::{bail, Result};

use super::space_depth::is_channels_first;
use crate::ops::layout::{permute, slice_axis};
use crate::ops::{concatenate, max, mean, IntOrTuple};
use crate::tensor::Tensor;

#[derive(Clone, Copy)]
enum Kind {
    Average,
    Max,
}

fn adaptive_pool(
    inputs: &Tensor,
    output_size: IntOrTuple,
    data_format: Option<&str>,
    kind: Kind,
    op: &'static str,
) -> Result<Tensor> {
    if !(3..=5).contains(&inputs.rank()) {
        bail!(
            op,
            "supports only 1D/2D/3D inputs (rank 3 to 5), got shape {}",
            inputs.shape()
        );
    }
    let cf = is_channels_first(data_format, op)?;
    let r = inputs.rank();
    let n = r - 2;
    let sizes = output_size.resolve(n, 1, "output_size", op)?;
    let to_last: Vec<usize> = std::iter::once(0)
        .chain(2..r)
        .chain(std::iter::once(1))
        .collect();
    let mut x = if cf {
        permute(inputs, &to_last)?
    } else {
        inputs.clone()
    };
    for (d, &out) in sizes.iter().enumerate() {
        let axis = d + 1;
        let len = x.dims()[axis];
        if len == 0 {
            bail!(
                op,
                "cannot pool an empty spatial axis (shape {})",
                inputs.shape()
            );
        }
        let mut cells = Vec::with_capacity(out);
        for i in 0..out {
            let start = i * len / out;
            let end = ((i + 1) * len).div_ceil(out);
            let window = slice_axis(&x, axis, start, end - start)?;
            cells.push(match kind {
                Kind::Average => mean(&window, axis as i64, true)?,
                Kind::Max => max(&window, axis as i64, true, None)?,
            });
        }
        x = concatenate(&cells.iter().collect::<Vec<_>>(), axis as i64)?;
    }
    if cf {
        let to_first: Vec<usize> = std::iter::once(0)
            .chain(std::iter::once(r - 1))
            .chain(1..r - 1)
            .collect();
        permute(&x, &to_first)
    } else {
        Ok(x)
    }
}

/// Averages over adaptive windows to reach `output_size` (one int for every spatial dim, or
/// one per dim); `data_format` `"channels_last"` (default) or `"channels_first"`
/// (`keras.ops.adaptive_average_pool`).
pub fn adaptive_average_pool(
    inputs: &Tensor,
    output_size: impl Into<IntOrTuple>,
    data_format: Option<&str>,
) -> Result<Tensor> {
    adaptive_pool(
        inputs,
        output_size.into(),
        data_format,
        Kind::Average,
        "adaptive_average_pool",
    )
}

/// Maximum over adaptive windows to reach `output_size` (`keras.ops.adaptive_max_pool`).
pub fn adaptive_max_pool(
    inputs: &Tensor,
    output_size: impl Into<IntOrTuple>,
    data_format: Option<&str>,
) -> Result<Tensor> {
    adaptive_pool(
        inputs,
        output_size.into(),
        data_format,
        Kind::Max,
        "adaptive_max_pool",
    )
}
