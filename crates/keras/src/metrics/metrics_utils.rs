//! Shared confusion-matrix code (Keras's `metrics_utils`): thresholds as configs hold
//! them, the per-threshold true/false positive/negative update used by the confusion
//! metrics and `AUC`, and the class confusion matrix of the IoU metrics.

use std::sync::Mutex;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::{json, Value};

use crate::losses::loss::squeeze_or_expand_with;
use crate::losses::squeeze_or_expand_to_same_rank;

/// The "minus infinity" Keras gives to predictions outside the top `k` (and the default
/// threshold when `top_k` is set).
pub const NEG_INF: f64 = -1e10;

/// One cell of the binary confusion matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfusionMatrix {
    /// Label positive, prediction above the threshold.
    TruePositives,
    /// Label negative, prediction above the threshold.
    FalsePositives,
    /// Label negative, prediction at or below the threshold.
    TrueNegatives,
    /// Label positive, prediction at or below the threshold.
    FalseNegatives,
}

/// The `thresholds` argument as Keras keeps it in the config: not given (`null`), one
/// number, or a list.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Thresholds {
    /// Not given: the metric's default (0.5, or [`NEG_INF`] with `top_k`).
    #[default]
    Default,
    /// One threshold (the result is a scalar).
    One(f64),
    /// Several thresholds (the result has one entry per threshold).
    Many(Vec<f64>),
}

impl From<f64> for Thresholds {
    fn from(t: f64) -> Self {
        Thresholds::One(t)
    }
}
impl From<Vec<f64>> for Thresholds {
    fn from(t: Vec<f64>) -> Self {
        Thresholds::Many(t)
    }
}
impl From<&[f64]> for Thresholds {
    fn from(t: &[f64]) -> Self {
        Thresholds::Many(t.to_vec())
    }
}
impl<const N: usize> From<[f64; N]> for Thresholds {
    fn from(t: [f64; N]) -> Self {
        Thresholds::Many(t.to_vec())
    }
}

impl Thresholds {
    /// The config value (`null`, a number or a list).
    pub fn to_json(&self) -> Value {
        match self {
            Thresholds::Default => Value::Null,
            Thresholds::One(t) => json!(t),
            Thresholds::Many(t) => json!(t),
        }
    }

    /// Reads a config value (`null`, a number or a list of numbers).
    pub fn from_json(value: Option<&Value>, owner: &str) -> Result<Thresholds> {
        Ok(match value {
            None | Some(Value::Null) => Thresholds::Default,
            Some(Value::Number(n)) => Thresholds::One(n.as_f64().unwrap_or(f64::NAN)),
            Some(v @ Value::Array(_)) => Thresholds::Many(
                serde_json::from_value(v.clone())
                    .map_err(|e| keras_ops::Error::op(owner, format!("thresholds {v}: {e}")))?,
            ),
            Some(other) => bail!(
                owner,
                "thresholds must be null, a number or a list, got {other}"
            ),
        })
    }

    /// The thresholds to use (Keras's `parse_init_thresholds`): each must lie in `[0, 1]`.
    pub fn resolve(&self, default: f64, owner: &str) -> Result<Vec<f64>> {
        let t = match self {
            Thresholds::Default => return Ok(vec![default]),
            Thresholds::One(t) => vec![*t],
            Thresholds::Many(t) => t.clone(),
        };
        check_thresholds(&t, owner)?;
        Ok(t)
    }
}

/// Errors unless every threshold lies in `[0, 1]` and at least one is given.
pub(crate) fn check_thresholds(thresholds: &[f64], owner: &str) -> Result<()> {
    if thresholds.is_empty() {
        bail!(owner, "thresholds must not be empty");
    }
    let bad: Vec<f64> = thresholds
        .iter()
        .copied()
        .filter(|t| !(0.0..=1.0).contains(t))
        .collect();
    if !bad.is_empty() {
        bail!(owner, "threshold values must be in [0, 1], got {bad:?}");
    }
    Ok(())
}

/// Whether `thresholds` are `0, 1/(n-1), …, 1` (at least three of them), as NumPy's
/// `allclose` with `atol = epsilon` decides; such thresholds take the bucketed update.
pub fn is_evenly_distributed_thresholds(thresholds: &[f64]) -> bool {
    let n = thresholds.len();
    if n < 3 {
        return false;
    }
    let eps = keras_ops::config::epsilon();
    thresholds.iter().enumerate().all(|(i, &t)| {
        let even = (i as f32 / (n - 1) as f32) as f64;
        (t - even).abs() <= eps + 1e-5 * even.abs()
    })
}

