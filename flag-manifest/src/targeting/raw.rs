//! From the TOML of `rules`, `variants`, `variant_stickiness` and `requires` entries to the checked model.
//!
//! serde (with `deny_unknown_fields`) catches unknown keys and wrong types; the checks here catch what a
//! schema cannot: unknown operators, values that do not parse for their operator, percentages over 100,
//! variant names that are not snake_case or repeat, weights that add up to nothing. Every problem is
//! collected with the span of what the user wrote, and checking goes on after it.

use std::collections::HashSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{
    CONTEXT_FIELDS, Constraint, Operator, Payload, PayloadKind, Requirement, Rollout, Rule,
    Stickiness, Targeting, Variant, VariantOverride, parse_number,
};
use crate::diagnostic::Diagnostic;
use crate::parse::{check_name, toml_message};
use crate::suggest::did_you_mean;

/// One `[[flags.NAME.rules]]` table: a way for a context to turn the flag on. Every condition the rule
/// states must hold; a rule without conditions matches every context.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Rule"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    /// The context's user id must be one of these (an empty list matches no one).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::schema::Scalar>>")
    )]
    user_ids: Option<Vec<Spanned<toml::Value>>>,
    /// Conditions on the context's fields; all must hold.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::schema::Constraints<RawConstraint>")
    )]
    constraints: Vec<Spanned<RawConstraint>>,
    /// Only this sticky share of the contexts that pass the other conditions matches.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawRollout>"))]
    rollout: Option<Spanned<RawRollout>>,
    /// Variants for the contexts this rule turns on, chosen with the rollout's group and stickiness; when
    /// empty, the flag's variants apply.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::Variants"))]
    variants: Vec<Spanned<RawVariant>>,
}

/// A condition on one field of the context, such as
/// `{ context = "country", operator = "in", values = ["NZ", "AU"] }`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Constraint"))]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    /// The field compared: `user_id`, `session_id`, `remote_address`, `current_time`, `environment`,
    /// `app_name`, or a property's name.
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::ContextField"))]
    context: Spanned<String>,
    /// How the field is compared with the values.
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::OperatorName"))]
    operator: Spanned<String>,
    /// The values to compare with: any number for `in`, `not_in`, `str_*` and `in_cidr`, exactly one
    /// (counting `value`) for the others.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::schema::Scalar>>")
    )]
    values: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    /// The value to compare with, for the operators that take one.
    #[cfg_attr(feature = "schema", schemars(with = "Option<crate::schema::Scalar>"))]
    value: Option<Spanned<toml::Value>>,
    /// Compare ignoring case (`in`, `not_in`, `str_*` and `regex` only).
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<bool>", extend("default" = false))
    )]
    case_insensitive: Option<Spanned<bool>>,
    /// Negate the outcome.
    #[serde(default)]
    inverted: bool,
}

/// A sticky percentage of the contexts: the same stickiness value always lands in the same bucket.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Rollout"))]
#[serde(deny_unknown_fields)]
struct RawRollout {
    /// The share of contexts that match, 0 to 100.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::schema::Integer", range(min = 0, max = 100))
    )]
    percent: Spanned<i64>,
    /// What keeps a context in its bucket: `default` (user id, else session id, else random), `user_id`,
    /// `session_id`, `random`, or another context field or property.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::schema::Stickiness>")
    )]
    stickiness: Option<Spanned<String>>,
    /// Salts the buckets, so that flags sharing a group roll out to the same contexts; the flag's name when
    /// absent.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(min = 1)))]
    group: Option<Spanned<String>>,
}

/// One weighted variant: `[[flags.NAME.variants]]`, or an entry of a rule's `variants`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Variant"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    /// The variant's name: lowercase snake_case, unique among its siblings.
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::VariantName"))]
    name: Spanned<String>,
    /// Its share: its weight over the sum of its siblings' weights (0 never wins by weight).
    #[cfg_attr(
        feature = "schema",
        schemars(
            with = "crate::schema::Integer",
            range(min = 0, max = 4_294_967_295_i64)
        )
    )]
    weight: Spanned<i64>,
    /// Data handed to the code with the variant.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawPayload>"))]
    payload: Option<Spanned<RawPayload>>,
    /// Contexts that always get this variant, whatever the weights.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<RawOverride>"))]
    overrides: Vec<Spanned<RawOverride>>,
}

