//! `cargo flags check`: everything that should stop a merge, for CI.
//!
//! Errors: the manifest does not parse or validate (the macros' own diagnostics, `path:line:col`), its
//! defaults or a profile do not resolve, a flag has expired, the code names an undeclared flag (with a
//! suggestion) or writes a malformed flag expression, a `.rs` file does not parse. The code's references are
//! every kind [`crate::scan`] finds: attributes, `flag!`, `variant!`, `flag_value!`, and string-API calls
//! (`value_of` and `set_value` included) with a literal name. Beyond unknown names, as the build or the
//! runtime would refuse them: a `variant!` of a static flag or of a flag without variants, a variant override
//! naming a variant the flag does not have (with a suggestion), `flag_value!`, `value_of` or `set_value` of an
//! on/off flag, a `set_value` whose literal is none of the flag's values (the runtime's own check, with a
//! suggestion), and `set`, `reset`, `set_value` or an override of a static flag (the runtime refuses to
//! change those).
//! A call whose failure the code expects (`.is_err()`, `assert_eq!(.., Err(..))`) is not checked: it
//! tests that refusal. Warning: a declared flag that no code references (an error with `--strict`).

use flag_manifest::{Date, Flag, Location, Manifest, Mode, closest};
use serde::Serialize;

use crate::cli::Format;
use crate::output;
use crate::scan::{Finding, RefKind, Reference, Scan};
use crate::syntax::names::{VALUE_API, VALUE_CHOOSERS};
use crate::text::line_column;
use crate::toml_spans::TomlSpans;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session, date};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails the check.
    Error,
    /// Reported; fails the check only with `--strict`.
    Warning,
}

/// One problem found by `check`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// `manifest`, `resolution`, `expired`, `unreferenced`, `undeclared`, `variants` (a `variant!` or variant
    /// override that the flag cannot serve), `values` (a value read or chosen of an on/off flag, or a value
    /// the flag does not have), `static` (the string API asked to change a static flag), `malformed` or
    /// `unparsable`.
    pub kind: &'static str,
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line, when the problem has a place.
    pub line: Option<usize>,
    /// 1-based column in characters, when the problem has a place.
    pub column: Option<usize>,
    /// The flag concerned, if any.
    pub flag: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The declared flag closest to an undeclared name.
    pub suggestion: Option<String>,
}

/// The JSON document of `check`.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Whether the check passed.
    pub ok: bool,
    /// The date expiry was judged against.
    pub today: String,
    /// The manifest, relative to the workspace root.
    pub manifest: String,
    /// How many flags the manifest declares (0 when it is invalid).
    pub flags: usize,
    /// How many `.rs` files were scanned.
    pub files: usize,
    /// How many references were found: attributes, `flag!`, `variant!` and `flag_value!` calls, string-API
    /// calls.
    pub references: usize,
    /// Every problem, errors and warnings.
    pub problems: Vec<Problem>,
    /// Members left out because their crates read another manifest: `[member, manifest]`.
    pub other_manifests: Vec<(String, String)>,
}

/// Runs `check`.
pub fn run(session: &Session, strict: bool) -> Result<Outcome, CliError> {
    let today = date::today(session.env.today.as_deref())?;
    let scan = session.scan();
    let report = check(session, &scan, today, strict);
    let stdout = match session.format {
        Format::Json => output::json(&report),
        Format::Table => table(&report),
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        code: if report.ok { EXIT_OK } else { EXIT_PROBLEMS },
    })
}

