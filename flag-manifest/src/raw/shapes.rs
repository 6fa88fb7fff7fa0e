//! The parts of the JSON Schema that serde's types cannot describe (needs the `schema` feature).
//!
//! The `Raw*` types derive `schemars::JsonSchema`; where a field's schema must say more than its Rust type
//! (a name's pattern, a TOML date, a scalar written bare or quoted, the conditions between keys), its
//! `#[schemars(with = "...")]` attribute names one of the types here, whose `JsonSchema` implementation
//! writes it by hand, or a `transform` function. Each states a check of `crate::check` in JSON Schema, and
//! says which. [`crate::schema`] puts the whole schema together.

mod constraints;
mod patterns;

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

pub(crate) use constraints::{Constraints, ContextField, OperatorName, Stickiness, number_value};
use patterns::NAME_PATTERN;

use super::RawVariant;
use crate::targeting::PayloadKind;
use crate::value::ValueType;

/// A schema from a JSON object (every caller passes one, which `Schema` always accepts).
pub(crate) fn schema(value: Value) -> Schema {
    Schema::try_from(value).unwrap_or_default()
}

/// A map of tables keyed by snake_case names: `[flags.NAME]`, `[profiles.NAME]`.
pub(crate) struct NamedTables<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for NamedTables<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("NamedTables_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": generator.subschema_for::<T>(),
        }))
    }
}

/// A flag's `default` (`check::flag_values`): `true` or `false` for an on/off flag, a value's name for a
/// flag with `type` (the `flag_rules` transform says which).
pub(crate) struct FlagDefault;

impl JsonSchema for FlagDefault {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "FlagDefault".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": ["boolean", "string"] }))
    }
}

/// A flag's `type`: one of [`ValueType::NAMES`].
pub(crate) struct ValueTypeName;

impl JsonSchema for ValueTypeName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ValueType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string", "enum": ValueType::NAMES }))
    }
}

/// A value flag's `values`: snake_case names, each with a value of the flag's type (`check::flag_values`;
/// the `flag_rules` transform ties the values' JSON type to `type`).
pub(crate) struct NamedValues;

impl JsonSchema for NamedValues {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "NamedValues".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": { "type": ["boolean", "string", "number", "object"] },
        }))
    }
}

/// A flag's `metadata` (`check::metadata`): strings, numbers and booleans.
pub(crate) struct Metadata;

impl JsonSchema for Metadata {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Metadata".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "type": "object",
            "additionalProperties": { "type": ["boolean", "string", "number"] },
        }))
    }
}

/// One `[profiles.NAME]` table: `flag = true | false` for declared flags.
pub(crate) struct Profile;

impl JsonSchema for Profile {
    fn schema_name() -> Cow<'static, str> {
        "Profile".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "description": "A named set of flag states, chosen at build time with `FEATURE_FLAGS_PROFILE=NAME`: \
                `flag = true` or `flag = false` for flags declared in `[flags]`, and a value's name or \
                value for a flag with `type`.",
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": { "type": ["boolean", "string", "number"] },
        }))
    }
}

/// `expires`: a bare TOML date. Editors show TOML dates to the schema as strings.
pub(crate) struct Date;

impl JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string", "format": "date" }))
    }
}

/// A variant's name.
pub(crate) struct VariantName;

impl JsonSchema for VariantName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "VariantName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "string", "pattern": NAME_PATTERN }))
    }
}

/// The entries of `requires`.
pub(crate) struct Requirements;

impl JsonSchema for Requirements {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Requirements".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "type": "array",
            "items": generator.subschema_for::<Requirement>(),
            // The parser refuses a flag listed twice; this catches the identical entries among them.
            "uniqueItems": true,
        }))
    }
}

/// One entry of `requires` (`check::build_requirement`): a name, or a table.
struct Requirement;

impl JsonSchema for Requirement {
    fn schema_name() -> Cow<'static, str> {
        "Requirement".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let name = json!({ "type": "string", "pattern": NAME_PATTERN });
        schema(json!({
            "description": "A flag that must be on wherever this one is on, or a table saying the state it \
                must be in (tables other than `{ flag = \"name\" }` need a dynamic flag).",
            "anyOf": [
                {
                    "description": "The name of a declared flag, which must be on.",
                    "type": "string",
                    "pattern": NAME_PATTERN,
                },
                {
                    "type": "object",
                    "properties": {
                        "flag": {
                            "description": "The name of a declared flag.",
                            "type": "string",
                            "pattern": NAME_PATTERN,
                        },
                        "enabled": {
                            "description": "The state the flag must be in: `false` needs it off.",
                            "type": "boolean",
                            "default": true,
                        },
                        "variants": {
                            "description": "The flag must be on with one of these of its variants.",
                            "type": "array",
                            "items": name,
                        },
                    },
                    "required": ["flag"],
                    "additionalProperties": false,
                    "not": {
                        "description": "a flag that must be off has no variant: drop `variants`, or \
                            `enabled = false`",
                        "properties": {
                            "enabled": { "const": false },
                            "variants": { "minItems": 1 },
                        },
                        "required": ["enabled", "variants"],
                    },
                },
            ],
        }))
    }
}

