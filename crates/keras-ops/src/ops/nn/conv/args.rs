//! Arguments shared by convolution and pooling: int-or-tuple values, `padding` and
//! `data_format`, and the channels-first ↔ channels-last layout changes.
//!
//! ```
//! use keras_ops::{ops, DType};
//! let x = ops::ones(&[1, 2, 6, 6], DType::F32).unwrap(); // channels-first
//! let k = ops::ones(&[3, 3, 2, 4], DType::F32).unwrap();
//! let y = ops::conv(&x, &k, [2, 1], "same", Some("channels_first"), 1).unwrap();
//! assert_eq!(y.dims(), &[1, 4, 3, 6]);
//! ```

use keras_backend::{bail, Result};

use crate::ops::layout::permute;
use crate::tensor::Tensor;

/// A Keras "int or tuple of ints" argument (`strides`, `dilation_rate`, `pool_size`,
/// `output_padding`): one value for every spatial dim, or one per dim.
///
/// ```
/// use keras_ops::ops::IntOrTuple;
/// assert_eq!(IntOrTuple::from(2), IntOrTuple::Int(2));
/// assert_eq!(IntOrTuple::from([1, 2]), IntOrTuple::Tuple(vec![1, 2]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrTuple {
    /// The same value for every spatial dim.
    Int(usize),
    /// One value per spatial dim.
    Tuple(Vec<usize>),
}

impl From<usize> for IntOrTuple {
    fn from(v: usize) -> Self {
        IntOrTuple::Int(v)
    }
}
impl From<Vec<usize>> for IntOrTuple {
    fn from(v: Vec<usize>) -> Self {
        IntOrTuple::Tuple(v)
    }
}
impl From<&[usize]> for IntOrTuple {
    fn from(v: &[usize]) -> Self {
        IntOrTuple::Tuple(v.to_vec())
    }
}
impl<const N: usize> From<[usize; N]> for IntOrTuple {
    fn from(v: [usize; N]) -> Self {
        IntOrTuple::Tuple(v.to_vec())
    }
}

impl IntOrTuple {
    /// One value per each of `n` spatial dims, each at least `min`; errors name `op` and the
    /// argument `what`.
    pub(crate) fn resolve(&self, n: usize, min: usize, what: &str, op: &str) -> Result<Vec<usize>> {
        let v = match self {
            IntOrTuple::Int(v) => vec![*v; n],
            IntOrTuple::Tuple(v) => v.clone(),
        };
        if v.len() != n {
            bail!(op, "{what} {v:?} must have {n} values, one per spatial dim");
        }
        if let Some(bad) = v.iter().find(|&&x| x < min) {
            bail!(op, "{what} {v:?} must be >= {min}, got {bad}");
        }
        Ok(v)
    }
}

/// The `padding` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Padding {
    /// No padding.
    Valid,
    /// Pad so that `out = ceil(in / stride)`, the extra element after (TF/JAX rule).
    Same,
    /// Left-pad by `dilation * (k - 1)` (1-D convolution only).
    Causal,
}

/// Parses `padding` case-insensitively; `causal` only where `allow_causal`.
pub(crate) fn parse_padding(padding: &str, allow_causal: bool, op: &str) -> Result<Padding> {
    match padding.to_ascii_lowercase().as_str() {
        "valid" => Ok(Padding::Valid),
        "same" => Ok(Padding::Same),
        "causal" if allow_causal => Ok(Padding::Causal),
        _ => bail!(
            op,
            "padding must be {}, got {padding:?}",
            if allow_causal {
                "\"valid\", \"same\" or \"causal\" (1-D)"
            } else {
                "\"valid\" or \"same\""
            }
        ),
    }
}

/// `(before, after)` padding for `same` on a dim of size `input` with effective window
/// `window` (`dilation * (k - 1) + 1`) and `stride`.
pub(crate) fn same_pads(input: usize, window: usize, stride: usize) -> (usize, usize) {
    let out = input.div_ceil(stride);
    let total = ((out.max(1) - 1) * stride + window).saturating_sub(input);
    (total / 2, total - total / 2)
}

/// Per-dim `(before, after)` padding for `mode`.
pub(crate) fn resolve_pads(
    mode: Padding,
    input: &[usize],
    windows: &[usize],
    strides: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    (0..input.len())
        .map(|i| match mode {
            Padding::Valid => (0, 0),
            Padding::Same => same_pads(input[i], windows[i], strides[i]),
            Padding::Causal => (windows[i] - 1, 0),
        })
        .unzip()
}

/// True for `"channels_first"`, false for `"channels_last"` or `None` (Keras's default
/// image data format).
pub(crate) fn is_channels_first(data_format: Option<&str>, op: &str) -> Result<bool> {
    match data_format {
        None | Some("channels_last") => Ok(false),
        Some("channels_first") => Ok(true),
        Some(other) => bail!(
            op,
            "data_format must be \"channels_last\" or \"channels_first\", got {other:?}"
        ),
    }
}

/// Number of spatial dims of a batched input of rank 3 to 5 (1-D to 3-D).
pub(crate) fn spatial_rank(x: &Tensor, op: &str) -> Result<usize> {
    if !(3..=5).contains(&x.rank()) {
        bail!(
            op,
            "inputs must have rank 3, 4 or 5 (batch, spatial dims, channels), got shape {}",
            x.shape()
        );
    }
    Ok(x.rank() - 2)
}

/// `[batch, channels, *spatial]` → `[batch, *spatial, channels]` when `channels_first`.
pub(crate) fn to_channels_last(x: &Tensor, channels_first: bool) -> Result<Tensor> {
    if !channels_first {
        return Ok(x.clone());
    }
    let r = x.rank();
    let perm: Vec<usize> = std::iter::once(0)
        .chain(2..r)
        .chain(std::iter::once(1))
        .collect();
    permute(x, &perm)
}

/// `[batch, *spatial, channels]` → `[batch, channels, *spatial]` when `channels_first`.
pub(crate) fn from_channels_last(y: &Tensor, channels_first: bool) -> Result<Tensor> {
    if !channels_first {
        return Ok(y.clone());
    }
    let r = y.rank();
    let perm: Vec<usize> = [0, r - 1].into_iter().chain(1..r - 1).collect();
    permute(y, &perm)
}
