//! Convolutions (`keras.ops.conv`, `conv_transpose`, `depthwise_conv`, `separable_conv`)
//! over 1, 2 or 3 spatial dims.
//!
//! Kernels use Keras's layouts: `conv` `[*window, in / groups, out]` (groups follow from the
//! input channels), `conv_transpose` `[*window, out, in]`, `depthwise_conv`
//! `[*window, in, multiplier]`. Inputs are channels-last unless `data_format` is
//! `"channels_first"` (then transposed around the kernel). `"same"` padding follows JAX/TF
//! exactly: `total = max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0)`, the smaller half
//! before.
//!
//! ```
//! use keras_ops::{ops, DType};
//! let x = ops::ones(&[1, 5, 5, 2], DType::F32).unwrap();
//! let k = ops::ones(&[3, 3, 2, 4], DType::F32).unwrap();
//! let y = ops::conv(&x, &k, 1, "same", None, 1).unwrap();
//! assert_eq!(y.dims(), &[1, 5, 5, 4]);
//! assert_eq!(y.to_vec::<f32>().unwrap()[0], 8.0); // corner: 2x2 window x 2 channels
//! ```

pub(super) mod args;
mod primitives;
mod transpose;

use std::sync::Arc;

use keras_backend::{bail, result_type, ConvParams, DType, Result};

pub use args::IntOrTuple;
use args::{
    from_channels_last, is_channels_first, parse_padding, resolve_pads, spatial_rank,
    to_channels_last, Padding,
};
use primitives::conv_forward;
pub use transpose::conv_transpose;

use crate::ops::{cast, reshape};
use crate::tensor::Tensor;

