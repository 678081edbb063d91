//! Metrics over the binary confusion matrix at one or more thresholds: the counts
//! ([`TruePositives`], [`TrueNegatives`], [`FalsePositives`], [`FalseNegatives`]),
//! [`Precision`], [`Recall`], the constrained ones ([`PrecisionAtRecall`],
//! [`RecallAtPrecision`], [`SensitivityAtSpecificity`], [`SpecificityAtSensitivity`]) and
//! [`AUC`]. They share the accumulation of `metrics_utils`.

use std::fmt;

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor, Variable};
use serde_json::{json, Value};

use super::metrics_utils::{
    even_thresholds, is_evenly_distributed_thresholds, update_confusion_matrix_variables,
    ConfusionMatrix, ConfusionOptions, Lazy, Thresholds, NEG_INF,
};
use super::{Metric, MetricBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

use ConfusionMatrix::{
    FalseNegatives as FN, FalsePositives as FP, TrueNegatives as TN, TruePositives as TP,
};

/// Keras's variable name of each cell.
fn cell_name(cell: ConfusionMatrix) -> &'static str {
    match cell {
        TP => "true_positives",
        FP => "false_positives",
        TN => "true_negatives",
        FN => "false_negatives",
    }
}

/// Thresholds and one `[thresholds (, labels)]` variable per requested cell.
#[derive(Clone, Debug)]
struct Counts {
    thresholds: Vec<f64>,
    evenly: bool,
    vars: Vec<(ConfusionMatrix, Variable)>,
}

impl Counts {
    fn new(
        base: &MetricBase,
        thresholds: Vec<f64>,
        evenly: bool,
        cells: &[(ConfusionMatrix, &str)],
        labels: Option<usize>,
    ) -> Counts {
        let mut shape = vec![thresholds.len()];
        shape.extend(labels);
        let vars = cells
            .iter()
            .map(|&(c, name)| {
                let v = base.add_variable(name, &shape).expect("a zero variable");
                (c, v)
            })
            .collect();
        Counts {
            thresholds,
            evenly,
            vars,
        }
    }

    fn get(&self, cell: ConfusionMatrix) -> Tensor {
        self.vars
            .iter()
            .find(|(c, _)| *c == cell)
            .map(|(_, v)| v.value())
            .expect("a tracked cell")
    }

    fn update(
        &self,
        owner: &str,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
        extra: ConfusionOptions,
    ) -> Result<()> {
        let vars: Vec<(ConfusionMatrix, &Variable)> =
            self.vars.iter().map(|(c, v)| (*c, v)).collect();
        let o = ConfusionOptions {
            thresholds: &self.thresholds,
            evenly: self.evenly,
            ..extra
        };
        update_confusion_matrix_variables(owner, &vars, y_true, y_pred, sample_weight, &o)
    }
}

/// `x[0]` when there is a single threshold, else `x`.
fn one_or_all(x: Tensor, n: usize) -> Result<Tensor> {
    if n == 1 {
        ops::squeeze(&x, 0)
    } else {
        Ok(x)
    }
}

/// `a / (a + b)`, 0 where both are 0.
fn ratio(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ops::divide_no_nan(a, &ops::add(a, b)?)
}

