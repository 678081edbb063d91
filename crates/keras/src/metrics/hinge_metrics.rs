//! Hinge metrics: the means of the hinge losses ([`Hinge`], [`SquaredHinge`],
//! [`CategoricalHinge`]).

use super::reduction_metrics::wrapper_metric;
use crate::losses::{self, Loss};

wrapper_metric!(
    /// The mean of `mean(max(1 - y_true · y_pred, 0), axis=-1)`, 0/1 labels read as -1/1
    /// (`keras.metrics.Hinge`).
    ///
    /// ```
    /// use keras::metrics::{Hinge, Metric};
    /// let m = Hinge::new();
    /// let t = keras::Tensor::from_vec(vec![0.0f32, 1.0], [1, 2]).unwrap();
    /// let p = keras::Tensor::from_vec(vec![0.5f32, 0.5], [1, 2]).unwrap();
    /// m.update_state(&t, &p, None).unwrap();
    /// assert_eq!(m.result().unwrap().item().unwrap(), 1.0);
    /// ```
    Hinge, "hinge",
    |t, p| losses::Hinge::new().call(t, p)
);
wrapper_metric!(
    /// The mean of the squared hinge loss (`keras.metrics.SquaredHinge`).
    SquaredHinge, "squared_hinge",
    |t, p| losses::SquaredHinge::new().call(t, p)
);
wrapper_metric!(
    /// The mean of the categorical hinge loss (`keras.metrics.CategoricalHinge`).
    CategoricalHinge, "categorical_hinge",
    |t, p| losses::CategoricalHinge::new().call(t, p)
);
