//! `cargo flags remove NAME [--keep on|off|VALUE] [--dry-run]`: retire a flag from the code and the manifest.
//!
//! What the code keeps comes first ([`kept`]): `on` or `off` for an on/off flag; for a value flag, one of its
//! values (its `default` one unless `--keep` names another), which replaces each `flag_value!` of it as a
//! Rust literal. Every `.rs` file of the workspace is parsed and rewritten ([`code`]), `flags.toml` is edited
//! ([`manifest`]), imports from the runtime left unused are dropped ([`imports`]). Everything is computed
//! first; if anything is refused (a file that does not parse, a flag other flags require with `--keep off`,
//! an on/off flag with variants or a `variant!` of it, a string-API call that cannot be deleted safely, a
//! shape that cannot be rewritten safely) nothing is written. The edited files must parse again, name the
//! flag nowhere (no `flag!`, `#[feature_flag]` or `flag_value!` of it left), and the edited manifest must
//! validate before anything is written. `--dry-run` prints a unified diff instead of writing; what to look
//! at afterwards is in [`notes`].

pub mod code;
pub mod imports;
pub mod kept;
pub mod manifest;
pub mod notes;

use std::path::PathBuf;

use flag_manifest::{Manifest, Mode, Value};
use serde::Serialize;

use crate::cli::Format;
use crate::commands::explain::unknown_flag;
use crate::output;
use crate::scan::{PackageCrates, RefKind};
use crate::syntax;
use crate::syntax::names::RuntimeCrates;
use crate::text::line_column;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome, Session};
use kept::Kept;

/// The JSON document of `remove`.
#[derive(Debug, Serialize)]
pub struct RemoveReport {
    /// The flag retired.
    pub flag: String,
    /// `on` or `off`: the state its code keeps; for a value flag, the name of the value it keeps.
    pub keep: String,
    /// For a value flag, the value its code keeps (a JSON object as its text).
    pub value: Option<Value>,
    /// For a value flag, the Rust literal that replaced each `flag_value!` of it.
    pub literal: Option<String>,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether the removal was done (or, in a dry run, would be): false when something was refused.
    pub ok: bool,
    /// Every edit, at positions of the files as they were.
    pub changes: Vec<Change>,
    /// What was refused; nothing is written when this is not empty.
    pub refused: Vec<Change>,
    /// What to look at after the removal.
    pub notes: Vec<String>,
    /// The files changed (or that would be).
    pub files: Vec<String>,
    /// The unified diff, in a dry run.
    pub diff: Option<String>,
}

/// One edit, or one refusal.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line in the file as it was.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was (or could not be) done.
    pub message: String,
}

struct FileState {
    path: PathBuf,
    display: String,
    old: String,
    new: String,
    /// The runtime's names in the file's package.
    crates: RuntimeCrates,
}

