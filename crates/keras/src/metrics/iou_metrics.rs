//! Intersection-over-union metrics over a class confusion matrix: [`IoU`], [`BinaryIoU`],
//! [`MeanIoU`], [`OneHotIoU`] and [`OneHotMeanIoU`]. All share one implementation, which
//! accumulates an int32 `total_confusion_matrix` as Keras does.

use std::fmt;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor, Variable};
use serde_json::json;

use super::metrics_utils::confusion_matrix;
use super::{Metric, MetricBase};
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// Which IoU class a [`IoUMetric`] is: it decides the defaults and the config keys.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    IoU,
    Binary { threshold: f64 },
    Mean,
    OneHot,
    OneHotMean,
}

/// The options shared by every IoU metric (Keras's constructor arguments).
#[derive(Clone, Debug, PartialEq)]
pub struct IoUOptions {
    /// The number of classes (> 0).
    pub num_classes: usize,
    /// The classes whose IoU is averaged (each below `num_classes`).
    pub target_class_ids: Vec<usize>,
    /// A label left out of the confusion matrix.
    pub ignore_class: Option<i64>,
    /// Labels are class ids (else one-hot / scores, reduced with arg-max over `axis`).
    pub sparse_y_true: bool,
    /// Predictions are class ids (else scores, reduced with arg-max over `axis`).
    pub sparse_y_pred: bool,
    /// The class axis of dense inputs.
    pub axis: i64,
}

impl IoUOptions {
    /// `num_classes` classes, averaging over `target_class_ids`, sparse inputs.
    pub fn new(num_classes: usize, target_class_ids: Vec<usize>) -> IoUOptions {
        IoUOptions {
            num_classes,
            target_class_ids,
            ignore_class: None,
            sparse_y_true: true,
            sparse_y_pred: true,
            axis: -1,
        }
    }
}

/// An intersection-over-union metric: the class confusion matrix accumulated over
/// batches, `tp / (tp + fp + fn)` per target class, averaged over the classes that occur.
/// [`IoU`], [`BinaryIoU`], [`MeanIoU`], [`OneHotIoU`] and [`OneHotMeanIoU`] build one.
pub struct IoUMetric {
    base: MetricBase,
    kind: Kind,
    options: IoUOptions,
    total_cm: Variable,
}

impl IoUMetric {
    fn build(kind: Kind, base: MetricBase, options: IoUOptions) -> Result<IoUMetric> {
        let owner = kind.class_name();
        if options.num_classes == 0 {
            bail!(owner, "num_classes must be positive");
        }
        match options.target_class_ids.iter().max() {
            None => bail!(owner, "target_class_ids must not be empty"),
            Some(&m) if m >= options.num_classes => bail!(
                owner,
                "target class id {m} is out of range, which is [0, {})",
                options.num_classes
            ),
            _ => {}
        }
        let n = options.num_classes;
        let total_cm = base.add_variable("total_confusion_matrix", &[n, n])?;
        Ok(IoUMetric {
            base,
            kind,
            options,
            total_cm,
        })
    }

    /// Renames the metric.
    pub fn named(self, name: &str) -> Self {
        let base = MetricBase::new(name).with_dtype(self.base.dtype());
        Self::build(self.kind, base, self.options).expect("validated options")
    }

    /// The options.
    pub fn options(&self) -> &IoUOptions {
        &self.options
    }

    fn from_config(kind: Kind, config: &Config, num_classes: Option<usize>) -> Result<IoUMetric> {
        let o = kind.class_name();
        let num_classes = match num_classes {
            Some(n) => n,
            None => config.require("num_classes", o)?,
        };
        let target_class_ids = match kind {
            Kind::Mean | Kind::OneHotMean => (0..num_classes).collect(),
            Kind::Binary { .. } => config.get_or("target_class_ids", vec![0, 1], o)?,
            _ => config.require("target_class_ids", o)?,
        };
        let options = IoUOptions {
            num_classes,
            target_class_ids,
            ignore_class: config.get_or("ignore_class", None, o)?,
            sparse_y_true: match kind {
                Kind::OneHot | Kind::OneHotMean => false,
                _ => config.get_or("sparse_y_true", true, o)?,
            },
            sparse_y_pred: match kind {
                Kind::OneHot | Kind::OneHotMean => config.get_or("sparse_y_pred", false, o)?,
                _ => config.get_or("sparse_y_pred", true, o)?,
            },
            axis: config.get_or("axis", -1, o)?,
        };
        let base = int_base(
            MetricBase::from_config(config, kind.default_name(), o)?,
            config,
        );
        Self::build(kind, base, options)
    }
}

