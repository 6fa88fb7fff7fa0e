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

mod progress;
mod runner;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::cli::{MatrixFormat, MatrixOptions};
use crate::commands::matrix::{Plan, plan, rows_table};
use crate::matrix::diagnose::suspects;
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session};
use progress::Progress;
use runner::Runner;

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
