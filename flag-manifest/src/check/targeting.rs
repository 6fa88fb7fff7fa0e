//! A flag's targeting keys, checked and converted to the model: what a schema cannot catch.
//!
//! Unknown operators, values that do not parse for their operator (see `targeting::ValueKind`), percentages
//! over 100, variant names that are not snake_case or repeat, weights that add up to nothing. Every problem
//! is collected with the span of what the user wrote, and checking goes on after it.

use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;

use super::describe;
use super::names::check_name;
use crate::diagnostic::Diagnostic;
use crate::raw::{RawConstraint, RawFlag, RawPayload, RawRollout, RawRule, RawVariant};
use crate::suggest::did_you_mean;
use crate::targeting::{
    CONTEXT_FIELDS, Constraint, Operator, Payload, PayloadKind, Rollout, Rule, Stickiness,
    Targeting, UNLEASH_FIELD_NAMES, ValueKind, Variant, VariantOverride, parse_number,
};

/// Checks and converts the targeting keys of a flag's table.
pub(crate) fn flag_targeting(
    text: &str,
    flag: &RawFlag,
    errors: &mut Vec<Diagnostic>,
) -> Targeting {
    build_targeting(
        text,
        flag.variant_stickiness.as_ref(),
        flag.rules.as_deref().unwrap_or_default(),
        flag.variants.as_deref().unwrap_or_default(),
        errors,
    )
}

/// Checks and converts a flag's targeting keys, pushing every problem onto `errors`.
pub(crate) fn build_targeting(
    text: &str,
    variant_stickiness: Option<&Spanned<String>>,
    rules: &[Spanned<RawRule>],
    variants: &[Spanned<RawVariant>],
    errors: &mut Vec<Diagnostic>,
) -> Targeting {
    let checker = Checker { text };
    Targeting {
        variant_stickiness: variant_stickiness
            .and_then(|name| checker.stickiness(name, "variant_stickiness", errors))
            .unwrap_or_default(),
        rules: rules
            .iter()
            .map(|rule| checker.rule(rule.get_ref(), errors))
            .collect(),
        variants: checker.variants(variants, errors),
    }
}

struct Checker<'t> {
    text: &'t str,
}

