//! Typed flag values: the types a value flag may declare (`type = "integer"`), its named values, and the one
//! function that chooses one of them from text (`FEATURE_FLAGS=page_size=large` or `=200`, a profile, a
//! runtime file, `set_value`), so that every place that takes a value from outside validates it alike.
//!
//! It stands beside [`crate::targeting`] and knows nothing of the manifest around it: a rule or a variant
//! chooses a value by its name, which is an index into [`FlagValues::values`].
//!
//! ```
//! use flag_manifest::{FlagValues, NamedValue, Value, ValueType};
//!
//! let values = FlagValues {
//!     value_type: ValueType::Integer,
//!     values: vec![
//!         NamedValue { name: "small".into(), value: Value::Integer(10), span: 0..0 },
//!         NamedValue { name: "large".into(), value: Value::Integer(200), span: 0..0 },
//!     ],
//!     default: Some(0),
//! };
//! assert_eq!(values.choose("large"), Ok(1));
//! assert_eq!(values.choose("200"), Ok(1));
//! assert_eq!(
//!     values.choose("50").unwrap_err(),
//!     "`50` is neither the name nor the value of one of the flag's values: small = 10, large = 200"
//! );
//! ```

use std::fmt;
use std::ops::Range;

use serde::{Serialize, Serializer};

/// The type of a value flag's values, as written in `type = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// `true` or `false`.
    Boolean,
    /// A string.
    String,
    /// A 64-bit signed integer.
    Integer,
    /// A 64-bit float.
    Float,
    /// A JSON object, written as a TOML table.
    Object,
}

impl ValueType {
    /// Every type, as written in the manifest.
    pub const NAMES: [&'static str; 5] = ["boolean", "string", "integer", "float", "object"];

    /// The type written `name` in the manifest.
    ///
    /// ```
    /// use flag_manifest::ValueType;
    /// assert_eq!(ValueType::from_name("float"), Some(ValueType::Float));
    /// assert_eq!(ValueType::from_name("int"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ValueType> {
        Some(match name {
            "boolean" => ValueType::Boolean,
            "string" => ValueType::String,
            "integer" => ValueType::Integer,
            "float" => ValueType::Float,
            "object" => ValueType::Object,
            _ => return None,
        })
    }

    /// The type's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Boolean => "boolean",
            ValueType::String => "string",
            ValueType::Integer => "integer",
            ValueType::Float => "float",
            ValueType::Object => "object",
        }
    }

    /// The type's name with its article, for messages: `a boolean`, `an integer`, `an object`.
    ///
    /// ```
    /// use flag_manifest::ValueType;
    ///
    /// assert_eq!(ValueType::Integer.with_article(), "an integer");
    /// assert_eq!(ValueType::String.with_article(), "a string");
    /// ```
    pub fn with_article(self) -> &'static str {
        match self {
            ValueType::Boolean => "a boolean",
            ValueType::String => "a string",
            ValueType::Integer => "an integer",
            ValueType::Float => "a float",
            ValueType::Object => "an object",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value of a value flag, or one entry of a flag's `metadata`.
///
/// Floats compare by their bits, so that a value equals itself (and `Value` is `Eq`).
///
/// ```
/// use flag_manifest::{Value, ValueType};
/// let value = Value::from_toml(&toml::Value::Integer(50), ValueType::Float).unwrap();
/// assert_eq!(value, Value::Float(50.0));
/// assert_eq!(value.to_string(), "50.0");
/// assert_eq!(Value::from_toml(&toml::Value::from("x"), ValueType::Integer).unwrap_err(), "a string, not an integer");
/// ```
#[derive(Debug, Clone)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A JSON object, as compact JSON text.
    Object(String),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::String(a), Value::String(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Value {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Bool(_) => ValueType::Boolean,
            Value::String(_) => ValueType::String,
            Value::Integer(_) => ValueType::Integer,
            Value::Float(_) => ValueType::Float,
            Value::Object(_) => ValueType::Object,
        }
    }

    /// A TOML value read as `value_type` (an integer is taken for a float), or what it is instead.
    pub fn from_toml(value: &toml::Value, value_type: ValueType) -> Result<Value, String> {
        match (value_type, value) {
            (ValueType::Boolean, toml::Value::Boolean(on)) => Ok(Value::Bool(*on)),
            (ValueType::String, toml::Value::String(text)) => Ok(Value::String(text.clone())),
            (ValueType::Integer, toml::Value::Integer(number)) => Ok(Value::Integer(*number)),
            (ValueType::Float, toml::Value::Float(number)) => Ok(Value::Float(*number)),
            // TOML integers as floats, as JSON reads them.
            (ValueType::Float, toml::Value::Integer(number)) => Ok(Value::Float(*number as f64)),
            (ValueType::Object, toml::Value::Table(_)) => to_json(value).map(Value::Object),
            (expected, found) => Err(format!(
                "{}, not {}",
                describe(found),
                expected.with_article()
            )),
        }
    }

    /// A metadata entry: a string, an integer, a float or a boolean.
    pub fn from_toml_scalar(value: &toml::Value) -> Result<Value, String> {
        match value {
            toml::Value::Boolean(on) => Ok(Value::Bool(*on)),
            toml::Value::String(text) => Ok(Value::String(text.clone())),
            toml::Value::Integer(number) => Ok(Value::Integer(*number)),
            toml::Value::Float(number) => Ok(Value::Float(*number)),
            other => Err(format!(
                "{}, not a string, an integer, a float or a boolean",
                describe(other)
            )),
        }
    }

    /// The value as TOML, as the manifest writes it.
    pub fn to_toml(&self) -> toml::Value {
        match self {
            Value::Bool(on) => toml::Value::Boolean(*on),
            Value::String(text) => toml::Value::String(text.clone()),
            Value::Integer(number) => toml::Value::Integer(*number),
            Value::Float(number) => toml::Value::Float(*number),
            Value::Object(json) => {
                toml::from_str::<toml::Table>(&format!("v = {}", json_to_toml(json)))
                    .ok()
                    .and_then(|mut table| table.remove("v"))
                    .unwrap_or_else(|| toml::Value::String(json.clone()))
            }
        }
    }
}

