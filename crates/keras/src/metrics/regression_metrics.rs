//! Regression metrics: the means of the regression losses ([`MeanSquaredError`],
//! [`MeanAbsoluteError`], [`MeanAbsolutePercentageError`],
//! [`MeanSquaredLogarithmicError`], [`LogCoshError`]), [`CosineSimilarity`],
//! [`RootMeanSquaredError`] and [`R2Score`].

use std::fmt;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::metrics_utils::Lazy;
use super::reduction_metrics::{wrapper_metric, Mean};
use super::{MeanMetricWrapper, Metric, MetricBase};
use crate::losses::{self, squeeze_or_expand_to_same_rank, Loss};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

wrapper_metric!(
    /// The mean of `mean(square(y_true - y_pred), axis=-1)` (`keras.metrics.MeanSquaredError`).
    ///
    /// ```
    /// use keras::metrics::{MeanSquaredError, Metric};
    /// let m = MeanSquaredError::new();
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 0.0, 0.0], [2, 2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0], [2, 2]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 0.25);
    /// ```
    MeanSquaredError, "mean_squared_error",
    |t, p| losses::MeanSquaredError::new().call(t, p)
);
wrapper_metric!(
    /// The mean of `mean(abs(y_true - y_pred), axis=-1)` (`keras.metrics.MeanAbsoluteError`).
    MeanAbsoluteError, "mean_absolute_error",
    |t, p| losses::MeanAbsoluteError::new().call(t, p)
);
wrapper_metric!(
    /// The mean absolute percentage error (`keras.metrics.MeanAbsolutePercentageError`).
    MeanAbsolutePercentageError, "mean_absolute_percentage_error",
    |t, p| losses::MeanAbsolutePercentageError::new().call(t, p)
);
wrapper_metric!(
    /// The mean squared logarithmic error (`keras.metrics.MeanSquaredLogarithmicError`).
    MeanSquaredLogarithmicError, "mean_squared_logarithmic_error",
    |t, p| losses::MeanSquaredLogarithmicError::new().call(t, p)
);
wrapper_metric!(
    /// The mean of `log(cosh(y_pred - y_true))` over the last axis
    /// (`keras.metrics.LogCoshError`, default name `"logcosh"`).
    LogCoshError, "logcosh",
    |t, p| losses::LogCosh::new().call(t, p)
);

/// `keras.metrics.cosine_similarity`: `sum(l2_normalize(y_true) · l2_normalize(y_pred), axis)`.
pub fn cosine_similarity(y_true: &Tensor, y_pred: &Tensor, axis: i64) -> Result<Tensor> {
    let per = losses::CosineSimilarity::new()
        .axis(axis)
        .call(y_true, y_pred)?;
    ops::negative(&per.values)
}

/// The mean cosine similarity of labels and predictions along `axis`
/// (`keras.metrics.CosineSimilarity`; `axis` is not part of Keras's config).
///
/// ```
/// use keras::metrics::{CosineSimilarity, Metric};
/// let m = CosineSimilarity::new(-1);
/// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [2, 2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![1.0f32, 0.0, 1.0, 1.0], [2, 2]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 0.5).abs() < 1e-6);
/// ```
pub struct CosineSimilarity;

impl CosineSimilarity {
    /// Along `axis` (Keras's default is -1).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(axis: i64) -> MeanMetricWrapper {
        MeanMetricWrapper::of_fn(
            "CosineSimilarity",
            "cosine_similarity",
            move |t, p| cosine_similarity(t, p, axis),
            Config::new(),
        )
    }
    /// From a `get_config()` dict (`name`, `dtype`; an `axis` key is honoured if present).
    pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
        Self::new(config.get_or("axis", -1, "CosineSimilarity")?).configured(config)
    }
}

/// The square root of the mean squared error (`keras.metrics.RootMeanSquaredError`).
///
/// ```
/// use keras::metrics::{Metric, RootMeanSquaredError};
/// let m = RootMeanSquaredError::new();
/// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 0.0, 0.0], [2, 2]).unwrap();
/// let p = keras::Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0], [2, 2]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 0.5);
/// ```
#[derive(Debug)]
pub struct RootMeanSquaredError {
    mean: Mean,
}

