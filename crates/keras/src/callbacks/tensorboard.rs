//! [`TensorBoard`]: writes training metrics as TensorBoard event files.

use std::path::{Path, PathBuf};

use keras_backend::Result;

use super::tfevents::EventWriter;
use super::{Callback, CallbackContext, Logs};

/// How often [`TensorBoard`] writes metrics: per epoch, or also every `n` batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UpdateFreq {
    /// `epoch_<metric>` scalars at the end of each epoch (Keras's default).
    #[default]
    Epoch,
    /// Also `batch_<metric>` scalars every `n` training batches (Keras's integer
    /// `update_freq`; `Batches(1)` is `"batch"`).
    Batches(usize),
}

/// Logs scalars for TensorBoard as Keras's `TensorBoard` callback names them: at each
/// epoch end, `epoch_<name>` (with `epoch_learning_rate`) at step `epoch` in
/// `<log_dir>/train`, and the `val_` metrics as `epoch_<name>` in `<log_dir>/validation`;
/// after each evaluation, `evaluation_<name>_vs_iterations` at the optimizer's step in
/// `validation`; with [`UpdateFreq::Batches`], `batch_<name>` at the global batch in
/// `train`. Files are real TFRecord event files (`events.out.tfevents.*`), readable by
/// TensorBoard. (Histograms, images, the graph and profiling are not written.)
///
/// ```
/// use keras::callbacks::{TensorBoard, UpdateFreq};
/// let mut tb = TensorBoard::new("logs").update_freq(UpdateFreq::Batches(100));
/// // model.fit(data, FitArgs::new().callback(&mut tb))?;
/// ```
pub struct TensorBoard {
    log_dir: PathBuf,
    update_freq: UpdateFreq,
    train: Option<EventWriter>,
    val: Option<EventWriter>,
    global_train_batch: i64,
    global_test_batch: i64,
}

impl TensorBoard {
    /// Logs under `log_dir` (Keras's default is `"logs"`), once per epoch.
    pub fn new(log_dir: impl AsRef<Path>) -> TensorBoard {
        TensorBoard {
            log_dir: log_dir.as_ref().to_path_buf(),
            update_freq: UpdateFreq::Epoch,
            train: None,
            val: None,
            global_train_batch: 0,
            global_test_batch: 0,
        }
    }
    /// Also write batch-level scalars every `n` batches.
    pub fn update_freq(mut self, f: UpdateFreq) -> Self {
        self.update_freq = f;
        self
    }
    /// The `train` run directory.
    pub fn train_dir(&self) -> PathBuf {
        self.log_dir.join("train")
    }
    /// The `validation` run directory.
    pub fn validation_dir(&self) -> PathBuf {
        self.log_dir.join("validation")
    }
    fn train_writer(&mut self) -> Result<&mut EventWriter> {
        if self.train.is_none() {
            self.train = Some(EventWriter::create(self.train_dir())?);
        }
        Ok(self.train.as_mut().expect("created above"))
    }
    fn val_writer(&mut self) -> Result<&mut EventWriter> {
        if self.val.is_none() {
            self.val = Some(EventWriter::create(self.validation_dir())?);
        }
        Ok(self.val.as_mut().expect("created above"))
    }
    fn close(&mut self) -> Result<()> {
        for w in [self.train.as_mut(), self.val.as_mut()]
            .into_iter()
            .flatten()
        {
            w.flush()?;
        }
        self.train = None;
        self.val = None;
        Ok(())
    }
}

impl Callback for TensorBoard {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.global_train_batch = 0;
        Ok(())
    }
    fn on_train_end(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.close()
    }
    fn on_train_batch_begin(
        &mut self,
        _: &mut CallbackContext,
        _: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.global_train_batch += 1;
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        _: &mut CallbackContext,
        _: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if let UpdateFreq::Batches(n) = self.update_freq {
            let step = self.global_train_batch;
            if n > 0 && step % n as i64 == 0 {
                let w = self.train_writer()?;
                for (name, value) in logs.iter() {
                    w.add_scalar(&format!("batch_{name}"), value, step)?;
                }
            }
        }
        Ok(())
    }
    fn on_test_batch_begin(
        &mut self,
        _: &mut CallbackContext,
        _: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.global_test_batch += 1;
        Ok(())
    }
    fn on_test_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        let Some(step) = ctx.optimizer.as_deref().map(|o| o.iterations()) else {
            return Ok(());
        };
        let w = self.val_writer()?;
        for (name, value) in logs.iter() {
            w.add_scalar(&format!("evaluation_{name}_vs_iterations"), value, step)?;
        }
        w.flush()
    }
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if logs.is_empty() {
            return Ok(());
        }
        let mut train: Vec<(String, f64)> = logs
            .iter()
            .filter(|(k, _)| !k.starts_with("val_"))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let val: Vec<(String, f64)> = logs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("val_").map(|k| (k.to_string(), v)))
            .collect();
        if let Some(opt) = ctx.optimizer.as_deref() {
            let lr = opt.current_learning_rate()?;
            match train.iter_mut().find(|(k, _)| k == "learning_rate") {
                Some(e) => e.1 = lr,
                None => train.push(("learning_rate".into(), lr)),
            }
        }
        let step = epoch as i64;
        if !train.is_empty() {
            let w = self.train_writer()?;
            for (name, value) in &train {
                w.add_scalar(&format!("epoch_{name}"), *value, step)?;
            }
            w.flush()?;
        }
        if !val.is_empty() {
            let w = self.val_writer()?;
            for (name, value) in &val {
                w.add_scalar(&format!("epoch_{name}"), *value, step)?;
            }
            w.flush()?;
        }
        Ok(())
    }
}
