//! The schema of a constraint (its context field, its operator and the values the operator takes) and of
//! a stickiness: the checks of `check::targeting` that JSON Schema can state.

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use super::patterns::{
    NOT_BLANK_PATTERN, NUMBER_PATTERN, RFC3339_PATTERN, SEMVER_PATTERN, cidr_pattern,
};
use super::schema;
use crate::targeting::{CONTEXT_FIELDS, Operator, UNLEASH_FIELD_NAMES, ValueKind};

/// What a context field name is, for the schema's descriptions.
fn context_field_description(field: &str) -> &'static str {
    match field {
        "user_id" => "The user's id.",
        "session_id" => "The session's id.",
        "remote_address" => "The client's IP address.",
        "current_time" => "The time of the check.",
        "environment" => "The environment the program runs in.",
        "app_name" => "The application's name.",
        _ => "A field of the context.",
    }
}

/// The names that `Checker::context_name` refuses: Unleash's camelCase spellings of our fields.
fn unleash_names() -> Vec<&'static str> {
    UNLEASH_FIELD_NAMES
        .iter()
        .map(|(theirs, _)| *theirs)
        .collect()
}

/// A context field: one of [`CONTEXT_FIELDS`] or a property's name (`Checker::context_name`).
pub(crate) struct ContextField;

impl JsonSchema for ContextField {
    fn schema_name() -> Cow<'static, str> {
        "ContextField".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut choices: Vec<Value> = CONTEXT_FIELDS
            .iter()
            .map(|field| json!({ "const": field, "description": context_field_description(field) }))
            .collect();
        choices.push(json!({
            "description": "A property of the context, by name (`Context::property(name, value)`).",
            "type": "string",
        }));
        schema(json!({
            "description": "A field of the context: `user_id`, `session_id`, `remote_address`, \
                `current_time`, `environment`, `app_name`, or a property's name. Unleash's camelCase \
                names (`userId`...) are written in snake_case here.",
            "type": "string",
            "pattern": NOT_BLANK_PATTERN,
            "not": {
                "description": "Unleash's camelCase names are written in snake_case here: user_id, \
                    session_id, remote_address, current_time, app_name",
                "enum": unleash_names(),
            },
            "anyOf": choices,
        }))
    }
}

/// A rollout's `stickiness` or a flag's `variant_stickiness` (`Checker::stickiness`).
pub(crate) struct Stickiness;

impl JsonSchema for Stickiness {
    fn schema_name() -> Cow<'static, str> {
        "Stickiness".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut choices = vec![
            json!({
                "const": "default",
                "description": "The user id, else the session id, else random (for variants, the remote \
                    address before random). The default.",
            }),
            json!({
                "const": "user_id",
                "description": "The user id; a context without one does not match a rollout.",
            }),
            json!({
                "const": "session_id",
                "description": "The session id; a context without one does not match a rollout.",
            }),
            json!({
                "const": "random",
                "description": "A new random draw at each check: not sticky.",
            }),
        ];
        choices.extend(
            CONTEXT_FIELDS
                .iter()
                .filter(|field| !["user_id", "session_id", "current_time"].contains(field))
                .map(|field| json!({ "const": field, "description": context_field_description(field) })),
        );
        choices.push(json!({
            "description": "A property of the context, by name; a rollout does not match a context without \
                it, and a variant is then chosen at random.",
            "type": "string",
        }));
        let mut refused = unleash_names();
        refused.push("current_time");
        schema(json!({
            "description": "What keeps a context in the same bucket: `default`, `user_id`, `session_id`, \
                `random`, or another context field or property (not `current_time`).",
            "type": "string",
            "pattern": NOT_BLANK_PATTERN,
            "not": {
                "description": "not `current_time`, which changes all the time, and not Unleash's \
                    camelCase names: write user_id, session_id, remote_address, app_name",
                "enum": refused,
            },
            "anyOf": choices,
        }))
    }
}

/// The values of the operators whose values have a syntax (`targeting::ValueKind`): each operator's
/// values are strings or numbers, and some must also parse as one of these.
macro_rules! value_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident = $schema:expr;)*) => {
        $(
            $(#[doc = $doc])*
            struct $kind;

            impl JsonSchema for $kind {
                fn schema_name() -> Cow<'static, str> {
                    stringify!($kind).into()
                }

                fn json_schema(_: &mut SchemaGenerator) -> Schema {
                    schema($schema)
                }
            }
        )*
    };
}

