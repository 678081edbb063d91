//! Sequence losses: `CTC` (connectionist temporal classification).

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

use super::loss::builtin_loss;

/// Keras's `ctc(y_true, y_pred)`: integer labels `[B, L]` padded with 0 (the blank, also
/// the padding) against logits `[B, T, C]`, every sequence using all `T` steps.
pub(crate) fn ctc_per_sample(y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    if y_true.rank() != 2 {
        bail!(
            "CTC",
            "targets y_true are expected to be a tensor of shape (batch_size, max_length) \
             in integer format, got shape {}",
            y_true.shape()
        );
    }
    if y_pred.rank() != 3 {
        bail!(
            "CTC",
            "logits y_pred are expected to be a tensor of shape (batch_size, max_length, \
             num_classes), got shape {}",
            y_pred.shape()
        );
    }
    let labels = ops::cast(y_true, DType::I32)?;
    let (batch, steps) = (y_pred.dims()[0], y_pred.dims()[1]);
    let label_length = ops::cast(
        &ops::sum(&ops::not_equal(&labels, 0.0)?, -1, false)?,
        DType::I32,
    )?;
    let input_length = ops::full(&[batch], steps as f64, DType::I32)?;
    ops::ctc_loss(&labels, y_pred, &label_length, &input_length, 0)
}

builtin_loss! {
    /// CTC loss (`keras.losses.CTC`): `y_true` `[B, L]` integer labels, 0-padded (class 0
    /// is the blank), `y_pred` `[B, T, C]` logits; the per-sequence negative
    /// log-likelihood of the labels over all alignments.
    ///
    /// ```
    /// use keras::losses::{Loss, CTC};
    /// let labels = keras::Tensor::from_vec(vec![1i32], [1, 1]).unwrap();
    /// // one step, uniform over {blank, 1}: p(label 1) = 1/2
    /// let logits = keras::Tensor::from_vec(vec![0.0f32, 0.0], [1, 1, 2]).unwrap();
    /// let v = CTC::new().compute(&labels, &logits, None).unwrap().item().unwrap();
    /// assert!((v - 2f64.ln()).abs() < 1e-5);
    /// ```
    CTC, "ctc",
    config {}
    hidden {}
    call(|_s, t, p| Ok(ctc_per_sample(t, p)?.into()))
}
