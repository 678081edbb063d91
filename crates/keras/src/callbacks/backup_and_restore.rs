//! [`BackupAndRestore`]: lets an interrupted `fit` resume where it stopped.

use std::path::{Path, PathBuf};

use keras_backend::{bail, Error, Result};
use serde_json::{json, Value};

use super::model_checkpoint::BatchCounter;
use super::{Callback, CallbackContext, Logs, SaveFreq};
use crate::layers::LayerExt;
use crate::saving::{copy_atomic, load_weights, save_weights, write_atomic};

/// Backs up the model's weights, the optimizer's variables and the position in training
/// to `backup_dir` (Keras's `BackupAndRestore`: `latest.weights.h5` and
/// `training_metadata.json`), and restores them when `fit` starts again, so a run that
/// died part way resumes and ends with the weights an uninterrupted run would have.
///
/// With [`SaveFreq::Epoch`] the run resumes at the epoch after the last completed one,
/// as Keras does. With [`SaveFreq::Batches`] it resumes right after the last saved batch
/// (Keras 3.15 records that batch but restarts the epoch from its first batch; resuming
/// exactly needs data that gives the same batches again, as a seeded shuffle does). The
/// backup is deleted when training completes, unless `delete_checkpoint(false)`.
///
/// ```
/// use keras::callbacks::{BackupAndRestore, SaveFreq};
/// let mut backup = BackupAndRestore::new("backup").save_freq(SaveFreq::Batches(100));
/// // model.fit(data, FitArgs::new().epochs(10).callback(&mut backup))?;
/// ```
pub struct BackupAndRestore {
    backup_dir: PathBuf,
    save_freq: SaveFreq,
    double_checkpoint: bool,
    delete_checkpoint: bool,
    counter: BatchCounter,
    current_epoch: usize,
    last_batch_seen: usize,
    steps_done: usize,
}

impl BackupAndRestore {
    /// Backs up to `backup_dir` at the end of every epoch and deletes the backup when
    /// training completes (Keras's defaults).
    pub fn new(backup_dir: impl AsRef<Path>) -> BackupAndRestore {
        BackupAndRestore {
            backup_dir: backup_dir.as_ref().to_path_buf(),
            save_freq: SaveFreq::Epoch,
            double_checkpoint: false,
            delete_checkpoint: true,
            counter: BatchCounter::default(),
            current_epoch: 0,
            last_batch_seen: 0,
            steps_done: 0,
        }
    }
    /// Every epoch, or every `n` batches.
    pub fn save_freq(mut self, f: SaveFreq) -> Self {
        self.save_freq = f;
        self
    }
    /// Keep the previous backup too (`*.bkp`), used when the latest cannot be read.
    pub fn double_checkpoint(mut self, yes: bool) -> Self {
        self.double_checkpoint = yes;
        self
    }
    /// Delete the backup directory when training completes (default true).
    pub fn delete_checkpoint(mut self, yes: bool) -> Self {
        self.delete_checkpoint = yes;
        self
    }

    fn weights_path(&self) -> PathBuf {
        self.backup_dir.join("latest.weights.h5")
    }
    fn metadata_path(&self) -> PathBuf {
        self.backup_dir.join("training_metadata.json")
    }
    fn bkp(p: &Path) -> PathBuf {
        let mut s = p.as_os_str().to_owned();
        s.push(".bkp");
        PathBuf::from(s)
    }