/// Data attached to a variant, such as `{ type = "json", value = '{"steps": 1}' }`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(rename = "Payload", transform = crate::schema::payload_rules)
)]
#[serde(deny_unknown_fields)]
struct RawPayload {
    /// How to read `value`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::PayloadType"))]
    kind: Spanned<String>,
    /// The data, as text (a number is taken as its text).
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::Scalar"))]
    value: Spanned<toml::Value>,
}

/// Contexts whose field equals one of `values` get the variant regardless of weights.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "VariantOverride"))]
#[serde(deny_unknown_fields)]
struct RawOverride {
    /// The field: one of the context's fields or a property's name.
    #[cfg_attr(feature = "schema", schemars(with = "crate::schema::ContextField"))]
    context: Spanned<String>,
    /// The values that select the variant.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::schema::Scalar>"))]
    values: Vec<Spanned<toml::Value>>,
}

/// A targeting on its own, as [`super::rules_to_toml`] writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    variant_stickiness: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<RawRule>>>,
    variants: Option<Vec<Spanned<RawVariant>>>,
}

/// Whether a flag's table has a targeting key (even an empty list), and which, with the span to point at
/// if it may not: the first entry, else `fallback` (the flag's name).
pub(crate) fn has_targeting(
    variant_stickiness: Option<&Spanned<String>>,
    rules: Option<&Vec<Spanned<RawRule>>>,
    variants: Option<&Vec<Spanned<RawVariant>>>,
    fallback: Range<usize>,
) -> Option<(&'static str, Range<usize>)> {
    if let Some(rules) = rules {
        return Some(("rules", rules.first().map_or(fallback, Spanned::span)));
    }
    if let Some(variants) = variants {
        return Some(("variants", variants.first().map_or(fallback, Spanned::span)));
    }
    variant_stickiness.map(|stickiness| ("variant_stickiness", stickiness.span()))
}

pub(crate) fn parse_document(text: &str) -> Result<Targeting, Vec<Diagnostic>> {
    let raw: RawDocument = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        vec![Diagnostic::in_manifest(text, span, toml_message(&error))]
    })?;
    let mut errors = Vec::new();
    let targeting = build_targeting(
        text,
        raw.variant_stickiness.as_ref(),
        raw.rules.as_deref().unwrap_or_default(),
        raw.variants.as_deref().unwrap_or_default(),
        &mut errors,
    );
    if errors.is_empty() {
        Ok(targeting)
    } else {
        Err(errors)
    }
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

