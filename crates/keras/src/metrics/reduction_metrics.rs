//! Metrics that reduce values: [`Mean`], [`Sum`] and [`MeanMetricWrapper`] (the mean of a
//! per-sample function, which most Keras metrics are).

use std::fmt;
use std::sync::Arc;

use keras_ops::{ops, DType, Result, Tensor, Variable};

use super::metric::config_dtype;
use super::{Metric, MetricBase};
use crate::losses::{squeeze_or_expand_to_same_rank, PerSample};
use crate::saving::object::Config;

/// Keras's `reduce_to_samplewise_values`: weights `values` by `sample_weight` (broadcast
/// after squeezing or expanding a trailing size-1 axis) and reduces every axis past the
/// first with `reduce` (`mean` for [`Mean`], `sum` for [`Sum`]). Returns the per-sample
/// values and the per-sample weights.
pub fn reduce_to_samplewise_values(
    values: &Tensor,
    sample_weight: Option<&Tensor>,
    reduce: fn(&Tensor, Vec<i64>) -> Result<Tensor>,
    base: &MetricBase,
) -> Result<(Tensor, Option<Tensor>)> {
    let mut values = ops::cast(values, base.dtype())?;
    let mut weight = None;
    if let Some(w) = sample_weight {
        let w = ops::cast(w, base.dtype())?;
        let (v, w) = squeeze_or_expand_to_same_rank(&values, &w)?;
        let (wr, vr) = (w.rank() as i64, v.rank() as i64);
        values = if vr > wr {
            reduce(&v, (wr..vr).collect())?
        } else {
            v
        };
        let w_full = ops::broadcast_to(&w, values.dims()).map_err(|e| {
            keras_ops::Error::op(
                base.name(),
                format!(
                    "sample_weight of shape {} does not broadcast to values of shape {}: {e}",
                    w.shape(),
                    values.shape()
                ),
            )
        })?;
        values = ops::multiply(&values, &w_full)?;
        weight = Some(if wr > 1 {
            reduce(&w_full, (1..wr).collect())?
        } else {
            w_full
        });
    }
    let vr = values.rank() as i64;
    if vr > 1 {
        values = reduce(&values, (1..vr).collect())?;
    }
    Ok((values, weight))
}

fn mean_over(x: &Tensor, axes: Vec<i64>) -> Result<Tensor> {
    ops::mean(x, axes, false)
}

fn sum_over(x: &Tensor, axes: Vec<i64>) -> Result<Tensor> {
    ops::sum(x, axes, false)
}

/// The (weighted) sum of values (`keras.metrics.Sum`); one variable, `total`.
///
/// ```
/// use keras::metrics::{Metric, Sum};
/// let m = Sum::new("sum");
/// let v = keras::Tensor::from_vec(vec![1.0f32, 3.0, 5.0, 7.0], [4]).unwrap();
/// let w = keras::Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0], [4]).unwrap();
/// m.update(&v, Some(&w)).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 4.0);
/// ```
#[derive(Debug)]
pub struct Sum {
    base: MetricBase,
    total: Variable,
}

impl Sum {
    /// A float32 sum named `name`.
    pub fn new(name: &str) -> Sum {
        let base = MetricBase::new(name);
        let total = base.add_variable("total", &[]).expect("a scalar variable");
        Sum { base, total }
    }
    /// From a `get_config()` dict (`name`, default `"sum"`, and `dtype`).
    pub fn from_config(config: &Config) -> Result<Sum> {
        let base = MetricBase::from_config(config, "sum", "Sum")?;
        let total = base.add_variable("total", &[])?;
        Ok(Sum { base, total })
    }
    /// Adds `values` (weighted by `sample_weight`).
    pub fn update(&self, values: &Tensor, sample_weight: Option<&Tensor>) -> Result<()> {
        let (v, _) = reduce_to_samplewise_values(values, sample_weight, sum_over, &self.base)?;
        self.total.assign_add(&ops::sum(&v, None, false)?)
    }
}

impl Metric for Sum {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Sum"
    }
    /// Sums `y_pred` weighted by `sample_weight` (`y_true` is not used).
    fn update_state(&self, _y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        self.update(y_pred, w)
    }
    fn result(&self) -> Result<Tensor> {
        Ok(self.total.value())
    }
}

