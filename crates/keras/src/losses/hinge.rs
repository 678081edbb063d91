//! Hinge losses for maximum-margin classification: `Hinge`, `SquaredHinge`,
//! `CategoricalHinge`.

use keras_ops::{ops, Result, Tensor};

use super::loss::{as_float_pair, builtin_loss, same_shape};
use super::PerSample;

/// Margins `max(1 - y_true · y_pred, 0)`, with 0/1 labels first mapped to -1/1 (labels
/// already in another form are kept, as Keras does).
fn margins(owner: &str, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    same_shape(owner, y_true, y_pred)?;
    let (t, p) = as_float_pair(y_true, y_pred)?;
    let binary = ops::logical_or(&ops::equal(&t, 0.0)?, &ops::equal(&t, 1.0)?)?;
    let t = if ops::all(&binary, None, false)?.item()? != 0.0 {
        ops::subtract(&ops::multiply(2.0, &t)?, 1.0)?
    } else {
        t
    };
    ops::maximum(&ops::subtract(1.0, &ops::multiply(&t, &p)?)?, 0.0)
}

builtin_loss! {
    /// `mean(max(1 - y_true · y_pred, 0), axis=-1)` with labels in {-1, 1} (0/1 labels are
    /// converted) (`keras.losses.Hinge`).
    ///
    /// ```
    /// use keras::losses::{Hinge, Loss};
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [1, 2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.5f32, 0.5], [1, 2]).unwrap();
    /// assert!((Hinge::new().compute(&t, &p, None).unwrap().item().unwrap() - 1.0).abs() < 1e-7);
    /// ```
    Hinge, "hinge",
    config {}
    hidden {}
    call(|_s, t, p| Ok(ops::mean(&margins("Hinge", t, p)?, -1, false)?.into()))
}

builtin_loss! {
    /// `mean(square(max(1 - y_true · y_pred, 0)), axis=-1)` (`keras.losses.SquaredHinge`).
    SquaredHinge, "squared_hinge",
    config {}
    hidden {}
    call(|_s, t, p| {
        let m = margins("SquaredHinge", t, p)?;
        Ok(ops::mean(&ops::square(&m)?, -1, false)?.into())
    })
}

builtin_loss! {
    /// `max(max((1 - y_true) · y_pred) - sum(y_true · y_pred) + 1, 0)` over the last axis
    /// (`keras.losses.CategoricalHinge`).
    CategoricalHinge, "categorical_hinge",
    config {}
    hidden {}
    call(|_s, t, p| {
        same_shape("CategoricalHinge", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let pos = ops::sum(&ops::multiply(&t, &p)?, -1, false)?;
        let neg = ops::max(&ops::multiply(&ops::subtract(1.0, &t)?, &p)?, -1, false, None)?;
        let per: PerSample = ops::maximum(&ops::add(&ops::subtract(&neg, &pos)?, 1.0)?, 0.0)?.into();
        Ok(per)
    })
}