/// `num_thresholds` thresholds `0, 1/(n-1), …, 1` (Keras computes them in float64).
pub(crate) fn even_thresholds(num_thresholds: usize) -> Vec<f64> {
    let inner = (0..num_thresholds.saturating_sub(2))
        .map(|i| (i + 1) as f64 * 1.0 / (num_thresholds - 1) as f64);
    std::iter::once(0.0)
        .chain(inner)
        .chain(std::iter::once(1.0))
        .collect()
}

/// How [`update_confusion_matrix_variables`] reads its inputs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ConfusionOptions<'a> {
    /// Thresholds (a prediction counts as positive when strictly above).
    pub thresholds: &'a [f64],
    /// The thresholds are evenly spaced: use the bucketed `O(T + N)` update.
    pub evenly: bool,
    /// Keep only the `k` largest predictions of each row.
    pub top_k: Option<usize>,
    /// Only look at this column of the last axis.
    pub class_id: Option<usize>,
    /// Keep one count per label (last axis) instead of flattening.
    pub multi_label: bool,
    /// Per-label weights (flattened case only).
    pub label_weights: Option<&'a Tensor>,
}

/// Keras's `update_confusion_matrix_variables`: adds, for every threshold, the (weighted)
/// number of `(y_true, y_pred)` pairs falling in each requested confusion-matrix cell to
/// its variable (shape `[thresholds]`, or `[thresholds, labels]` with `multi_label`).
///
/// `y_true` is read as boolean (non-zero is positive); `sample_weight` broadcasts to the
/// predictions after Keras's rank adjustment.
pub(crate) fn update_confusion_matrix_variables(
    owner: &str,
    vars: &[(ConfusionMatrix, &Variable)],
    y_true: &Tensor,
    y_pred: &Tensor,
    sample_weight: Option<&Tensor>,
    o: &ConfusionOptions,
) -> Result<()> {
    let ctx = |e: keras_ops::Error| keras_ops::Error::op(owner, e);
    let Some((_, first)) = vars.first() else {
        return Ok(());
    };
    let dtype = first.dtype();
    let y_true = ops::cast(y_true, dtype)?;
    let y_pred = ops::cast(y_pred, dtype)?;
    let (mut y_pred, mut y_true) = squeeze_or_expand_to_same_rank(&y_pred, &y_true)?;
    if y_true.dims() != y_pred.dims() {
        bail!(
            owner,
            "y_true and y_pred must have the same shape, got {} and {}",
            y_true.shape(),
            y_pred.shape()
        );
    }
    let sample_weight = match sample_weight {
        Some(w) => {
            let w = ops::expand_dims(&ops::cast(w, dtype)?, -1)?;
            Some(squeeze_or_expand_with(&y_true, &w, false)?.1)
        }
        None => None,
    };
    if let Some(k) = o.top_k {
        y_pred = filter_top_k(&y_pred, k).map_err(ctx)?;
    }
    if let Some(c) = o.class_id {
        let classes = y_pred.dims().last().copied().unwrap_or(0);
        if y_pred.rank() < 2 {
            bail!(
                owner,
                "with class_id, y_pred must have shape (num_samples, num_classes), got {}",
                y_pred.shape()
            );
        }
        if c >= classes {
            bail!(owner, "class_id {c} is out of range for {classes} classes");
        }
        let idx = Tensor::from_vec(vec![c as i32], [1])?;
        y_true = ops::take(&y_true, &idx, Some(-1))?;
        y_pred = ops::take(&y_pred, &idx, Some(-1))?;
    }
    let weights = |x_shape: &[usize]| -> Result<Option<Tensor>> {
        let mut w = match &sample_weight {
            Some(w) => Some(ops::broadcast_to(w, x_shape).map_err(|_| {
                keras_ops::Error::op(
                    owner,
                    format!(
                        "sample_weight of shape {} does not broadcast to y_pred of shape {:?}",
                        w.shape(),
                        x_shape
                    ),
                )
            })?),
            None => None,
        };
        if let (Some(lw), false) = (o.label_weights, o.multi_label) {
            let lw = ops::broadcast_to(&ops::expand_dims(&ops::cast(lw, dtype)?, 0)?, x_shape)
                .map_err(|_| {
                    keras_ops::Error::op(
                        owner,
                        format!(
                            "label_weights of shape {} do not match y_pred of shape {:?}",
                            lw.shape(),
                            x_shape
                        ),
                    )
                })?;
            w = Some(match w {
                Some(w) => ops::multiply(&w, &lw)?,
                None => lw,
            });
        }
        Ok(w)
    };
    let w = weights(y_pred.dims())?;
    let update = |cell: ConfusionMatrix, delta: &Tensor| -> Result<()> {
        for (c, v) in vars {
            if *c == cell {
                v.assign_add(delta).map_err(ctx)?;
            }
        }
        Ok(())
    };
    let wants = |cell: ConfusionMatrix| vars.iter().any(|(c, _)| *c == cell);
    if o.multi_label && y_pred.rank() != 2 {
        bail!(
            owner,
            "with multi_label, y_pred must have rank 2, got shape {}",
            y_pred.shape()
        );
    }
    let t = o.thresholds.len();
    if o.evenly {
        // Bucket each prediction by the last threshold it exceeds, then count per
        // threshold with a reversed cumulative sum.
        let with_epsilon = o.thresholds.first().is_some_and(|&x| x < 0.0)
            || o.thresholds.last().is_some_and(|&x| x > 1.0);
        let y_pred = ops::clip(&y_pred, 0.0, 1.0)?;
        let positive = ops::cast(&ops::not_equal(&y_true, 0.0)?, dtype)?;
        let (mut true_labels, mut false_labels) =
            (positive.clone(), ops::subtract(1.0, &positive)?);
        if let Some(w) = &w {
            true_labels = ops::multiply(&true_labels, w)?;
            false_labels = ops::multiply(&false_labels, w)?;
        }
        let mut bucket = ops::subtract(&ops::ceil(&ops::multiply(&y_pred, (t - 1) as f64)?)?, 1.0)?;
        if with_epsilon {
            bucket = ops::relu(&bucket)?;
        }
        let bucket = ops::cast(&bucket, DType::I32)?;
        let (ids, segments, labels) = if o.multi_label {
            // One block of `t` segments per label; bucket -1 goes past the end (dropped).
            let l = y_pred.dims()[1];
            let offset = ops::multiply(
                &ops::arange(0.0, l as f64, 1.0, Some(DType::I32))?,
                t as f64,
            )?;
            let ids = ops::add(&bucket, &ops::cast(&offset, DType::I32)?)?;
            let ids = ops::where_(&ops::less(&bucket, 0.0)?, (l * t) as f64, &ids)?;
            let ids = ops::cast(&ids, DType::I32)?;
            (ops::reshape(&ids, [-1i64])?, l * t, Some(l))
        } else {
            (ops::reshape(&bucket, [-1i64])?, t, None)
        };
        let per_threshold = |x: &Tensor| -> Result<Tensor> {
            let s = ops::segment_sum(&ops::reshape(x, [-1i64])?, &ids, Some(segments), false)?;
            let s = match labels {
                Some(l) => ops::transpose(&ops::reshape(&s, vec![l, t])?, None)?,
                None => s,
            };
            ops::flip(&ops::cumsum(&ops::flip(&s, 0)?, Some(0), None)?, 0)
        };
        let sum_axis: Option<i64> = if o.multi_label { Some(0) } else { None };
        let tp = per_threshold(&true_labels)?;
        let fp = per_threshold(&false_labels)?;
        if wants(ConfusionMatrix::TruePositives) {
            update(ConfusionMatrix::TruePositives, &tp)?;
        }
        if wants(ConfusionMatrix::FalsePositives) {
            update(ConfusionMatrix::FalsePositives, &fp)?;
        }
        if wants(ConfusionMatrix::TrueNegatives) {
            let total = ops::sum(&false_labels, sum_axis, false)?;
            update(ConfusionMatrix::TrueNegatives, &ops::subtract(&total, &fp)?)?;
        }
        if wants(ConfusionMatrix::FalseNegatives) {
            let total = ops::sum(&true_labels, sum_axis, false)?;
            update(
                ConfusionMatrix::FalseNegatives,
                &ops::subtract(&total, &tp)?,
            )?;
        }
        return Ok(());
    }
    // Compare every prediction with every threshold: [T, N] (or [T, N, L]).
    let (preds, label_pos, w) = if o.multi_label {
        (
            ops::expand_dims(&y_pred, 0)?,
            ops::expand_dims(&ops::not_equal(&y_true, 0.0)?, 0)?,
            match w {
                Some(w) => Some(ops::expand_dims(&w, 0)?),
                None => None,
            },
        )
    } else {
        (
            ops::reshape(&y_pred, [1i64, -1])?,
            ops::reshape(&ops::not_equal(&y_true, 0.0)?, [1i64, -1])?,
            match w {
                Some(w) => Some(ops::reshape(&w, [1i64, -1])?),
                None => None,
            },
        )
    };
    let thr: Vec<f32> = o.thresholds.iter().map(|&x| x as f32).collect();
    let thr_shape: Vec<usize> = if o.multi_label {
        vec![t, 1, 1]
    } else {
        vec![t, 1]
    };
    let thr = ops::cast(&Tensor::from_vec(thr, thr_shape)?, dtype)?;
    let pred_pos = ops::greater(&preds, &thr)?;
    let pred_neg = ops::logical_not(&pred_pos)?;
    let label_neg = ops::logical_not(&label_pos)?;
    let count = |label: &Tensor, pred: &Tensor| -> Result<Tensor> {
        let both = ops::logical_and(label, pred)?;
        let r = match &w {
            Some(w) => ops::where_(&both, w, 0.0)?,
            None => ops::cast(&both, dtype)?,
        };
        ops::sum(&r, 1, false)
    };
    for (cell, label, pred) in [
        (ConfusionMatrix::TruePositives, &label_pos, &pred_pos),
        (ConfusionMatrix::FalseNegatives, &label_pos, &pred_neg),
        (ConfusionMatrix::FalsePositives, &label_neg, &pred_pos),
        (ConfusionMatrix::TrueNegatives, &label_neg, &pred_neg),
    ] {
        if wants(cell) {
            update(cell, &count(label, pred)?)?;
        }
    }
    Ok(())
}

