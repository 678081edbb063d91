//! `Identity`: returns its input unchanged.

use keras_ops::{Result, Tensor};

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;

/// Passes its input (and mask) through unchanged (Keras's `Identity`).
///
/// ```
/// use keras::layers::{Identity, LayerExt};
/// let x = keras::ops::ones(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(Identity::new().forward(&x).unwrap().dims(), &[2, 3]);
/// ```
pub struct Identity {
    base: LayerBase,
}

impl Identity {
    /// A new identity layer.
    pub fn new() -> Identity {
        Identity {
            base: LayerBase::new("Identity", None).built_at_construction(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Identity {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Identity> {
        Ok(Identity {
            base: LayerBase::from_config("Identity", c)?.built_at_construction(),
        })
    }
}

impl Default for Identity {
    fn default() -> Self {
        Identity::new()
    }
}

impl Layer for Identity {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Identity"
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![inputs[0].clone()])
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
        // keras.layers.Identity().get_config()
        let expected = r#"{"name": "identity", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}"#;
        let c = Identity::new().named("identity").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Identity::from_config(&c).unwrap().get_config(), c);
        let l = Identity::new();
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
        let x = Tensor::from_vec(vec![1.0f32, -2.0], [1, 2]).unwrap();
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![1.0, -2.0]
        );
        assert!(l.weights().is_empty());
    }
}
