//! `Conv1D`, `Conv2D`, `Conv3D`: the plain convolution ([`Plain`] kind of [`BaseConv`]), with
//! kernel `(*kernel_size, in_channels / groups, filters)` and bias `(filters,)`.

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

/// 1-D convolution over `(batch, steps, channels)` (Keras's `Conv1D`; also `padding="causal"`).
///
/// ```
/// use keras::layers::{Conv1D, LayerExt};
/// let conv = Conv1D::new(2, 3).unwrap().padding("causal").unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 5, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 5, 2]);
/// ```
pub type Conv1D = BaseConv<Plain, 1>;
/// 2-D convolution over `(batch, height, width, channels)` (Keras's `Conv2D`).
///
/// ```
/// use keras::layers::{Conv2D, LayerExt};
/// let conv = Conv2D::new(8, [3, 3]).unwrap().strides(2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 7, 7, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 3, 3, 8]);
/// assert_eq!(conv.kernels().unwrap()[0].shape().dims(), &[3, 3, 3, 8]);
/// ```
pub type Conv2D = BaseConv<Plain, 2>;
/// 3-D convolution over `(batch, d1, d2, d3, channels)` (Keras's `Conv3D`).
///
/// ```
/// use keras::layers::{Conv3D, LayerExt};
/// let conv = Conv3D::new(2, 2).unwrap();
/// let y = conv.forward(&keras::ops::ones(&[1, 3, 3, 3, 1], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[1, 2, 2, 2, 2]);
/// ```
pub type Conv3D = BaseConv<Plain, 3>;

/// The plain convolution kind: `filters` output channels in `groups` channel groups.
#[derive(Clone, Debug)]
pub struct Plain {
    filters: usize,
    groups: usize,
    kernel: WeightOptions,
}

/// Kinds whose kernel Keras names `kernel` (plain and transposed convolutions), giving them
/// the `kernel_*` setters.
pub trait HasKernel {
    /// The kernel's initializer, regularizer and constraint.
    fn kernel_options_mut(&mut self) -> &mut WeightOptions;
}

impl HasKernel for Plain {
    fn kernel_options_mut(&mut self) -> &mut WeightOptions {
        &mut self.kernel
    }
}

impl<K: ConvKind + HasKernel, const N: usize> BaseConv<K, N> {
    /// The kernel initializer (default GlorotUniform).
    pub fn kernel_initializer(mut self, init: Initializer) -> Self {
        self.kind.kernel_options_mut().initializer = init;
        self
    }
    /// A penalty on the kernel.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.kind.kernel_options_mut().regularizer = Some(r);
        self
    }
    /// A constraint on the kernel.
    pub fn kernel_constraint(mut self, c: Constraint) -> Self {
        self.kind.kernel_options_mut().constraint = Some(c);
        self
    }
}

impl<const N: usize> BaseConv<Plain, N> {
    /// `filters` output channels with a `kernel_size` window (one int for every spatial dim or
    /// one per dim); stride 1, `"valid"` padding, no activation, with bias.
    pub fn new(filters: usize, kernel_size: impl Into<IntOrTuple>) -> Result<Self> {
        let kind = Plain {
            filters,
            groups: 1,
            kernel: WeightOptions::new(Initializer::glorot_uniform()),
        };
        Self::with_kind(kind, kernel_size.into())
    }
    /// Splits the input channels into `groups` groups, each convolved with
    /// `filters / groups` filters.
    pub fn groups(mut self, groups: usize) -> Result<Self> {
        if groups == 0 {
            bail!(
                Self::CLASS,
                "the number of groups must be a positive integer, received 0"
            );
        }
        self.kind.groups = groups;
        Ok(self)
    }
}

/// Errors unless `filters > 0`.
pub(crate) fn check_filters(filters: usize, owner: &str) -> Result<()> {
    if filters == 0 {
        bail!(
            owner,
            "invalid value for argument `filters`: expected a strictly positive value, \
             received filters=0"
        );
    }
    Ok(())
}

impl ConvKind for Plain {
    const CLASS_NAMES: &'static [&'static str] = &["Conv1D", "Conv2D", "Conv3D"];
    fn allows_causal(rank: usize) -> bool {
        rank == 1
    }
    fn from_config(c: &Config, _rank: usize, owner: &str) -> Result<Self> {
        if c.get("lora_rank").is_some_and(|v| !v.is_null()) {
            bail!(
                owner,
                "LoRA (`lora_rank`) is not supported on convolution layers yet"
            );
        }
        Ok(Plain {
            filters: c.require("filters", owner)?,
            groups: c.get_or("groups", 1, owner)?,
            kernel: WeightOptions::from_config(c, "kernel", Initializer::glorot_uniform())?,
        })
    }
    fn write_lead(&self, c: &mut Config) {
        c.insert("filters".into(), json!(self.filters));
    }
    fn write_after_dilation(&self, c: &mut Config) {
        c.insert("groups".into(), json!(self.groups));
    }
    fn kernel_options(&self) -> Vec<(&'static str, &WeightOptions)> {
        vec![("kernel", &self.kernel)]
    }
    fn validate(&self, args: &ConvArgs, owner: &str) -> Result<()> {
        check_filters(self.filters, owner)?;
        if self.groups == 0 || !self.filters.is_multiple_of(self.groups) {
            bail!(
                owner,
                "the number of filters must be evenly divisible by the number of groups, \
                 received groups={}, filters={}",
                self.groups,
                self.filters
            );
        }
        args.check_strides_with_dilation(owner)
    }
    fn out_channels(&self, _in_channels: Option<usize>) -> Option<usize> {
        Some(self.filters)
    }
    fn build_kernels(
        &self,
        args: &ConvArgs,
        base: &LayerBase,
        in_channels: usize,
        owner: &str,
    ) -> Result<Vec<Variable>> {
        if !in_channels.is_multiple_of(self.groups) {
            bail!(
                owner,
                "the number of input channels must be evenly divisible by the number of \
                 groups, received groups={}, but the input has {in_channels} channels",
                self.groups
            );
        }
        let mut shape = args.kernel_size.clone();
        shape.extend([in_channels / self.groups, self.filters]);
        Ok(vec![self.kernel.add(base, "kernel", &shape)?])
    }
    fn convolve(&self, args: &ConvArgs, x: &Tensor, kernels: &[Tensor]) -> Result<Tensor> {
        ops::conv(
            x,
            &kernels[0],
            args.strides.clone(),
            &args.padding,
            args.data_format_arg(),
            args.dilation_rate.clone(),
        )
    }
}
