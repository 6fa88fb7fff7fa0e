//! `cargo flags explain NAME`: why a flag is on or off in this build (the chain default -> profile ->
//! `FEATURE_FLAGS`), the flags it requires and the flags that require it, and every place the code uses it:
//! attributes, `flag!`, `variant!` and `flag_value!` calls, and calls of the string API with its name
//! (`value_of` and `set_value` included; see [`crate::scan`]), each labelled with its kind. For a value flag
//! the chain names the value each source chooses. A flag that has expired or that no code references gets
//! the `cargo flags remove` command that retires it, as `check` words it (a value flag's keeps a value).
//!
//! The table is a list of sections, each written by a function of its own (`table` calls them in order),
//! so that a new section is one more function.

use flag_manifest::targeting::VariantsSummary;
use flag_manifest::{Flag, Manifest, Mode, did_you_mean, parse_overrides_with};
use serde::Serialize;

use crate::cli::Format;
use crate::commands::{check_profile, chosen_profile, resolve};
use crate::output::{self, ValueReport, or_dash};
use crate::scan::RefKind;
use crate::text::line_column;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session, date};

/// The JSON document of `explain`.
#[derive(Debug, Serialize)]
pub struct ExplainReport {
    /// The flag's name.
    pub name: String,
    /// A value flag's type, values and the value this build chose.
    #[serde(flatten)]
    pub value: ValueReport,
    /// `static` or `dynamic`.
    pub mode: String,
    /// Its state in this build; `null` when the build's flags do not resolve (see `problems`).
    pub enabled: Option<bool>,
    /// What decided it: `default`, `profile NAME` or `FEATURE_FLAGS`.
    pub decided_by: String,
    /// The manifest's rules, one line each (`country in [NZ, AU] and 30% rollout by user_id`): where there
    /// are any, a check with a context is on only where one matches, and `enabled` is the state without one.
    pub rules: Vec<String>,
    /// The manifest's flag-level variants and their shares (`control 50%, one_page 50%`).
    pub variants: Option<String>,
    /// The manifest's description.
    pub description: Option<String>,
    /// The owner.
    pub owner: Option<String>,
    /// The expiry date.
    pub expires: Option<String>,
    /// Whether the expiry date is before today.
    pub expired: bool,
    /// Where the flag is declared: `flags.toml:LINE:COL`.
    pub declared_at: String,
    /// Each source in precedence order, lowest first.
    pub chain: Vec<Step>,
    /// The flags this one requires, with their states.
    pub requires: Vec<Related>,
    /// The flags that require this one, with their states.
    pub required_by: Vec<Related>,
    /// Every attribute, macro call and string-API call that names it.
    pub references: Vec<ReferenceRow>,
    /// Why the build's flags do not resolve, if they do not.
    pub problems: Vec<String>,
    /// When the flag has expired or no code references it, how to retire it, as `check` says it: the
    /// `cargo flags remove` command in backquotes (`--keep on|off` for an on/off flag; for a value flag, the
    /// value its code keeps), with what it keeps.
    pub retire: Option<String>,
}

/// One source of the chain that decides a state.
#[derive(Debug, Serialize)]
pub struct Step {
    /// `default`, `profile NAME` or `FEATURE_FLAGS`.
    pub source: String,
    /// The state this source gives the flag, or `null` when it says nothing about it. For a value flag,
    /// whether it is enabled (its rules apply).
    pub state: Option<bool>,
    /// For a value flag, the name of the value this source chooses, or `null` when it chooses none.
    pub value: Option<String>,
    /// Whether this is the source that decides (the last one that says something).
    pub decides: bool,
    /// Why the source says nothing, or where it says it.
    pub note: String,
}

/// A flag related through `requires`.
#[derive(Debug, Serialize)]
pub struct Related {
    /// Its name.
    pub name: String,
    /// Its state in this build, when the build resolves.
    pub enabled: Option<bool>,
}

/// One reference.
#[derive(Debug, Serialize)]
pub struct ReferenceRow {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// `attribute`, `macro` (`flag!`), `variant` (`variant!`), `value` (`flag_value!`) or `call` (the string
    /// API).
    pub kind: RefKind,
    /// The kind as people say it: `attribute`, `flag!`, `variant!`, `flag_value!`, `override_local()`.
    pub label: String,
    /// For a call: the runtime fn, such as `override_local`.
    pub function: Option<&'static str>,
    /// For a variant override: the variant it names.
    pub variant: Option<String>,
    /// The attribute or call as written.
    pub text: String,
    /// The item it is on or in.
    pub context: Option<String>,
}

