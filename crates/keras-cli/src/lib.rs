//! The `keras` command-line tool: `summary`, `predict`, `inspect` and `convert` on Keras
//! model files (`.keras`, legacy `.h5`) and weights files (`.weights.h5`).
//!
//! `main.rs` parses the arguments into a [`Cli`] and hands it to [`run`]; each subcommand
//! lives in its own file under `commands/`, with the shared `.npy` and model-loading
//! helpers beside them.
//!
//! ```
//! use clap::Parser;
//! let cli = keras_cli::Cli::try_parse_from(["keras", "inspect", "missing.weights.h5"]).unwrap();
//! let err = keras_cli::run(cli).unwrap_err();
//! assert_eq!(err.exit_code(), 1);
//! assert!(err.to_string().contains("missing.weights.h5"));
//! ```

mod commands;
mod model;
mod npy;

use std::fmt;

use clap::{Parser, Subcommand};

use commands::{convert, inspect, predict, summary};

/// `keras`: run and inspect Keras model files from the shell.
#[derive(Debug, Parser)]
#[command(name = "keras", version, about, propagate_version = true)]
pub struct Cli {
    /// Backend that runs the model (default: $KERAS_BACKEND, then keras.json, then cpu).
    #[arg(long, global = true, value_name = "B")]
    backend: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Print the model's summary table (layers, output shapes, parameter counts).
    Summary(summary::Args),
    /// Run the model on .npy inputs and write its outputs as .npy files (or print them).
    Predict(predict::Args),
    /// Show what a .keras, .weights.h5 or legacy .h5 file stores without building the
    /// model: format, model class, Keras version, compile config, and every weight's path,
    /// shape and dtype.
    Inspect(inspect::Args),
    /// Convert a model file: .keras or legacy .h5 in, .keras or .weights.h5 out.
    Convert(convert::Args),
}

/// Why a command failed: bad arguments (exit status 2, as clap's own errors) or a failure
/// while doing the work (exit status 1).
#[derive(Debug)]
pub enum CliError {
    /// The arguments cannot work whatever the files hold.
    Usage(String),
    /// Loading, predicting or writing failed.
    Failed(keras::Error),
}

impl CliError {
    /// The process exit status for this error: 2 for [`CliError::Usage`], 1 otherwise.
    ///
    /// ```
    /// use keras_cli::CliError;
    /// assert_eq!(CliError::Usage("no".into()).exit_code(), 2);
    /// assert_eq!(CliError::Failed(keras::Error::msg("no")).exit_code(), 1);
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => f.write_str(m),
            CliError::Failed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<keras::Error> for CliError {
    fn from(e: keras::Error) -> Self {
        CliError::Failed(e)
    }
}

/// What a command returns.
type Outcome = std::result::Result<(), CliError>;

/// Runs the parsed command: selects the backend, then does the subcommand's work, printing
/// its results on stdout.
///
/// ```
/// use clap::Parser;
/// let cli = keras_cli::Cli::try_parse_from(["keras", "--backend", "nope", "inspect", "x.keras"]);
/// let err = keras_cli::run(cli.unwrap()).unwrap_err();
/// assert!(err.to_string().contains("unknown backend \"nope\""));
/// ```
pub fn run(cli: Cli) -> std::result::Result<(), CliError> {
    if let Some(name) = &cli.backend {
        // Read once, when the first tensor is made; nothing has run yet.
        std::env::set_var("KERAS_BACKEND", name);
    }
    keras_ops::config::backend()?;
    match cli.command {
        Command::Summary(args) => summary::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Convert(args) => convert::run(args),
    }
}
