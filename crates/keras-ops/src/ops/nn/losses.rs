//! Cross-entropy losses of `keras.ops.nn`: `binary_crossentropy`,
//! `categorical_crossentropy`, `sparse_categorical_crossentropy`, computed exactly as
//! Keras's JAX backend does (probabilities clipped to `[ε, 1 - ε]` with
//! `ε = keras.config.epsilon()`, categorical probabilities renormalised, logits through
//! `log_sigmoid` / `log_softmax`).
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let target = Tensor::from_vec(vec![0.0f32, 1.0, 0.0], [1, 3]).unwrap();
//! let probs = Tensor::from_vec(vec![0.2f32, 0.7, 0.1], [1, 3]).unwrap();
//! let loss = ops::categorical_crossentropy(&target, &probs, false, -1).unwrap();
//! assert!((loss.item().unwrap() + 0.7f64.ln()).abs() < 1e-6);
//! let labels = Tensor::from_vec(vec![1i32], [1]).unwrap();
//! let sparse = ops::sparse_categorical_crossentropy(&labels, &probs, false, -1).unwrap();
//! assert!((sparse.item().unwrap() - loss.item().unwrap()).abs() < 1e-6);
//! ```

use keras_backend::{bail, DType, Result};

use super::{log_sigmoid, log_softmax};
use crate::autodiff::{record, with_recording_paused};
use crate::config::{epsilon, floatx};
use crate::ops::{
    cast, clip, divide, exp, expand_dims, full, log, multiply, negative, one_hot, operands_dtype,
    squeeze, subtract, sum, take_along_axis, to_float, Operand,
};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;

/// `target` and `output` in their common float dtype.
fn common_float(target: &Tensor, output: &Tensor) -> Result<(Tensor, Tensor)> {
    let d = operands_dtype(&[&Operand::from(target), &Operand::from(output)]);
    let d = if d.is_float() { d } else { floatx() };
    Ok((cast(target, d)?, cast(output, d)?))
}

/// Log-probabilities along `axis`: `log_softmax` of logits, else the log of `output`
/// normalised to sum to 1 and clipped to `[ε, 1 - ε]`.
fn log_probs(output: &Tensor, from_logits: bool, axis: i64) -> Result<Tensor> {
    if from_logits {
        return log_softmax(output, axis);
    }
    let normalised = divide(output, &sum(output, axis, true)?)?;
    let eps = epsilon();
    log(&clip(&normalised, eps, 1.0 - eps)?)
}

/// Element-wise binary cross-entropy between `target` and `output` (probabilities, or
/// logits when `from_logits`), same shapes (`keras.ops.binary_crossentropy`).
pub fn binary_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool) -> Result<Tensor> {
    if target.dims() != output.dims() {
        bail!(
            "binary_crossentropy",
            "target and output must have the same shape, got {} and {}",
            target.shape(),
            output.shape()
        );
    }
    let (t, o) = common_float(target, output)?;
    if from_logits {
        let pos = multiply(&t, &log_sigmoid(&o)?)?;
        let neg = multiply(&subtract(1.0, &t)?, &log_sigmoid(&negative(&o)?)?)?;
        return negative(&crate::ops::add(&pos, &neg)?);
    }
    let eps = epsilon();
    let o = clip(&o, eps, 1.0 - eps)?;
    let pos = multiply(&t, &log(&o)?)?;
    let neg = multiply(&subtract(1.0, &t)?, &log(&subtract(1.0, &o)?)?)?;
    negative(&crate::ops::add(&pos, &neg)?)
}

/// Categorical cross-entropy `-Σ target · log p` along `axis` between a one-hot (or soft)
/// `target` and `output` of the same shape (`keras.ops.categorical_crossentropy`, Keras
/// defaults `from_logits = false`, `axis = -1`).
pub fn categorical_crossentropy(
    target: &Tensor,
    output: &Tensor,
    from_logits: bool,
    axis: i64,
) -> Result<Tensor> {
    if target.dims() != output.dims() {
        bail!(
            "categorical_crossentropy",
            "target and output must have the same shape, got {} and {}",
            target.shape(),
            output.shape()
        );
    }
    if output.rank() < 1 {
        bail!(
            "categorical_crossentropy",
            "target and output must be at least rank 1, got shape {}",
            output.shape()
        );
    }
    normalize_axis(axis, output.rank(), "categorical_crossentropy")?;
    let (t, o) = common_float(target, output)?;
    let lp = log_probs(&o, from_logits, axis)?;
    negative(&sum(&multiply(&t, &lp)?, axis, false)?)
}