value_kinds! {
    /// `parse_number`.
    Number = number_value();
    /// `parse_rfc3339`.
    Instant = json!({
        "description": "An RFC 3339 date-time with a time zone, such as \"2027-03-01T09:00:00Z\".",
        "type": "string",
        "pattern": RFC3339_PATTERN,
    });
    /// `SemVer::parse`.
    SemVer = json!({
        "description": "A semantic version, MAJOR.MINOR.PATCH, such as \"2.1.0\" or \"2.1.0-beta.1\" (no \
            leading `v`).",
        "type": "string",
        "pattern": SEMVER_PATTERN,
    });
    /// `Cidr::parse`.
    IpBlock = json!({
        "description": "An IP address or CIDR block, such as \"10.0.0.0/8\" or \"2001:db8::/32\".",
        "type": "string",
        "pattern": cidr_pattern(),
    });
}

/// The schema of the values `operator` compares with, when they need more than to be strings or numbers.
fn operator_value(operator: Operator, generator: &mut SchemaGenerator) -> Option<Schema> {
    match operator.value_kind() {
        ValueKind::Text | ValueKind::Pattern => None,
        ValueKind::Number => Some(generator.subschema_for::<Number>()),
        ValueKind::Instant => Some(generator.subschema_for::<Instant>()),
        ValueKind::Version => Some(generator.subschema_for::<SemVer>()),
        ValueKind::Network => Some(generator.subschema_for::<IpBlock>()),
    }
}

/// A decimal number, written bare or as a string.
pub(crate) fn number_value() -> Value {
    json!({
        "description": "A decimal number, such as 12, 2.5 or \"12\".",
        "anyOf": [
            { "type": "number" },
            { "type": "string", "pattern": NUMBER_PATTERN },
        ],
    })
}

fn operator_names(keep: impl Fn(Operator) -> bool) -> Vec<&'static str> {
    Operator::ALL
        .iter()
        .copied()
        .filter(|&operator| keep(operator))
        .map(Operator::as_str)
        .collect()
}

/// A constraint's operator: one of [`Operator::ALL`], by name.
pub(crate) struct OperatorName;

impl JsonSchema for OperatorName {
    fn schema_name() -> Cow<'static, str> {
        "Operator".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let choices: Vec<Value> = Operator::ALL
            .iter()
            .map(|&operator| {
                json!({ "const": operator.as_str(), "description": operator.meaning() })
            })
            .collect();
        schema(json!({
            "description": "How the field is compared with the values.",
            "type": "string",
            "oneOf": choices,
        }))
    }
}

/// A rule's `constraints`: each entry is a `T` (the constraint's keys) and meets the conditions between
/// them (`Checker::constraint` and `Checker::constraint_values`).
///
/// The conditions sit beside the entry's `$ref`, in an `allOf`, rather than in the constraint's own schema:
/// taplo does not offer the keys of an object schema that has an `allOf` of its own.
pub(crate) struct Constraints<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for Constraints<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Constraints_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        fn operator_in(names: Vec<&'static str>) -> Value {
            json!({ "properties": { "operator": { "enum": names } }, "required": ["operator"] })
        }
        let instants = operator_names(|operator| operator.value_kind() == ValueKind::Instant);
        let mut entry = vec![
            generator.subschema_for::<T>().to_value(),
            // `current_time` is an instant: only the date operators compare it.
            json!({
                "if": { "properties": { "context": { "const": "current_time" } }, "required": ["context"] },
                "then": { "properties": { "operator": { "enum": instants } } },
            }),
            // `case_insensitive = true` only with the string operators.
            json!({
                "if": {
                    "properties": { "case_insensitive": { "const": true } },
                    "required": ["case_insensitive"],
                },
                "then": { "properties": { "operator": { "enum": operator_names(Operator::honours_case_insensitive) } } },
            }),
            // A list operator needs `values` (or `value`).
            json!({
                "if": operator_in(operator_names(Operator::takes_list)),
                "then": { "anyOf": [{ "required": ["values"] }, { "required": ["value"] }] },
            }),
            // The others compare with exactly one value, from `value` or `values`.
            json!({
                "if": operator_in(operator_names(|operator| !operator.takes_list())),
                "then": {
                    "anyOf": [
                        { "required": ["value"], "properties": { "values": { "maxItems": 0 } } },
                        {
                            "required": ["values"],
                            "not": { "required": ["value"] },
                            "properties": { "values": { "minItems": 1, "maxItems": 1 } },
                        },
                    ],
                },
            }),
        ];
        // Each value must parse as its operator says: one condition per kind of value.
        let mut kinds: Vec<(Schema, Vec<&'static str>)> = Vec::new();
        for &operator in Operator::ALL {
            let Some(kind) = operator_value(operator, generator) else {
                continue;
            };
            match kinds.iter_mut().find(|(seen, _)| *seen == kind) {
                Some((_, operators)) => operators.push(operator.as_str()),
                None => kinds.push((kind, vec![operator.as_str()])),
            }
        }
        for (kind, operators) in kinds {
            entry.push(json!({
                "if": operator_in(operators),
                "then": { "properties": { "value": kind, "values": { "items": kind } } },
            }));
        }
        schema(json!({ "type": "array", "items": { "allOf": entry } }))
    }
}
