//! The thread-local stack of active gradient tapes.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use keras_backend::Result;

use super::{gradients, Source};
use crate::tensor::{Tensor, TensorId};

struct TapeState {
    watched: RefCell<HashSet<TensorId>>,
    watch_accessed_variables: bool,
}

thread_local! {
    static TAPES: RefCell<Vec<Rc<TapeState>>> = const { RefCell::new(Vec::new()) };
    static PAUSED: Cell<usize> = const { Cell::new(0) };
}

/// True while some tape on this thread records (and recording is not paused).
pub(crate) fn is_recording() -> bool {
    PAUSED.with(|p| p.get() == 0) && TAPES.with(|t| !t.borrow().is_empty())
}

pub(crate) fn is_watched(id: TensorId) -> bool {
    TAPES.with(|t| t.borrow().iter().any(|s| s.watched.borrow().contains(&id)))
}

/// Called when a trainable variable is read: tapes that watch accessed variables watch it.
pub(crate) fn on_variable_read(value: &Tensor) {
    if !is_recording() {
        return;
    }
    TAPES.with(|t| {
        for s in t.borrow().iter().filter(|s| s.watch_accessed_variables) {
            s.watched.borrow_mut().insert(value.id());
        }
    });
}

/// Runs `f` with recording switched off on this thread (restored afterwards, even on error).
pub(crate) fn with_recording_paused<R>(f: impl FnOnce() -> R) -> R {
    struct Resume;
    impl Drop for Resume {
        fn drop(&mut self) {
            PAUSED.with(|p| p.set(p.get() - 1));
        }
    }
    PAUSED.with(|p| p.set(p.get() + 1));
    let _resume = Resume;
    f()
}

/// Records the ops run on watched tensors while it is alive, then differentiates them
/// (`tf.GradientTape` semantics; trainable variables read while recording are watched
/// automatically).
///
/// ```
/// use keras_ops::{ops, GradientTape, Tensor};
/// let x = Tensor::from_vec(vec![0.0f32, 1.0], [2]).unwrap();
/// let tape = GradientTape::new();
/// tape.watch(&x);
/// let y = ops::sum(&ops::exp(&x).unwrap(), None, false).unwrap();
/// let g = tape.gradient(&y, &[&x]).unwrap()[0].clone().unwrap();
/// let g = g.to_vec::<f32>().unwrap();
/// assert!((g[1] - std::f32::consts::E).abs() < 1e-6);
/// ```
pub struct GradientTape {
    state: Rc<TapeState>,
}

impl GradientTape {
    /// Starts recording on this thread; trainable variables read are watched automatically.
    pub fn new() -> GradientTape {
        Self::with_options(true)
    }

    /// Starts recording; `watch_accessed_variables = false` watches only what
    /// [`GradientTape::watch`] names.
    pub fn with_options(watch_accessed_variables: bool) -> GradientTape {
        let state = Rc::new(TapeState {
            watched: RefCell::new(HashSet::new()),
            watch_accessed_variables,
        });
        TAPES.with(|t| t.borrow_mut().push(state.clone()));
        GradientTape { state }
    }

    /// Marks `source` (a tensor or variable) as something to differentiate with respect to.
    pub fn watch(&self, source: &impl Source) {
        self.state
            .watched
            .borrow_mut()
            .insert(source.source_tensor().id());
    }

    /// Gradients of `target` (summed over its elements) with respect to each source; `None`
    /// for a source that does not affect the target (as Keras/TF).
    pub fn gradient<S: Source>(
        &self,
        target: &Tensor,
        sources: &[S],
    ) -> Result<Vec<Option<Tensor>>> {
        gradients(target, sources)
    }

    /// Runs `f` without recording on this thread.
    pub fn stop_recording<R>(&self, f: impl FnOnce() -> R) -> R {
        with_recording_paused(f)
    }
}

impl Default for GradientTape {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for GradientTape {
    fn drop(&mut self) {
        TAPES.with(|t| t.borrow_mut().retain(|s| !Rc::ptr_eq(s, &self.state)));
    }
}
