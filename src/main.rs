//! The `netlens` binary: runs the command line, prints the library's warnings (a GPU pass
//! that fell back to the CPU, and why) and reports any error as one line.

use std::process::ExitCode;

/// Prints netlens's own warnings and errors to stderr; other crates' records (wgpu's
/// driver chatter) stay silent.
struct Warnings;

impl log::Log for Warnings {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn && metadata.target().starts_with("netlens")
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("netlens: {}: {}", record.level().as_str().to_lowercase(), record.args());
        }
    }

    fn flush(&self) {}
}

fn main() -> ExitCode {
    // A damaged table's reader may panic; netlens turns that into an error line, so the
    // panic itself stays quiet. Every other panic is reported as usual.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !netlens::load::columnar::guarding() {
            report(info)
        }
    }));
    if log::set_logger(&Warnings).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    match netlens::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("netlens: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