/// Runs `explain`.
pub fn run(session: &Session, name: &str, profile: Option<&str>) -> Result<Outcome, CliError> {
    let manifest = match session.parsed_manifest() {
        Ok(manifest) => manifest,
        Err(outcome) => return Ok(outcome),
    };
    let Some(flag) = manifest.flag(name) else {
        return Err(unknown_flag(&manifest, name, &session.manifest.display));
    };
    let from_env = profile.is_none();
    let profile = chosen_profile(profile, &session.env);
    check_profile(&manifest, profile, from_env)?;
    let today = date::today(session.env.today.as_deref())?;
    let resolution = resolve(&manifest, profile, &session.env, &session.manifest.display);
    let state_of = |other: &str| {
        let resolution = resolution.as_ref().ok()?;
        Some(resolution.is_enabled(&manifest, other))
    };

    let chain = chain(session, &manifest, flag, profile);
    let decider = chain.iter().rposition(|step| step.decides).unwrap_or(0);

    let references: Vec<ReferenceRow> = session
        .scan()
        .references_to(name)
        .map(|reference| ReferenceRow {
            file: reference.file.clone(),
            line: reference.line,
            column: reference.column,
            kind: reference.kind,
            label: reference.label(),
            function: reference.function,
            variant: reference
                .variant
                .as_ref()
                .map(|variant| variant.name.clone()),
            text: reference.text.clone(),
            context: reference.context.clone(),
        })
        .collect();
    let chosen = resolution
        .as_ref()
        .ok()
        .zip(manifest.flag_index(name))
        .and_then(|(resolution, index)| resolution.states[index].value);
    let expired = flag.expires.is_some_and(|expires| expires < today);
    let report = ExplainReport {
        name: flag.name.clone(),
        value: ValueReport::of(flag, chosen),
        mode: flag.mode.to_string(),
        enabled: resolution
            .as_ref()
            .ok()
            .map(|r| r.is_enabled(&manifest, name)),
        decided_by: match &resolution {
            Ok(resolution) => manifest
                .flag_index(name)
                .map(|index| resolution.states[index].source.to_string())
                .unwrap_or_default(),
            Err(_) => chain[decider].source.clone(),
        },
        rules: flag
            .targeting
            .rules
            .iter()
            .map(ToString::to_string)
            .collect(),
        variants: (!flag.targeting.variants.is_empty())
            .then(|| VariantsSummary(&flag.targeting.variants).to_string()),
        description: flag.description.clone(),
        owner: flag.owner.clone(),
        expires: flag.expires.map(|date| date.to_string()),
        expired,
        declared_at: chain[0].note.clone(),
        chain,
        requires: flag
            .requires()
            .into_iter()
            .map(|required| Related {
                name: required.to_owned(),
                enabled: state_of(required),
            })
            .collect(),
        required_by: manifest
            .flags
            .iter()
            .filter(|other| other.requires().contains(&name))
            .map(|other| Related {
                name: other.name.clone(),
                enabled: state_of(&other.name),
            })
            .collect(),
        problems: resolution.as_ref().err().cloned().unwrap_or_default(),
        retire: (expired || references.is_empty())
            .then(|| flag.remove_command(if expired { "on|off" } else { "off" })),
        references,
    };
    let stdout = match session.format {
        Format::Json => output::json(&report),
        Format::Table => table(&report, flag.mode),
    };
    let stderr = if report.problems.is_empty() {
        String::new()
    } else {
        format!(
            "{}\nerror: this build's flags do not resolve; fix the manifest or the variables above\n",
            report.problems.join("\n")
        )
    };
    Ok(Outcome {
        stdout,
        stderr,
        code: if report.problems.is_empty() {
            EXIT_OK
        } else {
            EXIT_PROBLEMS
        },
    })
}