/// A list of variants: a flag's, or a rule's.
pub(crate) struct Variants;

impl JsonSchema for Variants {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Variants".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "type": "array",
            "items": generator.subschema_for::<RawVariant>(),
            // The weights of a list that is not empty add up to more than 0 (weights are at least 0).
            "not": {
                "description": "the weights of these variants add up to 0: give at least one variant a \
                    positive `weight`",
                "type": "array",
                "minItems": 1,
                "items": { "properties": { "weight": { "const": 0 } } },
            },
        }))
    }
}

/// A constraint's value, a user id or an override value (`Checker::scalar`): a string, or a number or
/// date-time written bare, taken as its text.
pub(crate) struct Scalar;

impl JsonSchema for Scalar {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": ["string", "number"] }))
    }
}

/// A TOML integer (`percent`, `weight`), without the `format` schemars gives `i64`.
pub(crate) struct Integer;

impl JsonSchema for Integer {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Integer".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({ "type": "integer" }))
    }
}

/// A payload's `type`: one of [`PayloadKind::NAMES`].
pub(crate) struct PayloadType;

impl JsonSchema for PayloadType {
    fn schema_name() -> Cow<'static, str> {
        "PayloadType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let kinds = [
            PayloadKind::String,
            PayloadKind::Json,
            PayloadKind::Csv,
            PayloadKind::Number,
        ];
        let choices: Vec<Value> = kinds
            .iter()
            .map(|&kind| {
                let description = match kind {
                    PayloadKind::String => "Plain text.",
                    PayloadKind::Json => "A JSON document (not checked).",
                    PayloadKind::Csv => "Comma-separated values.",
                    PayloadKind::Number => "A decimal number (checked).",
                };
                json!({ "const": kind.as_str(), "description": description })
            })
            .collect();
        schema(json!({
            "description": "How to read the payload's `value`.",
            "type": "string",
            "oneOf": choices,
        }))
    }
}

/// A payload of type `number` holds a number (`Checker::payload`).
pub(crate) fn payload_rules(schema: &mut Schema) {
    schema.insert(
        "if".into(),
        json!({ "properties": { "type": { "const": "number" } }, "required": ["type"] }),
    );
    // Inline rather than a `$ref` to `Number`: a transform has no generator to register it with.
    schema.insert(
        "then".into(),
        json!({ "properties": { "value": number_value() } }),
    );
}

/// What only a dynamic flag may have (`check::static_targeting_error` and the static check of
/// `requires`): targeting keys, even empty, and `requires` entries that need a flag off or a variant. And
/// what depends on `type` (`check::flag_values`): without one, a boolean `default` and no `values` or
/// `enabled`; with one, `values` of that type and a `default` that names one.
pub(crate) fn flag_rules(schema: &mut Schema) {
    let json_type = |value_type: ValueType| match value_type {
        ValueType::Boolean => "boolean",
        ValueType::String => "string",
        ValueType::Integer => "integer",
        ValueType::Float => "number",
        ValueType::Object => "object",
    };
    let mut typed: Vec<Value> = [
        ValueType::Boolean,
        ValueType::String,
        ValueType::Integer,
        ValueType::Float,
        ValueType::Object,
    ]
    .into_iter()
    .map(|value_type| {
        json!({
            "if": { "properties": { "type": { "const": value_type.as_str() } }, "required": ["type"] },
            "then": {
                "required": ["values"],
                "properties": {
                    "values": { "additionalProperties": { "type": json_type(value_type) } },
                    "default": { "type": "string" },
                },
            },
        })
    })
    .collect();
    let needs_type = |key: &str| {
        json!({
            "not": { "description": format!("only a flag with a `type` has `{key}`") },
        })
    };
    typed.push(json!({
        "if": { "not": { "required": ["type"] } },
        "then": {
            "properties": {
                "values": needs_type("values"),
                "enabled": needs_type("enabled"),
                "default": { "type": "boolean" },
            },
        },
    }));
    schema.insert("allOf".into(), Value::Array(typed));
    // Validators name the schema a value fails: a `not` whose schema is only a description reads as the
    // reason, where `false` would say nothing.
    let dynamic_only = |key: &str| {
        json!({
            "not": {
                "description": format!("only a dynamic flag has `{key}`: set `mode = \"dynamic\"`"),
            },
        })
    };
    schema.insert(
        "if".into(),
        json!({ "properties": { "mode": { "const": "dynamic" } }, "required": ["mode"] }),
    );
    schema.insert(
        "else".into(),
        json!({
            "properties": {
                "rules": dynamic_only("rules"),
                "variants": dynamic_only("variants"),
                "variant_stickiness": dynamic_only("variant_stickiness"),
                "requires": {
                    "items": {
                        "not": {
                            "description": "a static flag can only require other flags on: needing a flag \
                                off or on with a variant needs `mode = \"dynamic\"`",
                            "type": "object",
                            "anyOf": [
                                { "properties": { "enabled": { "const": false } }, "required": ["enabled"] },
                                { "properties": { "variants": { "minItems": 1 } }, "required": ["variants"] },
                            ],
                        },
                    },
                },
            },
        }),
    );
}
