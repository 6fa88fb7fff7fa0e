//! Constraints compiled for evaluation: each value parsed once, when the flag's targeting is built, and the
//! context's value parsed in place at each check.
//!
//! Semantics follow Unleash's SDKs: a missing field fails every operator but `not_in` (which it passes), an
//! unparseable context value fails its operator, and `inverted` flips the final outcome. Case-insensitive
//! comparisons lower-case both sides character by character, without building lowered strings.
//!
//! Nearly every constraint is a case-sensitive `in` or `not_in` on a short property (`plan in ["pro",
//! "team"]`); it compiles to a test of its own that a rule's loop evaluates without calling anything (see
//! [`all_hold`]). The other operators are evaluated out of line: their code, and the registers it needs,
//! would otherwise weigh on every check of the common one.

use std::cmp::Ordering;
use std::net::IpAddr;

use flag_manifest::targeting::{Cidr, SemVer, parse_number, parse_rfc3339};
use flag_manifest::{Constraint, Operator};

use super::context::Context;
use super::short_str::ShortStr;

/// A context field, resolved from its name once.
#[derive(Debug, Clone)]
pub(crate) enum Field {
    UserId,
    SessionId,
    RemoteAddress,
    CurrentTime,
    Environment,
    AppName,
    Property(ShortStr),
}

impl Field {
    pub(crate) fn from_name(name: &str) -> Field {
        match name {
            "user_id" => Field::UserId,
            "session_id" => Field::SessionId,
            "remote_address" => Field::RemoteAddress,
            "current_time" => Field::CurrentTime,
            "environment" => Field::Environment,
            "app_name" => Field::AppName,
            property => Field::Property(ShortStr::new(property)),
        }
    }

