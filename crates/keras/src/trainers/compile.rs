//! `compile`: [`CompileArgs`] (optimizer, loss, metrics, loss weights) and the state they
//! resolve to, [`Compiled`], with Keras's per-output losses and metrics.

use std::sync::Arc;

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

use super::Batch;
use crate::callbacks::Logs;
use crate::losses::{self, Loss};
use crate::metrics::{
    self, BinaryAccuracy, CategoricalAccuracy, Mean, Metric, SparseCategoricalAccuracy,
};
use crate::optimizers::Optimizer;

/// A loss as `compile` takes it: an identifier, an object, or one per output.
pub enum LossSpec {
    /// A Keras identifier (`"sparse_categorical_crossentropy"`, `"mse"`, …). `"crossentropy"`
    /// (or `"ce"`) picks binary, categorical or sparse categorical from the shapes.
    Id(String),
    /// A loss object (built-in or user-defined).
    Object(Arc<dyn Loss>),
    /// One loss (or none) per output, in output order.
    PerOutput(Vec<Option<LossSpec>>),
    /// One loss per output name.
    ByName(Vec<(String, LossSpec)>),
}

impl From<&str> for LossSpec {
    fn from(id: &str) -> Self {
        LossSpec::Id(id.into())
    }
}
impl<L: Loss + 'static> From<L> for LossSpec {
    fn from(loss: L) -> Self {
        LossSpec::Object(Arc::new(loss))
    }
}
impl From<Box<dyn Loss>> for LossSpec {
    fn from(loss: Box<dyn Loss>) -> Self {
        LossSpec::Object(Arc::from(loss))
    }
}

/// A metric as `compile` takes it: an identifier or an object.
pub enum MetricSpec {
    /// A Keras identifier (`"accuracy"`, `"mae"`, …). `"accuracy"` (or `"acc"`) picks
    /// binary, categorical or sparse categorical accuracy from the shapes, as Keras.
    Id(String),
    /// A metric object (built-in or user-defined).
    Object(Box<dyn Metric>),
}

impl From<&str> for MetricSpec {
    fn from(id: &str) -> Self {
        MetricSpec::Id(id.into())
    }
}
impl<M: Metric + 'static> From<M> for MetricSpec {
    fn from(m: M) -> Self {
        MetricSpec::Object(Box::new(m))
    }
}
impl From<Box<dyn Metric>> for MetricSpec {
    fn from(m: Box<dyn Metric>) -> Self {
        MetricSpec::Object(m)
    }
}

/// Which metrics apply to which outputs.
#[derive(Default)]
pub enum MetricsSpec {
    /// None.
    #[default]
    None,
    /// These metrics on the single output.
    All(Vec<MetricSpec>),
    /// A list of metrics per output, in output order.
    PerOutput(Vec<Vec<MetricSpec>>),
    /// A list of metrics per output name.
    ByName(Vec<(String, Vec<MetricSpec>)>),
}

impl<M: Into<MetricSpec>, I: IntoIterator<Item = M>> From<I> for MetricsSpec {
    fn from(items: I) -> Self {
        MetricsSpec::All(items.into_iter().map(Into::into).collect())
    }
}

/// Loss weights: one factor for the single output, or one per output.
#[derive(Clone, Debug, PartialEq)]
pub enum LossWeights {
    /// A factor for the single output.
    Single(f64),
    /// One factor per output, in output order.
    PerOutput(Vec<f64>),
    /// One factor per output name.
    ByName(Vec<(String, f64)>),
}

/// The arguments of `compile` (Keras's `model.compile(optimizer=…, loss=…, metrics=…)`).
///
/// ```
/// use keras::trainers::CompileArgs;
/// let args = CompileArgs::new()
///     .optimizer("adam")
///     .loss("sparse_categorical_crossentropy")
///     .metrics(["accuracy"]);
/// ```
pub struct CompileArgs {
    pub(crate) optimizer: Option<OptimizerSpec>,
    pub(crate) loss: Option<LossSpec>,
    pub(crate) loss_weights: Option<LossWeights>,
    pub(crate) metrics: MetricsSpec,
    pub(crate) weighted_metrics: MetricsSpec,
    pub(crate) run_eagerly: bool,
    pub(crate) steps_per_execution: u64,
    pub(crate) jit_compile: Option<bool>,
}

