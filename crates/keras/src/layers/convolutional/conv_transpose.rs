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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints::Constraint;
    use crate::layers::convolutional::test_utils::{
        assert_close, check_config, output_shape, ramp, run,
    };
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Conv2DTranspose(3, (2, 3), strides=(2, 1), output_padding=(1, 0),
        //     padding="valid", activation="tanh", bias_initializer="ones",
        //     kernel_constraint="unit_norm", name="t2").get_config()
        let python = r#"{"name": "t2", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "filters": 3, "kernel_size": [2, 3], "strides": [2, 1], "padding": "valid", "output_padding": [1, 0], "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "tanh", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": {"module": "keras.constraints", "class_name": "UnitNorm", "config": {"axis": 0}, "registered_name": null}, "bias_constraint": null}"#;
        let layer = Conv2DTranspose::new(3, [2, 3])
            .unwrap()
            .named("t2")
            .strides([2, 1])
            .unwrap()
            .output_padding([1, 0])
            .unwrap()
            .activation("tanh")
            .unwrap()
            .bias_initializer(Initializer::Ones)
            .kernel_constraint(Constraint::get("unit_norm").unwrap());
        check_config(&layer, python, Conv2DTranspose::from_config);
    }

    #[test]
    fn shapes_and_errors() {
        // keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        //     .compute_output_shape((None, None, 5, 3)) == [None, None, 10, 4]
        let t = Conv2DTranspose::new(4, 3)
            .unwrap()
            .strides(2)
            .unwrap()
            .padding("same")
            .unwrap();
        let shape = output_shape(&t, vec![None, None, Some(5), Some(3)]);
        assert_eq!(shape, vec![None, None, Some(10), Some(4)]);
        // keras.layers.Conv3DTranspose(4, 3, strides=2, output_padding=1)
        //     .compute_output_shape((None, 5, None, 4, 3)) == [None, 12, None, 10, 4]
        let t = Conv3DTranspose::new(4, 3)
            .unwrap()
            .strides(2)
            .unwrap()
            .output_padding(1)
            .unwrap();
        let shape = output_shape(&t, vec![None, Some(5), None, Some(4), Some(3)]);
        assert_eq!(shape, vec![None, Some(12), None, Some(10), Some(4)]);
        t.forward(&ramp(&[1, 5, 2, 4, 3], 0.01, 0.0)).unwrap();
        let k = &t.kernels().unwrap()[0];
        assert_eq!(k.shape().dims(), &[3, 3, 3, 4, 3]);
        assert_eq!(t.weights().len(), 2);
        // output_padding must stay below the strides.
        let bad = Conv1DTranspose::new(2, 3)
            .unwrap()
            .output_padding(1)
            .unwrap();
        assert!(bad.forward(&ramp(&[1, 4, 2], 0.1, 0.0)).is_err());
        assert!(Conv1DTranspose::new(2, 3)
            .unwrap()
            .padding("causal")
            .is_err());
    }

    #[test]
    fn numerics_match_keras() {
        // keras.layers.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1) on
        // ramp((1,3,2), .1, -.2), kernel ramp((3,2,2), .1, -.5), bias [.1, .2].
        let t = Conv1DTranspose::new(2, 3)
            .unwrap()
            .strides(2)
            .unwrap()
            .padding("same")
            .unwrap()
            .output_padding(1)
            .unwrap();
        let bias = Tensor::from_vec(vec![0.1f32, 0.2], [2]).unwrap();
        let y = run(
            &t,
            &ramp(&[1, 3, 2], 0.1, -0.2),
            &[ramp(&[3, 2, 2], 0.1, -0.5), bias],
        );
        assert_close(
            &y,
            &[1, 6, 2],
            &[
                0.24, 0.28, 0.12, 0.16, -0.04, 0.02, 0.1, 0.22, -0.08, 0.14, 0.08, 0.28,
            ],
        );
        // keras.layers.Conv2DTranspose(1, 2, dilation_rate=2, data_format="channels_first") on
        // ramp((1,2,2,2), .1, -.3), kernel ramp((2,2,1,2), .2, -.3), bias [.5].
        let t = Conv2DTranspose::new(1, 2)
            .unwrap()
            .dilation_rate(2)
            .unwrap()
            .data_format("channels_first")
            .unwrap();
        let bias = Tensor::from_vec(vec![0.5f32], [1]).unwrap();
        let y = run(
            &t,
            &ramp(&[1, 2, 2, 2], 0.1, -0.3),
            &[ramp(&[2, 2, 1, 2], 0.2, -0.3), bias],
        );
        let want = [
            0.58, 0.54, 0.5, 0.54, 0.5, 0.46, 0.58, 0.62, 0.42, 0.54, 0.34, 0.54, 0.66, 0.78, 0.74,
            0.94,
        ];
        assert_close(&y, &[1, 1, 4, 4], &want);
    }
}