macro_rules! count_metric {
    ($(#[$doc:meta])* $ty:ident, $cell:expr, $name:literal) => {
        $(#[$doc])*
        pub struct $ty {
            base: MetricBase,
            init: Thresholds,
            counts: Counts,
        }

        impl $ty {
            /// With Keras's defaults (one threshold, 0.5).
            pub fn new() -> Self {
                Self::build(MetricBase::new($name), Thresholds::Default)
                    .expect("the default threshold is valid")
            }
            /// At `thresholds` (one number gives a scalar result, a list one value per
            /// threshold); each must be in `[0, 1]`.
            pub fn with_thresholds(thresholds: impl Into<Thresholds>) -> Result<Self> {
                Self::build(MetricBase::new($name), thresholds.into())
            }
            /// Renames the metric.
            pub fn named(self, name: &str) -> Self {
                let base = MetricBase::new(name).with_dtype(self.base.dtype());
                Self::build(base, self.init).expect("validated thresholds")
            }
            /// From a `get_config()` dict (`name`, `dtype`, `thresholds`).
            pub fn from_config(config: &Config) -> Result<Self> {
                let owner = stringify!($ty);
                let base = MetricBase::from_config(config, $name, owner)?;
                Self::build(base, Thresholds::from_json(config.get("thresholds"), owner)?)
            }
            fn build(base: MetricBase, init: Thresholds) -> Result<Self> {
                let thresholds = init.resolve(0.5, stringify!($ty))?;
                let evenly = is_evenly_distributed_thresholds(&thresholds);
                let counts = Counts::new(&base, thresholds, evenly, &[($cell, "accumulator")], None);
                Ok($ty { base, init, counts })
            }
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?}, {:?})", stringify!($ty), self.base.name(), self.counts.thresholds)
            }
        }

        impl Metric for $ty {
            fn base(&self) -> &MetricBase {
                &self.base
            }
            fn class_name(&self) -> &str {
                stringify!($ty)
            }
            fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
                self.counts.update(stringify!($ty), y_true, y_pred, w, ConfusionOptions::default())
            }
            fn result(&self) -> Result<Tensor> {
                one_or_all(self.counts.get($cell), self.counts.thresholds.len())
            }
            fn extra_config(&self) -> Config {
                let mut c = Config::new();
                c.insert("thresholds".into(), self.init.to_json());
                c
            }
        }
    };
}

count_metric!(
    /// The (weighted) number of true positives: positive labels predicted above the
    /// threshold (`keras.metrics.TruePositives`).
    ///
    /// ```
    /// use keras::metrics::{Metric, TruePositives};
    /// let m = TruePositives::new();
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [4]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![1.0f32, 0.0, 1.0, 1.0], [4]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 2.0);
    /// ```
    TruePositives, TP, "true_positives"
);
count_metric!(
    /// The (weighted) number of false positives: negative labels predicted above the
    /// threshold (`keras.metrics.FalsePositives`).
    FalsePositives, FP, "false_positives"
);
count_metric!(
    /// The (weighted) number of true negatives: negative labels predicted at or below the
    /// threshold (`keras.metrics.TrueNegatives`).
    TrueNegatives, TN, "true_negatives"
);
count_metric!(
    /// The (weighted) number of false negatives: positive labels predicted at or below the
    /// threshold (`keras.metrics.FalseNegatives`).
    FalseNegatives, FN, "false_negatives"
);

/// The options of [`Precision`] and [`Recall`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrecisionRecallOptions {
    /// Decision thresholds in `[0, 1]` (default 0.5, or "any value" with `top_k`).
    pub thresholds: Thresholds,
    /// Only the `top_k` largest predictions of each row count as positive.
    pub top_k: Option<usize>,
    /// Only this class (column of the last axis) is looked at.
    pub class_id: Option<usize>,
}

impl PrecisionRecallOptions {
    fn from_config(config: &Config, owner: &str) -> Result<Self> {
        Ok(PrecisionRecallOptions {
            thresholds: Thresholds::from_json(config.get("thresholds"), owner)?,
            top_k: config.get_or("top_k", None, owner)?,
            class_id: config.get_or("class_id", None, owner)?,
        })
    }
}

