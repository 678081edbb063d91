//! The accuracy family: [`Accuracy`], [`BinaryAccuracy`], [`CategoricalAccuracy`],
//! [`SparseCategoricalAccuracy`], [`TopKCategoricalAccuracy`] and
//! [`SparseTopKCategoricalAccuracy`], each the mean of a 0/1 per-sample match.

use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};
use serde_json::json;

use super::reduction_metrics::wrapper_metric;
use super::MeanMetricWrapper;
use crate::losses::squeeze_or_expand_to_same_rank;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

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

wrapper_metric!(
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
wrapper_metric!(
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
wrapper_metric!(
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
    /// From a `get_config()` dict (`name`, `dtype`, `threshold`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        Self::new(config.get_or("threshold", 0.5, "BinaryAccuracy")?).configured(config)
    }
}

/// Flattens `y_true` (class indices) and `y_pred` to one row per sample, as Keras's top-k
/// accuracies do, and returns the original label shape to restore.
fn flatten_rows(y_true: Tensor, y_pred: &Tensor) -> Result<(Tensor, Tensor, Vec<usize>)> {
    let shape = y_true.dims().to_vec();
    let p = if y_pred.rank() > 2 {
        let c = *y_pred.dims().last().unwrap_or(&1) as i64;
        ops::reshape(y_pred, [-1, c])?
    } else {
        y_pred.clone()
    };
    let t = if y_true.rank() > 1 {
        ops::reshape(&y_true, [-1i64])?
    } else {
        y_true
    };
    Ok((t, p, shape))
}

/// `keras.metrics.top_k_categorical_accuracy`: 1 where the arg-max of one-hot `y_true` is
/// among the `k` largest predictions (ties count in the label's favour).
pub fn top_k_categorical_accuracy(y_true: &Tensor, y_pred: &Tensor, k: usize) -> Result<Tensor> {
    let labels = ops::argmax(&ops::cast(y_true, y_pred.dtype())?, Some(-1), false)?;
    let (t, p, shape) = flatten_rows(labels, y_pred)?;
    let m = as_float(&ops::in_top_k(&ops::cast(&t, DType::I32)?, &p, k)?)?;
    ops::reshape(&m, shape.as_slice())
}

/// `keras.metrics.sparse_top_k_categorical_accuracy`: 1 where the integer label `y_true` is
/// among the `k` largest predictions or, with `from_sorted_ids`, among the first `k` ids
/// of `y_pred` (class ids sorted by decreasing score).
pub fn sparse_top_k_categorical_accuracy(
    y_true: &Tensor,
    y_pred: &Tensor,
    k: usize,
    from_sorted_ids: bool,
) -> Result<Tensor> {
    let dtype = if from_sorted_ids {
        y_pred.dtype()
    } else {
        DType::I32
    };
    let (t, p, shape) = flatten_rows(ops::cast(y_true, dtype)?, y_pred)?;
    let m = if from_sorted_ids {
        if p.rank() != 2 {
            bail!(
                "sparse_top_k_categorical_accuracy",
                "sorted ids must have shape (batch, ids), got {}",
                y_pred.shape()
            );
        }
        let keep = k.min(p.dims()[1]) as i64;
        let top = ops::slice(&p, &[0, 0], &[-1, keep])?;
        ops::any(&ops::equal(&ops::expand_dims(&t, 1)?, &top)?, 1, false)?
    } else {
        ops::in_top_k(&t, &p, k)?
    };
    ops::reshape(&as_float(&m)?, shape.as_slice())
}

/// How often the one-hot label is among the `k` largest predictions
/// (`keras.metrics.TopKCategoricalAccuracy`).
///
/// ```
/// use keras::metrics::{Metric, TopKCategoricalAccuracy};
/// let m = TopKCategoricalAccuracy::new(1);
/// let t = keras::Tensor::from_vec(vec![0.0f32, 0.0, 1.0, 0.0, 1.0, 0.0], [2, 3]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.1f32, 0.9, 0.8, 0.05, 0.95, 0.0], [2, 3]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 0.5);
/// ```
pub struct TopKCategoricalAccuracy;

impl TopKCategoricalAccuracy {
    /// The metric for the top `k` (Keras's default is 5) with the default name.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(k: usize) -> MeanMetricWrapper {
        let mut config = Config::new();
        config.insert("k".into(), json!(k));
        MeanMetricWrapper::of_class(
            "TopKCategoricalAccuracy",
            "top_k_categorical_accuracy",
            Arc::new(move |t, p| top_k_categorical_accuracy(t, p, k)),
            config,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `k`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        Self::new(config.get_or("k", 5, "TopKCategoricalAccuracy")?).configured(config)
    }
}

/// How often the integer label is among the `k` largest predictions
/// (`keras.metrics.SparseTopKCategoricalAccuracy`).
///
/// ```
/// use keras::metrics::{Metric, SparseTopKCategoricalAccuracy};
/// let m = SparseTopKCategoricalAccuracy::new(1, false);
/// let t = keras::Tensor::from_vec(vec![2i32, 1], [2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.1f32, 0.9, 0.8, 0.05, 0.95, 0.0], [2, 3]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 0.5);
/// ```
pub struct SparseTopKCategoricalAccuracy;

impl SparseTopKCategoricalAccuracy {
    /// The metric for the top `k` (Keras's default is 5); with `from_sorted_ids`, `y_pred`
    /// holds class ids sorted by decreasing score instead of scores.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(k: usize, from_sorted_ids: bool) -> MeanMetricWrapper {
        let mut config = Config::new();
        config.insert("k".into(), json!(k));
        if from_sorted_ids {
            config.insert("from_sorted_ids".into(), json!(true));
        }
        MeanMetricWrapper::of_class(
            "SparseTopKCategoricalAccuracy",
            "sparse_top_k_categorical_accuracy",
            Arc::new(move |t, p| sparse_top_k_categorical_accuracy(t, p, k, from_sorted_ids)),
            config,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `k`, `from_sorted_ids`).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        let owner = "SparseTopKCategoricalAccuracy";
        Self::new(
            config.get_or("k", 5, owner)?,
            config.get_or("from_sorted_ids", false, owner)?,
        )
        .configured(config)
    }
}
