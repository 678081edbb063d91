//! Regression losses: mean squared / absolute (percentage) / squared logarithmic error,
//! Huber, log-cosh and cosine similarity, each reduced over the last axis.

use keras_ops::{ops, Result, Tensor};

use super::loss::{as_float_pair, builtin_loss, same_shape};
use super::PerSample;

/// `mean(f(y_true, y_pred), axis=-1)` after checking shapes and casting to float.
fn mean_last(
    owner: &str,
    y_true: &Tensor,
    y_pred: &Tensor,
    f: impl Fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> Result<PerSample> {
    same_shape(owner, y_true, y_pred)?;
    let (t, p) = as_float_pair(y_true, y_pred)?;
    Ok(ops::mean(&f(&t, &p)?, -1, false)?.into())
}

builtin_loss! {
    /// `mean(square(y_true - y_pred), axis=-1)` (`keras.losses.MeanSquaredError`, `"mse"`).
    ///
    /// ```
    /// use keras::losses::{Loss, MeanSquaredError};
    /// let t = keras::Tensor::from_vec(vec![1.0f32, 2.0], [1, 2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![2.0f32, 4.0], [1, 2]).unwrap();
    /// assert_eq!(MeanSquaredError::new().compute(&t, &p, None).unwrap().item().unwrap(), 2.5);
    /// ```
    MeanSquaredError, "mean_squared_error",
    config {}
    hidden {}
    call(|_s, t, p| mean_last("MeanSquaredError", t, p, |t, p| ops::square(&ops::subtract(t, p)?)))
}

builtin_loss! {
    /// `mean(abs(y_true - y_pred), axis=-1)` (`keras.losses.MeanAbsoluteError`, `"mae"`).
    MeanAbsoluteError, "mean_absolute_error",
    config {}
    hidden {}
    call(|_s, t, p| mean_last("MeanAbsoluteError", t, p, |t, p| ops::abs(&ops::subtract(t, p)?)))
}

builtin_loss! {
    /// `100 · mean(abs((y_true - y_pred) / max(abs(y_true), ε)), axis=-1)`
    /// (`keras.losses.MeanAbsolutePercentageError`, `"mape"`).
    MeanAbsolutePercentageError, "mean_absolute_percentage_error",
    config {}
    hidden {}
    call(|_s, t, p| {
        let per = mean_last("MeanAbsolutePercentageError", t, p, |t, p| {
            let denom = ops::maximum(&ops::abs(t)?, keras_ops::config::epsilon())?;
            ops::abs(&ops::divide(&ops::subtract(t, p)?, &denom)?)
        })?;
        Ok(ops::multiply(100.0, &per.values)?.into())
    })
}

builtin_loss! {
    /// `mean(square(log(max(y_pred, ε) + 1) - log(max(y_true, ε) + 1)), axis=-1)`
    /// (`keras.losses.MeanSquaredLogarithmicError`, `"msle"`).
    MeanSquaredLogarithmicError, "mean_squared_logarithmic_error",
    config {}
    hidden {}
    call(|_s, t, p| mean_last("MeanSquaredLogarithmicError", t, p, |t, p| {
        let eps = keras_ops::config::epsilon();
        let lg = |x: &Tensor| ops::log(&ops::add(&ops::maximum(x, eps)?, 1.0)?);
        ops::square(&ops::subtract(&lg(p)?, &lg(t)?)?)
    }))
}

builtin_loss! {
    /// Quadratic for errors up to `delta`, linear beyond, averaged over the last axis
    /// (`keras.losses.Huber`; `delta` is not part of Keras's config).
    Huber, "huber_loss",
    config {}
    hidden {
        /// Where the loss turns from quadratic to linear (default 1.0).
        delta: f64 = 1.0,
    }
    call(|s, t, p| mean_last("Huber", t, p, |t, p| {
        let d = s.delta;
        let err = ops::subtract(p, t)?;
        let abs = ops::abs(&err)?;
        let quad = ops::multiply(0.5, &ops::square(&err)?)?;
        let lin = ops::subtract(&ops::multiply(d, &abs)?, 0.5 * d * d)?;
        ops::where_(&ops::less_equal(&abs, d)?, &quad, &lin)
    }))
}

builtin_loss! {
    /// `mean(log(cosh(y_pred - y_true)), axis=-1)`, computed stably as
    /// `x + softplus(-2x) - log 2` (`keras.losses.LogCosh`).
    LogCosh, "log_cosh",
    config {}
    hidden {}
    call(|_s, t, p| mean_last("LogCosh", t, p, |t, p| {
        let x = ops::subtract(p, t)?;
        let sp = ops::softplus(&ops::multiply(&x, -2.0)?)?;
        ops::subtract(&ops::add(&x, &sp)?, 2f64.ln())
    }))
}

builtin_loss! {
    /// `-sum(l2_normalize(y_true) · l2_normalize(y_pred), axis)`
    /// (`keras.losses.CosineSimilarity`; `axis` is not part of Keras's config).
    CosineSimilarity, "cosine_similarity",
    config {}
    hidden {
        /// The axis along which the similarity is computed (default -1).
        axis: i64 = -1,
    }
    call(|s, t, p| {
        same_shape("CosineSimilarity", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let t = ops::normalize(&t, s.axis, 2, None)?;
        let p = ops::normalize(&p, s.axis, 2, None)?;
        Ok(ops::negative(&ops::sum(&ops::multiply(&t, &p)?, s.axis, false)?)?.into())
    })
}
