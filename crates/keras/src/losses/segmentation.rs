//! Image-segmentation losses: `Dice` and `Tversky`, overlap scores reduced over `axis`
//! (all axes by default).

use keras_ops::{ops, Axes, Result, Tensor};
use serde::{Deserialize, Serialize};

use super::loss::{as_float_pair, builtin_loss};

/// The `axis` argument of [`Dice`] and [`Tversky`]: one axis or several, written back to the
/// config the way it was given (`1` or `[1, 2]`); `None` in those losses means all axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LossAxis {
    /// A single axis.
    One(i64),
    /// Several axes (Keras's tuple, serialized as a list).
    Many(Vec<i64>),
}

impl LossAxis {
    /// As reduction axes (`None` = all).
    fn axes(axis: &Option<LossAxis>) -> Axes {
        match axis {
            None => Axes::from(None::<i64>),
            Some(LossAxis::One(a)) => Axes::from(*a),
            Some(LossAxis::Many(v)) => Axes::from(v.clone()),
        }
    }
}

/// Tversky's sums over `axis`, in `y_pred`'s float dtype.
struct Overlap {
    /// `sum(y_true · y_pred)`.
    intersection: Tensor,
    /// `sum((1 - y_pred) · y_true)`: the false negatives' mass.
    missed: Tensor,
    /// `sum(y_pred · (1 - y_true))`: the false positives' mass.
    spurious: Tensor,
}

impl Overlap {
    fn new(y_true: &Tensor, y_pred: &Tensor, axis: &Option<LossAxis>) -> Result<Overlap> {
        let (t, p) = as_float_pair(y_true, y_pred)?;
        let sum = |x: &Tensor| ops::sum(x, LossAxis::axes(axis), false);
        Ok(Overlap {
            intersection: sum(&ops::multiply(&t, &p)?)?,
            missed: sum(&ops::multiply(&ops::subtract(1.0, &p)?, &t)?)?,
            spurious: sum(&ops::multiply(&p, &ops::subtract(1.0, &t)?)?)?,
        })
    }
}

builtin_loss! {
    /// `1 - 2·sum(y_true·y_pred) / (sum(y_true) + sum(y_pred) + ε)` over `axis`
    /// (`keras.losses.Dice`; all axes when `axis` is `None`).
    ///
    /// ```
    /// use keras::losses::{Dice, Loss, LossAxis, Reduction};
    /// let t = keras::Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0], [2, 4]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.0f32, 1.0, 0.0, 1.0, 0.4, 0.0, 0.0, 0.9], [2, 4]).unwrap();
    /// let per_sample = Dice::new().axis(Some(LossAxis::One(1))).reduction(Reduction::None);
    /// let v = per_sample.compute(&t, &p, None).unwrap().to_vec::<f32>().unwrap();
    /// assert!((v[0] - 0.5).abs() < 1e-6 && (v[1] - 0.757_575_7).abs() < 1e-6);
    /// ```
    Dice, "dice",
    config {
        /// The axes the overlap is summed over (`None`: all).
        axis: Option<LossAxis> = None,
    }
    hidden {}
    call(|s, t, p| {
        let (t, p) = as_float_pair(t, p)?;
        let sum = |x: &Tensor| ops::sum(x, LossAxis::axes(&s.axis), false);
        let intersection = sum(&ops::multiply(&t, &p)?)?;
        let total = ops::add(&ops::add(&sum(&t)?, &sum(&p)?)?, keras_ops::config::epsilon())?;
        let dice = ops::divide(&ops::multiply(2.0, &intersection)?, &total)?;
        Ok(ops::subtract(1.0, &dice)?.into())
    })
}

builtin_loss! {
    /// `1 - TP / (TP + α·FN + β·FP + ε)` over `axis`, with `TP = sum(y_true·y_pred)`,
    /// `FN = sum((1 - y_pred)·y_true)`, `FP = sum(y_pred·(1 - y_true))`
    /// (`keras.losses.Tversky`; α = β = 0.5 is [`Dice`]).
    ///
    /// ```
    /// use keras::losses::{Loss, Tversky};
    /// let t = keras::Tensor::from_vec(vec![1.0f32, 0.0], [1, 2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.5f32, 0.5], [1, 2]).unwrap();
    /// let v = Tversky::new().alpha(1.0).beta(0.0).compute(&t, &p, None).unwrap();
    /// assert!((v.item().unwrap() - 0.5).abs() < 1e-6);
    /// ```
    Tversky, "tversky",
    config {
        /// Weight of the false negatives' mass `sum((1 - y_pred)·y_true)` (Keras: "false positives").
        alpha: f64 = 0.5,
        /// Weight of the false positives' mass `sum(y_pred·(1 - y_true))`.
        beta: f64 = 0.5,
        /// The axes the overlap is summed over (`None`: all).
        axis: Option<LossAxis> = None,
    }
    hidden {}
    call(|s, t, p| {
        let o = Overlap::new(t, p, &s.axis)?;
        let denom = ops::add(
            &ops::add(
                &ops::add(&o.intersection, &ops::multiply(&o.missed, s.alpha)?)?,
                &ops::multiply(&o.spurious, s.beta)?,
            )?,
            keras_ops::config::epsilon(),
        )?;
        Ok(ops::subtract(1.0, &ops::divide(&o.intersection, &denom)?)?.into())
    })
}
