//! `Embedding`: looks up a trainable vector for each integer index.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::einsum_dense::write_activity_regularizer;
use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::keras_tensor::TensorSpec;
use crate::layers::shape::ShapeSpec;
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Maps integer indices in `[0, input_dim)` to vectors of `output_dim` (Keras's `Embedding`);
/// the table is the variable `embeddings` of shape `[input_dim, output_dim]`.
///
/// ```
/// use keras::layers::{Embedding, LayerExt};
/// let layer = Embedding::new(10, 3).mask_zero(true);
/// let ids = keras::Tensor::from_vec(vec![0i32, 4, 9], [1, 3]).unwrap();
/// assert_eq!(layer.forward(&ids).unwrap().dims(), &[1, 3, 3]);
/// ```
pub struct Embedding {
    base: LayerBase,
    input_dim: usize,
    output_dim: usize,
    embeddings: WeightOptions,
    mask_zero: bool,
    vars: OnceLock<Variable>,
}

fn default_initializer() -> Initializer {
    Initializer::RandomUniform {
        minval: -0.05,
        maxval: 0.05,
        seed: None,
    }
}

impl Embedding {
    /// A table of `input_dim` vectors of size `output_dim`, initialized uniform in
    /// `[-0.05, 0.05)`.
    pub fn new(input_dim: usize, output_dim: usize) -> Embedding {
        Embedding {
            base: LayerBase::new("Embedding", None),
            input_dim,
            output_dim,
            embeddings: WeightOptions::new(default_initializer()),
            mask_zero: false,
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Embedding {
        self.base = self.base.renamed(name);
        self
    }
    /// The table's initializer.
    pub fn embeddings_initializer(mut self, init: Initializer) -> Embedding {
        self.embeddings.initializer = init;
        self
    }
    /// A penalty on the table.
    pub fn embeddings_regularizer(mut self, r: Regularizer) -> Embedding {
        self.embeddings.regularizer = Some(r);
        self
    }
    /// A penalty on the output (per sample: divided by the batch size).
    pub fn activity_regularizer(mut self, r: Regularizer) -> Embedding {
        self.base = self.base.with_activity_regularizer(Some(r));
        self
    }
    /// A constraint on the table.
    pub fn embeddings_constraint(mut self, c: Constraint) -> Embedding {
        self.embeddings.constraint = Some(c);
        self
    }
    /// Whether index 0 is padding: the output mask is `x != 0`.
    pub fn mask_zero(mut self, mask_zero: bool) -> Embedding {
        self.mask_zero = mask_zero;
        self
    }

    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Embedding> {
        let n = "Embedding";
        let (input_dim, output_dim): (usize, usize) =
            (c.require("input_dim", n)?, c.require("output_dim", n)?);
        if input_dim == 0 || output_dim == 0 {
            bail!(
                n,
                "input_dim and output_dim must be positive, got {input_dim} and {output_dim}"
            );
        }
        Ok(Embedding {
            base: LayerBase::from_config(n, c)?,
            input_dim,
            output_dim,
            embeddings: WeightOptions::from_config(c, "embeddings", default_initializer())?,
            mask_zero: c.get_or("mask_zero", false, n)?,
            vars: OnceLock::new(),
        })
    }

    /// The `embeddings` variable (after build).
    pub fn embeddings(&self) -> Option<&Variable> {
        self.vars.get()
    }
}

impl Layer for Embedding {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Embedding"
    }
    /// Keras sets `autocast = False`: the ids are not cast.
    fn autocast(&self) -> bool {
        false
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("input_dim".into(), json!(self.input_dim));
        c.insert("output_dim".into(), json!(self.output_dim));
        self.embeddings.write_initializer(&mut c, "embeddings");
        self.embeddings.write_regularizer(&mut c, "embeddings");
        write_activity_regularizer(&mut c, self.base.activity_regularizer());
        self.embeddings.write_constraint(&mut c, "embeddings");
        c.insert("mask_zero".into(), json!(self.mask_zero));
        c.insert("quantization_config".into(), Value::Null);
        c
    }
    fn build(&self, _shapes: &[ShapeSpec]) -> Result<()> {
        if self.input_dim == 0 || self.output_dim == 0 {
            bail!(
                "Embedding",
                "layer {:?}: input_dim and output_dim must be positive, got {} and {}",
                self.base.name(),
                self.input_dim,
                self.output_dim
            );
        }
        let table =
            self.embeddings
                .add(&self.base, "embeddings", &[self.input_dim, self.output_dim])?;
        let _ = self.vars.set(table);
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let table = self.vars.get().expect("built before call");
        let x = &inputs[0];
        let ids = match x.dtype() {
            DType::I32 | DType::I64 => x.clone(),
            _ => ops::cast(x, DType::I32)?,
        };
        let y = ops::take(&table.value(), &ids, Some(0)).map_err(|e| {
            keras_ops::Error::op(
                "Embedding",
                format!(
                    "layer {:?} (input_dim {}) cannot look up input of shape {}: {e}",
                    self.base.name(),
                    self.input_dim,
                    x.shape()
                ),
            )
        })?;
        let y = ops::cast(&y, self.base.compute_dtype())?;
        Ok(vec![y])
    }
    fn compute_output_spec(&self, inputs: &[TensorSpec]) -> Result<Vec<TensorSpec>> {
        let mut shape = inputs[0].shape.clone();
        shape.push(Some(self.output_dim));
        Ok(vec![TensorSpec::new(shape, self.base.compute_dtype())])
    }
    fn supports_masking(&self) -> bool {
        self.mask_zero
    }
    fn compute_mask(
        &self,
        inputs: &[Tensor],
        _masks: &[Option<Tensor>],
    ) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![if self.mask_zero {
            Some(ops::not_equal(&inputs[0], 0)?)
        } else {
            None
        }])
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::LayerExt;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Embedding(10, 3).get_config()
        let expected = r#"{"name": "embedding", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "input_dim": 10, "output_dim": 3, "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform", "config": {"seed": null, "minval": -0.05, "maxval": 0.05}, "registered_name": null}, "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": false, "quantization_config": null}"#;
        let c = Embedding::new(10, 3).named("embedding").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Embedding::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn lookup_shape_and_mask() {
        let l = Embedding::new(4, 2).mask_zero(true);
        let spec = TensorSpec::new(vec![None, Some(5)], DType::I32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(5), Some(2)]
        );
        let ids = Tensor::from_vec(vec![0i32, 3, 1], [1, 3]).unwrap();
        l.forward(&ids).unwrap();
        assert_eq!(l.weights().len(), 1);
        assert_eq!(l.weights()[0].path(), format!("{}/embeddings", l.name()));
        l.set_weights(&[Tensor::from_vec((0..8).map(|v| v as f32).collect(), [4, 2]).unwrap()])
            .unwrap();
        let y = l.forward(&ids).unwrap();
        assert_eq!(
            y.to_vec::<f32>().unwrap(),
            vec![0.0, 1.0, 6.0, 7.0, 2.0, 3.0]
        );
        let m = l.compute_mask(&[ids], &[None]).unwrap()[0].clone().unwrap();
        assert_eq!(m.to_vec::<bool>().unwrap(), vec![false, true, true]);
        let bad = Tensor::from_vec(vec![7i32], [1, 1]).unwrap();
        assert!(l.forward(&bad).is_err());
    }
}
