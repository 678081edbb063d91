//! The [`Callback`] trait: hooks `fit`, `evaluate` and `predict` call at each stage, and the
//! [`CallbackContext`] they see the model and the run through.

use keras_ops::Result;

use super::{Logs, Mode};
use crate::layers::Layer;
use crate::optimizers::Optimizer;

/// What a run tells its callbacks (Keras's `callback.params`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// Epochs to run (`fit` only; 0 for `evaluate`/`predict`).
    pub epochs: usize,
    /// Steps per epoch, when known.
    pub steps: Option<usize>,
    /// The verbosity (0 silent, 1 progress bar, 2 one line per epoch).
    pub verbose: u8,
}

/// The model and run state a callback hook can read and change.
pub struct CallbackContext<'a> {
    /// The model being trained, evaluated or run (weights, config, sublayers).
    pub model: &'a dyn Layer,
    /// The compiled optimizer (`None` when the model is not compiled).
    pub optimizer: Option<&'a mut Optimizer>,
    /// The run's parameters.
    pub params: &'a Params,
    /// Set to `true` to stop training after the current batch (Keras's
    /// `model.stop_training = True`).
    pub stop_training: &'a mut bool,
    /// Set in `on_train_begin` to start (or resume) at this epoch and, within it, after
    /// this many batches (used by `BackupAndRestore`).
    pub resume_at: &'a mut Option<(usize, usize)>,
    /// The compiled metrics' names with the direction in which each improves
    /// ([`Mode::Max`] for accuracies, [`Mode::Min`] for errors), for callbacks that monitor
    /// a metric with [`Mode::Auto`]; filled once the metrics are built (after the first
    /// batch).
    pub metric_directions: &'a [(String, Mode)],
}

/// Hooks called during `fit`, `evaluate` and `predict`, each with the run's
/// [`CallbackContext`] and the current [`Logs`]. Every hook defaults to doing nothing;
/// an `Err` stops the run and is returned by `fit`.
///
/// ```
/// use keras::callbacks::{Callback, CallbackContext, Logs};
/// use keras::Result;
///
/// /// Stops training once the loss is below a threshold.
/// struct StopBelow(f64);
/// impl Callback for StopBelow {
///     fn on_epoch_end(&mut self, ctx: &mut CallbackContext, _epoch: usize, logs: &mut Logs) -> Result<()> {
///         if logs.get("loss").is_some_and(|l| l < self.0) {
///             *ctx.stop_training = true;
///         }
///         Ok(())
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Callback: Send {
    /// Before the first epoch of `fit`.
    fn on_train_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// After the last epoch of `fit` (with the last epoch's logs).
    fn on_train_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// At the start of each epoch (0-based).
    fn on_epoch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// At the end of each epoch, with its training (and `val_`) results.
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// Before each training batch.
    fn on_train_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// After each training batch, with the running metric results.
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// Before `evaluate` (or the validation pass of `fit`).
    fn on_test_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// After `evaluate`, with its results.
    fn on_test_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// Before each evaluation batch.
    fn on_test_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// After each evaluation batch.
    fn on_test_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// Before `predict`.
    fn on_predict_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// After `predict`.
    fn on_predict_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        Ok(())
    }
    /// Before each prediction batch.
    fn on_predict_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// After each prediction batch.
    fn on_predict_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// True for a progress-bar logger: `fit`, `evaluate` and `predict` then add none of
    /// their own.
    fn is_progbar_logger(&self) -> bool {
        false
    }
}
