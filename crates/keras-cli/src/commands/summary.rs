//! `keras summary MODEL`: the model's summary table, as `model.summary()` prints it.

use std::path::PathBuf;

use crate::{model, Outcome};

/// Arguments of `keras summary`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The model file (.keras or legacy .h5).
    model: PathBuf,
}

/// Loads the model (uncompiled: the summary needs no optimizer) and prints its summary.
pub(crate) fn run(args: Args) -> Outcome {
    model::load(&args.model, false)?.summary();
    Ok(())
}
