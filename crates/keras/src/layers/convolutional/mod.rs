//! Convolution layers (Keras's `keras/src/layers/convolutional/`): one N-D implementation,
//! [`BaseConv`], specialized by kind (plain, transposed, depthwise, separable) and rank.

mod base_conv;
mod conv;
mod conv_transpose;
mod depthwise_conv;
mod separable_conv;

pub use base_conv::{BaseConv, ConvArgs, ConvKind};
pub use conv::{Conv1D, Conv2D, Conv3D, HasKernel, Plain};
pub use conv_transpose::{Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, Transpose};
pub use depthwise_conv::{Depthwise, DepthwiseConv1D, DepthwiseConv2D, HasDepthwise};
pub use separable_conv::{Separable, SeparableConv1D, SeparableConv2D};
#[cfg(test)]
pub(crate) mod test_utils;
