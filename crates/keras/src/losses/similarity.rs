//! Metric-learning losses: `Circle`.

use keras_backend::bail;
use keras_ops::{ops, DType, Result, Tensor};

use super::loss::builtin_loss;
use super::PerSample;

/// Keras's `circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
/// margin)`: per query embedding (rows of `y_pred`, L2-normalized), `softplus` of the
/// log-sum-exp of weighted positive and negative cosine distances to the reference
/// embeddings (`y_pred` itself by default). The mask marks the rows whose loss is > 0.
pub(crate) fn circle_per_sample(
    y_true: &Tensor,
    y_pred: &Tensor,
    reference: Option<(&Tensor, &Tensor)>,
    remove_diagonal: bool,
    gamma: f64,
    margin: f64,
) -> Result<PerSample> {
    let owner = "Circle";
    let p = if y_pred.dtype().is_float() {
        y_pred.clone()
    } else {
        ops::cast(y_pred, keras_ops::config::floatx())?
    };
    let (ref_labels, ref_emb) = match reference {
        Some((labels, emb)) => (labels.clone(), ops::cast(emb, p.dtype())?),
        None => (y_true.clone(), p.clone()),
    };
    if p.rank() != 2 || ref_emb.rank() != 2 || p.dims()[1] != ref_emb.dims()[1] {
        bail!(
            owner,
            "expected embeddings [N, D] and reference embeddings [M, D], got {} and {}",
            p.shape(),
            ref_emb.shape()
        );
    }
    let labels = |t: &Tensor, n: usize, what: &str| -> Result<Tensor> {
        if t.size() != n {
            bail!(
                owner,
                "{what} of shape {} does not give one label per embedding ({n})",
                t.shape()
            );
        }
        ops::reshape(&ops::cast(t, DType::I32)?, vec![n as i64, 1])
    };
    let (n, m) = (p.dims()[0], ref_emb.dims()[0]);
    let query = labels(y_true, n, "y_true")?;
    let keys = labels(&ref_labels, m, "ref_labels")?;
    let same = ops::equal(&query, &ops::transpose(&keys, None)?)?;
    let negative = ops::logical_not(&same)?;
    let positive = if remove_diagonal {
        let off_diagonal = ops::logical_not(&ops::eye(n, Some(m), 0, Some(DType::Bool))?)?;
        ops::logical_and(&same, &off_diagonal)?
    } else {
        same
    };
    let dist = ops::maximum(
        &ops::subtract(1.0, &ops::matmul(&p, &ops::transpose(&ref_emb, None)?)?)?,
        0.0,
    )?;
    let weighted = |mask: &Tensor, weight: Tensor, delta: Tensor, scale: f64| -> Result<Tensor> {
        let w = ops::maximum(&ops::multiply(&weight, &ops::cast(mask, p.dtype())?)?, 0.0)?;
        let wd = ops::multiply(&ops::multiply(&w, scale)?, &delta)?;
        ops::logsumexp(&ops::where_(mask, &wd, f64::NEG_INFINITY)?, 1, false)
    };
    let p_loss = weighted(
        &positive,
        ops::add(&dist, margin)?,
        ops::subtract(margin, &dist)?,
        -gamma,
    )?;
    let n_loss = weighted(
        &negative,
        ops::subtract(1.0 + margin, &dist)?,
        ops::subtract(1.0 - margin, &dist)?,
        gamma,
    )?;
    let loss = ops::softplus(&ops::add(&p_loss, &n_loss)?)?;
    let mask = ops::greater(&loss, 0.0)?;
    Ok(PerSample {
        values: loss,
        mask: Some(mask),
    })
}

builtin_loss! {
    /// Circle loss between integer labels `y_true` `[N]` and L2-normalized embeddings
    /// `y_pred` `[N, D]` (`keras.losses.Circle`): within-class cosine distances are pulled
    /// below `margin`, between-class ones pushed above `1 - margin`, each weighted by how
    /// far it is from its optimum and scaled by `gamma`. Rows with a zero loss (no
    /// positive pair) do not count in the mean.
    ///
    /// ```
    /// use keras::losses::{Circle, Loss};
    /// let labels = keras::Tensor::from_vec(vec![0i32, 0, 1, 1], [4]).unwrap();
    /// let emb = keras::Tensor::from_vec(vec![1.0f32, 0.0, 0.8, 0.6, 0.0, 1.0, 0.6, 0.8], [4, 2]).unwrap();
    /// let v = Circle::new().compute(&labels, &emb, None).unwrap().item().unwrap();
    /// assert!(v > 0.0 && v.is_finite());
    /// ```
    Circle, "circle",
    config {
        /// Scale of the similarity scores.
        gamma: f64 = 80.0,
        /// Relaxation margin.
        margin: f64 = 0.4,
        /// Leaves each embedding's similarity with itself out of the positives.
        remove_diagonal: bool = true,
    }
    hidden {}
    call(|s, t, p| circle_per_sample(t, p, None, s.remove_diagonal, s.gamma, s.margin))
}
