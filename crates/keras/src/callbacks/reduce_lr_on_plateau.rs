//! [`ReduceLROnPlateau`]: lowers the learning rate when a metric stops improving.

use keras_backend::{bail, Result};

use super::monitor::Monitor;
use super::{Callback, CallbackContext, Logs, Mode};
use crate::optimizers::Optimizer;

/// Multiplies the learning rate by `factor` once `monitor` has not improved for
/// `patience` epochs, then waits `cooldown` epochs, never going below `min_lr` (Keras's
/// `ReduceLROnPlateau`, same defaults). Adds the current `learning_rate` to each epoch's
/// logs, as Keras does.
///
/// ```
/// use keras::callbacks::ReduceLROnPlateau;
/// let mut reduce = ReduceLROnPlateau::new().monitor("loss").factor(0.5).patience(2).min_lr(1e-4);
/// // model.fit(data, FitArgs::new().callback(&mut reduce))?;
/// ```
pub struct ReduceLROnPlateau {
    m: Monitor,
    factor: f64,
    patience: usize,
    verbose: u8,
    cooldown: usize,
    min_lr: f64,
    cooldown_counter: usize,
    wait: usize,
}

impl Default for ReduceLROnPlateau {
    fn default() -> Self {
        ReduceLROnPlateau::new()
    }
}

/// The learning rate of a compiled run, or an error naming the callback.
pub(crate) fn optimizer<'a>(ctx: &'a mut CallbackContext, who: &str) -> Result<&'a mut Optimizer> {
    match ctx.optimizer.as_deref_mut() {
        Some(o) => Ok(o),
        None => bail!(who, "the model has no optimizer: compile it first"),
    }
}

impl ReduceLROnPlateau {
    /// Keras's defaults: `val_loss`, factor 0.1, patience 10, `min_delta` 1e-4, no cooldown,
    /// `min_lr` 0.
    pub fn new() -> ReduceLROnPlateau {
        ReduceLROnPlateau {
            m: Monitor::new("val_loss", Mode::Auto, 1e-4),
            factor: 0.1,
            patience: 10,
            verbose: 0,
            cooldown: 0,
            min_lr: 0.0,
            cooldown_counter: 0,
            wait: 0,
        }
    }
    /// The quantity to monitor.
    pub fn monitor(mut self, name: &str) -> Self {
        self.m.monitor = name.to_string();
        self
    }
    /// Whether the quantity should go down, up, or be inferred from its name.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.m.mode = mode;
        self
    }
    /// The factor the rate is multiplied by (below 1; checked when training starts).
    pub fn factor(mut self, f: f64) -> Self {
        self.factor = f;
        self
    }
    /// Epochs without improvement before reducing.
    pub fn patience(mut self, n: usize) -> Self {
        self.patience = n;
        self
    }
    /// 1 prints a message at each reduction.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, d: f64) -> Self {
        self.m.min_delta = d.abs();
        self
    }
    /// Epochs to wait after a reduction before counting again.
    pub fn cooldown(mut self, n: usize) -> Self {
        self.cooldown = n;
        self
    }
    /// The lowest learning rate.
    pub fn min_lr(mut self, lr: f64) -> Self {
        self.min_lr = lr;
        self
    }
    /// Epochs since the last improvement.
    pub fn wait(&self) -> usize {
        self.wait
    }
    /// The best monitored value of the run.
    pub fn best(&self) -> Option<f64> {
        self.m.best
    }
    fn in_cooldown(&self) -> bool {
        self.cooldown_counter > 0
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        if self.factor >= 1.0 {
            bail!(
                "ReduceLROnPlateau",
                "ReduceLROnPlateau does not support a factor >= 1.0. Received factor={}",
                self.factor
            );
        }
        self.m.best = None;
        self.cooldown_counter = 0;
        self.wait = 0;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.m.resolve(ctx, "ReduceLROnPlateau")?;
        let lr = optimizer(ctx, "ReduceLROnPlateau")?.current_learning_rate()?;
        logs.insert("learning_rate", lr);
        let Some(current) = logs.get(&self.m.monitor) else {
            eprintln!(
                "Warning: Learning rate reduction is conditioned on metric `{}` which is not available. Available metrics are: {}.",
                self.m.monitor,
                logs.keys().collect::<Vec<_>>().join(",")
            );
            return Ok(());
        };
        if self.in_cooldown() {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.m.is_improvement(current, self.m.best) {
            self.m.best = Some(current);
            self.wait = 0;
        } else if !self.in_cooldown() {
            self.wait += 1;
            if self.wait >= self.patience {
                let opt = optimizer(ctx, "ReduceLROnPlateau")?;
                let old = opt.current_learning_rate()?;
                if old > self.min_lr as f32 as f64 {
                    let new = (old * self.factor).max(self.min_lr);
                    opt.set_learning_rate(new)?;
                    if self.verbose > 0 {
                        println!(
                            "\nEpoch {}: ReduceLROnPlateau reducing learning rate to {}.",
                            epoch + 1,
                            super::py_float_repr(new)
                        );
                    }
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }
}
