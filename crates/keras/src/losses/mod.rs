//! `keras.losses`: the objectives a model minimises.
//!
//! Every loss implements [`Loss`]: [`Loss::call`] gives unreduced per-sample values,
//! [`Loss::compute`] applies sample weights and the [`Reduction`] (Keras's
//! `loss(y_true, y_pred, sample_weight)`). [`get`] and [`from_json`] resolve Keras's
//! string identifiers (`"mse"`, `"categorical_crossentropy"`, …) and object dicts;
//! [`LossFunctionWrapper`] wraps a user function.
//!
//! ```
//! use keras::losses::{self, Loss};
//! let loss = losses::get("sparse_categorical_crossentropy").unwrap();
//! let y_true = keras::Tensor::from_vec(vec![1i32, 0], [2]).unwrap();
//! let y_pred = keras::Tensor::from_vec(vec![0.1f32, 0.9, 0.8, 0.2], [2, 2]).unwrap();
//! let v = loss.compute(&y_true, &y_pred, None).unwrap().item().unwrap();
//! assert!((v + (0.9f64.ln() + 0.8f64.ln()) / 2.0).abs() < 1e-6);
//! let round_trip = losses::from_json(&loss.to_json()).unwrap();
//! assert_eq!(round_trip.get_config(), loss.get_config());
//! ```
//!
//! Each loss also has its function form, giving unreduced per-sample values
//! ([`mean_squared_error`], [`binary_crossentropy`], [`dice`], …).
//!
//! # User-defined losses
//!
//! A closure `fn(y_true, y_pred) -> per-sample losses` becomes a loss with
//! [`LossFunctionWrapper`]; sample weights and the reduction come for free:
//!
//! ```
//! use keras::losses::{Loss, LossFunctionWrapper, Reduction};
//! use keras::ops;
//! let l1 = LossFunctionWrapper::new("l1", |t, p| ops::sum(&ops::abs(&ops::subtract(t, p)?)?, -1, false))
//!     .reduction(Reduction::Sum);
//! let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [2, 2]).unwrap();
//! let p = ops::zeros_like(&t).unwrap();
//! assert_eq!(l1.compute(&t, &p, None).unwrap().item().unwrap(), 6.0);
//! ```
//!
//! A type with options (and its own config) implements [`Loss`]: `call` gives the
//! per-sample values, [`Loss::compute`] weighs and reduces them.
//!
//! ```
//! use keras::losses::{Loss, LossBase, PerSample};
//! use keras::saving::object::Config;
//! use keras::{ops, Result, Tensor};
//!
//! /// `mean(|y_true - y_pred|^power, axis=-1)`.
//! #[derive(Debug)]
//! struct PowerError {
//!     base: LossBase,
//!     power: f64,
//! }
//!
//! impl Loss for PowerError {
//!     fn class_name(&self) -> &str {
//!         "PowerError"
//!     }
//!     fn base(&self) -> &LossBase {
//!         &self.base
//!     }
//!     fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<PerSample> {
//!         let err = ops::abs(&ops::subtract(y_true, y_pred)?)?;
//!         Ok(ops::mean(&ops::power(&err, self.power)?, -1, false)?.into())
//!     }
//!     fn extra_config(&self) -> Config {
//!         let mut c = Config::new();
//!         c.insert("power".into(), self.power.into());
//!         c
//!     }
//! }
//!
//! let loss = PowerError { base: LossBase::new("power_error"), power: 3.0 };
//! let t = Tensor::from_vec(vec![0.0f32, 0.0, 0.0, 0.0], [2, 2]).unwrap();
//! let p = Tensor::from_vec(vec![1.0f32, 1.0, 2.0, 0.0], [2, 2]).unwrap();
//! let w = Tensor::from_vec(vec![1.0f32, 0.5], [2]).unwrap();
//! // per sample: [1, 4]; weighted: [1, 2]; mean over the batch: 1.5
//! assert_eq!(loss.compute(&t, &p, Some(&w)).unwrap().item().unwrap(), 1.5);
//! assert_eq!(loss.get_config()["power"], 3.0);
//! ```

mod functions;
mod hinge;
pub(crate) mod loss;
mod probabilistic;
mod regression;
mod segmentation;
mod sequence;
mod similarity;