macro_rules! rate_metric {
    ($(#[$doc:meta])* $ty:ident, $other:expr, $name:literal) => {
        $(#[$doc])*
        pub struct $ty {
            base: MetricBase,
            options: PrecisionRecallOptions,
            counts: Counts,
        }

        impl $ty {
            /// With Keras's defaults (threshold 0.5, all classes).
            pub fn new() -> Self {
                Self::build(MetricBase::new($name), PrecisionRecallOptions::default())
                    .expect("the defaults are valid")
            }
            /// With `options`; thresholds must be in `[0, 1]`.
            pub fn with_options(options: PrecisionRecallOptions) -> Result<Self> {
                Self::build(MetricBase::new($name), options)
            }
            /// Renames the metric.
            pub fn named(self, name: &str) -> Self {
                let base = MetricBase::new(name).with_dtype(self.base.dtype());
                Self::build(base, self.options).expect("validated options")
            }
            /// From a `get_config()` dict (`name`, `dtype`, `thresholds`, `top_k`, `class_id`).
            pub fn from_config(config: &Config) -> Result<Self> {
                let owner = stringify!($ty);
                let base = MetricBase::from_config(config, $name, owner)?;
                Self::build(base, PrecisionRecallOptions::from_config(config, owner)?)
            }
            fn build(base: MetricBase, options: PrecisionRecallOptions) -> Result<Self> {
                let default = if options.top_k.is_some() { NEG_INF } else { 0.5 };
                let thresholds = options.thresholds.resolve(default, stringify!($ty))?;
                let evenly = is_evenly_distributed_thresholds(&thresholds);
                let cells = [(TP, "true_positives"), ($other, cell_name($other))];
                let counts = Counts::new(&base, thresholds, evenly, &cells, None);
                Ok($ty { base, options, counts })
            }
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?}, {:?})", stringify!($ty), self.base.name(), self.options)
            }
        }

        impl Metric for $ty {
            fn base(&self) -> &MetricBase {
                &self.base
            }
            fn class_name(&self) -> &str {
                stringify!($ty)
            }
            fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
                let extra = ConfusionOptions {
                    top_k: self.options.top_k,
                    class_id: self.options.class_id,
                    ..Default::default()
                };
                self.counts.update(stringify!($ty), y_true, y_pred, w, extra)
            }
            fn result(&self) -> Result<Tensor> {
                let r = ratio(&self.counts.get(TP), &self.counts.get($other))?;
                one_or_all(r, self.counts.thresholds.len())
            }
            fn extra_config(&self) -> Config {
                let mut c = Config::new();
                c.insert("thresholds".into(), self.options.thresholds.to_json());
                c.insert("top_k".into(), json!(self.options.top_k));
                c.insert("class_id".into(), json!(self.options.class_id));
                c
            }
        }
    };
}

rate_metric!(
    /// The fraction of positive predictions that are right, `tp / (tp + fp)`
    /// (`keras.metrics.Precision`).
    ///
    /// ```
    /// use keras::metrics::{Metric, Precision, PrecisionRecallOptions};
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [4]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![1.0f32, 0.0, 1.0, 1.0], [4]).unwrap();
    /// let m = Precision::new();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert!((m.result().unwrap().item().unwrap() - 2.0 / 3.0).abs() < 1e-6);
    /// // One value per threshold:
    /// let m = Precision::with_options(PrecisionRecallOptions {
    ///     thresholds: vec![0.0, 0.5].into(),
    ///     ..Default::default()
    /// }).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().dims(), &[2]);
    /// ```
    Precision, FP, "precision"
);
rate_metric!(
    /// The fraction of positive labels that are found, `tp / (tp + fn)`
    /// (`keras.metrics.Recall`).
    ///
    /// ```
    /// use keras::metrics::{Metric, Recall};
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [4]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![1.0f32, 0.0, 1.0, 1.0], [4]).unwrap();
    /// let m = Recall::new();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert!((m.result().unwrap().item().unwrap() - 2.0 / 3.0).abs() < 1e-6);
    /// ```
    Recall, FN, "recall"
);

/// `max(where(constrained >= value, dependent, 0), initial=0)`.
fn max_under_constraint(constrained: &Tensor, dependent: &Tensor, value: f64) -> Result<Tensor> {
    let feasible = ops::greater_equal(constrained, value)?;
    ops::max(
        &ops::where_(&feasible, dependent, 0.0)?,
        None,
        false,
        Some(0.0),
    )
}

/// The `(constrained, dependent)` rates of a constrained metric from its four counts.
type Rates = fn(&Counts) -> Result<(Tensor, Tensor)>;

fn sensitivity(c: &Counts) -> Result<Tensor> {
    ratio(&c.get(TP), &c.get(FN))
}
fn specificity(c: &Counts) -> Result<Tensor> {
    ratio(&c.get(TN), &c.get(FP))
}
fn precision(c: &Counts) -> Result<Tensor> {
    ratio(&c.get(TP), &c.get(FP))
}

