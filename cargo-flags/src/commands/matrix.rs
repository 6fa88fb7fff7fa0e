//! `cargo flags matrix`: few combinations of flag states that contain every pair (or triple) of states of
//! the varied flags that `requires` allows, each a `FEATURE_FLAGS` value; the rest of the flags keep their
//! state under the profile. [`plan`] is shared with `cargo flags test`, which runs the tests once per row.

use flag_manifest::{Manifest, Mode, did_you_mean};
use serde::Serialize;

use crate::cli::{MatrixFormat, MatrixOptions};
use crate::commands::{check_profile, chosen_profile, render_all};
use crate::matrix::constraints::{Closures, Lit};
use crate::matrix::covering::{self, Covering};
use crate::matrix::optimal;
use crate::matrix::{Selection, select};
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session};

/// Above this many varied flags, strength 3 is refused: the triples alone would take too long to list.
pub const MAX_FLAGS_AT_STRENGTH_3: usize = 300;

/// Above this many varied flags, the table shows only each row's `FEATURE_FLAGS` value.
const MAX_COLUMNS: usize = 12;

/// The rows to test and everything said about them.
#[derive(Debug)]
pub struct Plan {
    /// The manifest.
    pub manifest: Manifest,
    /// The profile that decides the flags that do not vary.
    pub profile: Option<String>,
    /// "the defaults" or "profile beta".
    pub under: String,
    /// The varied flags and their constraints.
    pub selection: Selection,
    /// The constraints' closures, for checks and explanations.
    pub closures: Closures,
    /// The rows.
    pub covering: Covering,
    /// Each flag that does not vary, with its state under the profile, in the manifest's order.
    pub fixed: Vec<(String, bool)>,
    /// Varied flags that only one state is possible for, with the state and why.
    pub pinned: Vec<(String, bool, Vec<String>)>,
    /// The tuples of states `requires` rules out, with why.
    pub impossible: Vec<(Vec<Lit>, Vec<String>)>,
    /// Notes for stderr (such as a `FEATURE_FLAGS` in the environment that the rows replace).
    pub notes: Vec<String>,
    /// At strength 3, how many rows cover the pairs alone, for comparison.
    pub pairwise_rows: Option<usize>,
}

impl Plan {
    /// The fewest rows possible for the varied flags that can take both states, were they unconstrained.
    pub fn unconstrained_optimum(&self) -> usize {
        let free = (0..self.selection.names.len())
            .filter(|&column| self.closures.fixed(column).is_none())
            .count();
        optimal::optimum(free)
    }

    /// The first sentence of the report: how many rows, covering what, and how that compares.
    pub fn summary(&self) -> String {
        let rows = self.covering.rows.len();
        let flags = self.selection.names.len();
        let free = (0..flags)
            .filter(|&column| self.closures.fixed(column).is_none())
            .count();
        let rows_text = output::count(rows, "row", "rows");
        let flags_text = output::count(flags, "flag", "flags");
        if flags == 0 {
            return format!(
                "{rows_text}: no flag varies, every flag keeps its state under {}",
                self.under
            );
        }
        let what = match self.covering.strength {
            1 => "both states of each",
            2 => "every pair of states of every pair",
            _ => "every triple of states of every triple",
        };
        let allowed = if self.impossible.is_empty() && self.pinned.is_empty() {
            String::new()
        } else {
            " that `requires` allows".to_owned()
        };
        let mut text = format!("{rows_text} cover {what} of {flags_text}{allowed}");
        if self.covering.strength <= 2 && self.covering.optimal {
            text.push_str(", the fewest possible");
        } else if self.covering.strength == 2 {
            text.push_str(&format!(
                " (without constraints, {} would need {})",
                output::count(free, "flag", "flags"),
                output::count(self.unconstrained_optimum(), "row", "rows")
            ));
        } else if let Some(pairwise) = self.pairwise_rows {
            text.push_str(&format!(
                " (strength 3; pairs alone take {})",
                output::count(pairwise, "row", "rows")
            ));
        }
        text
    }

    /// The lines about flags only one state is possible for and tuples no row can have.
    pub fn constraint_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (name, on, why) in &self.pinned {
            lines.push(format!(
                "`{name}` is always {} in these rows: {}",
                output::state(*on),
                why.join("; ")
            ));
        }
        let size = |lits: &Vec<Lit>| lits.len();
        for (lits, why) in &self.impossible {
            let kind = if size(lits) == 2 { "pair" } else { "triple" };
            lines.push(format!(
                "impossible {kind}: {}: {}",
                self.selection.describe(lits),
                why.join("; ")
            ));
        }
        lines
    }
}

