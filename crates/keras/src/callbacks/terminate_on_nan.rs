//! [`TerminateOnNaN`]: stops training when the loss becomes NaN or infinite.

use keras_backend::{bail, Result};

use super::{Callback, CallbackContext, Logs};

/// Stops training after the batch whose `loss` is NaN or infinite (Keras's
/// `TerminateOnNaN`): prints `Batch N: Invalid loss, terminating training` and ends `fit`
/// normally, or, with `raise_error(true)`, makes `fit` return an error.
///
/// ```
/// use keras::callbacks::TerminateOnNaN;
/// let mut guard = TerminateOnNaN::new();
/// // model.fit(data, FitArgs::new().callback(&mut guard))?;
/// ```
#[derive(Clone, Debug, Default)]
pub struct TerminateOnNaN {
    raise_error: bool,
    terminated_at: Option<usize>,
}

impl TerminateOnNaN {
    /// Stops cleanly (no error).
    pub fn new() -> TerminateOnNaN {
        TerminateOnNaN::default()
    }
    /// Return an error from `fit` instead of stopping cleanly.
    pub fn raise_error(mut self, yes: bool) -> Self {
        self.raise_error = yes;
        self
    }
    /// The batch (within its epoch) at which training was stopped, if it was.
    pub fn terminated_at(&self) -> Option<usize> {
        self.terminated_at
    }
}

impl Callback for TerminateOnNaN {
    fn on_train_begin(&mut self, _: &mut CallbackContext, _: &mut Logs) -> Result<()> {
        self.terminated_at = None;
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        batch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        let Some(loss) = logs.get("loss") else {
            return Ok(());
        };
        if loss.is_finite() {
            return Ok(());
        }
        let shown = super::py_float_repr(loss);
        if self.raise_error {
            bail!(
                "TerminateOnNaN",
                "NaN or Inf loss encountered at batch {batch}. Loss value: {shown}. Terminating training immediately."
            );
        }
        println!("Batch {batch}: Invalid loss, terminating training");
        self.terminated_at = Some(batch);
        *ctx.stop_training = true;
        Ok(())
    }
}
