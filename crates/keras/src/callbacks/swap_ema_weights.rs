//! [`SwapEMAWeights`]: evaluates (and optionally checkpoints) with the optimizer's
//! moving averages of the weights instead of the raw weights.

use keras_backend::{bail, Result};

use super::{Callback, CallbackContext, Logs};
use crate::optimizers::Optimizer;

/// Swaps the model's weights with the optimizer's exponential moving averages (an optimizer
/// built with `use_ema(true)`) around evaluation and prediction, and with `swap_on_epoch`
/// also at the end of each epoch, so that callbacks after it (a `ModelCheckpoint`) see the
/// averaged weights (Keras's `SwapEMAWeights`).
///
/// Keras 3.15.1 does not swap back after `predict` (its `on_predict_end` tests the wrong
/// flag); here prediction restores the raw weights as evaluation does.
///
/// ```
/// use keras::callbacks::SwapEMAWeights;
/// let mut swap = SwapEMAWeights::new(true);
/// // model.fit(data, FitArgs::new().callback(&mut swap))?;
/// ```
#[derive(Clone, Debug, Default)]
pub struct SwapEMAWeights {
    swap_on_epoch: bool,
    ema_in_model: bool,
}

impl SwapEMAWeights {
    /// With `swap_on_epoch`, the averages are also swapped in at each epoch's end (and
    /// kept after the last epoch).
    pub fn new(swap_on_epoch: bool) -> SwapEMAWeights {
        SwapEMAWeights {
            swap_on_epoch,
            ema_in_model: false,
        }
    }

    fn optimizer<'a>(ctx: &'a CallbackContext) -> Result<&'a Optimizer> {
        match ctx.optimizer.as_deref() {
            Some(o) if o.uses_ema() => Ok(o),
            Some(o) => bail!(
                "SwapEMAWeights",
                "the optimizer {:?} does not use EMA: build it with use_ema(true)",
                o.get_name()
            ),
            None => bail!(
                "SwapEMAWeights",
                "the model is not compiled with an optimizer"
            ),
        }
    }

    /// Swaps raw and averaged weights when the model holds `!want_ema` and the optimizer is
    /// built (before the first step there is nothing to swap).
    fn swap_to(&mut self, ctx: &CallbackContext, want_ema: bool) -> Result<()> {
        if self.ema_in_model == want_ema {
            return Ok(());
        }
        let opt = Self::optimizer(ctx)?;
        if opt.built() {
            opt.swap_ema_weights()?;
            self.ema_in_model = want_ema;
        }
        Ok(())
    }
}

impl Callback for SwapEMAWeights {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        Self::optimizer(ctx).map(|_| ())
    }
    fn on_epoch_begin(&mut self, ctx: &mut CallbackContext, _: usize, _: &mut Logs) -> Result<()> {
        if self.swap_on_epoch {
            self.swap_to(ctx, false)?;
        }
        Ok(())
    }
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext,
        epoch: usize,
        _: &mut Logs,
    ) -> Result<()> {
        if self.swap_on_epoch && !self.ema_in_model {
            self.swap_to(ctx, true)?;
            if epoch + 1 == ctx.params.epochs && self.ema_in_model {
                // Keep the averages: `fit`'s final EMA step must not undo them.
                Self::optimizer(ctx)?.copy_model_weights_to_ema()?;
            }
        }
        Ok(())
    }
    fn on_test_begin(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.swap_to(ctx, true)
    }
    fn on_test_end(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.swap_to(ctx, false)
    }
    fn on_predict_begin(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.swap_to(ctx, true)
    }
    fn on_predict_end(&mut self, ctx: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.swap_to(ctx, false)
    }
}
