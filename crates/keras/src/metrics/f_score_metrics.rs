//! F-scores: [`FBetaScore`] and [`F1Score`], the weighted harmonic mean of precision and
//! recall per class, optionally averaged.

use std::fmt;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::metrics_utils::Lazy;
use super::{Metric, MetricBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// How [`FBetaScore`] combines the per-class scores (Keras's `average`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FScoreAverage {
    /// `None`: one score per class (the result is a vector).
    #[default]
    None,
    /// `"micro"`: one score from the counts of all classes together.
    Micro,
    /// `"macro"`: the unweighted mean of the per-class scores.
    Macro,
    /// `"weighted"`: the mean of the per-class scores weighted by each class's support.
    Weighted,
}

impl FScoreAverage {
    /// Keras's config value (`null`, `"micro"`, `"macro"`, `"weighted"`).
    pub fn to_json(self) -> Value {
        match self {
            FScoreAverage::None => Value::Null,
            FScoreAverage::Micro => json!("micro"),
            FScoreAverage::Macro => json!("macro"),
            FScoreAverage::Weighted => json!("weighted"),
        }
    }
    /// Parses Keras's config value.
    pub fn parse(value: Option<&Value>) -> Result<FScoreAverage> {
        Ok(match value {
            None | Some(Value::Null) => FScoreAverage::None,
            Some(Value::String(s)) if s == "micro" => FScoreAverage::Micro,
            Some(Value::String(s)) if s == "macro" => FScoreAverage::Macro,
            Some(Value::String(s)) if s == "weighted" => FScoreAverage::Weighted,
            Some(other) => bail!(
                "FBetaScore",
                "invalid average {other}; expected one of null, \"micro\", \"macro\", \"weighted\""
            ),
        })
    }
}

/// The accumulated counts, created at the first update (their shape is the number of
/// classes, or scalar with micro averaging).
#[derive(Clone, Debug)]
struct FState {
    true_positives: Variable,
    false_positives: Variable,
    false_negatives: Variable,
    intermediate_weights: Variable,
}

/// The F-beta score, `(1 + β²) · precision · recall / (β² · precision + recall)`
/// (`keras.metrics.FBetaScore`). Inputs are `(batch, classes)`; without a `threshold`
/// the largest prediction of each row counts as positive.
///
/// ```
/// use keras::metrics::{FBetaScore, FScoreAverage, Metric};
/// let m = FBetaScore::new(FScoreAverage::Macro, 2.0, Some(0.5)).unwrap();
/// let t = keras::Tensor::from_vec(vec![1.0f32, 0.0, 0.0, 1.0], [2, 2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.9f32, 0.1, 0.2, 0.8], [2, 2]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 1.0).abs() < 1e-5);
/// ```
pub struct FBetaScore {
    base: MetricBase,
    class_name: &'static str,
    average: FScoreAverage,
    beta: f64,
    threshold: Option<f64>,
    state: Lazy<FState>,
}

impl FBetaScore {
    /// With `average`, `beta` (> 0; Keras's default is 1) and an optional `threshold` in
    /// `(0, 1]`.
    pub fn new(average: FScoreAverage, beta: f64, threshold: Option<f64>) -> Result<FBetaScore> {
        Self::build(
            "FBetaScore",
            MetricBase::new("fbeta_score"),
            average,
            beta,
            threshold,
        )
    }
    /// Renames the metric.
    pub fn named(self, name: &str) -> Self {
        let base = MetricBase::new(name).with_dtype(self.base.dtype());
        Self::build(
            self.class_name,
            base,
            self.average,
            self.beta,
            self.threshold,
        )
        .expect("validated options")
    }
    /// From a `get_config()` dict (`name`, `dtype`, `average`, `beta`, `threshold`).
    pub fn from_config(config: &Config) -> Result<FBetaScore> {
        let o = "FBetaScore";
        Self::build(
            o,
            MetricBase::from_config(config, "fbeta_score", o)?,
            FScoreAverage::parse(config.get("average"))?,
            config.get_or("beta", 1.0, o)?,
            config.get_or("threshold", None, o)?,
        )
    }

    fn build(
        class_name: &'static str,
        base: MetricBase,
        average: FScoreAverage,
        beta: f64,
        threshold: Option<f64>,
    ) -> Result<FBetaScore> {
        if beta.is_nan() || beta <= 0.0 {
            bail!(class_name, "beta must be > 0, got {beta}");
        }
        if let Some(t) = threshold {
            if !(t > 0.0 && t <= 1.0) {
                bail!(
                    class_name,
                    "threshold must verify 0 < threshold <= 1, got {t}"
                );
            }
        }
        Ok(FBetaScore {
            base,
            class_name,
            average,
            beta,
            threshold,
            state: Lazy::new(),
        })
    }

    fn state(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<FState> {
        self.state.get_or_init(|| {
            if y_pred.rank() != 2 || y_true.rank() != 2 {
                bail!(
                    self.class_name,
                    "expects 2D inputs with shape (batch_size, output_dim), got y_pred {} and y_true {}",
                    y_pred.shape(),
                    y_true.shape()
                );
            }
            let shape: Vec<usize> = match self.average {
                FScoreAverage::Micro => vec![],
                _ => vec![y_pred.dims()[1]],
            };
            let var = |name: &str| self.base.add_variable(name, &shape);
            Ok(FState {
                true_positives: var("true_positives")?,
                false_positives: var("false_positives")?,
                false_negatives: var("false_negatives")?,
                intermediate_weights: var("intermediate_weights")?,
            })
        })
    }
}

impl fmt::Debug for FBetaScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({:?}, {:?}, beta = {})",
            self.class_name,
            self.base.name(),
            self.average,
            self.beta
        )
    }
}

