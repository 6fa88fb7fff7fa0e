//! A runtime flags file, and one flag's table as a fleet stores it: what each flag's table changes, key by
//! key, over the layers below it.

use std::ops::Range;

use toml::Spanned;

use crate::check::{
    build_requirement, flag_targeting, flag_values, metadata, static_targeting_error, to_date,
};
use crate::diagnostic::{Diagnostic, ParseError};
use crate::model::{Date, Mode, Requirement};
use crate::raw::{RawFlag, RawManifest, RawMode};
use crate::targeting::{Rule, Stickiness, Targeting, Variant};
use crate::value::{FlagValues, Value};

use super::{checked, deserialize};

/// One flag's entry in a runtime flags file: what it changes, key by key.
///
/// Each key replaces one part of the flag on its own, and a key the table leaves out leaves that part to the
/// layers below (the compiled-in manifest, or a file read before):
///
/// | key | replaces | when absent |
/// | --- | --- | --- |
/// | `default` | the flag's plain state | the state below |
/// | `rules` | every rule (`rules = []`: no rules, the plain state decides) | the rules below |
/// | `variants` | the flag-level variants | the variants below |
/// | `variant_stickiness` | what keeps a context on its variant | the stickiness below |
///
/// The other keys of a flag's table (`mode`, `description`, `owner`, `expires`, `requires`) are fixed when
/// the program is built: a file may repeat them, as in a copy of the manifest, but a runtime that finds a
/// different value refuses the entry (see [`FixedKeys`]).
///
/// ```
/// use flag_manifest::{Targeting, parse_flag_rules, parse_state_file};
///
/// let compiled = parse_flag_rules(r#"
/// [[rules]]
/// constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
/// [[variants]]
/// name = "control"
/// weight = 50
/// [[variants]]
/// name = "one_page"
/// weight = 50
/// "#).unwrap();
/// // A file that only changes the split keeps the rules.
/// let file = parse_state_file(r#"
/// [flags.checkout]
/// [[flags.checkout.variants]]
/// name = "control"
/// weight = 10
/// [[flags.checkout.variants]]
/// name = "one_page"
/// weight = 90
/// "#).unwrap();
/// let merged: Targeting = file[0].targeting_over(&compiled);
/// assert_eq!(merged.rules, compiled.rules);
/// assert_eq!(merged.variants[1].weight, 90);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    /// The flag's name.
    pub name: String,
    /// The state the file gives it: its `default` when that is `true` or `false`, else `None`.
    pub enabled: Option<bool>,
    /// For a value flag: the value its `default` chooses, as written (a value's name, or a literal such as
    /// `200` or `true`), checked against the flag's values by the one rule,
    /// [`FlagValues::choose`](crate::FlagValues::choose).
    pub value: Option<String>,
    /// For a value flag: its `enabled` key.
    pub value_enabled: Option<bool>,
    /// The rules the file gives it, replacing all of those below (`Some(vec![])` for `rules = []`).
    pub rules: Option<Vec<Rule>>,
    /// The flag-level variants the file gives it, replacing those below.
    pub variants: Option<Vec<Variant>>,
    /// The variant stickiness the file gives it.
    pub variant_stickiness: Option<Stickiness>,
    /// The keys fixed at build time that the table repeats.
    pub fixed: FixedKeys,
    /// The bytes of the name in the file, for diagnostics.
    pub span: Range<usize>,
}

impl FileState {
    /// Whether the table changes any part of the flag's targeting (rules, variants or their stickiness).
    pub fn changes_targeting(&self) -> bool {
        self.rules.is_some() || self.variants.is_some() || self.variant_stickiness.is_some()
    }

    /// The targeting that applies with this entry over `below`: each part the table gives replaces the
    /// same part of `below`, and the others are kept.
    pub fn targeting_over(&self, below: &Targeting) -> Targeting {
        Targeting {
            variant_stickiness: self
                .variant_stickiness
                .clone()
                .unwrap_or_else(|| below.variant_stickiness.clone()),
            rules: self.rules.clone().unwrap_or_else(|| below.rules.clone()),
            variants: self
                .variants
                .clone()
                .unwrap_or_else(|| below.variants.clone()),
        }
    }
}

