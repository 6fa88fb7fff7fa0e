//! `cargo flags list`: every flag, its mode, its state in this build (default, profile, `FEATURE_FLAGS`),
//! owner, expiry, `requires`, and how many places in the code reference it.

use serde::Serialize;

use crate::commands::{check_profile, chosen_profile, resolve};
use crate::output::{self, ValueReport, or_dash};
use crate::scan::Finding;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session, date};

/// The JSON document of `list`.
#[derive(Debug, Serialize)]
pub struct ListReport {
    /// The manifest, relative to the workspace root.
    pub manifest: String,
    /// The profile the states were resolved under.
    pub profile: Option<String>,
    /// The value of `FEATURE_FLAGS` the states were resolved with.
    pub overrides: Option<String>,
    /// Every flag, by name.
    pub flags: Vec<FlagRow>,
    /// Files that could not be parsed: their references are not counted.
    pub unparsable: Vec<Finding>,
}

/// One flag in `list`.
#[derive(Debug, Serialize)]
pub struct FlagRow {
    /// The flag's name.
    pub name: String,
    /// `static` or `dynamic`.
    pub mode: String,
    /// Its state in this build (for a dynamic flag, the compiled-in default).
    pub enabled: bool,
    /// What decided it: `default`, `profile NAME` or `FEATURE_FLAGS`.
    pub decided_by: String,
    /// The manifest's description.
    pub description: Option<String>,
    /// The owner.
    pub owner: Option<String>,
    /// The expiry date, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Whether the expiry date is before today.
    pub expired: bool,
    /// The flags it requires.
    pub requires: Vec<String>,
    /// A value flag's type, values and the value this build chose.
    #[serde(flatten)]
    pub value: ValueReport,
    /// How many references name it: attributes, `flag!` and `variant!` calls, string-API calls with its
    /// name.
    pub references: usize,
    /// The STATE column: `on`, `off`, or a value flag's `medium = 50`.
    #[serde(skip)]
    pub state_text: String,
}

/// Runs `list`.
pub fn run(session: &Session, profile: Option<&str>) -> Result<Outcome, CliError> {
    let manifest = match session.parsed_manifest() {
        Ok(manifest) => manifest,
        Err(outcome) => return Ok(outcome),
    };
    let from_env = profile.is_none();
    let profile = chosen_profile(profile, &session.env);
    check_profile(&manifest, profile, from_env)?;
    let today = date::today(session.env.today.as_deref())?;
    let resolution = match resolve(&manifest, profile, &session.env, &session.manifest.display) {
        Ok(resolution) => resolution,
        Err(messages) => {
            return Ok(Outcome {
                stderr: format!(
                    "{}\nerror: this build's flags do not resolve; fix the manifest or the variables above\n",
                    messages.join("\n")
                ),
                code: EXIT_PROBLEMS,
                ..Outcome::default()
            });
        }
    };
    let scan = session.scan();
    let flags: Vec<FlagRow> = manifest
        .flags
        .iter()
        .zip(&resolution.states)
        .map(|(flag, state)| FlagRow {
            name: flag.name.clone(),
            mode: flag.mode.to_string(),
            enabled: state.enabled,
            decided_by: state.source.to_string(),
            description: flag.description.clone(),
            owner: flag.owner.clone(),
            expires: flag.expires.map(|date| date.to_string()),
            expired: flag.expires.is_some_and(|expires| expires < today),
            requires: flag.requires().into_iter().map(str::to_owned).collect(),
            references: scan.references_to(&flag.name).count(),
            value: ValueReport::of(flag, state.value),
            state_text: match &flag.values {
                Some(_) => output::value_state(flag, state.enabled, state.value),
                None => output::state(state.enabled).to_owned(),
            },
        })
        .collect();
    let report = ListReport {
        manifest: session.manifest.display.clone(),
        profile: profile.map(str::to_owned),
        overrides: session.env.overrides.clone(),
        flags,
        unparsable: scan.unparsable.clone(),
    };
    let mut stderr = String::new();
    for finding in &report.unparsable {
        stderr.push_str(&format!(
            "error: {}:{}:{}: cannot parse this file, so its references are not counted: {}\n",
            finding.file, finding.line, finding.column, finding.message
        ));
    }
    if !report.unparsable.is_empty() {
        stderr.push_str(
            "help: fix the syntax (the compiler rejects it too), or leave the file out with --exclude\n",
        );
    }
    let stdout = match session.format {
        crate::cli::Format::Json => output::json(&report),
        crate::cli::Format::Table => table(&report),
    };
    Ok(Outcome {
        stdout,
        stderr,
        code: if report.unparsable.is_empty() {
            EXIT_OK
        } else {
            EXIT_PROBLEMS
        },
    })
}

fn table(report: &ListReport) -> String {
    let mut resolved_with = Vec::new();
    if let Some(profile) = &report.profile {
        resolved_with.push(format!("profile {profile}"));
    }
    if let Some(overrides) = &report.overrides {
        resolved_with.push(format!("FEATURE_FLAGS={overrides:?}"));
    }
    let mut out = format!(
        "{} in {}, resolved with {}\n\n",
        output::count(report.flags.len(), "flag", "flags"),
        report.manifest,
        if resolved_with.is_empty() {
            "the defaults".to_owned()
        } else {
            resolved_with.join(" and ")
        }
    );
    let rows: Vec<Vec<String>> = report
        .flags
        .iter()
        .map(|flag| {
            vec![
                flag.name.clone(),
                flag.mode.clone(),
                flag.state_text.clone(),
                flag.decided_by.clone(),
                or_dash(flag.owner.as_ref()),
                match &flag.expires {
                    Some(date) if flag.expired => format!("{date} (expired)"),
                    other => or_dash(other.as_ref()),
                },
                if flag.requires.is_empty() {
                    "-".to_owned()
                } else {
                    flag.requires.join(", ")
                },
                flag.references.to_string(),
            ]
        })
        .collect();
    out.push_str(&output::table(
        &[
            "FLAG",
            "MODE",
            "STATE",
            "DECIDED BY",
            "OWNER",
            "EXPIRES",
            "REQUIRES",
            "REFS",
        ],
        &rows,
    ));
    out
}
