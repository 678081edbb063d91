//! Transfer learning and fine-tuning (Keras's guide of that name), on MNIST: a feature
//! extractor trained on digits 0–4 is frozen and reused, with a new classifier head, for
//! digits 5–9; then it is unfrozen and the whole model fine-tuned with a low learning rate.
//!
//! ```text
//! cargo run --release --example transfer_learning -- [--epochs N] [--batch-size N] [--data-dir DIR] [--limit N]
//! ```

mod common;

use std::sync::Arc;

use keras::callbacks::Logs;
use keras::layers::{Apply, Conv2D, Dense, Flatten, Input, LayerExt, MaxPooling2D};
use keras::models::Model;
use keras::optimizers::{Adam, Optimizer};
use keras::trainers::{CompileArgs, EvaluateArgs, FitArgs, TrainerExt};
use keras::{ops, DType, Result, Tensor};

use common::Options;

fn main() {
    let options = common::parse_args("transfer_learning", 2);
    common::exit_on_error(|| run(&options).map(|_| ()));
}

/// The images and labels whose digit is in `digits`, labels shifted to start at 0.
fn digits(x: &Tensor, y: &Tensor, digits: std::ops::Range<u8>) -> Result<(Tensor, Tensor)> {
    let labels = y.to_vec::<u8>()?;
    let keep: Vec<i64> = (0..labels.len() as i64)
        .filter(|&i| digits.contains(&labels[i as usize]))
        .collect();
    let idx = Tensor::from_vec(keep.clone(), [keep.len()])?;
    let x = ops::take(x, &idx, Some(0))?;
    let y = ops::subtract(
        &ops::cast(&ops::take(y, &idx, Some(0))?, DType::F32)?,
        digits.start as f64,
    )?;
    Ok((x, y))
}

fn classifier_args(learning_rate: f64) -> CompileArgs {
    CompileArgs::new()
        .optimizer(Optimizer::new(Adam::default()).learning_rate(learning_rate))
        .loss("sparse_categorical_crossentropy")
        .metrics(["accuracy"])
}

/// Runs the three stages; returns the frozen stage's and the fine-tuned test accuracy on
/// digits 5–9.
fn run(o: &Options) -> Result<Logs> {
    let ((x_train, y_train), (x_test, y_test)) = common::load_mnist(o)?;
    let x_train = ops::expand_dims(&x_train, -1)?;
    let x_test = ops::expand_dims(&x_test, -1)?;
    let fit_args = || FitArgs::new().batch_size(o.batch_size).epochs(o.epochs);

    // 1. A feature extractor trained with a head for digits 0-4.
    let image = Input::new(&[28, 28, 1]).build();
    let h = Conv2D::new(16, 3)?.activation("relu")?.apply(&image)?;
    let h = MaxPooling2D::new().apply(&h)?;
    let h = Flatten::new().apply(&h)?;
    let features = Dense::new(64).activation("relu")?.apply(&h)?;
    let base = Arc::new(Model::with_name(
        image,
        features,
        Some("feature_extractor"),
    )?);

    let inputs = Input::new(&[28, 28, 1]).build();
    let outputs = Dense::new(5)
        .activation("softmax")?
        .apply(&(&base).apply(&inputs)?)?;
    let model_a = Model::new(inputs, outputs)?;
    let (xa, ya) = digits(&x_train, &y_train, 0..5)?;
    model_a.compile(classifier_args(1e-3))?;
    println!("Training the feature extractor on digits 0-4");
    model_a.fit((&xa, &ya), fit_args())?;

    // 2. Freeze it and train a new head for digits 5-9.
    base.set_trainable(false);
    let inputs = Input::new(&[28, 28, 1]).build();
    let outputs = Dense::new(5)
        .activation("softmax")?
        .apply(&(&base).apply(&inputs)?)?;
    let model_b = Model::new(inputs, outputs)?;
    model_b.summary();
    let frozen_before = base.get_weights();
    let (xb, yb) = digits(&x_train, &y_train, 5..10)?;
    let (xb_test, yb_test) = digits(&x_test, &y_test, 5..10)?;
    model_b.compile(classifier_args(1e-3))?;
    println!("Training a new head on digits 5-9 with the extractor frozen");
    model_b.fit((&xb, &yb), fit_args())?;
    let unchanged = base
        .get_weights()
        .iter()
        .zip(&frozen_before)
        .all(|(a, b)| a.to_vec::<f32>().ok() == b.to_vec::<f32>().ok());
    println!("Frozen weights unchanged: {unchanged}");
    let frozen = model_b.evaluate((&xb_test, &yb_test), EvaluateArgs::new().verbose(0))?;

    // 3. Unfreeze and fine-tune everything with a low learning rate (recompile so the
    //    change of trainable weights is taken into account, as in Keras).
    base.set_trainable(true);
    model_b.compile(classifier_args(1e-5))?;
    println!("Fine-tuning the whole model");
    model_b.fit((&xb, &yb), fit_args().epochs(1))?;
    let tuned = model_b.evaluate((&xb_test, &yb_test), EvaluateArgs::new().verbose(0))?;
    println!(
        "Test accuracy on digits 5-9: frozen extractor {:.4}, fine-tuned {:.4}",
        frozen["accuracy"], tuned["accuracy"]
    );
    let mut logs = Logs::new();
    logs.insert("frozen_weights_unchanged", unchanged as u8 as f64);
    logs.insert("frozen_accuracy", frozen["accuracy"]);
    logs.insert("fine_tuned_accuracy", tuned["accuracy"]);
    Ok(logs)
}

#[cfg(test)]
mod tests {
    /// Frozen weights stay put, and features learnt on 0-4 carry over to 5-9 (a short
    /// run: well above the 20% of chance, far from converged).
    #[test]
    fn frozen_features_transfer() {
        let mut o = super::Options::quick(1, 8192);
        o.batch_size = 32;
        let logs = super::run(&o).unwrap();
        assert_eq!(logs["frozen_weights_unchanged"], 1.0, "{logs}");
        assert!(logs["frozen_accuracy"] > 0.4, "{logs}");
        assert!(logs["fine_tuned_accuracy"] > 0.4, "{logs}");
    }
}
