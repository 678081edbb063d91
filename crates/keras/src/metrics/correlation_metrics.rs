//! Correlation metrics: [`PearsonCorrelation`] and [`ConcordanceCorrelation`], the means
//! of per-sample correlations along an axis.

use keras_ops::{ops, Result, Tensor};
use serde_json::json;

use super::MeanMetricWrapper;
use crate::losses::squeeze_or_expand_to_same_rank;
use crate::saving::object::Config;
use crate::saving::ConfigExt;

/// `y_pred` as float and `y_true` in its dtype, with Keras's rank adjustment.
fn float_pair(y_true: &Tensor, y_pred: &Tensor) -> Result<(Tensor, Tensor)> {
    let p = if y_pred.dtype().is_float() {
        y_pred.clone()
    } else {
        ops::cast(y_pred, keras_ops::config::floatx())?
    };
    squeeze_or_expand_to_same_rank(&ops::cast(y_true, p.dtype())?, &p)
}

/// `keras.metrics.pearson_correlation`: the Pearson correlation of `y_true` and `y_pred`
/// along `axis` (NaN where either is constant, as in Keras).
pub fn pearson_correlation(y_true: &Tensor, y_pred: &Tensor, axis: i64) -> Result<Tensor> {
    let (t, p) = float_pair(y_true, y_pred)?;
    let standardize = |x: &Tensor| -> Result<Tensor> {
        let centred = ops::subtract(x, &ops::mean(x, axis, true)?)?;
        ops::divide(&centred, &ops::std(&centred, axis, true)?)
    };
    ops::mean(
        &ops::multiply(&standardize(&t)?, &standardize(&p)?)?,
        axis,
        false,
    )
}

/// `keras.metrics.concordance_correlation`: Lin's concordance correlation coefficient
/// along `axis`, computed exactly as Keras 3.15 does (its covariance term centres `y_true`
/// on the mean of `y_pred`).
pub fn concordance_correlation(y_true: &Tensor, y_pred: &Tensor, axis: i64) -> Result<Tensor> {
    let (t, p) = float_pair(y_true, y_pred)?;
    let t_mean = ops::mean(&t, axis, true)?;
    let p_mean = ops::mean(&p, axis, true)?;
    let t_var = ops::var(&ops::subtract(&t, &t_mean)?, axis, true)?;
    let p_var = ops::var(&ops::subtract(&p, &p_mean)?, axis, true)?;
    let covar = ops::multiply(&ops::subtract(&t, &p_mean)?, &ops::subtract(&p, &p_mean)?)?;
    let norm = ops::add(
        &ops::add(&t_var, &p_var)?,
        &ops::square(&ops::subtract(&t_mean, &p_mean)?)?,
    )?;
    let eps = keras_ops::config::epsilon();
    let ratio = ops::divide(&ops::multiply(2.0, &covar)?, &ops::add(&norm, eps)?)?;
    ops::mean(&ratio, axis, false)
}

macro_rules! correlation_metric {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $f:ident) => {
        $(#[$doc])*
        pub struct $ty;

        impl $ty {
            /// Along `axis` (Keras's default is -1), with the default name.
            #[allow(clippy::new_ret_no_self)]
            pub fn new(axis: i64) -> MeanMetricWrapper {
                let mut c = Config::new();
                c.insert("axis".into(), json!(axis));
                MeanMetricWrapper::of_fn(stringify!($ty), $name, move |t, p| $f(t, p, axis), c)
            }
            /// From a `get_config()` dict (`name`, `dtype`, `axis`).
            pub fn from_config(config: &Config) -> Result<MeanMetricWrapper> {
                Self::new(config.get_or("axis", -1, stringify!($ty))?).configured(config)
            }
        }
    };
}

correlation_metric!(
    /// The mean Pearson correlation of labels and predictions along an axis
    /// (`keras.metrics.PearsonCorrelation`).
    ///
    /// ```
    /// use keras::metrics::{Metric, PearsonCorrelation};
    /// let m = PearsonCorrelation::new(-1);
    /// let t = keras::Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [1, 3]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![2.0f32, 4.0, 6.0], [1, 3]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert!((m.result().unwrap().item().unwrap() - 1.0).abs() < 1e-6);
    /// ```
    PearsonCorrelation, "pearson_correlation", pearson_correlation
);
correlation_metric!(
    /// The mean concordance correlation of labels and predictions along an axis
    /// (`keras.metrics.ConcordanceCorrelation`).
    ConcordanceCorrelation, "concordance_correlation", concordance_correlation
);
