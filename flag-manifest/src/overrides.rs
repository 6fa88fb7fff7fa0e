//! The `FEATURE_FLAGS` syntax: `new_ui=on,legacy=off,beta_search,-old_export`.
//!
//! The same syntax is read at build time (by the macros) and at run time (by the runtime), so it is parsed
//! here once. This module checks only the syntax; whether a name is declared is the caller's business.

use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::discover::ENV_OVERRIDES;

/// One entry of an override list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The flag's name.
    pub name: String,
    /// The state asked for.
    pub enabled: bool,
    /// The bytes of the name in the parsed string.
    pub span: Range<usize>,
    /// For a value flag (see [`parse_overrides_with`]): the text after `=` (a value's name or a literal,
    /// for [`FlagValues::choose`](crate::FlagValues::choose)) and its bytes; `enabled` is then `true`.
    pub value: Option<(String, Range<usize>)>,
}

/// Parses an override list: comma-separated entries, each `name=value` (value `on`, `off`, `true`, `false`,
/// `1` or `0`, in any case), a bare `name` (on) or `-name` (off). Spaces around entries and empty entries are
/// ignored. Later entries win over earlier ones.
///
/// Returns the well-formed entries, and an error pointing into `value` (attributed to `FEATURE_FLAGS`) for
/// each malformed one: a build refuses the whole value, the runtime applies what it can.
///
/// ```
/// let (parsed, errors) = flag_manifest::parse_overrides("new_ui=on, -legacy ,beta=0,x=maybe");
/// let states: Vec<_> = parsed.iter().map(|o| (o.name.as_str(), o.enabled)).collect();
/// assert_eq!(states, [("new_ui", true), ("legacy", false), ("beta", false)]);
/// assert!(errors[0].message.contains("`maybe`"));
/// ```
pub fn parse_overrides(value: &str) -> (Vec<Override>, Vec<Diagnostic>) {
    parse_overrides_with(value, |_| false)
}

/// [`parse_overrides`], where `is_value_flag(name)` says which names take a value rather than a state:
/// their `name=text` keeps `text` as [`Override::value`] (`page_size=large`, `page_size=200`), which the
/// caller checks against the flag's values.
///
/// ```
/// let (parsed, errors) = flag_manifest::parse_overrides_with("page_size=large,new_ui=on", |name| name == "page_size");
/// assert!(errors.is_empty());
/// assert_eq!(parsed[0].value.as_ref().map(|(text, _)| text.as_str()), Some("large"));
/// assert_eq!(parsed[0].value.as_ref().map(|(_, span)| span.clone()), Some(10..15));
/// assert_eq!(parsed[1].value, None);
/// ```
pub fn parse_overrides_with(
    value: &str,
    is_value_flag: impl Fn(&str) -> bool,
) -> (Vec<Override>, Vec<Diagnostic>) {
    let mut overrides = Vec::new();
    let mut errors = Vec::new();
    let mut start = 0;
    for entry in value.split(',') {
        let entry_start = start;
        start += entry.len() + 1;
        let trimmed = entry.trim();
        if trimmed.is_empty() {
            continue;
        }
        let offset = entry_start + (entry.len() - entry.trim_start().len());
        let mut chosen = None;
        let (name, name_offset, enabled) = if let Some((name, state)) = trimmed.split_once('=') {
            let state_offset = offset + name.len() + 1 + (state.len() - state.trim_start().len());
            let state = state.trim();
            if is_value_flag(name.trim_end()) {
                chosen = Some((state.to_owned(), state_offset..state_offset + state.len()));
            }
            let enabled = if chosen.is_some() {
                true
            } else {
                match state.to_ascii_lowercase().as_str() {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    _ => {
                        errors.push(
                            Diagnostic::in_env(
                                ENV_OVERRIDES,
                                value,
                                state_offset..state_offset + state.len(),
                                format!("`{state}` is not a flag state"),
                            )
                            .with_help("use on, off, true, false, 1 or 0"),
                        );
                        continue;
                    }
                }
            };
            (name.trim_end(), offset, enabled)
        } else if let Some(name) = trimmed.strip_prefix('-') {
            (
                name.trim_start(),
                offset + 1 + (name.len() - name.trim_start().len()),
                false,
            )
        } else {
            (trimmed, offset, true)
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_name {
            errors.push(
                Diagnostic::in_env(
                    ENV_OVERRIDES,
                    value,
                    name_offset..name_offset + name.len(),
                    format!("`{}` is not a flag override", trimmed),
                )
                .with_help("write `name=on`, `name=off`, `name` or `-name`, separated by commas"),
            );
            continue;
        }
        overrides.push(Override {
            name: name.to_owned(),
            enabled,
            span: name_offset..name_offset + name.len(),
            value: chosen,
        });
    }
    (overrides, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(value: &str) -> Vec<(String, bool, Range<usize>)> {
        let (overrides, errors) = parse_overrides(value);
        assert!(errors.is_empty(), "{errors:?}");
        overrides
            .into_iter()
            .map(|o| (o.name, o.enabled, o.span))
            .collect()
    }

    #[test]
    fn every_form() {
        assert_eq!(
            states("a=on,b=OFF,c=true,d=False,e=1,f=0,g,-h"),
            [
                ("a".into(), true, 0..1),
                ("b".into(), false, 5..6),
                ("c".into(), true, 11..12),
                ("d".into(), false, 18..19),
                ("e".into(), true, 26..27),
                ("f".into(), false, 30..31),
                ("g".into(), true, 34..35),
                ("h".into(), false, 37..38),
            ]
        );
    }

    #[test]
    fn blanks_and_empty_entries_are_ignored() {
        assert_eq!(states(""), []);
        assert_eq!(states(" , ,"), []);
        assert_eq!(states("  a = off ,"), [("a".into(), false, 2..3)]);
        assert_eq!(states("- b"), [("b".into(), false, 2..3)]);
    }

    #[test]
    fn reports_every_bad_entry_with_its_place() {
        let (valid, errors) = parse_overrides("a=yes,=on,ok,b c");
        assert_eq!(valid.len(), 1);
        let spans: Vec<_> = errors
            .iter()
            .map(|e| match &e.location {
                crate::Location::Env { span, .. } => span.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(spans, [2..5, 6..6, 13..16]);
    }
}
