//! The read-only commands, and the resolution helpers they share.
//!
//! `remove` writes files and has a module of its own ([`crate::remove`]).

pub mod check;
pub mod explain;
pub mod list;
pub mod matrix;
pub mod test;

use std::path::Path;

use flag_manifest::{Diagnostic, Manifest, Resolution, did_you_mean};

use crate::CliError;
use crate::workspace::Env;

/// The profile in effect: `--profile` when given, else `FEATURE_FLAGS_PROFILE`.
pub fn chosen_profile<'a>(flag: Option<&'a str>, env: &'a Env) -> Option<&'a str> {
    flag.or(env.profile.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// Refuses a profile the manifest does not declare, as a usage error with the names it does declare.
/// `from_env` tells that it came from `FEATURE_FLAGS_PROFILE` rather than `--profile`.
pub fn check_profile(
    manifest: &Manifest,
    profile: Option<&str>,
    from_env: bool,
) -> Result<(), CliError> {
    let Some(name) = profile else {
        return Ok(());
    };
    if manifest.profile(name).is_some() {
        return Ok(());
    }
    let declared: Vec<&str> = manifest.profiles.iter().map(|p| p.name.as_str()).collect();
    let help = if declared.is_empty() {
        "the manifest declares no profiles: add a `[profiles.NAME]` table, or drop --profile and unset \
         FEATURE_FLAGS_PROFILE"
            .to_owned()
    } else {
        format!("declared profiles: {}", declared.join(", "))
    };
    let origin = if from_env {
        format!("{}={name:?}: ", flag_manifest::ENV_PROFILE)
    } else {
        String::new()
    };
    Err(CliError::new(format!(
        "{origin}unknown profile `{name}`{}",
        did_you_mean(name, declared.iter().copied())
    ))
    .help(help))
}

/// The build's resolution under `profile` and `FEATURE_FLAGS`, or the diagnostics a build would give,
/// rendered against the manifest's displayed path.
pub fn resolve(
    manifest: &Manifest,
    profile: Option<&str>,
    env: &Env,
    manifest_display: &str,
) -> Result<Resolution, Vec<String>> {
    flag_manifest::resolve(manifest, profile, env.overrides.as_deref())
        .map_err(|diagnostics| render_all(&diagnostics, manifest_display))
}

/// Every diagnostic as `path:line:col: message` (and its help line).
pub fn render_all(diagnostics: &[Diagnostic], manifest_display: &str) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic.render(Path::new(manifest_display)))
        .collect()
}
