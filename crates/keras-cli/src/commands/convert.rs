//! `keras convert IN OUT`: between model and weights files, by their suffixes.
//!
//! | IN            | OUT           | what is written                                          |
//! |---------------|---------------|----------------------------------------------------------|
//! | legacy `.h5`  | `.keras`      | the model, its compile config and optimizer state        |
//! | `.keras`      | `.keras`      | the model loaded and saved again (Keras 3 layout)        |
//! | `.keras`      | `.weights.h5` | the archive's `model.weights.h5`, byte for byte          |
//! | legacy `.h5`  | `.weights.h5` | the weights (and optimizer state) in Keras 3's layout    |
//!
//! `--no-compile` drops the compile config and optimizer state in every case. Other pairs
//! (a `.weights.h5` holds no model; legacy `.h5` is not written) are refused.

use std::path::{Path, PathBuf};

use keras::saving::{keras_weights_member, write_atomic};
use keras::trainers::TrainerExt;
use keras::Error;

use crate::{model, CliError, Outcome};

/// Arguments of `keras convert`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The file to convert (legacy .h5 or .keras).
    input: PathBuf,
    /// The file to write (.keras or .weights.h5), atomically.
    output: PathBuf,
    /// Drop the training configuration and optimizer state instead of restoring them.
    #[arg(long)]
    no_compile: bool,
}

/// The file kinds `convert` knows, by suffix.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Keras,
    WeightsH5,
    LegacyH5,
    Other,
}

impl Kind {
    fn of(path: &Path) -> Kind {
        let name = path.to_string_lossy();
        if name.ends_with(".keras") {
            Kind::Keras
        } else if name.ends_with(".weights.h5") {
            Kind::WeightsH5
        } else if name.ends_with(".h5") || name.ends_with(".hdf5") {
            Kind::LegacyH5
        } else {
            Kind::Other
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Keras => "a .keras model",
            Kind::WeightsH5 => "a .weights.h5 weights file",
            Kind::LegacyH5 => "a legacy .h5 model",
            Kind::Other => "an unknown format",
        }
    }
}

/// Converts `input` to `output` when the pair is one `convert` does.
pub(crate) fn run(args: Args) -> Outcome {
    let (from, to) = (Kind::of(&args.input), Kind::of(&args.output));
    let compile = !args.no_compile;
    match (from, to) {
        (Kind::Keras, Kind::WeightsH5) if compile => {
            let bytes = std::fs::read(&args.input)
                .map_err(|e| Error::msg(format!("cannot read {}: {e}", args.input.display())))?;
            let weights = keras_weights_member(bytes)
                .map_err(|e| Error::msg(format!("{} ({})", e.message(), args.input.display())))?;
            write_atomic(&args.output, &weights)?;
        }
        (Kind::LegacyH5 | Kind::Keras, Kind::WeightsH5) => {
            model::load(&args.input, compile)?.save_weights(&args.output)?;
        }
        (Kind::LegacyH5 | Kind::Keras, Kind::Keras) => {
            model::load(&args.input, compile)?.save(&args.output)?;
        }
        _ => {
            return Err(CliError::Usage(format!(
                "cannot convert {} ({}) to {} ({}): keras convert writes .keras or .weights.h5 \
                 from .keras or legacy .h5",
                args.input.display(),
                from.describe(),
                args.output.display(),
                to.describe()
            )))
        }
    }
    println!("wrote {}", args.output.display());
    Ok(())
}