impl RootMeanSquaredError {
    /// With the default name `"root_mean_squared_error"`.
    pub fn new() -> Self {
        RootMeanSquaredError {
            mean: Mean::new("root_mean_squared_error"),
        }
    }
    /// Renames the metric.
    pub fn named(self, name: &str) -> Self {
        RootMeanSquaredError {
            mean: Mean::new(name),
        }
    }
    /// From a `get_config()` dict (`name`, `dtype`).
    pub fn from_config(config: &Config) -> Result<Self> {
        let mut c = config.clone();
        c.entry("name").or_insert(json!("root_mean_squared_error"));
        Ok(RootMeanSquaredError {
            mean: Mean::from_config(&c)?,
        })
    }
}

impl Default for RootMeanSquaredError {
    fn default() -> Self {
        Self::new()
    }
}

impl Metric for RootMeanSquaredError {
    fn base(&self) -> &MetricBase {
        self.mean.base()
    }
    fn class_name(&self) -> &str {
        "RootMeanSquaredError"
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let dt = self.base().dtype();
        let (t, p) =
            squeeze_or_expand_to_same_rank(&ops::cast(y_true, dt)?, &ops::cast(y_pred, dt)?)?;
        let err = ops::square(
            &ops::subtract(&p, &t).map_err(|e| keras_ops::Error::op("RootMeanSquaredError", e))?,
        )?;
        self.mean.update(&err, w)
    }
    fn result(&self) -> Result<Tensor> {
        ops::sqrt(&self.mean.result()?)
    }
}

/// How [`R2Score`] combines the per-output scores (Keras's `class_aggregation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum R2Aggregation {
    /// `"uniform_average"`: the plain mean.
    #[default]
    UniformAverage,
    /// `"variance_weighted_average"`: weighted by each output's variance.
    VarianceWeightedAverage,
    /// `None`: one score per output.
    None,
}

impl R2Aggregation {
    fn to_json(self) -> Value {
        match self {
            R2Aggregation::UniformAverage => json!("uniform_average"),
            R2Aggregation::VarianceWeightedAverage => json!("variance_weighted_average"),
            R2Aggregation::None => Value::Null,
        }
    }
    fn parse(v: Option<&Value>) -> Result<Self> {
        Ok(match v {
            None => R2Aggregation::UniformAverage,
            Some(Value::Null) => R2Aggregation::None,
            Some(Value::String(s)) if s == "uniform_average" => R2Aggregation::UniformAverage,
            Some(Value::String(s)) if s == "variance_weighted_average" => {
                R2Aggregation::VarianceWeightedAverage
            }
            Some(other) => bail!(
                "R2Score",
                "invalid class_aggregation {other}; expected one of null, \"uniform_average\", \"variance_weighted_average\""
            ),
        })
    }
}

#[derive(Clone, Debug)]
struct R2State {
    squared_sum: Variable,
    sum: Variable,
    residual: Variable,
    count: Variable,
}

/// The coefficient of determination, `1 - SS_res / SS_tot` per output, optionally
/// adjusted for `num_regressors` (`keras.metrics.R2Score`). Inputs are `(batch, outputs)`.
///
/// ```
/// use keras::metrics::{Metric, R2Aggregation, R2Score};
/// let m = R2Score::new(R2Aggregation::UniformAverage, 0).unwrap();
/// let t = keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4, 1]).unwrap();
/// let p = keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 3.0], [4, 1]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 0.8).abs() < 1e-6);
/// ```
pub struct R2Score {
    base: MetricBase,
    class_aggregation: R2Aggregation,
    num_regressors: usize,
    num_samples: Variable,
    state: Lazy<R2State>,
}

impl R2Score {
    /// With `class_aggregation` and `num_regressors` (0: the plain R²).
    pub fn new(class_aggregation: R2Aggregation, num_regressors: usize) -> Result<R2Score> {
        Self::build(
            MetricBase::new("r2_score"),
            class_aggregation,
            num_regressors,
        )
    }
    /// Renames the metric.
    pub fn named(self, name: &str) -> Self {
        let base = MetricBase::new(name).with_dtype(self.base.dtype());
        Self::build(base, self.class_aggregation, self.num_regressors).expect("valid options")
    }
    /// From a `get_config()` dict (`name`, `dtype`, `class_aggregation`, `num_regressors`).
    pub fn from_config(config: &Config) -> Result<R2Score> {
        let o = "R2Score";
        let num_regressors: i64 = config.get_or("num_regressors", 0, o)?;
        if num_regressors < 0 {
            bail!(o, "num_regressors must be >= 0, got {num_regressors}");
        }
        Self::build(
            MetricBase::from_config(config, "r2_score", o)?,
            R2Aggregation::parse(config.get("class_aggregation"))?,
            num_regressors as usize,
        )
    }
    fn build(
        base: MetricBase,
        class_aggregation: R2Aggregation,
        num_regressors: usize,
    ) -> Result<R2Score> {
        let num_samples = base.add_variable("num_samples", &[])?;
        Ok(R2Score {
            base,
            class_aggregation,
            num_regressors,
            num_samples,
            state: Lazy::new(),
        })
    }
}

