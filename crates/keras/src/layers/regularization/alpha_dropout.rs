//! `AlphaDropout`: dropout that keeps the mean and variance of SELU activations.

use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::{json, Value};

use super::{check_rate, concrete_noise_shape, seed_generator};
use crate::layers::shape::{shape_from_json, shape_to_json, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// SELU's constants.
const ALPHA: f64 = 1.673_263_242_354_377_3;
const SCALE: f64 = 1.050_700_987_355_480_5;

/// In training, sets inputs to SELU's negative saturation value with probability `rate`,
/// then applies the affine map that restores zero mean and unit variance; the identity at
/// inference (Keras's `AlphaDropout`).
///
/// ```
/// use keras::layers::{AlphaDropout, LayerExt};
/// let layer = AlphaDropout::new(0.1).unwrap().seed(2);
/// let x = keras::ops::ones(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward_train(&x).unwrap().dims(), &[2, 3]);
/// ```
pub struct AlphaDropout {
    base: LayerBase,
    rate: f64,
    noise_shape: Option<ShapeSpec>,
    seed: Option<u64>,
    generator: SeedGenerator,
}

impl AlphaDropout {
    /// Drops with probability `rate` (in `[0, 1]`).
    pub fn new(rate: f64) -> Result<AlphaDropout> {
        Ok(AlphaDropout {
            base: LayerBase::new("AlphaDropout", None).built_at_construction(),
            rate: check_rate(rate, "AlphaDropout")?,
            noise_shape: None,
            seed: None,
            generator: seed_generator(None),
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> AlphaDropout {
        self.base = LayerBase::new("AlphaDropout", Some(name)).built_at_construction();
        self
    }
    /// The shape of the keep mask, broadcast over the input (`None` = the input's dim).
    pub fn noise_shape(mut self, shape: &[Option<usize>]) -> AlphaDropout {
        self.noise_shape = Some(shape.to_vec());
        self
    }
    /// A fixed seed.
    pub fn seed(mut self, seed: u64) -> AlphaDropout {
        self.seed = Some(seed);
        self.generator = seed_generator(Some(seed));
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<AlphaDropout> {
        let n = "AlphaDropout";
        let seed: Option<u64> = c.get_or("seed", None, n)?;
        Ok(AlphaDropout {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            rate: check_rate(c.require("rate", n)?, n)?,
            noise_shape: c
                .get("noise_shape")
                .filter(|v| !v.is_null())
                .map(shape_from_json)
                .transpose()?,
            seed,
            generator: seed_generator(seed),
        })
    }
}

impl Layer for AlphaDropout {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "AlphaDropout"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), json!(self.seed));
        c.insert(
            "noise_shape".into(),
            self.noise_shape.as_ref().map_or(Value::Null, shape_to_json),
        );
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if !args.training || self.rate == 0.0 {
            return Ok(vec![x.clone()]);
        }
        let noise = concrete_noise_shape(self.noise_shape.as_ref(), x.dims(), "AlphaDropout")?;
        let alpha_p = -ALPHA * SCALE;
        let u = random::uniform(&noise, 0.0, 1.0, DType::F32, &self.generator)?;
        let kept = ops::cast(&ops::greater_equal(&u, self.rate)?, x.dtype())?;
        let a = ((1.0 - self.rate) * (1.0 + self.rate * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * self.rate;
        // x * kept + alpha_p * (1 - kept), then a * . + b.
        let dropped = ops::multiply(&ops::subtract(1.0, &kept)?, alpha_p)?;
        let y = ops::add(&ops::multiply(x, &kept)?, &dropped)?;
        Ok(vec![ops::add(&ops::multiply(&y, a)?, b)?])
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
    use crate::layers::regularization::testing::identity_at_inference_and_seeded;

    #[test]
    fn config_matches_keras() {
        // keras.layers.AlphaDropout(0.5).get_config()
        let expected = r#"{"name": "alpha_dropout", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "rate": 0.5, "seed": null, "noise_shape": null}"#;
        let c = AlphaDropout::new(0.5)
            .unwrap()
            .named("alpha_dropout")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(AlphaDropout::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn kept_and_dropped_values() {
        // rate 0.2: a = ((0.8)(1 + 0.2 · 1.7581²))^-0.5 = 0.8946, b = -a · alpha_p · 0.2;
        // a kept 1 maps to a + b, a dropped one to a · alpha_p + b.
        let y =
            identity_at_inference_and_seeded(&|| Box::new(AlphaDropout::new(0.2).unwrap().seed(4)));
        let alpha_p = -ALPHA * SCALE;
        let a = (0.8 * (1.0 + 0.2 * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * 0.2;
        let (kept, dropped) = ((a + b) as f32, (a * alpha_p + b) as f32);
        let v = y.to_vec::<f32>().unwrap();
        assert!(v
            .iter()
            .all(|&e| (e - kept).abs() < 1e-5 || (e - dropped).abs() < 1e-5));
        let frac =
            v.iter().filter(|&&e| (e - dropped).abs() < 1e-5).count() as f64 / v.len() as f64;
        assert!((frac - 0.2).abs() < 0.05, "{frac}");
    }
}