/// Runs `remove`; `keep` is `--keep` as given (see [`kept::choose`]).
pub fn run(
    session: &Session,
    name: &str,
    keep: Option<&str>,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let manifest = match session.parsed_manifest() {
        Ok(manifest) => manifest,
        Err(outcome) => return Ok(outcome),
    };
    let Some(flag) = manifest.flag(name) else {
        return Err(unknown_flag(&manifest, name, &session.manifest.display));
    };
    let kept = kept::choose(flag, keep, &manifest.source, &session.manifest.display)?;
    // The state `requires` and profiles see: an on/off flag's, a boolean value flag's value, else on.
    let on = kept.state().unwrap_or(true);
    let dynamic = flag.mode == Mode::Dynamic;
    let manifest_display = session.manifest.display.clone();
    let mut report = RemoveReport {
        flag: name.to_owned(),
        keep: kept.label(),
        value: kept.value().map(|kept| kept.value.clone()),
        literal: kept.value().map(|kept| kept.literal.clone()),
        dry_run,
        ok: true,
        changes: Vec::new(),
        refused: Vec::new(),
        notes: Vec::new(),
        files: Vec::new(),
        diff: None,
    };
    let at = |file: &str, text: &str, offset: usize, message: String| {
        let (line, column) = line_column(text, offset);
        Change {
            file: file.to_owned(),
            line,
            column,
            message,
        }
    };

    if !on {
        for dependent in manifest
            .flags
            .iter()
            .filter(|f| f.requires().contains(&name))
        {
            let offset = dependent
                .requirements
                .iter()
                .find(|r| r.enabled && r.flag == name)
                .map_or(dependent.span.start, |r| r.span.start);
            report.refused.push(at(
                &manifest_display,
                &manifest.source,
                offset,
                format!(
                    "flag `{0}` requires `{name}`: with `{name}` off for good, `{0}` could never be on. Retire \
                     it first (`cargo flags remove {0} --keep off`), or take `{name}` out of its `requires` if \
                     it no longer needs it, then rerun",
                    dependent.name
                ),
            ));
        }
    }

    // The code: every file, so that a file that does not parse cannot hide a reference.
    let mut files = Vec::new();
    let mut dropped_fallbacks = Vec::new();
    let mut dropped_contexts = Vec::new();
    let mut packages = PackageCrates::new(&session.workspace);
    for path in &session.files {
        let display = session.workspace.display(path);
        let crates = packages.for_file(path);
        let old = std::fs::read_to_string(path).map_err(|error| {
            CliError::new(format!("cannot read {display}: {error}"))
                .help("check the file's permissions, or leave it out with --exclude")
        })?;
        let rewritten = code::rewrite_kept(&old, name, &kept, dynamic, &crates);
        syntax::forget_spans();
        match rewritten {
            Ok(rewrite) => {
                for (offset, message) in rewrite.changes {
                    report.changes.push(at(&display, &old, offset, message));
                }
                for (offset, message) in rewrite.refusals {
                    report.refused.push(at(&display, &old, offset, message));
                }
                dropped_fallbacks.extend(rewrite.dropped_fallbacks);
                for offset in rewrite.dropped_contexts {
                    let (line, _) = line_column(&old, offset);
                    dropped_contexts.push(format!("{display}:{line}"));
                }
                files.push(FileState {
                    path: path.clone(),
                    display,
                    new: rewrite.text,
                    old,
                    crates,
                });
            }
            Err(failure) => report.refused.push(Change {
                file: display,
                line: failure.line,
                column: failure.column,
                message: format!(
                    "cannot parse this file ({}), so it may hide references to `{name}`: fix it, or leave it out \
                     with --exclude if it is not Rust compiled by this workspace, then rerun",
                    failure.message
                ),
            }),
        }
    }

    // The manifest.
    let edited = manifest::rewrite(&manifest, name, &kept);
    for (offset, message) in edited.changes {
        report
            .changes
            .push(at(&manifest_display, &manifest.source, offset, message));
    }
    for (offset, message) in edited.refusals {
        report
            .refused
            .push(at(&manifest_display, &manifest.source, offset, message));
    }

    if report.refused.is_empty() {
        finish(
            &mut report,
            &mut files,
            &edited.text,
            &manifest_display,
            name,
            &kept,
        );
    }
    report.ok = report.refused.is_empty();
    if report.ok {
        let texts: Vec<(&str, &str)> = files
            .iter()
            .map(|file| (file.display.as_str(), file.new.as_str()))
            .collect();
        let dropped = notes::Dropped {
            fallbacks: &dropped_fallbacks,
            contexts: &dropped_contexts,
        };
        notes::notes(&mut report, &texts, &manifest, name, &kept, &dropped);
    }

    let mut changed: Vec<&FileState> = files
        .iter()
        .filter(|file| report.ok && file.old != file.new)
        .collect();
    changed.sort_by(|a, b| a.display.cmp(&b.display));
    let manifest_changed = report.ok && edited.text != manifest.source;
    report.files = changed.iter().map(|file| file.display.clone()).collect();
    if manifest_changed {
        report.files.push(manifest_display.clone());
    }

    if report.ok && dry_run {
        let mut diff = String::new();
        for file in &changed {
            diff.push_str(&unified_diff(&file.display, &file.old, &file.new));
        }
        if manifest_changed {
            diff.push_str(&unified_diff(
                &manifest_display,
                &manifest.source,
                &edited.text,
            ));
        }
        report.diff = Some(diff);
    } else if report.ok {
        for file in &changed {
            write(&file.path, &file.display, &file.new)?;
        }
        if manifest_changed {
            write(&session.manifest.path, &manifest_display, &edited.text)?;
        }
    }

    let code = if report.ok { EXIT_OK } else { EXIT_PROBLEMS };
    let (stdout, stderr) = match session.format {
        Format::Json => (output::json(&report), String::new()),
        Format::Table if !report.ok => (String::new(), refusal_text(&report)),
        Format::Table if dry_run => (report.diff.clone().unwrap_or_default(), summary(&report)),
        Format::Table => (summary(&report), String::new()),
    };
    Ok(Outcome {
        stdout,
        stderr,
        code,
    })
}

