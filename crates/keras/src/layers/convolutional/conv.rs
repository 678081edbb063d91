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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, ramp, run,
    };
    use crate::layers::{Apply, Input, Layer, LayerExt};

    #[test]
    fn config_matches_keras() {
        // keras.layers.Conv2D(4, (3, 2), strides=(2, 1), padding="SAME",
        //     data_format="channels_first", groups=2, activation="relu", use_bias=False,
        //     kernel_initializer="he_normal", kernel_regularizer="l2",
        //     activity_regularizer="l1", bias_constraint="non_neg", name="c2").get_config()
        let python = r#"{"name": "c2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "activity_regularizer": {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.009999999776482582}, "registered_name": null}, "filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same", "data_format": "channels_first", "dilation_rate": [1, 1], "groups": 2, "activation": "relu", "use_bias": false, "kernel_initializer": {"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": {"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": null}}"#;
        let layer = Conv2D::new(4, [3, 2])
            .unwrap()
            .named("c2")
            .strides([2, 1])
            .unwrap()
            .padding("SAME")
            .unwrap()
            .data_format("channels_first")
            .unwrap()
            .groups(2)
            .unwrap()
            .activation("relu")
            .unwrap()
            .use_bias(false)
            .kernel_initializer(Initializer::get("he_normal").unwrap())
            .kernel_regularizer(Regularizer::get("l2").unwrap())
            .activity_regularizer(Regularizer::get("l1").unwrap())
            .bias_constraint(Constraint::NonNeg);
        check_config(&layer, python, Conv2D::from_config);
        // keras.layers.Conv1D(2, 3).get_config()
        let python = r#"{"name": "conv1d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "filters": 2, "kernel_size": [3], "strides": [1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "linear", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}"#;
        check_config(
            &Conv1D::new(2, 3).unwrap().named("conv1d"),
            python,
            Conv1D::from_config,
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(Conv2D::new(0, 3).is_err());
        assert!(Conv2D::new(2, [3, 3, 3]).is_err());
        assert!(Conv2D::new(2, 0).is_err());
        assert!(Conv2D::new(2, 3).unwrap().padding("causal").is_err());
        assert!(Conv1D::new(2, 3).unwrap().padding("causal").is_ok());
        // filters 3 not divisible by 2 groups.
        let grouped = Conv2D::new(3, 3).unwrap().groups(2).unwrap();
        assert!(grouped
            .build(&[vec![None, Some(5), Some(5), Some(4)]])
            .is_err());
        let strided_dilated = Conv2D::new(2, 3)
            .unwrap()
            .strides(2)
            .unwrap()
            .dilation_rate(2)
            .unwrap();
        assert!(strided_dilated
            .forward(&ramp(&[1, 9, 9, 1], 0.1, 0.0))
            .is_err());
        // Too small for a "valid" 3x3 window, and the wrong channel count after build.
        let conv = Conv2D::new(2, 3).unwrap();
        assert!(conv.forward(&ramp(&[1, 2, 5, 1], 0.1, 0.0)).is_err());
        conv.forward(&ramp(&[1, 5, 5, 1], 0.1, 0.0)).unwrap();
        let err = conv.forward(&ramp(&[1, 5, 5, 2], 0.1, 0.0)).unwrap_err();
        assert!(err.to_string().contains("Conv2D"), "{err}");
    }

    #[test]
    fn variables_and_shapes() {
        // keras.layers.Conv2D(4, 3, strides=2).compute_output_shape((None, None, 9, 3))
        let conv = Conv2D::new(4, 3).unwrap().strides(2).unwrap();
        let shape = output_shape(&conv, vec![None, None, Some(9), Some(3)]);
        assert_eq!(shape, vec![None, None, Some(4), Some(4)]);
        // Symbolic call with unknown batch and height; grouped kernel (*k, in / groups, filters).
        let conv = std::sync::Arc::new(Conv2D::new(6, [3, 2]).unwrap().groups(3).unwrap());
        let x = Input::with_unknown_dims(&[None, Some(9), Some(6)]).build();
        let y = (&conv).apply(&x).unwrap();
        assert_eq!(y.shape(), &vec![None, None, Some(8), Some(6)]);
        let w = conv.weights();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].path(), format!("{}/kernel", conv.name()));
        assert_eq!(
            (w[0].shape().dims(), w[1].shape().dims()),
            (&[3, 2, 2, 6][..], &[6][..])
        );
        let conv = Conv1D::new(2, 3).unwrap().use_bias(false);
        conv.forward(&ramp(&[1, 5, 3], 0.1, 0.0)).unwrap();
        assert_eq!(conv.weights().len(), 1);
        assert!(conv.bias().is_none());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.Conv1D(2, 3, padding="causal", dilation_rate=2) on
        // ramp((1,5,3), .1, -.5), kernel ramp((3,3,2), .05, -.4), bias [.1, -.2].
        let conv = Conv1D::new(2, 3)
            .unwrap()
            .padding("causal")
            .unwrap()
            .dilation_rate(2)
            .unwrap();
        let bias = Tensor::from_vec(vec![0.1f32, -0.2], [2]).unwrap();
        let y = run(
            &conv,
            &ramp(&[1, 5, 3], 0.1, -0.5),
            &[ramp(&[3, 3, 2], 0.05, -0.4), bias],
        );
        assert_close(
            &y,
            &[1, 5, 2],
            &[
                -0.24, -0.6, 0.03, -0.285, 0.32, -0.01, 0.59, 0.35, 1.24, 1.03,
            ],
        );
        // keras.layers.Conv2D(2, 2, groups=2, data_format="channels_first", padding="same",
        //     activation="relu") on ramp((1,2,3,3), .1, -.8), kernel ramp((2,2,1,2), .1, -.3),
        //     bias [.05, -.05].
        let conv = Conv2D::new(2, 2)
            .unwrap()
            .groups(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap()
            .padding("same")
            .unwrap()
            .activation("relu")
            .unwrap();
        let bias = Tensor::from_vec(vec![0.05f32, -0.05], [2]).unwrap();
        let y = run(
            &conv,
            &ramp(&[1, 2, 3, 3], 0.1, -0.8),
            &[ramp(&[2, 2, 1, 2], 0.1, -0.3), bias],
        );
        assert_close(
            &y,
            &[1, 2, 3, 3],
            &[
                0.19, 0.19, 0.2, 0.19, 0.19, 0.14, 0.12, 0.08, 0.05, 0.21, 0.25, 0.01, 0.33, 0.37,
                0.01, 0.0, 0.0, 0.0,
            ],
        );
    }
}