    /// The field's string value in `ctx` (`None` for `current_time`, which is an instant).
    ///
    /// Rules nearly always name a property, looked up here; the other fields are read out of line, so that
    /// this stays small enough to inline into every constraint and stickiness.
    #[inline]
    pub(crate) fn get<'a>(&self, ctx: &Context<'a>) -> Option<&'a str> {
        match self {
            Field::Property(name) => ctx.compiled_property_value(name),
            builtin => builtin.builtin(ctx),
        }
    }

    #[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
    fn builtin<'a>(&self, ctx: &Context<'a>) -> Option<&'a str> {
        match self {
            Field::UserId => ctx.user(),
            Field::SessionId => ctx.session(),
            Field::RemoteAddress => ctx.address(),
            Field::CurrentTime => None,
            Field::Environment => ctx.environment_value(),
            Field::AppName => ctx.app_name_value(),
            Field::Property(name) => ctx.compiled_property_value(name),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Comparison {
    fn holds(self, order: Ordering) -> bool {
        match self {
            Comparison::Eq => order == Ordering::Equal,
            Comparison::Gt => order == Ordering::Greater,
            Comparison::Gte => order != Ordering::Less,
            Comparison::Lt => order == Ordering::Less,
            Comparison::Lte => order != Ordering::Greater,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum StringTest {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug)]
enum Test {
    /// `in` (`negate: false`) and `not_in` (`negate: true`), case-sensitive, on a property whose name and
    /// values are all short (see [`ShortStr::is_short`]): the commonest constraint by far, tested by
    /// [`CompiledConstraint::quick_match`] from what is here alone. `name` repeats the field's, and `flip`
    /// is `negate != inverted`: the outcome when the value is in no list.
    ShortOneOf {
        name: ShortStr,
        values: Box<[ShortStr]>,
        flip: bool,
    },
    /// Any other case-sensitive `in` and `not_in`.
    OneOf {
        values: Box<[ShortStr]>,
        negate: bool,
    },
    /// `in` and `not_in`, case-insensitive: the values are lower-cased.
    OneOfIgnoringCase {
        values: Box<[Box<str>]>,
        negate: bool,
    },
    Text {
        test: StringTest,
        values: Box<[Box<str>]>,
        case_insensitive: bool,
    },
    Number {
        comparison: Comparison,
        value: f64,
    },
    Date {
        after: bool,
        millis: i64,
    },
    Version {
        comparison: Comparison,
        major: u64,
        minor: u64,
        patch: u64,
        pre: Box<str>,
    },
    #[cfg(feature = "regex")]
    Pattern(regex::Regex),
    Network(Box<[Cidr]>),
}

/// One constraint, ready to evaluate.
#[derive(Debug)]
pub(crate) struct CompiledConstraint {
    field: Field,
    inverted: bool,
    test: Test,
}

impl CompiledConstraint {
    /// Compiles `constraint`; fails only on values the manifest's checks would have refused (a model built
    /// by hand) or on `regex` without the `regex` feature.
    pub(crate) fn new(constraint: &Constraint) -> Result<Self, String> {
        let values = &constraint.values;
        let single = || {
            constraint.value().ok_or_else(|| {
                format!(
                    "operator `{}` takes exactly one value, found {}",
                    constraint.operator,
                    values.len()
                )
            })
        };
        let number = |comparison| -> Result<Test, String> {
            let text = single()?;
            let value = parse_number(text).ok_or_else(|| format!("`{text}` is not a number"))?;
            Ok(Test::Number { comparison, value })
        };
        let version = |comparison| -> Result<Test, String> {
            let text = single()?;
            let parsed =
                SemVer::parse(text).ok_or_else(|| format!("`{text}` is not a semantic version"))?;
            Ok(Test::Version {
                comparison,
                major: parsed.major,
                minor: parsed.minor,
                patch: parsed.patch,
                pre: parsed.pre.into(),
            })
        };
        let date = |after| -> Result<Test, String> {
            let text = single()?;
            let millis = parse_rfc3339(text)
                .ok_or_else(|| format!("`{text}` is not an RFC 3339 date-time"))?;
            Ok(Test::Date { after, millis })
        };
        let case_insensitive = constraint.case_insensitive;
        let strings = || -> Box<[Box<str>]> {
            values
                .iter()
                .map(|value| {
                    if case_insensitive {
                        value
                            .chars()
                            .flat_map(char::to_lowercase)
                            .collect::<String>()
                            .into()
                    } else {
                        value.as_str().into()
                    }
                })
                .collect()
        };
        let text = |test| Test::Text {
            test,
            values: strings(),
            case_insensitive,
        };
        let test = match constraint.operator {
            Operator::In | Operator::NotIn if case_insensitive => Test::OneOfIgnoringCase {
                values: strings(),
                negate: constraint.operator == Operator::NotIn,
            },
            Operator::In | Operator::NotIn => {
                let values: Box<[ShortStr]> =
                    values.iter().map(|value| ShortStr::new(value)).collect();
                let negate = constraint.operator == Operator::NotIn;
                match Field::from_name(&constraint.context) {
                    Field::Property(name)
                        if name.is_short() && values.iter().all(ShortStr::is_short) =>
                    {
                        Test::ShortOneOf {
                            name,
                            values,
                            flip: negate != constraint.inverted,
                        }
                    }
                    _ => Test::OneOf { values, negate },
                }
            }
            Operator::StrStartsWith => text(StringTest::StartsWith),
            Operator::StrEndsWith => text(StringTest::EndsWith),
            Operator::StrContains => text(StringTest::Contains),
            Operator::NumEq => number(Comparison::Eq)?,
            Operator::NumGt => number(Comparison::Gt)?,
            Operator::NumGte => number(Comparison::Gte)?,
            Operator::NumLt => number(Comparison::Lt)?,
            Operator::NumLte => number(Comparison::Lte)?,
            Operator::DateAfter => date(true)?,
            Operator::DateBefore => date(false)?,
            Operator::SemverEq => version(Comparison::Eq)?,
            Operator::SemverGt => version(Comparison::Gt)?,
            Operator::SemverGte => version(Comparison::Gte)?,
            Operator::SemverLt => version(Comparison::Lt)?,
            Operator::SemverLte => version(Comparison::Lte)?,
            Operator::Regex => pattern(single()?, case_insensitive)?,
            Operator::InCidr => Test::Network(
                values
                    .iter()
                    .map(|value| {
                        Cidr::parse(value)
                            .ok_or_else(|| format!("`{value}` is not an IP address or CIDR block"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(CompiledConstraint {
            field: Field::from_name(&constraint.context),
            inverted: constraint.inverted,
            test,
        })
    }

    /// Whether the constraint holds for `ctx`.
    pub(crate) fn matches(&self, ctx: &Context<'_>) -> bool {
        self.holds(ctx) != self.inverted
    }

    /// [`CompiledConstraint::matches`] for a [`Test::ShortOneOf`] in a context whose properties are all
    /// inline; `None` for anything else. Nothing here calls a function.
    #[inline(always)]
    fn quick_match(&self, ctx: &Context<'_>) -> Option<bool> {
        let Test::ShortOneOf { name, values, flip } = &self.test else {
            return None;
        };
        if ctx.has_spilled_properties() {
            return None;
        }
        // A missing field is in no list.
        let found = ctx
            .short_property_value(name)
            .is_some_and(|value| values.iter().any(|wanted| wanted.matches_short(value)));
        Some(found != *flip)
    }

    /// Whether the constraint's test holds for `ctx`, before `inverted`.
    #[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
    fn holds(&self, ctx: &Context<'_>) -> bool {
        let value = self.field.get(ctx);
        match &self.test {
            Test::ShortOneOf { values, flip, .. } => {
                let found = value
                    .is_some_and(|value| values.iter().any(|wanted| wanted.matches_short(value)));
                // `flip` already holds `inverted`, which the caller applies again.
                found != (*flip != self.inverted)
            }
            Test::OneOf { values, negate } => {
                value.is_some_and(|value| values.iter().any(|wanted| wanted.matches(value)))
                    != *negate
            }
            Test::OneOfIgnoringCase { values, negate } => {
                value.is_some_and(|value| {
                    values
                        .iter()
                        .any(|wanted| equal_ignoring_case(value, wanted))
                }) != *negate
            }
            Test::Text {
                test,
                values,
                case_insensitive,
            } => value.is_some_and(|value| {
                values
                    .iter()
                    .any(|wanted| text_matches(*test, value, wanted, *case_insensitive))
            }),
            Test::Number {
                comparison,
                value: wanted,
            } => value
                .and_then(parse_number)
                .and_then(|number| number.partial_cmp(wanted))
                .is_some_and(|order| comparison.holds(order)),
            Test::Date { after, millis } => {
                let instant = match self.field {
                    Field::CurrentTime => Some(ctx.now_millis()),
                    _ => value.and_then(parse_rfc3339),
                };
                instant.is_some_and(|instant| {
                    if *after {
                        instant > *millis
                    } else {
                        instant < *millis
                    }
                })
            }
            Test::Version {
                comparison,
                major,
                minor,
                patch,
                pre,
            } => value.and_then(SemVer::parse).is_some_and(|version| {
                let wanted = SemVer {
                    major: *major,
                    minor: *minor,
                    patch: *patch,
                    pre,
                };
                comparison.holds(version.cmp(&wanted))
            }),
            #[cfg(feature = "regex")]
            Test::Pattern(regex) => value.is_some_and(|value| regex.is_match(value)),
            Test::Network(blocks) => value
                .and_then(|value| value.trim().parse::<IpAddr>().ok())
                .is_some_and(|address| blocks.iter().any(|block| block.contains(address))),
        }
    }
}

/// Whether every one of `constraints` holds for `ctx`.
///
/// The common constraints are tested in a loop that calls nothing, so that it needs few registers; at the
/// first other one, all are tested in full, out of line (testing has no effects, so the ones that held
/// already may be tested again).
#[inline]
pub(crate) fn all_hold(constraints: &[CompiledConstraint], ctx: &Context<'_>) -> bool {
    if cfg!(flag_runtime_without = "out_of_line") {
        return all_hold_in_full(constraints, ctx);
    }
    for constraint in constraints {
        match constraint.quick_match(ctx) {
            Some(true) => {}
            Some(false) => return false,
            None => return all_hold_in_full(constraints, ctx),
        }
    }
    true
}

#[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
fn all_hold_in_full(constraints: &[CompiledConstraint], ctx: &Context<'_>) -> bool {
    constraints.iter().all(|constraint| constraint.matches(ctx))
}

#[cfg(feature = "regex")]
fn pattern(text: &str, case_insensitive: bool) -> Result<Test, String> {
    regex::RegexBuilder::new(text)
        .case_insensitive(case_insensitive)
        .build()
        .map(Test::Pattern)
        .map_err(|error| format!("`{text}` is not a regular expression: {error}"))
}

#[cfg(not(feature = "regex"))]
fn pattern(_text: &str, _case_insensitive: bool) -> Result<Test, String> {
    Err("the `regex` operator needs the `regex` feature of flag-runtime".to_owned())
}

/// `value` against a needle already lower-cased when `case_insensitive`.
fn text_matches(test: StringTest, value: &str, needle: &str, case_insensitive: bool) -> bool {
    if !case_insensitive {
        return match test {
            StringTest::StartsWith => value.starts_with(needle),
            StringTest::EndsWith => value.ends_with(needle),
            StringTest::Contains => value.contains(needle),
        };
    }
    match test {
        StringTest::StartsWith => starts_with_ignoring_case(value, needle),
        StringTest::EndsWith => {
            let mut lowered = value.chars().rev().flat_map(|c| c.to_lowercase().rev());
            needle
                .chars()
                .rev()
                .all(|wanted| lowered.next() == Some(wanted))
        }
        StringTest::Contains => {
            needle.is_empty()
                || value
                    .char_indices()
                    .any(|(start, _)| starts_with_ignoring_case(&value[start..], needle))
        }
    }
}

fn starts_with_ignoring_case(value: &str, lowered_needle: &str) -> bool {
    let mut lowered = value.chars().flat_map(char::to_lowercase);
    lowered_needle
        .chars()
        .all(|wanted| lowered.next() == Some(wanted))
}

fn equal_ignoring_case(value: &str, lowered: &str) -> bool {
    value
        .chars()
        .flat_map(char::to_lowercase)
        .eq(lowered.chars())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_text_beyond_ascii() {
        assert!(starts_with_ignoring_case("ÉCOLE du soir", "école"));
        assert!(text_matches(
            StringTest::EndsWith,
            "Straße GRÜN",
            "grün",
            true
        ));
        assert!(text_matches(
            StringTest::Contains,
            "Ärger im ÖL",
            "im öl",
            true
        ));
        assert!(!text_matches(StringTest::Contains, "abc", "abcd", true));
        assert!(text_matches(StringTest::Contains, "abc", "", true));
        assert!(equal_ignoring_case("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"));
        assert!(!equal_ignoring_case("abc", "ab"));
    }
}
