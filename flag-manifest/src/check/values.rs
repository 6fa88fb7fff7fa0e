//! A flag's typed values (`type`, `values`, `default` as a value's name, `enabled`, a rule's `value`,
//! variants naming values) and its `metadata`: what a schema cannot check, with the span of what the user
//! wrote.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::describe;
use super::names::check_name;
use crate::diagnostic::Diagnostic;
use crate::raw::{RawFlag, RawRule, RawVariant};
use crate::suggest::did_you_mean;
use crate::value::{FlagValues, NamedValue, Value, ValueType};

/// A flag's keys that depend on whether it has a `type`: its values (if it has one) and its on/off
/// default (for a value flag, whether it is `enabled`).
pub(crate) struct Typed {
    pub(crate) values: Option<FlagValues>,
    pub(crate) default: bool,
}

/// Checks `type`, `values`, `default`, `enabled` and the value names that rules and variants use.
pub(crate) fn flag_values(
    text: &str,
    flag: &str,
    raw: &RawFlag,
    flag_span: Range<usize>,
    errors: &mut Vec<Diagnostic>,
) -> Typed {
    let Some(type_name) = &raw.value_type else {
        on_off_only(text, flag, raw, errors);
        let default = match raw
            .default
            .as_ref()
            .map(|value| (value.get_ref(), value.span()))
        {
            None => false,
            Some((toml::Value::Boolean(on), _)) => *on,
            Some((other, span)) => {
                errors.push(
                    Diagnostic::in_manifest(
                        text,
                        span,
                        format!(
                            "`default` of on/off flag `{flag}` is {}, not true or false",
                            describe(other)
                        ),
                    )
                    .with_help(format!(
                        "write `default = true` or `default = false`, or give `[flags.{flag}]` a `type` and `values` to make it a value flag"
                    )),
                );
                false
            }
        };
        return Typed {
            values: None,
            default,
        };
    };
    let enabled = raw.enabled.as_ref().is_none_or(|on| *on.get_ref());
    let Some(value_type) = ValueType::from_name(type_name.get_ref()) else {
        errors.push(
            Diagnostic::in_manifest(
                text,
                type_name.span(),
                format!(
                    "unknown type `{}`{}",
                    type_name.get_ref(),
                    did_you_mean(type_name.get_ref(), ValueType::NAMES)
                ),
            )
            .with_help(format!(
                "a flag's `type` is one of {}",
                ValueType::NAMES.join(", ")
            )),
        );
        return Typed {
            values: None,
            default: enabled,
        };
    };
    let mut values = FlagValues {
        value_type,
        values: named_values(
            text,
            flag,
            value_type,
            raw.values.as_ref(),
            flag_span,
            errors,
        ),
        default: None,
    };
    values.default = match &raw.default {
        None => None,
        Some(default) => match default.get_ref() {
            toml::Value::String(name) => value_name(
                text,
                flag,
                &values,
                name,
                default.span(),
                "`default`",
                errors,
            ),
            other => {
                let literal = values.values.iter().find(|named| {
                    Value::from_toml(other, value_type).is_ok_and(|v| v == named.value)
                });
                let help = match literal {
                    Some(named) => format!("name the value: `default = \"{}\"`", named.name),
                    None => format!("name one of the values: {}", values.listing()),
                };
                errors.push(
                    Diagnostic::in_manifest(
                        text,
                        default.span(),
                        format!(
                            "`default` of value flag `{flag}` is {}: it names one of the flag's values",
                            describe(other)
                        ),
                    )
                    .with_help(help),
                );
                None
            }
        },
    };
    for_each_named_value(raw, |what, name| {
        value_name(
            text,
            flag,
            &values,
            name.get_ref(),
            name.span(),
            what,
            errors,
        );
    });
    Typed {
        values: Some(values),
        default: enabled,
    }
}

/// The declared `values`, in the order written, each checked against the type.
fn named_values(
    text: &str,
    flag: &str,
    value_type: ValueType,
    raw: Option<&Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
    flag_span: Range<usize>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<NamedValue> {
    let Some(raw) = raw.filter(|values| !values.get_ref().is_empty()) else {
        let span = raw.map_or(flag_span, Spanned::span);
        errors.push(
            Diagnostic::in_manifest(
                text,
                span,
                format!("value flag `{flag}` declares no `values`"),
            )
            .with_help(format!(
                "name its values: `values = {{ {} }}`",
                example(value_type)
            )),
        );
        return Vec::new();
    };
    let mut entries: Vec<_> = raw.get_ref().iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut values = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        check_name(text, "value", name.get_ref(), name.span(), errors);
        match Value::from_toml(value.get_ref(), value_type) {
            Ok(checked) => values.push(NamedValue {
                name: name.get_ref().clone(),
                value: checked,
                span: name.span(),
            }),
            Err(problem) => errors.push(Diagnostic::in_manifest(
                text,
                value.span(),
                format!(
                    "value `{}` of flag `{flag}` is {problem} (the flag's `type`)",
                    name.get_ref()
                ),
            )),
        }
    }
    values
}

