//! From `flags.toml` text to a validated [`Manifest`].
//!
//! Deserialisation (serde + toml, with `deny_unknown_fields`) catches syntax errors, unknown keys and wrong
//! types; the checks after it catch what a schema cannot: names that are not snake_case, references to
//! undeclared flags, cycles in `requires`, and targeting (rules, variants) on a static flag or with values
//! that do not fit their operator (see [`crate::targeting`]). Every check runs and every problem is reported.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::model::{Date, ExpiredPolicy, Flag, Manifest, Mode, Profile, Settings};
use crate::suggest::did_you_mean;
use crate::targeting::{
    RawRule, RawVariant, Requirement, Rule, Stickiness, Targeting, Variant, build_requirement,
    build_targeting, has_targeting,
};

// The types below are what the manifest deserialises into. With the `schema` feature they also derive the
// JSON Schema of the manifest (see `crate::schema`): their doc comments are what an editor shows, so they
// speak to the manifest's authors.

/// A `flags.toml`: the workspace's feature flags, declared once and read by the flag macros, the runtime and
/// `cargo flags`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "flags.toml"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawManifest {
    /// The flags, one `[flags.NAME]` table each. NAME is lowercase snake_case: a lowercase letter, then
    /// lowercase letters, digits and `_`.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::schema::NamedTables<RawFlag>")
    )]
    flags: BTreeMap<Spanned<String>, RawFlag>,
    /// Named sets of flag states, one `[profiles.NAME]` table each, chosen at build time with
    /// `FEATURE_FLAGS_PROFILE=NAME`.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::schema::NamedTables<crate::schema::Profile>")
    )]
    profiles: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, bool>>,
    /// Choices that apply to the whole manifest.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawSettings>"))]
    settings: Option<Spanned<RawSettings>>,
}

/// One `[flags.NAME]` table: a flag, off by default, decided at build time unless `mode = "dynamic"`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(rename = "Flag", transform = crate::schema::flag_rules)
)]
#[serde(deny_unknown_fields)]
struct RawFlag {
    /// What the flag hides, for people and for introspection.
    description: Option<String>,
    /// The flag's state when no profile or override says otherwise (`false` when absent).
    #[cfg_attr(feature = "schema", schemars(extend("default" = false)))]
    default: Option<bool>,
    /// Decided at build time (`static`, the default) or at run time (`dynamic`).
    #[cfg_attr(feature = "schema", schemars(extend("default" = "static")))]
    mode: Option<RawMode>,
    /// The team or person to ask about the flag.
    owner: Option<String>,
    /// The date after which the flag should be gone from the code, a bare TOML date such as `2027-03-01`.
    /// Past it, each use of the flag warns (or fails, with `[settings] expired = "error"`).
    #[cfg_attr(feature = "schema", schemars(with = "Option<crate::schema::Date>"))]
    expires: Option<Spanned<toml::value::Datetime>>,
    /// Flags that must be on wherever this one is on: names, or (on a dynamic flag) tables such as
    /// `{ flag = "legacy", enabled = false }` or `{ flag = "checkout", variants = ["one_page"] }`.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::Requirements"))]
    requires: Vec<Spanned<toml::Value>>,
    /// When any rule matches a context, the flag is on for it (dynamic flags only).
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<RawRule>>"))]
    rules: Option<Vec<Spanned<RawRule>>>,
    /// Weighted variants, chosen per context where the flag is on (dynamic flags only).
    #[cfg_attr(feature = "schema", schemars(with = "Option<crate::schema::Variants>"))]
    variants: Option<Vec<Spanned<RawVariant>>>,
    /// What keeps a context on the same variant: `default`, `user_id`, `session_id`, `random` or another
    /// context field or property (dynamic flags only).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::schema::Stickiness>")
    )]
    variant_stickiness: Option<Spanned<String>>,
}

impl RawFlag {
    /// Where the table first says something about targeting, if it does (`name`: the flag's name, pointed
    /// at when the key holds an empty list).
    fn targeting_key(&self, name: &Spanned<String>) -> Option<(&'static str, Range<usize>)> {
        has_targeting(
            self.variant_stickiness.as_ref(),
            self.rules.as_ref(),
            self.variants.as_ref(),
            name.span(),
        )
    }

    fn targeting(&self, text: &str, errors: &mut Vec<Diagnostic>) -> Targeting {
        build_targeting(
            text,
            self.variant_stickiness.as_ref(),
            self.rules.as_deref().unwrap_or_default(),
            self.variants.as_deref().unwrap_or_default(),
            errors,
        )
    }
}