/// Each source that may decide `flag`'s state (and a value flag's value), lowest precedence first, as
/// [`flag_manifest::resolve`] reads them: the manifest's default, the profile, `FEATURE_FLAGS`; the last one
/// that says something decides.
fn chain(session: &Session, manifest: &Manifest, flag: &Flag, profile: Option<&str>) -> Vec<Step> {
    let name = flag.name.as_str();
    let value_name = |index: usize| {
        flag.values
            .as_ref()
            .and_then(|values| values.values.get(index))
            .map(|named| named.name.clone())
    };
    let (line, column) = line_column(&manifest.source, flag.span.start);
    let mut chain = vec![Step {
        source: "default".to_owned(),
        state: Some(flag.default),
        value: flag
            .values
            .as_ref()
            .and_then(|values| values.default)
            .and_then(value_name),
        decides: false,
        note: format!("{}:{line}:{column}", session.manifest.display),
    }];
    chain.push(match profile.and_then(|p| manifest.profile(p)) {
        Some(chosen) => {
            let state = chosen.state(name);
            let value = chosen
                .values
                .iter()
                .find(|(flag, _)| flag == name)
                .and_then(|&(_, index)| value_name(index));
            Step {
                source: format!("profile {}", chosen.name),
                note: if state.is_some() || value.is_some() {
                    "[profiles.".to_owned() + &chosen.name + "]"
                } else {
                    format!("[profiles.{}] does not set it", chosen.name)
                },
                state,
                value,
                decides: false,
            }
        }
        None => Step {
            source: "profile".to_owned(),
            state: None,
            value: None,
            decides: false,
            note: "no profile chosen (--profile or FEATURE_FLAGS_PROFILE)".to_owned(),
        },
    });
    // A value flag's `name=text` chooses a value (checked by the flag's own rule) and leaves its state.
    let entry = session.env.overrides.as_deref().and_then(|value| {
        parse_overrides_with(value, |other| {
            manifest.flag(other).is_some_and(Flag::is_value_flag)
        })
        .0
        .into_iter()
        .rfind(|entry| entry.name == name)
    });
    let (state, value) = match &entry {
        Some(entry) => match (&flag.values, &entry.value) {
            (Some(values), Some((text, _))) => {
                (None, values.choose(text).ok().and_then(value_name))
            }
            _ => (Some(entry.enabled), None),
        },
        None => (None, None),
    };
    chain.push(Step {
        source: flag_manifest::ENV_OVERRIDES.to_owned(),
        note: match (&session.env.overrides, &entry) {
            (None, _) => "not set".to_owned(),
            (Some(value), None) => format!("{value:?} does not name it"),
            (Some(value), Some(_)) => format!("{value:?}"),
        },
        state,
        value,
        decides: false,
    });
    if let Some(decider) = chain
        .iter()
        .rposition(|step| step.state.is_some() || step.value.is_some())
    {
        chain[decider].decides = true;
    }
    chain
}

/// The usage error for a name the manifest does not declare.
pub fn unknown_flag(manifest: &Manifest, name: &str, display: &str) -> CliError {
    CliError::new(format!(
        "unknown flag `{name}`{}",
        did_you_mean(name, manifest.flag_names())
    ))
    .help(format!(
        "{display} declares: {}",
        if manifest.flags.is_empty() {
            "no flags".to_owned()
        } else {
            manifest.flag_names().collect::<Vec<_>>().join(", ")
        }
    ))
}

fn table(report: &ExplainReport, mode: Mode) -> String {
    let mut out = String::new();
    state_section(report, mode, &mut out);
    rules_section(report, &mut out);
    chain_section(report, &mut out);
    related_section(report, &mut out);
    references_section(report, &mut out);
    out
}

/// The state, the description, where it is declared.
fn state_section(report: &ExplainReport, mode: Mode, out: &mut String) {
    let state = report
        .enabled
        .map_or("unknown (the build does not resolve)", output::state);
    // A value flag's state is its value (`enabled` only says whether rules apply).
    let (state, matched) = match (&report.value.value_type, report.enabled) {
        (Some(_), Some(false)) => ("disabled".to_owned(), "its value"),
        (Some(_), _) => (
            report
                .value
                .value
                .clone()
                .unwrap_or_else(|| "no value".to_owned()),
            "its value",
        ),
        (None, _) => (state.to_owned(), "on"),
    };
    if report.rules.is_empty() {
        out.push_str(&format!(
            "{}: {state} ({}), decided by {}\n",
            report.name, report.mode, report.decided_by
        ));
    } else {
        out.push_str(&format!(
            "{}: decided per context by its rules ({}): {matched} where one matches; without a context \
             {state}, decided by {}\n",
            report.name, report.mode, report.decided_by
        ));
    }
    if let Some(value_type) = &report.value.value_type {
        out.push_str(&format!(
            "  {value_type} values: {}; this build's value: {}\n",
            report.value.values.join(", "),
            report
                .value
                .value
                .as_deref()
                .unwrap_or("none (no `default`)")
        ));
    }
    if let Some(description) = &report.description {
        out.push_str(&format!("  {description}\n"));
    }
    out.push_str(&format!(
        "  declared at {}; owner {}; expires {}{}\n",
        report.declared_at,
        or_dash(report.owner.as_ref()),
        or_dash(report.expires.as_ref()),
        if report.expired { " (expired)" } else { "" }
    ));
    if let Some(retire) = report.retire.as_ref().filter(|_| report.expired) {
        out.push_str(&format!(
            "  expired: remove it with {retire}, or move `expires` to a later date\n"
        ));
    }
    match (mode, &report.value.value_type) {
        (Mode::Dynamic, None) => out.push_str(
            "  dynamic: this is the compiled-in default; at run time a flags file, FEATURE_FLAGS, set() or an \
             override can change it\n",
        ),
        (Mode::Dynamic, Some(_)) => out.push_str(
            "  dynamic: this is the compiled-in value; at run time a flags file, FEATURE_FLAGS or set_value() \
             can choose another\n",
        ),
        (Mode::Static, _) => {}
    }
}

