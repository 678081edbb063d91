//! `GaussianNoise`: adds zero-mean normal noise during training.

use keras_backend::bail;
use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use super::seed_generator;
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Adds normal noise of standard deviation `stddev` in training; the identity at inference
/// (Keras's `GaussianNoise`).
///
/// ```
/// use keras::layers::{GaussianNoise, LayerExt};
/// let layer = GaussianNoise::new(0.1).unwrap();
/// let x = keras::ops::zeros(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0; 6]);
/// ```
pub struct GaussianNoise {
    base: LayerBase,
    stddev: f64,
    seed: Option<u64>,
    generator: SeedGenerator,
}

fn check_stddev(stddev: f64) -> Result<f64> {
    if stddev.is_nan() || stddev < 0.0 {
        bail!(
            "GaussianNoise",
            "invalid value for `stddev`: expected a float >= 0, got {stddev}"
        );
    }
    Ok(stddev)
}

impl GaussianNoise {
    /// Noise of standard deviation `stddev` (>= 0).
    pub fn new(stddev: f64) -> Result<GaussianNoise> {
        Ok(GaussianNoise {
            base: LayerBase::new("GaussianNoise", None).built_at_construction(),
            stddev: check_stddev(stddev)?,
            seed: None,
            generator: seed_generator(None),
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> GaussianNoise {
        self.base = LayerBase::new("GaussianNoise", Some(name)).built_at_construction();
        self
    }
    /// A fixed seed.
    pub fn seed(mut self, seed: u64) -> GaussianNoise {
        self.seed = Some(seed);
        self.generator = seed_generator(Some(seed));
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<GaussianNoise> {
        let n = "GaussianNoise";
        let seed: Option<u64> = c.get_or("seed", None, n)?;
        Ok(GaussianNoise {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            stddev: check_stddev(c.require("stddev", n)?)?,
            seed,
            generator: seed_generator(seed),
        })
    }
}

impl Layer for GaussianNoise {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "GaussianNoise"
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("stddev".into(), json!(self.stddev));
        c.insert("seed".into(), json!(self.seed));
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if !args.training || self.stddev == 0.0 {
            return Ok(vec![x.clone()]);
        }
        let dtype = self.base.compute_dtype();
        let noise = random::normal(x.dims(), 0.0, self.stddev, dtype, &self.generator)?;
        Ok(vec![ops::add(x, &noise)?])
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
        // keras.layers.GaussianNoise(0.5).get_config()
        let expected = r#"{"name": "gaussian_noise", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "stddev": 0.5, "seed": null}"#;
        let c = GaussianNoise::new(0.5)
            .unwrap()
            .named("gaussian_noise")
            .get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(GaussianNoise::from_config(&c).unwrap().get_config(), c);
        assert!(GaussianNoise::new(-1.0).is_err());
    }

    #[test]
    fn noise_statistics() {
        let y = identity_at_inference_and_seeded(&|| {
            Box::new(GaussianNoise::new(0.5).unwrap().seed(9))
        });
        let v = y.to_vec::<f32>().unwrap();
        let n = v.len() as f64;
        let mean = v.iter().map(|&e| e as f64).sum::<f64>() / n;
        let var = v.iter().map(|&e| (e as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!((mean - 1.0).abs() < 0.05, "{mean}");
        assert!((var - 0.25).abs() < 0.05, "{var}");
    }
}
