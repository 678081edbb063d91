//! A multilayer perceptron on MNIST: two hidden layers of 512 ReLU units and a softmax
//! classifier on flattened 28×28 images, trained with Adam (the MLP workload of the
//! benchmarks).
//!
//! ```text
//! cargo run --release --example mnist_mlp -- [--epochs N] [--batch-size N] [--data-dir DIR] [--limit N] [--save PATH]
//! ```
//!
//! The last line printed is JSON: backend, epochs, seconds per epoch, test loss and accuracy.

mod common;

use keras::callbacks::Logs;
use keras::layers::{Dense, Input};
use keras::models::Sequential;
use keras::optimizers::{Adam, Optimizer};
use keras::trainers::{CompileArgs, EvaluateArgs, FitArgs, TrainerExt};
use keras::{ops, Result};

use common::{EpochTimer, Options};

fn main() {
    let options = common::parse_args("mnist_mlp", 10);
    common::exit_on_error(|| run(&options).map(|_| ()));
}

/// Trains and evaluates; returns the test results.
fn run(o: &Options) -> Result<Logs> {
    let ((x_train, y_train), (x_test, y_test)) = common::load_mnist(o)?;
    // Flatten the images to vectors of 784 pixels.
    let x_train = ops::reshape(&x_train, [-1i64, 784])?;
    let x_test = ops::reshape(&x_test, [-1i64, 784])?;

    let mut model = Sequential::named("mnist_mlp");
    model.add(Input::new(&[784]))?;
    model.add(Dense::new(512).activation("relu")?)?;
    model.add(Dense::new(512).activation("relu")?)?;
    model.add(Dense::new(10).activation("softmax")?)?;
    model.summary();

    model.compile(
        CompileArgs::new()
            .optimizer(Optimizer::new(Adam::default()).learning_rate(1e-3))
            .loss("sparse_categorical_crossentropy")
            .metrics(["accuracy"]),
    )?;
    let mut timer = EpochTimer::default();
    model.fit(
        (&x_train, &y_train),
        FitArgs::new()
            .batch_size(o.batch_size)
            .epochs(o.epochs)
            .callback(&mut timer),
    )?;
    common::save_if_asked(&model, o)?;
    let score = model.evaluate((&x_test, &y_test), EvaluateArgs::new().verbose(0))?;
    println!("Test loss: {}", score["loss"]);
    println!("Test accuracy: {}", score["accuracy"]);
    common::print_summary_line(o.epochs, &timer, &score)?;
    Ok(score)
}

#[cfg(test)]
mod tests {
    /// A quick run on a slice of MNIST learns well beyond chance (10%) and saves the
    /// model when asked.
    #[test]
    fn trains_on_a_slice_of_mnist() {
        let mut o = super::Options::quick(1, LIMIT);
        let path = std::env::temp_dir().join(format!("mnist_mlp_{}.keras", std::process::id()));
        o.save = Some(path.to_string_lossy().into_owned());
        let score = super::run(&o).unwrap();
        assert!(score["accuracy"] > ACCURACY, "{score}");
        let size = std::fs::metadata(&path).unwrap().len();
        std::fs::remove_file(&path).unwrap();
        // Two 512-unit layers: about 2.7 MB of float32 weights (and Adam's slots).
        assert!(size > 2_000_000, "{size}");
    }
    const LIMIT: usize = 4096;
    const ACCURACY: f64 = 0.8;
}