use keras_backend::bail;
use keras_ops::Result;
use serde_json::Value;

pub use functions::{
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, categorical_generalized_cross_entropy, categorical_hinge,
    circle, cosine_similarity, ctc, dice, hinge, huber, kl_divergence, log_cosh,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
    tversky,
};
pub use hinge::{CategoricalHinge, Hinge, SquaredHinge};
pub use loss::{
    reduce_weighted_values, register_loss_fn, squeeze_or_expand_to_same_rank, Loss, LossBase,
    LossFn, LossFunctionWrapper, PerSample, Reduction,
};
pub use probabilistic::{
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, KLDivergence, Poisson,
    SparseCategoricalCrossentropy,
};
pub use regression::{
    CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError,
};
pub use segmentation::{Dice, LossAxis, Tversky};
pub use sequence::CTC;
pub use similarity::Circle;

use crate::saving::object::Config;
use crate::saving::{ObjectDict, LOSSES};

/// A built-in loss by string identifier or class name, with Keras's defaults:
/// `"mse"`, `"mean_squared_error"`, `"MeanSquaredError"`, `"binary_crossentropy"`, …
pub fn get(identifier: &str) -> Result<Box<dyn Loss>> {
    from_json(&Value::String(identifier.into()))
}

/// A loss from a Keras object dict (`keras.losses.serialize` output) or string identifier:
/// classes registered with [`register_loss`](crate::saving::register_loss) first, a
/// registered function (`{"class_name": "function", "config": "package>name"}`, see
/// [`register_loss_fn`]), then Keras's losses.
pub fn from_json(value: &Value) -> Result<Box<dyn Loss>> {
    if value.get("class_name").and_then(Value::as_str) == Some("function") {
        return Ok(Box::new(LossFunctionWrapper::from_function_json(value)?));
    }
    let o = ObjectDict::parse(value, "losses")?;
    if let Some(from_config) = LOSSES.lookup(&o) {
        return from_config(&o.config);
    }
    let c: &Config = &o.config;
    fn boxed<L: Loss + 'static>(l: Result<L>) -> Result<Box<dyn Loss>> {
        Ok(Box::new(l?))
    }
    match o.class_name.as_str() {
        "MeanSquaredError" | "mean_squared_error" | "mse" | "MSE" => {
            boxed(MeanSquaredError::from_config(c))
        }
        "MeanAbsoluteError" | "mean_absolute_error" | "mae" | "MAE" => {
            boxed(MeanAbsoluteError::from_config(c))
        }
        "MeanAbsolutePercentageError" | "mean_absolute_percentage_error" | "mape" | "MAPE" => {
            boxed(MeanAbsolutePercentageError::from_config(c))
        }
        "MeanSquaredLogarithmicError" | "mean_squared_logarithmic_error" | "msle" | "MSLE" => {
            boxed(MeanSquaredLogarithmicError::from_config(c))
        }
        "Huber" | "huber" | "huber_loss" => boxed(Huber::from_config(c)),
        "LogCosh" | "log_cosh" | "logcosh" => boxed(LogCosh::from_config(c)),
        "CosineSimilarity" | "cosine_similarity" => boxed(CosineSimilarity::from_config(c)),
        "Hinge" | "hinge" => boxed(Hinge::from_config(c)),
        "SquaredHinge" | "squared_hinge" => boxed(SquaredHinge::from_config(c)),
        "CategoricalHinge" | "categorical_hinge" => boxed(CategoricalHinge::from_config(c)),
        "BinaryCrossentropy" | "binary_crossentropy" | "bce" | "BCE" => {
            boxed(BinaryCrossentropy::from_config(c))
        }
        "BinaryFocalCrossentropy" | "binary_focal_crossentropy" => {
            boxed(BinaryFocalCrossentropy::from_config(c))
        }
        "CategoricalCrossentropy" | "categorical_crossentropy" => {
            boxed(CategoricalCrossentropy::from_config(c))
        }
        "CategoricalFocalCrossentropy" | "categorical_focal_crossentropy" => {
            boxed(CategoricalFocalCrossentropy::from_config(c))
        }
        "SparseCategoricalCrossentropy" | "sparse_categorical_crossentropy" => {
            boxed(SparseCategoricalCrossentropy::from_config(c))
        }
        "KLDivergence" | "kl_divergence" | "kld" | "KLD" | "kullback_leibler_divergence" => {
            boxed(KLDivergence::from_config(c))
        }
        "Poisson" | "poisson" => boxed(Poisson::from_config(c)),
        "CategoricalGeneralizedCrossEntropy" | "categorical_generalized_cross_entropy" => {
            boxed(CategoricalGeneralizedCrossEntropy::from_config(c).and_then(|l| l.validated()))
        }
        "Dice" | "dice" => boxed(Dice::from_config(c)),
        "Tversky" | "tversky" => boxed(Tversky::from_config(c)),
        "Circle" | "circle" => boxed(Circle::from_config(c)),
        "CTC" | "ctc" => boxed(CTC::from_config(c)),
        "Loss" | "LossFunctionWrapper" => bail!(
            "losses.get",
            "{:?} needs a user function: build a LossFunctionWrapper or implement Loss",
            o.class_name
        ),
        _ => Err(LOSSES.unknown(&o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_ops::{ops, Tensor};

    fn t(v: Vec<f32>, shape: &[usize]) -> Tensor {
        Tensor::from_vec(v, shape.to_vec()).unwrap()
    }

    #[test]
    fn identifiers_resolve() {
        for (id, class) in [
            ("mse", "MeanSquaredError"),
            ("mean_squared_error", "MeanSquaredError"),
            ("binary_crossentropy", "BinaryCrossentropy"),
            (
                "sparse_categorical_crossentropy",
                "SparseCategoricalCrossentropy",
            ),
            ("categorical_crossentropy", "CategoricalCrossentropy"),
            ("kld", "KLDivergence"),
        ] {
            assert_eq!(get(id).unwrap().class_name(), class);
        }
        assert!(get("nope").is_err());
    }

    #[test]
    fn reductions() {
        let y = t(vec![0.0, 0.0, 0.0, 0.0], &[2, 2]);
        let p = t(vec![1.0, 1.0, 2.0, 2.0], &[2, 2]);
        let v = |r| {
            MeanSquaredError::new()
                .reduction(r)
                .compute(&y, &p, None)
                .unwrap()
        };
        assert_eq!(v(Reduction::Sum).item().unwrap(), 5.0);
        assert_eq!(v(Reduction::SumOverBatchSize).item().unwrap(), 2.5);
        assert_eq!(v(Reduction::None).to_vec::<f32>().unwrap(), vec![1.0, 4.0]);
        let w = t(vec![1.0, 3.0], &[2, 1]);
        let l = MeanSquaredError::new().reduction(Reduction::MeanWithSampleWeight);
        assert_eq!(
            l.compute(&y, &p, Some(&w)).unwrap().item().unwrap(),
            13.0 / 4.0
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = MeanSquaredError::new()
            .compute(&t(vec![0.0; 4], &[2, 2]), &t(vec![0.0; 6], &[2, 3]), None)
            .unwrap_err();
        assert!(err.to_string().contains("MeanSquaredError"), "{err}");
        let err = MeanSquaredError::new()
            .compute(
                &t(vec![0.0; 4], &[2, 2]),
                &t(vec![0.0; 4], &[2, 2]),
                Some(&t(vec![1.0; 3], &[3])),
            )
            .unwrap_err();
        assert!(err.to_string().contains("sample_weight"), "{err}");
        let labels = Tensor::from_vec(vec![0i32, 5], [2]).unwrap();
        let err = SparseCategoricalCrossentropy::new()
            .compute(&labels, &t(vec![0.5; 4], &[2, 2]), None)
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        assert!(Reduction::parse(&Value::String("avg".into())).is_err());
    }

    #[test]
    fn wrapper_squeezes_and_reduces() {
        let l = LossFunctionWrapper::new("abs", |a, b| {
            ops::mean(&ops::abs(&ops::subtract(a, b)?)?, -1, false)
        })
        .reduction(Reduction::Sum);
        let v = l
            .compute(&t(vec![1.0, 2.0], &[2, 1]), &t(vec![0.0, 0.0], &[2]), None)
            .unwrap();
        assert_eq!(v.item().unwrap(), 3.0);
        assert_eq!(l.get_config()["reduction"], "sum");
    }
}
