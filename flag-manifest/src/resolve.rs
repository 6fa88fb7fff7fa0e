//! From a manifest and a build's choices (`FEATURE_FLAGS_PROFILE`, `FEATURE_FLAGS`) to one state per flag.
//!
//! Precedence, lowest first: the flag's `default`, the chosen profile, the overrides. Once every state is
//! known, `requires` must hold for static flags: a flag that is on needs each flag it requires on too.
//! (Dynamic flags apply their `requires` at run time, for each context.)

use std::fmt;

use crate::diagnostic::Diagnostic;
use crate::discover::{ENV_OVERRIDES, ENV_PROFILE};
use crate::model::Manifest;
use crate::overrides::parse_overrides_with;
use crate::suggest::did_you_mean;

/// What decided a flag's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// The flag's `default` in the manifest.
    Default,
    /// The named profile, chosen by `FEATURE_FLAGS_PROFILE`.
    Profile(String),
    /// `FEATURE_FLAGS`.
    Override,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::Override => f.write_str(ENV_OVERRIDES),
        }
    }
}

/// A flag's resolved state and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagState {
    /// On or off.
    pub enabled: bool,
    /// The last source that set it.
    pub source: Source,
    /// A value flag's value: the index into its [`FlagValues`](crate::FlagValues) that its `default`, the
    /// profile or `FEATURE_FLAGS` chose (`None` for an on/off flag, or a value flag without a `default`
    /// that nothing chose a value for).
    pub value: Option<usize>,
}

/// Every flag's state for one build, index-aligned with [`Manifest::flags`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The profile that was chosen, if any.
    pub profile: Option<String>,
    /// One state per flag, in the manifest's order.
    pub states: Vec<FlagState>,
}

impl Resolution {
    /// Whether the flag called `name` is on (false for an undeclared name).
    pub fn is_enabled(&self, manifest: &Manifest, name: &str) -> bool {
        manifest
            .flag_index(name)
            .is_some_and(|index| self.states[index].enabled)
    }
}

/// Resolves every flag's state under `profile` (the value of `FEATURE_FLAGS_PROFILE`) and `overrides` (the
/// value of `FEATURE_FLAGS`). Empty values count as absent.
///
/// Reports an unknown profile, malformed or unknown overrides, and every unmet `requires`.
///
/// ```
/// use flag_manifest::{Manifest, Source, resolve};
///
/// let manifest = Manifest::parse(r#"
/// [flags.new_api]
/// [flags.new_ui]
/// requires = ["new_api"]
/// [profiles.beta]
/// new_api = true
/// "#).unwrap();
///
/// let resolution = resolve(&manifest, Some("beta"), Some("new_ui")).unwrap();
/// assert_eq!(resolution.states[0].source, Source::Profile("beta".into()));
/// assert_eq!(resolution.states[1].source, Source::Override);
///
/// let unmet = resolve(&manifest, None, Some("new_ui")).unwrap_err();
/// assert!(unmet[0].message.starts_with("flag `new_ui` is on (FEATURE_FLAGS) but requires `new_api`"));
/// ```
pub fn resolve(
    manifest: &Manifest,
    profile: Option<&str>,
    overrides: Option<&str>,
) -> Result<Resolution, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut states: Vec<FlagState> = manifest
        .flags
        .iter()
        .map(|flag| FlagState {
            enabled: flag.default,
            source: Source::Default,
            value: flag.values.as_ref().and_then(|values| values.default),
        })
        .collect();

    let profile = profile.map(str::trim).filter(|name| !name.is_empty());
    if let Some(name) = profile {
        match manifest.profile(name) {
            Some(chosen) => {
                for (flag, on) in &chosen.states {
                    if let Some(index) = manifest.flag_index(flag) {
                        states[index].enabled = *on;
                        states[index].source = Source::Profile(chosen.name.clone());
                    }
                }
                for (flag, value) in &chosen.values {
                    if let Some(index) = manifest.flag_index(flag) {
                        states[index].value = Some(*value);
                        states[index].source = Source::Profile(chosen.name.clone());
                    }
                }
            }
            None => {
                let declared: Vec<&str> =
                    manifest.profiles.iter().map(|p| p.name.as_str()).collect();
                let help = if declared.is_empty() {
                    "the manifest declares no profiles: add a `[profiles.NAME]` table".to_owned()
                } else {
                    format!("declared profiles: {}", declared.join(", "))
                };
                errors.push(
                    Diagnostic::in_env(
                        ENV_PROFILE,
                        name,
                        0..name.len(),
                        format!(
                            "unknown profile `{name}`{}",
                            did_you_mean(name, declared.iter().copied())
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }

    if let Some(value) = overrides.filter(|value| !value.trim().is_empty()) {
        let (entries, mut syntax) = parse_overrides_with(value, |name| {
            manifest.flag(name).is_some_and(crate::Flag::is_value_flag)
        });
        errors.append(&mut syntax);
        for entry in entries {
            match manifest.flag_index(&entry.name) {
                Some(index) => {
                    let values = manifest.flags[index].values.as_ref();
                    match (values, &entry.value) {
                        (Some(values), Some((text, span))) => match values.choose(text) {
                            Ok(chosen) => states[index].value = Some(chosen),
                            Err(why) => {
                                errors.push(
                                    Diagnostic::in_env(
                                        ENV_OVERRIDES,
                                        value,
                                        span.clone(),
                                        format!("flag `{}`: {why}", entry.name),
                                    )
                                    .with_help("write a value's name, or its value"),
                                );
                                continue;
                            }
                        },
                        _ => states[index].enabled = entry.enabled,
                    }
                    states[index].source = Source::Override;
                }
                None => errors.push(Diagnostic::in_env(
                    ENV_OVERRIDES,
                    value,
                    entry.span,
                    format!(
                        "unknown flag `{}`{}",
                        entry.name,
                        did_you_mean(&entry.name, manifest.flag_names())
                    ),
                )),
            }
        }
    }

    if errors.is_empty() {
        check_requires(manifest, &states, &mut errors);
    }
    if errors.is_empty() {
        Ok(Resolution {
            profile: profile.map(str::to_owned),
            states,
        })
    } else {
        Err(errors)
    }
}

fn check_requires(manifest: &Manifest, states: &[FlagState], errors: &mut Vec<Diagnostic>) {
    for (index, flag) in manifest.flags.iter().enumerate() {
        // A dynamic flag's `requires` is applied at run time, for each context (its required flag may have
        // rules that turn it on for some contexts only).
        if !states[index].enabled || flag.mode == crate::Mode::Dynamic {
            continue;
        }
        // A static flag's requirements all need the other flag on.
        for requirement in &flag.requirements {
            let (required, span) = (&requirement.flag, &requirement.span);
            let Some(required_index) = manifest.flag_index(required) else {
                continue;
            };
            let required_state = &states[required_index];
            if !required_state.enabled {
                errors.push(
                    Diagnostic::in_manifest(
                        &manifest.source,
                        span.clone(),
                        format!(
                            "flag `{}` is on ({}) but requires `{required}`, which is off ({})",
                            flag.name, states[index].source, required_state.source
                        ),
                    )
                    .with_help(format!(
                        "turn `{required}` on wherever `{}` is on, or turn `{}` off",
                        flag.name, flag.name
                    )),
                );
            }
        }
    }
}
