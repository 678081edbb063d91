//! `keras summary MODEL`: the model's summary table, as Keras's
//! `keras.models.load_model(MODEL).summary()` prints it (with the optimizer's parameters
//! when the model was saved compiled with optimizer state).

use std::path::PathBuf;

use crate::{model, Outcome};

/// Arguments of `keras summary`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model file (.keras or legacy .h5).
    model: PathBuf,
    /// Load without compiling (Keras's `compile=False`): no "Optimizer params" line, and no
    /// need for the saved loss, metrics and optimizer to be known.
    #[arg(long)]
    no_compile: bool,
}

/// Loads the model (compiled as it was saved, unless `--no-compile`) and prints its
/// summary.
pub(crate) fn run(args: Args) -> Outcome {
    model::load(&args.model, !args.no_compile)?.summary();
    Ok(())
}
