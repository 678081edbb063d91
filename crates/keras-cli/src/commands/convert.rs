//! `keras convert IN OUT`: legacy `.h5` model → `.keras` archive (with its compile config
//! and optimizer state), `.keras` → `.weights.h5` (the archive's weights file, byte for
//! byte), `.keras` → `.keras` (loaded and saved again). Other pairs are refused.

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
    match (from, to) {
        (Kind::LegacyH5 | Kind::Keras, Kind::Keras) => {
            model::load(&args.input, !args.no_compile)?.save(&args.output)?;
        }
        (Kind::Keras, Kind::WeightsH5) => {
            let bytes = std::fs::read(&args.input).map_err(|e| {
                Error::msg(format!("cannot read {}: {e}", args.input.display()))
            })?;
            let weights = keras_weights_member(bytes).map_err(|e| {
                Error::msg(format!("{} ({})", e.message(), args.input.display()))
            })?;
            write_atomic(&args.output, &weights)?;
        }
        _ => {
            return Err(CliError::Usage(format!(
                "cannot convert {} ({}) to {} ({}): keras convert does legacy .h5 -> .keras, \
                 .keras -> .weights.h5 and .keras -> .keras",
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
