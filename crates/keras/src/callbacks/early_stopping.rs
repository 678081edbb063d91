//! [`EarlyStopping`]: stops training when a monitored metric stops improving.

use keras_backend::Result;
use keras_ops::Tensor;

use super::monitor::Monitor;
use super::{Callback, CallbackContext, Logs, Mode};
use crate::layers::LayerExt;

/// Stops `fit` once `monitor` has not improved for `patience` epochs (Keras's
/// `EarlyStopping`, same defaults: `val_loss`, `min_delta` 0, `patience` 0, mode auto).
///
/// ```
/// use keras::callbacks::EarlyStopping;
/// let mut stop = EarlyStopping::new().monitor("loss").patience(3).restore_best_weights(true);
/// // model.fit(data, FitArgs::new().epochs(100).callback(&mut stop))?;
/// assert_eq!(stop.stopped_epoch(), 0); // 0 until training stops early
/// ```
pub struct EarlyStopping {
    m: Monitor,
    patience: usize,
    verbose: u8,
    baseline: Option<f64>,
    restore_best_weights: bool,
    start_from_epoch: usize,
    wait: usize,
    stopped_epoch: usize,
    best_epoch: usize,
    best_weights: Option<Vec<Tensor>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping::new()
    }
}

impl EarlyStopping {
    /// Monitors `val_loss` with Keras's defaults.
    pub fn new() -> EarlyStopping {
        EarlyStopping {
            m: Monitor::new("val_loss", Mode::Auto, 0.0),
            patience: 0,
            verbose: 0,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            wait: 0,
            stopped_epoch: 0,
            best_epoch: 0,
            best_weights: None,
        }
    }
    /// The quantity to monitor (a key of the epoch logs, such as `"val_accuracy"`).
    pub fn monitor(mut self, name: &str) -> Self {
        self.m.monitor = name.to_string();
        self
    }
    /// Whether the quantity should go down, up, or be inferred from its name.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.m.mode = mode;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, d: f64) -> Self {
        self.m.min_delta = d.abs();
        self
    }
    /// Epochs without improvement after which training stops.
    pub fn patience(mut self, n: usize) -> Self {
        self.patience = n;
        self
    }
    /// 1 prints a message when stopping and when restoring weights.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// Training stops unless the monitored value beats this baseline within `patience`
    /// epochs.
    pub fn baseline(mut self, b: Option<f64>) -> Self {
        self.baseline = b;
        self
    }
    /// At the end of training, restore the weights of the best epoch.
    pub fn restore_best_weights(mut self, yes: bool) -> Self {
        self.restore_best_weights = yes;
        self
    }
    /// Epochs to wait before monitoring starts (a warm-up).
    pub fn start_from_epoch(mut self, n: usize) -> Self {
        self.start_from_epoch = n;
        self
    }

    /// The epoch (0-based) at which training was stopped; 0 if it was not.
    pub fn stopped_epoch(&self) -> usize {
        self.stopped_epoch
    }
    /// The best monitored value seen in the last run.
    pub fn best(&self) -> Option<f64> {
        self.m.best
    }
    /// The epoch (0-based) of the best value.
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }
    /// Epochs since the last improvement.
    pub fn wait(&self) -> usize {
        self.wait
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.wait = 0;
        self.stopped_epoch = 0;
        self.m.best = None;
        self.best_weights = None;
        self.best_epoch = 0;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.m.resolve(ctx, "EarlyStopping")?;
        let Some(current) = logs.get(&self.m.monitor) else {
            eprintln!(
                "Warning: Early stopping conditioned on metric `{}` which is not available. Available metrics are: {}",
                self.m.monitor,
                logs.keys().collect::<Vec<_>>().join(",")
            );
            return Ok(());
        };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(ctx.model.get_weights());
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.m.is_improvement(current, self.m.best) {
            self.m.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(ctx.model.get_weights());
            }
            if self.baseline.is_none() || self.m.is_improvement(current, self.baseline) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            *ctx.stop_training = true;
        }
        Ok(())
    }

    fn on_train_end(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        if self.stopped_epoch > 0 && self.verbose > 0 {
            println!("Epoch {}: early stopping", self.stopped_epoch + 1);
        }
        if self.restore_best_weights {
            if let Some(w) = &self.best_weights {
                if self.verbose > 0 {
                    println!(
                        "Restoring model weights from the end of the best epoch: {}.",
                        self.best_epoch + 1
                    );
                }
                ctx.model.set_weights(w)?;
            }
        }
        Ok(())
    }
}
