//! [`LambdaCallback`]: a callback made of closures.

use keras_backend::Result;

use super::{Callback, CallbackContext, Logs};

type TrainHook = Box<dyn FnMut(&mut CallbackContext, &mut Logs) -> Result<()> + Send>;
type IndexHook = Box<dyn FnMut(&mut CallbackContext, usize, &mut Logs) -> Result<()> + Send>;

/// A callback whose hooks are closures (Keras's `LambdaCallback`, for every hook of
/// [`Callback`]). Unset hooks do nothing.
///
/// ```
/// use keras::callbacks::LambdaCallback;
/// use std::sync::{Arc, Mutex};
/// let losses = Arc::new(Mutex::new(Vec::new()));
/// let sink = losses.clone();
/// let mut cb = LambdaCallback::new().on_epoch_end(move |_ctx, _epoch, logs| {
///     sink.lock().unwrap().push(logs.get("loss"));
///     Ok(())
/// });
/// // model.fit(data, FitArgs::new().callback(&mut cb))?;
/// ```
#[derive(Default)]
pub struct LambdaCallback {
    train_begin: Option<TrainHook>,
    train_end: Option<TrainHook>,
    epoch_begin: Option<IndexHook>,
    epoch_end: Option<IndexHook>,
    train_batch_begin: Option<IndexHook>,
    train_batch_end: Option<IndexHook>,
    test_begin: Option<TrainHook>,
    test_end: Option<TrainHook>,
    test_batch_begin: Option<IndexHook>,
    test_batch_end: Option<IndexHook>,
    predict_begin: Option<TrainHook>,
    predict_end: Option<TrainHook>,
    predict_batch_begin: Option<IndexHook>,
    predict_batch_end: Option<IndexHook>,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $field:ident, ($($arg:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(
                mut self,
                f: impl FnMut(&mut CallbackContext, $($arg,)* &mut Logs) -> Result<()> + Send + 'static,
            ) -> Self {
                self.$field = Some(Box::new(f));
                self
            }
        )*
    };
}

impl LambdaCallback {
    /// A callback with no hooks set.
    pub fn new() -> LambdaCallback {
        LambdaCallback::default()
    }
    setters! {
        /// Called with `(ctx, logs)` before training.
        on_train_begin: train_begin, ();
        /// Called with `(ctx, logs)` after training.
        on_train_end: train_end, ();
        /// Called with `(ctx, epoch, logs)` at the start of each epoch.
        on_epoch_begin: epoch_begin, (usize);
        /// Called with `(ctx, epoch, logs)` at the end of each epoch.
        on_epoch_end: epoch_end, (usize);
        /// Called with `(ctx, batch, logs)` before each training batch.
        on_train_batch_begin: train_batch_begin, (usize);
        /// Called with `(ctx, batch, logs)` after each training batch.
        on_train_batch_end: train_batch_end, (usize);
        /// Called with `(ctx, logs)` before evaluation.
        on_test_begin: test_begin, ();
        /// Called with `(ctx, logs)` after evaluation.
        on_test_end: test_end, ();
        /// Called with `(ctx, batch, logs)` before each evaluation batch.
        on_test_batch_begin: test_batch_begin, (usize);
        /// Called with `(ctx, batch, logs)` after each evaluation batch.
        on_test_batch_end: test_batch_end, (usize);
        /// Called with `(ctx, logs)` before prediction.
        on_predict_begin: predict_begin, ();
        /// Called with `(ctx, logs)` after prediction.
        on_predict_end: predict_end, ();
        /// Called with `(ctx, batch, logs)` before each prediction batch.
        on_predict_batch_begin: predict_batch_begin, (usize);
        /// Called with `(ctx, batch, logs)` after each prediction batch.
        on_predict_batch_end: predict_batch_end, (usize);
    }
}

fn call(h: &mut Option<TrainHook>, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
    match h {
        Some(f) => f(ctx, logs),
        None => Ok(()),
    }
}

fn call_i(
    h: &mut Option<IndexHook>,
    ctx: &mut CallbackContext,
    i: usize,
    logs: &mut Logs,
) -> Result<()> {
    match h {
        Some(f) => f(ctx, i, logs),
        None => Ok(()),
    }
}

impl Callback for LambdaCallback {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.train_begin, ctx, logs)
    }
    fn on_train_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.train_end, ctx, logs)
    }
    fn on_epoch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        e: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.epoch_begin, ctx, e, logs)
    }
    fn on_epoch_end(&mut self, ctx: &mut CallbackContext, e: usize, logs: &mut Logs) -> Result<()> {
        call_i(&mut self.epoch_end, ctx, e, logs)
    }
    fn on_train_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.train_batch_begin, ctx, b, logs)
    }
    fn on_train_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.train_batch_end, ctx, b, logs)
    }
    fn on_test_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.test_begin, ctx, logs)
    }
    fn on_test_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.test_end, ctx, logs)
    }
    fn on_test_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.test_batch_begin, ctx, b, logs)
    }
    fn on_test_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.test_batch_end, ctx, b, logs)
    }
    fn on_predict_begin(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.predict_begin, ctx, logs)
    }
    fn on_predict_end(&mut self, ctx: &mut CallbackContext, logs: &mut Logs) -> Result<()> {
        call(&mut self.predict_end, ctx, logs)
    }
    fn on_predict_batch_begin(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.predict_batch_begin, ctx, b, logs)
    }
    fn on_predict_batch_end(
        &mut self,
        ctx: &mut CallbackContext,
        b: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        call_i(&mut self.predict_batch_end, ctx, b, logs)
    }
}
