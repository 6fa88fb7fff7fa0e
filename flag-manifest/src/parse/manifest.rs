//! A whole `flags.toml`, read and checked into a [`Manifest`].

use crate::check::{
    ProfileEntry, build_requirement, check_cycles, check_name, check_required_variants,
    flag_targeting, flag_values, metadata, profile_entry, static_targeting_error, to_date,
};
use crate::diagnostic::{Diagnostic, ParseError};
use crate::model::{ExpiredPolicy, Flag, Manifest, Mode, Profile, Requirement, Settings};
use crate::raw::{RawExpired, RawManifest, RawMode};
use crate::suggest::did_you_mean;
use crate::targeting::Targeting;

use super::{checked, deserialize};

impl Manifest {
    /// Parses and validates the text of a `flags.toml`.
    ///
    /// On failure, the error holds every problem found (at least one), each pointing at its place in
    /// `text`.
    ///
    /// ```
    /// use flag_manifest::Manifest;
    ///
    /// let error = Manifest::parse(r#"
    /// [flags.new_ui]
    /// requires = ["new_apj"]
    /// [flags.new_api]
    /// "#).unwrap_err();
    /// assert_eq!(error.diagnostics()[0].message, "flag `new_ui` requires `new_apj`, which is not declared; did you mean `new_api`?");
    /// ```
    pub fn parse(text: &str) -> Result<Manifest, ParseError> {
        let raw: RawManifest = deserialize(text)?;
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
            let targeting = match (mode, raw_flag.targeting_key(name)) {
                (Mode::Static, Some((key, key_span))) => {
                    errors.push(static_targeting_error(text, name.get_ref(), key, key_span));
                    Targeting::default()
                }
                _ => flag_targeting(text, raw_flag, &mut errors),
            };
            let typed = flag_values(text, name.get_ref(), raw_flag, span.clone(), &mut errors);
            let metadata = metadata(
                text,
                name.get_ref(),
                raw_flag.metadata.as_ref(),
                &mut errors,
            );
            flags.push(Flag {
                name: name.get_ref().clone(),
                description: raw_flag.description.clone(),
                default: typed.default,
                mode,
                owner: raw_flag.owner.clone(),
                expires,
                span,
                requirements,
                targeting,
                values: typed.values,
                metadata,
            });
        }

        let mut profiles = Vec::with_capacity(raw.profiles.len());
        for (name, states) in &raw.profiles {
            check_name(text, "profile", name.get_ref(), name.span(), &mut errors);
            let mut profile = Profile {
                name: name.get_ref().clone(),
                states: Vec::with_capacity(states.len()),
                state_spans: Vec::with_capacity(states.len()),
                values: Vec::new(),
                span: name.span(),
            };
            for (flag, value) in states {
                let found = flags
                    .iter()
                    .find(|declared| declared.name == *flag.get_ref());
                if let Some(found) = found {
                    match profile_entry(
                        text,
                        name.get_ref(),
                        flag.get_ref(),
                        found.values.as_ref(),
                        value,
                        &mut errors,
                    ) {
                        Some(ProfileEntry::State(on)) => {
                            profile.states.push((flag.get_ref().clone(), on));
                            profile.state_spans.push(flag.span());
                        }
                        Some(ProfileEntry::Value(index)) => {
                            profile.values.push((flag.get_ref().clone(), index));
                        }
                        None => {}
                    }
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
        checked(manifest, errors)
    }
}