impl Checker<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::in_manifest(self.text, span, message)
    }

    fn rule(&self, raw: &RawRule, errors: &mut Vec<Diagnostic>) -> Rule {
        let rollout = raw
            .rollout
            .as_ref()
            .and_then(|rollout| self.rollout(rollout.get_ref(), errors));
        Rule {
            user_ids: raw
                .user_ids
                .as_ref()
                .map(|ids| self.scalars(ids, "a user id", errors)),
            constraints: raw
                .constraints
                .iter()
                .filter_map(|constraint| self.constraint(constraint.get_ref(), errors))
                .collect(),
            rollout,
            value: raw.value.as_ref().map(|name| name.get_ref().clone()),
            variants: self.variants(&raw.variants, errors),
        }
    }

    /// A context field's name: not empty, and not Unleash's camelCase spelling of one of ours.
    fn context_name(&self, name: &Spanned<String>, errors: &mut Vec<Diagnostic>) -> Option<String> {
        let text = name.get_ref();
        if text.trim().is_empty() {
            errors.push(
                self.error(name.span(), "a context field name cannot be empty")
                    .with_help(format!(
                        "name one of {} or a property",
                        CONTEXT_FIELDS.join(", ")
                    )),
            );
            return None;
        }
        if let Some((_, ours)) = UNLEASH_FIELD_NAMES
            .iter()
            .find(|(theirs, _)| theirs == text)
        {
            errors.push(
                self.error(
                    name.span(),
                    format!("the context field is written `{ours}`, not `{text}`"),
                )
                .with_help(format!("write `{ours}`")),
            );
            return None;
        }
        Some(text.clone())
    }

    fn stickiness(
        &self,
        name: &Spanned<String>,
        key: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Stickiness> {
        let field = self.context_name(name, errors)?;
        if field == "current_time" {
            errors.push(
                self.error(
                    name.span(),
                    format!("`{key}` cannot be `current_time`, which changes all the time"),
                )
                .with_help("use `default`, `user_id`, `session_id`, `random` or a property"),
            );
            return None;
        }
        Some(Stickiness::from_name(&field))
    }

    fn constraint(&self, raw: &RawConstraint, errors: &mut Vec<Diagnostic>) -> Option<Constraint> {
        let context = self.context_name(&raw.context, errors);
        let operator = self.operator(&raw.operator, errors);
        let (context, operator) = (context?, operator?);
        let is_date = operator.value_kind() == ValueKind::Instant;
        let mut valid = true;
        if context == "current_time" && !is_date {
            errors.push(
                self.error(
                    raw.context.span(),
                    format!("`current_time` can only be compared with `date_after` or `date_before`, not `{operator}`"),
                ),
            );
            valid = false;
        }
        if let Some(flag) = &raw.case_insensitive
            && *flag.get_ref()
            && !operator.honours_case_insensitive()
        {
            errors.push(self.error(
                flag.span(),
                format!("`case_insensitive` has no effect on `{operator}`: it applies to string operators (in, not_in, str_*, regex)"),
            ));
            valid = false;
        }
        let case_insensitive = raw
            .case_insensitive
            .as_ref()
            .is_some_and(|flag| *flag.get_ref());
        let values = self.constraint_values(raw, operator, case_insensitive, errors)?;
        valid.then_some(Constraint {
            context,
            operator,
            values,
            case_insensitive,
            inverted: raw.inverted,
        })
    }

    fn operator(&self, name: &Spanned<String>, errors: &mut Vec<Diagnostic>) -> Option<Operator> {
        let text = name.get_ref();
        if let Ok(operator) = text.parse::<Operator>() {
            if operator == Operator::Regex && !cfg!(feature = "regex") {
                errors.push(
                    self.error(
                        name.span(),
                        "the `regex` operator needs the `regex` feature of flag-runtime",
                    )
                    .with_help(
                        r#"enable it: `flag-runtime = { version = "...", features = ["regex"] }`"#,
                    ),
                );
                return None;
            }
            return Some(operator);
        }
        let suggestion = match text.to_ascii_lowercase().parse::<Operator>() {
            Ok(operator) => format!("; did you mean `{operator}`?"),
            Err(()) => did_you_mean(text, Operator::names()),
        };
        errors.push(
            self.error(
                name.span(),
                format!("unknown operator `{text}`{suggestion}"),
            )
            .with_help(format!(
                "operators: {}",
                Operator::names().collect::<Vec<_>>().join(", ")
            )),
        );
        None
    }

    /// The constraint's values, checked for its operator: any number for a list operator (from `values`
    /// and `value`), exactly one for the others.
    fn constraint_values(
        &self,
        raw: &RawConstraint,
        operator: Operator,
        case_insensitive: bool,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Vec<String>> {
        let mut given: Vec<&Spanned<toml::Value>> = Vec::new();
        if let Some(values) = &raw.values {
            given.extend(values.get_ref().iter());
        }
        given.extend(raw.value.iter());
        if operator.takes_list() {
            if raw.values.is_none() && raw.value.is_none() {
                errors.push(self.error(
                    raw.operator.span(),
                    format!(
                        "operator `{operator}` needs `values = [...]`, the values to compare with"
                    ),
                ));
                return None;
            }
        } else if given.len() != 1 {
            let span = raw
                .values
                .as_ref()
                .map_or(raw.operator.span(), Spanned::span);
            errors.push(
                self.error(
                    span,
                    format!(
                        "operator `{operator}` compares with exactly one value, found {}",
                        given.len()
                    ),
                )
                .with_help(format!(
                    "write `value = \"...\"`, {}",
                    operator.value_kind().describe()
                )),
            );
            return None;
        }
        let mut values = Vec::with_capacity(given.len());
        let mut valid = true;
        for value in given {
            let Some(text) = self.scalar(value, "a constraint value", errors) else {
                valid = false;
                continue;
            };
            let kind = operator.value_kind();
            if let Some(problem) = kind.problem(&text, case_insensitive) {
                errors.push(
                    self.error(
                        value.span(),
                        format!("`{text}` is not {}: {problem}", kind.describe()),
                    )
                    .with_help(kind.example()),
                );
                valid = false;
            }
            values.push(text);
        }
        valid.then_some(values)
    }

    fn rollout(&self, raw: &RawRollout, errors: &mut Vec<Diagnostic>) -> Option<Rollout> {
        let percent = *raw.percent.get_ref();
        let mut valid = true;
        if !(0..=100).contains(&percent) {
            errors.push(self.error(
                raw.percent.span(),
                format!("rollout `percent` must be between 0 and 100, found {percent}"),
            ));
            valid = false;
        }
        let stickiness = match &raw.stickiness {
            Some(name) => self.stickiness(name, "stickiness", errors),
            None => Some(Stickiness::Default),
        };
        let group = match &raw.group {
            Some(group) if group.get_ref().is_empty() => {
                errors.push(
                    self.error(group.span(), "rollout `group` cannot be empty")
                        .with_help("leave it out to group by the flag's name"),
                );
                valid = false;
                None
            }
            Some(group) => Some(group.get_ref().clone()),
            None => None,
        };
        let stickiness = stickiness?;
        valid.then_some(Rollout {
            percent: u8::try_from(percent).unwrap_or(100),
            stickiness,
            group,
        })
    }

    fn variants(&self, raw: &[Spanned<RawVariant>], errors: &mut Vec<Diagnostic>) -> Vec<Variant> {
        let mut seen = HashSet::new();
        let mut variants = Vec::with_capacity(raw.len());
        let mut total: u64 = 0;
        for spanned in raw {
            let variant = spanned.get_ref();
            let name = variant.name.get_ref();
            let errors_before = errors.len();
            check_name(self.text, "variant", name, variant.name.span(), errors);
            if !seen.insert(name.as_str()) {
                errors.push(self.error(
                    variant.name.span(),
                    format!("variant `{name}` is declared twice in the same list"),
                ));
            }
            let weight = *variant.weight.get_ref();
            let weight = match u32::try_from(weight) {
                Ok(weight) => weight,
                Err(_) => {
                    errors.push(self.error(
                        variant.weight.span(),
                        format!(
                            "variant `weight` must be a whole number from 0 to {}, found {weight}",
                            u32::MAX
                        ),
                    ));
                    0
                }
            };
            total += u64::from(weight);
            let payload = variant
                .payload
                .as_ref()
                .and_then(|payload| self.payload(payload.get_ref(), errors));
            let overrides = variant
                .overrides
                .iter()
                .filter_map(|entry| {
                    let entry = entry.get_ref();
                    let context = self.context_name(&entry.context, errors)?;
                    Some(VariantOverride {
                        context,
                        values: self.scalars(&entry.values, "an override value", errors),
                    })
                })
                .collect();
            if errors.len() == errors_before {
                variants.push(Variant {
                    name: name.clone(),
                    weight,
                    payload,
                    overrides,
                });
            }
        }
        if let Some(first) = raw.first() {
            if total == 0 {
                errors.push(
                    self.error(first.span(), "the weights of these variants add up to 0")
                        .with_help("give at least one variant a positive `weight`"),
                );
            } else if total > u64::from(u32::MAX) {
                errors.push(self.error(
                    first.span(),
                    format!(
                        "the weights of these variants add up to {total}, more than {}",
                        u32::MAX
                    ),
                ));
            }
        }
        variants
    }

    fn payload(&self, raw: &RawPayload, errors: &mut Vec<Diagnostic>) -> Option<Payload> {
        let kind_name = raw.kind.get_ref();
        let kind = match kind_name.as_str() {
            "string" => PayloadKind::String,
            "json" => PayloadKind::Json,
            "csv" => PayloadKind::Csv,
            "number" => PayloadKind::Number,
            other => {
                errors.push(self.error(
                    raw.kind.span(),
                    format!(
                        "unknown payload type `{other}`, expected one of {}{}",
                        PayloadKind::NAMES.join(", "),
                        did_you_mean(other, PayloadKind::NAMES)
                    ),
                ));
                return None;
            }
        };
        let value = self.scalar(&raw.value, "a payload value", errors)?;
        if kind == PayloadKind::Number && parse_number(&value).is_none() {
            errors.push(self.error(
                raw.value.span(),
                format!("payload `{value}` is not a number, as its type `number` says"),
            ));
            return None;
        }
        Some(Payload { kind, value })
    }

    fn scalars(
        &self,
        values: &[Spanned<toml::Value>],
        what: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<String> {
        values
            .iter()
            .filter_map(|value| self.scalar(value, what, errors))
            .collect()
    }

    /// A string, or a number or date-time written bare in TOML, as text.
    fn scalar(
        &self,
        value: &Spanned<toml::Value>,
        what: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        match value.get_ref() {
            toml::Value::String(text) => Some(text.clone()),
            toml::Value::Integer(number) => Some(number.to_string()),
            toml::Value::Float(number) if number.is_finite() => Some(number.to_string()),
            toml::Value::Datetime(datetime) => Some(datetime.to_string()),
            other => {
                errors.push(self.error(
                    value.span(),
                    format!(
                        "{what} must be a string (or a number), found {}",
                        describe(other)
                    ),
                ));
                None
            }
        }
    }
}
