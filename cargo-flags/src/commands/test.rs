//! `cargo flags test`: `cargo test` once per row of `cargo flags matrix`, one row after the other in the
//! same target directory, then a table of the results, the command that reproduces each failing row, and
//! the states the failing rows share that no passing row has.
//!
//! How a row reaches the code:
//! - static flags through `FEATURE_FLAGS` at build time (the macros track the variable, so cargo rebuilds
//!   the crates that use flags, and nothing else);
//! - dynamic flags through `FEATURE_FLAGS` at run time: the build sees only the static part (and the dynamic
//!   flags a static flag requires, which the build checks), and a test runner, `env FEATURE_FLAGS=<row>`,
//!   hands the test binaries the whole row. Rows that differ only in dynamic flags then share one build.
//!   Doc tests are run by rustdoc, not by the runner: they see the build's value. (Where `env` is not
//!   available, on Windows, or with `--target` among the arguments, the whole row goes to the build.)
//!
//! The child cargo runs without any `FEATURE_FLAGS*` variable of this process except those set here
//! (`FEATURE_FLAGS_PROFILE` for `--profile`, `FEATURE_FLAGS_MANIFEST` when it chose the manifest,
//! `FEATURE_FLAGS_TODAY` when pinned), so that each row means exactly what it says.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flag_manifest::{ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, Mode};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::{MatrixFormat, MatrixOptions};
use crate::commands::matrix::{Plan, plan, rows_table};
use crate::matrix::diagnose::suspects;
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session};
use flag_manifest::ENV_TODAY;

/// The JSON document of `test`.
#[derive(Debug, Serialize)]
pub struct TestReport {
    /// The summary of the matrix: how many rows cover what.
    pub matrix: String,
    /// The profile the flags that do not vary are resolved under.
    pub profile: Option<String>,
    /// Every row, in order.
    pub rows: Vec<RowReport>,
    /// The states shared by every failing row and no passing row: "`a` on and `b` off".
    pub suspects: Vec<String>,
    /// Pairs (or triples) `requires` rules out, with why: no row tests them.
    pub impossible: Vec<String>,
}

/// One row of `test`.
#[derive(Debug, Serialize)]
pub struct RowReport {
    /// 1-based.
    pub row: usize,
    /// The row as a `FEATURE_FLAGS` value.
    pub feature_flags: String,
    /// `pass`, `fail` or `not run`.
    pub result: String,
    /// Wall-clock seconds, when it ran.
    pub seconds: Option<f64>,
    /// How many crates cargo compiled for it.
    pub compiled: Option<usize>,
    /// The command that reproduces it.
    pub command: String,
    /// Where its output is kept.
    pub log: Option<String>,
}

/// What one row gave.
struct RowRun {
    passed: bool,
    elapsed: Duration,
    compiled: usize,
    log: Option<PathBuf>,
    excerpt: Vec<String>,
}

/// Runs `test`.
pub fn run(
    session: &Session,
    cwd: &Path,
    options: &MatrixOptions,
    no_fail_fast: bool,
    cargo_args: &[String],
) -> Result<Outcome, CliError> {
    let plan = match plan(session, options)? {
        Ok(plan) => plan,
        Err(outcome) => return Ok(outcome),
    };
    let runner = Runner::new(session, &plan, cwd, cargo_args)?;
    let total = plan.covering.rows.len();
    let progress = Progress::new(total);
    for note in &plan.notes {
        progress.line(&format!("note: {note}"));
    }
    progress.line(&format!(
        "cargo flags test: {}; `cargo test` once per row",
        plan.summary()
    ));
    let mut runs: Vec<Option<RowRun>> = Vec::with_capacity(total);
    let mut stopped = false;
    for (index, row) in plan.covering.rows.iter().enumerate() {
        if stopped {
            runs.push(None);
            continue;
        }
        progress.start(index, &runner.reproduce(&plan.selection.overrides(row)));
        let outcome = runner.run_row(&plan, index, row, &progress)?;
        progress.finish(index, &outcome);
        if !outcome.passed && !no_fail_fast {
            stopped = true;
        }
        runs.push(Some(outcome));
    }
    progress.done();
    let results: Vec<Option<bool>> = runs
        .iter()
        .map(|run| run.as_ref().map(|run| run.passed))
        .collect();
    let found: Vec<String> = suspects(&plan.covering.rows, &results)
        .iter()
        .map(|lits| plan.selection.describe(lits))
        .collect();
    let report = TestReport {
        matrix: plan.summary(),
        profile: plan.profile.clone(),
        rows: plan
            .covering
            .rows
            .iter()
            .zip(&runs)
            .enumerate()
            .map(|(index, (row, run))| RowReport {
                row: index + 1,
                feature_flags: plan.selection.overrides(row),
                result: match run {
                    Some(run) if run.passed => "pass",
                    Some(_) => "fail",
                    None => "not run",
                }
                .to_owned(),
                seconds: run
                    .as_ref()
                    .map(|run| (run.elapsed.as_secs_f64() * 10.0).round() / 10.0),
                compiled: run.as_ref().map(|run| run.compiled),
                command: runner.reproduce(&plan.selection.overrides(row)),
                log: run
                    .as_ref()
                    .and_then(|run| run.log.as_ref())
                    .map(|log| session.workspace.display(log)),
            })
            .collect(),
        suspects: found,
        impossible: plan.constraint_lines(),
    };
    let failed = report.rows.iter().any(|row| row.result == "fail");
    let stdout = match options.format {
        MatrixFormat::Json => output::json(&report),
        MatrixFormat::Table => table(&plan, &report, &runs, stopped),
        MatrixFormat::Github => {
            let mut text = table(&plan, &report, &runs, stopped);
            for row in report.rows.iter().filter(|row| row.result == "fail") {
                text.push_str(&format!(
                    "::error title=cargo flags test: row {} fails::{}\n",
                    row.row, row.command
                ));
            }
            text
        }
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        code: if failed { EXIT_PROBLEMS } else { EXIT_OK },
    })
}

