//! Property tests of flag-manifest's public API: the inputs a user or a program can get wrong.
//!
//! - [`Manifest::parse`], [`parse_state_file`], [`parse_overrides`] and [`resolve`] never panic, on any string
//!   and on valid manifests with bytes, fragments and lines deleted, inserted or moved.
//! - Every problem carries a position inside what it was given: a `Location::Manifest` span within the text
//!   (on character boundaries) with a 1-based line and column that match the span's start; a `Location::Env`
//!   span within the variable's value; and it renders without panicking.
//! - A manifest generated from a model parses back into that model, or is refused when the model has a
//!   `requires` cycle.
//! - The resolver agrees with a model of the precedence (`default` < profile < `FEATURE_FLAGS`, later
//!   entries winning): it accepts exactly the states that name no unknown profile or flag, are well-formed
//!   and meet the `requires` of every static flag, and so it never returns a state in which an enabled static
//!   flag requires a disabled one. (A dynamic flag's `requires` is applied at run time, for each context: its
//!   resolved state is only the compiled-in default.)
//!
//! The case counts are modest so that `cargo test` stays fast; `PROPTEST_CASES=10000 cargo test -p
//! flag-tests --test proptest_manifest` runs more.

use std::collections::BTreeMap;
use std::path::Path;

use flag_manifest::{
    Diagnostic, Location, Manifest, Mode, Source, parse_overrides, parse_state_file, resolve,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------------------
// Positions

/// Every diagnostic points inside `text` (a manifest or state file) or inside the variable's value, and
/// renders.
fn check_diagnostics(
    text: &str,
    diagnostics: &[Diagnostic],
    env_values: &[&str],
) -> Result<(), TestCaseError> {
    prop_assert!(!diagnostics.is_empty(), "an error without a diagnostic");
    for diagnostic in diagnostics {
        prop_assert!(!diagnostic.message.is_empty());
        match &diagnostic.location {
            Location::Manifest { span, line, column } => {
                prop_assert!(
                    span.start <= span.end && span.end <= text.len(),
                    "span {span:?} outside a text of {} bytes: {diagnostic:?} in {text:?}",
                    text.len()
                );
                prop_assert!(
                    text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                    "span {span:?} splits a character: {diagnostic:?} in {text:?}"
                );
                let before = &text[..span.start];
                let expected_line = before.matches('\n').count() + 1;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let expected_column = before[line_start..].chars().count() + 1;
                prop_assert!(*line >= 1 && *column >= 1);
                prop_assert_eq!(
                    (*line, *column),
                    (expected_line, expected_column),
                    "{:?} in {:?}",
                    diagnostic,
                    text
                );
            }
            Location::Env { var, value, span } => {
                prop_assert!(var.starts_with("FEATURE_FLAGS"), "{diagnostic:?}");
                prop_assert!(
                    env_values.contains(&value.as_str()),
                    "value {value:?} is none of the inputs {env_values:?}"
                );
                prop_assert!(
                    span.start <= span.end && span.end <= value.len(),
                    "span {span:?} outside {value:?}: {diagnostic:?}"
                );
                prop_assert!(
                    value.is_char_boundary(span.start) && value.is_char_boundary(span.end),
                    "span {span:?} splits a character of {value:?}"
                );
            }
            Location::ManifestFile => {
                prop_assert!(
                    false,
                    "a parse error without a position (ManifestFile): {diagnostic:?}"
                );
            }
        }
        let rendered = diagnostic.render(Path::new("flags.toml"));
        prop_assert!(rendered.contains(&diagnostic.message));
    }
    Ok(())
}

/// Parses `text` as a manifest and as a state file, and resolves the manifest under `profile` and
/// `overrides` when it parses; checks every error's position.
fn parse_everything(
    text: &str,
    profile: Option<&str>,
    overrides: Option<&str>,
) -> Result<(), TestCaseError> {
    match Manifest::parse(text) {
        Ok(manifest) => {
            prop_assert_eq!(&manifest.source, text);
            match resolve(&manifest, profile, overrides) {
                Ok(resolution) => check_requires_hold(&manifest, &resolution.states)?,
                Err(errors) => {
                    let profile = profile.map(str::trim).unwrap_or_default();
                    let overrides = overrides.unwrap_or_default();
                    check_diagnostics(text, &errors, &[profile, overrides])?;
                }
            }
        }
        Err(errors) => check_diagnostics(text, errors.diagnostics(), &[])?,
    }
    match parse_state_file(text) {
        Ok(states) => {
            for state in states {
                prop_assert!(state.span.end <= text.len());
            }
        }
        Err(errors) => check_diagnostics(text, errors.diagnostics(), &[])?,
    }
    Ok(())
}

/// Every enabled static flag's `requires` are enabled. A dynamic flag's are applied at run time.
fn check_requires_hold(
    manifest: &Manifest,
    states: &[flag_manifest::FlagState],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(states.len(), manifest.flags.len());
    for (flag, state) in manifest.flags.iter().zip(states) {
        if !state.enabled || flag.mode == Mode::Dynamic {
            continue;
        }
        for required in flag.requires() {
            let index = manifest.flag_index(required);
            prop_assert!(
                index.is_some_and(|index| states[index].enabled),
                "accepted `{}` on while it requires `{}`, which is off",
                flag.name,
                required
            );
        }
    }
    Ok(())
}

fn check_overrides(value: &str) -> Result<(), TestCaseError> {
    let (overrides, errors) = parse_overrides(value);
    for entry in &overrides {
        prop_assert!(entry.span.end <= value.len() && entry.span.start <= entry.span.end);
        prop_assert_eq!(
            value.get(entry.span.clone()),
            Some(entry.name.as_str()),
            "the span of {:?} in {:?}",
            entry,
            value
        );
    }
    if !errors.is_empty() {
        check_diagnostics("", &errors, &[value])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Manifests from a model

/// A flag as generated.
#[derive(Debug, Clone)]
struct FlagModel {
    name: String,
    description: Option<String>,
    owner: Option<String>,
    /// `None`: no `default` key (off).
    default: Option<bool>,
    dynamic: bool,
    expires: Option<(u16, u8, u8)>,
    /// Indexes into the manifest's flag list.
    requires: Vec<usize>,
}

#[derive(Debug, Clone)]
struct ProfileModel {
    name: String,
    /// Flag index and state.
    states: Vec<(usize, bool)>,
}

#[derive(Debug, Clone)]
struct ManifestModel {
    flags: Vec<FlagModel>,
    profiles: Vec<ProfileModel>,
    /// The order of the `[flags.*]` tables in the text.
    order: Vec<usize>,
    /// Whether a back edge was added to `requires`, closing a cycle.
    has_cycle: bool,
}

/// A TOML basic string holding `value`.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl ManifestModel {
    fn text(&self) -> String {
        let mut text = String::from("# generated\n");
        for &index in &self.order {
            let flag = &self.flags[index];
            text.push_str(&format!("[flags.{}]\n", flag.name));
            if let Some(description) = &flag.description {
                text.push_str(&format!("description = {}\n", toml_string(description)));
            }
            if let Some(owner) = &flag.owner {
                text.push_str(&format!("owner = {}\n", toml_string(owner)));
            }
            if let Some(default) = flag.default {
                text.push_str(&format!("default = {default}\n"));
            }
            if flag.dynamic {
                text.push_str("mode = \"dynamic\"\n");
            }
            if let Some((year, month, day)) = flag.expires {
                text.push_str(&format!("expires = {year:04}-{month:02}-{day:02}\n"));
            }
            if !flag.requires.is_empty() {
                let names: Vec<String> = flag
                    .requires
                    .iter()
                    .map(|&i| toml_string(&self.flags[i].name))
                    .collect();
                text.push_str(&format!("requires = [{}]\n", names.join(", ")));
            }
            text.push('\n');
        }
        for profile in &self.profiles {
            text.push_str(&format!("[profiles.{}]\n", profile.name));
            for &(index, on) in &profile.states {
                text.push_str(&format!("{} = {on}\n", self.flags[index].name));
            }
        }
        text
    }
}

fn snake_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,7}"
}

