//! The [`Trainer`] trait (the overridable steps of training, as Keras's `Model.train_step`
//! and friends) and [`TrainerExt`] (`compile`, `fit`, `evaluate`, `predict`, …).

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use keras_backend::bail;
use keras_ops::{ops, GradientTape, Result, Tensor};

use super::compile::{CompileArgs, Compiled};
use super::data::{
    class_weights_to_sample_weights, epoch_steps, run_epoch, Batch, Data, Dataset, TensorDataset,
};
use crate::callbacks::callback_list::CallbackList;
use crate::callbacks::monitor::metric_class_direction;
use crate::callbacks::{Callback, CallbackContext, History, Logs, Mode, Params};
use crate::layers::{CallArgs, Layer, LayerExt};
use crate::metrics::Metric;
use crate::optimizers::Optimizer;

/// The steps `fit`, `evaluate` and `predict` run on each batch; override them to customize
/// training while keeping everything else of `fit` (callbacks, progress bar, validation).
///
/// Sequential and Functional models implement it with Keras's defaults. A subclassed model
/// implements it too, empty or with its own steps:
///
/// ```
/// use keras::callbacks::Logs;
/// use keras::layers::{CallArgs, LayerExt};
/// use keras::trainers::{Batch, Compiled, Trainer};
/// use keras::{GradientTape, Result};
/// # use keras::layers::Dense;
/// # #[derive(keras::layers::Layer)]
/// # #[keras(model)]
/// # struct MyModel { base: keras::layers::LayerBase, dense: Dense }
/// # impl keras::layers::Module for MyModel {
/// #     fn call(&self, inputs: &[keras::Tensor], args: &CallArgs) -> Result<Vec<keras::Tensor>> {
/// #         self.dense.call_with(inputs, args)
/// #     }
/// # }
/// impl Trainer for MyModel {
///     fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
///         let tape = GradientTape::new();
///         let y_pred = self.call_with(&batch.x, &CallArgs::training())?;
///         let loss = self.compute_loss(state, batch, &y_pred, true)?;
///         let vars = self.trainable_weights();
///         let grads = tape.gradient(&loss, &vars)?;
///         drop(tape);
///         let pairs: Vec<_> = grads.into_iter().zip(vars).filter_map(|(g, v)| Some((g?, v))).collect();
///         state.optimizer.apply_gradients(&pairs)?;
///         state.track_loss(&loss, batch.len())?;
///         state.update_metrics(batch, &y_pred)?;
///         state.metrics_result()
///     }
/// }
/// ```
pub trait Trainer: Layer {
    /// One training step on a batch (Keras's `train_step`): forward in training mode, loss,
    /// gradients, optimizer update, metrics; returns the logs shown for this batch.
    fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        default_train_step(self, state, batch)
    }
    /// One evaluation step (Keras's `test_step`): forward in inference mode, loss, metrics.
    fn test_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        default_test_step(self, state, batch)
    }
    /// One prediction step (Keras's `predict_step`): the model's outputs on `batch.x`.
    fn predict_step(&self, batch: &Batch) -> Result<Vec<Tensor>> {
        self.call_with(&batch.x, &CallArgs::inference())
    }
    /// The total loss of a batch (Keras's `compute_loss`): the compiled losses plus the
    /// model's own losses (regularization penalties, `add_loss`).
    fn compute_loss(
        &self,
        state: &mut Compiled,
        batch: &Batch,
        y_pred: &[Tensor],
        _training: bool,
    ) -> Result<Tensor> {
        default_compute_loss(self, state, batch, y_pred)
    }
    /// Metrics the model tracks itself (reset with the compiled ones at each epoch, and
    /// reported after them by the default steps).
    fn metrics(&self) -> Vec<&dyn Metric> {
        Vec::new()
    }
    /// The names of the outputs, for per-output losses and metrics (`"dense_1_loss"`).
    fn output_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Keras's default `compute_loss`: the compiled losses plus the model's own losses.
