//! `DepthwiseConv1D`, `DepthwiseConv2D`: each input channel convolved with its own
//! `depth_multiplier` filters ([`Depthwise`] kind of [`BaseConv`]); kernel
//! `(*kernel_size, in_channels, depth_multiplier)` (named `kernel`, as in Keras) and bias
//! `(in_channels * depth_multiplier,)`.

use keras_backend::bail;
use keras_ops::ops::IntOrTuple;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::base_conv::{BaseConv, ConvArgs, ConvKind};
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::weight_options::WeightOptions;
use crate::layers::LayerBase;
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// 1-D depthwise convolution (Keras's `DepthwiseConv1D`).
///
/// ```
/// use keras::layers::{DepthwiseConv1D, LayerExt};
/// let conv = DepthwiseConv1D::new(3).unwrap().depth_multiplier(2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 5, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 6]);
/// ```
pub type DepthwiseConv1D = BaseConv<Depthwise, 1>;
/// 2-D depthwise convolution (Keras's `DepthwiseConv2D`).
///
/// ```
/// use keras::layers::{DepthwiseConv2D, LayerExt};
/// let conv = DepthwiseConv2D::new(3).unwrap().padding("same").unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 4, 4, 2], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 4, 4, 2]);
/// assert_eq!(conv.kernels().unwrap()[0].shape().dims(), &[3, 3, 2, 1]);
/// ```
pub type DepthwiseConv2D = BaseConv<Depthwise, 2>;

/// The depthwise convolution kind.
#[derive(Clone, Debug)]
pub struct Depthwise {
    depth_multiplier: usize,
    depthwise: WeightOptions,
}

/// Kinds with a depthwise kernel (depthwise and separable convolutions), giving them
/// `depth_multiplier` and the `depthwise_*` setters.
pub trait HasDepthwise {
    /// The number of filters per input channel.
    fn depth_multiplier_mut(&mut self) -> &mut usize;
    /// The depthwise kernel's initializer, regularizer and constraint.
    fn depthwise_options_mut(&mut self) -> &mut WeightOptions;
}

impl HasDepthwise for Depthwise {
    fn depth_multiplier_mut(&mut self) -> &mut usize {
        &mut self.depth_multiplier
    }
    fn depthwise_options_mut(&mut self) -> &mut WeightOptions {
        &mut self.depthwise
    }
}

impl<K: ConvKind + HasDepthwise, const N: usize> BaseConv<K, N> {
    /// The number of depthwise filters per input channel (default 1).
    pub fn depth_multiplier(mut self, depth_multiplier: usize) -> Result<Self> {
        check_depth_multiplier(depth_multiplier, Self::CLASS)?;
        *self.kind.depth_multiplier_mut() = depth_multiplier;
        Ok(self)
    }
    /// The depthwise kernel initializer (default GlorotUniform).
    pub fn depthwise_initializer(mut self, init: Initializer) -> Self {
        self.kind.depthwise_options_mut().initializer = init;
        self
    }
    /// A penalty on the depthwise kernel.
    pub fn depthwise_regularizer(mut self, r: Regularizer) -> Self {
        self.kind.depthwise_options_mut().regularizer = Some(r);
        self
    }
    /// A constraint on the depthwise kernel.
    pub fn depthwise_constraint(mut self, c: Constraint) -> Self {
        self.kind.depthwise_options_mut().constraint = Some(c);
        self
    }
}

impl<const N: usize> BaseConv<Depthwise, N> {
    /// A `kernel_size` window, depth multiplier 1, stride 1, `"valid"` padding, no
    /// activation, with bias.
    pub fn new(kernel_size: impl Into<IntOrTuple>) -> Result<Self> {
        let kind = Depthwise {
            depth_multiplier: 1,
            depthwise: WeightOptions::new(Initializer::glorot_uniform()),
        };
        Self::with_kind(kind, kernel_size.into())
    }
}

/// Errors unless `depth_multiplier > 0`.
pub(crate) fn check_depth_multiplier(depth_multiplier: usize, owner: &str) -> Result<()> {
    if depth_multiplier == 0 {
        bail!(
            owner,
            "invalid value for argument `depth_multiplier`: expected a strictly positive value, \
             received depth_multiplier=0"
        );
    }
    Ok(())
}

/// Creates the `(*kernel_size, in_channels, depth_multiplier)` variable `name`.
pub(crate) fn add_depthwise_kernel(
    options: &WeightOptions,
    name: &str,
    args: &ConvArgs,
    base: &LayerBase,
    in_channels: usize,
    depth_multiplier: usize,
) -> Result<Variable> {
    let mut shape = args.kernel_size.clone();
    shape.extend([in_channels, depth_multiplier]);
    options.add(base, name, &shape)
}

impl ConvKind for Depthwise {
    const CLASS_NAMES: &'static [&'static str] = &["DepthwiseConv1D", "DepthwiseConv2D"];
    fn from_config(c: &Config, _rank: usize, owner: &str) -> Result<Self> {
        Ok(Depthwise {
            depth_multiplier: c.get_or("depth_multiplier", 1, owner)?,
            depthwise: WeightOptions::from_config(c, "depthwise", Initializer::glorot_uniform())?,
        })
    }
    fn write_lead(&self, c: &mut Config) {
        c.insert("depth_multiplier".into(), json!(self.depth_multiplier));
    }
    fn kernel_options(&self) -> Vec<(&'static str, &WeightOptions)> {
        vec![("depthwise", &self.depthwise)]
    }
    fn validate(&self, _args: &ConvArgs, owner: &str) -> Result<()> {
        check_depth_multiplier(self.depth_multiplier, owner)
    }
    fn out_channels(&self, in_channels: Option<usize>) -> Option<usize> {
        in_channels.map(|c| c * self.depth_multiplier)
    }
    fn build_kernels(
        &self,
        args: &ConvArgs,
        base: &LayerBase,
        in_channels: usize,
        _owner: &str,
    ) -> Result<Vec<Variable>> {
        let k = add_depthwise_kernel(
            &self.depthwise,
            "kernel",
            args,
            base,
            in_channels,
            self.depth_multiplier,
        )?;
        Ok(vec![k])
    }
    fn convolve(&self, args: &ConvArgs, x: &Tensor, kernels: &[Tensor]) -> Result<Tensor> {
        ops::depthwise_conv(
            x,
            &kernels[0],
            args.strides.clone(),
            &args.padding,
            args.data_format_arg(),
            args.dilation_rate.clone(),
        )
    }
}