fn free_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9 .,-]{0,20}", "(?s).{0,12}"]
}

fn manifest_model() -> impl Strategy<Value = ManifestModel> {
    prop::collection::btree_set(snake_name(), 1..8)
        .prop_flat_map(|names| {
            let names: Vec<String> = names.into_iter().collect();
            let count = names.len();
            let flag = (
                prop::option::of(free_text()),
                prop::option::of(free_text()),
                prop::option::of(any::<bool>()),
                any::<bool>(),
                prop::option::of((2000u16..2100, 1u8..=12, 1u8..=28)),
                // Candidate `requires` edges, filtered below into a DAG.
                prop::collection::vec(any::<bool>(), count),
            );
            (
                Just(names),
                prop::collection::vec(flag, count),
                // A topological order of the flags: a flag may require only flags before it.
                Just((0..count).collect::<Vec<usize>>()).prop_shuffle(),
                Just((0..count).collect::<Vec<usize>>()).prop_shuffle(),
                prop::collection::btree_map(
                    snake_name(),
                    prop::collection::vec((0..count, any::<bool>()), 0..4),
                    0..3,
                ),
                prop::bool::weighted(0.15),
                any::<prop::sample::Index>(),
            )
        })
        .prop_map(
            |(names, flags, topological, order, profiles, close_a_cycle, pick)| {
                let rank: Vec<usize> = {
                    let mut rank = vec![0; names.len()];
                    for (position, &index) in topological.iter().enumerate() {
                        rank[index] = position;
                    }
                    rank
                };
                let mut flags: Vec<FlagModel> = flags
                    .into_iter()
                    .enumerate()
                    .map(
                        |(index, (description, owner, default, dynamic, expires, edges))| {
                            let requires = edges
                                .iter()
                                .enumerate()
                                .filter(|&(other, &edge)| {
                                    edge && other != index && rank[other] < rank[index]
                                })
                                .map(|(other, _)| other)
                                .collect();
                            FlagModel {
                                name: names[index].clone(),
                                description,
                                owner,
                                default,
                                dynamic,
                                expires,
                                requires,
                            }
                        },
                    )
                    .collect();
                let mut has_cycle = false;
                let edges: Vec<(usize, usize)> = flags
                    .iter()
                    .enumerate()
                    .flat_map(|(from, flag)| flag.requires.iter().map(move |&to| (from, to)))
                    .collect();
                if close_a_cycle && !edges.is_empty() {
                    let (from, to) = edges[pick.index(edges.len())];
                    flags[to].requires.push(from);
                    has_cycle = true;
                }
                let profiles = profiles
                    .into_iter()
                    .map(|(name, states)| {
                        // One state per flag: the last one generated wins.
                        let states: BTreeMap<usize, bool> = states.into_iter().collect();
                        ProfileModel {
                            name,
                            states: states.into_iter().collect(),
                        }
                    })
                    .collect();
                ManifestModel {
                    flags,
                    profiles,
                    order,
                    has_cycle,
                }
            },
        )
}