fn check(session: &Session, scan: &Scan, today: Date, strict: bool) -> CheckReport {
    let display = &session.manifest.display;
    let text = &session.manifest.text;
    let mut problems = Vec::new();
    let manifest = match Manifest::parse(text) {
        Ok(manifest) => Some(manifest),
        Err(diagnostics) => {
            for diagnostic in diagnostics {
                problems.push(manifest_problem("manifest", display, &diagnostic));
            }
            None
        }
    };
    if let Some(manifest) = &manifest {
        check_manifest(manifest, display, today, scan, &mut problems);
        check_code(manifest, scan, &mut problems);
    }
    for finding in &scan.malformed {
        let help = if finding.message.starts_with("malformed variant!") {
            "write the flag's name in double quotes and the context: variant!(\"name\", &ctx); the compiler \
             rejects this one too"
        } else if finding.message.starts_with("malformed flag_value!") {
            "write one flag's name in double quotes, and optionally a context: flag_value!(\"name\") or \
             flag_value!(\"name\", &ctx); the compiler rejects this one too"
        } else {
            "write a flag name in double quotes (\"new_ui\"), or not(..), all(..), any(..) of such \
             expressions; the compiler rejects this one too"
        };
        problems.push(code_problem("malformed", finding, None, help));
    }
    for finding in &scan.unparsable {
        problems.push(code_problem(
            "unparsable",
            finding,
            None,
            "fix the syntax (the compiler rejects it too), or leave the file out with --exclude if it is \
             not Rust compiled by this workspace",
        ));
    }
    if strict {
        for problem in &mut problems {
            problem.severity = Severity::Error;
        }
    }
    CheckReport {
        ok: problems
            .iter()
            .all(|problem| problem.severity == Severity::Warning),
        today: today.to_string(),
        manifest: display.clone(),
        flags: manifest.as_ref().map_or(0, |manifest| manifest.flags.len()),
        files: scan.files,
        references: scan.references.len(),
        problems,
        other_manifests: session.other_manifests.clone(),
    }
}

fn check_manifest(
    manifest: &Manifest,
    display: &str,
    today: Date,
    scan: &Scan,
    problems: &mut Vec<Problem>,
) {
    // The defaults and every profile must resolve, as a build with that profile would.
    let mut seen = std::collections::HashSet::new();
    let profiles =
        std::iter::once(None).chain(manifest.profiles.iter().map(|p| Some(p.name.as_str())));
    for profile in profiles {
        if let Err(diagnostics) = flag_manifest::resolve(manifest, profile, None) {
            for diagnostic in diagnostics {
                if seen.insert(diagnostic.message.clone()) {
                    problems.push(manifest_problem("resolution", display, &diagnostic));
                }
            }
        }
    }
    let spans = TomlSpans::parse(&manifest.source);
    for flag in &manifest.flags {
        let at = |span: Option<std::ops::Range<usize>>| {
            line_column(&manifest.source, span.unwrap_or(flag.span.clone()).start)
        };
        if let Some(expires) = flag.expires
            && expires < today
        {
            let span = spans
                .as_ref()
                .and_then(|spans| spans.value_span(&["flags", &flag.name, "expires"]));
            let (line, column) = at(span);
            let owner = flag
                .owner
                .as_ref()
                .map(|owner| format!(", owner {owner}"))
                .unwrap_or_default();
            problems.push(Problem {
                severity: Severity::Error,
                kind: "expired",
                file: display.to_owned(),
                line: Some(line),
                column: Some(column),
                flag: Some(flag.name.clone()),
                message: format!("flag `{}` expired on {expires}{owner}", flag.name),
                help: Some(format!(
                    "remove it with {}, or move `expires` to a later date",
                    flag.remove_command("on|off")
                )),
                suggestion: None,
            });
        }
        if scan.references_to(&flag.name).next().is_none() {
            let (line, column) = at(None);
            problems.push(Problem {
                severity: Severity::Warning,
                kind: "unreferenced",
                file: display.to_owned(),
                line: Some(line),
                column: Some(column),
                flag: Some(flag.name.clone()),
                message: format!(
                    "flag `{}` is declared but no code references it",
                    flag.name
                ),
                help: Some(match &flag.values {
                    Some(values) => format!(
                        "read it with {}flag_value!(\"{1}\") or value_of, or retire it with {2}",
                        // A boolean value flag reads as on or off too.
                        if values.value_type == flag_manifest::ValueType::Boolean {
                            format!("flag!(\"{}\"), ", flag.name)
                        } else {
                            String::new()
                        },
                        flag.name,
                        flag.remove_command("off")
                    ),
                    None => format!(
                        "use it with #[feature_flag(\"{0}\")], flag!(\"{0}\") or the string API, or retire it \
                         with {1}",
                        flag.name,
                        flag.remove_command("off")
                    ),
                }),
                suggestion: None,
            });
        }
    }
}

