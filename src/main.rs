//! The `netlens` binary: runs the command line and reports any error as one line.

use std::process::ExitCode;

fn main() -> ExitCode {
    match netlens::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("netlens: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
