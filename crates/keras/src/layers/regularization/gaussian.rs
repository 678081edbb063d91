//! `GaussianDropout` and `GaussianNoise`: normal noise in training, the identity at
//! inference; one generic layer, [`Gaussian`], with the noise as a [`GaussianKind`].

use std::marker::PhantomData;

use keras_backend::bail;
use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use super::{check_rate, seed_generator};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// How a [`Gaussian`] layer perturbs its input, and the name of its one parameter.
pub trait GaussianKind: Send + Sync + 'static {
    /// The Keras class name.
    const CLASS: &'static str;
    /// The parameter's config key (`"rate"` or `"stddev"`).
    const PARAM: &'static str;
    /// Validates the parameter.
    fn check(value: f64) -> Result<f64>;
    /// The training-time output.
    fn apply(x: &Tensor, value: f64, dtype: DType, gen: &SeedGenerator) -> Result<Tensor>;
}

/// `GaussianDropout`: multiplies by noise of mean 1 and standard deviation
/// `sqrt(rate / (1 - rate))`.
pub struct MultiplicativeNoise;

impl GaussianKind for MultiplicativeNoise {
    const CLASS: &'static str = "GaussianDropout";
    const PARAM: &'static str = "rate";
    fn check(rate: f64) -> Result<f64> {
        check_rate(rate, Self::CLASS)
    }
    fn apply(x: &Tensor, rate: f64, dtype: DType, gen: &SeedGenerator) -> Result<Tensor> {
        let stddev = (rate / (1.0 - rate)).sqrt();
        ops::multiply(x, &random::normal(x.dims(), 1.0, stddev, dtype, gen)?)
    }
}

/// `GaussianNoise`: adds zero-mean noise of standard deviation `stddev`.
pub struct AdditiveNoise;

impl GaussianKind for AdditiveNoise {
    const CLASS: &'static str = "GaussianNoise";
    const PARAM: &'static str = "stddev";
    fn check(stddev: f64) -> Result<f64> {
        if stddev.is_nan() || stddev < 0.0 {
            bail!(
                Self::CLASS,
                "invalid value for `stddev`: expected a float >= 0, got {stddev}"
            );
        }
        Ok(stddev)
    }
    fn apply(x: &Tensor, stddev: f64, dtype: DType, gen: &SeedGenerator) -> Result<Tensor> {
        ops::add(x, &random::normal(x.dims(), 0.0, stddev, dtype, gen)?)
    }
}

/// A layer adding normal noise in training; see [`GaussianDropout`] and [`GaussianNoise`].
pub struct Gaussian<K: GaussianKind> {
    base: LayerBase,
    value: f64,
    seed: Option<u64>,
    generator: SeedGenerator,
    kind: PhantomData<K>,
}

/// Multiplies inputs in training by normal noise of mean 1 and standard deviation
/// `sqrt(rate / (1 - rate))`; the identity at inference (Keras's `GaussianDropout`).
///
/// ```
/// use keras::layers::{GaussianDropout, LayerExt};
/// let layer = GaussianDropout::new(0.2).unwrap().seed(1);
/// let x = keras::ops::ones(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![1.0; 6]);
/// ```
pub type GaussianDropout = Gaussian<MultiplicativeNoise>;

/// Adds normal noise of standard deviation `stddev` in training; the identity at inference
/// (Keras's `GaussianNoise`).
///
/// ```
/// use keras::layers::{GaussianNoise, LayerExt};
/// let layer = GaussianNoise::new(0.1).unwrap();
/// let x = keras::ops::zeros(&[2, 3], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![0.0; 6]);
/// ```
pub type GaussianNoise = Gaussian<AdditiveNoise>;

impl<K: GaussianKind> Gaussian<K> {
    /// The layer with its parameter (`rate` in `[0, 1]`, or `stddev >= 0`).
    pub fn new(value: f64) -> Result<Self> {
        Ok(Gaussian {
            base: LayerBase::new(K::CLASS, None).built_at_construction(),
            value: K::check(value)?,
            seed: None,
            generator: seed_generator(None),
            kind: PhantomData,
        })
    }
    /// Names the layer.
    pub fn named(mut self, name: &str) -> Self {
        self.base = self.base.renamed(name);
        self
    }
    /// A fixed seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self.generator = seed_generator(Some(seed));
        self
    }
    /// From Keras's config.
    pub fn from_config(c: &Config) -> Result<Self> {
        let n = K::CLASS;
        let seed: Option<u64> = c.get_or("seed", None, n)?;
        Ok(Gaussian {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            value: K::check(c.require(K::PARAM, n)?)?,
            seed,
            generator: seed_generator(seed),
            kind: PhantomData,
        })
    }
}

impl<K: GaussianKind> Layer for Gaussian<K> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        K::CLASS
    }
    fn layer_config(&self) -> Config {
        let mut c = Config::new();
        c.insert(K::PARAM.into(), json!(self.value));
        c.insert("seed".into(), json!(self.seed));
        c
    }
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if !args.training || self.value == 0.0 {
            return Ok(vec![x.clone()]);
        }
        let dtype = self.base.compute_dtype();
        Ok(vec![K::apply(x, self.value, dtype, &self.generator)?])
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
    fn dropout_config_matches_keras() {
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

    #[test]
    fn noise_config_matches_keras() {
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
