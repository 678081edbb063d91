//! Writing a training loop from scratch (Keras's guide of that name): batches, a
//! `GradientTape`, `optimizer.apply_gradients` and metrics by hand, no `fit`. The tape sits
//! above the backend, so the same loop runs on every backend.
//!
//! ```text
//! cargo run --release --example custom_training_loop -- [--epochs N] [--batch-size N] [--data-dir DIR] [--limit N]
//! ```

mod common;

use keras::callbacks::Logs;
use keras::layers::{Dense, Input, LayerExt};
use keras::losses::{Loss, SparseCategoricalCrossentropy};
use keras::metrics::{Metric, SparseCategoricalAccuracy};
use keras::models::Sequential;
use keras::optimizers::{Adam, Optimizer};
use keras::trainers::{Dataset, TensorDataset};
use keras::{ops, GradientTape, Result};

use common::Options;

fn main() {
    let mut options = common::parse_args("custom_training_loop", 2);
    options.batch_size = options.batch_size.min(64);
    common::exit_on_error(|| run(&options).map(|_| ()));
}

/// Trains with a hand-written loop; returns the last epoch's validation results.
fn run(o: &Options) -> Result<Logs> {
    let ((x_train, y_train), (x_test, y_test)) = common::load_mnist(o)?;
    let x_train = ops::reshape(&x_train, [-1i64, 784])?;
    let x_test = ops::reshape(&x_test, [-1i64, 784])?;

    let mut model = Sequential::named("mnist_logits");
    model.add(Input::new(&[784]))?;
    model.add(Dense::new(64).activation("relu")?)?;
    model.add(Dense::new(64).activation("relu")?)?;
    model.add(Dense::new(10))?;

    let mut optimizer = Optimizer::new(Adam::default()).learning_rate(1e-3);
    let loss_fn = SparseCategoricalCrossentropy::new().from_logits(true);
    let train_acc = SparseCategoricalAccuracy::new();
    let val_acc = SparseCategoricalAccuracy::new();

    let train = TensorDataset::new(vec![x_train], vec![y_train])?
        .batch_size(o.batch_size)?
        .shuffle(1337);
    let val = TensorDataset::new(vec![x_test], vec![y_test])?.batch_size(o.batch_size)?;
    let mut results = Logs::new();
    for epoch in 0..o.epochs {
        println!("Start of epoch {epoch}");
        train.on_epoch_begin(epoch)?;
        for step in 0..train.num_batches().unwrap_or(0) {
            let batch = train.get_batch(step)?;
            let vars = model.trainable_weights();
            let (loss, logits, grads) = {
                // Record the forward pass, then differentiate the loss.
                let tape = GradientTape::new();
                let logits = model.forward_train(&batch.x[0])?;
                let loss = loss_fn.compute(&batch.y[0], &logits, None)?;
                let grads = tape.gradient(&loss, &vars)?;
                (loss, logits, grads)
            };
            let pairs: Vec<_> = grads
                .into_iter()
                .zip(vars)
                .filter_map(|(g, v)| Some((g?, v)))
                .collect();
            optimizer.apply_gradients(&pairs)?;
            train_acc.update_state(&batch.y[0], &logits, None)?;
            if step % 200 == 0 {
                println!("  step {step}: loss {:.4}", loss.item()?);
            }
        }
        println!(
            "Training acc over epoch: {:.4}",
            train_acc.result()?.item()?
        );
        train_acc.reset_state()?;

        for step in 0..val.num_batches().unwrap_or(0) {
            let batch = val.get_batch(step)?;
            let logits = model.forward(&batch.x[0])?;
            val_acc.update_state(&batch.y[0], &logits, None)?;
        }
        let acc = val_acc.result()?.item()?;
        println!("Validation acc: {acc:.4}");
        val_acc.reset_state()?;
        results.insert("val_accuracy", acc);
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    /// One epoch on a slice of MNIST learns well beyond chance.
    #[test]
    fn hand_written_loop_learns() {
        let mut o = super::Options::quick(1, 4096);
        o.batch_size = 64;
        let logs = super::run(&o).unwrap();
        assert!(logs["val_accuracy"] > 0.75, "{logs}");
    }
}
