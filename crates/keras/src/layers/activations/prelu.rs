//! `PReLU`: a leaky rectifier whose slopes are learned.

use std::sync::OnceLock;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::constraints::Constraint;
use crate::initializers::Initializer;
use crate::layers::shape::{shape_to_json, ShapeSpec};
use crate::layers::weight_options::WeightOptions;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::regularizers::Regularizer;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// `x` for `x >= 0`, `alpha · x` below, with `alpha` a trainable variable of the input's
/// per-sample shape (size 1 along `shared_axes`) (Keras's `PReLU`).
///
/// ```
/// use keras::layers::{LayerExt, PReLU};
/// let layer = PReLU::new().shared_axes(&[1]);
/// layer.forward(&keras::ops::ones(&[2, 5, 3], keras::DType::F32).unwrap()).unwrap();
/// assert_eq!(layer.weights()[0].shape().dims(), &[1, 3]);
/// ```
pub struct PReLU {
    base: LayerBase,
    alpha: WeightOptions,
    shared_axes: Option<Vec<usize>>,
    vars: OnceLock<Variable>,
}

impl PReLU {
    /// Slopes initialized to zero, one per input element.
    pub fn new() -> PReLU {
        PReLU {
            base: LayerBase::new("PReLU", None),
            alpha: WeightOptions::new(Initializer::Zeros),
            shared_axes: None,
            vars: OnceLock::new(),
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> PReLU {
        self.base = self.base.renamed(name);
        self
    }
    /// The slopes' initializer.
    pub fn alpha_initializer(mut self, init: Initializer) -> PReLU {
        self.alpha.initializer = init;
        self
    }
    /// A penalty on the slopes.
    pub fn alpha_regularizer(mut self, r: Regularizer) -> PReLU {
        self.alpha.regularizer = Some(r);
        self
    }
    /// A constraint on the slopes.
    pub fn alpha_constraint(mut self, c: Constraint) -> PReLU {
        self.alpha.constraint = Some(c);
        self
    }
    /// Input axes (1 = first axis after the batch) that share one slope.
    pub fn shared_axes(mut self, axes: &[usize]) -> PReLU {
        self.shared_axes = Some(axes.to_vec());
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<PReLU> {
        let n = "PReLU";
        let shared_axes = match c.get("shared_axes") {
            None | Some(Value::Null) => None,
            Some(Value::Number(a)) => Some(vec![a.as_u64().map_or(0, |a| a as usize)]),
            Some(_) => Some(c.require("shared_axes", n)?),
        };
        Ok(PReLU {
            base: LayerBase::from_config(n, c)?,
            alpha: WeightOptions::from_config(c, "alpha", Initializer::Zeros)?,
            shared_axes,
            vars: OnceLock::new(),
        })
    }
    /// The `alpha` variable (after build).
    pub fn alpha(&self) -> Option<&Variable> {
        self.vars.get()
    }
}

impl Default for PReLU {
    fn default() -> Self {
        PReLU::new()
    }
}

impl Layer for PReLU {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "PReLU"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        self.alpha.write_initializer(&mut c, "alpha");
        self.alpha.write_regularizer(&mut c, "alpha");
        self.alpha.write_constraint(&mut c, "alpha");
        c.insert("shared_axes".into(), json!(self.shared_axes));
        c
    }
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let input = &shapes[0];
        let mut param: ShapeSpec = input.iter().skip(1).copied().collect();
        for &a in self.shared_axes.iter().flatten() {
            if a == 0 || a > param.len() {
                bail!(
                    "PReLU",
                    "layer {:?}: shared axis {a} is not a non-batch axis of input shape {}",
                    self.base.name(),
                    shape_to_json(input)
                );
            }
            param[a - 1] = Some(1);
        }
        let Some(param) = param.iter().copied().collect::<Option<Vec<usize>>>() else {
            bail!(
                "PReLU",
                "layer {:?} needs known non-batch dims (or shared_axes over the unknown \
                 ones), got input shape {}",
                self.base.name(),
                shape_to_json(input)
            );
        };
        let _ = self.vars.set(self.alpha.add(&self.base, "alpha", &param)?);
        Ok(())
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let alpha = self.vars.get().expect("built before call").value();
        let x = &inputs[0];
        let pos = ops::relu(x)?;
        let neg = ops::multiply(&ops::negative(&alpha)?, &ops::relu(&ops::negative(x)?)?).map_err(
            |e| {
                keras_ops::Error::op(
                    "PReLU",
                    format!(
                        "layer {:?} with alpha of shape {} cannot take input of shape {}: {e}",
                        self.base.name(),
                        alpha.shape(),
                        x.shape()
                    ),
                )
            },
        )?;
        Ok(vec![ops::add(&pos, &neg)?])
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
    fn config_matches_keras() {
        // keras.layers.PReLU(shared_axes=[1, 2]).get_config()
        let expected = r#"{"name": "p_re_lu", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "alpha_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "alpha_regularizer": null, "alpha_constraint": null, "shared_axes": [1, 2]}"#;
        let c = PReLU::new()
            .named("p_re_lu")
            .shared_axes(&[1, 2])
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(PReLU::from_config(&c).unwrap().get_config(), c);
        assert_eq!(PReLU::new().get_config()["shared_axes"], json!(null));
    }

    #[test]
    fn learned_slopes() {
        let l = PReLU::new().shared_axes(&[1]);
        let spec = TensorSpec::new(vec![None, Some(2), Some(2)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(2), Some(2)]
        );
        let x = Tensor::from_vec(vec![-2.0f32, 3.0, -4.0, -1.0], [1, 2, 2]).unwrap();
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            vec![0.0, 3.0, 0.0, 0.0]
        );
        assert_eq!(l.weights().len(), 1);
        assert_eq!(l.weights()[0].path(), format!("{}/alpha", l.name()));
        l.set_weights(&[Tensor::from_vec(vec![0.5f32, 0.25], [1, 2]).unwrap()])
            .unwrap();
        let y = l.forward(&x).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(y, vec![-1.0, 3.0, -2.0, -0.25]);
        assert!(PReLU::new()
            .forward(&Tensor::from_vec(vec![1.0f32], [1]).unwrap())
            .is_ok());
        let bad = PReLU::new().shared_axes(&[3]);
        assert!(bad.forward(&x).is_err());
    }
}