impl Default for CompileArgs {
    fn default() -> Self {
        CompileArgs {
            optimizer: None,
            loss: None,
            loss_weights: None,
            metrics: MetricsSpec::None,
            weighted_metrics: MetricsSpec::None,
            run_eagerly: false,
            steps_per_execution: 1,
            jit_compile: None,
        }
    }
}

/// An optimizer by identifier or object.
pub enum OptimizerSpec {
    /// `"adam"`, `"sgd"`, `"rmsprop"`, …
    Id(String),
    /// A configured optimizer.
    Object(Box<Optimizer>),
}

impl From<&str> for OptimizerSpec {
    fn from(id: &str) -> Self {
        OptimizerSpec::Id(id.into())
    }
}
impl From<Optimizer> for OptimizerSpec {
    fn from(o: Optimizer) -> Self {
        OptimizerSpec::Object(Box::new(o))
    }
}

impl CompileArgs {
    /// No optimizer (Keras's default is `"rmsprop"`), no loss, no metrics.
    pub fn new() -> CompileArgs {
        CompileArgs::default()
    }
    /// The optimizer (`"adam"` or an [`Optimizer`]).
    pub fn optimizer(mut self, o: impl Into<OptimizerSpec>) -> Self {
        self.optimizer = Some(o.into());
        self
    }
    /// The loss (an identifier, an object, or one per output).
    pub fn loss(mut self, l: impl Into<LossSpec>) -> Self {
        self.loss = Some(l.into());
        self
    }
    /// Factors applied to each output's loss before they are summed.
    pub fn loss_weights(mut self, w: LossWeights) -> Self {
        self.loss_weights = Some(w);
        self
    }
    /// Metrics, not weighted by sample weights.
    pub fn metrics(mut self, m: impl Into<MetricsSpec>) -> Self {
        self.metrics = m.into();
        self
    }
    /// Metrics weighted by the sample (or class) weights.
    pub fn weighted_metrics(mut self, m: impl Into<MetricsSpec>) -> Self {
        self.weighted_metrics = m.into();
        self
    }
    /// Keras's `run_eagerly` (default false). keras-rs always runs eagerly; the flag is
    /// kept in the compile config so that saved files tell Python Keras what was asked.
    pub fn run_eagerly(mut self, v: bool) -> Self {
        self.run_eagerly = v;
        self
    }
    /// Keras's `steps_per_execution` (default 1), kept in the compile config for Python
    /// Keras; keras-rs runs one batch per step.
    pub fn steps_per_execution(mut self, n: u64) -> Self {
        self.steps_per_execution = n;
        self
    }
    /// Keras's `jit_compile` (default `"auto"`, which Keras on JAX saves as `true`), kept
    /// in the compile config for Python Keras; keras-rs has no JIT.
    pub fn jit_compile(mut self, v: bool) -> Self {
        self.jit_compile = Some(v);
        self
    }
}

/// Binary when the prediction has one unit; sparse when the targets have a lower rank (or
/// one unit against several predicted); else categorical (Keras's
/// `is_binary_or_sparse_categorical`).
fn kind_of(y_true: &Tensor, y_pred: &Tensor) -> (bool, bool) {
    let last = |t: &Tensor| t.dims().last().copied().unwrap_or(1);
    let binary = last(y_pred) == 1;
    let sparse = y_true.rank() < y_pred.rank() || (last(y_true) == 1 && last(y_pred) > 1);
    (binary, sparse)
}

fn resolve_loss(spec: &LossSpec, y_true: &Tensor, y_pred: &Tensor) -> Result<Arc<dyn Loss>> {
    Ok(match spec {
        LossSpec::Object(l) => l.clone(),
        LossSpec::Id(id) if matches!(id.to_lowercase().as_str(), "crossentropy" | "ce") => {
            let name = match kind_of(y_true, y_pred) {
                (true, _) => "binary_crossentropy",
                (false, true) => "sparse_categorical_crossentropy",
                _ => "categorical_crossentropy",
            };
            Arc::from(losses::get(name)?)
        }
        LossSpec::Id(id) => Arc::from(losses::get(id)?),
        LossSpec::PerOutput(_) | LossSpec::ByName(_) => {
            bail!(
                "compile",
                "a nested loss structure was given for a single output"
            )
        }
    })
}

