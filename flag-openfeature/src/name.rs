//! OpenFeature's flag keys as our flag names. Our names are snake_case (`new_ui`); OpenFeature's keys are
//! often kebab-case (`new-ui`, as in flagd's and most vendors' examples). No name of ours holds a `-`, so the
//! provider reads each `-` of a key as `_`: both spellings find the flag, and nothing else could be meant.

/// The longest key rewritten without allocating.
const INLINE_NAME_LEN: usize = 64;

/// A key as one of our flag names: borrowed when it has no `-`, rewritten in place otherwise.
pub(crate) enum FlagName<'a> {
    Same(&'a str),
    Inline([u8; INLINE_NAME_LEN], usize),
    Long(String),
}

impl<'a> FlagName<'a> {
    pub(crate) fn new(key: &'a str) -> Self {
        if !key.contains('-') {
            return FlagName::Same(key);
        }
        if key.len() <= INLINE_NAME_LEN {
            let mut bytes = [0; INLINE_NAME_LEN];
            for (out, byte) in bytes.iter_mut().zip(key.bytes()) {
                *out = if byte == b'-' { b'_' } else { byte };
            }
            FlagName::Inline(bytes, key.len())
        } else {
            FlagName::Long(key.replace('-', "_"))
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            FlagName::Same(name) => name,
            // `-` and `_` are both ASCII, so replacing one by the other keeps the text UTF-8.
            FlagName::Inline(bytes, len) => std::str::from_utf8(&bytes[..*len]).unwrap_or_default(),
            FlagName::Long(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_read_as_underscores() {
        assert_eq!(FlagName::new("new_ui").as_str(), "new_ui");
        assert!(matches!(FlagName::new("new_ui"), FlagName::Same(_)));
        assert_eq!(
            FlagName::new("boolean-zero-flag").as_str(),
            "boolean_zero_flag"
        );
        assert_eq!(FlagName::new("é-ü").as_str(), "é_ü");
        let long = "a-".repeat(40);
        assert_eq!(FlagName::new(&long).as_str(), "a_".repeat(40));
    }
}
