//! `keras.ops.conv_transpose`: the transposed convolution, computed as the input gradient of
//! the convolution it reverses.
//!
//! Keras's `padding` / `output_padding` are first turned into JAX's explicit `(left, right)`
//! padding of the stride-dilated input (Keras's `compute_conv_transpose_padding_args_for_jax`),
//! which fixes the output size `(in - 1) * s + left + right + 2 - k_eff`; the equivalent
//! forward convolution then pads `k_eff - 1 - left` before and enough after to map that
//! output size back onto the input.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0], [1, 2, 1]).unwrap();
//! let k = Tensor::from_vec(vec![1.0f32, 10.0], [2, 1, 1]).unwrap();
//! // Stride 2, "valid": each input element writes its own copy of the kernel.
//! let y = ops::conv_transpose(&x, &k, 2, "valid", None, None, 1).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 10.0, 2.0, 20.0]);
//! ```

use std::sync::Arc;

use keras_backend::{bail, ConvParams, Result};

use super::args::{
    from_channels_last, is_channels_first, parse_padding, spatial_rank, to_channels_last,
    IntOrTuple, Padding,
};
use super::float_dtype;
use super::primitives::conv_input_grad;
use crate::ops::cast;
use crate::tensor::Tensor;

/// JAX's `(left, right)` padding for one spatial dim (effective window `k_eff`, stride `s`).
fn jax_pads(k_eff: i64, s: i64, mode: Padding, output_padding: Option<i64>) -> (i64, i64) {
    match mode {
        Padding::Same => {
            let pad_len = match output_padding {
                None => s + k_eff - 2,
                Some(o) => k_eff + k_eff % 2 - 2 + o,
            };
            let left = (pad_len / 2 + pad_len % 2).min(k_eff - 1);
            (left, pad_len - left)
        }
        _ => {
            let o = output_padding.unwrap_or(k_eff.max(s) - k_eff);
            (k_eff - 1, k_eff - 1 + o)
        }
    }
}

/// Transposed convolution (`keras.ops.conv_transpose`), the gradient of `conv` with respect
/// to its input: `inputs` `[batch, *spatial, in]` (or channels-first), `kernel`
/// `[*window, out, in]`. Without `output_padding` the output spatial size is
/// `in * strides` for `"same"` and `(in - 1) * strides + max(k_eff, strides)` for `"valid"`;
/// `output_padding` (each smaller than its stride) adds to the end.
///
/// ```
/// use keras_ops::{ops, DType};
/// let x = ops::ones(&[1, 3, 3, 2], DType::F32).unwrap();
/// let k = ops::ones(&[3, 3, 4, 2], DType::F32).unwrap();
/// let y = ops::conv_transpose(&x, &k, 2, "same", None, None, 1).unwrap();
/// assert_eq!(y.dims(), &[1, 6, 6, 4]);
/// ```
pub fn conv_transpose(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: impl Into<IntOrTuple>,
    padding: &str,
    output_padding: Option<IntOrTuple>,
    data_format: Option<&str>,
    dilation_rate: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    let op = "conv_transpose";
    let n = spatial_rank(inputs, op)?;
    let cf = is_channels_first(data_format, op)?;
    let dtype = float_dtype(&[inputs, kernel], op)?;
    let mode = parse_padding(padding, false, op)?;
    let x = cast(&to_channels_last(inputs, cf)?, dtype)?;
    let k = cast(kernel, dtype)?;
    if k.rank() != x.rank() || k.dims()[n + 1] != x.dims()[n + 1] {
        bail!(
            op,
            "kernel must have shape [*window, out_channels, {}] for inputs {}, got {}",
            x.dims()[n + 1],
            x.shape(),
            k.shape()
        );
    }
    let strides = strides.into().resolve(n, 1, "strides", op)?;
    let dilation = dilation_rate.into().resolve(n, 1, "dilation_rate", op)?;
    let output_padding = output_padding
        .map(|o| o.resolve(n, 0, "output_padding", op))
        .transpose()?;
    let (mut out, mut pad_before, mut pad_after) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let input = x.dims()[i + 1] as i64;
        let s = strides[i] as i64;
        let k_eff = (dilation[i] * (k.dims()[i].max(1) - 1) + 1) as i64;
        let (left, right) = jax_pads(k_eff, s, mode, output_padding.as_ref().map(|o| o[i] as i64));
        let size = (input - 1) * s + left + right + 2 - k_eff;
        let low = k_eff - 1 - right;
        let after = low.max(0);
        if input == 0 || size <= 0 || after > low + s - 1 {
            bail!(
                op,
                "cannot transpose inputs {} with kernel {} (strides {strides:?}, dilation \
                 {dilation:?}, padding {padding:?}, output_padding {output_padding:?}): \
                 output_padding must be smaller than the strides",
                x.shape(),
                k.shape()
            );
        }
        out.push(size as usize);
        pad_before.push((k_eff - 1 - left) as usize);
        pad_after.push(after as usize);
    }
    let params = ConvParams {
        strides,
        dilation,
        pad_before,
        pad_after,
        groups: 1,
    };
    let mut y_shape = vec![x.dims()[0]];
    y_shape.extend(&out);
    y_shape.push(k.dims()[n]);
    let y = conv_input_grad(&x, &k, &y_shape, &Arc::new(params))?;
    from_channels_last(&y, cf)
}