pub(crate) fn default_compute_loss<T: Trainer + ?Sized>(
    model: &T,
    state: &mut Compiled,
    batch: &Batch,
    y_pred: &[Tensor],
) -> Result<Tensor> {
    let mut total = state.compiled_loss(batch, y_pred)?;
    for l in model.losses()? {
        let l = ops::sum(&ops::cast(&l, keras_ops::DType::F32)?, None, false)?;
        total = Some(match total {
            None => l,
            Some(t) => ops::add(&t, &l)?,
        });
    }
    match total {
        Some(t) => Ok(t),
        None => bail!(
            "fit",
            "no loss to compute: give a loss to compile() or add losses in the model"
        ),
    }
}

/// The compiled metrics' results followed by the model's own metrics.
fn step_logs<T: Trainer + ?Sized>(model: &T, state: &Compiled) -> Result<Logs> {
    let mut logs = state.metrics_result()?;
    for m in model.metrics() {
        logs.insert_result(m.name(), &m.result()?)?;
    }
    Ok(logs)
}

/// Keras's default `train_step`.
pub(crate) fn default_train_step<T: Trainer + ?Sized>(
    model: &T,
    state: &mut Compiled,
    batch: &Batch,
) -> Result<Logs> {
    let (loss, y_pred, vars, grads) = {
        let tape = GradientTape::new();
        let y_pred = model.call_with(&batch.x, &CallArgs::training())?;
        let loss = model.compute_loss(state, batch, &y_pred, true)?;
        // Listed after the call, which builds the layers of a model not built yet: all
        // of its variables exist only then (Keras's `fit` builds the model beforehand).
        let vars = model.trainable_weights();
        let grads = tape.gradient(&loss, &vars)?;
        (loss, y_pred, vars, grads)
    };
    let (grads, used): (Vec<Tensor>, Vec<_>) = grads
        .into_iter()
        .zip(vars)
        .filter_map(|(g, v)| Some((g?, v)))
        .unzip();
    state.optimizer.apply(&grads, &used)?;
    model.apply_weight_constraints()?;
    state.track_loss(&loss, batch.len())?;
    state.update_metrics(batch, &y_pred)?;
    step_logs(model, state)
}

/// Keras's default `test_step`.
pub(crate) fn default_test_step<T: Trainer + ?Sized>(
    model: &T,
    state: &mut Compiled,
    batch: &Batch,
) -> Result<Logs> {
    let y_pred = model.call_with(&batch.x, &CallArgs::inference())?;
    let loss = model.compute_loss(state, batch, &y_pred, false)?;
    state.track_loss(&loss, batch.len())?;
    state.update_metrics(batch, &y_pred)?;
    step_logs(model, state)
}

/// The arguments of `fit` beyond the data (Keras's keyword arguments, same defaults).
///
/// ```
/// use keras::trainers::FitArgs;
/// let args = FitArgs::new().batch_size(128).epochs(15).validation_split(0.1);
/// ```
pub struct FitArgs<'a> {
    batch_size: Option<usize>,
    epochs: usize,
    verbose: u8,
    callbacks: Vec<&'a mut dyn Callback>,
    validation_split: f64,
    validation_data: Option<Data>,
    shuffle: bool,
    class_weight: Option<Vec<(usize, f64)>>,
    initial_epoch: usize,
    steps_per_epoch: Option<usize>,
    validation_steps: Option<usize>,
    validation_batch_size: Option<usize>,
    validation_freq: usize,
}

impl Default for FitArgs<'_> {
    fn default() -> Self {
        FitArgs {
            batch_size: None,
            epochs: 1,
            verbose: 1,
            callbacks: Vec::new(),
            validation_split: 0.0,
            validation_data: None,
            shuffle: true,
            class_weight: None,
            initial_epoch: 0,
            steps_per_epoch: None,
            validation_steps: None,
            validation_batch_size: None,
            validation_freq: 1,
        }
    }
}

