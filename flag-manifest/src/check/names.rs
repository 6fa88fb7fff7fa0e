//! Flag, profile and variant names: lowercase snake_case, with a suggestion when they are not.

use std::ops::Range;

use crate::diagnostic::Diagnostic;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_suggestions() {
        assert_eq!(to_snake_case("NewUi"), "new_ui");
        assert_eq!(to_snake_case("new-ui"), "new_ui");
        assert_eq!(to_snake_case("HTTP2"), "http2");
    }
}
