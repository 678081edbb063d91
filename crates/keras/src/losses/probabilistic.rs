//! Probabilistic losses: binary / categorical / sparse categorical cross-entropy (and
//! their focal variants), Kullback-Leibler divergence and Poisson.

use keras_backend::bail;
use keras_ops::{ops, Result, Tensor};

use super::loss::{as_float_pair, builtin_loss, same_shape};
use super::PerSample;

/// `y_true · (1 - s) + s / classes` (binary losses use `classes = 2`).
fn smooth(y_true: &Tensor, smoothing: f64, classes: f64) -> Result<Tensor> {
    if smoothing == 0.0 {
        return Ok(y_true.clone());
    }
    ops::add(
        &ops::multiply(y_true, 1.0 - smoothing)?,
        smoothing / classes,
    )
}

/// `y_true` smoothed over its last axis, as categorical losses do.
fn smooth_categorical(y_true: &Tensor, smoothing: f64) -> Result<Tensor> {
    let classes = y_true.dims().last().copied().unwrap_or(1) as f64;
    smooth(y_true, smoothing, classes)
}

builtin_loss! {
    /// Binary cross-entropy averaged over `axis` (`keras.losses.BinaryCrossentropy`).
    ///
    /// ```
    /// use keras::losses::{BinaryCrossentropy, Loss};
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [2, 1]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![-1.0f32, 2.0], [2, 1]).unwrap();
    /// let bce = BinaryCrossentropy::new().from_logits(true);
    /// let want = ((1.0f64 + (-1f64).exp()).ln() + (1.0 + (-2f64).exp()).ln()) / 2.0;
    /// assert!((bce.compute(&t, &p, None).unwrap().item().unwrap() - want).abs() < 1e-6);
    /// ```
    BinaryCrossentropy, "binary_crossentropy",
    config {
        /// Whether `y_pred` holds logits rather than probabilities.
        from_logits: bool = false,
        /// Squeezes labels towards 0.5 by this amount.
        label_smoothing: f64 = 0.0,
        /// The axis the element losses are averaged over.
        axis: i64 = -1,
    }
    hidden {}
    call(|s, t, p| {
        same_shape("BinaryCrossentropy", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let t = smooth(&t, s.label_smoothing, 2.0)?;
        let bce = ops::binary_crossentropy(&t, &p, s.from_logits)?;
        Ok(ops::mean(&bce, s.axis, false)?.into())
    })
}

builtin_loss! {
    /// Binary cross-entropy scaled by the focal factor `(1 - p_t)^gamma` (and, with
    /// `apply_class_balancing`, by `alpha` / `1 - alpha`), averaged over `axis`
    /// (`keras.losses.BinaryFocalCrossentropy`).
    BinaryFocalCrossentropy, "binary_focal_crossentropy",
    config {
        /// Whether `y_pred` holds logits rather than probabilities.
        from_logits: bool = false,
        /// Squeezes labels towards 0.5 by this amount.
        label_smoothing: f64 = 0.0,
        /// The axis the element losses are averaged over.
        axis: i64 = -1,
        /// Weighs positives by `alpha` and negatives by `1 - alpha`.
        apply_class_balancing: bool = false,
        /// The class-balancing weight.
        alpha: f64 = 0.25,
        /// The focusing exponent.
        gamma: f64 = 2.0,
    }
    hidden {}
    call(|s, t, p| {
        same_shape("BinaryFocalCrossentropy", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let t = smooth(&t, s.label_smoothing, 2.0)?;
        let p = if s.from_logits { ops::sigmoid(&p)? } else { p };
        let bce = ops::binary_crossentropy(&t, &p, false)?;
        let one_minus_t = ops::subtract(1.0, &t)?;
        let p_t = ops::add(
            &ops::multiply(&t, &p)?,
            &ops::multiply(&one_minus_t, &ops::subtract(1.0, &p)?)?,
        )?;
        let focal = ops::power(&ops::subtract(1.0, &p_t)?, s.gamma)?;
        let mut out = ops::multiply(&focal, &bce)?;
        if s.apply_class_balancing {
            let w = ops::add(&ops::multiply(&t, s.alpha)?, &ops::multiply(&one_minus_t, 1.0 - s.alpha)?)?;
            out = ops::multiply(&w, &out)?;
        }
        Ok(ops::mean(&out, s.axis, false)?.into())
    })
}

builtin_loss! {
    /// Categorical cross-entropy of one-hot (or soft) labels along `axis`
    /// (`keras.losses.CategoricalCrossentropy`).
    ///
    /// ```
    /// use keras::losses::{CategoricalCrossentropy, Loss};
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0, 0.0], [1, 3]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.2f32, 0.7, 0.1], [1, 3]).unwrap();
    /// let l = CategoricalCrossentropy::new().compute(&t, &p, None).unwrap();
    /// assert!((l.item().unwrap() + 0.7f64.ln()).abs() < 1e-6);
    /// ```
    CategoricalCrossentropy, "categorical_crossentropy",
    config {
        /// Whether `y_pred` holds logits rather than probabilities.
        from_logits: bool = false,
        /// Mixes the labels with the uniform distribution by this amount.
        label_smoothing: f64 = 0.0,
        /// The class axis.
        axis: i64 = -1,
    }
    hidden {}
    call(|s, t, p| {
        same_shape("CategoricalCrossentropy", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let t = smooth_categorical(&t, s.label_smoothing)?;
        Ok(ops::categorical_crossentropy(&t, &p, s.from_logits, s.axis)?.into())
    })
}

