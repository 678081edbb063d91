//! `ELU`: the exponential linear unit.

use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// `x` for `x > 0`, `alpha · (exp(x) - 1)` below (Keras's `ELU` layer).
///
/// ```
/// use keras::layers::{LayerExt, ELU};
/// let x = keras::Tensor::from_vec(vec![0.0f32, 2.0], [2]).unwrap();
/// assert_eq!(ELU::new(1.0).forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// ```
pub struct ELU {
    base: LayerBase,
    alpha: f64,
}

impl ELU {
    /// The scale of the negative part (Keras's default is 1.0).
    pub fn new(alpha: f64) -> ELU {
        ELU {
            base: LayerBase::new("ELU", None).built_at_construction(),
            alpha,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> ELU {
        self.base = self.base.renamed(name);
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<ELU> {
        Ok(ELU {
            base: LayerBase::from_config("ELU", c)?.built_at_construction(),
            alpha: c.get_or("alpha", 1.0, "ELU")?,
        })
    }
}

impl Default for ELU {
    fn default() -> Self {
        ELU::new(1.0)
    }
}

impl Layer for ELU {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "ELU"
    }
    /// Keras writes `alpha` between `name` and `trainable`.
    fn get_config(&self) -> Config {
        let head = self.base.config_head();
        let mut c = Config::new();
        c.insert("name".into(), head["name"].clone());
        c.insert("alpha".into(), json!(self.alpha));
        c.extend(head.into_iter().filter(|(k, _)| k != "name"));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![ops::elu(&inputs[0], self.alpha)?])
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
        // keras.layers.ELU().get_config()
        let expected = r#"{"name": "elu", "alpha": 1.0, "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}"#;
        let c = ELU::new(1.0).named("elu").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(ELU::from_config(&c).unwrap().get_config(), c);
        // keras.layers.ELU(alpha=0.5)(np.array([-3., -1., 2.])) -> [-0.47510648, -0.31606027, 2.]
        let l = ELU::new(0.5);
        let y = l
            .forward(&Tensor::from_vec(vec![-3.0f32, -1.0, 2.0], [3]).unwrap())
            .unwrap();
        let want = [-0.475_106_48f32, -0.316_060_27, 2.0];
        assert!(y
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .zip(want)
            .all(|(a, b)| (a - b).abs() < 1e-6));
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
    }
}
