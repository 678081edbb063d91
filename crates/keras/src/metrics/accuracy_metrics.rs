//! The accuracy family: [`Accuracy`], [`BinaryAccuracy`], [`CategoricalAccuracy`] and
//! [`SparseCategoricalAccuracy`], each the mean of a 0/1 per-sample match.

use std::sync::Arc;

use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use super::MeanMetricWrapper;
use crate::losses::squeeze_or_expand_to_same_rank;
use crate::saving::object::Config;

fn as_float(matches: &Tensor) -> Result<Tensor> {
    ops::cast(matches, DType::F32)
}

/// `keras.metrics.accuracy`: 1 where `y_true == y_pred` exactly.
pub fn accuracy(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    let y_true = ops::cast(y_true, y_pred.dtype())?;
    let (t, p) = squeeze_or_expand_to_same_rank(&y_true, y_pred)?;
    as_float(&ops::equal(&t, &p)?)
}

/// `keras.metrics.binary_accuracy`: 1 where `y_pred > threshold` agrees with `y_true`.
pub fn binary_accuracy(y_true: &Tensor, y_pred: &Tensor, threshold: f64) -> Result<Tensor> {
    let (t, p) = squeeze_or_expand_to_same_rank(y_true, y_pred)?;
    let p = ops::cast(&ops::greater(&p, threshold)?, t.dtype())?;
    as_float(&ops::equal(&t, &p)?)
}

/// Compares class indices `y_true` with the arg-max of `y_pred`, keeping `y_true`'s shape
/// (the shared tail of the categorical and sparse categorical accuracies).
fn matches_argmax(y_true: Tensor, y_pred: &Tensor, squeeze_last: bool) -> Result<Tensor> {
    let original = y_true.dims().to_vec();
    let y_true = if squeeze_last {
        ops::squeeze(&y_true, -1)?
    } else {
        y_true
    };
    let p = ops::cast(&ops::argmax(y_pred, Some(-1), false)?, y_true.dtype())?;
    let mut m = as_float(&ops::equal(&y_true, &p)?)?;
    if squeeze_last {
        m = ops::reshape(&m, original.as_slice())?;
    }
    Ok(m)
}

/// `keras.metrics.categorical_accuracy`: 1 where the arg-max of one-hot `y_true` equals the
/// arg-max of `y_pred`.
pub fn categorical_accuracy(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    let t = ops::cast(&ops::argmax(y_true, Some(-1), false)?, y_pred.dtype())?;
    let squeeze = t.rank() == y_pred.rank();
    matches_argmax(t, y_pred, squeeze)
}

/// `keras.metrics.sparse_categorical_accuracy`: 1 where the integer label `y_true` equals
/// the arg-max of `y_pred`.
pub fn sparse_categorical_accuracy(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    let t = ops::cast(y_true, y_pred.dtype())?;
    let squeeze = t.rank() == y_pred.rank() && t.dims().last() == Some(&1);
    let m = matches_argmax(t, y_pred, squeeze)?;
    if m.rank() > 1 && m.dims().last() == Some(&1) {
        ops::squeeze(&m, -1)
    } else {
        Ok(m)
    }
}

macro_rules! accuracy_metric {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $f:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl $ty {
            /// The metric with Keras's default name.
            #[allow(clippy::new_ret_no_self)]
            pub fn new() -> MeanMetricWrapper {
                MeanMetricWrapper::of_class(stringify!($ty), $name, Arc::new($f), Config::new())
            }
        }
    };
}

accuracy_metric!(
    /// How often predictions equal labels exactly (`keras.metrics.Accuracy`).
    ///
    /// ```
    /// use keras::metrics::{Accuracy, Metric};
    /// let m = Accuracy::new();
    /// let t = keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4, 1]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.0f32, 2.0, 3.0, 4.0], [4, 1]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 0.75);
    /// ```
    Accuracy, "accuracy", accuracy
);
accuracy_metric!(
    /// How often the arg-max of the prediction matches a one-hot label
    /// (`keras.metrics.CategoricalAccuracy`).
    ///
    /// ```
    /// use keras::metrics::{CategoricalAccuracy, Metric};
    /// let m = CategoricalAccuracy::new();
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 0.0, 1.0, 0.0, 1.0, 0.0], [2, 3]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.1f32, 0.9, 0.8, 0.05, 0.95, 0.0], [2, 3]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 0.5);
    /// ```
    CategoricalAccuracy, "categorical_accuracy", categorical_accuracy
);
accuracy_metric!(
    /// How often the arg-max of the prediction matches an integer label
    /// (`keras.metrics.SparseCategoricalAccuracy`).
    ///
    /// ```
    /// use keras::metrics::{Metric, SparseCategoricalAccuracy};
    /// let m = SparseCategoricalAccuracy::new();
    /// let t = keras::Tensor::from_vec(vec![2.0f32, 1.0], [2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.1f32, 0.6, 0.3, 0.05, 0.95, 0.0], [2, 3]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 0.5);
    /// ```
    SparseCategoricalAccuracy, "sparse_categorical_accuracy", sparse_categorical_accuracy
);

/// How often `y_pred > threshold` matches a binary label (`keras.metrics.BinaryAccuracy`).
///
/// ```
/// use keras::metrics::{BinaryAccuracy, Metric};
/// let m = BinaryAccuracy::new(0.5);
/// let t = keras::Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0], [4, 1]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.98f32, 1.0, 0.0, 0.6], [4, 1]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 0.75);
/// ```
pub struct BinaryAccuracy;

impl BinaryAccuracy {
    /// The metric with `threshold` (Keras's default is 0.5) and the default name.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(threshold: f64) -> MeanMetricWrapper {
        let mut config = Config::new();
        config.insert("threshold".into(), json!(threshold));
        MeanMetricWrapper::of_class(
            "BinaryAccuracy",
            "binary_accuracy",
            Arc::new(move |t, p| binary_accuracy(t, p, threshold)),
            config,
        )
    }
}
