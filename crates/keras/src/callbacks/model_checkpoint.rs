//! [`ModelCheckpoint`]: saves the model's weights during training.

use std::path::Path;

use keras_backend::{bail, Error, Result};

use super::monitor::Monitor;
use super::pyfmt::{py_format, PyValue};
use super::{Callback, CallbackContext, Logs, Mode};

/// How often a checkpoint is written: at the end of every epoch, or every `n` batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveFreq {
    /// At the end of each epoch (Keras's `save_freq="epoch"`).
    #[default]
    Epoch,
    /// After every `n` training batches (Keras's integer `save_freq`).
    Batches(usize),
}

/// Counts batches for [`SaveFreq::Batches`] (Keras's `_should_save_on_batch`).
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchCounter {
    since_last: usize,
    last_batch: Option<usize>,
}

impl BatchCounter {
    /// Records batch `batch` (0-based within its epoch); true when `n` batches have passed
    /// since the last save.
    pub(crate) fn tick(&mut self, batch: usize, n: usize) -> bool {
        let add = match self.last_batch {
            Some(last) if batch > last => batch - last,
            _ => batch + 1,
        };
        self.since_last += add;
        self.last_batch = Some(batch);
        if self.since_last >= n {
            self.since_last = 0;
            true
        } else {
            false
        }
    }
    pub(crate) fn new_epoch(&mut self) {
        self.last_batch = None;
    }
    /// Continues a resumed epoch whose first `steps` batches already ran.
    pub(crate) fn resume_at(&mut self, steps: usize) {
        self.last_batch = steps.checked_sub(1);
    }
}

/// Saves the model's weights (Keras's `ModelCheckpoint`) to `filepath`, a Python format
/// string filled with `epoch` (1-based), `batch` (1-based, batch-level saving) and the
/// logs: `"ckpt/model_{epoch:02d}-{val_loss:.2f}.weights.h5"`. Every file is written
/// atomically. With `save_best_only`, a file is written only when `monitor` improves
/// (beyond `initial_value_threshold`, when set).
///
/// With `save_weights_only(false)` (the default) the path must end in `.keras` and the
/// whole model is saved ([`crate::saving::save_model`]); with `save_weights_only(true)` it
/// must end in `.weights.h5`. The legacy `.h5` model format is not supported.
///
/// ```
/// use keras::callbacks::{ModelCheckpoint, SaveFreq};
/// let mut ckpt = ModelCheckpoint::new("ckpt/best.weights.h5")
///     .save_weights_only(true)
///     .monitor("val_loss")
///     .save_best_only(true)
///     .save_freq(SaveFreq::Epoch);
/// // model.fit(data, FitArgs::new().callback(&mut ckpt))?;
/// ```
pub struct ModelCheckpoint {
    filepath: String,
    m: Monitor,
    verbose: u8,
    save_best_only: bool,
    save_weights_only: bool,
    save_freq: SaveFreq,
    initial_value_threshold: Option<f64>,
    counter: BatchCounter,
    current_epoch: usize,
    saved: Vec<String>,
}

