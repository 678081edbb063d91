//! Probabilistic metrics: the means of the probabilistic losses ([`BinaryCrossentropy`],
//! [`CategoricalCrossentropy`], [`SparseCategoricalCrossentropy`], [`KLDivergence`],
//! [`Poisson`]).

use keras_ops::Result;
use serde_json::json;

use super::reduction_metrics::wrapper_metric;
use super::MeanMetricWrapper;
use crate::losses::{self, Loss};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Keras's default `label_smoothing` is the integer 0, and its config keeps it so.
fn smoothing_json(label_smoothing: f64) -> serde_json::Value {
    if label_smoothing == 0.0 {
        json!(0)
    } else {
        json!(label_smoothing)
    }
}

wrapper_metric!(
    /// The mean Kullback-Leibler divergence (`keras.metrics.KLDivergence`).
    KLDivergence, "kl_divergence",
    |t, p| losses::KLDivergence::new().call(t, p)
);
wrapper_metric!(
    /// The mean Poisson loss `mean(y_pred - y_true · log(y_pred + ε))`
    /// (`keras.metrics.Poisson`).
    Poisson, "poisson",
    |t, p| losses::Poisson::new().call(t, p)
);

/// The mean binary cross-entropy (`keras.metrics.BinaryCrossentropy`).
///
/// ```
/// use keras::metrics::{BinaryCrossentropy, Metric};
/// let m = BinaryCrossentropy::new(false, 0.0);
/// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [2, 1]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.5f32, 0.5], [2, 1]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 2f64.ln()).abs() < 1e-6);
/// ```
pub struct BinaryCrossentropy;

impl BinaryCrossentropy {
    /// With `from_logits` and `label_smoothing` (Keras's defaults: false, 0).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(from_logits: bool, label_smoothing: f64) -> MeanMetricWrapper {
        let loss = losses::BinaryCrossentropy::new()
            .from_logits(from_logits)
            .label_smoothing(label_smoothing);
        let mut c = Config::new();
        c.insert("from_logits".into(), json!(from_logits));
        c.insert("label_smoothing".into(), smoothing_json(label_smoothing));
        MeanMetricWrapper::of_fn(
            "BinaryCrossentropy",
            "binary_crossentropy",
            move |t, p| loss.call(t, p),
            c,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `from_logits`, `label_smoothing`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        let o = "BinaryCrossentropy";
        Self::new(
            config.get_or("from_logits", false, o)?,
            config.get_or("label_smoothing", 0.0, o)?,
        )
        .configured(config)
    }
}

/// The mean categorical cross-entropy of one-hot labels
/// (`keras.metrics.CategoricalCrossentropy`).
pub struct CategoricalCrossentropy;

impl CategoricalCrossentropy {
    /// With `from_logits`, `label_smoothing` and the class `axis` (Keras's defaults:
    /// false, 0, -1).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(from_logits: bool, label_smoothing: f64, axis: i64) -> MeanMetricWrapper {
        let loss = losses::CategoricalCrossentropy::new()
            .from_logits(from_logits)
            .label_smoothing(label_smoothing)
            .axis(axis);
        let mut c = Config::new();
        c.insert("from_logits".into(), json!(from_logits));
        c.insert("label_smoothing".into(), smoothing_json(label_smoothing));
        c.insert("axis".into(), json!(axis));
        MeanMetricWrapper::of_fn(
            "CategoricalCrossentropy",
            "categorical_crossentropy",
            move |t, p| loss.call(t, p),
            c,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `from_logits`, `label_smoothing`,
    /// `axis`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        let o = "CategoricalCrossentropy";
        Self::new(
            config.get_or("from_logits", false, o)?,
            config.get_or("label_smoothing", 0.0, o)?,
            config.get_or("axis", -1, o)?,
        )
        .configured(config)
    }
}

/// The mean categorical cross-entropy of integer labels
/// (`keras.metrics.SparseCategoricalCrossentropy`). Entries labelled `ignore_class` score
/// 0; with sample weights they also weigh 0.
///
/// ```
/// use keras::metrics::{Metric, SparseCategoricalCrossentropy};
/// let m = SparseCategoricalCrossentropy::new(false, None, -1);
/// let t = keras::Tensor::from_vec(vec![1i32, 0], [2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.5f32, 0.5, 0.5, 0.5], [2, 2]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 2f64.ln()).abs() < 1e-6);
/// ```
pub struct SparseCategoricalCrossentropy;

impl SparseCategoricalCrossentropy {
    /// With `from_logits`, `ignore_class` and the class `axis` (Keras's defaults: false,
    /// none, -1).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(from_logits: bool, ignore_class: Option<i64>, axis: i64) -> MeanMetricWrapper {
        let loss = losses::SparseCategoricalCrossentropy::new()
            .from_logits(from_logits)
            .ignore_class(ignore_class)
            .axis(axis);
        let mut c = Config::new();
        c.insert("from_logits".into(), json!(from_logits));
        c.insert("ignore_class".into(), json!(ignore_class));
        c.insert("axis".into(), json!(axis));
        MeanMetricWrapper::of_fn(
            "SparseCategoricalCrossentropy",
            "sparse_categorical_crossentropy",
            move |t, p| loss.call(t, p),
            c,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `from_logits`, `ignore_class`, `axis`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        let o = "SparseCategoricalCrossentropy";
        Self::new(
            config.get_or("from_logits", false, o)?,
            config.get_or("ignore_class", None, o)?,
            config.get_or("axis", -1, o)?,
        )
        .configured(config)
    }
}
