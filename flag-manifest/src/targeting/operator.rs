//! The operators a constraint compares with, described once.
//!
//! Each operator's name, whether it takes a list of values, what its values must be, whether
//! `case_insensitive` applies to it and what it means are one row of the table below. Everything that
//! speaks of an operator reads that row: the enum's documentation, the parser's checks and messages
//! (`check::targeting`), and the JSON Schema's descriptions and conditions (`raw::shapes`), so that they
//! cannot drift apart. The runtime's engine implements the meanings (`flag-runtime`'s
//! `targeting/constraint.rs`).

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::value_kind::ValueKind;

macro_rules! operators {
    ($(
        $variant:ident = $name:literal, list: $list:literal, values: $kind:ident,
            case_insensitive: $case_insensitive:literal, $meaning:literal;
    )*) => {
        /// How a constraint compares a context field with its values (snake_case in the manifest).
        ///
        /// ```
        /// use flag_manifest::Operator;
        /// assert_eq!("str_ends_with".parse::<Operator>(), Ok(Operator::StrEndsWith));
        /// assert!(Operator::In.takes_list());
        /// assert!(!Operator::NumGt.takes_list());
        /// assert_eq!(Operator::NumGt.meaning(), "The field, as a number, is greater than the value.");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operator {
            $(#[doc = $meaning] $variant,)*
        }

        impl Operator {
            /// Every operator, in the order of the documentation.
            pub const ALL: &'static [Operator] = &[$(Operator::$variant),*];

            /// The operator's name in the manifest.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operator::$variant => $name,)*
                }
            }

            /// Whether the operator takes a list of `values` (else a single `value`).
            pub fn takes_list(self) -> bool {
                match self {
                    $(Operator::$variant => $list,)*
                }
            }

            /// Whether `case_insensitive = true` means something for this operator: the string
            /// comparisons and `regex`.
            ///
            /// ```
            /// use flag_manifest::Operator;
            /// assert!(Operator::StrContains.honours_case_insensitive());
            /// assert!(!Operator::NumGt.honours_case_insensitive());
            /// ```
            pub fn honours_case_insensitive(self) -> bool {
                match self {
                    $(Operator::$variant => $case_insensitive,)*
                }
            }

            /// What the operator means, one sentence (its documentation, and its description in the JSON
            /// Schema).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Operator::$variant => $meaning.trim_ascii_start(),)*
                }
            }

            /// What each of the operator's values must be.
            pub(crate) fn value_kind(self) -> ValueKind {
                match self {
                    $(Operator::$variant => ValueKind::$kind,)*
                }
            }
        }
    };
}

// A meaning starts with a space, as a `///` comment's text does, so that rustdoc reads it as one.
operators! {
    In = "in", list: true, values: Text, case_insensitive: true,
        " The field equals one of the values.";
    NotIn = "not_in", list: true, values: Text, case_insensitive: true,
        " The field equals none of the values (or is missing).";
    StrStartsWith = "str_starts_with", list: true, values: Text, case_insensitive: true,
        " The field starts with one of the values.";
    StrEndsWith = "str_ends_with", list: true, values: Text, case_insensitive: true,
        " The field ends with one of the values.";
    StrContains = "str_contains", list: true, values: Text, case_insensitive: true,
        " The field contains one of the values.";
    NumEq = "num_eq", list: false, values: Number, case_insensitive: false,
        " The field, as a number, equals the value.";
    NumGt = "num_gt", list: false, values: Number, case_insensitive: false,
        " The field, as a number, is greater than the value.";
    NumGte = "num_gte", list: false, values: Number, case_insensitive: false,
        " The field, as a number, is greater than or equal to the value.";
    NumLt = "num_lt", list: false, values: Number, case_insensitive: false,
        " The field, as a number, is less than the value.";
    NumLte = "num_lte", list: false, values: Number, case_insensitive: false,
        " The field, as a number, is less than or equal to the value.";
    DateAfter = "date_after", list: false, values: Instant, case_insensitive: false,
        " The instant (`current_time`, or the field as RFC 3339) is strictly after the value.";
    DateBefore = "date_before", list: false, values: Instant, case_insensitive: false,
        " The instant (`current_time`, or the field as RFC 3339) is strictly before the value.";
    SemverEq = "semver_eq", list: false, values: Version, case_insensitive: false,
        " The field, as a semantic version, equals the value.";
    SemverGt = "semver_gt", list: false, values: Version, case_insensitive: false,
        " The field, as a semantic version, is greater than the value.";
    SemverGte = "semver_gte", list: false, values: Version, case_insensitive: false,
        " The field, as a semantic version, is greater than or equal to the value.";
    SemverLt = "semver_lt", list: false, values: Version, case_insensitive: false,
        " The field, as a semantic version, is less than the value.";
    SemverLte = "semver_lte", list: false, values: Version, case_insensitive: false,
        " The field, as a semantic version, is less than or equal to the value.";
    Regex = "regex", list: false, values: Pattern, case_insensitive: true,
        " The field matches the regular expression (anywhere, unless anchored); needs the `regex` feature of flag-runtime.";
    InCidr = "in_cidr", list: true, values: Network, case_insensitive: false,
        " The field, as an IP address, lies in one of the CIDR blocks (or equals one of the addresses).";
}

impl Operator {
    /// The operator's names, for "did you mean" suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Operator::ALL.iter().map(|operator| operator.as_str())
    }
}

impl FromStr for Operator {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Operator::ALL
            .iter()
            .copied()
            .find(|operator| operator.as_str() == name)
            .ok_or(())
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meaning_is_one_sentence() {
        for &operator in Operator::ALL {
            let meaning = operator.meaning();
            assert!(meaning.starts_with("The "), "{operator}: {meaning}");
            assert!(meaning.ends_with('.'), "{operator}: {meaning}");
            assert_eq!(meaning.matches(". ").count(), 0, "{operator}: {meaning}");
        }
    }
}
