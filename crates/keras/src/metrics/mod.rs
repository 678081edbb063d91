//! `keras.metrics`: stateful [`Metric`]s that `fit` and `evaluate` report.
//!
//! Compiled metrics are given by identifier (`"accuracy"`, `"mae"`, …) or as objects;
//! [`get`] resolves an identifier and [`from_json`] a Keras object dict (what
//! [`Metric::to_json`] writes), so saved models can restore their compiled metrics.
//!
//! ```
//! use keras::metrics::{self, Metric};
//! let m = metrics::get("sparse_categorical_accuracy").unwrap();
//! assert_eq!(m.class_name(), "SparseCategoricalAccuracy");
//! let auc = metrics::get("auc").unwrap();
//! let back = metrics::from_json(&auc.to_json()).unwrap();
//! assert_eq!(back.get_config(), auc.get_config());
//! ```

mod accuracy_metrics;
mod confusion_metrics;
mod correlation_metrics;
mod f_score_metrics;
mod hinge_metrics;
mod iou_metrics;
mod metric;
pub mod metrics_utils;
mod probabilistic_metrics;
mod reduction_metrics;
mod regression_metrics;

pub use accuracy_metrics::{
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy, Accuracy, BinaryAccuracy,
    CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
};
pub use confusion_metrics::{
    AucCurve, AucOptions, AucSummationMethod, FalseNegatives, FalsePositives, Precision,
    PrecisionAtRecall, PrecisionRecallOptions, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TrueNegatives, TruePositives, AUC,
};
pub use correlation_metrics::{
    concordance_correlation, pearson_correlation, ConcordanceCorrelation, PearsonCorrelation,
};
pub use f_score_metrics::{F1Score, FBetaScore, FScoreAverage};
pub use hinge_metrics::{CategoricalHinge, Hinge, SquaredHinge};
pub use iou_metrics::{BinaryIoU, IoU, IoUMetric, IoUOptions, MeanIoU, OneHotIoU, OneHotMeanIoU};
pub use metric::{Metric, MetricBase};
pub use metrics_utils::Thresholds;
pub use probabilistic_metrics::{
    BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, Poisson,
    SparseCategoricalCrossentropy,
};
pub use reduction_metrics::{reduce_to_samplewise_values, Mean, MeanMetricWrapper, MetricFn, Sum};
pub use regression_metrics::{
    cosine_similarity, CosineSimilarity, LogCoshError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, R2Aggregation,
    R2Score, RootMeanSquaredError,
};

use keras_backend::bail;
use keras_ops::Result;
use serde_json::Value;

use crate::saving::object::Config;
use crate::saving::{ObjectDict, METRICS};

/// A metric by Keras identifier, with Keras's defaults: a class name
/// (`"CategoricalAccuracy"`), its snake-case form (`"categorical_accuracy"`, `"auc"`,
/// `"io_u"`), or a short alias (`"mse"`, `"mae"`, `"mape"`, `"msle"`, `"bce"`, upper case
/// too). Classes that need arguments (`IoU`, `PrecisionAtRecall`, …) are an error, as in
/// Keras. `"accuracy"` here is exact-match [`Accuracy`]; `compile` resolves it by the
/// loss and output shape instead.
pub fn get(identifier: &str) -> Result<Box<dyn Metric>> {
    from_json(&Value::String(identifier.into()))
}