impl Metric for FBetaScore {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        self.class_name
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let dt = self.base.dtype();
        let y_true = ops::cast(y_true, dt)?;
        let y_pred = ops::cast(y_pred, dt)?;
        let s = self.state(&y_true, &y_pred)?;
        if y_true.dims() != y_pred.dims() {
            bail!(
                self.class_name,
                "y_true and y_pred must have the same shape, got {} and {}",
                y_true.shape(),
                y_pred.shape()
            );
        }
        let pred = match self.threshold {
            None => {
                let top = ops::max(&y_pred, -1, true, None)?;
                ops::logical_and(
                    &ops::greater_equal(&y_pred, &top)?,
                    &ops::greater(&ops::abs(&y_pred)?, 1e-9)?,
                )?
            }
            Some(t) => ops::greater(&y_pred, t)?,
        };
        let pred = ops::cast(&pred, dt)?;
        let w = match w {
            Some(w) => Some(ops::expand_dims(&ops::cast(w, dt)?, 1)?),
            None => None,
        };
        let axis: Option<i64> = match self.average {
            FScoreAverage::Micro => None,
            _ => Some(0),
        };
        let weighted_sum = |v: Tensor| -> Result<Tensor> {
            let v = match &w {
                Some(w) => ops::multiply(&v, w).map_err(|e| {
                    keras_ops::Error::op(self.class_name, format!("sample_weight: {e}"))
                })?,
                None => v,
            };
            ops::sum(&v, axis, false)
        };
        let not_true = ops::subtract(1.0, &y_true)?;
        let tp = weighted_sum(ops::multiply(&pred, &y_true)?)?;
        let fp = weighted_sum(ops::multiply(&pred, &not_true)?)?;
        let fn_ = weighted_sum(ops::multiply(&ops::subtract(1.0, &pred)?, &y_true)?)?;
        let support = weighted_sum(y_true.clone())?;
        s.true_positives.assign_add(&tp)?;
        s.false_positives.assign_add(&fp)?;
        s.false_negatives.assign_add(&fn_)?;
        s.intermediate_weights.assign_add(&support)
    }
    fn result(&self) -> Result<Tensor> {
        let s = self.state.get(self.class_name)?;
        let eps = keras_ops::config::epsilon();
        let tp = s.true_positives.value();
        let precision = ops::divide(
            &tp,
            &ops::add(&ops::add(&tp, s.false_positives.value())?, eps)?,
        )?;
        let recall = ops::divide(
            &tp,
            &ops::add(&ops::add(&tp, s.false_negatives.value())?, eps)?,
        )?;
        let b2 = self.beta * self.beta;
        let mul = ops::multiply(&precision, &recall)?;
        let add = ops::add(&ops::multiply(b2, &precision)?, &recall)?;
        let f = ops::multiply(&ops::divide(&mul, &ops::add(&add, eps)?)?, 1.0 + b2)?;
        match self.average {
            FScoreAverage::Weighted => {
                let iw = s.intermediate_weights.value();
                let weights = ops::divide(&iw, &ops::add(&ops::sum(&iw, None, false)?, eps)?)?;
                ops::sum(&ops::multiply(&f, &weights)?, None, false)
            }
            FScoreAverage::None => Ok(f),
            _ => ops::mean(&f, None, false),
        }
    }
    fn extra_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("average".into(), self.average.to_json());
        if self.class_name == "FBetaScore" {
            c.insert("beta".into(), json!(self.beta));
        }
        c.insert("threshold".into(), json!(self.threshold));
        c
    }
}

/// The F1 score, the harmonic mean of precision and recall (`keras.metrics.F1Score`):
/// an [`FBetaScore`] with `beta = 1` and class name `"F1Score"`.
///
/// ```
/// use keras::metrics::{F1Score, FScoreAverage, Metric};
/// let m = F1Score::new(FScoreAverage::None, None).unwrap();
/// let t = keras::Tensor::from_vec(vec![1.0f32, 0.0, 1.0, 0.0], [2, 2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.9f32, 0.1, 0.2, 0.8], [2, 2]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// let per_class = m.result().unwrap().to_vec::<f32>().unwrap();
/// assert!((per_class[0] - 2.0 / 3.0).abs() < 1e-5 && per_class[1] == 0.0);
/// ```
pub struct F1Score;

impl F1Score {
    /// With `average` and an optional `threshold` in `(0, 1]`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(average: FScoreAverage, threshold: Option<f64>) -> Result<FBetaScore> {
        FBetaScore::build(
            "F1Score",
            MetricBase::new("f1_score"),
            average,
            1.0,
            threshold,
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`, `average`, `threshold`).
    pub fn from_config(config: &Config) -> Result<FBetaScore> {
        let o = "F1Score";
        FBetaScore::build(
            o,
            MetricBase::from_config(config, "f1_score", o)?,
            FScoreAverage::parse(config.get("average"))?,
            1.0,
            config.get_or("threshold", None, o)?,
        )
    }
}
