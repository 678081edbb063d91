//! `keras.callbacks`: hooks into `fit`, `evaluate` and `predict` ([`Callback`]), the
//! [`Logs`] they receive, the [`History`] `fit` returns and the [`ProgbarLogger`].
//!
//! ```
//! use keras::callbacks::{Callback, CallbackContext, Logs};
//! use keras::Result;
//!
//! /// Prints the loss after each epoch.
//! struct PrintLoss;
//! impl Callback for PrintLoss {
//!     fn on_epoch_end(&mut self, _: &mut CallbackContext, epoch: usize, logs: &mut Logs) -> Result<()> {
//!         println!("epoch {epoch}: loss {:?}", logs.get("loss"));
//!         Ok(())
//!     }
//! }
//! ```

mod callback;
pub(crate) mod callback_list;
mod history;
mod logs;
mod progbar_logger;

pub use callback::{Callback, CallbackContext, Params};
pub use history::History;
pub use logs::Logs;
pub use progbar_logger::ProgbarLogger;