impl ModelCheckpoint {
    /// A checkpoint to `filepath` with Keras's defaults (`val_loss`, mode auto, every
    /// epoch, every epoch saved).
    pub fn new(filepath: impl AsRef<Path>) -> ModelCheckpoint {
        ModelCheckpoint {
            filepath: filepath.as_ref().to_string_lossy().into_owned(),
            m: Monitor::new("val_loss", Mode::Auto, 0.0),
            verbose: 0,
            save_best_only: false,
            save_weights_only: false,
            save_freq: SaveFreq::Epoch,
            initial_value_threshold: None,
            counter: BatchCounter::default(),
            current_epoch: 0,
            saved: Vec::new(),
        }
    }
    /// The quantity compared by `save_best_only`.
    pub fn monitor(mut self, name: &str) -> Self {
        self.m.monitor = name.to_string();
        self
    }
    /// Whether the monitored quantity should go down, up, or be inferred from its name.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.m.mode = mode;
        self
    }
    /// 1 prints a message at each save.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// Save only when the monitored quantity improves.
    pub fn save_best_only(mut self, yes: bool) -> Self {
        self.save_best_only = yes;
        self
    }
    /// Save only the weights (`.weights.h5`) rather than the whole model (`.keras`).
    pub fn save_weights_only(mut self, yes: bool) -> Self {
        self.save_weights_only = yes;
        self
    }
    /// Every epoch, or every `n` batches.
    pub fn save_freq(mut self, f: SaveFreq) -> Self {
        self.save_freq = f;
        self
    }
    /// The value the monitored quantity must beat for the first save (with
    /// `save_best_only`).
    pub fn initial_value_threshold(mut self, v: Option<f64>) -> Self {
        self.initial_value_threshold = v;
        self.m.best = v;
        self
    }

    /// The best monitored value so far (or the initial threshold).
    pub fn best(&self) -> Option<f64> {
        self.m.best
    }
    /// Every path written so far, in order.
    pub fn saved_paths(&self) -> &[String] {
        &self.saved
    }

    fn check_args(&self) -> Result<()> {
        if let SaveFreq::Batches(0) = self.save_freq {
            bail!("ModelCheckpoint", "save_freq must be at least 1 batch");
        }
        if self.save_weights_only {
            if !self.filepath.ends_with(".weights.h5") {
                bail!(
                    "ModelCheckpoint",
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in `.weights.h5` (Keras weights format). Received: filepath={}",
                    self.filepath
                );
            }
        } else if self.filepath.ends_with(".h5") {
            bail!(
                "ModelCheckpoint",
                "saving the whole model in the legacy `.h5` format is not implemented yet; use a `.keras` filepath, or save_weights_only(true) with a `.weights.h5` one (got {})",
                self.filepath
            );
        } else if !self.filepath.ends_with(".keras") {
            bail!(
                "ModelCheckpoint",
                "The filepath provided must end in `.keras` (Keras model format). Received: filepath={}",
                self.filepath
            );
        }
        Ok(())
    }

    fn file_path(&self, epoch: usize, batch: Option<usize>, logs: &Logs) -> Result<String> {
        let batch = batch.filter(|_| logs.get("batch").is_none());
        py_format(&self.filepath, |key| match key {
            "epoch" => Some(PyValue::Int(epoch as i64 + 1)),
            "batch" if batch.is_some() => batch.map(|b| PyValue::Int(b as i64 + 1)),
            k => logs.get(k).map(PyValue::Float),
        })
        .map_err(|e| {
            Error::msg(format!(
                "ModelCheckpoint: Failed to format this callback filepath: \"{}\". Reason: {e}",
                self.filepath
            ))
        })
    }

    fn should_save(&mut self, epoch: usize, logs: &Logs, filepath: &str) -> bool {
        if !self.save_best_only {
            if self.verbose > 0 {
                println!("\nEpoch {}: saving model to {filepath}", epoch + 1);
            }
            return true;
        }
        let Some(current) = logs.get(&self.m.monitor) else {
            eprintln!(
                "Warning: Can save best model only with {} available.",
                self.m.monitor
            );
            return true;
        };
        let best = self
            .m
            .best
            .map_or("None".to_string(), |b| format!("{b:.5}"));
        if self.m.is_improvement(current, self.m.best) {
            if self.verbose > 0 {
                println!(
                    "\nEpoch {}: {} improved from {best} to {current:.5}, saving model to {filepath}",
                    epoch + 1,
                    self.m.monitor
                );
            }
            self.m.best = Some(current);
            true
        } else {
            if self.verbose > 0 {
                println!(
                    "\nEpoch {}: {} did not improve from {best}",
                    epoch + 1,
                    self.m.monitor
                );
            }
            false
        }
    }

    fn save(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        batch: Option<usize>,
        logs: &Logs,
    ) -> Result<()> {
        let filepath = self.file_path(epoch, batch, logs)?;
        if self.save_best_only {
            self.m.resolve(ctx, "ModelCheckpoint")?;
        }
        if !self.should_save(epoch, logs, &filepath) {
            return Ok(());
        }
        let path = Path::new(&filepath);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::msg(format!(
                    "ModelCheckpoint: cannot create {}: {e}",
                    dir.display()
                ))
            })?;
        }
        if path.is_dir() {
            bail!(
                "ModelCheckpoint",
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: {filepath}"
            );
        }
        if self.save_weights_only {
            crate::saving::save_weights(ctx.model, ctx.optimizer.as_deref(), path)?;
        } else {
            crate::saving::save_model(ctx.model, ctx.optimizer.as_deref(), path)?;
        }
        if self.verbose > 0 {
            println!("\nEpoch {}: finished saving model to {filepath}", epoch + 1);
        }
        self.saved.push(filepath);
        Ok(())
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.check_args()
    }
    fn on_epoch_begin(
        &mut self,
        _: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.current_epoch = epoch;
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if let SaveFreq::Batches(n) = self.save_freq {
            if self.counter.tick(batch, n) {
                let epoch = self.current_epoch;
                self.save(ctx, epoch, Some(batch), logs)?;
            }
        }
        Ok(())
    }
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.m.resolve(ctx, "ModelCheckpoint")?;
        if self.save_freq == SaveFreq::Epoch {
            self.save(ctx, epoch, None, logs)?;
        }
        Ok(())
    }
}