macro_rules! constrained_metric {
    ($(#[$doc:meta])* $ty:ident, $key:literal, $name:literal, $rates:expr) => {
        $(#[$doc])*
        pub struct $ty {
            base: MetricBase,
            value: f64,
            num_thresholds: usize,
            class_id: Option<usize>,
            counts: Counts,
        }

        impl $ty {
            #[doc = concat!("At `", $key, "` in `[0, 1]`, with 200 thresholds and all classes.")]
            pub fn new(value: f64) -> Result<Self> {
                Self::with_options(value, 200, None)
            }
            /// With `num_thresholds` (> 0) evenly spaced thresholds and, optionally, one
            /// class (column of the last axis).
            pub fn with_options(value: f64, num_thresholds: usize, class_id: Option<usize>) -> Result<Self> {
                Self::build(MetricBase::new($name), value, num_thresholds, class_id)
            }
            /// Renames the metric.
            pub fn named(self, name: &str) -> Self {
                let base = MetricBase::new(name).with_dtype(self.base.dtype());
                Self::build(base, self.value, self.num_thresholds, self.class_id)
                    .expect("validated options")
            }
            #[doc = concat!("From a `get_config()` dict (`name`, `dtype`, `class_id`, `num_thresholds`, `", $key, "`).")]
            pub fn from_config(config: &Config) -> Result<Self> {
                let owner = stringify!($ty);
                let base = MetricBase::from_config(config, $name, owner)?;
                Self::build(
                    base,
                    config.require($key, owner)?,
                    config.get_or("num_thresholds", 200, owner)?,
                    config.get_or("class_id", None, owner)?,
                )
            }
            fn build(base: MetricBase, value: f64, num_thresholds: usize, class_id: Option<usize>) -> Result<Self> {
                let owner = stringify!($ty);
                if !(0.0..=1.0).contains(&value) {
                    bail!(owner, "{} must be in the range [0, 1], got {value}", $key);
                }
                if num_thresholds == 0 {
                    bail!(owner, "num_thresholds must be > 0, got 0");
                }
                let (thresholds, evenly) = if num_thresholds == 1 {
                    (vec![0.5], false)
                } else {
                    (even_thresholds(num_thresholds), true)
                };
                let cells = [TP, FP, TN, FN].map(|c| (c, cell_name(c)));
                let counts = Counts::new(&base, thresholds, evenly, &cells, None);
                Ok($ty { base, value, num_thresholds, class_id, counts })
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?}, {} = {})", stringify!($ty), self.base.name(), $key, self.value)
            }
        }

        impl Metric for $ty {
            fn base(&self) -> &MetricBase {
                &self.base
            }
            fn class_name(&self) -> &str {
                stringify!($ty)
            }
            fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
                let extra = ConfusionOptions { class_id: self.class_id, ..Default::default() };
                self.counts.update(stringify!($ty), y_true, y_pred, w, extra)
            }
            fn result(&self) -> Result<Tensor> {
                let rates: Rates = $rates;
                let (constrained, dependent) = rates(&self.counts)?;
                max_under_constraint(&constrained, &dependent, self.value)
            }
            fn extra_config(&self) -> Config {
                let mut c = Config::new();
                c.insert("class_id".into(), json!(self.class_id));
                c.insert("num_thresholds".into(), json!(self.num_thresholds));
                c.insert($key.into(), json!(self.value));
                c
            }
        }
    };
}

