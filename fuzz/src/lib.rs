//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz_targets/`) and the stable-Rust smoke
//! runner (`examples/smoke.rs`).
//!
//! Each target feeds its input to flag-manifest's public API and panics when an answer breaks a promise:
//! a diagnostic that points outside its input, splits a character, gives a line or column that does not
//! match its span, or has no position at all; a resolution that turns on a static flag whose `requires` is
//! off; an override whose span is not its name. A panic inside flag-manifest is a finding too. Each returns
//! a short description of the outcome (`ok`, or the first error's message up to its first quote, digits
//! blanked), which the smoke runner uses as a crude measure of new behaviour.

use std::path::Path;

use flag_manifest::{
    Diagnostic, Location, Manifest, Mode, Resolution, parse_overrides, parse_state_file, resolve,
};

/// Splits raw fuzz input into a manifest, a profile and an override list: the parts are separated by the
/// byte `0xFF`, which never occurs in UTF-8; each part is read lossily (invalid UTF-8 becomes U+FFFD).
pub fn split(data: &[u8]) -> (String, Option<String>, Option<String>) {
    let mut parts = data.splitn(3, |&byte| byte == 0xFF);
    let text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let profile = parts
        .next()
        .map(|part| String::from_utf8_lossy(part).into_owned());
    let overrides = parts
        .next()
        .map(|part| String::from_utf8_lossy(part).into_owned());
    (text, profile, overrides)
}

/// `Manifest::parse`, then `resolve` under the profile and overrides that follow it in `data`.
pub fn manifest(data: &[u8]) -> String {
    let (text, profile, overrides) = split(data);
    match Manifest::parse(&text) {
        Ok(manifest) => {
            assert_eq!(manifest.source, text, "the manifest keeps its source");
            for flag in &manifest.flags {
                assert!(
                    text.get(flag.span.clone()).is_some(),
                    "flag {} has span {:?} outside or inside a character of {text:?}",
                    flag.name,
                    flag.span
                );
            }
            match resolve(&manifest, profile.as_deref(), overrides.as_deref()) {
                Ok(resolution) => {
                    check_requires(&manifest, &resolution);
                    format!("ok {} flags", manifest.flags.len().min(3))
                }
                Err(errors) => {
                    let profile = profile.as_deref().map(str::trim).unwrap_or_default();
                    check(
                        &text,
                        &errors,
                        &[profile, overrides.as_deref().unwrap_or_default()],
                    );
                    format!("resolve: {}", shape(&errors[0].message))
                }
            }
        }
        Err(errors) => {
            check(&text, errors.diagnostics(), &[]);
            format!("parse: {}", shape(&errors.diagnostics()[0].message))
        }
    }
}

/// `parse_state_file`.
pub fn state_file(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    match parse_state_file(&text) {
        Ok(states) => {
            for state in &states {
                assert!(
                    text.get(state.span.clone()).is_some(),
                    "state {} has span {:?} outside or inside a character",
                    state.name,
                    state.span
                );
            }
            format!("ok {}", states.len().min(3))
        }
        Err(errors) => {
            check(&text, errors.diagnostics(), &[]);
            format!("state file: {}", shape(&errors.diagnostics()[0].message))
        }
    }
}

/// A fixed manifest for the overrides target: overrides are resolved against it.
const OVERRIDES_MANIFEST: &str = r#"
[flags.new_ui]
requires = ["new_api"]
[flags.new_api]
default = true
[flags.fast_search]
mode = "dynamic"
[flags.legacy_x]
[profiles.beta]
new_ui = true
"#;

