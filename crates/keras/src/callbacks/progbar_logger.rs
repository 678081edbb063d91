//! [`ProgbarLogger`]: prints Keras's progress bar during `fit`, `evaluate` and `predict`.

use keras_ops::Result;

use super::{Callback, CallbackContext, Logs};
use crate::utils::progbar::Progbar;

/// Draws the progress bar (verbose 1) or one line per epoch (verbose 2), as Keras's
/// `ProgbarLogger`; `fit` adds one unless `verbose` is 0 or one is given.
///
/// ```
/// use keras::callbacks::ProgbarLogger;
/// let logger = ProgbarLogger::new();
/// ```
#[derive(Default)]
pub struct ProgbarLogger {
    seen: usize,
    bar: Option<Progbar<'static>>,
    called_in_fit: bool,
}

impl ProgbarLogger {
    /// A logger taking its verbosity, epochs and steps from the run's parameters.
    pub fn new() -> ProgbarLogger {
        ProgbarLogger::default()
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.bar = None;
    }

    fn bar(&mut self, ctx: &CallbackContext) -> &mut Progbar<'static> {
        self.bar.get_or_insert_with(|| {
            Progbar::new(ctx.params.steps)
                .verbose(ctx.params.verbose)
                .unit_name("step")
                .stateless_metrics(&[])
        })
    }

    fn update(&mut self, ctx: &CallbackContext, batch: usize, logs: &Logs) -> Result<()> {
        self.seen = batch + 1;
        let seen = self.seen;
        let bar = self.bar(ctx);
        if ctx.params.verbose == 1 {
            let values: Vec<(&str, f64)> = logs.iter().collect();
            bar.update(seen, &values, Some(false))?;
        }
        Ok(())
    }

    fn finalize(&mut self, ctx: &CallbackContext, logs: &Logs) -> Result<()> {
        let target = ctx.params.steps.unwrap_or(self.seen);
        let bar = self.bar(ctx);
        bar.set_target(Some(target));
        let values: Vec<(&str, f64)> = logs.iter().collect();
        bar.update(target, &values, Some(true))
    }
}

impl Callback for ProgbarLogger {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.called_in_fit = true;
        Ok(())
    }
    fn on_test_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        if !self.called_in_fit {
            self.reset();
        }
        Ok(())
    }
    fn on_predict_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.reset();
        Ok(())
    }
    fn on_epoch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.reset();
        self.bar(ctx);
        if ctx.params.verbose > 0 && ctx.params.epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, ctx.params.epochs);
        }
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.update(ctx, batch, logs)
    }
    fn on_test_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if self.called_in_fit {
            return Ok(());
        }
        self.update(ctx, batch, logs)
    }
    fn on_predict_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        self.update(ctx, batch, &Logs::new())
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext, _: usize, logs: &mut Logs) -> Result<()> {
        self.finalize(ctx, logs)
    }
    fn on_test_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        if self.called_in_fit {
            return Ok(());
        }
        self.finalize(ctx, logs)
    }
    fn on_predict_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        self.finalize(ctx, logs)
    }
    fn is_progbar_logger(&self) -> bool {
        true
    }
}
