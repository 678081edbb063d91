//! [`CallbackList`]: the callbacks of one run, called in order.

use keras_ops::Result;

use super::{Callback, CallbackContext, History, ProgbarLogger};

/// The user's callbacks, then a [`History`] (for `fit`) and, unless one is given or
/// `verbose` is 0, a [`ProgbarLogger`] (Keras's `CallbackList(add_history, add_progbar)`).
pub(crate) struct CallbackList<'c> {
    callbacks: Vec<&'c mut dyn Callback>,
    history: Option<History>,
    progbar: Option<ProgbarLogger>,
}

impl<'c> CallbackList<'c> {
    pub(crate) fn new(
        user: Vec<&'c mut dyn Callback>,
        add_history: bool,
        verbose: u8,
    ) -> CallbackList<'c> {
        let has_progbar = user.iter().any(|c| c.is_progbar_logger());
        CallbackList {
            callbacks: user,
            history: add_history.then(History::default),
            progbar: (verbose > 0 && !has_progbar).then(ProgbarLogger::new),
        }
    }

    /// Calls `hook` on every callback in order: the user's, the history, the progress bar.
    pub(crate) fn each(
        &mut self,
        ctx: &mut CallbackContext,
        mut hook: impl FnMut(&mut dyn Callback, &mut CallbackContext) -> Result<()>,
    ) -> Result<()> {
        for c in self.callbacks.iter_mut() {
            hook(&mut **c, ctx)?;
        }
        if let Some(h) = &mut self.history {
            hook(h, ctx)?;
        }
        if let Some(p) = &mut self.progbar {
            hook(p, ctx)?;
        }
        Ok(())
    }

    /// The recorded history (empty when none was added).
    pub(crate) fn into_history(self) -> History {
        self.history.unwrap_or_default()
    }
}
