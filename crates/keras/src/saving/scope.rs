//! The state of one model load, seen by every `from_config` it runs on this thread:
//! whether safe mode is on (Keras's `SafeModeScope`) and how many bytes of variables the
//! file can still justify (so that a config declaring huge layers is refused before the
//! memory is taken, not after).

use std::cell::Cell;

use keras_backend::bail;
use keras_ops::{DType, Error, Result};

use crate::layers::{Layer, LayerExt, ShapeSpec, TensorSpec};

#[derive(Clone, Copy)]
struct LoadState {
    safe_mode: bool,
    /// Bytes left for variables and build probes; `None` = no limit.
    budget: Option<u64>,
}

thread_local! {
    static STATE: Cell<LoadState> = const { Cell::new(LoadState { safe_mode: true, budget: None }) };
}

/// Restores the previous state when dropped (also when a load fails or panics).
struct Restore(LoadState);

impl Drop for Restore {
    fn drop(&mut self) {
        STATE.with(|s| s.set(self.0));
    }
}

/// Runs `f` with `safe_mode` and a variable budget of `budget` bytes (`None`: unlimited).
pub(crate) fn with_load_scope<T>(safe_mode: bool, budget: Option<u64>, f: impl FnOnce() -> T) -> T {
    let previous = STATE.with(|s| s.replace(LoadState { safe_mode, budget }));
    let _restore = Restore(previous);
    f()
}

/// Variables may take twice the bytes of the weights file, plus this (a file fills every
/// variable, so a config that asks for more does not match its weights).
const BUDGET_SLACK: u64 = 64 << 20;

/// The variable budget of a load whose weights can inflate to at most `weight_bytes`.
pub(crate) fn variable_budget(weight_bytes: u64) -> u64 {
    weight_bytes.saturating_mul(2).saturating_add(BUDGET_SLACK)
}

/// Runs `f` with a variable budget of at most `budget` bytes (the current one when that is
/// smaller), keeping the current safe mode.
pub(crate) fn with_budget<T>(budget: u64, f: impl FnOnce() -> T) -> T {
    let state = STATE.with(Cell::get);
    let budget = state.budget.map_or(budget, |b| b.min(budget));
    with_load_scope(state.safe_mode, Some(budget), f)
}

/// Whether safe mode is on: always, except inside a load with `safe_mode = false`.
pub(crate) fn in_safe_mode() -> bool {
    STATE.with(|s| s.get().safe_mode)
}

/// Keras's refusal of a serialized Python lambda in safe mode; `what` is "a Python lambda"
/// or, for a `Lambda` layer, "a `Lambda` layer whose `function` is a Python lambda".
pub(crate) fn safe_mode_message(what: &str) -> String {
    format!(
        "Requested the deserialization of {what}. This carries a potential risk of arbitrary \
         code execution and thus it is disallowed by default. If you trust the source of the \
         artifact, you can override this error by passing `safe_mode=False` to the loading \
         function, or calling `keras.config.enable_unsafe_deserialization()`. (In keras-rs: \
         LoadOptions {{ safe_mode: false, .. }}.)"
    )
}

/// The error for a serialized Python lambda: Keras's in safe mode, else the reason keras-rs
/// still cannot run it.
pub(crate) fn python_lambda_error(owner: &str, what: &str) -> Error {
    if in_safe_mode() {
        Error::op(owner, safe_mode_message(what))
    } else {
        Error::op(
            owner,
            format!("{what} cannot run in keras-rs (it is Python bytecode)"),
        )
    }
}

/// Takes `count` elements of `dtype` for `what` from the budget, or refuses with an error
/// naming `what` and the shape when the file cannot hold that much.
pub(crate) fn charge(what: &str, shape: &[usize], dtype: DType) -> Result<()> {
    let state = STATE.with(Cell::get);
    let Some(left) = state.budget else {
        return Ok(());
    };
    let bytes = shape
        .iter()
        .try_fold(dtype.size_in_bytes() as u64, |a, &d| {
            a.checked_mul(d as u64)
        });
    match bytes {
        Some(b) if b <= left => {
            STATE.with(|s| {
                s.set(LoadState {
                    budget: Some(left - b),
                    ..state
                })
            });
            Ok(())
        }
        _ => bail!(
            "load_model",
            "{what} of shape {shape:?} ({dtype}) needs more memory than the file's weights can \
             fill ({left} bytes left); the config does not match its weights or is hostile"
        ),
    }
}

/// Builds the sublayers that a layer's own `build` left unbuilt (a subclassed layer whose
/// sublayers build on their first call) by running its shape inference once on `shapes`,
/// as Keras traces a subclassed model in `build_from_config`.
pub(crate) fn build_sublayers(layer: &dyn Layer, shapes: &[ShapeSpec]) -> Result<()> {
    let mut unbuilt = false;
    layer.visit_sublayers(&mut |_, l| unbuilt |= !l.base().is_built());
    if !unbuilt {
        return Ok(());
    }
    let dtype = layer.base().compute_dtype();
    for s in shapes {
        let dims: Vec<usize> = s.iter().map(|d| d.unwrap_or(1)).collect();
        charge(
            &format!("a build probe of layer {:?}", layer.name()),
            &dims,
            dtype,
        )?;
    }
    let specs: Vec<TensorSpec> = shapes
        .iter()
        .map(|s| TensorSpec::new(s.clone(), dtype))
        .collect();
    layer.compute_output_spec(&specs)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_scoped_and_refuses_overdrafts() {
        assert!(in_safe_mode());
        charge("free", &[1 << 20, 1 << 20], DType::F32).unwrap();
        with_load_scope(false, Some(100), || {
            assert!(!in_safe_mode());
            charge("a", &[5, 5], DType::F32).unwrap();
            let err = charge("b", &[1], DType::F32).unwrap_err().to_string();
            assert!(err.contains("b of shape [1]"), "{err}");
            let err = charge("c", &[usize::MAX, 4], DType::F32).unwrap_err();
            assert!(err.to_string().contains("c of shape"), "{err}");
        });
        assert!(in_safe_mode());
        charge("free again", &[1 << 20], DType::F64).unwrap();
    }

    #[test]
    fn with_budget_keeps_safe_mode_and_the_smaller_budget() {
        with_load_scope(false, Some(40), || {
            with_budget(1000, || {
                assert!(!in_safe_mode());
                let err = charge("big", &[11], DType::F32).unwrap_err().to_string();
                assert!(err.contains("40 bytes left"), "{err}");
            });
            with_budget(8, || {
                let err = charge("small", &[3], DType::F32).unwrap_err().to_string();
                assert!(err.contains("8 bytes left"), "{err}");
            });
        });
        assert_eq!(variable_budget(1), 2 + BUDGET_SLACK);
        assert_eq!(variable_budget(u64::MAX), u64::MAX);
    }
}