/// The keys of a runtime file's flag table that only the build decides, as the table gives them (`None`
/// where it leaves a key out). A runtime compares them with what it was compiled with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FixedKeys {
    /// `mode`.
    pub mode: Option<Mode>,
    /// `description`.
    pub description: Option<String>,
    /// `owner`.
    pub owner: Option<String>,
    /// `expires`.
    pub expires: Option<Date>,
    /// `requires`, every entry.
    pub requires: Option<Vec<Requirement>>,
    /// `type`, `values` and `default`'s value, as a whole (a value flag's values are compiled in).
    pub values: Option<FlagValues>,
    /// `metadata`.
    pub metadata: Option<Vec<(String, Value)>>,
}

/// Parses a runtime flags file: the manifest's shape (`[flags.NAME]` tables with `default = true|false` and,
/// for dynamic flags, `rules`, `variants` and `variant_stickiness`), read by the runtime to change dynamic
/// flags while a program runs. Each key replaces its own part of the flag (see [`FileState`]). Targeting
/// gets every check the manifest applies; other keys of a flag's table are checked as in the manifest;
/// `[profiles]` and `[settings]` tables are refused, since they apply at build time.
///
/// ```
/// let states = flag_manifest::parse_state_file(r#"
/// [flags.fast_search]
/// default = true
/// [flags.other]
/// [[flags.other.rules]]
/// rollout = { percent = 10 }
/// "#).unwrap();
/// assert_eq!(states[0].name, "fast_search");
/// assert_eq!(states[0].enabled, Some(true));
/// assert!(!states[0].changes_targeting());
/// assert_eq!(states[1].enabled, None);
/// assert_eq!(states[1].rules.as_ref().unwrap()[0].rollout.as_ref().unwrap().percent, 10);
/// assert_eq!(states[1].variants, None, "the variants below are kept");
///
/// // A refused file: every problem at once, each with its line and column. The error is a
/// // `std::error::Error`: it becomes a `Box<dyn Error>` as `?` would make it.
/// let error = flag_manifest::parse_state_file(r#"
/// [flags.fast_search]
/// default = [true]
/// [flags.other]
/// [[flags.other.rules]]
/// rollout = { percent = 300 }
/// "#).unwrap_err();
/// let lines: Vec<usize> = error
///     .iter()
///     .map(|problem| match problem.location {
///         flag_manifest::Location::Manifest { line, .. } => line,
///         _ => 0,
///     })
///     .collect();
/// assert_eq!(lines, [3, 6], "{error}");
/// let error: Box<dyn std::error::Error> = error.into();
/// assert!(error.to_string().contains("between 0 and 100"), "{error}");
/// ```
pub fn parse_state_file(text: &str) -> Result<Vec<FileState>, ParseError> {
    let raw: RawManifest = deserialize(text)?;
    if let Some(profile) = raw.profiles.keys().next() {
        return Err(ParseError::new(vec![
            Diagnostic::in_manifest(
                text,
                profile.span(),
                "a runtime flags file cannot declare profiles",
            )
            .with_help("profiles are chosen at build time; set each flag's `default` here instead"),
        ]));
    }
    if let Some(settings) = &raw.settings {
        return Err(ParseError::new(vec![
            Diagnostic::in_manifest(
                text,
                settings.span(),
                "a runtime flags file cannot set `[settings]`",
            )
            .with_help("settings apply at build time: put them in the manifest"),
        ]));
    }
    let mut errors = Vec::new();
    let states = raw
        .flags
        .iter()
        .map(|(name, flag)| file_state(text, name.get_ref(), name.span(), flag, &mut errors))
        .collect();
    checked(states, errors)
}