/// The (weighted) mean of values (`keras.metrics.Mean`); variables `total` and `count`.
///
/// ```
/// use keras::metrics::{Mean, Metric};
/// let m = Mean::new("mean");
/// m.update(&keras::Tensor::from_vec(vec![1.0f32, 3.0, 5.0, 7.0], [4]).unwrap(), None).unwrap();
/// assert_eq!(m.result().unwrap().item().unwrap(), 4.0);
/// ```
#[derive(Debug)]
pub struct Mean {
    base: MetricBase,
    total: Variable,
    count: Variable,
}

impl Mean {
    /// A float32 mean named `name`.
    pub fn new(name: &str) -> Mean {
        Self::with_base(MetricBase::new(name))
    }
    /// From a `get_config()` dict (`name`, default `"mean"`, and `dtype`).
    pub fn from_config(config: &Config) -> Result<Mean> {
        Ok(Self::with_base(MetricBase::from_config(
            config, "mean", "Mean",
        )?))
    }
    fn with_base(base: MetricBase) -> Mean {
        let total = base.add_variable("total", &[]).expect("a scalar variable");
        let count = base.add_variable("count", &[]).expect("a scalar variable");
        Mean { base, total, count }
    }
    /// Adds `values` (weighted by `sample_weight`): each sample counts once, or by its
    /// weight.
    pub fn update(&self, values: &Tensor, sample_weight: Option<&Tensor>) -> Result<()> {
        let (v, w) = reduce_to_samplewise_values(values, sample_weight, mean_over, &self.base)?;
        self.total.assign_add(&ops::sum(&v, None, false)?)?;
        let count = match &w {
            Some(w) => ops::sum(w, None, false)?,
            None if v.rank() >= 1 => Tensor::scalar_of(v.dims()[0] as f64, self.base.dtype())?,
            None => Tensor::scalar_of(1.0, self.base.dtype())?,
        };
        self.count.assign_add(&count)
    }
    /// Adds one scalar `value` with weight `weight` (Keras's fast path for a loss value
    /// weighted by the batch size).
    pub fn update_scalar(&self, value: f64, weight: f64) -> Result<()> {
        let dt = self.base.dtype();
        self.total
            .assign_add(&Tensor::scalar_of(value * weight, dt)?)?;
        self.count.assign_add(&Tensor::scalar_of(weight, dt)?)
    }
}

impl Metric for Mean {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        "Mean"
    }
    /// Averages `y_pred` weighted by `sample_weight` (`y_true` is not used).
    fn update_state(&self, _y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        self.update(y_pred, w)
    }
    fn result(&self) -> Result<Tensor> {
        ops::divide_no_nan(self.total.value(), self.count.value())
    }
}

/// A per-sample metric function `fn(y_true, y_pred) -> values`.
pub type MetricFn = Arc<dyn Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync>;

/// What the wrapper calls: per-sample values and, for losses with `ignore_class`, the
/// mask of the entries that count.
type SampleFn = Arc<dyn Fn(&Tensor, &Tensor) -> Result<PerSample> + Send + Sync>;

/// The mean of a per-sample function over all samples seen (`keras.metrics.MeanMetricWrapper`);
/// most Keras metrics (accuracies, regression errors) are one.
///
/// ```
/// use keras::metrics::{Metric, MeanMetricWrapper};
/// use keras::ops;
/// let mae = MeanMetricWrapper::new("mae", |t, p| ops::mean(&ops::abs(&ops::subtract(t, p)?)?, -1, false));
/// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [2, 1]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0.5f32, 0.0], [2, 1]).unwrap();
/// mae.update_state(&t, &p, None).unwrap();
/// assert_eq!(mae.result().unwrap().item().unwrap(), 0.75);
/// ```
pub struct MeanMetricWrapper {
    mean: Mean,
    class_name: String,
    f: SampleFn,
    config: Config,
}

