//! `Permute`: reorders the non-batch dims.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::{shape_display, CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "Permute";

/// Permutes the non-batch dims by `dims`, numbered from 1 (Keras's `Permute`): `dims =
/// [2, 1]` swaps the two dims after the batch.
///
/// ```
/// use keras::layers::{LayerExt, Permute};
/// let p = Permute::new(&[2, 1]).unwrap();
/// let y = p.forward(&keras::ops::ones(&[5, 3, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[5, 4, 3]);
/// ```
pub struct Permute {
    base: LayerBase,
    dims: Vec<usize>,
}

impl Permute {
    /// A permutation of `1..=dims.len()`.
    pub fn new(dims: &[usize]) -> Result<Permute> {
        Self::with_base(LayerBase::new(CLASS, None), dims.to_vec())
    }
    fn with_base(base: LayerBase, dims: Vec<usize>) -> Result<Permute> {
        let mut sorted = dims.clone();
        sorted.sort_unstable();
        if !sorted.iter().copied().eq(1..=dims.len()) {
            bail!(
                CLASS,
                "invalid permutation dims {dims:?}: the indices must be consecutive and start \
                 from 1"
            );
        }
        Ok(Permute { base, dims })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Permute> {
        Self::with_base(LayerBase::from_config(CLASS, c)?, c.require("dims", CLASS)?)
    }

    fn check_rank(&self, rank: usize, shape: &str) -> Result<()> {
        if rank != self.dims.len() + 1 {
            bail!(
                CLASS,
                "layer {:?} with dims {:?} expects inputs of rank {}, got shape {shape}",
                self.base.name(),
                self.dims,
                self.dims.len() + 1
            );
        }
        Ok(())
    }
}

impl Layer for Permute {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("dims".into(), json!(self.dims));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        self.check_rank(x.rank(), &x.shape().to_string())?;
        let mut perm = vec![0i64];
        perm.extend(self.dims.iter().map(|&d| d as i64));
        Ok(vec![ops::transpose(x, Some(&perm))?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        self.check_rank(x.shape.len(), &shape_display(&x.shape))?;
        let mut shape = vec![x.shape[0]];
        shape.extend(self.dims.iter().map(|&d| x.shape[d]));
        Ok(vec![TensorSpec::new(shape, x.dtype)])
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
        // keras.layers.Permute((2, 1), name="p").get_config()
        let expected = config(
            r#"{"name": "p", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "dims": [2, 1]}"#,
        );
        let p = Permute::new(&[2, 1]).unwrap().named("p");
        assert_eq!(p.get_config(), expected);
        assert_eq!(
            Permute::from_config(&expected).unwrap().get_config(),
            expected
        );
        // keras.layers.Permute((1, 3)) raises
        assert!(Permute::new(&[1, 3]).is_err());
    }

    #[test]
    fn shapes_and_values() {
        let p = Permute::new(&[3, 1, 2]).unwrap();
        let spec = TensorSpec::new(vec![None, Some(2), None, Some(4)], DType::F32);
        assert_eq!(
            p.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(4), Some(2), None]
        );
        assert!(p
            .compute_output_spec(&[TensorSpec::new(vec![None, Some(2)], DType::F32)])
            .is_err());
        let y = Permute::new(&[2, 1])
            .unwrap()
            .forward(&t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 2, 3]))
            .unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
    }
}