/// The rules and variants compiled in, when the flag has any.
fn rules_section(report: &ExplainReport, out: &mut String) {
    if report.rules.is_empty() && report.variants.is_none() {
        return;
    }
    out.push_str(
        "\nRules and variants (from flags.toml; a runtime file or the fleet may replace them):\n",
    );
    for (index, rule) in report.rules.iter().enumerate() {
        out.push_str(&format!("  rule {}: {rule}\n", index + 1));
    }
    if let Some(variants) = &report.variants {
        out.push_str(&format!("  variants: {variants}\n"));
    }
}

/// How the state is decided: default, profile, `FEATURE_FLAGS`.
fn chain_section(report: &ExplainReport, out: &mut String) {
    out.push_str("\nHow the state is decided (lowest precedence first):\n");
    let rows: Vec<Vec<String>> = report
        .chain
        .iter()
        .map(|step| {
            vec![
                format!("  {}", step.source),
                said(step, report.value.value_type.is_some()),
                if step.decides {
                    "<- decides".to_owned()
                } else {
                    String::new()
                },
                step.note.clone(),
            ]
        })
        .collect();
    let steps = output::table(&["", "", "", ""], &rows);
    // The header row is blank: drop it.
    out.push_str(steps.split_once('\n').map_or("", |(_, rest)| rest));
}

/// What a step of the chain says: `on` or `off`; for a value flag the value it chooses (`large`), `disabled`
/// or `enabled`; `-` when it says nothing.
fn said(step: &Step, value_flag: bool) -> String {
    match (&step.value, step.state) {
        (Some(value), Some(false)) => format!("disabled, {value}"),
        (Some(value), _) => value.clone(),
        (None, Some(false)) if value_flag => "disabled".to_owned(),
        (None, Some(true)) if value_flag => "enabled".to_owned(),
        (None, state) => state.map_or("-", output::state).to_owned(),
    }
}

/// What it requires and what requires it.
fn related_section(report: &ExplainReport, out: &mut String) {
    for (title, related) in [
        ("Requires", &report.requires),
        ("Required by", &report.required_by),
    ] {
        out.push_str(&format!("\n{title}:"));
        if related.is_empty() {
            out.push_str(" nothing\n");
            continue;
        }
        out.push('\n');
        for flag in related {
            out.push_str(&format!(
                "  {} ({})\n",
                flag.name,
                flag.enabled.map_or("unknown", output::state)
            ));
        }
    }
}

/// Every reference, with its kind.
fn references_section(report: &ExplainReport, out: &mut String) {
    out.push_str(&format!("\nReferences ({}):\n", report.references.len()));
    if report.references.is_empty() {
        out.push_str(
            "  none: no attribute, flag!, variant! or flag_value! call, or string-API call with a literal name \
             names it\n",
        );
        if let Some(retire) = report.retire.as_ref().filter(|_| !report.expired) {
            out.push_str(&format!("  retire it with {retire}\n"));
        }
    }
    let rows: Vec<Vec<String>> = report
        .references
        .iter()
        .map(|reference| {
            vec![
                format!(
                    "  {}:{}:{}",
                    reference.file, reference.line, reference.column
                ),
                reference.label.clone(),
                reference.text.clone(),
                reference
                    .context
                    .as_ref()
                    .map(|context| match reference.kind {
                        RefKind::Attribute => format!("on {context}"),
                        RefKind::Macro | RefKind::Variant | RefKind::Value | RefKind::Call => {
                            format!("in {context}")
                        }
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let table = output::table(&["", "", "", ""], &rows);
        out.push_str(table.split_once('\n').map_or("", |(_, rest)| rest));
    }
}