/// Categorical cross-entropy with integer class labels: `target` has the shape of
/// `output` without its last axis (a trailing size-1 axis is dropped)
/// (`keras.ops.sparse_categorical_crossentropy`, Keras defaults `from_logits = false`,
/// `axis = -1`). Labels outside `[0, classes)` contribute 0, as in JAX.
pub fn sparse_categorical_crossentropy(
    target: &Tensor,
    output: &Tensor,
    from_logits: bool,
    axis: i64,
) -> Result<Tensor> {
    let op = "sparse_categorical_crossentropy";
    let mut labels = cast(target, DType::I32)?;
    if labels.rank() == output.rank() && labels.rank() > 0 && labels.dims()[labels.rank() - 1] == 1
    {
        labels = squeeze(&labels, -1)?;
    }
    if output.rank() < 1 {
        bail!(
            op,
            "output must be at least rank 1, got shape {}",
            output.shape()
        );
    }
    if labels.dims() != &output.dims()[..output.rank() - 1] {
        bail!(
            op,
            "target and output must have the same shape up until the last dimension, got {} and {}",
            target.shape(),
            output.shape()
        );
    }
    let ax = normalize_axis(axis, output.rank(), op)?;
    let o = to_float(output)?;
    let classes = o.dims()[ax];
    // JAX builds the one-hot in its default float type: float32, or float64 once a 64-bit
    // input switches x64 mode on.
    let is_64 = |d: DType| matches!(d, DType::I64 | DType::U64 | DType::F64);
    let hot_dtype = if is_64(target.dtype()) || is_64(o.dtype()) {
        DType::F64
    } else {
        floatx()
    };
    let fusable = from_logits && ax == o.rank() - 1 && hot_dtype == o.dtype();
    if fusable && labels_in_range(&labels, classes)? {
        return fused_sparse_logits(&labels, &o);
    }
    let lp = log_probs(&o, from_logits, axis)?;
    let hot = one_hot(&labels, classes, ax as i64, Some(hot_dtype))?;
    negative(&sum(&multiply(&hot, &lp)?, axis, false)?)
}

/// True when every label is a valid class index (the fused path's precondition).
fn labels_in_range(labels: &Tensor, classes: usize) -> Result<bool> {
    Ok(labels
        .to_vec::<i32>()?
        .iter()
        .all(|&l| l >= 0 && (l as usize) < classes))
}

/// Sparse cross-entropy from logits over the last axis with in-range labels:
/// `-log_softmax(logits)[label]`, with the fused gradient `g · (softmax - one_hot)`.
fn fused_sparse_logits(labels: &Tensor, logits: &Tensor) -> Result<Tensor> {
    let idx = expand_dims(&cast(labels, DType::I64)?, -1)?;
    let (lp, loss) = with_recording_paused(|| -> Result<(Tensor, Tensor)> {
        let lp = log_softmax(logits, -1)?;
        let picked = take_along_axis(&lp, &idx, Some(-1))?;
        Ok((lp, negative(&squeeze(&picked, -1)?)?))
    })?;
    Ok(record(
        "sparse_categorical_crossentropy",
        &[logits],
        loss,
        move |g, _, _| {
            let probs = exp(&lp)?;
            let minus_one = full(idx.dims(), -1.0, probs.dtype())?;
            let s = probs.backend().put_along_axis_add(
                probs.storage(),
                probs.dims(),
                idx.storage(),
                minus_one.storage(),
                idx.dims(),
                probs.rank() - 1,
            )?;
            let diff = Tensor::from_storage(s, probs.shape().clone(), probs.backend());
            Ok(vec![Some(multiply(&diff, &expand_dims(g, -1)?)?)])
        },
    ))
}
