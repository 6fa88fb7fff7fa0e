//! What to look at once a flag is retired, reported as notes: a fallback no longer called, the flag's name
//! left in a string, profiles that chose another state or value, `requires` no longer checked, run-time
//! settings of a dynamic flag, contexts no longer read. Computed from the rewritten text, after the edits.

use flag_manifest::{Manifest, Mode};

use super::RemoveReport;
use super::kept::Kept;
use crate::output;
use crate::syntax;

/// What a rewrite dropped that may leave something unused.
pub struct Dropped<'a> {
    /// The `fallback = path` arguments dropped: the path as written, and the name of the fn it ends with.
    pub fallbacks: &'a [(String, String)],
    /// Where a `flag_value!(.., ctx)` whose context went stood (`file:line`).
    pub contexts: &'a [String],
}

/// Adds to `report` what to look at once `name` is retired keeping `kept`: `files` are the workspace's
/// `.rs` files (as shown, and their new text), `manifest` the manifest before the edit.
pub fn notes(
    report: &mut RemoveReport,
    files: &[(&str, &str)],
    manifest: &Manifest,
    name: &str,
    kept: &Kept,
    dropped: &Dropped<'_>,
) {
    let Some(flag) = manifest.flag(name) else {
        return;
    };
    let on = kept.state().unwrap_or(true);
    if report
        .changes
        .iter()
        .all(|change| !change.file.ends_with(".rs"))
    {
        report.notes.push(format!(
            "no code referenced `{name}`: only the manifest changes"
        ));
    }
    // Fallbacks no other code calls.
    let mut seen = std::collections::BTreeSet::new();
    for (path, fn_name) in dropped.fallbacks {
        if !seen.insert(fn_name.clone()) {
            continue;
        }
        let mut uses = 0;
        let mut definition = None;
        for (display, text) in files {
            let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
                continue;
            };
            count_ident(tokens, fn_name, &mut uses, &mut definition, display);
        }
        syntax::forget_spans();
        if uses == 0 {
            let place = definition
                .map(|(file, line)| format!(" ({file}:{line})"))
                .unwrap_or_default();
            report.notes.push(format!(
                "fallback `{path}`{place} is no longer called: delete it if nothing else needs it"
            ));
        }
    }
    // The name left as a string literal: the runtime API, tests.
    for (display, text) in files {
        let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
            continue;
        };
        let mut lines = Vec::new();
        string_mentions(tokens, &format!("{name:?}"), &mut lines);
        syntax::forget_spans();
        if !lines.is_empty() {
            lines.sort_unstable();
            lines.dedup();
            let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
            report.notes.push(format!(
                "{} still has the string \"{name}\" ({} {}): not a reference cargo flags recognises, so it was \
                 left alone (a name passed to the string API through a variable, an expected error?); `{name}` \
                 is no longer a flag, so update it",
                display,
                if lines.len() == 1 { "line" } else { "lines" },
                lines.join(", ")
            ));
        }
    }
    if on && !flag.requires().is_empty() {
        report.notes.push(format!(
            "`{name}` required {}: its code is now always compiled in, so keep {} on (nothing checks it any more)",
            flag.requires().iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "),
            if flag.requires().len() == 1 { "it" } else { "them" }
        ));
    }
    for profile in &manifest.profiles {
        if let (Some(values), Some(kept)) = (&flag.values, kept.value())
            && let Some(chosen) = profile
                .values
                .iter()
                .find(|(flag, _)| flag == name)
                .and_then(|(_, index)| values.values.get(*index))
            && chosen.name != kept.name
        {
            report.notes.push(format!(
                "profile `{}` chose `{}` for `{name}`; it is now `{}` there too",
                profile.name, chosen.name, kept.name
            ));
            continue;
        }
        if flag.values.is_none()
            && let Some(state) = profile.state(name)
            && state != on
        {
            report.notes.push(format!(
                "profile `{}` turned `{name}` {}; it is now {} there too",
                profile.name,
                output::state(state),
                output::state(on)
            ));
        }
    }
    if flag.mode == Mode::Dynamic {
        report.notes.push(format!(
            "`{name}` was dynamic: run-time settings of it outside the code (flags files, FEATURE_FLAGS at run \
             time, names computed at run time) now name an unknown flag; remove them"
        ));
    }
    if !dropped.contexts.is_empty() {
        report.notes.push(format!(
            "the value no longer depends on the context of `flag_value!(\"{name}\", ctx)` ({}): a variable or \
             parameter that only fed it is now unused, and `cargo check` will say so",
            dropped.contexts.join(", ")
        ));
    }
}

fn count_ident(
    tokens: proc_macro2::TokenStream,
    name: &str,
    uses: &mut usize,
    definition: &mut Option<(String, usize)>,
    file: &str,
) {
    let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            proc_macro2::TokenTree::Group(group) => {
                count_ident(group.stream(), name, uses, definition, file)
            }
            proc_macro2::TokenTree::Ident(ident) if ident == name => {
                let defined = i >= 1
                    && matches!(&tokens[i - 1], proc_macro2::TokenTree::Ident(kw) if kw == "fn");
                if defined {
                    definition.get_or_insert_with(|| (file.to_owned(), ident.span().start().line));
                } else {
                    *uses += 1;
                }
            }
            _ => {}
        }
    }
}

/// The lines of the string literals of `tokens` equal to `quoted`.
fn string_mentions(tokens: proc_macro2::TokenStream, quoted: &str, lines: &mut Vec<usize>) {
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Group(group) => string_mentions(group.stream(), quoted, lines),
            proc_macro2::TokenTree::Literal(literal) if literal.to_string() == quoted => {
                lines.push(literal.span().start().line);
            }
            _ => {}
        }
    }
}
