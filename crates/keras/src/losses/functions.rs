//! The function forms of the losses (`keras.losses.mean_squared_error(y_true, y_pred)`,
//! ...): unreduced per-sample values, with Keras's positional arguments.
//!
//! ```
//! use keras::losses;
//! let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 1.0], [2, 2]).unwrap();
//! let p = keras::Tensor::from_vec(vec![1.0f32, 1.0, 1.0, 0.0], [2, 2]).unwrap();
//! assert_eq!(losses::mean_squared_error(&t, &p).unwrap().to_vec::<f32>().unwrap(), vec![0.5, 0.5]);
//! ```

use keras_ops::{Result, Tensor};

use super::loss::squeeze_or_expand_to_same_rank;
use super::segmentation::LossAxis;
use super::similarity::circle_per_sample;
use super::*;

/// The per-sample values of `loss` (no sample weights, no reduction).
fn per_sample(loss: impl Loss, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    Ok(loss.call(y_true, y_pred)?.values)
}

macro_rules! plain_functions {
    ($($(#[$doc:meta])* $f:ident => $ty:ident;)*) => {$(
        $(#[$doc])*
        pub fn $f(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
            per_sample($ty::new(), y_true, y_pred)
        }
    )*};
}

plain_functions! {
    /// `mean(square(y_true - y_pred), axis=-1)` ([`MeanSquaredError`]).
    mean_squared_error => MeanSquaredError;
    /// `mean(abs(y_true - y_pred), axis=-1)` ([`MeanAbsoluteError`]).
    mean_absolute_error => MeanAbsoluteError;
    /// [`MeanAbsolutePercentageError`] per sample.
    mean_absolute_percentage_error => MeanAbsolutePercentageError;
    /// [`MeanSquaredLogarithmicError`] per sample.
    mean_squared_logarithmic_error => MeanSquaredLogarithmicError;
    /// [`LogCosh`] per sample.
    log_cosh => LogCosh;
    /// [`Hinge`] per sample.
    hinge => Hinge;
    /// [`SquaredHinge`] per sample.
    squared_hinge => SquaredHinge;
    /// [`CategoricalHinge`] per sample.
    categorical_hinge => CategoricalHinge;
    /// [`KLDivergence`] per sample.
    kl_divergence => KLDivergence;
    /// [`Poisson`] per sample.
    poisson => Poisson;
    /// [`CTC`] per sequence: `y_true` `[B, L]` 0-padded labels, `y_pred` `[B, T, C]` logits.
    ctc => CTC;
}

/// [`CosineSimilarity`] along `axis` (Keras's default -1).
pub fn cosine_similarity(y_true: &Tensor, y_pred: &Tensor, axis: i64) -> Result<Tensor> {
    per_sample(CosineSimilarity::new().axis(axis), y_true, y_pred)
}

/// [`Huber`] with `delta` (Keras's default 1.0).
pub fn huber(y_true: &Tensor, y_pred: &Tensor, delta: f64) -> Result<Tensor> {
    per_sample(Huber::new().delta(delta), y_true, y_pred)
}

/// [`BinaryCrossentropy`] (Keras's defaults: `false, 0.0, -1`).
pub fn binary_crossentropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    from_logits: bool,
    label_smoothing: f64,
    axis: i64,
) -> Result<Tensor> {
    let loss = BinaryCrossentropy::new()
        .from_logits(from_logits)
        .label_smoothing(label_smoothing)
        .axis(axis);
    per_sample(loss, y_true, y_pred)
}

/// [`BinaryFocalCrossentropy`] (Keras's defaults: `false, 0.25, 2.0, false, 0.0, -1`).
#[allow(clippy::too_many_arguments)]
pub fn binary_focal_crossentropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    apply_class_balancing: bool,
    alpha: f64,
    gamma: f64,
    from_logits: bool,
    label_smoothing: f64,
    axis: i64,
) -> Result<Tensor> {
    let loss = BinaryFocalCrossentropy::new()
        .apply_class_balancing(apply_class_balancing)
        .alpha(alpha)
        .gamma(gamma)
        .from_logits(from_logits)
        .label_smoothing(label_smoothing)
        .axis(axis);
    per_sample(loss, y_true, y_pred)
}

/// [`CategoricalCrossentropy`] (Keras's defaults: `false, 0.0, -1`).
pub fn categorical_crossentropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    from_logits: bool,
    label_smoothing: f64,
    axis: i64,
) -> Result<Tensor> {
    let loss = CategoricalCrossentropy::new()
        .from_logits(from_logits)
        .label_smoothing(label_smoothing)
        .axis(axis);
    per_sample(loss, y_true, y_pred)
}

/// [`CategoricalFocalCrossentropy`] (Keras's defaults: `0.25, 2.0, false, 0.0, -1`).
pub fn categorical_focal_crossentropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    alpha: f64,
    gamma: f64,
    from_logits: bool,
    label_smoothing: f64,
    axis: i64,
) -> Result<Tensor> {
    let loss = CategoricalFocalCrossentropy::new()
        .alpha(alpha)
        .gamma(gamma)
        .from_logits(from_logits)
        .label_smoothing(label_smoothing)
        .axis(axis);
    per_sample(loss, y_true, y_pred)
}

/// [`SparseCategoricalCrossentropy`] (Keras's defaults: `false, None, -1`); entries
/// labelled `ignore_class` are 0.
pub fn sparse_categorical_crossentropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    from_logits: bool,
    ignore_class: Option<i64>,
    axis: i64,
) -> Result<Tensor> {
    let loss = SparseCategoricalCrossentropy::new()
        .from_logits(from_logits)
        .ignore_class(ignore_class)
        .axis(axis);
    per_sample(loss, y_true, y_pred)
}

/// [`CategoricalGeneralizedCrossEntropy`] with noise parameter `q` in (0, 1).
pub fn categorical_generalized_cross_entropy(
    y_true: &Tensor,
    y_pred: &Tensor,
    q: f64,
) -> Result<Tensor> {
    per_sample(
        CategoricalGeneralizedCrossEntropy::new().q(q),
        y_true,
        y_pred,
    )
}

/// [`Dice`] over `axis` (`None`: all axes, Keras's default).
pub fn dice(y_true: &Tensor, y_pred: &Tensor, axis: Option<LossAxis>) -> Result<Tensor> {
    per_sample(Dice::new().axis(axis), y_true, y_pred)
}

/// [`Tversky`] (Keras's defaults: `0.5, 0.5, None`).
pub fn tversky(
    y_true: &Tensor,
    y_pred: &Tensor,
    alpha: f64,
    beta: f64,
    axis: Option<LossAxis>,
) -> Result<Tensor> {
    per_sample(
        Tversky::new().alpha(alpha).beta(beta).axis(axis),
        y_true,
        y_pred,
    )
}

/// [`Circle`] per query embedding, against `reference = (ref_labels, ref_embeddings)`
/// (default: the batch itself). Keras's defaults: `None, None, true, 80, 0.4`.
pub fn circle(
    y_true: &Tensor,
    y_pred: &Tensor,
    reference: Option<(&Tensor, &Tensor)>,
    remove_diagonal: bool,
    gamma: f64,
    margin: f64,
) -> Result<Tensor> {
    let (t, p) = squeeze_or_expand_to_same_rank(y_true, y_pred)?;
    Ok(circle_per_sample(&t, &p, reference, remove_diagonal, gamma, margin)?.values)
}