/// Drops imports left unused and checks that every edited file still parses and the manifest validates.
fn finish(
    report: &mut RemoveReport,
    files: &mut [FileState],
    manifest_text: &str,
    manifest_display: &str,
    name: &str,
    kept: &Kept,
) {
    for file in files.iter_mut().filter(|file| file.old != file.new) {
        if let Some((cleaned, changes)) = imports::clean(&file.new) {
            for (offset, message) in changes {
                // Positions in the edited text: reported at the line it has there.
                let (line, column) = line_column(&file.new, offset);
                report.changes.push(Change {
                    file: file.display.clone(),
                    line,
                    column,
                    message,
                });
            }
            file.new = cleaned;
        }
        if let Err(failure) = syntax::parse_file(&file.new) {
            report.refused.push(Change {
                file: file.display.clone(),
                line: failure.line,
                column: failure.column,
                message: format!(
                    "the rewritten file would not parse ({}): this is a bug in cargo flags; please report it \
                     with this file, and retire `{name}` here by hand",
                    failure.message
                ),
            });
        }
        syntax::forget_spans();
    }
    // Every reference must be gone: scan the result as `check` would.
    for file in files.iter() {
        report.refused.extend(leftovers(
            &file.display,
            &file.new,
            &file.crates,
            name,
            kept,
        ));
    }
    match Manifest::parse(manifest_text) {
        Ok(edited) if edited.flag(name).is_none() => {}
        Ok(_) => report.refused.push(Change {
            file: manifest_display.to_owned(),
            line: 1,
            column: 1,
            message: format!(
                "`{name}` is still declared after the edit: this is a bug in cargo flags; please report it, and \
                 retire `{name}` from the manifest by hand"
            ),
        }),
        Err(diagnostics) => {
            for diagnostic in diagnostics {
                let (line, column) = match diagnostic.location {
                    flag_manifest::Location::Manifest { line, column, .. } => (line, column),
                    _ => (1, 1),
                };
                report.refused.push(Change {
                    file: manifest_display.to_owned(),
                    line,
                    column,
                    message: format!(
                        "once `{name}` is removed the manifest would not validate ({}; the position is in the \
                         edited manifest): it names `{name}` in a form cargo flags does not edit. Remove that \
                         mention by hand (keeping the code {}), then rerun",
                        diagnostic.message,
                        kept.label()
                    ),
                });
            }
        }
    }
    report
        .changes
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

/// A refusal for each reference to `name` that the scan (as `check` runs it) still finds in `text`, the
/// rewritten file shown as `display`: a `flag_value!` of it too, whose refusal says which literal to write.
fn leftovers(
    display: &str,
    text: &str,
    crates: &RuntimeCrates,
    name: &str,
    kept: &Kept,
) -> Vec<Change> {
    let mut scan = crate::scan::Scan::default();
    crate::scan::scan_text_with(display, text, crates, &mut scan);
    syntax::forget_spans();
    scan.references_to(name)
        .map(|reference| {
            let what = match (reference.kind, kept.value()) {
                (RefKind::Value, Some(value)) => {
                    format!("replace it with `{}` by hand", value.literal)
                }
                _ => "retire the flag here by hand".to_owned(),
            };
            Change {
                file: display.to_owned(),
                line: reference.line,
                column: reference.column,
                message: format!(
                    "{} would still name `{name}` after the rewrite (the position is in the rewritten file): \
                     cargo flags cannot rewrite this shape; {what}, then rerun",
                    reference.text
                ),
            }
        })
        .collect()
}

fn unified_diff(display: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{display}"), &format!("b/{display}"))
        .to_string()
}

fn write(path: &std::path::Path, display: &str, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|error| {
        CliError::new(format!("cannot write {display}: {error}")).help(
            "check the file's permissions; files written before this one are already changed (see `git diff`)",
        )
    })
}

