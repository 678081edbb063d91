//! Pixel shuffles: `depth_to_space` moves channel blocks into spatial blocks and
//! `space_to_depth` does the reverse (4-D images, channels-last or channels-first).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec((0..8).map(|v| v as f32).collect(), [1, 1, 2, 4]).unwrap();
//! let y = ops::depth_to_space(&x, 2, "channels_last").unwrap();
//! assert_eq!(y.dims(), &[1, 2, 4, 1]);
//! let back = ops::space_to_depth(&y, 2, "channels_last").unwrap();
//! assert_eq!(back.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
//! ```

use keras_backend::{bail, Result};

use crate::ops::{reshape, transpose};
use crate::tensor::Tensor;

/// True for `"channels_first"`, false for `"channels_last"` or `None`.
pub(super) fn is_channels_first(data_format: Option<&str>, op: &str) -> Result<bool> {
    match data_format {
        None | Some("channels_last") => Ok(false),
        Some("channels_first") => Ok(true),
        Some(other) => bail!(
            op,
            "data_format must be \"channels_last\" or \"channels_first\", got {other:?}"
        ),
    }
}

/// `[n, h, w, c]` of a 4-D image in either layout, checking rank and block size.
fn image_dims(x: &Tensor, block_size: usize, channels_first: bool, op: &str) -> Result<[usize; 4]> {
    if x.rank() != 4 {
        bail!(op, "expected a 4-D tensor, got shape {}", x.shape());
    }
    if block_size < 2 {
        bail!(op, "block_size must be at least 2, got {block_size}");
    }
    let d = x.dims();
    Ok(if channels_first {
        [d[0], d[2], d[3], d[1]]
    } else {
        [d[0], d[1], d[2], d[3]]
    })
}

fn as_i64(dims: &[usize]) -> Vec<i64> {
    dims.iter().map(|&d| d as i64).collect()
}

/// Rearranges channel blocks into `block_size × block_size` spatial blocks:
/// `[n, h, w, c] -> [n, h*b, w*b, c/b²]` (`keras.ops.depth_to_space`). `data_format` is
/// `"channels_last"` or `"channels_first"`.
pub fn depth_to_space(x: &Tensor, block_size: usize, data_format: &str) -> Result<Tensor> {
    let cf = is_channels_first(Some(data_format), "depth_to_space")?;
    let [n, h, w, c] = image_dims(x, block_size, cf, "depth_to_space")?;
    let b = block_size;
    if c % (b * b) != 0 {
        bail!(
            "depth_to_space",
            "channels {c} must be divisible by block_size² = {}",
            b * b
        );
    }
    let nc = c / (b * b);
    if cf {
        let t = reshape(x, as_i64(&[n, nc, b, b, h, w]))?;
        let t = transpose(&t, Some(&[0, 1, 4, 2, 5, 3]))?;
        reshape(&t, as_i64(&[n, nc, h * b, w * b]))
    } else {
        let t = reshape(x, as_i64(&[n, h, w, b, b, nc]))?;
        let t = transpose(&t, Some(&[0, 1, 3, 2, 4, 5]))?;
        reshape(&t, as_i64(&[n, h * b, w * b, nc]))
    }
}

/// Rearranges `block_size × block_size` spatial blocks into channels:
/// `[n, h, w, c] -> [n, h/b, w/b, c*b²]` (`keras.ops.space_to_depth`).
pub fn space_to_depth(x: &Tensor, block_size: usize, data_format: &str) -> Result<Tensor> {
    let cf = is_channels_first(Some(data_format), "space_to_depth")?;
    let [n, h, w, c] = image_dims(x, block_size, cf, "space_to_depth")?;
    let b = block_size;
    if h % b != 0 || w % b != 0 {
        bail!(
            "space_to_depth",
            "height {h} and width {w} must be divisible by block_size {b}"
        );
    }
    let (nh, nw) = (h / b, w / b);
    if cf {
        let t = reshape(x, as_i64(&[n, c, nh, b, nw, b]))?;
        let t = transpose(&t, Some(&[0, 1, 3, 5, 2, 4]))?;
        reshape(&t, as_i64(&[n, c * b * b, nh, nw]))
    } else {
        let t = reshape(x, as_i64(&[n, nh, b, nw, b, c]))?;
        let t = transpose(&t, Some(&[0, 1, 3, 2, 4, 5]))?;
        reshape(&t, as_i64(&[n, nh, nw, c * b * b]))
    }
}
