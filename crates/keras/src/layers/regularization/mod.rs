//! Regularization layers: `Dropout` and its spatial, Gaussian and alpha variants,
//! `GaussianNoise`, `ActivityRegularization`.

mod activity_regularization;
mod alpha_dropout;
mod dropout;
mod gaussian;
mod spatial_dropout;

pub(crate) use activity_regularization::record_activity;
pub use activity_regularization::ActivityRegularization;
pub use alpha_dropout::{Alpha, AlphaDropout};
pub use dropout::{Dropout, DropoutKind, RateDropout, Standard};
pub use gaussian::{
    AdditiveNoise, Gaussian, GaussianDropout, GaussianKind, GaussianNoise, MultiplicativeNoise,
};
pub use spatial_dropout::{SpatialDropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D};

use keras_backend::bail;
use keras_ops::random::SeedGenerator;
use keras_ops::Result;

use crate::initializers::next_global_seed;
use crate::layers::shape::ShapeSpec;

/// The generator a random layer draws from: seeded by `seed`, or by the global stream.
pub(crate) fn seed_generator(seed: Option<u64>) -> SeedGenerator {
    SeedGenerator::new(seed.unwrap_or_else(next_global_seed))
}

/// Checks that a dropout `rate` lies in `[0, 1]`, as Keras does.
pub(crate) fn check_rate(rate: f64, layer: &str) -> Result<f64> {
    if !(0.0..=1.0).contains(&rate) {
        bail!(
            layer,
            "invalid value for `rate`: expected a float between 0 and 1, got {rate}"
        );
    }
    Ok(rate)
}

/// A `noise_shape` with unknown dims taken from the input `dims`.
pub(crate) fn concrete_noise_shape(
    noise_shape: Option<&ShapeSpec>,
    dims: &[usize],
    layer: &str,
) -> Result<Vec<usize>> {
    let Some(ns) = noise_shape else {
        return Ok(dims.to_vec());
    };
    if ns.len() != dims.len() {
        bail!(
            layer,
            "noise_shape {ns:?} must have one entry per input axis, got input shape {dims:?}"
        );
    }
    Ok(ns.iter().zip(dims).map(|(n, &d)| n.unwrap_or(d)).collect())
}

#[cfg(test)]
pub(crate) mod testing {
    //! Shared checks for the random layers.
    use keras_ops::{ops, DType, Tensor};

    use crate::layers::{Layer, LayerExt};

    /// `layer(x)` at inference is `x`; training changes it; a fixed seed repeats.
    pub fn identity_at_inference_and_seeded(make: &dyn Fn() -> Box<dyn Layer>) -> Tensor {
        let x = ops::ones(&[64, 32], DType::F32).unwrap();
        let l = make();
        assert_eq!(
            l.forward(&x).unwrap().to_vec::<f32>().unwrap(),
            x.to_vec::<f32>().unwrap()
        );
        let y = l.forward_train(&x).unwrap();
        assert_ne!(y.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
        let again = make().forward_train(&x).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), again.to_vec::<f32>().unwrap());
        y
    }
}