fn example(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Boolean => "off = false, on = true",
        ValueType::String => "short = \"s\", long = \"l\"",
        ValueType::Integer => "small = 10, large = 200",
        ValueType::Float => "low = 0.1, high = 0.9",
        ValueType::Object => "plain = { color = \"grey\" }",
    }
}

/// The index of the value called `name`, or an error at `span` saying which values there are.
fn value_name(
    text: &str,
    flag: &str,
    values: &FlagValues,
    name: &str,
    span: Range<usize>,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let index = values.index_of(name);
    if index.is_none() && !values.values.is_empty() {
        errors.push(
            Diagnostic::in_manifest(
                text,
                span,
                format!(
                    "{what} names `{name}`, which is not a value of flag `{flag}`{}",
                    did_you_mean(name, values.names())
                ),
            )
            .with_help(format!("the flag's values: {}", values.listing())),
        );
    }
    index
}

/// Calls `visit` with each value name a rule's `value` or a variant gives.
fn for_each_named_value(raw: &RawFlag, mut visit: impl FnMut(&str, &Spanned<String>)) {
    let mut variants = |list: &[Spanned<RawVariant>]| {
        for variant in list {
            visit("variant", &variant.get_ref().name);
        }
    };
    variants(raw.variants.as_deref().unwrap_or_default());
    for rule in raw.rules.as_deref().unwrap_or_default() {
        variants(&rule.get_ref().variants);
    }
    for rule in raw.rules.as_deref().unwrap_or_default() {
        if let Some(value) = &rule.get_ref().value {
            visit("the rule's `value`", value);
        }
    }
}

/// The keys that need a `type`, on a flag without one.
fn on_off_only(text: &str, flag: &str, raw: &RawFlag, errors: &mut Vec<Diagnostic>) {
    let mut refuse = |key: &str, span: Range<usize>| {
        errors.push(
            Diagnostic::in_manifest(
                text,
                span,
                format!("flag `{flag}` has `{key}`, but only a flag with a `type` carries values"),
            )
            .with_help(format!(
                "add `type = \"...\"` ({}) to `[flags.{flag}]`, or remove its `{key}`",
                ValueType::NAMES.join(", ")
            )),
        );
    };
    if let Some(values) = &raw.values {
        refuse("values", values.span());
    }
    if let Some(enabled) = &raw.enabled {
        refuse("enabled", enabled.span());
    }
    let rule_values = raw.rules.as_deref().unwrap_or_default().iter();
    for value in rule_values.filter_map(|rule: &Spanned<RawRule>| rule.get_ref().value.as_ref()) {
        refuse("value", value.span());
    }
}

/// `metadata`: strings, integers, floats and booleans, sorted by key.
pub(crate) fn metadata(
    text: &str,
    flag: &str,
    raw: Option<&BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(String, Value)> {
    let mut entries = Vec::new();
    for (key, value) in raw.into_iter().flatten() {
        match Value::from_toml_scalar(value.get_ref()) {
            Ok(value) => entries.push((key.get_ref().clone(), value)),
            Err(problem) => errors.push(Diagnostic::in_manifest(
                text,
                value.span(),
                format!("metadata `{}` of flag `{flag}` is {problem}", key.get_ref()),
            )),
        }
    }
    entries
}

/// A profile's entry for `flag`: an on/off state, or (for a value flag) a value's name or literal, chosen
/// by [`FlagValues::choose`].
pub(crate) enum ProfileEntry {
    State(bool),
    Value(usize),
}

/// Checks a profile's entry `value` for the flag `flag` (`values`: its values, if it is a value flag).
pub(crate) fn profile_entry(
    text: &str,
    profile: &str,
    flag: &str,
    values: Option<&FlagValues>,
    value: &Spanned<toml::Value>,
    errors: &mut Vec<Diagnostic>,
) -> Option<ProfileEntry> {
    let error = |message: String| Diagnostic::in_manifest(text, value.span(), message);
    match (values, value.get_ref()) {
        (None, toml::Value::Boolean(on)) => Some(ProfileEntry::State(*on)),
        (None, other) => {
            errors.push(error(format!(
                "profile `{profile}` gives on/off flag `{flag}` {}, not true or false",
                describe(other)
            )));
            None
        }
        (
            Some(values),
            scalar @ (toml::Value::String(_)
            | toml::Value::Integer(_)
            | toml::Value::Float(_)
            | toml::Value::Boolean(_)),
        ) => {
            let text_form = match scalar {
                toml::Value::String(name) => name.clone(),
                other => other.to_string(),
            };
            match values.choose(&text_form) {
                Ok(index) => Some(ProfileEntry::Value(index)),
                Err(problem) => {
                    errors.push(error(format!(
                        "profile `{profile}` sets `{flag}`: {problem}"
                    )));
                    None
                }
            }
        }
        (Some(values), other) => {
            errors.push(
                error(format!(
                    "profile `{profile}` gives value flag `{flag}` {}: name one of its values",
                    describe(other)
                ))
                .with_help(format!("the flag's values: {}", values.listing())),
            );
            None
        }
    }
}
