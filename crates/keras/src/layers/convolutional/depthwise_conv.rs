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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, ramp, run,
    };
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.DepthwiseConv2D((3, 1), depth_multiplier=3, strides=(1, 2),
        //     padding="same", depthwise_initializer="ones",
        //     depthwise_regularizer=keras.regularizers.L1L2(0.1, 0.2),
        //     depthwise_constraint="non_neg", activation="sigmoid", name="d2").get_config()
        let python = r#"{"name": "d2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "depth_multiplier": 3, "kernel_size": [3, 1], "strides": [1, 2], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "sigmoid", "use_bias": true, "depthwise_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "depthwise_regularizer": {"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}, "registered_name": null}, "bias_regularizer": null, "activity_regularizer": null, "depthwise_constraint": {"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": null}, "bias_constraint": null}"#;
        let layer = DepthwiseConv2D::new([3, 1])
            .unwrap()
            .named("d2")
            .depth_multiplier(3)
            .unwrap()
            .strides([1, 2])
            .unwrap()
            .padding("same")
            .unwrap()
            .depthwise_initializer(Initializer::Ones)
            .depthwise_regularizer(Regularizer::L1L2 { l1: 0.1, l2: 0.2 })
            .depthwise_constraint(Constraint::NonNeg)
            .activation("sigmoid")
            .unwrap();
        check_config(&layer, python, DepthwiseConv2D::from_config);
    }

    #[test]
    fn shapes_and_variables() {
        // keras.layers.DepthwiseConv1D(3, depth_multiplier=2, data_format="channels_first")
        //     .compute_output_shape((None, 3, 10)) == (None, 6, 8)
        let d = DepthwiseConv1D::new(3)
            .unwrap()
            .depth_multiplier(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap();
        assert_eq!(
            output_shape(&d, vec![None, Some(3), Some(10)]),
            vec![None, Some(6), Some(8)]
        );
        d.forward(&ramp(&[2, 3, 10], 0.1, 0.0)).unwrap();
        let w = d.weights();
        assert_eq!(w[0].path(), format!("{}/kernel", d.name()));
        assert_eq!(
            (w[0].shape().dims(), w[1].shape().dims()),
            (&[3, 3, 2][..], &[6][..])
        );
        assert!(DepthwiseConv2D::new(3)
            .unwrap()
            .depth_multiplier(0)
            .is_err());
        assert!(d.forward(&ramp(&[2, 10], 0.1, 0.0)).is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.DepthwiseConv2D(2, depth_multiplier=2, strides=2, padding="same") on
        // ramp((1,3,3,2), .1, -.6), kernel ramp((2,2,2,2), .1, -.7), bias ramp((4,), .1, -.1).
        let d = DepthwiseConv2D::new(2)
            .unwrap()
            .depth_multiplier(2)
            .unwrap()
            .strides(2)
            .unwrap()
            .padding("same")
            .unwrap();
        let weights = [ramp(&[2, 2, 2, 2], 0.1, -0.7), ramp(&[4], 0.1, -0.1)];
        let y = run(&d, &ramp(&[1, 3, 3, 2], 0.1, -0.6), &weights);
        let want = [
            0.54, 0.56, 0.62, 0.68, 0.08, 0.2, 0.3, 0.44, -0.76, -0.52, -0.34, -0.08, -0.8, -0.6,
            -0.45, -0.24,
        ];
        assert_close(&y, &[1, 2, 2, 4], &want);
        // keras.layers.DepthwiseConv1D(2, dilation_rate=2, data_format="channels_first",
        //     use_bias=False) on ramp((1,2,5), .1, -.3), kernel ramp((2,2,1), .3, -.5).
        let d = DepthwiseConv1D::new(2)
            .unwrap()
            .dilation_rate(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap()
            .use_bias(false);
        let y = run(
            &d,
            &ramp(&[1, 2, 5], 0.1, -0.3),
            &[ramp(&[2, 2, 1], 0.3, -0.5)],
        );
        assert_close(&y, &[1, 2, 3], &[0.14, 0.1, 0.06, 0.12, 0.14, 0.16]);
    }
}