/// `value` as a TOML inline table literal, from its JSON text (JSON objects, arrays, strings, numbers and
/// booleans read as TOML once `:` becomes `=` and keys are quoted; `null` cannot occur, as TOML has none).
fn json_to_toml(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let mut after_key = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                after_key = chars.peek() == Some(&':');
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            ':' if after_key => {
                out.push_str(" = ");
                after_key = false;
            }
            ',' => out.push_str(", "),
            _ => out.push(c),
        }
    }
    out
}

impl fmt::Display for Value {
    /// As a literal: `true`, `large`, `200`, `0.5`, `{"a":1}` (a float always shows a decimal point).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(on) => write!(f, "{on}"),
            Value::String(text) | Value::Object(text) => f.write_str(text),
            Value::Integer(number) => write!(f, "{number}"),
            Value::Float(number) if number.fract() == 0.0 && number.is_finite() => {
                write!(f, "{number:.1}")
            }
            Value::Float(number) => write!(f, "{number}"),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_toml().serialize(serializer)
    }
}

/// One named value of a value flag: `large = 200` in `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedValue {
    /// The value's name: lowercase snake_case, what rules, variants and `default` name.
    pub name: String,
    /// The value, of the flag's type.
    pub value: Value,
    /// The bytes of the name in the manifest, for diagnostics (empty when built by hand).
    pub span: Range<usize>,
}

/// A value flag's type, its values (in declaration order: a value's position is its index everywhere) and
/// the one that applies by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagValues {
    /// The declared `type`.
    pub value_type: ValueType,
    /// The declared `values`, in the order written.
    pub values: Vec<NamedValue>,
    /// The index of the value named by `default`, if the flag declares one.
    pub default: Option<usize>,
}