fn check_code(manifest: &Manifest, scan: &Scan, problems: &mut Vec<Problem>) {
    for reference in &scan.references {
        if reference.expects_error {
            continue;
        }
        for (name, &(line, column)) in reference.names.iter().zip(&reference.name_positions) {
            if manifest.flag(name).is_some() {
                continue;
            }
            let suggestion = closest(name, manifest.flag_names()).map(str::to_owned);
            let message = match &suggestion {
                Some(close) => format!("unknown flag `{name}`; did you mean `{close}`?"),
                None => format!("unknown flag `{name}`: it is not declared in the manifest"),
            };
            problems.push(Problem {
                severity: Severity::Error,
                kind: "undeclared",
                file: reference.file.clone(),
                line: Some(line),
                column: Some(column),
                flag: Some((*name).to_owned()),
                message,
                help: Some(match &suggestion {
                    Some(close) => format!(
                        "write `\"{close}\"`, or declare `{name}` with a `[flags.{name}]` table"
                    ),
                    None => format!(
                        "declare it with a `[flags.{name}]` table in the manifest, or fix the name"
                    ),
                }),
                suggestion,
            });
        }
        if let Some(flag) = reference.single_flag().and_then(|name| manifest.flag(name)) {
            check_variants(flag, reference, problems);
        }
    }
}

/// What the build or the runtime refuses in a `variant!`, a `flag_value!` or a string-API call of a declared
/// flag.
fn check_variants(flag: &Flag, reference: &Reference, problems: &mut Vec<Problem>) {
    let name = &flag.name;
    let (line, column) = reference
        .name_positions
        .first()
        .copied()
        .unwrap_or((reference.line, reference.column));
    let mut problem = |kind: &'static str,
                       (line, column): (usize, usize),
                       message: String,
                       help: String,
                       suggestion: Option<String>| {
        problems.push(Problem {
            severity: Severity::Error,
            kind,
            file: reference.file.clone(),
            line: Some(line),
            column: Some(column),
            flag: Some(name.clone()),
            message,
            help: Some(help),
            suggestion,
        });
    };
    let variants = flag.targeting.variant_names();
    let no_variants = || {
        (
            format!("flag `{name}` has no variants"),
            format!(
                "declare some with `[[flags.{name}.variants]]` in the manifest, or read the flag with flag!"
            ),
        )
    };
    let changes_state = matches!(
        reference.function,
        Some(
            "set"
                | "reset"
                | "override_local"
                | "override_global"
                | "override_local_variant"
                | "override_global_variant"
        )
    ) || reference
        .function
        .is_some_and(|function| VALUE_CHOOSERS.contains(&function));
    let reads_value = reference.kind == RefKind::Value
        || reference
            .function
            .is_some_and(|function| VALUE_API.contains(&function));
    match reference.kind {
        RefKind::Variant if flag.mode == Mode::Static => problem(
            "variants",
            (line, column),
            format!(
                "flag `{name}` is static: variants are chosen at run time, so the flag must be `mode = \"dynamic\"`"
            ),
            format!(
                "make `{name}` dynamic and declare its variants, or read it with flag!(\"{name}\") instead"
            ),
            None,
        ),
        RefKind::Variant if variants.is_empty() => {
            let (message, help) = no_variants();
            problem("variants", (line, column), message, help, None);
        }
        _ if reads_value && flag.values.is_none() => problem(
            "values",
            (line, column),
            format!(
                "flag `{name}` is on or off, not a value flag: {} has no value to {}",
                reference.label(),
                if reference
                    .function
                    .is_some_and(|function| VALUE_CHOOSERS.contains(&function))
                {
                    "choose"
                } else {
                    "read"
                }
            ),
            format!(
                "read it with flag!(\"{name}\") or is_enabled, or give `[flags.{name}]` a `type` and `values`"
            ),
            None,
        ),
        RefKind::Call if changes_state && flag.mode == Mode::Static => problem(
            "static",
            (line, column),
            format!(
                "flag `{name}` is static: `{}` cannot change it at run time and returns an error",
                reference.function.unwrap_or("the call")
            ),
            format!(
                "make `{name}` `mode = \"dynamic\"`, or choose its state at build time (FEATURE_FLAGS=\"{name}=on\")"
            ),
            None,
        ),
        RefKind::Call if reference.value.is_some() => {
            // `set_value` with a literal: the flag's values decide, by the rule the runtime applies.
            let (Some(chosen), Some(values)) = (&reference.value, &flag.values) else {
                return;
            };
            if let Err(why) = values.choose(&chosen.name) {
                let suggestion = closest(&chosen.name, values.names()).map(str::to_owned);
                let help = match &suggestion {
                    Some(close) => {
                        format!("did you mean `{close}`? Write a value's name, or its value")
                    }
                    None => "write a value's name, or its value".to_owned(),
                };
                problem(
                    "values",
                    (chosen.line, chosen.column),
                    format!("flag `{name}`: {why}"),
                    help,
                    suggestion,
                );
            }
        }
        RefKind::Call => {
            let Some(variant) = &reference.variant else {
                return;
            };
            let at = (variant.line, variant.column);
            if variants.is_empty() {
                let (message, help) = no_variants();
                problem("variants", at, message, help, None);
            } else if !variants.contains(&variant.name.as_str()) {
                let suggestion =
                    closest(&variant.name, variants.iter().copied()).map(str::to_owned);
                let message = match &suggestion {
                    Some(close) => format!(
                        "flag `{name}` has no variant `{}`; did you mean `{close}`?",
                        variant.name
                    ),
                    None => format!("flag `{name}` has no variant `{}`", variant.name),
                };
                problem(
                    "variants",
                    at,
                    message,
                    format!("the variants of `{name}`: {}", variants.join(", ")),
                    suggestion,
                );
            }
        }
        _ => {}
    }
}

