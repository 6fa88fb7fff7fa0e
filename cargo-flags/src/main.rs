//! The `cargo-flags` binary: `cargo flags <command>` once installed with `cargo install --path cargo-flags`.
//!
//! Everything lives in the library (`cargo_flags::run`) so that it can be unit tested; this only hands it
//! the process's arguments, directory, environment and streams.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(error) => {
            eprintln!(
                "error: cannot read the current directory: {error}\nhelp: cd into the workspace and run it again"
            );
            return ExitCode::from(cargo_flags::EXIT_USAGE as u8);
        }
    };
    let env = cargo_flags::workspace::Env::from_process();
    let code = cargo_flags::run(
        std::env::args_os(),
        &cwd,
        &env,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(u8::try_from(code).unwrap_or(cargo_flags::EXIT_USAGE as u8))
}