/// The common float dtype of convolution operands; integer operands are refused.
fn float_dtype(ts: &[&Tensor], op: &str) -> Result<DType> {
    let d = result_type(&ts.iter().map(|t| t.dtype().into()).collect::<Vec<_>>());
    if !d.is_float() {
        bail!(
            op,
            "expected float inputs and kernels, got {}",
            ts.iter()
                .map(|t| t.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        );
    }
    Ok(d)
}

/// Channels-last convolution of `x` `[batch, *spatial, c]` with `kernel`
/// `[*window, c / groups, out]`; `empty_is_error` refuses an empty output (as `conv` does).
fn conv_channels_last(
    x: &Tensor,
    kernel: &Tensor,
    strides: &IntOrTuple,
    padding: Padding,
    dilation_rate: &IntOrTuple,
    empty_is_error: bool,
    op: &str,
) -> Result<Tensor> {
    let n = x.rank() - 2;
    if kernel.rank() != x.rank() {
        bail!(
            op,
            "kernel must have rank {} for inputs of shape {}, got shape {}",
            x.rank(),
            x.shape(),
            kernel.shape()
        );
    }
    let (c_in, k_in, c_out) = (x.dims()[n + 1], kernel.dims()[n], kernel.dims()[n + 1]);
    if k_in == 0 || c_in % k_in != 0 {
        bail!(
            op,
            "input channels {c_in} (shape {}) must be a multiple of the kernel's in_channels \
             {k_in} (kernel shape {})",
            x.shape(),
            kernel.shape()
        );
    }
    let groups = c_in / k_in;
    if c_out % groups != 0 {
        bail!(
            op,
            "kernel out_channels {c_out} must be a multiple of the {groups} channel groups \
             (kernel shape {})",
            kernel.shape()
        );
    }
    let strides = strides.resolve(n, 1, "strides", op)?;
    let dilation = dilation_rate.resolve(n, 1, "dilation_rate", op)?;
    let window: Vec<usize> = (0..n)
        .map(|i| dilation[i] * (kernel.dims()[i].max(1) - 1) + 1)
        .collect();
    let spatial = &x.dims()[1..=n];
    let (pad_before, pad_after) = resolve_pads(padding, spatial, &window, &strides);
    let params = ConvParams {
        strides,
        dilation,
        pad_before,
        pad_after,
        groups,
    };
    let out = params.output_spatial(spatial, &kernel.dims()[..n]);
    if empty_is_error && out.contains(&0) && x.size() != 0 {
        bail!(
            op,
            "the convolution of inputs {} with kernel {} gives an empty output {out:?}: the input \
             is too small for the kernel size, strides, dilation rate and padding",
            x.shape(),
            kernel.shape()
        );
    }
    conv_forward(x, kernel, &Arc::new(params))
}

/// Depthwise convolution in channels-last layout (kernel `[*window, c, multiplier]`).
fn depthwise_channels_last(
    x: &Tensor,
    kernel: &Tensor,
    strides: &IntOrTuple,
    padding: Padding,
    dilation_rate: &IntOrTuple,
    op: &str,
) -> Result<Tensor> {
    let n = x.rank() - 2;
    let c = x.dims()[n + 1];
    if kernel.rank() != x.rank() || kernel.dims()[n] != c {
        bail!(
            op,
            "depthwise kernel must have shape [*window, {c}, multiplier] for inputs {}, got {}",
            x.shape(),
            kernel.shape()
        );
    }
    let mut dims = kernel.dims()[..n].to_vec();
    dims.extend([1, c * kernel.dims()[n + 1]]);
    let k = reshape(kernel, dims)?;
    conv_channels_last(x, &k, strides, padding, dilation_rate, false, op)
}

/// N-d convolution (`keras.ops.conv`): `inputs` `[batch, *spatial, channels]` (or
/// channels-first), `kernel` `[*window, channels / groups, filters]`. `padding` is `"valid"`,
/// `"same"`, or for 1-D `"causal"` (left padding `dilation * (k - 1)`, as `Conv1D` uses).
/// Inputs are cast to the kernel's dtype, which must be a float.
pub fn conv(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: impl Into<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    let n = spatial_rank(inputs, "conv")?;
    let cf = is_channels_first(data_format, "conv")?;
    if !kernel.dtype().is_float() {
        bail!("conv", "expected a float kernel, got {}", kernel.describe());
    }
    let mode = parse_padding(padding, n == 1, "conv")?;
    let x = cast(&to_channels_last(inputs, cf)?, kernel.dtype())?;
    let y = conv_channels_last(
        &x,
        kernel,
        &strides.into(),
        mode,
        &dilation_rate.into(),
        true,
        "conv",
    )?;
    from_channels_last(&y, cf)
}

/// Depthwise convolution (`keras.ops.depthwise_conv`): each input channel is convolved with
/// its own `multiplier` filters; `kernel` is `[*window, channels, multiplier]` and the output
/// has `channels * multiplier` channels.
pub fn depthwise_conv(
    inputs: &Tensor,
    kernel: &Tensor,
    strides: impl Into<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    spatial_rank(inputs, "depthwise_conv")?;
    let cf = is_channels_first(data_format, "depthwise_conv")?;
    let dtype = float_dtype(&[inputs, kernel], "depthwise_conv")?;
    let mode = parse_padding(padding, false, "depthwise_conv")?;
    let x = cast(&to_channels_last(inputs, cf)?, dtype)?;
    let k = cast(kernel, dtype)?;
    let y = depthwise_channels_last(
        &x,
        &k,
        &strides.into(),
        mode,
        &dilation_rate.into(),
        "depthwise_conv",
    )?;
    from_channels_last(&y, cf)
}

/// Separable convolution (`keras.ops.separable_conv`): a depthwise convolution
/// (`depthwise_kernel` `[*window, channels, multiplier]`, with `strides` and `padding`) followed
/// by a pointwise one (`pointwise_kernel` `[1, .., 1, channels * multiplier, filters]`).
pub fn separable_conv(
    inputs: &Tensor,
    depthwise_kernel: &Tensor,
    pointwise_kernel: &Tensor,
    strides: impl Into<IntOrTuple>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: impl Into<IntOrTuple>,
) -> Result<Tensor> {
    let op = "separable_conv";
    spatial_rank(inputs, op)?;
    let cf = is_channels_first(data_format, op)?;
    let dtype = float_dtype(&[inputs, depthwise_kernel, pointwise_kernel], op)?;
    let mode = parse_padding(padding, false, op)?;
    let dilation = dilation_rate.into();
    let x = cast(&to_channels_last(inputs, cf)?, dtype)?;
    let d = depthwise_channels_last(
        &x,
        &cast(depthwise_kernel, dtype)?,
        &strides.into(),
        mode,
        &dilation,
        op,
    )?;
    let p = cast(pointwise_kernel, dtype)?;
    let y = conv_channels_last(
        &d,
        &p,
        &IntOrTuple::Int(1),
        Padding::Valid,
        &dilation,
        true,
        op,
    )?;
    from_channels_last(&y, cf)
}