/// Checks that `manifest` is `model`.
fn check_parsed(model: &ManifestModel, manifest: &Manifest) -> Result<(), TestCaseError> {
    let mut expected: Vec<&FlagModel> = model.flags.iter().collect();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    prop_assert_eq!(manifest.flags.len(), expected.len());
    for (flag, model_flag) in manifest.flags.iter().zip(expected) {
        prop_assert_eq!(&flag.name, &model_flag.name);
        prop_assert_eq!(&flag.description, &model_flag.description);
        prop_assert_eq!(&flag.owner, &model_flag.owner);
        prop_assert_eq!(flag.default, model_flag.default.unwrap_or(false));
        let mode = if model_flag.dynamic {
            Mode::Dynamic
        } else {
            Mode::Static
        };
        prop_assert_eq!(flag.mode, mode);
        prop_assert_eq!(
            flag.expires.map(|d| (d.year, d.month, d.day)),
            model_flag.expires
        );
        let requires: Vec<&str> = model_flag
            .requires
            .iter()
            .map(|&i| model.flags[i].name.as_str())
            .collect();
        prop_assert_eq!(&flag.requires(), &requires);
        prop_assert_eq!(
            manifest.source.get(flag.span.clone()),
            Some(flag.name.as_str())
        );
    }
    prop_assert_eq!(manifest.profiles.len(), model.profiles.len());
    for profile in &model.profiles {
        let parsed = manifest.profile(&profile.name);
        prop_assert!(parsed.is_some(), "profile {} is missing", profile.name);
        for &(index, on) in &profile.states {
            prop_assert_eq!(
                parsed.and_then(|p| p.state(&model.flags[index].name)),
                Some(on)
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Mutations of valid text

/// A fragment that a person, an editor or a merge might leave in a manifest.
const FRAGMENTS: &[&str] = &[
    "[flags.a]",
    "[flags.b]\n",
    "[profiles.p]\n",
    "[[flags]]\n",
    "[flags]\n",
    "[flags.NewUi]\n",
    "[flags.\"a b\"]\n",
    "[flags.a.b]\n",
    "flags.c.default = true\n",
    "default = true\n",
    "default = maybe\n",
    "default = \"true\"\n",
    "defualt = true\n",
    "mode = \"dynamic\"\n",
    "mode = \"dynamc\"\n",
    "mode = 1\n",
    "requires = [\"a\"]\n",
    "requires = [\"a\", \"a\"]\n",
    "requires = \"a\"\n",
    "requires = [\n",
    "expires = 2027-03-01\n",
    "expires = 2027-13-41\n",
    "expires = 2027-03-01T10:00:00Z\n",
    "expires = 10:00:00\n",
    "owner = \"\"\"\nmulti\nline\"\"\"\n",
    "description = 'literal'\n",
    "x = { y = 1 }\n",
    "a = true\n",
    "=",
    "[",
    "]",
    "\"",
    "'",
    "#",
    "{",
    "}",
    ",",
    ".",
    "\\",
    "\\u{0}",
    "\u{0}",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\n",
    "é",
    "\u{feff}",
    "𝔣",
];

#[derive(Debug, Clone)]
enum Edit {
    /// Deletes up to `len` characters at a character position.
    Delete(prop::sample::Index, usize),
    /// Inserts a fragment at a character position.
    Insert(prop::sample::Index, &'static str),
    /// Inserts an arbitrary string at a character position.
    InsertText(prop::sample::Index, String),
    /// Repeats a line.
    RepeatLine(prop::sample::Index),
    /// Deletes a line.
    DeleteLine(prop::sample::Index),
    /// Swaps two lines.
    SwapLines(prop::sample::Index, prop::sample::Index),
    /// Cuts the text at a character position.
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    use prop::sample::Index;
    prop_oneof![
        (any::<Index>(), 1usize..8).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<Index>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(at, fragment)| Edit::Insert(at, fragment)),
        (any::<Index>(), "(?s).{1,6}").prop_map(|(at, text)| Edit::InsertText(at, text)),
        any::<Index>().prop_map(Edit::RepeatLine),
        any::<Index>().prop_map(Edit::DeleteLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_owned();
    for edit in edits {
        let chars: Vec<char> = text.chars().collect();
        let at = |index: &prop::sample::Index| index.index(chars.len() + 1);
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        text = match edit {
            Edit::Delete(index, len) => {
                let start = at(index);
                let end = (start + len).min(chars.len());
                chars[..start].iter().chain(&chars[end..]).collect()
            }
            Edit::Insert(index, fragment) => {
                let start = at(index);
                let mut out: String = chars[..start].iter().collect();
                out.push_str(fragment);
                out.extend(&chars[start..]);
                out
            }
            Edit::InsertText(index, inserted) => {
                let start = at(index);
                let mut out: String = chars[..start].iter().collect();
                out.push_str(inserted);
                out.extend(&chars[start..]);
                out
            }
            Edit::RepeatLine(index) if !lines.is_empty() => {
                let line = index.index(lines.len());
                let copy = lines[line].clone();
                lines.insert(line, copy);
                lines.concat()
            }
            Edit::DeleteLine(index) if !lines.is_empty() => {
                lines.remove(index.index(lines.len()));
                lines.concat()
            }
            Edit::SwapLines(a, b) if !lines.is_empty() => {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
                lines.concat()
            }
            Edit::Truncate(index) => chars[..at(index)].iter().collect(),
            _ => text,
        };
    }
    text
}

// ---------------------------------------------------------------------------------------------------------
// Profiles and overrides, and the model of resolution

/// One entry of a `FEATURE_FLAGS` value, as generated.
#[derive(Debug, Clone)]
enum Entry {
    /// A well-formed entry naming flag `index` (or an undeclared name when `None`).
    Set {
        flag: Option<usize>,
        on: bool,
        form: u8,
        padding: bool,
    },
    /// An entry the syntax refuses.
    Malformed(&'static str),
    /// An empty entry (`,,`), ignored.
    Empty,
}

#[derive(Debug, Clone)]
struct Choice {
    /// `FEATURE_FLAGS_PROFILE`: a declared profile (by index), an undeclared name, or a blank value.
    profile: Option<ProfileChoice>,
    /// `FEATURE_FLAGS`, when set.
    overrides: Option<Vec<Entry>>,
}

#[derive(Debug, Clone)]
enum ProfileChoice {
    Declared(prop::sample::Index, bool),
    Undeclared(String),
    Blank(&'static str),
}

fn entry(flag_count: usize) -> impl Strategy<Value = Entry> {
    prop_oneof![
        8 => (prop::option::weighted(0.9, 0..flag_count), any::<bool>(), 0u8..4, any::<bool>())
            .prop_map(|(flag, on, form, padding)| Entry::Set { flag, on, form, padding }),
        1 => prop::sample::select(&["x=maybe", "=on", "a b", "-", "é=on", "x=", "a=on=off"][..])
            .prop_map(Entry::Malformed),
        1 => Just(Entry::Empty),
    ]
}

fn choice(flag_count: usize) -> impl Strategy<Value = Choice> {
    (
        prop::option::of(prop_oneof![
            4 => (any::<prop::sample::Index>(), any::<bool>())
                .prop_map(|(index, padded)| ProfileChoice::Declared(index, padded)),
            1 => "[a-zA-Z_]{1,6}".prop_map(ProfileChoice::Undeclared),
            1 => prop::sample::select(&["", " ", "\t"][..]).prop_map(ProfileChoice::Blank),
        ]),
        prop::option::of(prop::collection::vec(entry(flag_count), 0..5)),
    )
        .prop_map(|(profile, overrides)| Choice { profile, overrides })
}

/// The undeclared name used for unknown flags: not snake_case, so no generated flag has it.
const UNKNOWN_FLAG: &str = "Not_declared";

/// What `resolve` should answer: the states and sources, or `None` when it must refuse.
fn expected_resolution(
    model: &ManifestModel,
    manifest: &Manifest,
    profile: Option<&str>,
    entries: Option<&[Entry]>,
) -> Option<Vec<(bool, Source)>> {
    let mut states: BTreeMap<&str, (bool, Source)> = model
        .flags
        .iter()
        .map(|flag| {
            (
                flag.name.as_str(),
                (flag.default.unwrap_or(false), Source::Default),
            )
        })
        .collect();
    let mut refused = false;
    if let Some(name) = profile.map(str::trim).filter(|name| !name.is_empty()) {
        match model.profiles.iter().find(|p| p.name == name) {
            Some(profile) => {
                for &(index, on) in &profile.states {
                    states.insert(
                        &model.flags[index].name,
                        (on, Source::Profile(profile.name.clone())),
                    );
                }
            }
            None => refused = true,
        }
    }
    for entry in entries.unwrap_or_default() {
        match entry {
            Entry::Set {
                flag: Some(i), on, ..
            } => {
                states.insert(&model.flags[*i].name, (*on, Source::Override));
            }
            Entry::Set { flag: None, .. } | Entry::Malformed(_) => refused = true,
            Entry::Empty => {}
        }
    }
    let by_name = |name: &str| states.get(name).is_some_and(|(on, _)| *on);
    let meets_requires = model.flags.iter().all(|flag| {
        flag.dynamic
            || !by_name(&flag.name)
            || flag.requires.iter().all(|&i| by_name(&model.flags[i].name))
    });
    if refused || !meets_requires {
        return None;
    }
    Some(
        manifest
            .flags
            .iter()
            .map(|flag| states[flag.name.as_str()].clone())
            .collect(),
    )
}

fn overrides_text(model: &ManifestModel, entries: &[Entry]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|entry| match entry {
            Entry::Set {
                flag,
                on,
                form,
                padding,
            } => {
                let name = flag.map_or(UNKNOWN_FLAG, |i| model.flags[i].name.as_str());
                let text = match (form, on) {
                    (0, true) => name.to_owned(),
                    (0, false) => format!("-{name}"),
                    (1, _) => format!("{name}={}", if *on { "on" } else { "off" }),
                    (2, _) => format!("{name}={}", if *on { "TRUE" } else { "False" }),
                    (_, _) => format!("{name} = {}", if *on { "1" } else { "0" }),
                };
                if *padding { format!("  {text} ") } else { text }
            }
            Entry::Malformed(text) => (*text).to_owned(),
            Entry::Empty => String::new(),
        })
        .collect();
    parts.join(",")
}

// ---------------------------------------------------------------------------------------------------------
// The properties

/// `cases` cases, unless `PROPTEST_CASES` asks for another number; failures are reported, not written to a
/// regressions file in the source tree.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,120}") {
        parse_everything(&text, None, None)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let text = String::from_utf8_lossy(&bytes);
        parse_everything(&text, None, None)?;
    }

    #[test]
    fn fragment_soup_never_panics(
        fragments in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..16),
        profile in prop::option::of("(?s).{0,6}"),
        overrides in prop::option::of("(?s).{0,16}"),
    ) {
        parse_everything(&fragments.concat(), profile.as_deref(), overrides.as_deref())?;
    }

    #[test]
    fn arbitrary_overrides_never_panic(value in "(?s).{0,40}") {
        check_overrides(&value)?;
    }

    #[test]
    fn override_soup_never_panics(
        parts in prop::collection::vec(
            prop::sample::select(
                &["a", "-a", "a=on", "b=OFF", "=", "-", ",", " ", "é", "x=maybe", "\t", "1", "_"][..]
            ),
            0..12,
        ),
    ) {
        check_overrides(&parts.concat())?;
    }

    #[test]
    fn generated_manifests_parse_back(model in manifest_model()) {
        let text = model.text();
        match Manifest::parse(&text) {
            Ok(manifest) => {
                prop_assert!(!model.has_cycle, "accepted a `requires` cycle:\n{}", text);
                check_parsed(&model, &manifest)?;
            }
            Err(errors) => {
                check_diagnostics(&text, errors.diagnostics(), &[])?;
                prop_assert!(
                    model.has_cycle,
                    "refused a valid manifest:\n{}\n{:#?}",
                    text,
                    errors
                );
                prop_assert!(
                    errors.iter().any(|e| e.message.contains("cycle")),
                    "{:#?}",
                    errors
                );
            }
        }
    }

    #[test]
    fn mutated_manifests_never_panic(
        model in manifest_model(),
        edits in prop::collection::vec(edit(), 1..3),
        choice in choice(8),
    ) {
        let text = apply(&model.text(), &edits);
        let profile = match &choice.profile {
            Some(ProfileChoice::Declared(index, _)) if !model.profiles.is_empty() => {
                Some(model.profiles[index.index(model.profiles.len())].name.clone())
            }
            Some(ProfileChoice::Undeclared(name)) => Some(name.clone()),
            Some(ProfileChoice::Blank(blank)) => Some((*blank).to_owned()),
            _ => None,
        };
        let overrides = choice.overrides.as_ref().map(|entries| {
            let entries: Vec<Entry> = entries
                .iter()
                .map(|entry| match entry {
                    Entry::Set { flag: Some(i), on, form, padding } if *i >= model.flags.len() => {
                        Entry::Set { flag: None, on: *on, form: *form, padding: *padding }
                    }
                    other => other.clone(),
                })
                .collect();
            overrides_text(&model, &entries)
        });
        parse_everything(&text, profile.as_deref(), overrides.as_deref())?;
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn the_resolver_agrees_with_the_model(
        model in manifest_model().prop_filter("acyclic", |model| !model.has_cycle),
        choice in choice(8),
    ) {
        let text = model.text();
        let manifest = Manifest::parse(&text)
            .map_err(|errors| TestCaseError::fail(format!("{text}\n{errors:#?}")))?;
        let profile = choice.profile.as_ref().map(|profile| match profile {
            ProfileChoice::Declared(index, padded) if !model.profiles.is_empty() => {
                let name = &model.profiles[index.index(model.profiles.len())].name;
                if *padded { format!(" {name} ") } else { name.clone() }
            }
            ProfileChoice::Declared(..) => "no_profiles_declared".to_owned(),
            ProfileChoice::Undeclared(name) => name.clone(),
            ProfileChoice::Blank(blank) => (*blank).to_owned(),
        });
        // Indexes past the manifest's flags stand for undeclared names.
        let entries: Option<Vec<Entry>> = choice.overrides.map(|entries| {
            entries
                .into_iter()
                .map(|entry| match entry {
                    Entry::Set { flag: Some(i), on, form, padding } if i >= model.flags.len() => {
                        Entry::Set { flag: None, on, form, padding }
                    }
                    other => other,
                })
                .collect()
        });
        let overrides = entries.as_deref().map(|entries| overrides_text(&model, entries));
        // An undeclared profile name could be declared after all: the model checks by name.
        let expected = expected_resolution(&model, &manifest, profile.as_deref(), entries.as_deref());
        match resolve(&manifest, profile.as_deref(), overrides.as_deref()) {
            Ok(resolution) => {
                check_requires_hold(&manifest, &resolution.states)?;
                let actual: Vec<(bool, Source)> = resolution
                    .states
                    .iter()
                    .map(|state| (state.enabled, state.source.clone()))
                    .collect();
                prop_assert_eq!(
                    Some(actual),
                    expected,
                    "profile {:?}, FEATURE_FLAGS {:?}\n{}",
                    profile,
                    overrides,
                    text
                );
            }
            Err(errors) => {
                let profile_value = profile.as_deref().map(str::trim).unwrap_or_default();
                check_diagnostics(
                    &text,
                    &errors,
                    &[profile_value, overrides.as_deref().unwrap_or_default()],
                )?;
                prop_assert!(
                    expected.is_none(),
                    "refused a valid choice: profile {:?}, FEATURE_FLAGS {:?}\n{}\n{:#?}",
                    profile,
                    overrides,
                    text,
                    errors
                );
            }
        }
    }

    #[test]
    fn state_files_parse_back(
        states in prop::collection::btree_map(snake_name(), prop::option::of(any::<bool>()), 0..8),
    ) {
        let mut text = String::new();
        for (name, on) in &states {
            text.push_str(&format!("[flags.{name}]\n"));
            if let Some(on) = on {
                text.push_str(&format!("default = {on}\n"));
            }
        }
        let parsed = parse_state_file(&text)
            .map_err(|errors| TestCaseError::fail(format!("{text}\n{errors:#?}")))?;
        let parsed: Vec<(String, Option<bool>)> =
            parsed.into_iter().map(|state| (state.name, state.enabled)).collect();
        let expected: Vec<(String, Option<bool>)> = states.into_iter().collect();
        prop_assert_eq!(parsed, expected);
    }
}
