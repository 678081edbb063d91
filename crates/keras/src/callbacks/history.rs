//! [`History`]: the per-epoch logs `fit` returns.

use keras_ops::Result;

use super::{Callback, CallbackContext, Logs, Params};

/// Every epoch's logs (Keras's `History`, returned by `fit`).
///
/// ```
/// use keras::callbacks::{History, Logs};
/// let mut h = History::default();
/// h.record(0, &[("loss", 0.5)].into_iter().collect::<Logs>());
/// h.record(1, &[("loss", 0.25)].into_iter().collect::<Logs>());
/// assert_eq!(h.epoch, vec![0, 1]);
/// assert_eq!(h.get("loss"), Some(&[0.5, 0.25][..]));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The epochs run (0-based).
    pub epoch: Vec<usize>,
    /// Each key's values, one per epoch, keys in first-seen order.
    pub history: Vec<(String, Vec<f64>)>,
    /// The run's parameters.
    pub params: Params,
}

impl History {
    /// The values recorded for `key`.
    pub fn get(&self, key: &str) -> Option<&[f64]> {
        self.history
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
    /// Appends one epoch's logs.
    pub fn record(&mut self, epoch: usize, logs: &Logs) {
        self.epoch.push(epoch);
        for (k, v) in logs.iter() {
            match self.history.iter_mut().find(|(n, _)| n == k) {
                Some((_, vals)) => vals.push(v),
                None => self.history.push((k.to_string(), vec![v])),
            }
        }
    }
}

impl Callback for History {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext, _logs: &mut Logs) -> Result<()> {
        self.epoch.clear();
        self.params = ctx.params.clone();
        Ok(())
    }
    fn on_epoch_end(
        &mut self,
        _: &mut CallbackContext,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.record(epoch, logs);
        Ok(())
    }
}
