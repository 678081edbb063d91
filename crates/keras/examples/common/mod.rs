//! What the MNIST examples share: command-line options, the data, an epoch timer and the
//! JSON summary line.
#![allow(dead_code)] // each example uses only part of this module

use std::time::Instant;

use keras::callbacks::{Callback, CallbackContext, Logs};
use keras::{ops, DType, Result, Tensor};

/// `--epochs N --batch-size N --data-dir DIR [--limit N]`.
pub struct Options {
    pub epochs: usize,
    pub batch_size: usize,
    pub data_dir: String,
    /// Train on the first `limit` training images only (quick runs, CI).
    pub limit: Option<usize>,
    /// Where to save the trained model (`.keras`, or `.weights.h5` for the weights only).
    pub save: Option<String>,
}

impl Options {
    /// Options for a quick test run: `epochs`, `limit` training images, the repository's
    /// MNIST copy.
    #[cfg(test)]
    pub fn quick(epochs: usize, limit: usize) -> Options {
        Options {
            epochs,
            batch_size: 128,
            data_dir: concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/datasets/mnist"
            )
            .into(),
            limit: Some(limit),
            save: None,
        }
    }
}

/// Parses the options (with the example's default epochs); exits with a message on bad
/// input or `--help`.
pub fn parse_args(name: &str, default_epochs: usize) -> Options {
    match try_parse(default_epochs) {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "{e}\nusage: {name} [--epochs N] [--batch-size N] [--data-dir DIR] [--limit N] [--save PATH]"
            );
            std::process::exit(2);
        }
    }
}

fn try_parse(default_epochs: usize) -> std::result::Result<Options, String> {
    let mut o = Options {
        epochs: default_epochs,
        batch_size: 128,
        data_dir: "../shared/datasets/mnist".into(),
        limit: None,
        save: None,
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
            "--save" => o.save = Some(value()?),
            "--limit" => o.limit = Some(value()?.parse().map_err(|e| format!("--limit: {e}"))?),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(o)
}

/// MNIST scaled to [0, 1] as float32: `((x_train, y_train), (x_test, y_test))`, labels as
/// loaded (uint8 class indices), the training set cut to `o.limit` images.
pub fn load_mnist(o: &Options) -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
    let ((x_train, y_train), (x_test, y_test)) =
        keras::datasets::mnist::load_data_from_dir(&o.data_dir)?;
    let scale = |x: &Tensor| ops::divide(&ops::cast(x, DType::F32)?, 255.0);
    let n = o.limit.unwrap_or(usize::MAX).min(x_train.dims()[0]) as i64;
    let first = |t: &Tensor| -> Result<Tensor> {
        let mut shape: Vec<i64> = t.dims().iter().map(|&d| d as i64).collect();
        shape[0] = n;
        ops::slice(t, &vec![0; shape.len()], &shape)
    };
    Ok((
        (scale(&first(&x_train)?)?, first(&y_train)?),
        (scale(&x_test)?, y_test),
    ))
}

/// Records the wall time of each epoch.
#[derive(Default)]
pub struct EpochTimer {
    start: Option<Instant>,
    pub seconds: Vec<f64>,
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

/// Saves `model` to `o.save` when given: a `.weights.h5` path gets the weights, any
/// other path (`.keras`) the whole model, as Keras's `save_weights` / `save`.
pub fn save_if_asked(model: &impl keras::trainers::TrainerExt, o: &Options) -> Result<()> {
    match &o.save {
        Some(path) if path.ends_with(".weights.h5") => model.save_weights(path),
        Some(path) => model.save(path),
        None => Ok(()),
    }?;
    if let Some(path) = &o.save {
        println!("Saved to {path}");
    }
    Ok(())
}

/// Prints the JSON summary line the benchmarks read.
pub fn print_summary_line(epochs: usize, timer: &EpochTimer, test: &Logs) -> Result<()> {
    let json = serde_json::json!({
        "backend": keras_ops::config::backend()?.name(),
        "epochs": epochs,
        "epoch_seconds": timer.seconds,
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
    });
    println!("{json}");
    Ok(())
}

/// Runs `f`, printing its error and exiting with status 1 on failure.
pub fn exit_on_error(f: impl FnOnce() -> Result<()>) {
    if let Err(e) = f() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
