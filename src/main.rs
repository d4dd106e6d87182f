//! The `netlens` binary: the command line of [`netlens::cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(netlens::cli::main(std::env::args_os()))
}
