//! From text to the checked model: a manifest ([`Manifest::parse`](crate::Manifest::parse)), a runtime flags
//! file ([`parse_state_file`]), one flag's table ([`parse_flag_table`]) and a targeting on its own
//! ([`parse_flag_rules`]).
//!
//! Each reads the text into `crate::raw`'s types (serde + toml catch syntax errors, unknown keys and wrong
//! types), then runs `crate::check`'s checks, which catch what a schema cannot: names that are not
//! snake_case, references to undeclared flags, cycles in `requires`, and targeting (rules, variants) on a
//! static flag or with values that do not fit their operator. Every check runs and every problem is
//! reported.

mod manifest;
mod state_file;
#[cfg(test)]
mod targeting_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod value_tests;

use serde::de::DeserializeOwned;

pub use state_file::{FileState, FixedKeys, parse_flag_table, parse_state_file};

use crate::check::build_targeting;
use crate::diagnostic::{Diagnostic, ParseError};
use crate::raw::RawDocument;
use crate::targeting::Targeting;

/// `text` read into `T`, or its one syntax (or shape) error.
fn deserialize<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        ParseError::new(vec![Diagnostic::in_manifest(
            text,
            span,
            toml_message(&error),
        )])
    })
}

/// `value` if the checks that built it found no problem, else every problem they found.
fn checked<T>(value: T, errors: Vec<Diagnostic>) -> Result<T, ParseError> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ParseError::new(errors))
    }
}

/// toml's message, which sometimes spans several lines with a snippet of the file: keep the first line,
/// since the caller adds the position itself.
fn toml_message(error: &toml::de::Error) -> String {
    let message = error.message().trim();
    message.lines().next().unwrap_or(message).to_owned()
}

/// Reads a targeting written by [`rules_to_toml`](crate::rules_to_toml) (or by hand, in the same shape as a
/// flag's table: `variant_stickiness`, `[[rules]]`, `[[variants]]`), with every check the manifest applies.
///
/// ```
/// let targeting = flag_manifest::parse_flag_rules(r#"
/// [[rules]]
/// constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
/// "#).unwrap();
/// assert_eq!(targeting.rules.len(), 1);
///
/// // Refused: the error holds every problem, each with its place in the text, and its `Display` gives
/// // them as `flags.toml:line:col: message`, one a line.
/// let error = flag_manifest::parse_flag_rules("[[rules]]\nconstraints = [{ context = \"x\", operator = \"inn\", values = [] }]\n").unwrap_err();
/// assert!(error.diagnostics()[0].message.contains("did you mean `in`?"), "{error}");
/// assert!(error.to_string().starts_with("flags.toml:2:"), "{error}");
/// ```
pub fn parse_flag_rules(text: &str) -> Result<Targeting, ParseError> {
    let raw: RawDocument = deserialize(text)?;
    let mut errors = Vec::new();
    let targeting = build_targeting(
        text,
        raw.variant_stickiness.as_ref(),
        raw.rules.as_deref().unwrap_or_default(),
        raw.variants.as_deref().unwrap_or_default(),
        &mut errors,
    );
    checked(targeting, errors)
}