constrained_metric!(
    /// The best sensitivity (recall) among thresholds whose specificity is at least the
    /// given value (`keras.metrics.SensitivityAtSpecificity`).
    ///
    /// ```
    /// use keras::metrics::{Metric, SensitivityAtSpecificity};
    /// let m = SensitivityAtSpecificity::new(0.5).unwrap();
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 0.0, 0.0, 1.0, 1.0], [5]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.0f32, 0.3, 0.8, 0.3, 0.8], [5]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert!((m.result().unwrap().item().unwrap() - 0.5).abs() < 1e-6);
    /// ```
    SensitivityAtSpecificity, "specificity", "sensitivity_at_specificity",
    |c| Ok((specificity(c)?, sensitivity(c)?))
);
constrained_metric!(
    /// The best specificity among thresholds whose sensitivity (recall) is at least the
    /// given value (`keras.metrics.SpecificityAtSensitivity`).
    SpecificityAtSensitivity, "sensitivity", "specificity_at_sensitivity",
    |c| Ok((sensitivity(c)?, specificity(c)?))
);
constrained_metric!(
    /// The best precision among thresholds whose recall is at least the given value
    /// (`keras.metrics.PrecisionAtRecall`).
    PrecisionAtRecall, "recall", "precision_at_recall",
    |c| Ok((sensitivity(c)?, precision(c)?))
);
constrained_metric!(
    /// The best recall among thresholds whose precision is at least the given value
    /// (`keras.metrics.RecallAtPrecision`).
    RecallAtPrecision, "precision", "recall_at_precision",
    |c| Ok((precision(c)?, sensitivity(c)?))
);

/// The curve under which [`AUC`] measures the area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AucCurve {
    /// Receiver operating characteristic: recall against false-positive rate.
    #[default]
    Roc,
    /// Precision against recall.
    Pr,
    /// Precision gain against recall gain.
    PrGain,
}

impl AucCurve {
    /// Keras's name (`"ROC"`, `"PR"`, `"PRGAIN"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AucCurve::Roc => "ROC",
            AucCurve::Pr => "PR",
            AucCurve::PrGain => "PRGAIN",
        }
    }
    /// Parses Keras's name (upper or lower case).
    pub fn parse(s: &str) -> Result<AucCurve> {
        Ok(match s {
            "ROC" | "roc" => AucCurve::Roc,
            "PR" | "pr" => AucCurve::Pr,
            "PRGAIN" | "prgain" => AucCurve::PrGain,
            other => bail!(
                "AUC",
                "invalid curve {other:?}; expected one of \"ROC\", \"PR\", \"PRGAIN\""
            ),
        })
    }
}

/// How [`AUC`] sums the area between thresholds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AucSummationMethod {
    /// Mid-point heights (for PR, interpolating true/false positives as Davis & Goadrich).
    #[default]
    Interpolation,
    /// The lower of the two heights.
    Minoring,
    /// The higher of the two heights.
    Majoring,
}

impl AucSummationMethod {
    /// Keras's name (`"interpolation"`, `"minoring"`, `"majoring"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AucSummationMethod::Interpolation => "interpolation",
            AucSummationMethod::Minoring => "minoring",
            AucSummationMethod::Majoring => "majoring",
        }
    }
    /// Parses Keras's name (lower or capitalized).
    pub fn parse(s: &str) -> Result<AucSummationMethod> {
        Ok(match s {
            "interpolation" | "Interpolation" => AucSummationMethod::Interpolation,
            "minoring" | "Minoring" => AucSummationMethod::Minoring,
            "majoring" | "Majoring" => AucSummationMethod::Majoring,
            other => bail!(
                "AUC",
                "invalid summation_method {other:?}; expected one of \"interpolation\", \"majoring\", \"minoring\""
            ),
        })
    }
}

/// The options of [`AUC`] (Keras's constructor arguments).
#[derive(Clone, Debug, PartialEq)]
pub struct AucOptions {
    /// The number of evenly spaced thresholds (> 1; default 200), unless `thresholds`.
    pub num_thresholds: usize,
    /// The curve (default ROC).
    pub curve: AucCurve,
    /// The Riemann sum (default interpolation).
    pub summation_method: AucSummationMethod,
    /// Explicit inner thresholds (`-ε` and `1 + ε` are added).
    pub thresholds: Option<Vec<f64>>,
    /// One curve per label (last axis of rank-2 inputs), averaged.
    pub multi_label: bool,
    /// The number of labels with `multi_label` (otherwise taken from the first batch).
    pub num_labels: Option<usize>,
    /// Per-label weights: of the average with `multi_label`, of the counts otherwise.
    pub label_weights: Option<Vec<f64>>,
    /// Whether `y_pred` holds logits (a sigmoid is applied first).
    pub from_logits: bool,
}