/// One entry of `requires`: a flag name, or a table `{ flag = "name", enabled = false, variants = [..] }`.
pub(crate) fn build_requirement(
    text: &str,
    entry: &Spanned<toml::Value>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Requirement> {
    let span = entry.span();
    let error = |message: String| Diagnostic::in_manifest(text, span.clone(), message);
    let table = match entry.get_ref() {
        toml::Value::String(name) => {
            return Some(Requirement {
                flag: name.clone(),
                enabled: true,
                variants: Vec::new(),
                span,
            });
        }
        toml::Value::Table(table) => table,
        other => {
            errors.push(
                error(format!(
                    "each entry of `requires` is a flag name or a table, found {}",
                    describe(other)
                ))
                .with_help(
                    r#"write `"name"`, or `{ flag = "name", enabled = false }` on a dynamic flag"#,
                ),
            );
            return None;
        }
    };
    let mut valid = true;
    for key in table.keys() {
        if !["flag", "enabled", "variants"].contains(&key.as_str()) {
            errors.push(error(format!(
                "unknown key `{key}` in an entry of `requires`, expected `flag`, `enabled` or `variants`{}",
                did_you_mean(key, ["flag", "enabled", "variants"])
            )));
            valid = false;
        }
    }
    let flag = match table.get("flag") {
        Some(toml::Value::String(name)) => Some(name.clone()),
        Some(other) => {
            errors.push(error(format!(
                "`flag` in an entry of `requires` must be a flag name, found {}",
                describe(other)
            )));
            None
        }
        None => {
            errors.push(error(
                "an entry of `requires` written as a table needs `flag = \"name\"`".to_owned(),
            ));
            None
        }
    };
    let enabled = match table.get("enabled") {
        None => true,
        Some(toml::Value::Boolean(enabled)) => *enabled,
        Some(other) => {
            errors.push(error(format!(
                "`enabled` in an entry of `requires` must be true or false, found {}",
                describe(other)
            )));
            valid = false;
            true
        }
    };
    let mut variant_names = Vec::new();
    match table.get("variants") {
        None => {}
        Some(toml::Value::Array(names)) => {
            for name in names {
                match name {
                    toml::Value::String(name) => variant_names.push(name.clone()),
                    other => {
                        errors.push(error(format!(
                            "`variants` in an entry of `requires` lists variant names, found {}",
                            describe(other)
                        )));
                        valid = false;
                    }
                }
            }
        }
        Some(other) => {
            errors.push(error(format!(
                "`variants` in an entry of `requires` must be a list of variant names, found {}",
                describe(other)
            )));
            valid = false;
        }
    }
    if !enabled && !variant_names.is_empty() {
        errors.push(error(
            "an entry of `requires` cannot ask for variants of a flag that must be off".to_owned(),
        ));
        valid = false;
    }
    let flag = flag?;
    valid.then_some(Requirement {
        flag,
        enabled,
        variants: variant_names,
        span,
    })
}

fn describe(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// The names Unleash gives the context's fields, and ours.
pub(crate) const UNLEASH_FIELD_NAMES: [(&str, &str); 5] = [
    ("userId", "user_id"),
    ("sessionId", "session_id"),
    ("remoteAddress", "remote_address"),
    ("currentTime", "current_time"),
    ("appName", "app_name"),
];

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
        let is_date = matches!(operator, Operator::DateAfter | Operator::DateBefore);
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

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use crate::diagnostic::Location;
    use crate::model::{ExpiredPolicy, Manifest, Mode};
    use crate::parse::parse_state_file;
    use crate::targeting::{
        Operator, PayloadKind, Requirement, Stickiness, parse_flag_rules, rules_to_toml,
    };

    /// (line, column, message, help) of every error.
    fn errors(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
        Manifest::parse(text)
            .unwrap_err()
            .into_iter()
            .map(|d| match d.location {
                Location::Manifest { line, column, .. } => (line, column, d.message, d.help),
                other => panic!("unexpected location {other:?}"),
            })
            .collect()
    }

    fn one_error(text: &str) -> (usize, usize, String, Option<String>) {
        let mut found = errors(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        found.remove(0)
    }

    const FULL: &str = r#"
[flags.checkout_v2]
mode = "dynamic"
default = false
variant_stickiness = "tenant"

[[flags.checkout_v2.rules]]
user_ids = ["42", 7]

[[flags.checkout_v2.rules]]
constraints = [
  { context = "country", operator = "in", values = ["NZ", "AU"] },
  { context = "email", operator = "str_ends_with", values = ["@example.com"], case_insensitive = true },
  { context = "app_version", operator = "semver_gt", value = "2.1.0", inverted = true },
  { context = "current_time", operator = "date_after", value = 2022-01-29T13:00:00Z },
  { context = "age", operator = "num_gte", value = 18 },
  { context = "remote_address", operator = "in_cidr", values = ["10.0.0.0/8", "::1"] },
]
rollout = { percent = 25, stickiness = "user_id", group = "checkout" }
[[flags.checkout_v2.rules.variants]]
name = "rule_only"
weight = 1

[[flags.checkout_v2.variants]]
name = "control"
weight = 50

[[flags.checkout_v2.variants]]
name = "treatment"
weight = 50
payload = { type = "json", value = '{"color":"red"}' }
overrides = [{ context = "user_id", values = ["42", 7] }]

[flags.parent]
mode = "dynamic"
[flags.child]
mode = "dynamic"
requires = ["parent", { flag = "checkout_v2", variants = ["treatment"] }, { flag = "legacy", enabled = false }]
[flags.legacy]
"#;

    #[test]
    fn parses_the_whole_syntax() {
        let manifest = Manifest::parse(FULL).unwrap();
        let flag = manifest.flag("checkout_v2").unwrap();
        let targeting = &flag.targeting;
        assert_eq!(
            targeting.variant_stickiness,
            Stickiness::Field("tenant".into())
        );
        assert_eq!(
            targeting.rules[0].user_ids,
            Some(vec!["42".to_owned(), "7".to_owned()])
        );
        let rule = &targeting.rules[1];
        let operators: Vec<Operator> = rule.constraints.iter().map(|c| c.operator).collect();
        assert_eq!(
            operators,
            [
                Operator::In,
                Operator::StrEndsWith,
                Operator::SemverGt,
                Operator::DateAfter,
                Operator::NumGte,
                Operator::InCidr
            ]
        );
        assert!(rule.constraints[1].case_insensitive);
        assert!(rule.constraints[2].inverted);
        assert_eq!(rule.constraints[3].value(), Some("2022-01-29T13:00:00Z"));
        assert_eq!(rule.constraints[4].value(), Some("18"));
        let rollout = rule.rollout.as_ref().unwrap();
        assert_eq!(
            (rollout.percent, &rollout.stickiness),
            (25, &Stickiness::UserId)
        );
        assert_eq!(rollout.group.as_deref(), Some("checkout"));
        assert_eq!(rule.variants[0].name, "rule_only");
        assert_eq!(
            targeting.variants[1].payload.as_ref().unwrap().kind,
            PayloadKind::Json
        );
        assert_eq!(targeting.variants[1].overrides[0].values, ["42", "7"]);
        assert_eq!(
            targeting.variant_names(),
            ["control", "treatment", "rule_only"]
        );

        let child = manifest.flag("child").unwrap();
        assert_eq!(
            child.requires,
            ["parent", "checkout_v2"],
            "only what must be on"
        );
        let shapes: Vec<(&str, bool, &[String])> = child
            .requirements
            .iter()
            .map(|r: &Requirement| (r.flag.as_str(), r.enabled, r.variants.as_slice()))
            .collect();
        assert_eq!(shapes[0], ("parent", true, &[][..]));
        assert_eq!(
            shapes[1],
            ("checkout_v2", true, &["treatment".to_owned()][..])
        );
        assert_eq!(shapes[2], ("legacy", false, &[][..]));
        assert!(manifest.flag("legacy").unwrap().targeting.is_empty());
        assert_eq!(manifest.settings.expired, ExpiredPolicy::Warn);
    }

    #[test]
    fn round_trips_through_toml() {
        let manifest = Manifest::parse(FULL).unwrap();
        for flag in &manifest.flags {
            let text = rules_to_toml(flag);
            assert_eq!(parse_flag_rules(&text).unwrap(), flag.targeting, "{text}");
        }
        assert_eq!(rules_to_toml(manifest.flag("legacy").unwrap()), "");
    }

    #[test]
    fn awkward_strings_round_trip() {
        let text = r#"
variant_stickiness = "tenant id"
[[rules]]
user_ids = ["it's", "say \"hi\"", "back\\slash", "line\nbreak", "日本", ""]
constraints = [
  { context = "a.b c", operator = "str_contains", values = ["'", "\"", "\t"] },
  { context = "x", operator = "in_cidr", values = [] },
]
[[variants]]
name = "v"
weight = 1
payload = { type = "csv", value = "a,'b',\"c\"" }
overrides = [{ context = "ünïcode", values = ["ß"] }]
"#;
        let targeting = parse_flag_rules(text).unwrap();
        let written = crate::targeting::targeting_to_toml(&targeting);
        assert_eq!(parse_flag_rules(&written).unwrap(), targeting, "{written}");
        assert_eq!(
            targeting.rules[0].user_ids.as_ref().unwrap()[3],
            "line\nbreak"
        );
    }

    #[test]
    fn requirements_are_met_like_unleash_dependencies() {
        let manifest = Manifest::parse(FULL).unwrap();
        let [on, variant, off] = &manifest.flag("child").unwrap().requirements[..] else {
            panic!()
        };
        assert!(on.is_met(true, None) && on.is_met(true, Some("x")) && !on.is_met(false, None));
        assert!(variant.is_met(true, Some("treatment")));
        assert!(!variant.is_met(true, Some("control")) && !variant.is_met(true, None));
        assert!(!variant.is_met(false, Some("treatment")));
        assert!(off.is_met(false, None) && !off.is_met(true, None));
    }

    #[test]
    fn targeting_needs_a_dynamic_flag() {
        let (line, column, message, help) =
            one_error("[flags.new_ui]\n[[flags.new_ui.rules]]\nuser_ids = [\"1\"]\n");
        assert_eq!((line, column), (2, 1));
        assert_eq!(
            message,
            "flag `new_ui` has `rules`, but only a dynamic flag is decided per context"
        );
        assert_eq!(
            help.unwrap(),
            "set `mode = \"dynamic\"` in `[flags.new_ui]`, or remove its `rules`"
        );
        let variants = one_error(
            "[flags.a]\nmode = \"static\"\n[[flags.a.variants]]\nname = \"x\"\nweight = 1\n",
        );
        assert!(variants.2.contains("has `variants`"), "{}", variants.2);
        let stickiness = one_error("[flags.a]\nvariant_stickiness = \"user_id\"\n");
        assert_eq!((stickiness.0, stickiness.1), (2, 22));
        let requirement =
            one_error("[flags.a]\nrequires = [{ flag = \"b\", enabled = false }]\n[flags.b]\n");
        assert_eq!((requirement.0, requirement.1), (2, 13));
        assert_eq!(
            requirement.2,
            "flag `a` is static, so it can only require other flags on"
        );
        assert!(requirement.3.unwrap().contains("set `mode = \"dynamic\"`"));
    }

    fn constraint_error(constraint: &str) -> (usize, usize, String, Option<String>) {
        one_error(&format!(
            "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nconstraints = [\n  {constraint},\n]\n"
        ))
    }

    #[test]
    fn operators_are_checked_with_suggestions() {
        let (line, column, message, help) =
            constraint_error(r#"{ context = "x", operator = "str_end_with", values = ["a"] }"#);
        assert_eq!((line, column), (5, 31));
        assert_eq!(
            message,
            "unknown operator `str_end_with`; did you mean `str_ends_with`?"
        );
        assert!(
            help.unwrap()
                .starts_with("operators: in, not_in, str_starts_with")
        );
        let shouting = constraint_error(r#"{ context = "x", operator = "NUM_GT", value = "1" }"#);
        assert_eq!(
            shouting.2,
            "unknown operator `NUM_GT`; did you mean `num_gt`?"
        );
        let nonsense = constraint_error(r#"{ context = "x", operator = "whatever", value = "1" }"#);
        assert_eq!(nonsense.2, "unknown operator `whatever`");
    }

    #[test]
    fn values_must_fit_their_operator() {
        let cases = [
            (
                r#"{ context = "x", operator = "num_gt", value = "twelve" }"#,
                "`twelve` is not a number",
            ),
            (
                r#"{ context = "x", operator = "num_eq", value = "NaN" }"#,
                "`NaN` is not a number",
            ),
            (
                r#"{ context = "x", operator = "semver_eq", value = "v1.2.3" }"#,
                "`v1.2.3` is not a semantic version",
            ),
            (
                r#"{ context = "x", operator = "date_before", value = "2027-03-01" }"#,
                "`2027-03-01` is not an RFC 3339 date-time",
            ),
            (
                r#"{ context = "x", operator = "date_after", value = 2027-03-01T10:00:00 }"#,
                "`2027-03-01T10:00:00` is not an RFC 3339 date-time",
            ),
            (
                r#"{ context = "x", operator = "in_cidr", values = ["10.0.0.0/8", "10.0.0.0/33"] }"#,
                "`10.0.0.0/33` is not an IP address or CIDR block",
            ),
        ];
        for (constraint, expected) in cases {
            let (line, _, message, help) = constraint_error(constraint);
            assert_eq!(line, 5);
            assert!(message.starts_with(expected), "{message}");
            assert!(help.is_some(), "{message}");
        }
        let column =
            constraint_error(r#"{ context = "x", operator = "num_gt", value = "twelve" }"#).1;
        assert_eq!(column, 49, "points at the value");
    }

    #[test]
    fn value_counts_are_checked() {
        let two =
            constraint_error(r#"{ context = "x", operator = "num_gt", values = ["1", "2"] }"#);
        assert_eq!(
            two.2,
            "operator `num_gt` compares with exactly one value, found 2"
        );
        let none = constraint_error(r#"{ context = "x", operator = "semver_lt" }"#);
        assert_eq!(
            none.2,
            "operator `semver_lt` compares with exactly one value, found 0"
        );
        let list = constraint_error(r#"{ context = "x", operator = "in" }"#);
        assert_eq!(
            list.2,
            "operator `in` needs `values = [...]`, the values to compare with"
        );
        // One value in `values` is fine for a single-value operator, and `value` for a list operator.
        let manifest = Manifest::parse(
            "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nconstraints = [{ context = \"x\", operator = \"num_gt\", values = [\"1\"] }, { context = \"y\", operator = \"in\", value = \"z\", values = [\"w\"] }]\n",
        )
        .unwrap();
        let constraints = &manifest.flags[0].targeting.rules[0].constraints;
        assert_eq!(constraints[0].value(), Some("1"));
        assert_eq!(constraints[1].values, ["w", "z"]);
    }

    #[test]
    fn context_names_are_checked() {
        let empty = constraint_error(r#"{ context = "", operator = "in", values = [] }"#);
        assert_eq!(empty.2, "a context field name cannot be empty");
        let camel = constraint_error(r#"{ context = "userId", operator = "in", values = [] }"#);
        assert_eq!(
            camel.2,
            "the context field is written `user_id`, not `userId`"
        );
        let time =
            constraint_error(r#"{ context = "current_time", operator = "in", values = [] }"#);
        assert!(
            time.2
                .starts_with("`current_time` can only be compared with"),
            "{}",
            time.2
        );
        let case = constraint_error(
            r#"{ context = "x", operator = "num_gt", value = "1", case_insensitive = true }"#,
        );
        assert!(
            case.2
                .starts_with("`case_insensitive` has no effect on `num_gt`"),
            "{}",
            case.2
        );
        let typo =
            constraint_error(r#"{ context = "x", operator = "in", values = [], invertd = true }"#);
        assert!(typo.2.starts_with("unknown field `invertd`"), "{}", typo.2);
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regex_patterns_are_checked() {
        let broken = constraint_error(r#"{ context = "x", operator = "regex", value = "(open" }"#);
        assert_eq!(
            broken.2,
            "`(open` is not a regular expression: unclosed group"
        );
        let lookahead =
            constraint_error(r#"{ context = "x", operator = "regex", value = "(?=a)" }"#);
        assert!(lookahead.2.contains("look-around"), "{}", lookahead.2);
        assert!(
            parse_flag_rules("[[rules]]\nconstraints = [{ context = \"x\", operator = \"regex\", value = \"^a+$\" }]\n")
                .is_ok()
        );
    }

    #[cfg(not(feature = "regex"))]
    #[test]
    fn regex_needs_the_feature() {
        let (line, column, message, help) =
            constraint_error(r#"{ context = "x", operator = "regex", value = "^a$" }"#);
        assert_eq!((line, column), (5, 31));
        assert_eq!(
            message,
            "the `regex` operator needs the `regex` feature of flag-runtime"
        );
        assert!(help.unwrap().contains(r#"features = ["regex"]"#));
    }

    #[test]
    fn rollouts_are_checked() {
        let rule = |rollout: &str| {
            one_error(&format!(
                "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nrollout = {rollout}\n"
            ))
        };
        let over = rule("{ percent = 120 }");
        assert_eq!((over.0, over.1), (4, 23));
        assert_eq!(
            over.2,
            "rollout `percent` must be between 0 and 100, found 120"
        );
        assert_eq!(
            rule("{ percent = -1 }").2,
            "rollout `percent` must be between 0 and 100, found -1"
        );
        assert_eq!(
            rule("{ percent = 5, group = \"\" }").2,
            "rollout `group` cannot be empty"
        );
        assert!(
            rule("{ percent = 5, stickiness = \"current_time\" }")
                .2
                .contains("cannot be `current_time`")
        );
        assert!(
            rule("{ percent = 5, stickiness = \"sessionId\" }")
                .2
                .contains("`session_id`, not `sessionId`")
        );
        assert!(
            rule("{ stickiness = \"user_id\" }")
                .2
                .contains("missing field `percent`")
        );
    }

    #[test]
    fn variants_are_checked() {
        let found = errors(
            r#"[flags.a]
mode = "dynamic"
[[flags.a.variants]]
name = "Blue"
weight = 0
[[flags.a.variants]]
name = "green"
weight = 0
payload = { type = "yaml", value = "x" }
[[flags.a.variants]]
name = "green"
weight = -3
[[flags.a.variants]]
name = "red"
weight = 0
payload = { type = "number", value = "many" }
"#,
        );
        let messages: Vec<&str> = found
            .iter()
            .map(|(_, _, message, _)| message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "variant name `Blue` is not lowercase snake_case (a lowercase letter, then lowercase letters, digits and `_`)",
                "unknown payload type `yaml`, expected one of string, json, csv, number",
                "variant `green` is declared twice in the same list",
                "variant `weight` must be a whole number from 0 to 4294967295, found -3",
                "payload `many` is not a number, as its type `number` says",
                "the weights of these variants add up to 0",
            ]
        );
        assert_eq!((found[0].0, found[0].1), (4, 8));
        assert_eq!(found[0].3.as_deref(), Some("rename it `blue`"));
        assert_eq!(
            found[5].3.as_deref(),
            Some("give at least one variant a positive `weight`")
        );
    }

    #[test]
    fn requirements_are_checked() {
        let base = "[flags.p]\nmode = \"dynamic\"\n[[flags.p.variants]]\nname = \"blue\"\nweight = 1\n[flags.q]\nmode = \"dynamic\"\n";
        let requires = |entry: &str| {
            one_error(&format!(
                "{base}[flags.c]\nmode = \"dynamic\"\nrequires = [{entry}]\n"
            ))
        };
        let typo = requires(r#"{ flag = "p", variants = ["bleu"] }"#);
        assert_eq!((typo.0, typo.1), (10, 13));
        assert_eq!(
            typo.2,
            "flag `c` requires variant `bleu` of `p`, which has no such variant; did you mean `blue`?"
        );
        assert_eq!(
            requires(r#"{ flag = "q", variants = ["blue"] }"#).2,
            "flag `c` requires variant `blue` of `q`, which has no variants"
        );
        assert!(
            requires(r#"{ flag = "p", enable = false }"#)
                .2
                .starts_with("unknown key `enable`")
        );
        assert_eq!(
            requires(r#"{ enabled = false }"#).2,
            "an entry of `requires` written as a table needs `flag = \"name\"`"
        );
        assert!(
            requires("3").2.starts_with(
                "each entry of `requires` is a flag name or a table, found an integer"
            )
        );
        assert!(
            requires(r#"{ flag = "p", enabled = false, variants = ["blue"] }"#)
                .2
                .contains("must be off")
        );
        assert_eq!(
            requires(r#"{ flag = "pp" }"#).2,
            "flag `c` requires `pp`, which is not declared; did you mean `p`?"
        );
        let cycle = errors(&format!(
            "{base}[flags.c]\nmode = \"dynamic\"\nrequires = [{{ flag = \"d\", enabled = false }}]\n[flags.d]\nmode = \"dynamic\"\nrequires = [\"c\"]\n"
        ));
        assert_eq!(cycle.len(), 1, "{cycle:#?}");
        assert!(
            cycle[0].2.starts_with("`requires` forms a cycle"),
            "{}",
            cycle[0].2
        );
    }

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        let found = errors(
            r#"[flags.a]
mode = "dynamic"
[[flags.a.rules]]
constraints = [{ context = "x", operator = "inn", values = [] }, { context = "y", operator = "num_gt", value = "z" }]
rollout = { percent = 101 }
[[flags.a.variants]]
name = "x"
weight = 0
[flags.b]
[[flags.b.rules]]
"#,
        );
        assert_eq!(found.len(), 5, "{found:#?}");
    }

    #[test]
    fn settings() {
        let manifest = Manifest::parse("[settings]\nexpired = \"error\"\n[flags.a]\n").unwrap();
        assert_eq!(manifest.settings.expired, ExpiredPolicy::Error);
        assert_eq!(
            Manifest::parse("[settings]\n").unwrap().settings.expired,
            ExpiredPolicy::Warn
        );
        let bad = one_error("[settings]\nexpired = \"loud\"\n");
        assert_eq!(bad.0, 2);
        assert!(bad.2.contains("loud"), "{}", bad.2);
        assert!(
            one_error("[settings]\nexpird = \"warn\"\n")
                .2
                .starts_with("unknown field `expird`")
        );
    }

    #[test]
    fn runtime_files_carry_targeting() {
        let states = parse_state_file(
            "[flags.a]\ndefault = true\n[flags.b]\nrules = []\n[flags.c]\n[[flags.c.variants]]\nname = \"v\"\nweight = 1\n",
        )
        .unwrap();
        assert!(!states[0].changes_targeting());
        assert_eq!(
            states[1].rules,
            Some(Vec::new()),
            "`rules = []` clears the rules"
        );
        assert_eq!(states[1].variants, None, "and keeps the variants below");
        assert_eq!(states[2].variants.as_ref().unwrap()[0].name, "v");
        assert_eq!(states[2].rules, None, "variants alone keep the rules below");
        let static_flag =
            parse_state_file("[flags.a]\nmode = \"static\"\n[[flags.a.rules]]\n").unwrap_err();
        assert!(static_flag[0].message.contains("only a dynamic flag"));
        let bad = parse_state_file("[flags.a]\n[[flags.a.rules]]\nrollout = { percent = 300 }\n")
            .unwrap_err();
        assert!(bad[0].message.contains("between 0 and 100"));
        let settings = parse_state_file("[settings]\nexpired = \"error\"\n").unwrap_err();
        assert_eq!(
            settings[0].message,
            "a runtime flags file cannot set `[settings]`"
        );
    }

    #[test]
    fn a_static_flag_without_targeting_is_unchanged() {
        let manifest = Manifest::parse("[flags.a]\nrequires = [\"b\"]\n[flags.b]\n").unwrap();
        let flag = manifest.flag("a").unwrap();
        assert_eq!(flag.mode, Mode::Static);
        assert_eq!(flag.requires, ["b"]);
        assert_eq!(
            flag.requires_spans.as_slice(),
            &[Range { start: 22, end: 25 }]
        );
        assert!(flag.targeting.is_empty());
    }
}