fn resolve_metric(spec: MetricSpec, y_true: &Tensor, y_pred: &Tensor) -> Result<Box<dyn Metric>> {
    Ok(match spec {
        MetricSpec::Object(m) => m,
        MetricSpec::Id(id) if matches!(id.to_lowercase().as_str(), "accuracy" | "acc") => {
            let m = match kind_of(y_true, y_pred) {
                (true, _) => BinaryAccuracy::new(0.5),
                (false, true) => SparseCategoricalAccuracy::new(),
                _ => CategoricalAccuracy::new(),
            };
            Box::new(m.named(&id))
        }
        // Keras names a metric given by identifier after the identifier (`"mse"` logs as
        // `mse`, not `mean_squared_error`).
        MetricSpec::Id(id) => metrics::from_json(&serde_json::json!({
            "class_name": id,
            "config": {"name": id},
        }))?,
    })
}

/// Spreads a per-output structure over the outputs: `n` entries in output order.
fn per_output<T>(
    what: &str,
    n: usize,
    names: &[String],
    list: Vec<T>,
    by_name: Option<Vec<(String, T)>>,
) -> Result<Vec<Option<T>>> {
    if let Some(pairs) = by_name {
        let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
        for (k, v) in pairs {
            let Some(i) = names.iter().position(|n| *n == k) else {
                bail!(
                    "compile",
                    "{what} names output {k:?}, but the model's outputs are {names:?}"
                );
            };
            out[i] = Some(v);
        }
        return Ok(out);
    }
    if list.len() != n {
        bail!(
            "compile",
            "{what} has {} entries but the model has {n} outputs",
            list.len()
        );
    }
    Ok(list.into_iter().map(Some).collect())
}

/// The resolved loss of one output.
struct OutputLoss {
    loss: Arc<dyn Loss>,
    weight: Option<f64>,
    tracker: Option<Mean>,
}

/// The compiled losses: one per output (or none), weighted and summed, with a `Mean` of
/// each when there are several (Keras's `CompileLoss`).
#[derive(Default)]
struct CompileLoss {
    spec: Option<LossSpec>,
    weights: Option<LossWeights>,
    built: Option<Vec<Option<OutputLoss>>>,
}

impl CompileLoss {
    fn build(&mut self, y_true: &[Tensor], y_pred: &[Tensor], names: &[String]) -> Result<()> {
        let n = y_pred.len();
        let Some(spec) = self.spec.take() else {
            self.built = Some(Vec::new());
            return Ok(());
        };
        let specs: Vec<Option<LossSpec>> = match spec {
            LossSpec::PerOutput(list) => per_output("loss", n, names, list, None)?
                .into_iter()
                .map(Option::flatten)
                .collect(),
            LossSpec::ByName(pairs) => per_output("loss", n, names, vec![], Some(pairs))?,
            single if n == 1 => vec![Some(single)],
            single => {
                // One loss for every output (the same object, as Keras).
                let first = resolve_loss(&single, &y_true[0], &y_pred[0])?;
                (0..n)
                    .map(|_| Some(LossSpec::Object(first.clone())))
                    .collect()
            }
        };
        let weights: Vec<Option<f64>> = match self.weights.clone() {
            None => vec![None; n],
            Some(LossWeights::Single(w)) if n == 1 => vec![Some(w)],
            Some(LossWeights::Single(_)) => bail!(
                "compile",
                "a single loss weight was given for a model with {n} outputs"
            ),
            Some(LossWeights::PerOutput(list)) => per_output("loss_weights", n, names, list, None)?,
            Some(LossWeights::ByName(pairs)) => {
                per_output("loss_weights", n, names, vec![], Some(pairs))?
            }
        };
        if y_true.len() != specs.iter().filter(|s| s.is_some()).count() && y_true.len() != n {
            bail!(
                "fit",
                "the model has {n} outputs but {} targets were given",
                y_true.len()
            );
        }
        let count = specs.iter().filter(|s| s.is_some()).count();
        let mut built = Vec::new();
        for (i, (spec, weight)) in specs.into_iter().zip(weights).enumerate() {
            let Some(spec) = spec else {
                built.push(None);
                continue;
            };
            let Some(t) = y_true.get(i) else {
                bail!("fit", "no target was given for output {i}");
            };
            let loss = resolve_loss(&spec, t, &y_pred[i])?;
            let name = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| loss.name().to_string());
            let tracker = (count > 1).then(|| Mean::new(&format!("{name}_loss")));
            built.push(Some(OutputLoss {
                loss,
                weight,
                tracker,
            }));
        }
        self.built = Some(built);
        Ok(())
    }

    fn metrics(&self) -> impl Iterator<Item = &Mean> {
        self.built
            .iter()
            .flatten()
            .flatten()
            .filter_map(|o| o.tracker.as_ref())
    }

    /// The weighted sum of the output losses (`None` without a loss).
    fn call(
        &mut self,
        batch: &Batch,
        y_pred: &[Tensor],
        names: &[String],
    ) -> Result<Option<Tensor>> {
        if self.built.is_none() {
            self.build(&batch.y, y_pred, names)?;
        }
        let built = self.built.as_ref().expect("built above");
        let mut total: Option<Tensor> = None;
        for (i, out) in built.iter().enumerate() {
            let Some(out) = out else { continue };
            let (Some(t), Some(p)) = (batch.y.get(i), y_pred.get(i)) else {
                bail!("fit", "no target was given for output {i}");
            };
            let sw = batch.sample_weight_for(i);
            let value = ops::cast(&out.loss.compute(t, p, sw)?, DType::F32)?;
            if let Some(tracker) = &out.tracker {
                let v = keras_ops::stop_gradient(&value).item()?;
                tracker.update_scalar(v, p.dims().first().copied().unwrap_or(1) as f64)?;
            }
            let value = match out.weight {
                Some(w) => ops::multiply(&value, w)?,
                None => value,
            };
            total = Some(match total {
                None => value,
                Some(t) => ops::add(&t, &value)?,
            });
        }
        Ok(total)
    }
}