/// A metric from a Keras object dict (`keras.metrics.serialize` output,
/// `{"module": "keras.metrics", "class_name": …, "config": …}`) or a string identifier
/// (see [`get`]); classes registered with
/// [`register_metric`](crate::saving::register_metric) first.
pub fn from_json(value: &Value) -> Result<Box<dyn Metric>> {
    if value.get("class_name").and_then(Value::as_str) == Some("function") {
        bail!(
            "metrics.get",
            "metric functions cannot be loaded ({}); use a Metric class registered with \
             keras::saving::register_metric",
            value["config"]
        );
    }
    let o = ObjectDict::parse(value, "metrics")?;
    if let Some(from_config) = METRICS.lookup(&o) {
        return from_config(&o.config);
    }
    let c: &Config = &o.config;
    fn boxed<M: Metric + 'static>(m: Result<M>) -> Result<Box<dyn Metric>> {
        Ok(Box::new(m?))
    }
    match o.class_name.as_str() {
        // Reduction.
        "Mean" | "mean" => boxed(Mean::from_config(c)),
        "Sum" | "sum" => boxed(Sum::from_config(c)),
        // Accuracy.
        "Accuracy" | "accuracy" | "acc" => boxed(Accuracy::from_config(c)),
        "BinaryAccuracy" | "binary_accuracy" => boxed(BinaryAccuracy::from_config(c)),
        "CategoricalAccuracy" | "categorical_accuracy" => {
            boxed(CategoricalAccuracy::from_config(c))
        }
        "SparseCategoricalAccuracy" | "sparse_categorical_accuracy" => {
            boxed(SparseCategoricalAccuracy::from_config(c))
        }
        "TopKCategoricalAccuracy" | "top_k_categorical_accuracy" => {
            boxed(TopKCategoricalAccuracy::from_config(c))
        }
        "SparseTopKCategoricalAccuracy" | "sparse_top_k_categorical_accuracy" => {
            boxed(SparseTopKCategoricalAccuracy::from_config(c))
        }
        // Confusion matrix.
        "TruePositives" | "true_positives" => boxed(TruePositives::from_config(c)),
        "TrueNegatives" | "true_negatives" => boxed(TrueNegatives::from_config(c)),
        "FalsePositives" | "false_positives" => boxed(FalsePositives::from_config(c)),
        "FalseNegatives" | "false_negatives" => boxed(FalseNegatives::from_config(c)),
        "Precision" | "precision" => boxed(Precision::from_config(c)),
        "Recall" | "recall" => boxed(Recall::from_config(c)),
        "AUC" | "auc" => boxed(AUC::from_config(c)),
        "PrecisionAtRecall" | "precision_at_recall" => boxed(PrecisionAtRecall::from_config(c)),
        "RecallAtPrecision" | "recall_at_precision" => boxed(RecallAtPrecision::from_config(c)),
        "SensitivityAtSpecificity" | "sensitivity_at_specificity" => {
            boxed(SensitivityAtSpecificity::from_config(c))
        }
        "SpecificityAtSensitivity" | "specificity_at_sensitivity" => {
            boxed(SpecificityAtSensitivity::from_config(c))
        }
        // F-scores.
        "F1Score" | "f1_score" => boxed(F1Score::from_config(c)),
        "FBetaScore" | "f_beta_score" => boxed(FBetaScore::from_config(c)),
        // IoU.
        "IoU" | "io_u" => boxed(IoU::from_config(c)),
        "BinaryIoU" | "binary_io_u" => boxed(BinaryIoU::from_config(c)),
        "MeanIoU" | "mean_io_u" => boxed(MeanIoU::from_config(c)),
        "OneHotIoU" | "one_hot_io_u" => boxed(OneHotIoU::from_config(c)),
        "OneHotMeanIoU" | "one_hot_mean_io_u" => boxed(OneHotMeanIoU::from_config(c)),
        // Regression.
        "MeanSquaredError" | "mean_squared_error" | "mse" | "MSE" => {
            boxed(MeanSquaredError::from_config(c))
        }
        "RootMeanSquaredError" | "root_mean_squared_error" => {
            boxed(RootMeanSquaredError::from_config(c))
        }
        "MeanAbsoluteError" | "mean_absolute_error" | "mae" | "MAE" => {
            boxed(MeanAbsoluteError::from_config(c))
        }
        "MeanAbsolutePercentageError" | "mean_absolute_percentage_error" | "mape" | "MAPE" => {
            boxed(MeanAbsolutePercentageError::from_config(c))
        }
        "MeanSquaredLogarithmicError" | "mean_squared_logarithmic_error" | "msle" | "MSLE" => {
            boxed(MeanSquaredLogarithmicError::from_config(c))
        }
        "CosineSimilarity" | "cosine_similarity" => boxed(CosineSimilarity::from_config(c)),
        "LogCoshError" | "log_cosh_error" => boxed(LogCoshError::from_config(c)),
        "R2Score" | "r2_score" => boxed(R2Score::from_config(c)),
        // Correlation.
        "PearsonCorrelation" | "pearson_correlation" => boxed(PearsonCorrelation::from_config(c)),
        "ConcordanceCorrelation" | "concordance_correlation" => {
            boxed(ConcordanceCorrelation::from_config(c))
        }
        // Probabilistic.
        "BinaryCrossentropy" | "binary_crossentropy" | "bce" | "BCE" => {
            boxed(BinaryCrossentropy::from_config(c))
        }
        "CategoricalCrossentropy" | "categorical_crossentropy" => {
            boxed(CategoricalCrossentropy::from_config(c))
        }
        "SparseCategoricalCrossentropy" | "sparse_categorical_crossentropy" => {
            boxed(SparseCategoricalCrossentropy::from_config(c))
        }
        "KLDivergence" | "kl_divergence" => boxed(KLDivergence::from_config(c)),
        "Poisson" | "poisson" => boxed(Poisson::from_config(c)),
        // Hinge.
        "Hinge" | "hinge" => boxed(Hinge::from_config(c)),
        "SquaredHinge" | "squared_hinge" => boxed(SquaredHinge::from_config(c)),
        "CategoricalHinge" | "categorical_hinge" => boxed(CategoricalHinge::from_config(c)),
        "MeanMetricWrapper" | "mean_metric_wrapper" => bail!(
            "metrics.get",
            "MeanMetricWrapper needs a function: build it with MeanMetricWrapper::new"
        ),
        "Metric" | "metric" => bail!(
            "metrics.get",
            "Metric is the abstract base class: implement the Metric trait instead"
        ),
        _ => Err(METRICS.unknown(&o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_ops::Tensor;
    use serde_json::json;

    fn t(v: Vec<f32>, shape: &[usize]) -> Tensor {
        Tensor::from_vec(v, shape.to_vec()).unwrap()
    }

    #[test]
    fn bad_options_are_errors() {
        let thresholds = |t: Thresholds| {
            Precision::with_options(PrecisionRecallOptions {
                thresholds: t,
                ..Default::default()
            })
        };
        assert!(thresholds(vec![0.2, 1.5].into()).is_err());
        assert!(thresholds(Thresholds::Many(vec![])).is_err());
        assert!(TruePositives::with_thresholds(-0.1).is_err());
        assert!(IoU::new(0, vec![0]).is_err());
        assert!(IoU::new(3, vec![3]).is_err());
        assert!(IoU::new(3, vec![]).is_err());
        assert!(MeanIoU::new(0).is_err());
        assert!(OneHotMeanIoU::new(0).is_err());
        assert!(SensitivityAtSpecificity::new(1.5).is_err());
        assert!(PrecisionAtRecall::with_options(0.5, 0, None).is_err());
        assert!(AUC::with_options(AucOptions {
            num_thresholds: 1,
            ..Default::default()
        })
        .is_err());
        assert!(AUC::with_options(AucOptions {
            num_labels: Some(3),
            ..Default::default()
        })
        .is_err());
        assert!(FBetaScore::new(FScoreAverage::Macro, 0.0, None).is_err());
        assert!(F1Score::new(FScoreAverage::None, Some(0.0)).is_err());
        assert!(R2Score::from_config(json!({"num_regressors": -1}).as_object().unwrap()).is_err());
        assert!(from_json(&json!({"class_name": "AUC", "config": {"curve": "XY"}})).is_err());
        assert!(
            from_json(&json!({"class_name": "F1Score", "config": {"average": "avg"}})).is_err()
        );
        assert!(get("IoU").is_err());
        assert!(get("MeanMetricWrapper").is_err());
        assert!(get("nope").is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let (a, b) = (t(vec![0.0; 6], &[2, 3]), t(vec![0.0; 4], &[2, 2]));
        assert!(MeanSquaredError::new().update_state(&a, &b, None).is_err());
        assert!(TruePositives::new().update_state(&a, &b, None).is_err());
        assert!(AUC::new().update_state(&a, &b, None).is_err());
        let w = t(vec![1.0; 5], &[5]);
        assert!(Precision::new().update_state(&a, &a, Some(&w)).is_err());
        assert!(MeanSquaredError::new()
            .update_state(&a, &a, Some(&w))
            .is_err());
        let class_id = Precision::with_options(PrecisionRecallOptions {
            class_id: Some(3),
            ..Default::default()
        })
        .unwrap();
        assert!(class_id.update_state(&a, &a, None).is_err());
        let top_k = Recall::with_options(PrecisionRecallOptions {
            top_k: Some(4),
            ..Default::default()
        })
        .unwrap();
        assert!(top_k.update_state(&a, &a, None).is_err());
        let multi = AUC::with_options(AucOptions {
            multi_label: true,
            ..Default::default()
        })
        .unwrap();
        assert!(multi.result().is_err());
        assert!(multi
            .update_state(&t(vec![0.0; 3], &[3]), &t(vec![0.0; 3], &[3]), None)
            .is_err());
        let f1 = F1Score::new(FScoreAverage::None, None).unwrap();
        assert!(f1.result().is_err());
        assert!(f1
            .update_state(&t(vec![0.0; 3], &[3]), &t(vec![0.0; 3], &[3]), None)
            .is_err());
        let iou = IoU::new(2, vec![0, 1]).unwrap();
        assert!(iou
            .update_state(&t(vec![0.0; 3], &[3]), &t(vec![0.0; 2], &[2]), None)
            .is_err());
        let r2 = R2Score::new(R2Aggregation::UniformAverage, 0).unwrap();
        assert!(r2
            .update_state(
                &t(vec![0.0; 8], &[2, 2, 2]),
                &t(vec![0.0; 8], &[2, 2, 2]),
                None
            )
            .is_err());
    }

    #[test]
    fn configs_round_trip() {
        let auc = AUC::with_options(AucOptions {
            curve: AucCurve::Pr,
            thresholds: Some(vec![0.7, 0.2]),
            multi_label: true,
            label_weights: Some(vec![0.5, 1.0]),
            ..Default::default()
        })
        .unwrap()
        .named("pr_auc");
        let metrics: Vec<Box<dyn Metric>> = vec![
            Box::new(auc),
            Box::new(TopKCategoricalAccuracy::new(3)),
            Box::new(SparseTopKCategoricalAccuracy::new(2, true)),
            Box::new(Precision::new().named("p")),
            Box::new(TruePositives::with_thresholds([0.1, 0.4]).unwrap()),
            Box::new(SpecificityAtSensitivity::with_options(0.3, 7, Some(1)).unwrap()),
            Box::new(FBetaScore::new(FScoreAverage::Weighted, 2.0, Some(0.4)).unwrap()),
            Box::new(OneHotIoU::new(4, vec![1, 3]).unwrap()),
            Box::new(BinaryIoU::new(vec![1], 0.3).unwrap()),
            Box::new(R2Score::new(R2Aggregation::None, 2).unwrap()),
            Box::new(SparseCategoricalCrossentropy::new(true, Some(-1), -1).named("scce")),
            Box::new(RootMeanSquaredError::new()),
        ];
        for m in metrics {
            let back = from_json(&m.to_json()).unwrap();
            assert_eq!(back.to_json(), m.to_json(), "{m:?}");
            let paths = |m: &dyn Metric| {
                m.variables()
                    .iter()
                    .map(|v| (v.path().to_string(), v.shape().dims().to_vec()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(paths(back.as_ref()), paths(m.as_ref()), "{m:?}");
        }
    }

    #[test]
    fn float64_dtype_from_config() {
        let m =
            from_json(&json!({"class_name": "MeanSquaredError", "config": {"dtype": "float64"}}))
                .unwrap();
        assert_eq!(m.get_config()["dtype"], "float64");
        m.update_state(&t(vec![1.0], &[1, 1]), &t(vec![0.0], &[1, 1]), None)
            .unwrap();
        assert_eq!(m.result().unwrap().dtype(), keras_ops::DType::F64);
    }
}
