//! How one row of `cargo flags test` runs: the child `cargo test` with the row's static flags in its
//! environment and, where a runner can carry them, the dynamic ones at run time; its output kept in a log,
//! with an excerpt for the report; and the command a user types to reproduce it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flag_manifest::{ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY, Mode};

use super::RowRun;
use super::progress::Progress;
use crate::commands::matrix::Plan;
use crate::{CliError, Session};

/// How each row's `cargo test` is run.
pub(super) struct Runner {
    cargo: std::ffi::OsString,
    cwd: PathBuf,
    args: Vec<String>,
    /// Per column: whether the flag is set at run time only (a dynamic flag no static flag requires).
    runtime_only: Vec<bool>,
    /// The host's target triple, for the runner that sets dynamic flags; `None` when no column needs it.
    host: Option<String>,
    /// Variables to set in the child, besides `FEATURE_FLAGS`.
    env: Vec<(&'static str, String)>,
    /// Shown before `cargo test` in reproducing commands.
    prefix: String,
    logs: PathBuf,
}

impl Runner {
    pub(super) fn new(
        session: &Session,
        plan: &Plan,
        cwd: &Path,
        cargo_args: &[String],
    ) -> Result<Runner, CliError> {
        let manifest = &plan.manifest;
        let required_by_static = |name: &str| {
            manifest
                .flags
                .iter()
                .any(|flag| flag.mode == Mode::Static && flag.requires().contains(&name))
        };
        let runtime_only: Vec<bool> = plan
            .selection
            .names
            .iter()
            .zip(&plan.selection.dynamic)
            .map(|(name, &dynamic)| dynamic && !required_by_static(name) && !cfg!(windows))
            .collect();
        // A runner is per target: with `--target`, the host's would not apply, so the whole row goes to
        // the build instead.
        let cross = cargo_args
            .iter()
            .take_while(|arg| *arg != "--")
            .any(|arg| arg == "--target" || arg.starts_with("--target="));
        let runtime_only: Vec<bool> = runtime_only.iter().map(|&r| r && !cross).collect();
        let host = if runtime_only.iter().any(|&r| r) {
            Some(host_triple(session)?)
        } else {
            None
        };
        let mut env = Vec::new();
        let mut prefix = String::new();
        if let Some(profile) = &plan.profile {
            env.push((ENV_PROFILE, profile.clone()));
            prefix.push_str(&format!("{ENV_PROFILE}={} ", shell_word(profile)));
        }
        if session.env.manifest.is_some() {
            let path = session.manifest.path.display().to_string();
            prefix.push_str(&format!("{ENV_MANIFEST}={} ", shell_word(&path)));
            env.push((ENV_MANIFEST, path));
        }
        if let Some(today) = &session.env.today {
            env.push((ENV_TODAY, today.clone()));
        }
        let target = session
            .workspace
            .target_dir
            .clone()
            .unwrap_or_else(|| session.workspace.root.join("target"));
        Ok(Runner {
            cargo: session.env.cargo.clone().unwrap_or_else(|| "cargo".into()),
            cwd: cwd.to_path_buf(),
            args: cargo_args.to_vec(),
            runtime_only,
            host,
            env,
            prefix,
            logs: target.join("flags-test"),
        })
    }

    /// The command a person pastes to reproduce a row whose `FEATURE_FLAGS` value is `overrides`: the whole
    /// row in `FEATURE_FLAGS` (a dynamic flag then also has that state compiled in, and the run-time value
    /// agrees).
    pub(super) fn reproduce(&self, overrides: &str) -> String {
        let mut command = self.prefix.clone();
        if !overrides.is_empty() {
            command.push_str(&format!("{ENV_OVERRIDES}={} ", shell_word(overrides)));
        }
        command.push_str("cargo test");
        for arg in &self.args {
            command.push(' ');
            command.push_str(&shell_word(arg));
        }
        command
    }