impl FlagValues {
    /// The index of the value called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.values.iter().position(|value| value.name == name)
    }

    /// The value's names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|value| value.name.as_str())
    }

    /// The 32 bits that stand for the value at `index` in a dynamic read's slot, when every value of the
    /// flag has such bits (booleans, and integers within `i32`): the read is then the slot's one load, with
    /// no table after it. `None` for other flags, whose slot holds the value's index instead. The macros
    /// that read the slot and the runtime that fills it both decide by this one function.
    ///
    /// ```
    /// use flag_manifest::{FlagValues, NamedValue, Value, ValueType};
    ///
    /// let named = |name: &str, value| NamedValue { name: name.into(), value, span: 0..0 };
    /// let sizes = FlagValues {
    ///     value_type: ValueType::Integer,
    ///     values: vec![named("small", Value::Integer(-10)), named("large", Value::Integer(200))],
    ///     default: Some(0),
    /// };
    /// assert_eq!(sizes.slot_bits(0), Some(-10_i32 as u32));
    /// let huge = FlagValues {
    ///     values: vec![named("huge", Value::Integer(1 << 40))],
    ///     ..sizes
    /// };
    /// assert_eq!(huge.slot_bits(0), None);
    /// ```
    pub fn slot_bits(&self, index: usize) -> Option<u32> {
        let bits = |value: &Value| match *value {
            Value::Bool(on) => Some(u32::from(on)),
            Value::Integer(number) => i32::try_from(number).ok().map(|number| number as u32),
            Value::String(_) | Value::Float(_) | Value::Object(_) => None,
        };
        if self.values.iter().all(|named| bits(&named.value).is_some()) {
            bits(&self.values.get(index)?.value)
        } else {
            None
        }
    }

    /// The value named by `default`.
    pub fn default_value(&self) -> Option<&NamedValue> {
        self.default.and_then(|index| self.values.get(index))
    }

    /// The index of the value that `text` chooses: a value's name, else a literal equal to one value
    /// (`200`, `0.5`, `true`, a string's text; an object is chosen by name only). The one check of a value
    /// given as text, at build time and at run time alike; the error lists the values.
    pub fn choose(&self, text: &str) -> Result<usize, String> {
        let text = text.trim();
        if let Some(index) = self.index_of(text) {
            return Ok(index);
        }
        let literal = match self.value_type {
            ValueType::Boolean => text.parse().ok().map(Value::Bool),
            ValueType::String => Some(Value::String(text.to_owned())),
            ValueType::Integer => text.parse().ok().map(Value::Integer),
            ValueType::Float => text.parse().ok().map(Value::Float),
            ValueType::Object => None,
        };
        if let Some(literal) = literal && let Some(index) = self.values.iter().position(|named| {
            named.value == literal
                || matches!((&named.value, &literal), (Value::Float(a), Value::Float(b)) if a == b)
        }) {
            return Ok(index);
        }
        Err(format!(
            "`{text}` is neither the name nor the value of one of the flag's values: {}",
            self.listing()
        ))
    }

    /// `small = 10, large = 200`, for messages.
    pub fn listing(&self) -> String {
        self.values
            .iter()
            .map(|named| match &named.value {
                Value::String(text) => format!("{} = {text:?}", named.name),
                value => format!("{} = {value}", named.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a TOML value is, for messages.
pub(crate) fn describe(value: &toml::Value) -> &'static str {
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

/// A TOML table as compact JSON text; refuses what JSON cannot hold (dates, infinite floats).
fn to_json(value: &toml::Value) -> Result<String, String> {
    let mut out = String::new();
    write_json(value, &mut out)?;
    Ok(out)
}

fn write_json(value: &toml::Value, out: &mut String) -> Result<(), String> {
    match value {
        toml::Value::String(text) => write_json_string(text, out),
        toml::Value::Integer(number) => out.push_str(&number.to_string()),
        toml::Value::Float(number) if number.is_finite() => {
            out.push_str(&Value::Float(*number).to_string());
        }
        toml::Value::Float(number) => return Err(format!("`{number}` is not a JSON number")),
        toml::Value::Boolean(on) => out.push_str(if *on { "true" } else { "false" }),
        toml::Value::Datetime(date) => {
            return Err(format!("a date-time (`{date}`) is not JSON: quote it"));
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        toml::Value::Table(table) => {
            out.push('{');
            for (position, (key, item)) in table.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_compact_json_and_round_trip_to_toml() {
        let table: toml::Value =
            toml::from_str::<toml::Table>("v = { a = 1, b = [true, \"x:y\"], c = { d = 0.5 } }")
                .unwrap()
                .remove("v")
                .unwrap();
        let value = Value::from_toml(&table, ValueType::Object).unwrap();
        assert_eq!(
            value,
            Value::Object(r#"{"a":1,"b":[true,"x:y"],"c":{"d":0.5}}"#.into())
        );
        assert_eq!(value.to_toml(), table);
    }

    #[test]
    fn dates_and_wrong_types_are_refused() {
        let date: toml::Value = toml::from_str::<toml::Table>("v = { when = 2027-01-01 }")
            .unwrap()
            .remove("v")
            .unwrap();
        assert!(
            Value::from_toml(&date, ValueType::Object)
                .unwrap_err()
                .contains("quote it")
        );
        assert_eq!(
            Value::from_toml(&toml::Value::Float(0.5), ValueType::Integer).unwrap_err(),
            "a float, not an integer"
        );
        assert_eq!(
            Value::from_toml_scalar(&toml::Value::Array(vec![])).unwrap_err(),
            "an array, not a string, an integer, a float or a boolean"
        );
    }

    #[test]
    fn choose_by_name_then_literal() {
        let values = FlagValues {
            value_type: ValueType::Float,
            values: vec![NamedValue {
                name: "half".into(),
                value: Value::Float(0.5),
                span: 0..0,
            }],
            default: None,
        };
        assert_eq!(values.choose(" half "), Ok(0));
        assert_eq!(values.choose("0.50"), Ok(0));
        assert!(values.choose("0.25").unwrap_err().ends_with("half = 0.5"));
    }
}