impl Default for AucOptions {
    fn default() -> Self {
        AucOptions {
            num_thresholds: 200,
            curve: AucCurve::Roc,
            summation_method: AucSummationMethod::Interpolation,
            thresholds: None,
            multi_label: false,
            num_labels: None,
            label_weights: None,
            from_logits: false,
        }
    }
}

impl AucOptions {
    fn from_config(config: &Config) -> Result<AucOptions> {
        let o = "AUC";
        let d = AucOptions::default();
        let curve: Option<String> = config.get_or("curve", None, o)?;
        let summation: Option<String> = config.get_or("summation_method", None, o)?;
        let label_weights = match config.get("label_weights") {
            None | Some(Value::Null) => None,
            // A serialized tensor: {"class_name": "__tensor__", "config": {"value": …}}.
            Some(Value::Object(t)) => Some(
                serde_json::from_value(
                    t.get("config")
                        .map(|c| c["value"].clone())
                        .unwrap_or_default(),
                )
                .map_err(|e| keras_ops::Error::op(o, format!("label_weights: {e}")))?,
            ),
            Some(_) => config.get_or("label_weights", None, o)?,
        };
        Ok(AucOptions {
            num_thresholds: config.get_or("num_thresholds", d.num_thresholds, o)?,
            curve: curve.map_or(Ok(d.curve), |s| AucCurve::parse(&s))?,
            summation_method: summation
                .map_or(Ok(d.summation_method), |s| AucSummationMethod::parse(&s))?,
            thresholds: config.get_or("thresholds", None, o)?,
            multi_label: config.get_or("multi_label", false, o)?,
            num_labels: config.get_or("num_labels", None, o)?,
            label_weights,
            from_logits: config.get_or("from_logits", false, o)?,
        })
    }
}

/// The area under the ROC or PR curve, from true/false positive/negative counts at
/// evenly spaced (or given) thresholds (`keras.metrics.AUC`).
///
/// ```
/// use keras::metrics::{AucCurve, AucOptions, Metric, AUC};
/// let t = keras::Tensor::from_vec(vec![0.0f32, 0.0, 1.0, 1.0], [4]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.0f32, 0.5, 0.3, 0.9], [4]).unwrap();
/// let m = AUC::new();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 0.75).abs() < 1e-3);
/// let pr = AUC::with_options(AucOptions { curve: AucCurve::Pr, ..Default::default() }).unwrap();
/// pr.update_state(&t, &p, None).unwrap();
/// assert!(pr.result().unwrap().item().unwrap() > 0.5);
/// ```
pub struct AUC {
    base: MetricBase,
    options: AucOptions,
    /// The thresholds with `-ε` and `1 + ε` around them.
    thresholds: Vec<f64>,
    evenly: bool,
    label_weights: Option<Tensor>,
    counts: Lazy<Counts>,
}

impl AUC {
    /// With Keras's defaults: ROC, 200 thresholds, interpolation.
    pub fn new() -> AUC {
        Self::build(MetricBase::new("auc"), AucOptions::default()).expect("the defaults are valid")
    }
    /// With `options`.
    pub fn with_options(options: AucOptions) -> Result<AUC> {
        Self::build(MetricBase::new("auc"), options)
    }
    /// Renames the metric.
    pub fn named(self, name: &str) -> AUC {
        let base = MetricBase::new(name).with_dtype(self.base.dtype());
        Self::build(base, self.options).expect("validated options")
    }
    /// From a `get_config()` dict (Keras's keys; `label_weights` as a list or a serialized
    /// tensor).
    pub fn from_config(config: &Config) -> Result<AUC> {
        let base = MetricBase::from_config(config, "auc", "AUC")?;
        Self::build(base, AucOptions::from_config(config)?)
    }

