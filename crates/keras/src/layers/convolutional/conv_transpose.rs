//! `Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`: the transposed convolution
//! ([`Transpose`] kind of [`BaseConv`]), with kernel `(*kernel_size, filters, in_channels)`
//! and bias `(filters,)`.

use keras_backend::bail;
use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::base_conv::{BaseConv, ConvArgs, ConvKind};
use super::conv::{check_filters, HasKernel};
use crate::initializers::Initializer;
use crate::layers::shape::ShapeSpec;
use crate::layers::weight_options::WeightOptions;
use crate::layers::LayerBase;
use crate::saving::object::Config;
use crate::saving::ConfigExt;
use crate::utils::argument_validation::{standardize_tuple, tuple_from_config};

/// 1-D transposed convolution (Keras's `Conv1DTranspose`).
///
/// ```
/// use keras::layers::{Conv1DTranspose, LayerExt};
/// let conv = Conv1DTranspose::new(2, 3).unwrap().strides(2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 4, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 9, 2]);
/// ```
pub type Conv1DTranspose = BaseConv<Transpose, 1>;
/// 2-D transposed convolution (Keras's `Conv2DTranspose`).
///
/// ```
/// use keras::layers::{Conv2DTranspose, LayerExt};
/// let conv = Conv2DTranspose::new(4, 3).unwrap().strides(2).unwrap().padding("same").unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 3, 3, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 6, 6, 4]);
/// assert_eq!(conv.kernels().unwrap()[0].shape().dims(), &[3, 3, 4, 2]);
/// ```
pub type Conv2DTranspose = BaseConv<Transpose, 2>;
/// 3-D transposed convolution (Keras's `Conv3DTranspose`).
///
/// ```
/// use keras::layers::{Conv3DTranspose, LayerExt};
/// let conv = Conv3DTranspose::new(1, 2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 2, 2, 2, 1], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 3, 3, 1]);
/// ```
pub type Conv3DTranspose = BaseConv<Transpose, 3>;

/// The transposed convolution kind: `filters` output channels, optional `output_padding`.
#[derive(Clone, Debug)]
pub struct Transpose {
    filters: usize,
    output_padding: Option<Vec<usize>>,
    kernel: WeightOptions,
}

impl HasKernel for Transpose {
    fn kernel_options_mut(&mut self) -> &mut WeightOptions {
        &mut self.kernel
    }
}

impl<const N: usize> BaseConv<Transpose, N> {
    /// `filters` output channels with a `kernel_size` window; stride 1, `"valid"` padding,
    /// no `output_padding`, no activation, with bias.
    pub fn new(filters: usize, kernel_size: impl Into<IntOrTuple>) -> Result<Self> {
        let kind = Transpose {
            filters,
            output_padding: None,
            kernel: WeightOptions::new(Initializer::glorot_uniform()),
        };
        Self::with_kind(kind, kernel_size.into())
    }
    /// Extra size added at the end of each output spatial dim (each value smaller than its
    /// stride; checked when the layer is built).
    pub fn output_padding(mut self, output_padding: impl Into<IntOrTuple>) -> Result<Self> {
        self.kind.output_padding = Some(standardize_tuple(
            &output_padding.into(),
            N,
            "output_padding",
            true,
            Self::CLASS,
        )?);
        Ok(self)
    }
}

/// Keras's transposed output size of one spatial dim (`_get_output_shape_given_tf_padding`).
fn transpose_size(
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    same: bool,
    output_padding: Option<usize>,
) -> usize {
    let k = (kernel - 1) * dilation + 1;
    match (same, output_padding) {
        (false, o) => (input.max(1) - 1) * stride + k + o.unwrap_or(k.max(stride) - k),
        (true, None) => input * stride,
        (true, Some(o)) => (input.max(1) - 1) * stride + k % 2 + o,
    }
}

impl ConvKind for Transpose {
    const CLASS_NAMES: &'static [&'static str] =
        &["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"];
    fn from_config(c: &Config, rank: usize, owner: &str) -> Result<Self> {
        let output_padding = match c.get("output_padding") {
            None | Some(Value::Null) => None,
            Some(_) => Some(tuple_from_config(
                c,
                "output_padding",
                rank,
                None,
                true,
                owner,
            )?),
        };
        Ok(Transpose {
            filters: c.require("filters", owner)?,
            output_padding,
            kernel: WeightOptions::from_config(c, "kernel", Initializer::glorot_uniform())?,
        })
    }
    fn write_lead(&self, c: &mut Config) {
        c.insert("filters".into(), json!(self.filters));
    }
    fn write_after_padding(&self, c: &mut Config) {
        c.insert("output_padding".into(), json!(self.output_padding));
    }
    fn kernel_options(&self) -> Vec<(&'static str, &WeightOptions)> {
        vec![("kernel", &self.kernel)]
    }
    fn validate(&self, args: &ConvArgs, owner: &str) -> Result<()> {
        check_filters(self.filters, owner)?;
        if let Some(op) = &self.output_padding {
            if op.iter().zip(&args.strides).any(|(o, s)| o >= s) {
                bail!(
                    owner,
                    "`output_padding` must be strictly less than `strides` for all dimensions, \
                     received output_padding={op:?}, strides={:?}",
                    args.strides
                );
            }
        }
        args.check_strides_with_dilation(owner)
    }
    fn out_channels(&self, _in_channels: Option<usize>) -> Option<usize> {
        Some(self.filters)
    }
    fn output_spatial(
        &self,
        args: &ConvArgs,
        input: &[Option<usize>],
        _owner: &str,
    ) -> Result<ShapeSpec> {
        Ok(input
            .iter()
            .enumerate()
            .map(|(i, d)| {
                d.map(|d| {
                    transpose_size(
                        d,
                        args.kernel_size[i],
                        args.strides[i],
                        args.dilation_rate[i],
                        args.padding == "same",
                        self.output_padding.as_ref().map(|o| o[i]),
                    )
                })
            })
            .collect())
    }
    fn build_kernels(
        &self,
        args: &ConvArgs,
        base: &LayerBase,
        in_channels: usize,
        _owner: &str,
    ) -> Result<Vec<Variable>> {
        let mut shape = args.kernel_size.clone();
        shape.extend([self.filters, in_channels]);
        Ok(vec![self.kernel.add(base, "kernel", &shape)?])
    }
    fn convolve(&self, args: &ConvArgs, x: &Tensor, kernels: &[Tensor]) -> Result<Tensor> {
        ops::conv_transpose(
            x,
            &kernels[0],
            args.strides.clone(),
            &args.padding,
            self.output_padding.clone().map(IntOrTuple::from),
            args.data_format_arg(),
            args.dilation_rate.clone(),
        )
    }
}
