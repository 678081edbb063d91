//! `GaussianDropout`: multiplies inputs by noise of mean 1 during training.

use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use super::{check_rate, seed_generator};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Multiplies inputs in training by normal noise of mean 1 and standard deviation
/// `sqrt(rate / (1 - rate))`; the identity at inference (Keras's `GaussianDropout`).
///
/// ```
/// use keras::layers::{GaussianDropout, LayerExt};
/// let layer = GaussianDropout::new(0.2).unwrap().seed(1);
/// let x = keras::ops::ones(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![1.0; 6]);
/// ```
pub struct GaussianDropout {
    base: LayerBase,
    rate: f64,
    seed: Option<u64>,
    generator: SeedGenerator,
}

impl GaussianDropout {
    /// Noise for drop probability `rate` (in `[0, 1]`).
    pub fn new(rate: f64) -> Result<GaussianDropout> {
        Ok(GaussianDropout {
            base: LayerBase::new("GaussianDropout", None).built_at_construction(),
            rate: check_rate(rate, "GaussianDropout")?,
            seed: None,
            generator: seed_generator(None),
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> GaussianDropout {
        self.base = LayerBase::new("GaussianDropout", Some(name)).built_at_construction();
        self
    }
    /// A fixed seed.
    pub fn seed(mut self, seed: u64) -> GaussianDropout {
        self.seed = Some(seed);
        self.generator = seed_generator(Some(seed));
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<GaussianDropout> {
        let n = "GaussianDropout";
        let seed: Option<u64> = c.get_or("seed", None, n)?;
        Ok(GaussianDropout {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            rate: check_rate(c.require("rate", n)?, n)?,
            seed,
            generator: seed_generator(seed),
        })
    }
}

impl Layer for GaussianDropout {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "GaussianDropout"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), json!(self.seed));
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if !args.training || self.rate == 0.0 {
            return Ok(vec![x.clone()]);
        }
        let stddev = (self.rate / (1.0 - self.rate)).sqrt();
        let dtype = self.base.compute_dtype();
        let noise = random::normal(x.dims(), 1.0, stddev, dtype, &self.generator)?;
        Ok(vec![ops::multiply(x, &noise)?])
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
        // keras.layers.GaussianDropout(0.5).get_config()
        let expected = r#"{"name": "gaussian_dropout", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "rate": 0.5, "seed": null}"#;
        let c = GaussianDropout::new(0.5)
            .unwrap()
            .named("gaussian_dropout")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(GaussianDropout::from_config(&c).unwrap().get_config(), c);
    }

    #[test]
    fn noise_has_mean_one() {
        let y = identity_at_inference_and_seeded(&|| {
            Box::new(GaussianDropout::new(0.2).unwrap().seed(3))
        });
        let v = y.to_vec::<f32>().unwrap();
        let n = v.len() as f64;
        let mean = v.iter().map(|&e| e as f64).sum::<f64>() / n;
        let var = v.iter().map(|&e| (e as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!((mean - 1.0).abs() < 0.05, "{mean}");
        assert!((var - 0.25).abs() < 0.05, "{var}");
    }
}