/// The `[settings]` table: choices that apply to the whole manifest.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Settings"))]
#[serde(deny_unknown_fields)]
struct RawSettings {
    /// What a build does with a flag whose `expires` date has passed.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("default" = "warn")))]
    expired: RawExpired,
}

/// What a build does with a flag past its `expires` date.
#[derive(Deserialize, Default, Clone, Copy)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ExpiredPolicy"))]
#[serde(rename_all = "lowercase")]
enum RawExpired {
    /// A compiler warning at each use of the flag (the default).
    #[default]
    Warn,
    /// A compile error at each use of the flag.
    Error,
}

/// How a flag is decided.
#[derive(Deserialize, Default, Clone, Copy)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Mode"))]
#[serde(rename_all = "lowercase")]
enum RawMode {
    /// Decided at build time: code behind a disabled flag is compiled out, like `#[cfg]` (the default).
    #[default]
    Static,
    /// Decided at run time: the manifest's state is the compiled-in default, and the flag may have rules
    /// and variants.
    Dynamic,
}

impl Manifest {
    /// Parses and validates the text of a `flags.toml`.
    ///
    /// On failure, returns every problem found (at least one), each pointing at its place in `text`.
    ///
    /// ```
    /// use flag_manifest::Manifest;
    ///
    /// let errors = Manifest::parse(r#"
    /// [flags.new_ui]
    /// requires = ["new_apj"]
    /// [flags.new_api]
    /// "#).unwrap_err();
    /// assert_eq!(errors[0].message, "flag `new_ui` requires `new_apj`, which is not declared; did you mean `new_api`?");
    /// ```
    pub fn parse(text: &str) -> Result<Manifest, Vec<Diagnostic>> {
        let raw: RawManifest = toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            vec![Diagnostic::in_manifest(text, span, toml_message(&error))]
        })?;
        let mut errors = Vec::new();

        let declared: Vec<&str> = raw
            .flags
            .keys()
            .map(|name| name.get_ref().as_str())
            .collect();
        let mut flags = Vec::with_capacity(raw.flags.len());
        for (name, raw_flag) in &raw.flags {
            let span = name.span();
            check_name(text, "flag", name.get_ref(), span.clone(), &mut errors);
            let expires = raw_flag
                .expires
                .as_ref()
                .and_then(|date| to_date(text, date, &mut errors));
            let mode = match raw_flag.mode.unwrap_or_default() {
                RawMode::Static => Mode::Static,
                RawMode::Dynamic => Mode::Dynamic,
            };
            let mut requirements: Vec<Requirement> = Vec::new();
            for entry in &raw_flag.requires {
                let Some(requirement) = build_requirement(text, entry, &mut errors) else {
                    continue;
                };
                let required_name = &requirement.flag;
                if required_name == name.get_ref() {
                    errors.push(Diagnostic::in_manifest(
                        text,
                        requirement.span,
                        format!("flag `{required_name}` requires itself"),
                    ));
                } else if !declared.contains(&required_name.as_str()) {
                    errors.push(Diagnostic::in_manifest(
                        text,
                        requirement.span,
                        format!(
                            "flag `{}` requires `{required_name}`, which is not declared{}",
                            name.get_ref(),
                            did_you_mean(required_name, declared.iter().copied())
                        ),
                    ));
                } else if requirements.iter().any(|seen| seen.flag == *required_name) {
                    errors.push(Diagnostic::in_manifest(
                        text,
                        requirement.span,
                        format!("`{required_name}` is listed twice in `requires`"),
                    ));
                } else if mode == Mode::Static
                    && (!requirement.enabled || !requirement.variants.is_empty())
                {
                    errors.push(
                        Diagnostic::in_manifest(
                            text,
                            requirement.span,
                            format!(
                                "flag `{}` is static, so it can only require other flags on",
                                name.get_ref()
                            ),
                        )
                        .with_help(format!(
                            "needing a flag off or on with a variant is decided at run time: set `mode = \"dynamic\"` in `[flags.{}]`",
                            name.get_ref()
                        )),
                    );
                } else {
                    requirements.push(requirement);
                }
            }
            let (requires, requires_spans) = requirements
                .iter()
                .filter(|requirement| requirement.enabled)
                .map(|requirement| (requirement.flag.clone(), requirement.span.clone()))
                .unzip();
            let targeting = match (mode, raw_flag.targeting_key(name)) {
                (Mode::Static, Some((key, key_span))) => {
                    errors.push(static_targeting_error(text, name.get_ref(), key, key_span));
                    Targeting::default()
                }
                _ => raw_flag.targeting(text, &mut errors),
            };
            flags.push(Flag {
                name: name.get_ref().clone(),
                description: raw_flag.description.clone(),
                default: raw_flag.default.unwrap_or(false),
                mode,
                owner: raw_flag.owner.clone(),
                expires,
                requires,
                span,
                requires_spans,
                requirements,
                targeting,
            });
        }

        let mut profiles = Vec::with_capacity(raw.profiles.len());
        for (name, states) in &raw.profiles {
            check_name(text, "profile", name.get_ref(), name.span(), &mut errors);
            let mut profile = Profile {
                name: name.get_ref().clone(),
                states: Vec::with_capacity(states.len()),
                state_spans: Vec::with_capacity(states.len()),
                span: name.span(),
            };
            for (flag, &on) in states {
                if declared.contains(&flag.get_ref().as_str()) {
                    profile.states.push((flag.get_ref().clone(), on));
                    profile.state_spans.push(flag.span());
                } else {
                    errors.push(Diagnostic::in_manifest(
                        text,
                        flag.span(),
                        format!(
                            "profile `{}` sets `{}`, which is not a declared flag{}",
                            name.get_ref(),
                            flag.get_ref(),
                            did_you_mean(flag.get_ref(), declared.iter().copied())
                        ),
                    ));
                }
            }
            profiles.push(profile);
        }

        let settings = Settings {
            expired: match raw
                .settings
                .as_ref()
                .map(|settings| settings.get_ref().expired)
            {
                Some(RawExpired::Error) => ExpiredPolicy::Error,
                Some(RawExpired::Warn) | None => ExpiredPolicy::Warn,
            },
        };
        let manifest = Manifest {
            flags,
            profiles,
            settings,
            source: text.to_owned(),
        };
        check_required_variants(text, &manifest, &mut errors);
        check_cycles(text, &manifest, &mut errors);
        if errors.is_empty() {
            Ok(manifest)
        } else {
            Err(errors)
        }
    }
}

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
    /// The state the file gives it: its `default`, or `None` when the table has no `default`.
    pub enabled: Option<bool>,
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
/// ```
pub fn parse_state_file(text: &str) -> Result<Vec<FileState>, Vec<Diagnostic>> {
    let raw: RawManifest = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        vec![Diagnostic::in_manifest(text, span, toml_message(&error))]
    })?;
    if let Some(profile) = raw.profiles.keys().next() {
        return Err(vec![
            Diagnostic::in_manifest(
                text,
                profile.span(),
                "a runtime flags file cannot declare profiles",
            )
            .with_help("profiles are chosen at build time; set each flag's `default` here instead"),
        ]);
    }
    if let Some(settings) = &raw.settings {
        return Err(vec![
            Diagnostic::in_manifest(
                text,
                settings.span(),
                "a runtime flags file cannot set `[settings]`",
            )
            .with_help("settings apply at build time: put them in the manifest"),
        ]);
    }
    let mut errors = Vec::new();
    let states = raw
        .flags
        .iter()
        .map(|(name, flag)| file_state(text, name.get_ref(), name.span(), flag, &mut errors))
        .collect();
    if errors.is_empty() {
        Ok(states)
    } else {
        Err(errors)
    }
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
/// let errors = flag_manifest::parse_flag_table("checkout", "default = maybe\n").unwrap_err();
/// assert_eq!(errors[0].message, "string values must be quoted, expected literal string");
/// ```
pub fn parse_flag_table(name: &str, text: &str) -> Result<FileState, Vec<Diagnostic>> {
    let flag: RawFlag = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        vec![Diagnostic::in_manifest(text, span, toml_message(&error))]
    })?;
    let mut errors = Vec::new();
    let state = file_state(text, name, 0..0, &flag, &mut errors);
    if errors.is_empty() {
        Ok(state)
    } else {
        Err(errors)
    }
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
    };
    let mut state = FileState {
        name: name.to_owned(),
        enabled: flag.default,
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
            let targeting = flag.targeting(text, errors);
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

fn static_targeting_error(text: &str, flag: &str, key: &str, span: Range<usize>) -> Diagnostic {
    Diagnostic::in_manifest(
        text,
        span,
        format!("flag `{flag}` has `{key}`, but only a dynamic flag is decided per context"),
    )
    .with_help(format!(
        "set `mode = \"dynamic\"` in `[flags.{flag}]`, or remove its `{key}`"
    ))
}

/// Every variant named by a `requires` entry must be one the required flag can yield.
fn check_required_variants(text: &str, manifest: &Manifest, errors: &mut Vec<Diagnostic>) {
    for flag in &manifest.flags {
        for requirement in &flag.requirements {
            let Some(required) = manifest.flag(&requirement.flag) else {
                continue;
            };
            let known = required.targeting.variant_names();
            for wanted in &requirement.variants {
                if known.contains(&wanted.as_str()) {
                    continue;
                }
                let message = if known.is_empty() {
                    format!(
                        "flag `{}` requires variant `{wanted}` of `{}`, which has no variants",
                        flag.name, required.name
                    )
                } else {
                    format!(
                        "flag `{}` requires variant `{wanted}` of `{}`, which has no such variant{}",
                        flag.name,
                        required.name,
                        did_you_mean(wanted, known.iter().copied())
                    )
                };
                errors.push(Diagnostic::in_manifest(
                    text,
                    requirement.span.clone(),
                    message,
                ));
            }
        }
    }
}

/// toml's message, which sometimes spans several lines with a snippet of the file: keep the first line,
/// since the caller adds the position itself.
pub(crate) fn toml_message(error: &toml::de::Error) -> String {
    let message = error.message().trim();
    message.lines().next().unwrap_or(message).to_owned()
}

/// Flag, profile and variant names are lowercase snake_case, so that they read the same in code, in the
/// manifest and in `FEATURE_FLAGS`.
pub(crate) fn check_name(
    text: &str,
    what: &str,
    name: &str,
    span: Range<usize>,
    errors: &mut Vec<Diagnostic>,
) {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        let mut diagnostic = Diagnostic::in_manifest(
            text,
            span,
            format!(
                "{what} name `{name}` is not lowercase snake_case (a lowercase letter, then lowercase letters, digits and `_`)"
            ),
        );
        let suggestion = to_snake_case(name);
        if !suggestion.is_empty() && suggestion != name {
            diagnostic = diagnostic.with_help(format!("rename it `{suggestion}`"));
        }
        errors.push(diagnostic);
    }
}

fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let trimmed = out
        .trim_matches('_')
        .trim_start_matches(|c: char| c.is_ascii_digit());
    trimmed.trim_start_matches('_').to_owned()
}

fn to_date(
    text: &str,
    value: &Spanned<toml::value::Datetime>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Date> {
    let datetime = value.get_ref();
    match (datetime.date, datetime.time, datetime.offset) {
        (Some(date), None, None) => Some(Date {
            year: date.year,
            month: date.month,
            day: date.day,
        }),
        _ => {
            errors.push(
                Diagnostic::in_manifest(
                    text,
                    value.span(),
                    format!("`expires` must be a date without a time, found `{datetime}`"),
                )
                .with_help("write a bare TOML date, such as `expires = 2027-03-01`"),
            );
            None
        }
    }
}

/// Reports each cycle in `requires` once, as the chain of names that closes it.
fn check_cycles(text: &str, manifest: &Manifest, errors: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        manifest: &Manifest,
        index: usize,
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        marks[index] = Mark::OnPath;
        path.push(index);
        for requirement in &manifest.flags[index].requirements {
            let Some(next) = manifest.flag_index(&requirement.flag) else {
                continue;
            };
            match marks[next] {
                Mark::New => visit(manifest, next, marks, path, cycles),
                Mark::OnPath => {
                    let start = path.iter().position(|&i| i == next).unwrap_or(0);
                    cycles.push(path[start..].to_vec());
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[index] = Mark::Done;
    }

    let mut marks = vec![Mark::New; manifest.flags.len()];
    let mut cycles = Vec::new();
    for index in 0..manifest.flags.len() {
        if marks[index] == Mark::New {
            visit(manifest, index, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    for cycle in cycles {
        let first = &manifest.flags[cycle[0]];
        let mut chain: Vec<&str> = cycle
            .iter()
            .map(|&i| manifest.flags[i].name.as_str())
            .collect();
        chain.push(&first.name);
        let last = &manifest.flags[*cycle.last().unwrap_or(&cycle[0])];
        let span = last
            .requirements
            .iter()
            .find(|requirement| requirement.flag == first.name)
            .map_or(last.span.clone(), |requirement| requirement.span.clone());
        errors.push(
            Diagnostic::in_manifest(
                text,
                span,
                format!("`requires` forms a cycle: {}", chain.join(" -> ")),
            )
            .with_help(
                "a flag cannot depend on itself, even through others: remove one link of the chain",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Location;

    fn errors(text: &str) -> Vec<(usize, usize, String)> {
        Manifest::parse(text)
            .unwrap_err()
            .into_iter()
            .map(|d| match d.location {
                Location::Manifest { line, column, .. } => (line, column, d.message),
                other => panic!("unexpected location {other:?}"),
            })
            .collect()
    }

    #[test]
    fn parses_every_field() {
        let manifest = Manifest::parse(
            r#"
[flags.new_ui]
description = "Redesigned dashboard"
default = true
mode = "dynamic"
owner = "team-ui"
expires = 2027-03-01
requires = ["new_api"]

[flags.new_api]

[profiles.beta]
new_api = true
"#,
        )
        .unwrap();
        let flag = manifest.flag("new_ui").unwrap();
        assert_eq!(flag.description.as_deref(), Some("Redesigned dashboard"));
        assert!(flag.default);
        assert_eq!(flag.mode, Mode::Dynamic);
        assert_eq!(flag.owner.as_deref(), Some("team-ui"));
        assert_eq!(
            flag.expires,
            Some(Date {
                year: 2027,
                month: 3,
                day: 1
            })
        );
        assert_eq!(flag.requires, ["new_api"]);
        let api = manifest.flag("new_api").unwrap();
        assert!(!api.default);
        assert_eq!(api.mode, Mode::Static);
        assert_eq!(
            manifest.profile("beta").unwrap().state("new_api"),
            Some(true)
        );
    }

    #[test]
    fn an_empty_manifest_is_valid() {
        assert!(Manifest::parse("").unwrap().flags.is_empty());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        assert_eq!(errors("[flags.a]\ndefault = tru\n")[0].0, 2);
        let unknown = errors("[flags.a]\ndefault = true\ndefualt = true\n");
        assert_eq!(unknown[0].0, 3);
        assert!(
            unknown[0].2.starts_with("unknown field `defualt`"),
            "{}",
            unknown[0].2
        );
        assert!(errors("[flag.a]\n")[0].2.contains("unknown field `flag`"));
        assert!(
            errors("[flags.a]\nmode = \"dynamc\"\n")[0]
                .2
                .contains("dynamc")
        );
    }

    #[test]
    fn reports_every_validation_error() {
        let found = errors(
            r#"[flags.NewUi]
[flags.b]
requires = ["zz", "b"]
[profiles.Beta]
bb = true
"#,
        );
        let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
        assert_eq!(found.len(), 5, "{messages:#?}");
        assert_eq!((found[0].0, found[0].1), (1, 8));
        assert!(messages[0].contains("`NewUi` is not lowercase snake_case"));
        assert!(messages[1].contains("requires `zz`, which is not declared"));
        assert_eq!(messages[2], "flag `b` requires itself");
        assert!(messages[3].starts_with("profile name `Beta`"));
        assert_eq!(
            messages[4],
            "profile `Beta` sets `bb`, which is not a declared flag; did you mean `b`?"
        );
    }

    #[test]
    fn finds_cycles() {
        let found = errors(
            "[flags.a]\nrequires = [\"b\"]\n[flags.b]\nrequires = [\"c\"]\n[flags.c]\nrequires = [\"a\"]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, "`requires` forms a cycle: a -> b -> c -> a");
        assert_eq!(found[0].0, 6);
    }

    #[test]
    fn expires_must_be_a_date() {
        let found = errors("[flags.a]\nexpires = 2027-03-01T10:00:00\n");
        assert!(found[0].2.contains("must be a date"), "{}", found[0].2);
        let string = errors("[flags.a]\nexpires = \"soon\"\n");
        assert_eq!((string[0].0, string[0].1), (2, 11), "{}", string[0].2);
    }

    #[test]
    fn snake_case_suggestions() {
        assert_eq!(to_snake_case("NewUi"), "new_ui");
        assert_eq!(to_snake_case("new-ui"), "new_ui");
        assert_eq!(to_snake_case("HTTP2"), "http2");
    }
}
