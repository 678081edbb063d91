//! `keras.callbacks`: hooks into `fit`, `evaluate` and `predict` ([`Callback`]), the
//! [`Logs`] they receive, the [`History`] `fit` returns, the [`ProgbarLogger`], and
//! Keras's built-in callbacks: [`ModelCheckpoint`], [`BackupAndRestore`],
//! [`EarlyStopping`], [`ReduceLROnPlateau`], [`LearningRateScheduler`], [`CSVLogger`],
//! [`TensorBoard`], [`TerminateOnNaN`] and [`LambdaCallback`].
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

mod backup_and_restore;
mod callback;
pub(crate) mod callback_list;
mod csv_logger;
mod early_stopping;
mod history;
mod lambda_callback;
mod learning_rate_scheduler;
mod logs;
mod model_checkpoint;
pub(crate) mod monitor;
mod progbar_logger;
mod pyfmt;
mod reduce_lr_on_plateau;
mod swap_ema_weights;
mod tensorboard;
mod terminate_on_nan;
pub mod tfevents;

pub use backup_and_restore::BackupAndRestore;
pub use callback::{Callback, CallbackContext, Params};
pub use csv_logger::CSVLogger;
pub use early_stopping::EarlyStopping;
pub use history::History;
pub use lambda_callback::LambdaCallback;
pub use learning_rate_scheduler::LearningRateScheduler;
pub use logs::Logs;
pub use model_checkpoint::{ModelCheckpoint, SaveFreq};
pub use monitor::Mode;
pub use progbar_logger::ProgbarLogger;
pub use pyfmt::py_float_repr;
pub use reduce_lr_on_plateau::ReduceLROnPlateau;
pub use swap_ema_weights::SwapEMAWeights;
pub use tensorboard::{TensorBoard, UpdateFreq};
pub use terminate_on_nan::TerminateOnNaN;
