//! Customizing what happens in `fit()` (Keras's guide of that name): a model overrides
//! `train_step` and `test_step` with its own loss and metrics, and still gets everything
//! else of `fit` and `evaluate` (epochs, batching, callbacks, the progress bar).
//!
//! ```text
//! cargo run --release --example custom_train_step
//! ```

use keras::callbacks::Logs;
use keras::layers::{Apply, CallArgs, Dense, Input, Layer, LayerBase, LayerExt, Module};
use keras::metrics::{Mean, MeanMetricWrapper, Metric};
use keras::models::Model;
use keras::trainers::{Batch, CompileArgs, Compiled, EvaluateArgs, FitArgs, Trainer, TrainerExt};
use keras::{ops, random, DType, GradientTape, Result, Tensor};

/// A Functional model with its own training and evaluation steps.
#[derive(Layer)]
#[keras(model)]
struct CustomModel {
    base: LayerBase,
    inner: Model,
    #[keras(skip)]
    loss_tracker: Mean,
    #[keras(skip)]
    mae_metric: MeanMetricWrapper,
}

impl CustomModel {
    fn new(inner: Model) -> CustomModel {
        CustomModel {
            base: LayerBase::new("CustomModel", None),
            inner,
            loss_tracker: Mean::new("loss"),
            mae_metric: MeanMetricWrapper::new("mae", |y, p| {
                ops::mean(&ops::abs(&ops::subtract(y, p)?)?, -1, false)
            }),
        }
    }

    /// The mean squared error of a batch (the loss both steps compute).
    fn mse(batch: &Batch, y_pred: &Tensor) -> Result<Tensor> {
        ops::mean(
            &ops::square(&ops::subtract(&batch.y[0], y_pred)?)?,
            None,
            false,
        )
    }

    fn logs(&self) -> Result<Logs> {
        let mut logs = Logs::new();
        for m in self.metrics() {
            logs.insert(m.name(), m.result()?.item()?);
        }
        Ok(logs)
    }
}

impl Module for CustomModel {
    fn call(&self, inputs: &[Tensor], args: &CallArgs) -> Result<Vec<Tensor>> {
        self.inner.call_with(inputs, args)
    }
}

impl Trainer for CustomModel {
    fn train_step(&self, state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        let vars = self.trainable_weights();
        let (loss, y_pred, grads) = {
            let tape = GradientTape::new();
            let y_pred = self.call_with(&batch.x, &CallArgs::training())?.remove(0);
            let loss = Self::mse(batch, &y_pred)?;
            let grads = tape.gradient(&loss, &vars)?;
            (loss, y_pred, grads)
        };
        let pairs: Vec<(Tensor, keras::Variable)> = grads
            .into_iter()
            .zip(vars)
            .filter_map(|(g, v)| Some((g?, v)))
            .collect();
        state.optimizer.apply_gradients(&pairs)?;
        self.loss_tracker.update(&loss, None)?;
        self.mae_metric.update_state(&batch.y[0], &y_pred, None)?;
        self.logs()
    }

    fn test_step(&self, _state: &mut Compiled, batch: &Batch) -> Result<Logs> {
        let y_pred = self.call_with(&batch.x, &CallArgs::inference())?.remove(0);
        let loss = Self::mse(batch, &y_pred)?;
        self.loss_tracker.update(&loss, None)?;
        self.mae_metric.update_state(&batch.y[0], &y_pred, None)?;
        self.logs()
    }

    /// Listed here, the trackers are reset at the start of each epoch and of `evaluate`.
    fn metrics(&self) -> Vec<&dyn Metric> {
        vec![&self.loss_tracker, &self.mae_metric]
    }
}

fn main() {
    if let Err(e) = run(5) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Trains for `epochs` on random data; returns the loss per epoch and the evaluation logs.
fn run(epochs: usize) -> Result<(Vec<f64>, Logs)> {
    let inputs = Input::new(&[32]).build();
    let outputs = Dense::new(1).apply(&inputs)?;
    let model = CustomModel::new(Model::new(inputs, outputs)?);
    model.compile(CompileArgs::new().optimizer("adam"))?;

    let x = random::uniform(&[1000, 32], 0.0, 1.0, DType::F32, 1)?;
    let y = random::uniform(&[1000, 1], 0.0, 1.0, DType::F32, 2)?;
    let history = model.fit((&x, &y), FitArgs::new().epochs(epochs))?;
    let losses = history.get("loss").unwrap_or_default().to_vec();
    println!("loss per epoch: {losses:?}");
    let logs = model.evaluate((&x, &y), EvaluateArgs::new())?;
    println!("evaluate: {logs}");
    Ok((losses, logs))
}

#[cfg(test)]
mod tests {
    /// The custom steps train (the loss falls) and report exactly their own metrics.
    #[test]
    fn custom_steps_train_and_report_their_metrics() {
        let (losses, logs) = super::run(3).unwrap();
        assert_eq!(logs.keys().collect::<Vec<_>>(), ["loss", "mae"]);
        assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
        assert!(logs["loss"] < losses[0], "{logs} after {losses:?}");
    }
}