/// Works out the rows for `options`, or the outcome that reports why there are none (exit status 1).
pub fn plan(session: &Session, options: &MatrixOptions) -> Result<Result<Plan, Outcome>, CliError> {
    let manifest = match session.parsed_manifest() {
        Ok(manifest) => manifest,
        Err(outcome) => return Ok(Err(outcome)),
    };
    let from_env = options.profile.is_none();
    let profile = chosen_profile(options.profile.as_deref(), &session.env);
    check_profile(&manifest, profile, from_env)?;
    let under = match profile {
        Some(name) => format!("profile {name}"),
        None => "the defaults".to_owned(),
    };
    let mut notes = Vec::new();
    if let Some(overrides) = &session.env.overrides {
        notes.push(format!(
            "FEATURE_FLAGS={overrides:?} in the environment is not used: each row sets the varied flags, and \
             the others keep their state under {under} (vary flags with --flags, choose a profile with \
             --profile)"
        ));
    }
    let base = match flag_manifest::resolve(&manifest, profile, None) {
        Ok(resolution) => resolution,
        Err(diagnostics) => {
            return Ok(Err(Outcome {
                stderr: format!(
                    "{}\nerror: the flags do not resolve under {under}; fix the manifest or choose another \
                     profile\n",
                    render_all(&diagnostics, &session.manifest.display).join("\n")
                ),
                code: EXIT_PROBLEMS,
                ..Outcome::default()
            }));
        }
    };
    let base: Vec<bool> = base.states.iter().map(|state| state.enabled).collect();
    let chosen = chosen_flags(&manifest, options)?;
    let selection = select(&manifest, &base, &chosen, &under);
    let closures = match Closures::new(&selection.constraints) {
        Ok(closures) => closures,
        Err(why) => {
            return Ok(Err(Outcome {
                stderr: format!(
                    "error: no build can vary these flags under {under}: {}\nhelp: vary the flags named \
                     here too (--flags), or choose another profile\n",
                    why.join("; ")
                ),
                code: EXIT_PROBLEMS,
                ..Outcome::default()
            }));
        }
    };
    let free = (0..selection.names.len())
        .filter(|&column| closures.fixed(column).is_none())
        .count();
    if options.strength >= 3 && free > MAX_FLAGS_AT_STRENGTH_3 {
        return Err(CliError::new(format!(
            "--strength 3 over {free} flags: at most {MAX_FLAGS_AT_STRENGTH_3} can vary at strength 3"
        ))
        .help("vary fewer flags with --flags, or cover pairs (--strength 2)"));
    }
    let covering = covering::generate(&closures, usize::from(options.strength));
    let pairwise_rows =
        (covering.strength > 2).then(|| covering::generate(&closures, 2).rows.len());
    let pinned = (0..selection.names.len())
        .filter_map(|column| {
            let on = closures.fixed(column)?;
            let why = closures.explain(&[Lit::new(column, !on)]);
            Some((selection.names[column].clone(), on, why))
        })
        .collect();
    let impossible = covering
        .impossible
        .iter()
        .map(|lits| (lits.clone(), closures.explain(lits)))
        .collect();
    let fixed = manifest
        .flags
        .iter()
        .enumerate()
        .filter(|(index, _)| !selection.flags.contains(index))
        .map(|(index, flag)| (flag.name.clone(), base[index]))
        .collect();
    Ok(Ok(Plan {
        profile: profile.map(str::to_owned),
        under,
        selection,
        closures,
        covering,
        fixed,
        pinned,
        impossible,
        notes,
        pairwise_rows,
        manifest,
    }))
}

/// The manifest indices of the flags to vary: `--flags`, or every static flag (and dynamic ones with
/// `--include-dynamic`).
fn chosen_flags(manifest: &Manifest, options: &MatrixOptions) -> Result<Vec<usize>, CliError> {
    let names: Vec<&str> = options
        .flags
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(manifest
            .flags
            .iter()
            .enumerate()
            .filter(|(_, flag)| options.include_dynamic || flag.mode == Mode::Static)
            .map(|(index, _)| index)
            .collect());
    }
    let mut chosen = Vec::new();
    for name in names {
        let Some(index) = manifest.flag_index(name) else {
            return Err(CliError::new(format!(
                "--flags: unknown flag `{name}`{}",
                did_you_mean(name, manifest.flag_names())
            ))
            .help("`cargo flags list` shows every declared flag"));
        };
        if manifest.flags[index].mode == Mode::Dynamic && !options.include_dynamic {
            return Err(CliError::new(format!(
                "--flags: `{name}` is a dynamic flag, decided at run time"
            ))
            .help("add --include-dynamic to vary dynamic flags too (they are set at run time)"));
        }
        chosen.push(index);
    }
    Ok(chosen)
}

