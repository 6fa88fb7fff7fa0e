//! A JSON Schema of `flags.toml`, for editors (taplo, Even Better TOML) that complete and check TOML
//! against one (needs the `schema` feature).
//!
//! The schema is generated from the types the manifest is deserialised into (`RawManifest` and the types it
//! holds, which derive `schemars::JsonSchema` under this feature), so it names the same keys, with their doc
//! comments as descriptions, and refuses unknown keys where [`Manifest::parse`](crate::Manifest::parse)
//! does. The checks the parser makes after deserialising are written here by hand where JSON Schema can
//! state them: snake_case names, the operators and payload types, context field names, value counts and
//! value syntax per operator, ranges, `case_insensitive` and `current_time` restrictions, targeting and
//! conditional `requires` only on dynamic flags, and variant weights that add up to more than 0.
//!
//! It is written in draft 7, the newest draft that taplo's validator reads, and shaped for taplo's
//! completion: conditions between keys sit in `if`/`then` or beside a `$ref`, never in an `allOf` of an
//! object schema, whose keys taplo would then not offer.
//!
//! The workspace keeps a copy in `flags.schema.json`, which `flags.toml` names on its first line
//! (`#:schema ./flags.schema.json`). A test (`flag-tests`, `tests/schema.rs`) fails when that copy differs
//! from [`json_schema`]; regenerate it with
//!
//! ```text
//! UPDATE_SCHEMA=1 cargo test -p flag-tests --test schema
//! ```
//!
//! # What the schema cannot say
//!
//! A document the schema refuses is refused by the parser too, but the parser refuses some documents the
//! schema accepts, because JSON Schema cannot state the check or because an editor sees TOML through JSON:
//!
//! - references between entries: `requires` and `[profiles.*]` naming undeclared flags, a flag requiring
//!   itself, cycles in `requires`, a `requires` entry naming a variant the other flag does not have, the
//!   same flag twice in one `requires` (only identical entries are caught) and the same variant name twice
//!   in one list;
//! - TOML types JSON lacks: a date and a string look alike (`expires = "2027-03-01"` passes the schema, the
//!   parser wants a bare date), as do an integer and a float with no fraction (`percent = 25.0`);
//! - arithmetic: the weights of a list of variants adding up to more than 4294967295, a semantic version
//!   whose numbers overflow 64 bits, and a number too large for a 64-bit float (`"1e400"`);
//! - `regex` constraints: the operator is listed, but it is refused without the `regex` feature, and the
//!   pattern's syntax is only checked by the parser.
//!
//! It describes the manifest: a runtime flags file (see [`parse_state_file`](crate::parse_state_file))
//! has the same shape without `[profiles]` and `[settings]`, and need not repeat a flag's `mode`.

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::parse::RawManifest;
use crate::targeting::{
    CONTEXT_FIELDS, Operator, PayloadKind, RawVariant, UNLEASH_FIELD_NAMES, ValueKind,
};

/// The JSON Schema (draft 7) of `flags.toml`, as pretty-printed JSON with a trailing newline.
///
/// Editors that read `#:schema` directives, such as taplo and VS Code's Even Better TOML, use it to
/// complete keys and values and to flag mistakes as you type. Point a manifest at a copy of it with a first
/// line such as `#:schema ./flags.schema.json`. The output is deterministic (object keys are sorted), so a
/// committed copy can be compared with it byte for byte.
///
/// ```
/// let schema: serde_json::Value = serde_json::from_str(&flag_manifest::json_schema()).unwrap();
/// assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
/// assert_eq!(schema["title"], "flags.toml");
/// // Unknown keys are refused, as the parser refuses them.
/// assert_eq!(schema["additionalProperties"], false);
/// assert!(schema["definitions"]["Flag"]["properties"]["expires"].is_object());
/// ```
pub fn json_schema() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<RawManifest>();
    let value = tidy(schema.to_value());
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// `value` without `null`, which TOML does not have (an `Option` field is left out by leaving its key out,
/// and schemars would otherwise allow `null` for it), and with the keys of every object in sorted order,
/// whichever order `serde_json::Map` keeps (another crate of the build may enable its `preserve_order`).
fn tidy(value: Value) -> Value {
    match value {
        Value::Object(mut object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|name| name != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    object.insert("type".into(), only);
                }
            }
            if object.get("default") == Some(&Value::Null) {
                object.remove("default");
            }
            if let Some(Value::Array(branches)) = object.get_mut("anyOf") {
                branches.retain(|branch| *branch != json!({ "type": "null" }));
                if let [only] = branches.as_slice() {
                    let only = only.clone();
                    object.remove("anyOf");
                    match only {
                        // The branch's keys move up, unless they clash with the object's; a `$ref` is
                        // kept in an `allOf`, as schemars does, since draft 7 ignores its siblings.
                        Value::Object(branch)
                            if !branch.contains_key("$ref")
                                && branch.keys().all(|key| !object.contains_key(key)) =>
                        {
                            object.extend(branch);
                        }
                        other => match object.get_mut("allOf") {
                            Some(Value::Array(all)) => all.push(other),
                            _ => {
                                object.insert("allOf".into(), Value::Array(vec![other]));
                            }
                        },
                    }
                }
            }
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, tidy(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(tidy).collect()),
        other => other,
    }
}

/// A schema from a JSON object (every caller passes one, which `Schema` always accepts).
fn schema(value: Value) -> Schema {
    Schema::try_from(value).unwrap_or_default()
}

