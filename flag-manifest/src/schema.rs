//! A JSON Schema of `flags.toml`, for editors (taplo, Even Better TOML) that complete and check TOML
//! against one (needs the `schema` feature).
//!
//! The schema is generated from the types the manifest is deserialised into (`crate::raw`'s `RawManifest`
//! and the types it holds, which derive `schemars::JsonSchema` under this feature), so it names the same
//! keys, with their doc comments as descriptions, and refuses unknown keys where
//! [`Manifest::parse`](crate::Manifest::parse) does. The checks the parser makes after deserialising are
//! written by hand (in `raw::shapes`) where JSON Schema can state them: snake_case names, the operators and payload types, context field names, value counts and
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

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::raw::RawManifest;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targeting::PayloadKind;

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