/// The metrics of one output: `(display name, metric, weighted)`.
type OutputMetrics = Vec<(String, Box<dyn Metric>, bool)>;

/// The compiled metrics per output, named as Keras names them in the logs.
#[derive(Default)]
struct CompileMetrics {
    metrics: Option<MetricsSpec>,
    weighted: Option<MetricsSpec>,
    built: Option<Vec<OutputMetrics>>,
}

impl CompileMetrics {
    fn build(&mut self, y_true: &[Tensor], y_pred: &[Tensor], names: &[String]) -> Result<()> {
        let n = y_pred.len();
        let spread = |spec: MetricsSpec, what: &str| -> Result<Vec<Vec<MetricSpec>>> {
            Ok(match spec {
                MetricsSpec::None => (0..n).map(|_| Vec::new()).collect(),
                MetricsSpec::All(list) if n == 1 => vec![list],
                MetricsSpec::All(_) => bail!(
                    "compile",
                    "the model has {n} outputs: give {what} per output (a list per output or by output name)"
                ),
                MetricsSpec::PerOutput(lists) => per_output(what, n, names, lists, None)?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect(),
                MetricsSpec::ByName(pairs) => per_output(what, n, names, vec![], Some(pairs))?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect(),
            })
        };
        let plain = spread(self.metrics.take().unwrap_or_default(), "metrics")?;
        let weighted = spread(self.weighted.take().unwrap_or_default(), "weighted_metrics")?;
        let mut used: Vec<String> = Vec::new();
        let mut built: Vec<OutputMetrics> = (0..n).map(|_| Vec::new()).collect();
        for (is_weighted, lists) in [(false, plain), (true, weighted)] {
            for (i, list) in lists.into_iter().enumerate() {
                for spec in list {
                    let (Some(t), Some(p)) = (y_true.get(i), y_pred.get(i)) else {
                        bail!("fit", "no target was given for output {i}");
                    };
                    let m = resolve_metric(spec, t, p)?;
                    let prefix = if n > 1 {
                        names.get(i).map(|s| format!("{s}_")).unwrap_or_default()
                    } else {
                        String::new()
                    };
                    let base = format!("{prefix}{}", m.name());
                    let name = unique_name(&used, &base, is_weighted, &prefix, m.name());
                    used.push(name.clone());
                    built[i].push((name, m, is_weighted));
                }
            }
        }
        self.built = Some(built);
        Ok(())
    }

