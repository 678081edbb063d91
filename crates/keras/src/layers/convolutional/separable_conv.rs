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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, ramp, run,
    };
    use crate::layers::LayerExt;
    use keras_ops::Tensor;

    #[test]
    fn config_matches_keras() {
        // keras.layers.SeparableConv2D(5, 3, strides=2, padding="same", depth_multiplier=2,
        //     data_format="channels_first", pointwise_initializer="zeros",
        //     pointwise_regularizer="l1", depthwise_constraint="max_norm", activation="relu",
        //     name="s2").get_config()
        let python = r#"{"name": "s2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "depth_multiplier": 2, "filters": 5, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "data_format": "channels_first", "dilation_rate": [1, 1], "activation": "relu", "use_bias": true, "depthwise_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "pointwise_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "depthwise_regularizer": null, "pointwise_regularizer": {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.009999999776482582}, "registered_name": null}, "bias_regularizer": null, "activity_regularizer": null, "depthwise_constraint": {"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, "registered_name": null}, "pointwise_constraint": null, "bias_constraint": null}"#;
        let layer = SeparableConv2D::new(5, 3)
            .unwrap()
            .named("s2")
            .strides(2)
            .unwrap()
            .padding("same")
            .unwrap()
            .depth_multiplier(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap()
            .pointwise_initializer(Initializer::Zeros)
            .pointwise_regularizer(Regularizer::get("l1").unwrap())
            .depthwise_constraint(Constraint::get("max_norm").unwrap())
            .activation("relu")
            .unwrap();
        check_config(&layer, python, SeparableConv2D::from_config);
    }

    #[test]
    fn shapes_and_variables() {
        // keras.layers.SeparableConv2D(4, 3, padding="same", strides=2)
        //     .compute_output_shape((None, 7, None, 3)) == (None, 4, None, 4)
        let s = SeparableConv2D::new(4, 3)
            .unwrap()
            .padding("same")
            .unwrap()
            .strides(2)
            .unwrap();
        assert_eq!(
            output_shape(&s, vec![None, Some(7), None, Some(3)]),
            vec![None, Some(4), None, Some(4)]
        );
        s.forward(&ramp(&[1, 7, 5, 3], 0.1, 0.0)).unwrap();
        let w = s.weights();
        let names: Vec<String> = w
            .iter()
            .map(|v| v.path().rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(names, ["depthwise_kernel", "pointwise_kernel", "bias"]);
        assert_eq!(w[1].shape().dims(), &[1, 1, 3, 4]);
        assert!(SeparableConv1D::new(0, 3).is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.SeparableConv1D(3, 2, depth_multiplier=2, dilation_rate=2) on
        // ramp((1,5,2), .1, -.4), depthwise ramp((2,2,2), .1, -.3),
        // pointwise ramp((1,4,3), .05, -.2), bias [.1, 0, -.1].
        let s = SeparableConv1D::new(3, 2)
            .unwrap()
            .depth_multiplier(2)
            .unwrap()
            .dilation_rate(2)
            .unwrap();
        let bias = Tensor::from_vec(vec![0.1f32, 0.0, -0.1], [3]).unwrap();
        let weights = [
            ramp(&[2, 2, 2], 0.1, -0.3),
            ramp(&[1, 4, 3], 0.05, -0.2),
            bias,
        ];
        let y = run(&s, &ramp(&[1, 5, 2], 0.1, -0.4), &weights);
        let want = [
            0.088, 0.003, -0.082, 0.12, 0.039, -0.042, 0.152, 0.075, -0.002,
        ];
        assert_close(&y, &[1, 3, 3], &want);
    }
}
