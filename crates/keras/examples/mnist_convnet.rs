//! Keras's "Simple MNIST convnet" example, line for line: two convolution blocks, dropout and
//! a softmax classifier, trained with Adam on the real MNIST digits (about 99% test
//! accuracy after 15 epochs).
//!
//! ```text
//! cargo run --release --example mnist_convnet -- [--epochs N] [--batch-size N] [--data-dir DIR] [--limit N] [--save PATH]
//! ```
//!
//! The last line printed is JSON: backend, epochs, seconds per epoch, test loss and accuracy.

mod common;

use keras::callbacks::Logs;
use keras::layers::{Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D};
use keras::models::Sequential;
use keras::trainers::{CompileArgs, EvaluateArgs, FitArgs, TrainerExt};
use keras::utils::to_categorical;
use keras::{ops, Result};

use common::{EpochTimer, Options};

fn main() {
    let options = common::parse_args("mnist_convnet", 15);
    common::exit_on_error(|| run(&options).map(|_| ()));
}

/// Trains and evaluates; returns the test results.
fn run(o: &Options) -> Result<Logs> {
    // Model / data parameters
    let num_classes = 10;
    let input_shape = [28, 28, 1];

    // Load the data (scaled to the [0, 1] range) and split it between train and test sets
    let ((x_train, y_train), (x_test, y_test)) = common::load_mnist(o)?;
    // Make sure images have shape (28, 28, 1)
    let x_train = ops::expand_dims(&x_train, -1)?;
    let x_test = ops::expand_dims(&x_test, -1)?;
    println!("x_train shape: {:?}", x_train.dims());
    println!("{} train samples", x_train.dims()[0]);
    println!("{} test samples", x_test.dims()[0]);

    // convert class vectors to binary class matrices
    let y_train = to_categorical(&y_train, Some(num_classes))?;
    let y_test = to_categorical(&y_test, Some(num_classes))?;

    let mut model = Sequential::new();
    model.add(Input::new(&input_shape))?;
    model.add(Conv2D::new(32, [3, 3])?.activation("relu")?)?;
    model.add(MaxPooling2D::new().pool_size([2, 2])?)?;
    model.add(Conv2D::new(64, [3, 3])?.activation("relu")?)?;
    model.add(MaxPooling2D::new().pool_size([2, 2])?)?;
    model.add(Flatten::new())?;
    model.add(Dropout::new(0.5)?)?;
    model.add(Dense::new(num_classes).activation("softmax")?)?;
    model.summary();

    let batch_size = o.batch_size;
    let epochs = o.epochs;

    model.compile(
        CompileArgs::new()
            .loss("categorical_crossentropy")
            .optimizer("adam")
            .metrics(["accuracy"]),
    )?;

    let mut timer = EpochTimer::default();
    model.fit(
        (&x_train, &y_train),
        FitArgs::new()
            .batch_size(batch_size)
            .epochs(epochs)
            .validation_split(0.1)
            .callback(&mut timer),
    )?;

    common::save_if_asked(&model, o)?;
    let score = model.evaluate((&x_test, &y_test), EvaluateArgs::new().verbose(0))?;
    println!("Test loss: {}", score["loss"]);
    println!("Test accuracy: {}", score["accuracy"]);
    common::print_summary_line(epochs, &timer, &score)?;
    Ok(score)
}

#[cfg(test)]
mod tests {
    /// A quick run on a slice of MNIST learns well beyond chance (10%).
    #[test]
    fn trains_on_a_slice_of_mnist() {
        let score = super::run(&super::Options::quick(1, LIMIT)).unwrap();
        assert!(score["accuracy"] > ACCURACY, "{score}");
    }
    const LIMIT: usize = 4096;
    const ACCURACY: f64 = 0.6;
}