/// Runs `matrix`.
pub fn run(session: &Session, options: &MatrixOptions) -> Result<Outcome, CliError> {
    let plan = match plan(session, options)? {
        Ok(plan) => plan,
        Err(outcome) => return Ok(outcome),
    };
    let mut stderr: String = plan
        .notes
        .iter()
        .map(|note| format!("note: {note}\n"))
        .collect();
    let stdout = match options.format {
        MatrixFormat::Table => table(&plan),
        MatrixFormat::Json => {
            stderr.push_str(&notes_for_machines(&plan));
            output::json(&json_rows(&plan))
        }
        MatrixFormat::Github => {
            stderr.push_str(&notes_for_machines(&plan));
            github(&plan)
        }
    };
    Ok(Outcome {
        stdout,
        stderr,
        code: EXIT_OK,
    })
}

/// The summary and the constraint lines, as notes on stderr when stdout carries JSON.
fn notes_for_machines(plan: &Plan) -> String {
    std::iter::once(plan.summary())
        .chain(plan.constraint_lines())
        .map(|line| format!("note: {line}\n"))
        .collect()
}

/// Each row as an object from flag name to state, in the manifest's order.
fn json_rows(plan: &Plan) -> Vec<serde_json::Map<String, serde_json::Value>> {
    plan.covering
        .rows
        .iter()
        .map(|row| {
            plan.selection
                .names
                .iter()
                .zip(row)
                .map(|(name, &on)| (name.clone(), serde_json::Value::Bool(on)))
                .collect()
        })
        .collect()
}

/// One entry of the GitHub Actions matrix.
#[derive(Debug, Serialize)]
struct GithubEntry {
    /// 1-based.
    row: usize,
    /// The row as a `FEATURE_FLAGS` value.
    feature_flags: String,
    /// The profile, when one was chosen (for `FEATURE_FLAGS_PROFILE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
}

/// The object GitHub Actions' `strategy.matrix` accepts, on one line.
#[derive(Debug, Serialize)]
struct GithubMatrix {
    include: Vec<GithubEntry>,
}

fn github(plan: &Plan) -> String {
    let matrix = GithubMatrix {
        include: plan
            .covering
            .rows
            .iter()
            .enumerate()
            .map(|(index, row)| GithubEntry {
                row: index + 1,
                feature_flags: plan.selection.overrides(row),
                profile: plan.profile.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string(&matrix).unwrap_or_default();
    text.push('\n');
    text
}

/// The table: a summary, the rows, and what `requires` rules out.
fn table(plan: &Plan) -> String {
    let mut out = format!("{}.\n", plan.summary());
    if !plan.fixed.is_empty() {
        let fixed: Vec<String> = plan
            .fixed
            .iter()
            .map(|(name, on)| format!("{name} {}", output::state(*on)))
            .collect();
        out.push_str(&format!(
            "Not varied (their state under {}): {}.\n",
            plan.under,
            fixed.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&rows_table(plan, &[], |_| Vec::new()));
    let lines = plan.constraint_lines();
    if !lines.is_empty() {
        out.push('\n');
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The rows as a table: `ROW`, each flag's state when there are few flags, the `extra` columns that
/// `cells` fills for each row, and the row's `FEATURE_FLAGS` value.
pub fn rows_table(plan: &Plan, extra: &[&str], cells: impl Fn(usize) -> Vec<String>) -> String {
    let names = &plan.selection.names;
    let per_flag = !names.is_empty() && names.len() <= MAX_COLUMNS;
    let mut headers: Vec<&str> = vec!["ROW"];
    headers.extend(extra);
    if per_flag {
        headers.extend(names.iter().map(String::as_str));
    }
    headers.push("FEATURE_FLAGS");
    let rows: Vec<Vec<String>> = plan
        .covering
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let mut cells_of_row = vec![(index + 1).to_string()];
            cells_of_row.extend(cells(index));
            if per_flag {
                cells_of_row.extend(row.iter().map(|&on| output::state(on).to_owned()));
            }
            let value = plan.selection.overrides(row);
            cells_of_row.push(if value.is_empty() {
                "-".to_owned()
            } else {
                value
            });
            cells_of_row
        })
        .collect();
    output::table(&headers, &rows)
}
