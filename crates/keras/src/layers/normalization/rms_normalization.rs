//! `RMSNormalization`: scales each sample by the inverse root mean square over `axis`.

use std::sync::OnceLock;

use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::json;

use super::axis::AxisArg;
use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "RMSNormalization";

/// Root-mean-square normalization (Keras's `RMSNormalization`):
/// `x / sqrt(mean(x², axis) + epsilon) * scale`, with a trainable `scale` (ones at first).
///
/// ```
/// use keras::layers::{LayerExt, RMSNormalization};
/// let rms = RMSNormalization::new();
/// let x = keras::Tensor::from_vec(vec![3.0f32, 4.0], [1, 2]).unwrap();
/// let y = rms.forward(&x).unwrap().to_vec::<f32>().unwrap();
/// let r = (12.5f32 + 1e-6).sqrt();
/// assert!((y[0] - 3.0 / r).abs() < 1e-6);
/// assert_eq!(rms.weights()[0].name(), "scale");
/// ```
pub struct RMSNormalization {
    base: LayerBase,
    axis: AxisArg,
    epsilon: f64,
    scale: OnceLock<Variable>,
}

impl Default for RMSNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl RMSNormalization {
    /// Keras's defaults: `axis=-1`, `epsilon=1e-6`.
    pub fn new() -> RMSNormalization {
        RMSNormalization {
            base: LayerBase::new(CLASS, None),
            axis: AxisArg::One(-1),
            epsilon: 1e-6,
            scale: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// The axis or axes to normalize over.
    pub fn axis(mut self, axis: impl Into<AxisArg>) -> Self {
        self.axis = axis.into();
        self
    }
    /// Added to the mean square before the square root.
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<RMSNormalization> {
        Ok(RMSNormalization {
            base: LayerBase::from_config(CLASS, c)?,
            axis: c.get_or("axis", AxisArg::One(-1), CLASS)?,
            epsilon: c.get_or("epsilon", 1e-6, CLASS)?,
            scale: OnceLock::new(),
        })
    }
}

impl Layer for RMSNormalization {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("axis".into(), self.axis.to_json(self.base.is_built()));
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let shape = self.axis.feature_shape(&shapes[0], CLASS)?;
        let scale = self
            .base
            .add_weight("scale", &shape, &Initializer::Ones, true)?;
        let _ = self.scale.set(scale);
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let scale = self.scale.get().expect("built before call");
        let y = ops::rms_normalization(
            &inputs[0],
            Some(&scale.value()),
            self.axis.axes(),
            Some(self.epsilon),
        )?;
        Ok(vec![y])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        self.axis.resolve(x.shape.len(), CLASS)?;
        Ok(vec![TensorSpec::new(
            x.shape.clone(),
            self.base.compute_dtype(),
        )])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::{close, config, ramp, t};
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.RMSNormalization(axis=[1, 2], name="rms", epsilon=1e-5).get_config()
        let expected = config(
            r#"{"name": "rms", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "axis": [1, 2], "epsilon": 1e-05}"#,
        );
        let rms = RMSNormalization::new()
            .named("rms")
            .axis([1, 2])
            .epsilon(1e-5);
        assert_eq!(rms.get_config(), expected);
        assert_eq!(
            RMSNormalization::from_config(&expected)
                .unwrap()
                .get_config(),
            expected
        );
        let built = RMSNormalization::new();
        built.ensure_built(&[vec![None, Some(2)]]).unwrap();
        assert_eq!(built.get_config()["axis"], json!([-1]));
    }

    #[test]
    fn shapes_and_variables() {
        let rms = RMSNormalization::new().axis([1, 2]);
        let spec = TensorSpec::new(vec![None, Some(3), Some(4)], DType::F32);
        assert_eq!(
            rms.compute_output_spec(std::slice::from_ref(&spec))
                .unwrap()[0],
            spec
        );
        rms.ensure_built(&[spec.shape]).unwrap();
        assert_eq!(rms.weights()[0].shape().dims(), &[3, 4]);
        assert!(!rms.supports_masking());
    }

    #[test]
    fn numerics_match_keras() {
        // rn = keras.layers.RMSNormalization(); rn.build((None, 3, 4))
        // rn.set_weights([[1, 2, 3, 4]]); rn(np.arange(24).reshape(2, 3, 4) ** 1.3 / 10)
        let rn = RMSNormalization::new();
        rn.ensure_built(&[vec![None, Some(3), Some(4)]]).unwrap();
        rn.set_weights(&[t(&[1.0, 2.0, 3.0, 4.0], &[4])]).unwrap();
        close(
            &rn.forward(&ramp()).unwrap(),
            &[
                0.0, 0.8087511, 2.9870684, 6.7468724, 0.63434386, 1.695656, 3.2237742, 5.2521143,
                0.7885181, 1.8379765, 3.1616657, 4.7716126, 0.8519742, 1.8908068, 3.1230469,
                4.5548015, 0.88628006, 1.9179116, 3.0987782, 4.4325604, 0.9077184, 1.9343151,
                3.0823567, 4.3542995,
            ],
        );
    }
}