/// IoU metrics count in int32 unless the config says otherwise.
fn int_base(base: MetricBase, config: &Config) -> MetricBase {
    if config.get("dtype").is_some_and(|d| !d.is_null()) {
        base
    } else {
        base.with_dtype(DType::I32)
    }
}

impl Kind {
    fn class_name(self) -> &'static str {
        match self {
            Kind::IoU => "IoU",
            Kind::Binary { .. } => "BinaryIoU",
            Kind::Mean => "MeanIoU",
            Kind::OneHot => "OneHotIoU",
            Kind::OneHotMean => "OneHotMeanIoU",
        }
    }
    fn default_name(self) -> &'static str {
        match self {
            Kind::IoU => "io_u",
            Kind::Binary { .. } => "binary_io_u",
            Kind::Mean => "mean_io_u",
            Kind::OneHot => "one_hot_io_u",
            Kind::OneHotMean => "one_hot_mean_io_u",
        }
    }
}

impl fmt::Debug for IoUMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({:?}, {:?})",
            self.kind.class_name(),
            self.base.name(),
            self.options
        )
    }
}

impl Metric for IoUMetric {
    fn base(&self) -> &MetricBase {
        &self.base
    }
    fn class_name(&self) -> &str {
        self.kind.class_name()
    }
    fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, w: Option<&Tensor>) -> Result<()> {
        let owner = self.kind.class_name();
        let o = &self.options;
        let dt = self.base.dtype();
        let (mut y_true, mut y_pred) = (y_true.clone(), y_pred.clone());
        if let Kind::Binary { threshold } = self.kind {
            y_true = ops::cast(&y_true, dt)?;
            y_pred = ops::cast(
                &ops::greater_equal(&ops::cast(&y_pred, DType::F32)?, threshold)?,
                dt,
            )?;
        }
        if !o.sparse_y_true {
            y_true = ops::argmax(&y_true, Some(o.axis), false)?;
        }
        if !o.sparse_y_pred {
            y_pred = ops::argmax(&y_pred, Some(o.axis), false)?;
        }
        let flat = |x: &Tensor| -> Result<Tensor> { ops::reshape(&ops::cast(x, dt)?, [-1i64]) };
        let (y_true, y_pred) = (flat(&y_true)?, flat(&y_pred)?);
        if y_true.dims() != y_pred.dims() {
            bail!(
                owner,
                "y_true and y_pred must hold as many class ids, got {} and {}",
                y_true.shape(),
                y_pred.shape()
            );
        }
        let weight = match w {
            Some(w) => {
                let w = ops::cast(w, dt)?;
                let w = if w.rank() > 1 {
                    ops::reshape(&w, [-1i64])?
                } else {
                    w
                };
                ops::broadcast_to(&w, y_true.dims()).map_err(|_| {
                    keras_ops::Error::op(
                        owner,
                        format!(
                            "sample_weight of shape {} does not match {} class ids",
                            w.shape(),
                            y_true.size()
                        ),
                    )
                })?
            }
            None => ops::ones(y_true.dims(), dt)?,
        };
        let n = o.num_classes as f64;
        let in_range = |x: &Tensor| -> Result<Tensor> {
            ops::logical_and(&ops::greater_equal(x, 0.0)?, &ops::less(x, n)?)
        };
        let mut valid = ops::logical_and(&in_range(&y_true)?, &in_range(&y_pred)?)?;
        if let Some(c) = o.ignore_class {
            valid = ops::logical_and(&valid, &ops::not_equal(&y_true, c as f64)?)?;
        }
        let y_true = ops::where_(&valid, &y_true, 0.0)?;
        let y_pred = ops::where_(&valid, &y_pred, 0.0)?;
        let weight = ops::where_(&valid, &weight, 0.0)?;
        let cm = confusion_matrix(&y_true, &y_pred, o.num_classes, &weight, dt)?;
        self.total_cm.assign_add(&cm)
    }
    fn result(&self) -> Result<Tensor> {
        let dt = self.base.dtype();
        let cm = self.total_cm.value();
        let rows = ops::cast(&ops::sum(&cm, 0, false)?, dt)?;
        let cols = ops::cast(&ops::sum(&cm, 1, false)?, dt)?;
        let tp = ops::cast(&ops::diagonal(&cm, 0, 0, 1)?, dt)?;
        let denominator = ops::subtract(&ops::add(&rows, &cols)?, &tp)?;
        let ids: Vec<i32> = self
            .options
            .target_class_ids
            .iter()
            .map(|&i| i as i32)
            .collect();
        let ids = Tensor::from_vec(ids.clone(), [ids.len()])?;
        let tp = ops::cast(&ops::take(&tp, &ids, Some(0))?, DType::F32)?;
        let denominator = ops::cast(&ops::take(&denominator, &ids, Some(0))?, DType::F32)?;
        let valid = ops::greater(&denominator, 1e-9)?;
        let num_valid = ops::sum(&ops::cast(&valid, DType::F32)?, None, false)?;
        let eps = keras_ops::config::epsilon();
        let iou = ops::divide(&tp, &ops::add(&denominator, eps)?)?;
        let iou = ops::where_(&valid, &iou, 0.0)?;
        ops::divide(&ops::sum(&iou, None, false)?, &ops::add(&num_valid, eps)?)
    }
    fn extra_config(&self) -> Config {
        let mut c = self.get_config();
        c.shift_remove("name");
        c.shift_remove("dtype");
        c
    }
    fn get_config(&self) -> Config {
        // Each Keras IoU class writes its own keys in its own order.
        let o = &self.options;
        let mut c = Config::new();
        let mut put = |k: &str, v: serde_json::Value| {
            c.insert(k.into(), v);
        };
        let (name, dtype) = (json!(self.base.name()), json!(self.base.dtype().name()));
        match self.kind {
            Kind::IoU => {
                put("name", name);
                put("dtype", dtype);
                put("num_classes", json!(o.num_classes));
                put("target_class_ids", json!(o.target_class_ids));
                put("ignore_class", json!(o.ignore_class));
                put("sparse_y_true", json!(o.sparse_y_true));
                put("sparse_y_pred", json!(o.sparse_y_pred));
            }
            Kind::Binary { threshold } => {
                put("target_class_ids", json!(o.target_class_ids));
                put("threshold", json!(threshold));
                put("name", name);
                put("dtype", dtype);
                return c;
            }
            Kind::Mean => {
                put("num_classes", json!(o.num_classes));
                put("name", name);
                put("dtype", dtype);
                put("ignore_class", json!(o.ignore_class));
                put("sparse_y_true", json!(o.sparse_y_true));
                put("sparse_y_pred", json!(o.sparse_y_pred));
            }
            Kind::OneHot => {
                put("num_classes", json!(o.num_classes));
                put("target_class_ids", json!(o.target_class_ids));
                put("name", name);
                put("dtype", dtype);
                put("ignore_class", json!(o.ignore_class));
                put("sparse_y_pred", json!(o.sparse_y_pred));
            }
            Kind::OneHotMean => {
                put("num_classes", json!(o.num_classes));
                put("name", name);
                put("dtype", dtype);
                put("ignore_class", json!(o.ignore_class));
                put("sparse_y_pred", json!(o.sparse_y_pred));
            }
        }
        put("axis", json!(o.axis));
        c
    }
}

