//! `Activation`: applies a named activation function.

use keras_ops::{Result, Tensor};
use serde_json::json;

use crate::activations;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Applies a built-in activation function, by Keras name (Keras's `Activation` layer).
///
/// ```
/// use keras::layers::{Activation, LayerExt};
/// let layer = Activation::new("relu").unwrap();
/// let x = keras::Tensor::from_vec(vec![-1.0f32, 2.0], [2]).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// ```
pub struct Activation {
    base: LayerBase,
    activation: activations::Activation,
}

impl Activation {
    /// The activation named `name` (`"relu"`, `"softmax"`, …).
    pub fn new(name: &str) -> Result<Activation> {
        Ok(Activation {
            base: LayerBase::new("Activation", None).built_at_construction(),
            activation: activations::Activation::get(name)?,
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Activation {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Activation> {
        Ok(Activation {
            base: LayerBase::from_config("Activation", c)?.built_at_construction(),
            activation: c.require("activation", "Activation")?,
        })
    }
}

impl Layer for Activation {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Activation"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("activation".into(), json!(self.activation.name()));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![self.activation.apply(&inputs[0])?])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{LayerExt, TensorSpec};
    use keras_ops::DType;

    #[test]
    fn config_shape_and_values() {
        // keras.layers.Activation("relu").get_config()
        let expected = r#"{"name": "activation", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "activation": "relu"}"#;
        let l = Activation::new("relu").unwrap().named("activation");
        let c = l.get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Activation::from_config(&c).unwrap().get_config(), c);
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
        // keras.layers.Activation("sigmoid")(np.array([0.0])) -> [0.5]
        let s = Activation::new("sigmoid").unwrap();
        let y = s
            .forward(&Tensor::from_vec(vec![0.0f32], [1]).unwrap())
            .unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.5]);
        assert!(Activation::new("nope").is_err());
    }
}