builtin_loss! {
    /// Categorical cross-entropy weighted by `alpha · (1 - p)^gamma` per class, summed
    /// along `axis` (`keras.losses.CategoricalFocalCrossentropy`).
    CategoricalFocalCrossentropy, "categorical_focal_crossentropy",
    config {
        /// Whether `y_pred` holds logits rather than probabilities.
        from_logits: bool = false,
        /// Mixes the labels with the uniform distribution by this amount.
        label_smoothing: f64 = 0.0,
        /// The class axis.
        axis: i64 = -1,
        /// The weighting factor.
        alpha: f64 = 0.25,
        /// The focusing exponent.
        gamma: f64 = 2.0,
    }
    hidden {}
    call(|s, t, p| {
        same_shape("CategoricalFocalCrossentropy", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let t = smooth_categorical(&t, s.label_smoothing)?;
        let p = if s.from_logits { ops::softmax(&p, s.axis)? } else { p };
        let eps = keras_ops::config::epsilon();
        let out = ops::divide(&p, &ops::sum(&p, s.axis, true)?)?;
        let out = ops::clip(&out, eps, 1.0 - eps)?;
        let cce = ops::negative(&ops::multiply(&t, &ops::log(&out)?)?)?;
        let weight = ops::multiply(&ops::power(&ops::subtract(1.0, &out)?, s.gamma)?, s.alpha)?;
        Ok(ops::sum(&ops::multiply(&weight, &cce)?, s.axis, false)?.into())
    })
}

builtin_loss! {
    /// Categorical cross-entropy with integer labels (`keras.losses.SparseCategoricalCrossentropy`).
    /// Entries labelled `ignore_class` count neither in the sum nor in the batch size.
    /// Labels outside `[0, classes)` are an error.
    ///
    /// ```
    /// use keras::losses::{Loss, SparseCategoricalCrossentropy};
    /// let t = keras::Tensor::from_vec(vec![1.0f32, -1.0], [2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.3f32, 0.7, 0.5, 0.5], [2, 2]).unwrap();
    /// let l = SparseCategoricalCrossentropy::new().ignore_class(Some(-1));
    /// assert!((l.compute(&t, &p, None).unwrap().item().unwrap() + 0.7f64.ln()).abs() < 1e-6);
    /// ```
    SparseCategoricalCrossentropy, "sparse_categorical_crossentropy",
    config {
        /// Whether `y_pred` holds logits rather than probabilities.
        from_logits: bool = false,
        /// A label whose entries are left out of the loss.
        ignore_class: Option<i64> = None,
    }
    hidden {
        /// The class axis (default -1).
        axis: i64 = -1,
    }
    call(|s, t, p| sparse_categorical(s, t, p))
}

fn sparse_categorical(
    s: &SparseCategoricalCrossentropy,
    y_true: &Tensor,
    y_pred: &Tensor,
) -> Result<PerSample> {
    let owner = "SparseCategoricalCrossentropy";
    let p = as_float_pair(y_pred, y_pred)?.1;
    if p.rank() == 0 {
        bail!(
            owner,
            "y_pred must be at least rank 1, got shape {}",
            p.shape()
        );
    }
    let axis = keras_ops::normalize_axis(s.axis, p.rank(), owner)?;
    let mut t = y_true.clone();
    if t.rank() == p.rank() && t.dims()[axis] == 1 {
        t = ops::squeeze(&t, axis as i64)?;
    }
    let mut res_shape = p.dims().to_vec();
    let classes = res_shape.remove(axis);
    if t.dims() != res_shape.as_slice() {
        bail!(
            owner,
            "y_true of shape {} does not match y_pred of shape {} (expected labels of shape {:?})",
            y_true.shape(),
            y_pred.shape(),
            res_shape
        );
    }
    let labels = ops::cast(&t, p.dtype())?.to_vec::<f64>()?;
    let ignore = s.ignore_class.map(|c| c as f64);
    if let Some(bad) = labels
        .iter()
        .find(|&&l| Some(l) != ignore && (l < 0.0 || l >= classes as f64 || l.fract() != 0.0))
    {
        bail!(
            owner,
            "label {bad} is out of range [0, {classes}) for y_pred of shape {}",
            p.shape()
        );
    }
    let Some(ignore) = ignore else {
        return Ok(ops::sparse_categorical_crossentropy(&t, &p, s.from_logits, s.axis)?.into());
    };
    let valid = ops::not_equal(&ops::cast(&t, p.dtype())?, ignore)?;
    let t = ops::where_(&valid, &t, 0.0)?;
    let p = ops::where_(&ops::expand_dims(&valid, axis as i64)?, &p, 0.0)?;
    let res = ops::sparse_categorical_crossentropy(&t, &p, s.from_logits, s.axis)?;
    Ok(PerSample {
        values: ops::where_(&valid, &res, 0.0)?,
        mask: Some(valid),
    })
}

builtin_loss! {
    /// `sum(y_true · log(y_true / y_pred), axis=-1)` with both clipped to `[ε, 1]`
    /// (`keras.losses.KLDivergence`).
    KLDivergence, "kl_divergence",
    config {}
    hidden {}
    call(|_s, t, p| {
        same_shape("KLDivergence", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let eps = keras_ops::config::epsilon();
        let t = ops::clip(&t, eps, 1.0)?;
        let p = ops::clip(&p, eps, 1.0)?;
        let kl = ops::multiply(&t, &ops::log(&ops::divide(&t, &p)?)?)?;
        Ok(ops::sum(&kl, -1, false)?.into())
    })
}

builtin_loss! {
    /// `mean(y_pred - y_true · log(y_pred + ε), axis=-1)` (`keras.losses.Poisson`).
    Poisson, "poisson",
    config {}
    hidden {}
    call(|_s, t, p| {
        same_shape("Poisson", t, p)?;
        let (t, p) = as_float_pair(t, p)?;
        let logp = ops::log(&ops::add(&p, keras_ops::config::epsilon())?)?;
        Ok(ops::mean(&ops::subtract(&p, &ops::multiply(&t, &logp)?)?, -1, false)?.into())
    })
}

builtin_loss! {
    /// Generalized cross-entropy `(1 - p^q) / q`, `p` the predicted probability of the
    /// integer label (`keras.losses.CategoricalGeneralizedCrossEntropy`); robust to noisy
    /// labels, between cross-entropy (q → 0) and mean absolute error (q = 1). `q` must lie
    /// in (0, 1).
    ///
    /// ```
    /// use keras::losses::{CategoricalGeneralizedCrossEntropy, Loss};
    /// let t = keras::Tensor::from_vec(vec![1i32], [1]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.75f32, 0.25], [1, 2]).unwrap();
    /// let v = CategoricalGeneralizedCrossEntropy::new().compute(&t, &p, None).unwrap();
    /// assert!((v.item().unwrap() - 1.0).abs() < 1e-6); // (1 - 0.25^0.5) / 0.5
    /// assert!(CategoricalGeneralizedCrossEntropy::new().q(1.0).compute(&t, &p, None).is_err());
    /// ```
    CategoricalGeneralizedCrossEntropy, "categorical_generalized_cross_entropy",
    config {
        /// The noise parameter in (0, 1).
        q: f64 = 0.5,
    }
    hidden {}
    call(|s, t, p| generalized_cross_entropy(s.q, t, p))
}

impl CategoricalGeneralizedCrossEntropy {
    /// Errors unless `q` lies in (0, 1), as Keras's constructor.
    pub fn validated(self) -> Result<Self> {
        check_q(self.q)?;
        Ok(self)
    }
}

fn check_q(q: f64) -> Result<()> {
    if !(q > 0.0 && q < 1.0) {
        bail!(
            "CategoricalGeneralizedCrossEntropy",
            "q must be in the interval (0, 1), got {q}"
        );
    }
    Ok(())
}

/// `(1 - p^q) / q` with `p = sum(y_pred · one_hot(y_true), axis=-1)`.
fn generalized_cross_entropy(q: f64, y_true: &Tensor, y_pred: &Tensor) -> Result<PerSample> {
    check_q(q)?;
    let p = as_float_pair(y_pred, y_pred)?.1;
    let Some(&classes) = p.dims().last() else {
        bail!(
            "CategoricalGeneralizedCrossEntropy",
            "y_pred must be at least rank 1, got a scalar"
        );
    };
    let labels = ops::cast(y_true, keras_ops::DType::I32)?;
    let one_hot = ops::one_hot(&labels, classes, -1, Some(p.dtype()))?;
    let p_true = ops::sum(&ops::multiply(&p, &one_hot)?, -1, false)?;
    Ok(ops::divide(&ops::subtract(1.0, &ops::power(&p_true, q)?)?, q)?.into())
}