/// The IoU averaged over chosen classes, from integer class ids (`keras.metrics.IoU`).
///
/// ```
/// use keras::metrics::{IoU, Metric};
/// let m = IoU::new(2, vec![0, 1]).unwrap();
/// let t = keras::Tensor::from_vec(vec![0i32, 0, 1, 1], [4]).unwrap();
/// let p = keras::Tensor::from_vec(vec![0i32, 1, 0, 1], [4]).unwrap();
/// m.update_state(&t, &p, None).unwrap();
/// assert!((m.result().unwrap().item().unwrap() - 1.0 / 3.0).abs() < 1e-6);
/// ```
pub struct IoU;

impl IoU {
    /// `num_classes` classes (> 0), averaging over `target_class_ids`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(num_classes: usize, target_class_ids: Vec<usize>) -> Result<IoUMetric> {
        Self::with_options(IoUOptions::new(num_classes, target_class_ids))
    }
    /// With every option.
    pub fn with_options(options: IoUOptions) -> Result<IoUMetric> {
        IoUMetric::build(
            Kind::IoU,
            MetricBase::new("io_u").with_dtype(DType::I32),
            options,
        )
    }
    /// From a `get_config()` dict.
    pub fn from_config(config: &Config) -> Result<IoUMetric> {
        IoUMetric::from_config(Kind::IoU, config, None)
    }
}