/// Keeps the `k` largest values of the last axis and sets the others to [`NEG_INF`].
fn filter_top_k(x: &Tensor, k: usize) -> Result<Tensor> {
    let classes = x.dims().last().copied().unwrap_or(0);
    if k == 0 || k > classes {
        bail!(
            "top_k",
            "top_k = {k} must be in [1, {classes}] for predictions of shape {}",
            x.shape()
        );
    }
    let (_, idx) = ops::top_k(x, k, true)?;
    let mask = ops::sum(
        &ops::one_hot(&idx, classes, -1, Some(x.dtype()))?,
        -2,
        false,
    )?;
    ops::add(
        &ops::multiply(x, &mask)?,
        &ops::multiply(NEG_INF, &ops::subtract(1.0, &mask)?)?,
    )
}

/// Keras's `confusion_matrix`: a `[num_classes, num_classes]` matrix (rows are labels,
/// columns predictions) of `dtype` with `weights` (or 1) added at each `(label, pred)`.
/// `labels`, `predictions` and `weights` are 1-D of equal length and in range.
pub(crate) fn confusion_matrix(
    labels: &Tensor,
    predictions: &Tensor,
    num_classes: usize,
    weights: &Tensor,
    dtype: DType,
) -> Result<Tensor> {
    let idx = ops::stack(
        &[
            &ops::cast(labels, DType::I32)?,
            &ops::cast(predictions, DType::I32)?,
        ],
        1,
    )?;
    ops::scatter(
        &idx,
        &ops::cast(weights, dtype)?,
        &[num_classes, num_classes],
    )
}

/// State created on the first `update_state` (Keras's `_build` for metrics whose variable
/// shapes depend on the inputs).
#[derive(Debug)]
pub(crate) struct Lazy<T>(Mutex<Option<T>>);

impl<T: Clone> Lazy<T> {
    /// An empty cell.
    pub(crate) fn new() -> Self {
        Lazy(Mutex::new(None))
    }
    /// A cell holding `value` already.
    pub(crate) fn with(value: T) -> Self {
        Lazy(Mutex::new(Some(value)))
    }
    /// The value, building it with `init` the first time.
    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> Result<T>) -> Result<T> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = slot.as_ref() {
            return Ok(v.clone());
        }
        let v = init()?;
        *slot = Some(v.clone());
        Ok(v)
    }
    /// The value, if built; otherwise an error saying `owner` has seen no data yet.
    pub(crate) fn get(&self, owner: &str) -> Result<T> {
        match self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(v) => Ok(v.clone()),
            None => bail!(
                owner,
                "the metric has no state yet: call update_state first"
            ),
        }
    }
}
