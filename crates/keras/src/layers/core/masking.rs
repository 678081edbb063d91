//! `Masking`: marks timesteps whose features all equal `mask_value` as padding.

use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Masks timesteps (positions along axis -2) where every feature equals `mask_value`: the
/// output is zero there and the mask is `any(x != mask_value, axis=-1)` (Keras's `Masking`).
///
/// ```
/// use keras::layers::{Layer, LayerExt, Masking};
/// let x = keras::Tensor::from_vec(vec![0.0f32, 0.0, 1.0, 2.0], [1, 2, 2]).unwrap();
/// let layer = Masking::new(0.0);
/// let mask = layer.compute_mask(&[x], &[None]).unwrap()[0].clone().unwrap();
/// assert_eq!(mask.to_vec::<bool>().unwrap(), vec![false, true]);
/// ```
pub struct Masking {
    base: LayerBase,
    mask_value: f64,
}

impl Masking {
    /// Masks timesteps equal to `mask_value` (Keras's default is 0.0).
    pub fn new(mask_value: f64) -> Masking {
        Masking {
            base: LayerBase::new("Masking", None).built_at_construction(),
            mask_value,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Masking {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Masking> {
        Ok(Masking {
            base: LayerBase::from_config("Masking", c)?.built_at_construction(),
            mask_value: c.get_or("mask_value", 0.0, "Masking")?,
        })
    }
    fn keep(&self, x: &Tensor, keepdims: bool) -> Result<Tensor> {
        if x.rank() == 0 {
            keras_backend::bail!(
                "Masking",
                "layer {:?} needs an input of rank >= 1, got a scalar",
                self.base.name()
            );
        }
        ops::any(&ops::not_equal(x, self.mask_value)?, -1, keepdims)
    }
}

impl Default for Masking {
    fn default() -> Self {
        Masking::new(0.0)
    }
}

impl Layer for Masking {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Masking"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("mask_value".into(), json!(self.mask_value));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let keep = self.keep(x, true)?;
        Ok(vec![ops::where_(&keep, x, 0)?])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(
        &self,
        inputs: &[Tensor],
        _masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(self.keep(&inputs[0], false)?)])
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
    fn config_matches_keras() {
        // keras.layers.Masking(mask_value=1.0).get_config()
        let expected = r#"{"name": "masking", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "mask_value": 1.0}"#;
        let c = Masking::new(1.0).named("masking").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Masking::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn zeroes_masked_steps() {
        // keras.layers.Masking(1.0)(x) for x = [[[1, 1], [1, 2], [3, 1]]] gives
        // [[[0, 0], [1, 2], [3, 1]]] and mask [[False, True, True]].
        let l = Masking::new(1.0);
        let x = Tensor::from_vec(vec![1.0f32, 1.0, 1.0, 2.0, 3.0, 1.0], [1, 3, 2]).unwrap();
        let y = l.forward(&x).unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![0.0, 0.0, 1.0, 2.0, 3.0, 1.0]
        );
        let m = l.compute_mask(&[x], &[None]).unwrap()[0].clone().unwrap();
        assert_eq!(m.to_vec::<bool>().unwrap(), vec![false, true, true]);
        let spec = TensorSpec::new(vec![None, Some(3), Some(2)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3), Some(2)]
        );
        assert!(l.forward(&Tensor::scalar(1.0f32).unwrap()).is_err());
    }
}
