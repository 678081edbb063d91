//! `RepeatVector`: repeats a vector `n` times.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{shape_display, CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "RepeatVector";

/// Repeats each sample of shape `(features,)` `n` times: `(batch, features)` becomes
/// `(batch, n, features)` (Keras's `RepeatVector`).
///
/// ```
/// use keras::layers::{LayerExt, RepeatVector};
/// let r = RepeatVector::new(3).unwrap();
/// let y = r.forward(&keras::ops::ones(&[2, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[2, 3, 4]);
/// ```
pub struct RepeatVector {
    base: LayerBase,
    n: usize,
}

impl RepeatVector {
    /// `n` (positive) repetitions.
    pub fn new(n: usize) -> Result<RepeatVector> {
        Self::with_base(LayerBase::new(CLASS, None), n)
    }
    fn with_base(base: LayerBase, n: usize) -> Result<RepeatVector> {
        if n == 0 {
            bail!(CLASS, "n must be a positive integer, got 0");
        }
        Ok(RepeatVector { base, n })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<RepeatVector> {
        Self::with_base(LayerBase::from_config(CLASS, c)?, c.require("n", CLASS)?)
    }
}

impl Layer for RepeatVector {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("n".into(), json!(self.n));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if x.rank() != 2 {
            bail!(
                CLASS,
                "layer {:?} expects inputs of rank 2, got shape {}",
                self.base.name(),
                x.shape()
            );
        }
        Ok(vec![ops::repeat(
            &ops::expand_dims(x, 1)?,
            &[self.n],
            Some(1),
        )?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        let [batch, features] = x.shape[..] else {
            bail!(
                CLASS,
                "layer {:?} expects inputs of rank 2, got shape {}",
                self.base.name(),
                shape_display(&x.shape)
            );
        };
        Ok(vec![TensorSpec::new(
            vec![batch, Some(self.n), features],
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
    use crate::layers::normalization::test_util::{config, t};
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.RepeatVector(3, name="rv").get_config()
        let expected = config(
            r#"{"name": "rv", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "n": 3}"#,
        );
        let r = RepeatVector::new(3).unwrap().named("rv");
        assert_eq!(r.get_config(), expected);
        assert_eq!(
            RepeatVector::from_config(&expected).unwrap().get_config(),
            expected
        );
        assert!(RepeatVector::new(0).is_err());
    }

    #[test]
    fn shapes_and_values() {
        let r = RepeatVector::new(2).unwrap();
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        assert_eq!(
            r.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(2), Some(3)]
        );
        assert!(r
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(3), Some(1)], DType::F32)])
            .is_err());
        let y = r.forward(&t(&[1.0, 2.0], &[1, 2])).unwrap();
        assert_eq!(y.dims(), &[1, 2, 2]);
        assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 1.0, 2.0]);
    }
}