    /// Runs `cargo test` for `row` (0-based `index`), keeping its output in the logs directory.
    pub(super) fn run_row(
        &self,
        plan: &Plan,
        index: usize,
        row: &[bool],
        progress: &Progress,
    ) -> Result<RowRun, CliError> {
        let whole = plan.selection.overrides(row);
        let build = plan
            .selection
            .entries(row, |column| !self.runtime_only[column]);
        let mut command = Command::new(&self.cargo);
        if let Some(host) = &self.host
            && build != whole
        {
            let runner =
                serde_json::to_string(&["env".to_owned(), format!("{ENV_OVERRIDES}={whole}")])
                    .unwrap_or_default();
            command
                .arg("--config")
                .arg(format!("target.{}.runner={runner}", toml_key(host)));
        }
        command
            .arg("test")
            .args(&self.args)
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("FEATURE_FLAGS") {
                command.env_remove(&name);
            }
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        if !build.is_empty() {
            command.env(ENV_OVERRIDES, &build);
        }
        let started = Instant::now();
        let mut child = command.spawn().map_err(|error| {
            CliError::new(format!(
                "cannot run `{} test`: {error}",
                self.cargo.to_string_lossy()
            ))
            .help("install cargo (rustup) or put it on PATH, or set CARGO to its path")
        })?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) => {
                    progress.tick();
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(error) => break Err(error),
            }
        };
        let status = status.map_err(|error| {
            CliError::new(format!(
                "`cargo test` for row {} did not finish: {error}",
                index + 1
            ))
            .help("run the row's command by hand to see what happens")
        })?;
        let elapsed = started.elapsed();
        let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        let compiled = stderr
            .lines()
            .filter(|line| line.trim_start().starts_with("Compiling "))
            .count();
        let passed = status.success();
        let log = self.logs.join(format!("row-{}.log", index + 1));
        let text = format!(
            "$ {}\n# {status}, {:.1}s\n\n## stderr\n{stderr}\n## stdout\n{stdout}",
            self.reproduce(&whole),
            elapsed.as_secs_f64()
        );
        let log = std::fs::create_dir_all(&self.logs)
            .and_then(|()| std::fs::write(&log, text))
            .is_ok()
            .then_some(log);
        Ok(RowRun {
            passed,
            elapsed,
            compiled,
            log,
            excerpt: if passed {
                Vec::new()
            } else {
                excerpt(&stdout, &stderr)
            },
        })
    }
}

/// `key` quoted for a TOML dotted key when it is not a bare key.
fn toml_key(key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        serde_json::to_string(key).unwrap_or_default()
    }
}

/// What to show of a failing row: the test harness's `failures:` section when the tests ran, else the end
/// of cargo's stderr (a build error); at most 30 lines.
fn excerpt(stdout: &str, stderr: &str) -> Vec<String> {
    const MAX: usize = 30;
    let lines: Vec<&str> = stdout.lines().collect();
    if let Some(start) = lines.iter().position(|line| *line == "failures:") {
        // The panics, without their backtraces (kept in the log).
        let mut in_backtrace = false;
        let section: Vec<String> = lines[start + 1..]
            .iter()
            .take_while(|line| !line.starts_with("test result:") && **line != "failures:")
            .filter(|line| {
                if line.starts_with("stack backtrace:") {
                    in_backtrace = true;
                } else if line.starts_with("----") || line.starts_with("thread ") {
                    in_backtrace = false;
                }
                let noise = in_backtrace || line.starts_with("note: Some details are omitted");
                !noise && !line.trim().is_empty()
            })
            .map(|line| (*line).to_owned())
            .collect();
        if section.len() > MAX {
            let mut shown = section[..MAX].to_vec();
            shown.push(format!(
                "... ({} more lines in the log)",
                section.len() - MAX
            ));
            return shown;
        }
        return section;
    }
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(MAX)..]
        .iter()
        .map(|line| (*line).to_owned())
        .collect()
}

/// The host's target triple, from `rustc -vV`.
fn host_triple(session: &Session) -> Result<String, CliError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let _ = session;
    let output = Command::new(&rustc).arg("-vV").output().map_err(|error| {
        CliError::new(format!(
            "cannot run `{} -vV` to find the host's target triple: {error}",
            rustc.to_string_lossy()
        ))
        .help("put rustc on PATH, or set RUSTC to its path")
    })?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_owned())
        .ok_or_else(|| {
            CliError::new("`rustc -vV` did not say which host it runs on")
                .help("check that `rustc -vV` works")
        })
}

/// `word` as one shell word: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Reads a child's pipe to the end on a thread of its own, so that neither pipe fills up and blocks it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}
