//! `cargo flags`: the lifecycle tooling of the feature-flag toolkit, as a library that `main.rs` calls.
//!
//! It reads the same `flags.toml` as the macros, through `flag-manifest` (one parser, one set of rules),
//! and finds the code's references by parsing every `.rs` file of the workspace with `syn`. The commands:
//!
//! - `list`: every flag with its state in this build and its reference count ([`commands::list`]);
//! - `check`: manifest validity, expiry, unreferenced and undeclared flags, unparsable files
//!   ([`commands::check`]);
//! - `explain NAME`: what decided a flag's state, its `requires` in both directions, its references
//!   ([`commands::explain`]);
//! - `remove NAME [--keep on|off|VALUE]`: retire a flag from the code and the manifest with byte-exact text
//!   edits, keeping its code on or off, or a value flag's value (its default unless `--keep` names one)
//!   ([`remove`]);
//! - `matrix`: few combinations of flag states that cover every pair (or triple) of states that `requires`
//!   allows ([`commands::matrix`], over [`matrix`]);
//! - `test`: `cargo test` once per combination, and the pair of states the failing ones share
//!   ([`commands::test`]);
//! - `fleet`: the dynamic flags a fleet shares through etcd, each write checked against the manifest
//!   ([`fleet`]; the `fleet` feature).
//!
//! Everything is reachable from [`run`], which takes the arguments, the current directory and the
//! environment explicitly, so that tests can drive it without a process.

pub mod cli;
pub mod commands;
pub mod date;
pub mod expr;
pub mod fleet;
pub mod matrix;
pub mod output;
pub mod remove;
pub mod scan;
pub mod syntax;
pub mod text;
pub mod toml_spans;
pub mod workspace;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{Cli, Command, Common, Format};
use crate::scan::Scan;
use crate::workspace::{Env, ManifestFile, Workspace};

/// Exit status: nothing wrong.
pub const EXIT_OK: i32 = 0;
/// Exit status: the command ran and found problems (or refused to change anything).
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit status: the command line was wrong, or something could not be read or written.
pub const EXIT_USAGE: i32 = 2;

/// A usage or I/O error: what went wrong and how to fix it. Exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// What went wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl CliError {
    /// An error without a hint yet.
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            help: None,
        }
    }

    /// The same error with a hint at the fix.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// What a command printed and how it ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The report: the table or the JSON document.
    pub stdout: String,
    /// Problems and notes for the person at the terminal.
    pub stderr: String,
    /// The exit status.
    pub code: i32,
}

/// Runs `cargo flags` with `args` (the program name first; a `flags` argument after it, as cargo passes
/// to subcommands, is skipped) from `cwd`, and returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    cwd: &Path,
    env: &Env,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let outcome = execute(args, cwd, env);
    // A closed pipe (`cargo flags list | head`) is not worth a second error.
    let _ = stdout.write_all(outcome.stdout.as_bytes());
    let _ = stderr.write_all(outcome.stderr.as_bytes());
    let _ = stdout.flush();
    outcome.code
}

/// [`run`], returning what would be printed.
pub fn execute(args: impl IntoIterator<Item = OsString>, cwd: &Path, env: &Env) -> Outcome {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|arg| arg == "flags") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            return if error.use_stderr() {
                Outcome {
                    stderr: text,
                    code: EXIT_USAGE,
                    ..Outcome::default()
                }
            } else {
                Outcome {
                    stdout: text,
                    code: EXIT_OK,
                    ..Outcome::default()
                }
            };
        }
    };
    match dispatch(&cli.command, cwd, env) {
        Ok(outcome) => outcome,
        Err(error) => Outcome {
            stderr: format!("{error}\n"),
            code: EXIT_USAGE,
            ..Outcome::default()
        },
    }
}

fn dispatch(command: &Command, cwd: &Path, env: &Env) -> Result<Outcome, CliError> {
    if let Command::Fleet { args, .. } = command {
        return fleet::run(args, cwd, env);
    }
    let session = Session::open(cwd, env, command.common())?;
    match command {
        Command::List { profile, .. } => commands::list::run(&session, profile.as_deref()),
        Command::Check { strict, .. } => commands::check::run(&session, *strict),
        Command::Explain { name, profile, .. } => {
            commands::explain::run(&session, name, profile.as_deref())
        }
        Command::Remove {
            name,
            keep,
            dry_run,
            ..
        } => remove::run(&session, name, keep.text(), *dry_run),
        Command::Matrix { options, .. } => commands::matrix::run(&session, options),
        Command::Test {
            options,
            no_fail_fast,
            cargo_args,
            ..
        } => commands::test::run(&session, cwd, options, *no_fail_fast, cargo_args),
        Command::Fleet { args, .. } => fleet::run(args, cwd, env),
    }
}

/// What every command starts from: the workspace, its manifest, its `.rs` files and the options.
pub struct Session {
    /// The workspace around the current directory.
    pub workspace: Workspace,
    /// The manifest the macros would read.
    pub manifest: ManifestFile,
    /// Every `.rs` file to scan: those of the members that read this manifest.
    pub files: Vec<PathBuf>,
    /// The members left out because the macros read another manifest for them (a `flags.toml` nearer to
    /// them), each with that manifest, as shown to people.
    pub other_manifests: Vec<(String, String)>,
    /// `--format`.
    pub format: Format,
    /// The environment.
    pub env: Env,
}

impl Session {
    /// Finds the workspace, the manifest and the files from `cwd`.
    pub fn open(cwd: &Path, env: &Env, common: &Common) -> Result<Session, CliError> {
        let workspace = Workspace::discover(cwd, env)?;
        let manifest = ManifestFile::locate(cwd, env, &workspace)?;
        let mut excludes = Vec::new();
        for exclude in &common.exclude {
            let path = cwd.join(exclude);
            if !path.exists() {
                return Err(CliError::new(format!(
                    "--exclude {}: no such file or directory",
                    exclude.display()
                ))
                .help("give a path relative to the current directory"));
            }
            excludes.push(workspace::canonical(&path));
        }
        let (workspace, other_manifests) = workspace.readers_of(&manifest, env);
        let files = workspace.rust_files(&excludes)?;
        Ok(Session {
            workspace,
            manifest,
            files,
            other_manifests,
            format: common.format,
            env: env.clone(),
        })
    }

    /// Parses every file and collects the references.
    pub fn scan(&self) -> Scan {
        scan::scan(&self.workspace, &self.files)
    }

    /// The parsed manifest, or an outcome that reports its problems (exit status 1).
    pub fn parsed_manifest(&self) -> Result<flag_manifest::Manifest, Outcome> {
        self.manifest.parse().map_err(|messages| Outcome {
            stderr: format!(
                "{}\nerror: {} is not a valid manifest; fix the problems above (`cargo flags check` lists \
                 them all)\n",
                messages.join("\n"),
                self.manifest.display
            ),
            code: EXIT_PROBLEMS,
            ..Outcome::default()
        })
    }
}