    fn load(&self, ctx: &mut CallbackContext) -> Result<()> {
        if !ctx.model.base().is_built() {
            bail!(
                "BackupAndRestore",
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. Model {:?} is unbuilt. You can build it beforehand by calling it on a batch of data.",
                ctx.model.name()
            );
        }
        let weights = self.weights_path();
        if weights.exists() {
            if let Some(opt) = ctx.optimizer.as_deref_mut() {
                if !opt.built() {
                    opt.build(&ctx.model.trainable_weights())?;
                }
            }
            load_weights(ctx.model, ctx.optimizer.as_deref(), &weights)?;
        }
        let meta = self.metadata_path();
        if meta.exists() {
            let text = std::fs::read_to_string(&meta)
                .map_err(|e| Error::msg(format!("cannot read {}: {e}", meta.display())))?;
            let v: Value = serde_json::from_str(&text).map_err(|e| {
                Error::msg(format!(
                    "BackupAndRestore: {} is corrupt: {e}",
                    meta.display()
                ))
            })?;
            let Some(epoch) = v.get("epoch").and_then(Value::as_u64) else {
                bail!(
                    "BackupAndRestore",
                    "{} has no integer \"epoch\"",
                    meta.display()
                );
            };
            // `steps_done` is ours; a file written by Keras (without it) resumes at the
            // start of `epoch`, as Keras does.
            let step = v.get("steps_done").and_then(Value::as_u64).unwrap_or(0);
            *ctx.resume_at = Some((epoch as usize, step as usize));
        }
        Ok(())
    }

    fn save(&self, ctx: &CallbackContext) -> Result<()> {
        std::fs::create_dir_all(&self.backup_dir).map_err(|e| {
            Error::msg(format!(
                "BackupAndRestore: cannot create {}: {e}",
                self.backup_dir.display()
            ))
        })?;
        let (weights, meta) = (self.weights_path(), self.metadata_path());
        if self.double_checkpoint && weights.exists() {
            copy_atomic(&weights, &Self::bkp(&weights))?;
        }
        if self.double_checkpoint && meta.exists() {
            copy_atomic(&meta, &Self::bkp(&meta))?;
        }
        save_weights(ctx.model, ctx.optimizer.as_deref(), &weights)?;
        let m = json!({
            "epoch": self.current_epoch,
            "batch": self.last_batch_seen,
            "steps_done": self.steps_done,
        });
        write_atomic(&meta, m.to_string().as_bytes())
    }
}

impl Callback for BackupAndRestore {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        if let SaveFreq::Batches(0) = self.save_freq {
            bail!("BackupAndRestore", "save_freq must be at least 1 batch");
        }
        self.counter = BatchCounter::default();
        self.current_epoch = 0;
        self.last_batch_seen = 0;
        self.steps_done = 0;
        let loaded = match self.load(ctx) {
            Ok(()) => Ok(()),
            Err(e) => {
                // The latest backup may be corrupt: fall back to the previous one.
                let (weights, meta) = (self.weights_path(), self.metadata_path());
                let prev = Self::bkp(&weights);
                if !prev.exists() {
                    return Err(e);
                }
                copy_atomic(&prev, &weights)?;
                let prev_meta = Self::bkp(&meta);
                if prev_meta.exists() {
                    copy_atomic(&prev_meta, &meta)?;
                } else if meta.exists() {
                    std::fs::remove_file(&meta)?;
                }
                *ctx.resume_at = None;
                self.load(ctx)
            }
        };
        if let Some((_, steps)) = *ctx.resume_at {
            self.counter.resume_at(steps);
        }
        loaded
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
        _: &mut Logs,
    ) -> Result<()> {
        if let SaveFreq::Batches(n) = self.save_freq {
            if self.counter.tick(batch, n) {
                self.last_batch_seen = batch;
                self.steps_done = batch + 1;
                self.save(ctx)?;
            }
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.current_epoch = epoch + 1;
        self.last_batch_seen = 0;
        self.steps_done = 0;
        self.counter.new_epoch();
        if self.save_freq == SaveFreq::Epoch {
            self.save(ctx)?;
        }
        Ok(())
    }

    fn on_train_end(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        if self.delete_checkpoint && self.backup_dir.exists() {
            std::fs::remove_dir_all(&self.backup_dir).map_err(|e| {
                Error::msg(format!(
                    "BackupAndRestore: cannot delete {}: {e}",
                    self.backup_dir.display()
                ))
            })?;
        }
        Ok(())
    }
}