/// Flag, profile and variant names: a lowercase letter, then lowercase letters, digits and `_` (see
/// `parse::check_name`).
const NAME_PATTERN: &str = "^[a-z][a-z0-9_]*$";

// The value syntaxes of `targeting::values`, as ECMA-262 patterns (the dialect of JSON Schema), written
// with `[0-9]` rather than `\d`, which some validators read as any Unicode digit, and with Rust's
// whitespace spelled out rather than `\s`, which ECMA-262 reads differently (U+0085, U+FEFF).

/// The characters `char::is_whitespace` (so `str::trim`) takes for whitespace, inside a character class.
macro_rules! whitespace {
    () => {
        r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// Whitespace, any number of times: what `str::trim` removes at either end.
macro_rules! padding {
    () => {
        concat!("[", whitespace!(), "]*")
    };
}

/// A context field name: something besides whitespace (`Checker::context_name`).
const NOT_BLANK_PATTERN: &str = concat!("[^", whitespace!(), "]");

/// `parse_number`: Rust's `f64` syntax, finite values only, surrounding whitespace allowed.
const NUMBER_PATTERN: &str = concat!(
    "^",
    padding!(),
    r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?",
    padding!(),
    "$",
);

/// `SemVer::parse`: semver 2.0.0, no leading `v`, no leading zeros in numbers, no whitespace.
const SEMVER_PATTERN: &str = concat!(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)",
    r"(-(0|[1-9][0-9]*|[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*)",
    r"(\.(0|[1-9][0-9]*|[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*))*)?",
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
);

/// `parse_rfc3339`: a date that exists (leap years included), `T`, `t` or a space, a time (second 60
/// allowed), an optional fraction, and `Z`, `z` or an offset up to 23:59.
const RFC3339_PATTERN: &str = concat!(
    "^",
    padding!(),
    "(",
    r"[0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)",
    r"|02-(0[1-9]|1[0-9]|2[0-8]))",
    r"|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)-02-29",
    r")[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?",
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])",
    padding!(),
    "$",
);

/// An IPv4 address as `std::net::Ipv4Addr` reads it: four octets up to 255, without leading zeros.
const IPV4: &str = r"((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// `Cidr::parse`: an IPv4 or IPv6 address (as `std::net::IpAddr` reads them), optionally `/PREFIX` up to
/// 32 or 128 (leading zeros allowed, as `u8` parsing allows them), surrounding whitespace allowed.
fn cidr_pattern() -> String {
    const HEX: &str = "[0-9A-Fa-f]{1,4}";
    // Eight groups, or six and an IPv4 address, or `::` standing for at least one zero group between `head`
    // hex groups and a tail of at most `7 - head` groups (an IPv4 address at its end counts as two), as
    // `Ipv6Addr`'s parser reads them.
    let mut forms = vec![
        format!("({HEX}:){{7}}{HEX}"),
        format!("({HEX}:){{6}}{IPV4}"),
    ];
    for head in 0..=7 {
        let head_part = if head == 0 {
            String::new()
        } else {
            format!("({HEX}:){{{}}}{HEX}", head - 1)
        };
        let room = 7 - head;
        let tail = match room {
            0 => String::new(),
            1 => format!("({HEX})?"),
            _ => format!(
                "(({HEX}:){{0,{}}}{HEX}|({HEX}:){{0,{}}}{IPV4})?",
                room - 1,
                room - 2
            ),
        };
        forms.push(format!("{head_part}::{tail}"));
    }
    let ipv6 = forms.join("|");
    let padding = padding!();
    format!(
        r"^{padding}({IPV4}(/0*([0-9]|[12][0-9]|3[0-2]))?|({ipv6})(/0*([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))?){padding}$"
    )
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

/// One `[profiles.NAME]` table: `flag = true | false` for declared flags.
pub(crate) struct Profile;

impl JsonSchema for Profile {
    fn schema_name() -> Cow<'static, str> {
        "Profile".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(json!({
            "description": "A named set of flag states, chosen at build time with `FEATURE_FLAGS_PROFILE=NAME`: \
                `flag = true` or `flag = false` for flags declared in `[flags]`.",
            "type": "object",
            "propertyNames": { "pattern": NAME_PATTERN },
            "additionalProperties": { "type": "boolean" },
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

/// One entry of `requires` (`targeting::build_requirement`): a name, or a table.
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
fn number_value() -> Value {
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
        let mut entry = vec![
            generator.subschema_for::<T>().to_value(),
            // `current_time` is an instant: only the date operators compare it.
            json!({
                "if": { "properties": { "context": { "const": "current_time" } }, "required": ["context"] },
                "then": { "properties": { "operator": { "enum": ["date_after", "date_before"] } } },
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

/// What only a dynamic flag may have (`parse::static_targeting_error` and the static check of
/// `requires`): targeting keys, even empty, and `requires` entries that need a flag off or a variant.
pub(crate) fn flag_rules(schema: &mut Schema) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_json_with_a_trailing_newline() {
        let text = json_schema();
        assert!(text.ends_with("}\n"));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["title"], "flags.toml");
        assert_eq!(json_schema(), text, "deterministic");
    }

    #[test]
    fn payload_types_are_the_parsers() {
        let schema = json_schema();
        let value: Value = serde_json::from_str(&schema).unwrap();
        let names: Vec<&str> = value["definitions"]["PayloadType"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|choice| choice["const"].as_str().unwrap())
            .collect();
        assert_eq!(names, PayloadKind::NAMES);
    }
}
