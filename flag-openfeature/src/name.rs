//! OpenFeature's flag keys as our flag names. Our names are snake_case (`new_ui`); OpenFeature's keys are
//! often kebab-case (`new-ui`, as in flagd's and most vendors' examples). No name of ours holds a `-`, so
//! each `-` of a key stands for a `_`: both spellings find the flag, and nothing else could be meant. The
//! provider's table holds both spellings of each name ([`kebab`]), so either is found with one lookup.

use std::borrow::Cow;

/// The kebab-case spelling of our flag name `name` (`new-ui` for `new_ui`), `None` when it has no `_`.
pub(crate) fn kebab(name: &str) -> Option<String> {
    name.contains('_').then(|| name.replace('_', "-"))
}

/// The flag name a key stands for: the key with each `-` read as `_`.
pub(crate) fn snake(key: &str) -> Cow<'_, str> {
    if key.contains('-') {
        Cow::Owned(key.replace('-', "_"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_stand_for_underscores() {
        assert_eq!(kebab("new_ui").as_deref(), Some("new-ui"));
        assert_eq!(kebab("checkout"), None);
        assert_eq!(snake("boolean-zero-flag"), "boolean_zero_flag");
        assert!(matches!(snake("new_ui"), Cow::Borrowed("new_ui")));
        assert_eq!(snake("é-ü"), "é_ü");
        let long = "a-".repeat(40);
        assert_eq!(snake(&long), "a_".repeat(40));
        assert_eq!(snake(&kebab("a_b_c").unwrap_or_default()), "a_b_c");
    }
}
