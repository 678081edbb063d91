//! `Dropout` and its variants that share its arguments (`rate`, `noise_shape`, `seed`):
//! one generic layer, [`RateDropout`], with the noise as a [`DropoutKind`].

use std::marker::PhantomData;

use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, Result, Tensor};
use serde_json::{json, Value};

use super::{check_rate, concrete_noise_shape, seed_generator};
use crate::layers::shape::{shape_from_json, shape_to_json, ShapeSpec};
use crate::layers::{CallArgs, Layer, LayerBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// What a dropout layer does to its input in training.
pub trait DropoutKind: Send + Sync + 'static {
    /// The Keras class name.
    const CLASS: &'static str;
    /// The training-time output for `x`, with a keep mask of shape `noise`.
    fn apply(x: &Tensor, rate: f64, noise: &[usize], gen: &SeedGenerator) -> Result<Tensor>;
}

/// Keras's `Dropout`: zeroes with probability `rate` and scales the rest by `1 / (1 - rate)`.
pub struct Standard;

impl DropoutKind for Standard {
    const CLASS: &'static str = "Dropout";
    fn apply(x: &Tensor, rate: f64, noise: &[usize], gen: &SeedGenerator) -> Result<Tensor> {
        drop(x, rate, noise, gen)
    }
}

/// A layer with Keras's dropout arguments; identity at inference. See [`Dropout`] and
/// [`AlphaDropout`](super::AlphaDropout).
pub struct RateDropout<K: DropoutKind> {
    base: LayerBase,
    rate: f64,
    noise_shape: Option<ShapeSpec>,
    seed: Option<u64>,
    generator: SeedGenerator,
    kind: PhantomData<K>,
}

/// Sets inputs to 0 with probability `rate` in training and scales the others by
/// `1 / (1 - rate)`; the identity at inference (Keras's `Dropout`).
///
/// ```
/// use keras::layers::{Dropout, LayerExt};
/// let layer = Dropout::new(0.5).unwrap().seed(1);
/// let x = keras::ops::ones(&[4, 8], keras::DType::F32).unwrap();
/// assert_eq!(layer.forward(&x).unwrap().to_vec::<f32>().unwrap(), vec![1.0; 32]);
/// let y = layer.forward_train(&x).unwrap().to_vec::<f32>().unwrap();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// ```
pub type Dropout = RateDropout<Standard>;

/// Keras's dropout on concrete tensors: `rate == 1` zeroes everything.
pub(crate) fn drop(x: &Tensor, rate: f64, noise: &[usize], gen: &SeedGenerator) -> Result<Tensor> {
    if rate >= 1.0 {
        return ops::zeros_like(x);
    }
    random::dropout(x, rate, Some(noise), gen)
}

impl<K: DropoutKind> RateDropout<K> {
    /// Drops with probability `rate` (in `[0, 1]`).
    pub fn new(rate: f64) -> Result<Self> {
        Ok(RateDropout {
            base: LayerBase::new(K::CLASS, None).built_at_construction(),
            rate: check_rate(rate, K::CLASS)?,
            noise_shape: None,
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
    /// The shape of the keep mask, broadcast over the input (`None` = the input's dim).
    pub fn noise_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.noise_shape = Some(shape.to_vec());
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
        Ok(RateDropout {
            base: LayerBase::from_config(n, c)?.built_at_construction(),
            rate: check_rate(c.require("rate", n)?, n)?,
            noise_shape: c
                .get("noise_shape")
                .filter(|v| !v.is_null())
                .map(shape_from_json)
                .transpose()?,
            seed,
            generator: seed_generator(seed),
            kind: PhantomData,
        })
    }
}

impl<K: DropoutKind> Layer for RateDropout<K> {
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        K::CLASS
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
        let noise = concrete_noise_shape(self.noise_shape.as_ref(), x.dims(), K::CLASS)?;
        Ok(vec![K::apply(x, self.rate, &noise, &self.generator)?])
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
    use crate::layers::{LayerExt, TensorSpec};
    use keras_ops::DType;

    #[test]
    fn config_matches_keras() {
        // keras.layers.Dropout(0.5).get_config()
        let expected = r#"{"name": "dropout", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "rate": 0.5, "seed": null, "noise_shape": null}"#;
        let c = Dropout::new(0.5).unwrap().named("dropout").get_config();
        crate::layers::testing::assert_keras_config(&c, expected);
        assert_eq!(Dropout::from_config(&c).unwrap().get_config(), c);
        let c = Dropout::new(0.2)
            .unwrap()
            .seed(3)
            .noise_shape(&[None, Some(1)])
            .get_config();
        assert_eq!(c["noise_shape"], json!([null, 1]));
        assert_eq!(Dropout::from_config(&c).unwrap().get_config(), c);
        assert!(Dropout::new(1.5).is_err());
    }

    #[test]
    fn drops_and_scales() {
        let y = identity_at_inference_and_seeded(&|| Box::new(Dropout::new(0.25).unwrap().seed(7)));
        let v = y.to_vec::<f32>().unwrap();
        let dropped = v.iter().filter(|&&e| e == 0.0).count() as f64 / v.len() as f64;
        assert!((dropped - 0.25).abs() < 0.05, "{dropped}");
        assert!(v.iter().all(|&e| e == 0.0 || (e - 1.0 / 0.75).abs() < 1e-6));
        let spec = TensorSpec::new(vec![None, Some(3)], DType::F32);
        let l = Dropout::new(0.5).unwrap();
        assert_eq!(
            l.compute_output_spec(&[spec]).unwrap()[0].shape,
            vec![None, Some(3)]
        );
    }

    #[test]
    fn noise_shape_broadcasts() {
        let l = Dropout::new(0.5)
            .unwrap()
            .seed(1)
            .noise_shape(&[None, Some(1)]);
        let y = l
            .forward_train(&keras_ops::ops::ones(&[16, 4], DType::F32).unwrap())
            .unwrap();
        for row in y.to_vec::<f32>().unwrap().chunks(4) {
            assert!(row.iter().all(|&e| e == row[0]));
        }
        let all = Dropout::new(1.0).unwrap();
        let z = all
            .forward_train(&keras_ops::ops::ones(&[2, 2], DType::F32).unwrap())
            .unwrap();
        assert_eq!(z.to_vec::<f32>().unwrap(), vec![0.0; 4]);
    }
}