    fn build(base: MetricBase, mut options: AucOptions) -> Result<AUC> {
        let eps = keras_ops::config::epsilon();
        let (inner, evenly) = match &mut options.thresholds {
            Some(t) => {
                t.sort_by(f64::total_cmp);
                options.num_thresholds = t.len() + 2;
                let mut with_ends = vec![0.0];
                with_ends.extend(t.iter().copied());
                with_ends.push(1.0);
                (t.clone(), is_evenly_distributed_thresholds(&with_ends))
            }
            None => {
                if options.num_thresholds <= 1 {
                    bail!(
                        "AUC",
                        "num_thresholds must be an integer > 1, got {}",
                        options.num_thresholds
                    );
                }
                let all = even_thresholds(options.num_thresholds);
                (all[1..all.len() - 1].to_vec(), true)
            }
        };
        let mut thresholds = vec![-eps];
        thresholds.extend(inner);
        thresholds.push(1.0 + eps);
        let label_weights = match &options.label_weights {
            Some(w) => Some(Tensor::from_vec(
                w.iter().map(|&x| x as f32).collect::<Vec<_>>(),
                [w.len()],
            )?),
            None => None,
        };
        let counts = if options.multi_label {
            match options.num_labels {
                Some(0) => bail!("AUC", "num_labels must be positive"),
                Some(l) => Lazy::with(Self::counts(&base, &thresholds, evenly, Some(l))),
                None => Lazy::new(),
            }
        } else {
            if options.num_labels.is_some() {
                bail!("AUC", "num_labels is needed only when multi_label is true");
            }
            Lazy::with(Self::counts(&base, &thresholds, evenly, None))
        };
        Ok(AUC {
            base,
            options,
            thresholds,
            evenly,
            label_weights,
            counts,
        })
    }

    fn counts(
        base: &MetricBase,
        thresholds: &[f64],
        evenly: bool,
        labels: Option<usize>,
    ) -> Counts {
        let cells = [TP, FP, TN, FN].map(|c| (c, cell_name(c)));
        Counts::new(base, thresholds.to_vec(), evenly, &cells, labels)
    }

    /// The thresholds used, `-ε` and `1 + ε` included.
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// Sums the per-threshold terms: per label then averaged (weighted by the label
    /// weights) with `multi_label`, else over everything.
    fn total(&self, terms: &Tensor) -> Result<Tensor> {
        if !self.options.multi_label {
            return ops::sum(terms, None, false);
        }
        let by_label = ops::sum(terms, 0, false)?;
        match &self.label_weights {
            None => ops::mean(&by_label, None, false),
            Some(lw) => ops::divide_no_nan(
                &ops::sum(&ops::multiply(&by_label, lw)?, None, false)?,
                &ops::sum(lw, None, false)?,
            ),
        }
    }

    fn interpolate_pr_auc(&self, c: &Counts) -> Result<Tensor> {
        let (tp, fp, fn_) = (c.get(TP), c.get(FP), c.get(FN));
        let dtp = ops::subtract(&head(&tp)?, &tail(&tp)?)?;
        let p = ops::add(&tp, &fp)?;
        let (p0, p1) = (head(&p)?, tail(&p)?);
        let dp = ops::subtract(&p0, &p1)?;
        let slope = ops::divide_no_nan(&dtp, &ops::maximum(&dp, 0.0)?)?;
        let intercept = ops::subtract(&tail(&tp)?, &ops::multiply(&slope, &p1)?)?;
        let both = ops::logical_and(&ops::greater(&p0, 0.0)?, &ops::greater(&p1, 0.0)?)?;
        let safe_ratio = ops::where_(
            &both,
            &ops::divide_no_nan(&p0, &ops::maximum(&p1, 0.0)?)?,
            1.0,
        )?;
        let num = ops::multiply(
            &slope,
            &ops::add(&dtp, &ops::multiply(&intercept, &ops::log(&safe_ratio)?)?)?,
        )?;
        let den = ops::maximum(&ops::add(&tail(&tp)?, &tail(&fn_)?)?, 0.0)?;
        self.total(&ops::divide_no_nan(&num, &den)?)
    }
}

/// `x[:-1]` along the first axis.
fn head(x: &Tensor) -> Result<Tensor> {
    let mut shape: Vec<i64> = x.dims().iter().map(|&d| d as i64).collect();
    shape[0] -= 1;
    ops::slice(x, &vec![0; x.rank()], &shape)
}

/// `x[1:]` along the first axis.
fn tail(x: &Tensor) -> Result<Tensor> {
    let mut shape: Vec<i64> = x.dims().iter().map(|&d| d as i64).collect();
    shape[0] -= 1;
    let mut start = vec![0; x.rank()];
    start[0] = 1;
    ops::slice(x, &start, &shape)
}

