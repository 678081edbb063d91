//! Keras's "Simple MNIST convnet" example, line for line: two convolution blocks, dropout and
//! a softmax classifier, trained with Adam on the real MNIST digits (about 99% test
//! accuracy after 15 epochs).
//!
//! ```text
//! cargo run --release --example mnist_convnet -- [--epochs N] [--batch-size N] [--data-dir DIR]
//! ```
//!
//! The last line printed is JSON: backend, epochs, seconds per epoch, test loss and accuracy.

use std::time::Instant;

use keras::callbacks::{Callback, CallbackContext, Logs};
use keras::layers::{Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D};
use keras::models::Sequential;
use keras::trainers::{CompileArgs, EvaluateArgs, FitArgs, TrainerExt};
use keras::utils::to_categorical;
use keras::{ops, DType, Result};

/// Command-line options (`--epochs`, `--batch-size`, `--data-dir`).
struct Options {
    epochs: usize,
    batch_size: usize,
    data_dir: String,
}

fn parse_args() -> std::result::Result<Options, String> {
    let mut o = Options {
        epochs: 15,
        batch_size: 128,
        data_dir: "../shared/datasets/mnist".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--epochs" => o.epochs = value()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--batch-size" => {
                o.batch_size = value()?.parse().map_err(|e| format!("--batch-size: {e}"))?
            }
            "--data-dir" => o.data_dir = value()?,
            "--save" => {
                return Err(format!(
                    "--save {}: saving models is not implemented yet (it comes with .keras saving)",
                    value()?
                ))
            }
            "--help" | "-h" => return Err(
                "usage: mnist_convnet [--epochs N] [--batch-size N] [--data-dir DIR] [--save PATH]"
                    .into(),
            ),
            other => return Err(format!("unknown option {other:?} (try --help)")),
        }
    }
    Ok(o)
}

/// Records the wall time of each epoch.
#[derive(Default)]
struct EpochTimer {
    start: Option<Instant>,
    seconds: Vec<f64>,
}

impl Callback for EpochTimer {
    fn on_epoch_begin(&mut self, _: &mut CallbackContext, _: usize, _: &mut Logs) -> Result<()> {
        self.start = Some(Instant::now());
        Ok(())
    }
    fn on_epoch_end(&mut self, _: &mut CallbackContext, _: usize, _: &mut Logs) -> Result<()> {
        if let Some(s) = self.start {
            self.seconds.push(s.elapsed().as_secs_f64());
        }
        Ok(())
    }
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&options) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(o: &Options) -> Result<()> {
    // Model / data parameters
    let num_classes = 10;
    let input_shape = [28, 28, 1];

    // Load the data and split it between train and test sets
    let ((x_train, y_train), (x_test, y_test)) =
        keras::datasets::mnist::load_data_from_dir(&o.data_dir)?;

    // Scale images to the [0, 1] range
    let x_train = ops::divide(&ops::cast(&x_train, DType::F32)?, 255.0)?;
    let x_test = ops::divide(&ops::cast(&x_test, DType::F32)?, 255.0)?;
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

    let score = model.evaluate((&x_test, &y_test), EvaluateArgs::new().verbose(0))?;
    println!("Test loss: {}", score["loss"]);
    println!("Test accuracy: {}", score["accuracy"]);

    let json = serde_json::json!({
        "backend": "cpu",
        "epochs": epochs,
        "epoch_seconds": timer.seconds,
        "test_loss": score["loss"],
        "test_accuracy": score["accuracy"],
    });
    println!("{json}");
    Ok(())
}
