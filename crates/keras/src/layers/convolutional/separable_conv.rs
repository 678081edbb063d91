//! `SeparableConv1D`, `SeparableConv2D`: a depthwise convolution followed by a pointwise
//! (1×…×1) one ([`Separable`] kind of [`BaseConv`]); variables `depthwise_kernel`
//! `(*kernel_size, in_channels, depth_multiplier)`, `pointwise_kernel`
//! `(1, …, 1, in_channels * depth_multiplier, filters)` and `bias` `(filters,)`.

use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::base_conv::{BaseConv, ConvArgs, ConvKind};
use super::conv::check_filters;
use super::depthwise_conv::{add_depthwise_kernel, check_depth_multiplier, HasDepthwise};
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::weight_options::WeightOptions;
use crate::layers::LayerBase;
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// 1-D separable convolution (Keras's `SeparableConv1D`).
///
/// ```
/// use keras::layers::{LayerExt, SeparableConv1D};
/// let conv = SeparableConv1D::new(4, 3).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 5, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 4]);
/// ```
pub type SeparableConv1D = BaseConv<Separable, 1>;
/// 2-D separable convolution (Keras's `SeparableConv2D`).
///
/// ```
/// use keras::layers::{LayerExt, SeparableConv2D};
/// let conv = SeparableConv2D::new(4, 3).unwrap().depth_multiplier(2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 5, 5, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 3, 4]);
/// let k = conv.kernels().unwrap();
/// assert_eq!((k[0].shape().dims(), k[1].shape().dims()), (&[3, 3, 3, 2][..], &[1, 1, 6, 4][..]));
/// ```
pub type SeparableConv2D = BaseConv<Separable, 2>;

/// The separable convolution kind.
#[derive(Clone, Debug)]
pub struct Separable {
    depth_multiplier: usize,
    filters: usize,
    depthwise: WeightOptions,
    pointwise: WeightOptions,
}

impl HasDepthwise for Separable {
    fn depth_multiplier_mut(&mut self) -> &mut usize {
        &mut self.depth_multiplier
    }
    fn depthwise_options_mut(&mut self) -> &mut WeightOptions {
        &mut self.depthwise
    }
}

impl<const N: usize> BaseConv<Separable, N> {
    /// `filters` output channels with a `kernel_size` window, depth multiplier 1, stride 1,
    /// `"valid"` padding, no activation, with bias.
    pub fn new(filters: usize, kernel_size: impl Into<IntOrTuple>) -> Result<Self> {
        let kind = Separable {
            depth_multiplier: 1,
            filters,
            depthwise: WeightOptions::new(Initializer::glorot_uniform()),
            pointwise: WeightOptions::new(Initializer::glorot_uniform()),
        };
        Self::with_kind(kind, kernel_size.into())
    }
    /// The pointwise kernel initializer (default GlorotUniform).
    pub fn pointwise_initializer(mut self, init: Initializer) -> Self {
        self.kind.pointwise.initializer = init;
        self
    }
    /// A penalty on the pointwise kernel.
    pub fn pointwise_regularizer(mut self, r: Regularizer) -> Self {
        self.kind.pointwise.regularizer = Some(r);
        self
    }
    /// A constraint on the pointwise kernel.
    pub fn pointwise_constraint(mut self, c: Constraint) -> Self {
        self.kind.pointwise.constraint = Some(c);
        self
    }
}

impl ConvKind for Separable {
    const CLASS_NAMES: &'static [&'static str] = &["SeparableConv1D", "SeparableConv2D"];
    fn from_config(c: &Config, _rank: usize, owner: &str) -> Result<Self> {
        let glorot = Initializer::glorot_uniform;
        Ok(Separable {
            depth_multiplier: c.get_or("depth_multiplier", 1, owner)?,
            filters: c.require("filters", owner)?,
            depthwise: WeightOptions::from_config(c, "depthwise", glorot())?,
            pointwise: WeightOptions::from_config(c, "pointwise", glorot())?,
        })
    }
    fn write_lead(&self, c: &mut Config) {
        c.insert("depth_multiplier".into(), json!(self.depth_multiplier));
        c.insert("filters".into(), json!(self.filters));
    }
    fn kernel_options(&self) -> Vec<(&'static str, &WeightOptions)> {
        vec![
            ("depthwise", &self.depthwise),
            ("pointwise", &self.pointwise),
        ]
    }
    fn validate(&self, _args: &ConvArgs, owner: &str) -> Result<()> {
        check_depth_multiplier(self.depth_multiplier, owner)?;
        check_filters(self.filters, owner)
    }
    fn out_channels(&self, _in_channels: Option<usize>) -> Option<usize> {
        Some(self.filters)
    }
    fn build_kernels(
        &self,
        args: &ConvArgs,
        base: &LayerBase,
        in_channels: usize,
        _owner: &str,
    ) -> Result<Vec<Variable>> {
        let dm = self.depth_multiplier;
        let depthwise = add_depthwise_kernel(
            &self.depthwise,
            "depthwise_kernel",
            args,
            base,
            in_channels,
            dm,
        )?;
        let mut shape = vec![1; args.kernel_size.len()];
        shape.extend([in_channels * dm, self.filters]);
        let pointwise = self.pointwise.add(base, "pointwise_kernel", &shape)?;
        Ok(vec![depthwise, pointwise])
    }
    fn convolve(&self, args: &ConvArgs, x: &Tensor, kernels: &[Tensor]) -> Result<Tensor> {
        ops::separable_conv(
            x,
            &kernels[0],
            &kernels[1],
            args.strides.clone(),
            &args.padding,
            args.data_format_arg(),
            args.dilation_rate.clone(),
        )
    }
}