fn manifest_problem(
    kind: &'static str,
    display: &str,
    diagnostic: &flag_manifest::Diagnostic,
) -> Problem {
    let (line, column) = match &diagnostic.location {
        Location::Manifest { line, column, .. } => (Some(*line), Some(*column)),
        _ => (None, None),
    };
    Problem {
        severity: Severity::Error,
        kind,
        file: display.to_owned(),
        line,
        column,
        flag: None,
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        suggestion: None,
    }
}

fn code_problem(
    kind: &'static str,
    finding: &Finding,
    flag: Option<String>,
    help: &str,
) -> Problem {
    Problem {
        severity: Severity::Error,
        kind,
        file: finding.file.clone(),
        line: Some(finding.line),
        column: Some(finding.column),
        flag,
        message: finding.message.clone(),
        help: Some(help.to_owned()),
        suggestion: None,
    }
}

fn table(report: &CheckReport) -> String {
    let mut out = String::new();
    for problem in &report.problems {
        let severity = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match (problem.line, problem.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", problem.file),
            _ => problem.file.clone(),
        };
        let what = if problem.kind == "unparsable" {
            format!("cannot parse this file: {}", problem.message)
        } else {
            problem.message.clone()
        };
        out.push_str(&format!("{severity}: {place}: {what}\n"));
        if let Some(help) = &problem.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    let errors = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = report.problems.len() - errors;
    if !report.problems.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "check {}: {}, {} ({}, {} in {}; today is {})\n",
        if report.ok { "passed" } else { "failed" },
        output::count(errors, "error", "errors"),
        output::count(warnings, "warning", "warnings"),
        output::count(report.flags, "flag", "flags"),
        output::count(report.references, "reference", "references"),
        output::count(report.files, "file", "files"),
        report.today
    ));
    if !report.other_manifests.is_empty() {
        out.push_str("Left out: packages whose crates read another flags.toml (check them from their directory):\n");
        for (member, manifest) in &report.other_manifests {
            out.push_str(&format!("  {member} reads {manifest}\n"));
        }
    }
    out
}
