//! The `keras` binary: parses the command line and reports errors on stderr with a non-zero
//! exit status (2 for bad arguments, 1 for failures). See the `keras_cli` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = keras_cli::Cli::parse();
    match keras_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keras: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