/// The IoU of binary predictions thresholded at `threshold` (`keras.metrics.BinaryIoU`).
pub struct BinaryIoU;

impl BinaryIoU {
    /// Averaging over `target_class_ids` (Keras's default `[0, 1]`), a prediction at or
    /// above `threshold` (default 0.5) being class 1.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(target_class_ids: Vec<usize>, threshold: f64) -> Result<IoUMetric> {
        let base = MetricBase::new("binary_io_u").with_dtype(DType::I32);
        IoUMetric::build(
            Kind::Binary { threshold },
            base,
            IoUOptions::new(2, target_class_ids),
        )
    }
    /// From a `get_config()` dict (`target_class_ids`, `threshold`, `name`, `dtype`).
    pub fn from_config(config: &Config) -> Result<IoUMetric> {
        let threshold = config.get_or("threshold", 0.5, "BinaryIoU")?;
        IoUMetric::from_config(Kind::Binary { threshold }, config, Some(2))
    }
}

/// The IoU averaged over every class (`keras.metrics.MeanIoU`).
pub struct MeanIoU;

impl MeanIoU {
    /// `num_classes` classes (> 0), sparse inputs.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(num_classes: usize) -> Result<IoUMetric> {
        Self::with_options(IoUOptions::new(num_classes, (0..num_classes).collect()))
    }
    /// With every option (`target_class_ids` is replaced by all classes).
    pub fn with_options(mut options: IoUOptions) -> Result<IoUMetric> {
        options.target_class_ids = (0..options.num_classes).collect();
        let base = MetricBase::new("mean_io_u").with_dtype(DType::I32);
        IoUMetric::build(Kind::Mean, base, options)
    }
    /// From a `get_config()` dict.
    pub fn from_config(config: &Config) -> Result<IoUMetric> {
        IoUMetric::from_config(Kind::Mean, config, None)
    }
}

/// [`IoU`] for one-hot labels (and, unless `sparse_y_pred`, score predictions)
/// (`keras.metrics.OneHotIoU`).
pub struct OneHotIoU;

impl OneHotIoU {
    /// `num_classes` classes (> 0), averaging over `target_class_ids`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(num_classes: usize, target_class_ids: Vec<usize>) -> Result<IoUMetric> {
        let mut options = IoUOptions::new(num_classes, target_class_ids);
        options.sparse_y_pred = false;
        Self::with_options(options)
    }
    /// With every option (`sparse_y_true` is forced off).
    pub fn with_options(mut options: IoUOptions) -> Result<IoUMetric> {
        options.sparse_y_true = false;
        let base = MetricBase::new("one_hot_io_u").with_dtype(DType::I32);
        IoUMetric::build(Kind::OneHot, base, options)
    }
    /// From a `get_config()` dict.
    pub fn from_config(config: &Config) -> Result<IoUMetric> {
        IoUMetric::from_config(Kind::OneHot, config, None)
    }
}

/// [`MeanIoU`] for one-hot labels (and, unless `sparse_y_pred`, score predictions)
/// (`keras.metrics.OneHotMeanIoU`).
pub struct OneHotMeanIoU;

impl OneHotMeanIoU {
    /// `num_classes` classes (> 0).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(num_classes: usize) -> Result<IoUMetric> {
        let mut options = IoUOptions::new(num_classes, vec![]);
        options.sparse_y_pred = false;
        Self::with_options(options)
    }
    /// With every option (`sparse_y_true` is forced off, every class is a target).
    pub fn with_options(mut options: IoUOptions) -> Result<IoUMetric> {
        options.sparse_y_true = false;
        options.target_class_ids = (0..options.num_classes).collect();
        let base = MetricBase::new("one_hot_mean_io_u").with_dtype(DType::I32);
        IoUMetric::build(Kind::OneHotMean, base, options)
    }
    /// From a `get_config()` dict.
    pub fn from_config(config: &Config) -> Result<IoUMetric> {
        IoUMetric::from_config(Kind::OneHotMean, config, None)
    }
}
