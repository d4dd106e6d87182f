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

/// Mesa's window-system probe prints `error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment.` on machines without a login session (SSH, containers, CI) although
/// nothing is wrong; an empty private runtime folder, only where the variable is unset,
/// keeps it quiet. Returns the folder to remove at the end.
fn quiet_runtime_dir() -> Option<std::path::PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("netlens-runtime-{}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir).ok()?;
        // SAFETY: first thing in `main`, before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        Some(dir)
    }
    #[cfg(not(unix))]
    None
}

fn main() -> ExitCode {
    let runtime_dir = quiet_runtime_dir();
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
    let code = match netlens::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("netlens: error: {error:#}");
            ExitCode::FAILURE
        }
    };
    if let Some(dir) = runtime_dir {
        let _ = std::fs::remove_dir(dir);
    }
    code
}