fn refusal_text(report: &RemoveReport) -> String {
    let mut out = String::new();
    for refusal in &report.refused {
        out.push_str(&format!(
            "error: {}:{}:{}: {}\n",
            refusal.file, refusal.line, refusal.column, refusal.message
        ));
    }
    out.push_str(&format!(
        "error: `{}` was not removed: nothing was changed; fix what is listed above, then rerun\n",
        report.flag
    ));
    out
}

fn summary(report: &RemoveReport) -> String {
    let kept = match &report.literal {
        Some(literal) => format!("its value `{}` (`{literal}`) in the code", report.keep),
        None => format!("its code {}", report.keep),
    };
    let mut out = format!(
        "{} {}flag `{}`, keeping {kept}:\n",
        if report.dry_run {
            "Would retire"
        } else {
            "Retired"
        },
        if report.literal.is_some() {
            "value "
        } else {
            ""
        },
        report.flag,
    );
    for change in &report.changes {
        out.push_str(&format!(
            "  {}:{}:{}: {}\n",
            change.file, change.line, change.column, change.message
        ));
    }
    if !report.notes.is_empty() {
        out.push_str("Notes:\n");
        for note in &report.notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    out.push_str(&format!(
        "{} {}.{}\n",
        if report.dry_run {
            "Would change"
        } else {
            "Changed"
        },
        output::count(report.files.len(), "file", "files"),
        if report.dry_run {
            " Nothing was written: rerun without --dry-run to apply."
        } else {
            " Next: `cargo check`, then review the diff."
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remove::kept::{KeptValue, rust_literal};

    /// The final check reports each `flag_value!` left once: the scan counts it, in code, under an
    /// imported name and in a `macro_rules!` body.
    #[test]
    fn leftover_value_calls_are_refused_once_each() {
        let text = "use flag_runtime::flag_value as fv;\n\
                    const A: i64 = flag_value!(\"x\");\n\
                    fn f() -> i64 { fv!(\"x\") + flag_value!(\"y\") }\n\
                    macro_rules! m {\n    ($c:expr) => { flag_runtime::flag_value!(\"x\", $c) };\n}\n";
        let value = flag_manifest::Value::Integer(-1);
        let kept = Kept::Value(KeptValue {
            name: "unlimited".to_owned(),
            value_type: flag_manifest::ValueType::Integer,
            literal: rust_literal(&value),
            value,
        });
        let found: Vec<String> = leftovers("a.rs", text, &RuntimeCrates::default(), "x", &kept)
            .iter()
            .map(|change| format!("{}:{} {}", change.line, change.column, change.message))
            .collect();
        let end = "would still name `x` after the rewrite (the position is in the rewritten file): cargo flags \
                   cannot rewrite this shape; replace it with `-1_i64` by hand, then rerun";
        assert_eq!(
            found,
            [
                format!("2:16 flag_value!(\"x\") {end}"),
                format!("3:17 fv!(\"x\") {end}"),
                format!("5:20 flag_runtime::flag_value!(\"x\", $c) {end}"),
            ]
        );
    }
}
