//! `LeakyReLU`: `x` for `x >= 0`, `negative_slope · x` below.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// The leaky rectifier (Keras's `LeakyReLU`; note the layer's default slope is 0.3, not the
/// 0.2 of the `leaky_relu` activation).
///
/// ```
/// use keras::layers::{LayerExt, LeakyReLU};
/// let x = keras::Tensor::from_vec(vec![-1.0f32, 2.0], [2]).unwrap();
/// let y = LeakyReLU::new().forward(&x).unwrap().to_vec::<f32>().unwrap();
/// assert!((y[0] + 0.3).abs() < 1e-6 && y[1] == 2.0);
/// ```
pub struct LeakyReLU {
    base: LayerBase,
    negative_slope: f64,
}

fn check_slope(v: f64) -> Result<f64> {
    if v.is_nan() || v < 0.0 {
        bail!(
            "LeakyReLU",
            "the negative_slope of a LeakyReLU layer cannot be negative, got {v}"
        );
    }
    Ok(v)
}

impl LeakyReLU {
    /// Slope 0.3.
    pub fn new() -> LeakyReLU {
        LeakyReLU {
            base: LayerBase::new("LeakyReLU", None).built_at_construction(),
            negative_slope: 0.3,
        }
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> LeakyReLU {
        self.base = self.base.renamed(name);
        self
    }
    /// The slope for negative inputs (>= 0).
    pub fn negative_slope(mut self, v: f64) -> Result<LeakyReLU> {
        self.negative_slope = check_slope(v)?;
        Ok(self)
    }
    /// From Keras's config (also reads the deprecated `alpha`).
    pub fn from_config(c: &Config) -> Result<LeakyReLU> {
        let n = "LeakyReLU";
        let alpha: Option<f64> = c.get_or("alpha", None, n)?;
        let slope = match alpha {
            Some(a) => a,
            None => c.get_or("negative_slope", 0.3, n)?,
        };
        Ok(LeakyReLU {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            negative_slope: check_slope(slope)?,
        })
    }
}

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU::new()
    }
}

impl Layer for LeakyReLU {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "LeakyReLU"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("negative_slope".into(), json!(self.negative_slope));
        c
    }
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        Ok(vec![ops::leaky_relu(&inputs[0], self.negative_slope)?])
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
        // keras.layers.LeakyReLU().get_config()
        let expected = r#"{"name": "leaky_re_lu", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "negative_slope": 0.3}"#;
        let l = LeakyReLU::new().named("leaky_re_lu");
        let c = l.get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(LeakyReLU::from_config(&c).unwrap().get_config(), c);
        // keras.layers.LeakyReLU()(np.array([-3., -1., 0., 2.])) -> [-0.9, -0.3, 0, 2]
        let x = Tensor::from_vec(vec![-3.0f32, -1.0, 0.0, 2.0], [4]).unwrap();
        let y = l.forward(&x).unwrap().to_vec::<f32>().unwrap();
        assert!(y
            .iter()
            .zip([-0.9f32, -0.3, 0.0, 2.0])
            .all(|(a, b)| (a - b).abs() < 1e-6));
        let spec = TensorSpec::new(vec![None, Some(4)], DType::F32);
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(4)]
        );
        assert!(LeakyReLU::new().negative_slope(-0.1).is_err());
    }
}