impl Default for AUC {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for AUC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AUC({:?}, {:?})", self.base.name(), self.options)
    }
}

impl Metric for AUC {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "AUC"
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let counts = self.counts.get_or_init(|| {
            if y_pred.rank() != 2 {
                bail!(
                    "AUC",
                    "y_pred must have rank 2 when multi_label is true, got shape {}",
                    y_pred.shape()
                );
            }
            Ok(Self::counts(
                &self.base,
                &self.thresholds,
                self.evenly,
                Some(y_pred.dims()[1]),
            ))
        })?;
        let y_pred = if self.options.from_logits {
            ops::sigmoid(y_pred)?
        } else {
            y_pred.clone()
        };
        let extra = ConfusionOptions {
            multi_label: self.options.multi_label,
            label_weights: if self.options.multi_label {
                None
            } else {
                self.label_weights.as_ref()
            },
            ..Default::default()
        };
        counts.update("AUC", y_true, &y_pred, w, extra)
    }
    fn result(&self) -> Result<Tensor> {
        let c = self.counts.get("AUC")?;
        let (curve, summation) = (self.options.curve, self.options.summation_method);
        if curve == AucCurve::Pr && summation == AucSummationMethod::Interpolation {
            return self.interpolate_pr_auc(&c);
        }
        let (tp, fp, tn, fn_) = (c.get(TP), c.get(FP), c.get(TN), c.get(FN));
        let recall = ratio(&tp, &fn_)?;
        let (x, y) = match curve {
            AucCurve::Roc => (ratio(&fp, &tn)?, recall),
            AucCurve::Pr => (recall, ratio(&tp, &fp)?),
            AucCurve::PrGain => {
                let scale = ops::divide_no_nan(&ops::add(&tp, &fn_)?, &ops::add(&tn, &fp)?)?;
                let gain = |other: &Tensor| -> Result<Tensor> {
                    ops::subtract(
                        1.0,
                        &ops::multiply(&scale, &ops::divide_no_nan(other, &tp)?)?,
                    )
                };
                let no_tp = ops::equal(&tp, 0.0)?;
                let recall_gain = ops::maximum(&ops::where_(&no_tp, 0.0, &gain(&fn_)?)?, 0.0)?;
                let precision_gain = ops::where_(&no_tp, 1.0, &gain(&fp)?)?;
                (recall_gain, precision_gain)
            }
        };
        let (y0, y1) = (head(&y)?, tail(&y)?);
        let heights = match summation {
            AucSummationMethod::Interpolation => ops::divide(&ops::add(&y0, &y1)?, 2.0)?,
            AucSummationMethod::Minoring => ops::minimum(&y0, &y1)?,
            AucSummationMethod::Majoring => ops::maximum(&y0, &y1)?,
        };
        let terms = ops::multiply(&ops::subtract(&head(&x)?, &tail(&x)?)?, &heights)?;
        self.total(&terms)
    }
    fn extra_config(&self) -> Config {
        let o = &self.options;
        let mut c = Config::new();
        c.insert("num_thresholds".into(), json!(o.num_thresholds));
        c.insert("curve".into(), json!(o.curve.as_str()));
        c.insert(
            "summation_method".into(),
            json!(o.summation_method.as_str()),
        );
        c.insert("multi_label".into(), json!(o.multi_label));
        c.insert("num_labels".into(), json!(o.num_labels));
        let lw = match &o.label_weights {
            // Keras keeps the weights as a float32 tensor and serializes it as one.
            Some(w) => json!({
                "class_name": "__tensor__",
                "config": {
                    "value": w.iter().map(|&x| x as f32 as f64).collect::<Vec<_>>(),
                    "dtype": "float32",
                },
            }),
            None => Value::Null,
        };
        c.insert("label_weights".into(), lw);
        c.insert("from_logits".into(), json!(o.from_logits));
        if let Some(t) = &o.thresholds {
            c.insert("thresholds".into(), json!(t));
        }
        c
    }
}