impl<'a> FitArgs<'a> {
    /// Keras's defaults: 1 epoch, batches of 32, shuffled, verbose 1.
    pub fn new() -> Self {
        Self::default()
    }
    /// Samples per batch for array data (default 32).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = Some(n);
        self
    }
    /// The epoch to stop after (counting from 0, so `initial_epoch..epochs` run).
    pub fn epochs(mut self, n: usize) -> Self {
        self.epochs = n;
        self
    }
    /// 0 silent, 1 progress bar, 2 one line per epoch.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// Adds a callback (it stays borrowed for the run, so it can be inspected afterwards).
    pub fn callback(mut self, c: &'a mut dyn Callback) -> Self {
        self.callbacks.push(c);
        self
    }
    /// Holds out the last `fraction` of array data for validation.
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.validation_split = fraction;
        self
    }
    /// Data evaluated at the end of each epoch (`val_` logs).
    pub fn validation_data(mut self, d: impl Into<Data>) -> Self {
        self.validation_data = Some(d.into());
        self
    }
    /// Whether to reshuffle array data each epoch (default true).
    pub fn shuffle(mut self, s: bool) -> Self {
        self.shuffle = s;
        self
    }
    /// Per-class loss weights `(class index, weight)` for a single-output model.
    pub fn class_weight(mut self, w: &[(usize, f64)]) -> Self {
        self.class_weight = Some(w.to_vec());
        self
    }
    /// The epoch to start at (to resume a run).
    pub fn initial_epoch(mut self, e: usize) -> Self {
        self.initial_epoch = e;
        self
    }
    /// Batches per epoch (needed for data of unknown length).
    pub fn steps_per_epoch(mut self, n: usize) -> Self {
        self.steps_per_epoch = Some(n);
        self
    }
    /// Batches per validation pass.
    pub fn validation_steps(mut self, n: usize) -> Self {
        self.validation_steps = Some(n);
        self
    }
    /// Batch size of the validation pass (default: `batch_size`).
    pub fn validation_batch_size(mut self, n: usize) -> Self {
        self.validation_batch_size = Some(n);
        self
    }
    /// Validate every `n` epochs (default 1).
    pub fn validation_freq(mut self, n: usize) -> Self {
        self.validation_freq = n;
        self
    }
}

/// The arguments of `evaluate` beyond the data.
#[derive(Default)]
pub struct EvaluateArgs<'a> {
    batch_size: Option<usize>,
    verbose: Option<u8>,
    steps: Option<usize>,
    callbacks: Vec<&'a mut dyn Callback>,
}

impl<'a> EvaluateArgs<'a> {
    /// Batches of 32, verbose 1.
    pub fn new() -> Self {
        Self::default()
    }
    /// Samples per batch for array data (default 32).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = Some(n);
        self
    }
    /// 0 silent, 1 progress bar, 2 one line.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = Some(v);
        self
    }
    /// Batches to evaluate (default: all).
    pub fn steps(mut self, n: usize) -> Self {
        self.steps = Some(n);
        self
    }
    /// Adds a callback.
    pub fn callback(mut self, c: &'a mut dyn Callback) -> Self {
        self.callbacks.push(c);
        self
    }
}

/// The arguments of `predict` beyond the inputs (same options as [`EvaluateArgs`]).
pub type PredictArgs<'a> = EvaluateArgs<'a>;

/// The compiled state taken out of the model for a run and put back when it ends, even
/// on error.
struct Taken<'m> {
    slot: &'m Mutex<Option<Box<Compiled>>>,
    state: Option<Box<Compiled>>,
}

