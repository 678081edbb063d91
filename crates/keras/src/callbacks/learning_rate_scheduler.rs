//! [`LearningRateScheduler`]: sets the learning rate at the start of each epoch.

use keras_backend::Result;

use super::reduce_lr_on_plateau::optimizer;
use super::{py_float_repr, Callback, CallbackContext, Logs};

type Schedule = Box<dyn FnMut(usize, f64) -> f64 + Send>;

/// Calls `schedule(epoch, current_lr)` at the start of every epoch (0-based) and sets the
/// optimizer's learning rate to the result (Keras's `LearningRateScheduler`); adds
/// `learning_rate` to each epoch's logs. The optimizer needs a constant learning rate
/// (not a `LearningRateSchedule`).
///
/// ```
/// use keras::callbacks::LearningRateScheduler;
/// // Keep the rate for 10 epochs, then decay it exponentially.
/// let mut sched = LearningRateScheduler::new(|epoch, lr| {
///     if epoch < 10 { lr } else { lr * (-0.1f64).exp() }
/// });
/// // model.fit(data, FitArgs::new().epochs(15).callback(&mut sched))?;
/// ```
pub struct LearningRateScheduler {
    schedule: Schedule,
    verbose: u8,
}

impl LearningRateScheduler {
    /// A scheduler calling `schedule(epoch, lr) -> new_lr`.
    pub fn new(schedule: impl FnMut(usize, f64) -> f64 + Send + 'static) -> LearningRateScheduler {
        LearningRateScheduler {
            schedule: Box::new(schedule),
            verbose: 0,
        }
    }
    /// 1 prints the rate set at each epoch.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        let opt = optimizer(ctx, "LearningRateScheduler")?;
        let lr = (self.schedule)(epoch, opt.current_learning_rate()?);
        opt.set_learning_rate(lr)
            .map_err(|e| e.context("LearningRateScheduler"))?;
        if self.verbose > 0 {
            println!(
                "\nEpoch {}: LearningRateScheduler setting learning rate to {}.",
                epoch + 1,
                py_float_repr(lr)
            );
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext, _: usize, logs: &mut Logs) -> Result<()> {
        let lr = optimizer(ctx, "LearningRateScheduler")?.current_learning_rate()?;
        logs.insert("learning_rate", lr);
        Ok(())
    }
}
