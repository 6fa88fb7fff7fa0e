//! What the values of an operator must be: text, numbers, instants, versions, patterns or networks.
//!
//! Each operator names its kind in the operators' table (`operator.rs`); the parser's checks use the kind
//! to refuse a value that does not parse, with a message saying what was expected, and the JSON Schema
//! gives each kind's values their pattern.

use super::{Cidr, SemVer, parse_number, parse_rfc3339};

/// What each value of an operator must be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Text,
    Number,
    Instant,
    Version,
    Pattern,
    Network,
}

impl ValueKind {
    /// What a value must be, for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ValueKind::Text => "a string",
            ValueKind::Number => "a number",
            ValueKind::Instant => "an RFC 3339 date-time",
            ValueKind::Version => "a semantic version",
            ValueKind::Pattern => "a regular expression",
            ValueKind::Network => "an IP address or CIDR block",
        }
    }

    /// How to write a value of this kind, for the help of a message.
    pub(crate) fn example(self) -> &'static str {
        match self {
            ValueKind::Text => "write the text to compare with",
            ValueKind::Number => "write a decimal number, such as `\"12\"` or `\"2.5\"`",
            ValueKind::Instant => {
                "write a date, a time and a time zone, such as `\"2027-03-01T09:00:00Z\"`"
            }
            ValueKind::Version => {
                "write MAJOR.MINOR.PATCH, such as `\"2.1.0\"` or `\"2.1.0-beta.1\"` (no leading `v`)"
            }
            ValueKind::Pattern => "see https://docs.rs/regex/latest/regex/#syntax",
            ValueKind::Network => "write an address or a block, such as `\"10.0.0.0/8\"`",
        }
    }

    /// Why `text` is not a valid value of this kind, if it is not.
    pub(crate) fn problem(self, text: &str, case_insensitive: bool) -> Option<String> {
        let parses = match self {
            ValueKind::Text => true,
            ValueKind::Number => parse_number(text).is_some(),
            ValueKind::Instant => parse_rfc3339(text).is_some(),
            ValueKind::Version => SemVer::parse(text).is_some(),
            ValueKind::Network => Cidr::parse(text).is_some(),
            ValueKind::Pattern => return regex_problem(text, case_insensitive),
        };
        (!parses).then(|| "it does not parse".to_owned())
    }
}

#[cfg(feature = "regex")]
fn regex_problem(pattern: &str, case_insensitive: bool) -> Option<String> {
    match regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .build()
    {
        Ok(_) => None,
        Err(error) => {
            let text = error.to_string();
            let last_line = text
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .unwrap_or("invalid syntax");
            Some(last_line.trim_start_matches("error: ").to_owned())
        }
    }
}

/// Without the `regex` feature the operator itself is refused (see `Checker::operator`), so no pattern is
/// ever checked here.
#[cfg(not(feature = "regex"))]
fn regex_problem(_pattern: &str, _case_insensitive: bool) -> Option<String> {
    None
}