    fn update(&mut self, batch: &Batch, y_pred: &[Tensor], names: &[String]) -> Result<()> {
        if self.built.is_none() {
            self.build(&batch.y, y_pred, names)?;
        }
        for (i, list) in self.built.iter().flatten().enumerate() {
            for (_, m, weighted) in list {
                let sw = if *weighted {
                    batch.sample_weight_for(i)
                } else {
                    None
                };
                m.update_state(&batch.y[i], &y_pred[i], sw)?;
            }
        }
        Ok(())
    }

    fn all(&self) -> impl Iterator<Item = (&str, &dyn Metric)> {
        self.built
            .iter()
            .flatten()
            .flatten()
            .map(|(n, m, _)| (n.as_str(), m.as_ref()))
    }
}

/// Keras's log names: repeats get `_1`, `_2`…; a weighted metric clashing with an
/// unweighted one becomes `weighted_{name}`.
fn unique_name(used: &[String], base: &str, weighted: bool, prefix: &str, metric: &str) -> String {
    if !used.iter().any(|u| u == base) {
        return base.to_string();
    }
    let base = if weighted {
        format!("{prefix}weighted_{metric}")
    } else {
        base.to_string()
    };
    if !used.contains(&base) {
        return base;
    }
    (1..)
        .map(|i| format!("{base}_{i}"))
        .find(|c| !used.iter().any(|u| u == c))
        .expect("an unused name")
}

/// What `compile` set up: the optimizer, the losses and metrics per output, and the
/// `loss` tracker. `train_step` and `test_step` receive it.
pub struct Compiled {
    /// The optimizer `train_step` applies.
    pub optimizer: Optimizer,
    loss: CompileLoss,
    metrics: CompileMetrics,
    loss_tracker: Mean,
    output_names: Vec<String>,
}

impl Compiled {
    pub(crate) fn new(args: CompileArgs, output_names: Vec<String>) -> Result<Compiled> {
        let optimizer = match args.optimizer {
            None => Optimizer::get("rmsprop")?,
            Some(OptimizerSpec::Id(id)) => Optimizer::get(&id)?,
            Some(OptimizerSpec::Object(o)) => *o,
        };
        Ok(Compiled {
            optimizer,
            loss: CompileLoss {
                spec: args.loss,
                weights: args.loss_weights,
                built: None,
            },
            metrics: CompileMetrics {
                metrics: Some(args.metrics),
                weighted: Some(args.weighted_metrics),
                built: None,
            },
            loss_tracker: Mean::new("loss"),
            output_names,
        })
    }

    /// The compiled loss of a batch: each output's loss (with its sample weights) times its
    /// loss weight, summed; `None` when no loss was compiled. Updates the per-output loss
    /// trackers.
    pub fn compiled_loss(&mut self, batch: &Batch, y_pred: &[Tensor]) -> Result<Option<Tensor>> {
        self.loss.call(batch, y_pred, &self.output_names)
    }

    /// Records a batch's total loss in the `loss` tracker (weighted by the batch size).
    pub fn track_loss(&mut self, loss: &Tensor, batch_size: usize) -> Result<()> {
        self.loss_tracker
            .update_scalar(loss.item()?, batch_size as f64)
    }

    /// Updates the compiled metrics with a batch's targets and predictions.
    pub fn update_metrics(&mut self, batch: &Batch, y_pred: &[Tensor]) -> Result<()> {
        self.metrics.update(batch, y_pred, &self.output_names)
    }

    /// Every tracked metric in Keras's order: `loss`, the compiled metrics, then the
    /// per-output losses.
    pub fn metrics(&self) -> Vec<(&str, &dyn Metric)> {
        let mut out: Vec<(&str, &dyn Metric)> = vec![("loss", &self.loss_tracker)];
        out.extend(self.metrics.all());
        out.extend(self.loss.metrics().map(|m| (m.name(), m as &dyn Metric)));
        out
    }

    /// The current results of [`Compiled::metrics`] as logs.
    pub fn metrics_result(&self) -> Result<Logs> {
        let mut logs = Logs::new();
        for (name, m) in self.metrics() {
            logs.insert_result(name, &m.result()?)?;
        }
        Ok(logs)
    }

    /// Clears every tracked metric (at the start of each epoch and of `evaluate`).
    pub fn reset_metrics(&self) -> Result<()> {
        self.metrics().iter().try_for_each(|(_, m)| m.reset_state())
    }
}