impl MeanMetricWrapper {
    /// Wraps `f` as a mean metric named `name` (class name `"MeanMetricWrapper"`).
    pub fn new(
        name: &str,
        f: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
    ) -> MeanMetricWrapper {
        Self::of_class("MeanMetricWrapper", name, Arc::new(f), Config::new())
    }
    /// A Keras metric class built on the wrapper: `class_name`, default `name`, the function
    /// and the class's own config keys.
    pub fn of_class(class_name: &str, name: &str, f: MetricFn, config: Config) -> Self {
        Self::of_fn(class_name, name, move |t, p| f(t, p), config)
    }
    /// As [`MeanMetricWrapper::of_class`], for a function that may also return a mask
    /// (a loss's [`PerSample`]); with sample weights, masked-out entries weigh 0.
    pub(crate) fn of_fn<T: Into<PerSample>>(
        class_name: &str,
        name: &str,
        f: impl Fn(&Tensor, &Tensor) -> Result<T> + Send + Sync + 'static,
        config: Config,
    ) -> Self {
        MeanMetricWrapper {
            mean: Mean::new(name),
            class_name: class_name.into(),
            f: Arc::new(move |t, p| f(t, p).map(Into::into)),
            config,
        }
    }
    /// Renames the metric.
    pub fn named(self, name: &str) -> Self {
        let dtype = self.mean.base.dtype();
        self.with_base(MetricBase::new(name).with_dtype(dtype))
    }
    /// The same metric accumulating in `dtype` (Keras's `dtype=`; float32 by default).
    pub fn with_dtype(self, dtype: DType) -> Self {
        let name = self.mean.base.name().to_string();
        self.with_base(MetricBase::new(&name).with_dtype(dtype))
    }
    /// Takes `name` and `dtype` from a config (missing keys keep the current ones); the
    /// class's own keys keep the config's spelling (`0` stays an integer).
    pub(crate) fn configured(mut self, config: &Config) -> Result<Self> {
        for (k, v) in self.config.iter_mut() {
            if let Some(given) = config.get(k) {
                *v = given.clone();
            }
        }
        let base = MetricBase::from_config(config, self.mean.base.name(), &self.class_name)?;
        let base = match config_dtype(config, &self.class_name)? {
            Some(_) => base,
            None => base.with_dtype(self.mean.base.dtype()),
        };
        Ok(self.with_base(base))
    }
    fn with_base(mut self, base: MetricBase) -> Self {
        self.mean = Mean::with_base(base);
        self
    }
}

impl fmt::Debug for MeanMetricWrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.class_name, self.name())
    }
}

impl Metric for MeanMetricWrapper {
    fn base(&self) -> &MetricBase {
        &self.mean.base
    }
    fn class_name(&self) -> &str {
        &self.class_name
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let per =
            (self.f)(y_true, y_pred).map_err(|e| keras_ops::Error::op(&self.class_name, e))?;
        // As in Keras, the values need not have one entry per sample (a cosine similarity
        // along axis 0 gives one per feature): `Mean` counts their first axis.
        let values = &per.values;
        // Keras applies a mask of the values only through the sample weights.
        let weight = match (w, &per.mask) {
            (Some(w), Some(mask)) => {
                let dt = self.mean.base.dtype();
                let (m, w) =
                    squeeze_or_expand_to_same_rank(&ops::cast(mask, dt)?, &ops::cast(w, dt)?)?;
                Some(ops::multiply(&w, &m)?)
            }
            (w, _) => w.cloned(),
        };
        self.mean.update(values, weight.as_ref())
    }
    fn result(&self) -> Result<Tensor> {
        self.mean.result()
    }
    fn extra_config(&self) -> Config {
        self.config.clone()
    }
}

/// Defines a Keras metric class that is a [`MeanMetricWrapper`] of a per-sample function
/// without options: a unit struct whose `new()` builds the metric with Keras's default
/// name and whose `from_config` reads `name` and `dtype`.
macro_rules! wrapper_metric {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $f:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl $ty {
            /// The metric with Keras's default name.
            #[allow(clippy::new_ret_no_self)]
            pub fn new() -> $crate::metrics::MeanMetricWrapper {
                $crate::metrics::MeanMetricWrapper::of_fn(
                    stringify!($ty),
                    $name,
                    $f,
                    $crate::saving::object::Config::new(),
                )
            }
            /// From a `get_config()` dict (`name`, `dtype`).
            pub fn from_config(
                config: &$crate::saving::object::Config,
            ) -> keras_ops::Result<$crate::metrics::MeanMetricWrapper> {
                Self::new().configured(config)
            }
        }
    };
}
pub(crate) use wrapper_metric;