fn table(plan: &Plan, report: &TestReport, runs: &[Option<RowRun>], stopped: bool) -> String {
    let mut out = format!("{}.\n\n", report.matrix);
    out.push_str(&rows_table(
        plan,
        &["RESULT", "TIME", "COMPILED"],
        |index| {
            let row = &report.rows[index];
            vec![
                row.result.clone(),
                row.seconds
                    .map_or_else(|| "-".to_owned(), |seconds| format!("{seconds:.1}s")),
                row.compiled.map_or_else(
                    || "-".to_owned(),
                    |compiled| {
                        if compiled == 0 {
                            "fresh".to_owned()
                        } else {
                            output::count(compiled, "crate", "crates")
                        }
                    },
                ),
            ]
        },
    ));
    let failing: Vec<&RowReport> = report
        .rows
        .iter()
        .filter(|row| row.result == "fail")
        .collect();
    let ran = report
        .rows
        .iter()
        .filter(|row| row.result != "not run")
        .count();
    out.push('\n');
    if failing.is_empty() {
        out.push_str(&format!(
            "Every row passed ({}).\n",
            output::count(ran, "run", "runs")
        ));
    } else {
        out.push_str(&format!(
            "{} of {} failed. To reproduce:\n",
            output::count(failing.len(), "row", "rows"),
            ran
        ));
        for row in &failing {
            out.push_str(&format!("  row {}: {}\n", row.row, row.command));
            if let Some(Some(run)) = runs.get(row.row - 1) {
                for line in &run.excerpt {
                    out.push_str(&format!("    | {line}\n"));
                }
            }
            if let Some(log) = &row.log {
                out.push_str(&format!("    full output: {log}\n"));
            }
        }
        if stopped {
            out.push_str(
                "Stopped at the first failing row; run with --no-fail-fast to run every row and narrow \
                 down the states that fail.\n",
            );
        }
        match report.suspects.as_slice() {
            [] if ran == failing.len() => out.push_str(
                "Every row that ran failed: the failure does not depend on these flags' states.\n",
            ),
            [] => out.push_str(
                "No single state or pair of states is in every failing row and in no passing row: more \
                 than one pair is at fault, or the failure is flaky.\n",
            ),
            [one] => out.push_str(&format!(
                "It fails when {}: every failing row has that, and no passing row does.\n",
                one.replace("` on", "` is on").replace("` off", "` is off")
            )),
            several => out.push_str(&format!(
                "Every failing row has each of these, and no passing row has any: {}. These rows cannot \
                 tell which one fails.\n",
                several.join("; ")
            )),
        }
    }
    let constraint_lines = plan.constraint_lines();
    if !constraint_lines.is_empty() {
        out.push_str("\nNot tested, because `requires` rules them out:\n");
        for line in constraint_lines {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// How each row's `cargo test` is run.
struct Runner {
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
    fn new(
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
    fn reproduce(&self, overrides: &str) -> String {
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
    fn run_row(
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

/// Progress on stderr: a bar on a terminal, a line per row otherwise (in CI).
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    total: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:20} {pos}/{len} rows  {wide_msg}",
            ) {
                bar.set_style(style);
            }
            // No steady-tick thread: `main` holds the stderr lock for the whole run, so only this thread
            // may draw. `tick` is called while a row runs instead.
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            total,
        }
    }

    /// Redraws the bar (its spinner and elapsed time), on a terminal.
    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.tick();
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn start(&self, index: usize, command: &str) {
        let left = self.total - index - 1;
        match &self.bar {
            Some(bar) => bar.set_message(format!("row {}: {command}", index + 1)),
            None => eprintln!(
                "cargo flags test: row {} of {} ({} after it), {:.1}s elapsed: {command}",
                index + 1,
                self.total,
                left,
                self.start.elapsed().as_secs_f64()
            ),
        }
    }

    fn finish(&self, index: usize, run: &RowRun) {
        let text = format!(
            "cargo flags test: row {} {} in {:.1}s",
            index + 1,
            if run.passed { "passed" } else { "FAILED" },
            run.elapsed.as_secs_f64()
        );
        match &self.bar {
            Some(bar) => {
                bar.println(text);
                bar.inc(1);
            }
            None => eprintln!("{text}"),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
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