impl<'m> Taken<'m> {
    fn new(model: &'m dyn Layer, what: &str) -> Result<Taken<'m>> {
        let slot = model.base().compiled_slot();
        let state = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        match state {
            Some(s) => Ok(Taken {
                slot,
                state: Some(s),
            }),
            None => bail!(
                what,
                "model {:?} must be compiled first: call compile() (or it is already in use by another fit/evaluate)",
                model.base().name()
            ),
        }
    }
}

impl<'m> Taken<'m> {
    /// The compiled state if there is one (`predict` runs without, but shows the optimizer
    /// to callbacks when it can).
    fn optional(model: &'m dyn Layer) -> Option<Taken<'m>> {
        let slot = model.base().compiled_slot();
        let state = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        state.map(|s| Taken {
            slot,
            state: Some(s),
        })
    }
}

impl Deref for Taken<'_> {
    type Target = Compiled;
    fn deref(&self) -> &Compiled {
        self.state.as_deref().expect("present until drop")
    }
}

impl DerefMut for Taken<'_> {
    fn deref_mut(&mut self) -> &mut Compiled {
        self.state.as_deref_mut().expect("present until drop")
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = self.state.take();
    }
}

/// The state of one run that callbacks see through their [`CallbackContext`].
struct Run<'m> {
    model: &'m dyn Layer,
    params: Params,
    stop: bool,
    resume: Option<(usize, usize)>,
    metric_directions: Vec<(String, Mode)>,
    metrics_noted: bool,
}

impl<'m> Run<'m> {
    fn new(model: &'m dyn Layer, params: Params) -> Run<'m> {
        Run {
            model,
            params,
            stop: false,
            resume: None,
            metric_directions: Vec::new(),
            metrics_noted: false,
        }
    }
    /// Records the compiled metrics' directions (for `Mode::Auto` monitors) once they are
    /// built.
    fn note_metrics(&mut self, state: &Compiled) {
        if !self.metrics_noted {
            self.metrics_noted = true;
            self.metric_directions = state
                .metrics()
                .iter()
                .filter_map(|(name, m)| {
                    metric_class_direction(m.class_name()).map(|d| (name.to_string(), d))
                })
                .collect();
        }
    }
    fn ctx<'a>(&'a mut self, optimizer: Option<&'a mut Optimizer>) -> CallbackContext<'a> {
        CallbackContext {
            model: self.model,
            optimizer,
            params: &self.params,
            stop_training: &mut self.stop,
            resume_at: &mut self.resume,
            metric_directions: &self.metric_directions,
        }
    }
}

/// Array data as a dataset of `batch_size` batches (default 32), or the dataset as is.
fn to_dataset(data: Data, batch_size: Option<usize>) -> Result<Arc<dyn Dataset>> {
    Ok(match data {
        Data::Arrays {
            x,
            y,
            sample_weight,
        } => Arc::new(
            TensorDataset::with_sample_weight(x, y, sample_weight)?
                .batch_size(batch_size.unwrap_or(32))?,
        ),
        Data::Dataset(d) => {
            if batch_size.is_some() {
                bail!(
                    "fit",
                    "batch_size is for array data; a dataset makes its own batches"
                );
            }
            d
        }
    })
}

/// Adds class-weight sample weights to every batch of a dataset.
struct ClassWeighted {
    inner: Arc<dyn Dataset>,
    weights: Vec<(usize, f64)>,
}

impl Dataset for ClassWeighted {
    fn num_batches(&self) -> Option<usize> {
        self.inner.num_batches()
    }
    fn get_batch(&self, index: usize) -> Result<Batch> {
        let mut b = self.inner.get_batch(index)?;
        let [y] = b.y.as_slice() else {
            bail!(
                "fit",
                "class_weight needs exactly one target, got {}",
                b.y.len()
            );
        };
        let w = class_weights_to_sample_weights(y, &self.weights)?;
        b.sample_weight = vec![match b.sample_weight.first() {
            Some(sw) => ops::multiply(sw, &w)?,
            None => w,
        }];
        Ok(b)
    }
    fn on_epoch_begin(&self, epoch: usize) -> Result<()> {
        self.inner.on_epoch_begin(epoch)
    }
    fn on_epoch_end(&self) -> Result<()> {
        self.inner.on_epoch_end()
    }
    fn prefetch_depth(&self) -> usize {
        self.inner.prefetch_depth()
    }
}

/// Runs the evaluation loop over `data` with `callbacks` (shared with `fit` for
/// validation) and returns the final, sorted logs.
fn evaluate_loop<T: Trainer>(
    model: &T,
    state: &mut Compiled,
    data: &dyn Dataset,
    steps: Option<usize>,
    callbacks: &mut CallbackList,
    run: &mut Run,
) -> Result<Logs> {
    let steps = epoch_steps(data, steps, "evaluate")?;
    state.reset_metrics()?;
    model.metrics().iter().try_for_each(|m| m.reset_state())?;
    let mut logs = Logs::new();
    callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
        c.on_test_begin(ctx, &mut Logs::new())
    })?;
    run_epoch(data, 0, steps, 0, |i, batch| {
        callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
            c.on_test_batch_begin(ctx, i, &mut Logs::new())
        })?;
        logs = model.test_step(state, &batch)?.sorted();
        callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
            c.on_test_batch_end(ctx, i, &mut logs)
        })?;
        Ok(true)
    })?;
    callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
        c.on_test_end(ctx, &mut logs)
    })?;
    Ok(logs)
}