impl fmt::Debug for R2Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "R2Score({:?}, {:?})",
            self.base.name(),
            self.class_aggregation
        )
    }
}

impl Metric for R2Score {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "R2Score"
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let o = "R2Score";
        let dt = self.base.dtype();
        let (t, p) =
            squeeze_or_expand_to_same_rank(&ops::cast(y_true, dt)?, &ops::cast(y_pred, dt)?)?;
        let s = self.state.get_or_init(|| {
            if t.rank() != 2 || p.rank() != 2 {
                bail!(
                    o,
                    "expects 2D inputs with shape (batch_size, output_dim), got y_true {} and y_pred {}",
                    t.shape(),
                    p.shape()
                );
            }
            let n = [p.dims()[1]];
            Ok(R2State {
                squared_sum: self.base.add_variable("squared_sum", &n)?,
                sum: self.base.add_variable("sum", &n)?,
                residual: self.base.add_variable("residual", &n)?,
                count: self.base.add_variable("count", &n)?,
            })
        })?;
        if t.dims() != p.dims() {
            bail!(
                o,
                "y_true and y_pred must have the same shape, got {} and {}",
                t.shape(),
                p.shape()
            );
        }
        let w = match w {
            Some(w) => {
                let w = ops::cast(w, dt)?;
                if w.rank() == 1 {
                    ops::expand_dims(&w, 1)?
                } else {
                    w
                }
            }
            None => Tensor::scalar_of(1.0, dt)?,
        };
        let w = ops::broadcast_to(&w, t.dims()).map_err(|_| {
            keras_ops::Error::op(
                o,
                format!(
                    "sample_weight of shape {} does not broadcast to {}",
                    w.shape(),
                    t.shape()
                ),
            )
        })?;
        let wt = ops::multiply(&t, &w)?;
        let col = |x: &Tensor| ops::sum(x, 0, false);
        s.sum.assign_add(&col(&wt)?)?;
        s.squared_sum.assign_add(&col(&ops::multiply(&t, &wt)?)?)?;
        let sq = ops::square(&ops::subtract(&t, &p)?)?;
        s.residual.assign_add(&col(&ops::multiply(&sq, &w)?)?)?;
        s.count.assign_add(&col(&w)?)?;
        self.num_samples
            .assign_add(&Tensor::scalar_of(t.size() as f64, dt)?)
    }
    fn result(&self) -> Result<Tensor> {
        let s = self.state.get("R2Score")?;
        let sum = s.sum.value();
        let mean = ops::divide(&sum, s.count.value())?;
        let total = ops::subtract(s.squared_sum.value(), &ops::multiply(&sum, &mean)?)?;
        let raw = ops::subtract(1.0, &ops::divide(s.residual.value(), &total)?)?;
        let raw = ops::where_(&ops::isinf(&raw)?, 0.0, &raw)?;
        let r2 = match self.class_aggregation {
            R2Aggregation::UniformAverage => ops::mean(&raw, None, false)?,
            R2Aggregation::VarianceWeightedAverage => ops::divide(
                &ops::sum(&ops::multiply(&total, &raw)?, None, false)?,
                &ops::sum(&total, None, false)?,
            )?,
            R2Aggregation::None => raw,
        };
        if self.num_regressors == 0 {
            return Ok(r2);
        }
        // The adjusted R² needs more samples than regressors (else Keras warns and falls
        // back to the plain score).
        let n = self.num_samples.value().item()?;
        let k = self.num_regressors as f64;
        if k >= n - 1.0 {
            return Ok(r2);
        }
        let num = ops::multiply(&ops::subtract(1.0, &r2)?, n - 1.0)?;
        ops::subtract(1.0, &ops::divide(&num, n - k - 1.0)?)
    }
    fn extra_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("class_aggregation".into(), self.class_aggregation.to_json());
        c.insert("num_regressors".into(), json!(self.num_regressors));
        c
    }
}
