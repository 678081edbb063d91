//! `AlphaDropout`: dropout that keeps the mean and variance of SELU activations.

use keras_ops::random::{self, SeedGenerator};
use keras_ops::{ops, DType, Result, Tensor};

use super::dropout::{DropoutKind, RateDropout};

/// SELU's constants.
const ALPHA: f64 = 1.673_263_242_354_377_3;
const SCALE: f64 = 1.050_700_987_355_480_5;

/// The noise of [`AlphaDropout`]: dropped inputs take SELU's negative saturation value, then
/// an affine map restores zero mean and unit variance.
pub struct Alpha;

impl DropoutKind for Alpha {
    const CLASS: &'static str = "AlphaDropout";
    fn apply(x: &Tensor, rate: f64, noise: &[usize], gen: &SeedGenerator) -> Result<Tensor> {
        let alpha_p = -ALPHA * SCALE;
        let u = random::uniform(noise, 0.0, 1.0, DType::F32, gen)?;
        let kept = ops::cast(&ops::greater_equal(&u, rate)?, x.dtype())?;
        let a = ((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * rate;
        // x * kept + alpha_p * (1 - kept), then a * . + b.
        let dropped = ops::multiply(&ops::subtract(1.0, &kept)?, alpha_p)?;
        let y = ops::add(&ops::multiply(x, &kept)?, &dropped)?;
        ops::add(&ops::multiply(&y, a)?, b)
    }
}

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
pub type AlphaDropout = RateDropout<Alpha>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::regularization::testing::identity_at_inference_and_seeded;
    use crate::layers::Layer;

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