/// Keras's training API on every [`Trainer`]: `compile`, `fit`, `evaluate`, `predict` and
/// the single-batch versions.
///
/// ```
/// use keras::layers::{Dense, Input, Apply};
/// use keras::models::Model;
/// use keras::trainers::{CompileArgs, FitArgs, TrainerExt};
/// use keras::{ops, Tensor};
/// let inputs = Input::new(&[2]).build();
/// let outputs = Dense::new(1).apply(&inputs).unwrap();
/// let model = Model::new(inputs, outputs).unwrap();
/// model.compile(CompileArgs::new().optimizer("sgd").loss("mse")).unwrap();
/// let x = Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0], [4, 2]).unwrap();
/// let y = Tensor::from_vec(vec![1.0f32, 1.0, 2.0, 0.0], [4, 1]).unwrap();
/// let history = model.fit((&x, &y), FitArgs::new().epochs(3).verbose(0)).unwrap();
/// assert_eq!(history.get("loss").unwrap().len(), 3);
/// let pred = model.predict(&x, Default::default()).unwrap();
/// assert_eq!(pred[0].dims(), &[4, 1]);
/// ```
pub trait TrainerExt: Trainer + Sized {
    /// Configures the model for training (Keras's `compile`).
    fn compile(&self, args: CompileArgs) -> Result<()> {
        let config = args.config_tail();
        let compiled = Compiled::new(args, self.output_names())?;
        *self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Box::new(compiled));
        self.base().set_compile_config(Some(config));
        Ok(())
    }

    /// Whether `compile` was called.
    fn is_compiled(&self) -> bool {
        self.base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Runs `f` on the compiled optimizer (Keras's `model.optimizer`); `None` when the model
    /// is not compiled.
    ///
    /// ```
    /// use keras::layers::{Dense, Input};
    /// use keras::models::Sequential;
    /// use keras::trainers::{CompileArgs, TrainerExt};
    /// let mut m = Sequential::new();
    /// m.add(Input::new(&[3])).unwrap();
    /// m.add(Dense::new(1)).unwrap();
    /// assert!(m.with_optimizer(|o| o.get_name().to_string()).is_none());
    /// m.compile(CompileArgs::new().optimizer("adam").loss("mse")).unwrap();
    /// assert_eq!(m.with_optimizer(|o| o.get_name().to_string()).unwrap(), "adam");
    /// ```
    fn with_optimizer<R>(&self, f: impl FnOnce(&mut Optimizer) -> R) -> Option<R> {
        let mut slot = self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        slot.as_mut().map(|c| f(&mut c.optimizer))
    }

    /// Trains for `epochs` epochs (Keras's `fit`); returns the per-epoch logs.
    fn fit(&self, data: impl Into<Data>, args: FitArgs) -> Result<History> {
        let mut state = Taken::new(self, "fit")?;
        let FitArgs {
            batch_size,
            epochs,
            verbose,
            callbacks,
            validation_split,
            validation_data,
            shuffle,
            class_weight,
            initial_epoch,
            steps_per_epoch,
            validation_steps,
            validation_batch_size,
            validation_freq,
        } = args;
        if validation_freq == 0 {
            bail!("fit", "validation_freq must be at least 1");
        }
        let (train, validation): (Arc<dyn Dataset>, Option<Arc<dyn Dataset>>) = match data.into() {
            Data::Arrays {
                x,
                y,
                sample_weight,
            } => {
                let mut ds = TensorDataset::with_sample_weight(x, y, sample_weight)?
                    .batch_size(batch_size.unwrap_or(32))?;
                if ds.targets().is_empty() && self.losses()?.is_empty() {
                    bail!("fit", "no targets (y) were given");
                }
                let mut split = None;
                if validation_split > 0.0 && validation_data.is_none() {
                    let (t, v) = ds.split_last(validation_split)?;
                    ds = t;
                    split = Some(v);
                }
                if shuffle {
                    ds = ds.shuffle(crate::initializers::next_global_seed());
                }
                if let Some(cw) = &class_weight {
                    let [y] = ds.targets() else {
                        bail!("fit", "class_weight is only supported for a single output");
                    };
                    let w = class_weights_to_sample_weights(y, cw)?;
                    ds.set_sample_weight(vec![w]);
                }
                let val = split.map(|mut v| {
                    if let Some(b) = validation_batch_size {
                        v = v.batch_size(b)?;
                    }
                    Ok::<_, keras_ops::Error>(Arc::new(v) as Arc<dyn Dataset>)
                });
                (Arc::new(ds), val.transpose()?)
            }
            Data::Dataset(d) => {
                if validation_split > 0.0 {
                    bail!(
                        "fit",
                        "validation_split is only supported for array data; pass validation_data"
                    );
                }
                if batch_size.is_some() {
                    bail!(
                        "fit",
                        "batch_size is for array data; a dataset makes its own batches"
                    );
                }
                let d = match class_weight {
                    Some(weights) => Arc::new(ClassWeighted { inner: d, weights }),
                    None => d,
                };
                (d, None)
            }
        };
        let validation = match validation_data {
            Some(v) => Some(to_dataset(v, validation_batch_size.or(batch_size))?),
            None => validation,
        };
        let steps = epoch_steps(&*train, steps_per_epoch, "fit")?;
        let params = Params {
            epochs,
            steps: Some(steps),
            verbose,
        };
        let mut callbacks = CallbackList::new(callbacks, true, verbose);
        let mut run = Run::new(self, params);
        callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
            c.on_train_begin(ctx, &mut Logs::new())
        })?;
        let (first_epoch, mut first_step) = run.resume.unwrap_or((initial_epoch, 0));
        let mut last_logs = Logs::new();
        let mut epoch_loop = || -> Result<()> {
            for epoch in first_epoch..epochs {
                state.reset_metrics()?;
                self.metrics().iter().try_for_each(|m| m.reset_state())?;
                callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
                    c.on_epoch_begin(ctx, epoch, &mut Logs::new())
                })?;
                let mut logs = Logs::new();
                run_epoch(&*train, epoch, steps, first_step, |i, batch| {
                    callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
                        c.on_train_batch_begin(ctx, i, &mut Logs::new())
                    })?;
                    logs = self.train_step(&mut state, &batch)?.sorted();
                    run.note_metrics(&state);
                    callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
                        c.on_train_batch_end(ctx, i, &mut logs)
                    })?;
                    if run.stop {
                        return Ok(false);
                    }
                    if let Some(loss) = logs.get("loss").filter(|l| !l.is_finite()) {
                        bail!(
                        "fit",
                        "the loss became {loss} at epoch {}, batch {i}; lower the learning rate, check the data, or add a TerminateOnNaN callback to stop cleanly",
                        epoch + 1
                    );
                    }
                    Ok(true)
                })?;
                first_step = 0;
                if logs.is_empty() {
                    logs = step_logs(self, &state)?.sorted();
                }
                if let Some(val) = &validation {
                    if (epoch + 1) % validation_freq == 0 {
                        let val_logs = evaluate_loop(
                            self,
                            &mut state,
                            &**val,
                            validation_steps,
                            &mut callbacks,
                            &mut run,
                        )?;
                        logs.extend(&val_logs.prefixed("val_"));
                    }
                }
                callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
                    c.on_epoch_end(ctx, epoch, &mut logs)
                })?;
                last_logs = logs;
                if run.stop {
                    break;
                }
            }
            Ok(())
        };
        let trained = epoch_loop();
        // As Keras, even when training failed: with `use_ema`, the model takes the averages.
        if epochs > 0 {
            state
                .optimizer
                .finalize_variable_values(&self.trainable_weights())?;
        }
        trained?;
        callbacks.each(&mut run.ctx(Some(&mut state.optimizer)), |c, ctx| {
            c.on_train_end(ctx, &mut last_logs)
        })?;
        Ok(callbacks.into_history())
    }

    /// Loss and metrics on `data` (Keras's `evaluate(return_dict=True)`; the values in order
    /// are [`Logs::values`]).
    fn evaluate(&self, data: impl Into<Data>, args: EvaluateArgs) -> Result<Logs> {
        let mut state = Taken::new(self, "evaluate")?;
        let data = to_dataset(data.into(), args.batch_size)?;
        let verbose = args.verbose.unwrap_or(1);
        let steps = epoch_steps(&*data, args.steps, "evaluate")?;
        let mut callbacks = CallbackList::new(args.callbacks, false, verbose);
        let params = Params {
            epochs: 0,
            steps: Some(steps),
            verbose,
        };
        let mut run = Run::new(self, params);
        evaluate_loop(
            self,
            &mut state,
            &*data,
            Some(steps),
            &mut callbacks,
            &mut run,
        )
    }

    /// The model's outputs on `x`, batch by batch, concatenated (Keras's `predict`).
    fn predict(&self, x: impl Into<Data>, args: PredictArgs) -> Result<Vec<Tensor>> {
        let data = to_dataset(x.into(), args.batch_size)?;
        let verbose = args.verbose.unwrap_or(1);
        let steps = epoch_steps(&*data, args.steps, "predict")?;
        let mut callbacks = CallbackList::new(args.callbacks, false, verbose);
        let mut run = Run::new(
            self,
            Params {
                epochs: 0,
                steps: Some(steps),
                verbose,
            },
        );
        let mut state = Taken::optional(self);
        let mut outputs: Vec<Vec<Tensor>> = Vec::new();
        callbacks.each(
            &mut run.ctx(state.as_mut().map(|s| &mut s.optimizer)),
            |c, ctx| c.on_predict_begin(ctx, &mut Logs::new()),
        )?;
        run_epoch(&*data, 0, steps, 0, |i, batch| {
            callbacks.each(
                &mut run.ctx(state.as_mut().map(|s| &mut s.optimizer)),
                |c, ctx| c.on_predict_batch_begin(ctx, i, &mut Logs::new()),
            )?;
            let outs = self.predict_step(&batch)?;
            if outputs.is_empty() {
                outputs = vec![Vec::new(); outs.len()];
            }
            for (acc, o) in outputs.iter_mut().zip(outs) {
                acc.push(o);
            }
            callbacks.each(
                &mut run.ctx(state.as_mut().map(|s| &mut s.optimizer)),
                |c, ctx| c.on_predict_batch_end(ctx, i, &mut Logs::new()),
            )?;
            Ok(true)
        })?;
        callbacks.each(
            &mut run.ctx(state.as_mut().map(|s| &mut s.optimizer)),
            |c, ctx| c.on_predict_end(ctx, &mut Logs::new()),
        )?;
        outputs
            .iter()
            .map(|parts| {
                let refs: Vec<&Tensor> = parts.iter().collect();
                ops::concatenate(&refs, 0)
            })
            .collect()
    }

    /// One training step on one batch; metrics keep accumulating across calls until
    /// [`reset_metrics`](TrainerExt::reset_metrics) (Keras's `train_on_batch`).
    fn train_on_batch(&self, batch: impl Into<Data>) -> Result<Logs> {
        let mut state = Taken::new(self, "train_on_batch")?;
        let batch = single_batch(batch.into())?;
        Ok(self.train_step(&mut state, &batch)?.sorted())
    }

    /// One evaluation step on one batch (Keras's `test_on_batch`).
    fn test_on_batch(&self, batch: impl Into<Data>) -> Result<Logs> {
        let mut state = Taken::new(self, "test_on_batch")?;
        let batch = single_batch(batch.into())?;
        Ok(self.test_step(&mut state, &batch)?.sorted())
    }

    /// The outputs on one batch of inputs (Keras's `predict_on_batch`).
    fn predict_on_batch(&self, x: impl Into<Data>) -> Result<Vec<Tensor>> {
        self.predict_step(&single_batch(x.into())?)
    }

    /// Saves the weights, and the compiled optimizer's variables, to a Keras
    /// `.weights.h5` file (Keras's `model.save_weights`; see [`crate::saving::save_weights`]).
    fn save_weights(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let slot = self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::saving::save_weights(self, slot.as_ref().map(|c| &c.optimizer), path)
    }

    /// Saves the whole model, with the compiled optimizer, to a Keras `.keras` archive
    /// (Keras's `model.save`; see [`crate::saving::save_model`]).
    fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let slot = self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::saving::save_model(self, slot.as_ref().map(|c| &c.optimizer), path)
    }

    /// The model's config as Keras's `model.to_json()`: its object dict with the
    /// `compile_config` (`{}` when not compiled). Rebuild it with
    /// [`model_from_json`](crate::models::model_from_json).
    ///
    /// ```
    /// use keras::layers::{Dense, Input};
    /// use keras::models::Sequential;
    /// use keras::trainers::{CompileArgs, TrainerExt};
    /// let mut m = Sequential::named("m");
    /// m.add(Input::new(&[3])).unwrap();
    /// m.add(Dense::new(2)).unwrap();
    /// m.compile(CompileArgs::new().optimizer("sgd").loss("mse")).unwrap();
    /// let json = m.to_json().unwrap();
    /// let copy = keras::models::model_from_json(&json).unwrap();
    /// assert!(copy.is_compiled());
    /// assert_eq!(copy.to_json().unwrap(), json);
    /// ```
    fn to_json(&self) -> Result<String> {
        let slot = self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        Ok(crate::saving::serialize_model(self, slot.as_ref().map(|c| &c.optimizer))?.to_string())
    }

    /// Loads a Keras `.weights.h5` file into the model and, when the file has them and it
    /// is built, the compiled optimizer (Keras's `model.load_weights`; see
    /// [`crate::saving::load_weights`]).
    fn load_weights(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let slot = self
            .base()
            .compiled_slot()
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        crate::saving::load_weights(self, slot.as_ref().map(|c| &c.optimizer), path)
    }

    /// Clears the compiled and the model's own metrics.
    fn reset_metrics(&self) -> Result<()> {
        let state = Taken::new(self, "reset_metrics")?;
        state.reset_metrics()?;
        self.metrics().iter().try_for_each(|m| m.reset_state())
    }
}

impl<T: Trainer> TrainerExt for T {}

/// Array data taken whole as one batch.
fn single_batch(data: Data) -> Result<Batch> {
    match data {
        Data::Arrays {
            x,
            y,
            sample_weight,
        } => {
            TensorDataset::with_sample_weight(x.clone(), y.clone(), sample_weight.clone())?;
            Ok(Batch {
                x,
                y,
                sample_weight,
            })
        }
        Data::Dataset(_) => bail!("on_batch", "give arrays for a single batch, not a dataset"),
    }
}