/// Parses one flag's table on its own, as a fleet stores it under the flag's key: the keys of a
/// `[flags.NAME]` table (`default = true`, `[[rules]]`, `[[variants]]`, ...) at the top level, with the
/// same checks and the same meaning as in a runtime flags file (see [`FileState`]). Positions in the
/// diagnostics are in `text`.
///
/// ```
/// let state = flag_manifest::parse_flag_table("fast_search", "default = true\n").unwrap();
/// assert_eq!(state.enabled, Some(true));
/// assert!(!state.changes_targeting());
///
/// let state = flag_manifest::parse_flag_table(
///     "checkout",
///     "[[rules]]\nrollout = { percent = 30 }\n",
/// ).unwrap();
/// assert_eq!(state.rules.unwrap()[0].rollout.as_ref().unwrap().percent, 30);
///
/// // Refused: each problem renders with the place the table came from, here a fleet's key.
/// let error = flag_manifest::parse_flag_table("checkout", "default = maybe\n").unwrap_err();
/// assert_eq!(error.diagnostics()[0].message, "string values must be quoted, expected literal string");
/// assert_eq!(
///     error.diagnostics()[0].render(std::path::Path::new("/flags/checkout")),
///     "/flags/checkout:1:11: string values must be quoted, expected literal string",
/// );
/// ```
pub fn parse_flag_table(name: &str, text: &str) -> Result<FileState, ParseError> {
    let flag: RawFlag = deserialize(text)?;
    let mut errors = Vec::new();
    let state = file_state(text, name, 0..0, &flag, &mut errors);
    checked(state, errors)
}

/// One flag's table of a runtime file (or a fleet's key), checked: what it changes, key by key.
fn file_state(
    text: &str,
    name: &str,
    span: Range<usize>,
    flag: &RawFlag,
    errors: &mut Vec<Diagnostic>,
) -> FileState {
    let requires = (!flag.requires.is_empty()).then(|| {
        flag.requires
            .iter()
            .filter_map(|entry| build_requirement(text, entry, errors))
            .collect()
    });
    let mode = flag.mode.map(|mode| match mode {
        RawMode::Static => Mode::Static,
        RawMode::Dynamic => Mode::Dynamic,
    });
    let fixed = FixedKeys {
        mode,
        description: flag.description.clone(),
        owner: flag.owner.clone(),
        expires: flag
            .expires
            .as_ref()
            .and_then(|date| to_date(text, date, errors)),
        requires,
        values: None,
        metadata: flag
            .metadata
            .as_ref()
            .map(|entries| metadata(text, name, Some(entries), errors)),
    };
    let (enabled, value) = match flag.default.as_ref().map(Spanned::get_ref) {
        None => (None, None),
        Some(toml::Value::Boolean(on)) => (Some(*on), Some(on.to_string())),
        Some(toml::Value::String(name)) => (None, Some(name.clone())),
        Some(scalar @ (toml::Value::Integer(_) | toml::Value::Float(_))) => {
            (None, Some(scalar.to_string()))
        }
        Some(other) => {
            errors.push(Diagnostic::in_manifest(
                text,
                flag.default.as_ref().map_or(0..0, Spanned::span),
                format!(
                    "`default` of flag `{name}` is {}: write true or false, or a value's name",
                    crate::value::describe(other)
                ),
            ));
            (None, None)
        }
    };
    let mut fixed = fixed;
    if flag.value_type.is_some() {
        // The whole value declaration, checked as in the manifest; `default` and `enabled` stay changeable.
        fixed.values = flag_values(text, name, flag, span.clone(), errors).values;
        if let Some(values) = &mut fixed.values {
            values.default = None;
        }
    } else if let Some(values) = &flag.values {
        errors.push(Diagnostic::in_manifest(
            text,
            values.span(),
            format!("flag `{name}` has `values` without a `type`"),
        ));
    }
    let mut state = FileState {
        name: name.to_owned(),
        enabled,
        value,
        value_enabled: flag.enabled.as_ref().map(|on| *on.get_ref()),
        rules: None,
        variants: None,
        variant_stickiness: None,
        fixed,
        span: span.clone(),
    };
    let named = Spanned::new(span, name.to_owned());
    match (mode, flag.targeting_key(&named)) {
        (_, None) => {}
        (Some(Mode::Static), Some((key, key_span))) => {
            errors.push(static_targeting_error(text, name, key, key_span));
        }
        (_, Some(_)) => {
            let targeting = flag_targeting(text, flag, errors);
            state.rules = flag.rules.is_some().then_some(targeting.rules);
            state.variants = flag.variants.is_some().then_some(targeting.variants);
            state.variant_stickiness = flag
                .variant_stickiness
                .is_some()
                .then_some(targeting.variant_stickiness);
        }
    }
    state
}