/// `parse_overrides` of the whole input, then `resolve` of a fixed manifest with it as `FEATURE_FLAGS`.
pub fn overrides(data: &[u8]) -> String {
    let value = String::from_utf8_lossy(data);
    let (entries, errors) = parse_overrides(&value);
    for entry in &entries {
        assert_eq!(
            value.get(entry.span.clone()),
            Some(entry.name.as_str()),
            "override {entry:?} does not span its name in {value:?}"
        );
    }
    if !errors.is_empty() {
        check("", &errors, &[&value]);
    }
    let manifest = fixed_manifest();
    let outcome = match resolve(&manifest, None, Some(&value)) {
        Ok(resolution) => {
            check_requires(&manifest, &resolution);
            "ok".to_owned()
        }
        Err(errors) => {
            check(&manifest.source, &errors, &[&value]);
            format!("resolve: {}", shape(&errors[0].message))
        }
    };
    format!(
        "{} entries, {} syntax errors, {outcome}",
        entries.len().min(4),
        errors.len().min(3)
    )
}

fn fixed_manifest() -> Manifest {
    Manifest::parse(OVERRIDES_MANIFEST).expect("the fixed manifest is valid")
}

/// Every enabled static flag's `requires` are on. (A dynamic flag's `requires` is applied at run time, for
/// each context: its resolved state is only its compiled-in default.)
fn check_requires(manifest: &Manifest, resolution: &Resolution) {
    assert_eq!(resolution.states.len(), manifest.flags.len());
    for (flag, state) in manifest.flags.iter().zip(&resolution.states) {
        if state.enabled && flag.mode == Mode::Static {
            for required in flag.requires() {
                assert!(
                    resolution.is_enabled(manifest, required),
                    "resolve accepted `{}` on while it requires `{required}`, which is off",
                    flag.name
                );
            }
        }
    }
}

/// Every diagnostic has a position inside its input, and renders.
fn check(text: &str, diagnostics: &[Diagnostic], env_values: &[&str]) {
    assert!(!diagnostics.is_empty(), "an error without diagnostics");
    for diagnostic in diagnostics {
        assert!(!diagnostic.message.is_empty(), "an empty message");
        match &diagnostic.location {
            Location::Manifest { span, line, column } => {
                assert!(
                    span.start <= span.end && text.get(span.clone()).is_some(),
                    "span {span:?} outside or inside a character of a {}-byte text: {diagnostic:?}",
                    text.len()
                );
                let before = &text[..span.start];
                let expected_line = before.matches('\n').count() + 1;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let expected_column = before[line_start..].chars().count() + 1;
                assert_eq!(
                    (*line, *column),
                    (expected_line, expected_column),
                    "line and column of {diagnostic:?}"
                );
            }
            Location::Env { value, span, .. } => {
                assert!(
                    env_values.contains(&value.as_str()),
                    "{diagnostic:?} names a value that is none of the inputs {env_values:?}"
                );
                assert!(
                    span.start <= span.end && value.get(span.clone()).is_some(),
                    "span {span:?} outside or inside a character of {value:?}"
                );
            }
            Location::ManifestFile => panic!("a parse error without a position: {diagnostic:?}"),
        }
        let rendered = diagnostic.render(Path::new("flags.toml"));
        assert!(rendered.contains(&diagnostic.message));
    }
}

/// What a message says before it quotes anything, with digits blanked: `unknown field `, `flag `. The
/// quoted parts are the user's text, which may itself contain quotes, so they are cut rather than blanked.
fn shape(message: &str) -> String {
    message
        .chars()
        .take_while(|c| !matches!(c, '`' | '"' | '\''))
        .take(60)
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_their_seeds() {
        assert_eq!(manifest(b"[flags.a]\ndefault = true\n"), "ok 1 flags");
        assert!(manifest(b"[flags.a]\n\xFFnope").starts_with("resolve: unknown profile"));
        assert_eq!(state_file(b"[flags.a]\ndefault = true\n"), "ok 1");
        assert_eq!(
            overrides(b"new_api,new_ui"),
            "2 entries, 0 syntax errors, ok"
        );
        assert_eq!(
            overrides(b"new_ui,-new_api"),
            "2 entries, 0 syntax errors, resolve: flag "
        );
    }

    #[test]
    fn shapes_blank_names_and_numbers() {
        assert_eq!(shape("unknown field `x`, line 3"), "unknown field ");
        assert_eq!(
            shape("invalid date, expected month 12"),
            "invalid date, expected month ##"
        );
    }
}
