//! `Reshape`: gives each sample a new shape.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::{shape_display, CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

const CLASS: &str = "Reshape";

/// Reshapes each sample to `target_shape` (Keras's `Reshape`); one dim may be `-1`, inferred
/// from the sample size. The batch dim is kept. It has no weights and is built at
/// construction.
///
/// ```
/// use keras::layers::{LayerExt, Reshape};
/// let r = Reshape::new(&[-1, 2]).unwrap();
/// let y = r.forward(&keras::ops::ones(&[5, 3, 4], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(y.dims(), &[5, 6, 2]);
/// ```
pub struct Reshape {
    base: LayerBase,
    target_shape: Vec<i64>,
}

impl Reshape {
    /// Reshapes samples to `target_shape` (positive dims, at most one `-1`).
    pub fn new(target_shape: &[i64]) -> Result<Reshape> {
        Self::with_base(LayerBase::new(CLASS, None), target_shape.to_vec())
    }
    fn with_base(base: LayerBase, target_shape: Vec<i64>) -> Result<Reshape> {
        if target_shape.iter().filter(|&&d| d == -1).count() > 1 {
            bail!(
                CLASS,
                "there must be at most one unknown dimension (-1) in target_shape, got {target_shape:?}"
            );
        }
        if let Some(d) = target_shape.iter().find(|&&d| d == 0 || d < -1) {
            bail!(
                CLASS,
                "target_shape dims must be positive or -1, got {d} in {target_shape:?}"
            );
        }
        base.mark_built(Vec::new());
        Ok(Reshape { base, target_shape })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self.base.mark_built(Vec::new());
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Reshape> {
        Self::with_base(
            LayerBase::from_config(CLASS, c)?,
            c.require("target_shape", CLASS)?,
        )
    }

    /// The sample shape for an input sample shape (`-1` resolved when the size is known).
    fn sample_shape(&self, input: &[Option<usize>]) -> Result<ShapeSpec> {
        let known: usize = self
            .target_shape
            .iter()
            .filter(|&&d| d > 0)
            .map(|&d| d as usize)
            .product();
        let size = input
            .iter()
            .copied()
            .collect::<Option<Vec<usize>>>()
            .map(|v| v.iter().product::<usize>());
        let has_free = self.target_shape.contains(&-1);
        let fits = match size {
            None => true,
            Some(s) if has_free => known > 0 && s % known == 0,
            Some(s) => s == known,
        };
        if !fits {
            bail!(
                CLASS,
                "layer {:?}: the total size of the tensor must be unchanged, got input shape {} \
                 and target_shape {:?}",
                self.base.name(),
                shape_display(&input.to_vec()),
                self.target_shape
            );
        }
        Ok(self
            .target_shape
            .iter()
            .map(|&d| {
                if d == -1 {
                    size.map(|s| s / known)
                } else {
                    Some(d as usize)
                }
            })
            .collect())
    }
}

impl Layer for Reshape {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("target_shape".into(), json!(self.target_shape));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some((&batch, rest)) = x.dims().split_first() else {
            bail!(
                CLASS,
                "layer {:?} needs a batch dim, got a scalar",
                self.base.name()
            );
        };
        let sample: Vec<Option<usize>> = rest.iter().map(|&d| Some(d)).collect();
        let mut dims = vec![batch];
        dims.extend(self.sample_shape(&sample)?.into_iter().flatten());
        Ok(vec![ops::reshape(x, dims)?])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let x = &inputs[0];
        let Some((&batch, rest)) = x.shape.split_first() else {
            bail!(
                CLASS,
                "layer {:?} needs a batch dim, got a scalar",
                self.base.name()
            );
        };
        let mut shape = vec![batch];
        shape.extend(self.sample_shape(rest)?);
        Ok(vec![TensorSpec::new(shape, x.dtype)])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::normalization::test_util::config;
    use crate::layers::LayerExt;
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Reshape((-1, 2), name="r").get_config()
        let expected = config(
            r#"{"name": "r", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "target_shape": [-1, 2]}"#,
        );
        let r = Reshape::new(&[-1, 2]).unwrap().named("r");
        assert_eq!(r.get_config(), expected);
        assert_eq!(
            Reshape::from_config(&expected).unwrap().get_config(),
            expected
        );
        assert!(r.base().is_built());
        // keras.layers.Reshape((4, -1, -1)) raises
        assert!(Reshape::new(&[4, -1, -1]).is_err());
        assert!(Reshape::new(&[0]).is_err());
    }

    #[test]
    fn shapes_as_keras() {
        let spec = |s: &[Option<usize>]| TensorSpec::new(s.to_vec(), DType::F32);
        let r = Reshape::new(&[-1, 2]).unwrap();
        // compute_output_shape((None, 3, 4)) and ((None, None, 4))
        assert_eq!(
            r.compute_output_spec(&[spec(&[None, Some(3), Some(4)])])
                .unwrap()[0]
                .shape,
            vec![None, Some(6), Some(2)]
        );
        assert_eq!(
            r.compute_output_spec(&[spec(&[None, None, Some(4)])])
                .unwrap()[0]
                .shape,
            vec![None, None, Some(2)]
        );
        // keras.layers.Reshape((5,))(np.ones((2, 3, 4))) raises
        let e = Reshape::new(&[5])
            .unwrap()
            .forward(&ops::ones(&[2, 3, 4], DType::F32).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("total size"), "{e}");
        assert!(Reshape::new(&[-1, 5])
            .unwrap()
            .compute_output_spec(&[spec(&[None, Some(3), Some(4)])])
            .is_err());
    }
}
