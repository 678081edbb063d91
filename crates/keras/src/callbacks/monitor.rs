//! The "is this an improvement?" logic shared by [`EarlyStopping`](super::EarlyStopping),
//! [`ModelCheckpoint`](super::ModelCheckpoint) and
//! [`ReduceLROnPlateau`](super::ReduceLROnPlateau) (Keras's `MonitorCallback`).

use keras_backend::{bail, Result};

use super::CallbackContext;

/// Whether a monitored quantity should go down or up.
///
/// ```
/// use keras::callbacks::Mode;
/// assert_eq!(Mode::parse("max").unwrap(), Mode::Max);
/// assert_eq!(Mode::default(), Mode::Auto);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Inferred from the name: `loss` and `val_loss` go down; a compiled metric goes the
    /// way Keras's metric class says (accuracies up, errors down).
    #[default]
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

impl Mode {
    /// `"auto"`, `"min"` or `"max"`.
    pub fn parse(s: &str) -> Result<Mode> {
        Ok(match s {
            "auto" => Mode::Auto,
            "min" => Mode::Min,
            "max" => Mode::Max,
            _ => bail!("callbacks", "mode must be one of auto, min, max; got {s:?}"),
        })
    }
}

/// The direction Keras's metric classes improve in (their `_direction`), by class name.
pub(crate) fn metric_class_direction(class_name: &str) -> Option<Mode> {
    const UP: &[&str] = &[
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "AUC",
        "Precision",
        "Recall",
        "PrecisionAtRecall",
        "RecallAtPrecision",
        "SensitivityAtSpecificity",
        "SpecificityAtSensitivity",
        "F1Score",
        "FBetaScore",
        "IoU",
        "BinaryIoU",
        "MeanIoU",
        "OneHotIoU",
        "OneHotMeanIoU",
        "R2Score",
        "CosineSimilarity",
        "PearsonCorrelation",
        "ConcordanceCorrelation",
    ];
    const DOWN: &[&str] = &[
        "MeanSquaredError",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError",
        "RootMeanSquaredError",
        "LogCoshError",
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy",
        "Hinge",
        "SquaredHinge",
        "CategoricalHinge",
    ];
    if UP.contains(&class_name) {
        Some(Mode::Max)
    } else if DOWN.contains(&class_name) {
        Some(Mode::Min)
    } else {
        None
    }
}

/// A monitored quantity, its mode and the best value so far.
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    pub(crate) monitor: String,
    pub(crate) mode: Mode,
    /// Always non-negative.
    pub(crate) min_delta: f64,
    /// The resolved direction (`Min` or `Max`), set on first use.
    direction: Option<Mode>,
    pub(crate) best: Option<f64>,
}

impl Monitor {
    pub(crate) fn new(monitor: &str, mode: Mode, min_delta: f64) -> Monitor {
        Monitor {
            monitor: monitor.to_string(),
            mode,
            min_delta: min_delta.abs(),
            direction: None,
            best: None,
        }
    }

    /// Resolves `Auto` (Keras's `_set_monitor_op`): `loss`/`val_loss` go down, a compiled
    /// metric goes its class's way, anything else is an error asking for a mode.
    pub(crate) fn resolve(&mut self, ctx: &CallbackContext, who: &str) -> Result<()> {
        if self.direction.is_some() {
            return Ok(());
        }
        let direction = match self.mode {
            Mode::Min => Some(Mode::Min),
            Mode::Max => Some(Mode::Max),
            Mode::Auto => {
                let name = self.monitor.strip_prefix("val_").unwrap_or(&self.monitor);
                let from_metrics = ctx
                    .metric_directions
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, d)| *d);
                from_metrics.or((name == "loss").then_some(Mode::Min))
            }
        };
        match direction {
            Some(d) => {
                self.direction = Some(d);
                Ok(())
            }
            None => bail!(
                who,
                "{who} callback received monitor={}, but Keras isn't able to automatically determine whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` in order to use the lowest value.",
                self.monitor
            ),
        }
    }

    /// Whether `current` beats `reference` by more than `min_delta` (always true with no
    /// reference). Call [`Monitor::resolve`] first.
    pub(crate) fn is_improvement(&self, current: f64, reference: Option<f64>) -> bool {
        let Some(r) = reference else { return true };
        match self.direction {
            Some(Mode::Max) => current - self.min_delta > r,
            _ => current + self.min_delta < r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn improvement_respects_min_delta_and_direction() {
        let mut m = Monitor::new("loss", Mode::Min, 0.1);
        m.direction = Some(Mode::Min);
        assert!(m.is_improvement(1.0, None));
        assert!(m.is_improvement(0.8, Some(1.0)));
        assert!(!m.is_improvement(0.95, Some(1.0)));
        m.direction = Some(Mode::Max);
        assert!(m.is_improvement(1.2, Some(1.0)));
        assert!(!m.is_improvement(1.05, Some(1.0)));
        assert_eq!(
            metric_class_direction("SparseCategoricalAccuracy"),
            Some(Mode::Max)
        );
        assert_eq!(metric_class_direction("MeanSquaredError"), Some(Mode::Min));
        assert_eq!(metric_class_direction("Mean"), None);
    }
}
