//! `keras.metrics`: stateful [`Metric`]s that `fit` and `evaluate` report.
//!
//! Compiled metrics are given by identifier (`"accuracy"`, `"mae"`, …) or as objects;
//! [`get`] resolves an identifier.
//!
//! ```
//! use keras::metrics::{self, Metric};
//! let m = metrics::get("sparse_categorical_accuracy").unwrap();
//! assert_eq!(m.class_name(), "SparseCategoricalAccuracy");
//! ```

mod accuracy_metrics;
mod metric;
mod reduction_metrics;

pub use accuracy_metrics::{
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, Accuracy,
    BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
};
pub use metric::{Metric, MetricBase};
pub use reduction_metrics::{reduce_to_samplewise_values, Mean, MeanMetricWrapper, MetricFn, Sum};

use keras_backend::bail;
use keras_ops::Result;

/// A metric by Keras identifier: the snake-case function name (`"categorical_accuracy"`)
/// or the class name (`"CategoricalAccuracy"`). `"accuracy"` here is exact-match
/// [`Accuracy`]; `compile` resolves it by the loss and output shape instead.
pub fn get(identifier: &str) -> Result<Box<dyn Metric>> {
    Ok(match identifier {
        "accuracy" | "acc" | "Accuracy" => Box::new(Accuracy::new()),
        "binary_accuracy" | "BinaryAccuracy" => Box::new(BinaryAccuracy::new(0.5)),
        "categorical_accuracy" | "CategoricalAccuracy" => Box::new(CategoricalAccuracy::new()),
        "sparse_categorical_accuracy" | "SparseCategoricalAccuracy" => {
            Box::new(SparseCategoricalAccuracy::new())
        }
        other => bail!("metrics.get", "unknown metric {other:?}"),
    })
}
