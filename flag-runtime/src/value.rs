//! Typed flag values as the program reads them: [`Value`] (borrowing the declared values, which live for
//! the whole program), [`ValueType`] and the [`Reason`] an evaluation gives for its outcome.
//!
//! A value flag's values are declared in `flags.toml` and compiled into its catalog; at run time a source
//! (the runtime file, the fleet, `FEATURE_FLAGS`, [`set_value`](crate::set_value)) only chooses one of them,
//! so the flag's current value is an index, and reading it allocates nothing.

use serde::{Serialize, Serializer};

pub use flag_manifest::ValueType;

/// A value flag's value, borrowed from its declaration.
///
/// ```
/// use flag_runtime::{Context, Value, evaluate};
///
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// let page_size = evaluate("page_size", &Context::new()).unwrap();
/// assert_eq!(page_size.value, Some(Value::Int(50)));
/// assert_eq!(page_size.value.unwrap().as_i64(), Some(50));
/// assert_eq!(Value::Str("x").to_string(), "x");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A boolean value.
    Bool(bool),
    /// A string value.
    Str(&'static str),
    /// An integer value.
    Int(i64),
    /// A float value.
    Float(f64),
    /// An object value, as compact JSON text.
    Object(&'static str),
}

impl Value {
    /// The value as the declaration holds it.
    pub(crate) fn of(value: &'static flag_manifest::Value) -> Value {
        match value {
            flag_manifest::Value::Bool(on) => Value::Bool(*on),
            flag_manifest::Value::String(text) => Value::Str(text),
            flag_manifest::Value::Integer(number) => Value::Int(*number),
            flag_manifest::Value::Float(number) => Value::Float(*number),
            flag_manifest::Value::Object(json) => Value::Object(json),
        }
    }

    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Bool(_) => ValueType::Boolean,
            Value::Str(_) => ValueType::String,
            Value::Int(_) => ValueType::Integer,
            Value::Float(_) => ValueType::Float,
            Value::Object(_) => ValueType::Object,
        }
    }

    /// The boolean, for a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(on) => Some(on),
            _ => None,
        }
    }

    /// The string, for a string value.
    pub fn as_str(&self) -> Option<&'static str> {
        match *self {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The integer, for an integer value.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(number) => Some(number),
            _ => None,
        }
    }

    /// The float, for a float value.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(number) => Some(number),
            _ => None,
        }
    }

    /// The JSON text, for an object value.
    pub fn as_json(&self) -> Option<&'static str> {
        match *self {
            Value::Object(json) => Some(json),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    /// As a literal: `true`, `large`, `200`, `0.5`, `{"a":1}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Bool(on) => write!(f, "{on}"),
            Value::Str(text) | Value::Object(text) => f.write_str(text),
            Value::Int(number) => write!(f, "{number}"),
            Value::Float(number) => {
                std::fmt::Display::fmt(&flag_manifest::Value::Float(*number), f)
            }
        }
    }
}

impl Serialize for Value {
    /// As JSON would hold it: an object as its JSON text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Bool(on) => serializer.serialize_bool(on),
            Value::Str(text) | Value::Object(text) => serializer.serialize_str(text),
            Value::Int(number) => serializer.serialize_i64(number),
            Value::Float(number) => serializer.serialize_f64(number),
        }
    }
}

/// Why an evaluation gave its outcome (OpenFeature's resolution reasons). The order in which they are
/// decided is written once, in the targeting engine: disabled, static, the first matching rule (its value,
/// a variant override, or a weighted variant), else the default.
///
/// ```
/// use flag_runtime::{Context, Reason, Value, evaluate};
///
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// assert_eq!(evaluate("new_api", &Context::new()).unwrap().reason, Reason::Static);
/// assert_eq!(evaluate("fast_search", &Context::new()).unwrap().reason, Reason::Default);
/// let user_42 = Context::new().user_id("42");
/// assert_eq!(evaluate("checkout_v2", &user_42).unwrap().reason, Reason::TargetingMatch);
/// let pro = evaluate("page_size", &Context::new().property("plan", "pro")).unwrap();
/// assert_eq!((pro.value, pro.reason), (Some(Value::Int(200)), Reason::TargetingMatch));
/// assert_eq!(pro.variant.as_deref(), Some("large"));
/// let free = evaluate("page_size", &Context::new().property("plan", "free")).unwrap();
/// assert_eq!((free.value, free.reason), (Some(Value::Int(50)), Reason::Default));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Reason {
    /// Decided at build time: a static flag.
    Static,
    /// No rule matched (or the flag has none): the flag's plain state, or its default value.
    Default,
    /// A rule matched without a partial rollout: its value, or a variant override.
    TargetingMatch,
    /// A rollout below 100% admitted the context, or a weighted variant was chosen.
    Split,
    /// A value flag with `enabled = false` (or whose `requires` do not hold): its default value.
    Disabled,
}

impl Reason {
    /// `STATIC`, `DEFAULT`, `TARGETING_MATCH`, `SPLIT` or `DISABLED`, as OpenFeature names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Static => "STATIC",
            Reason::Default => "DEFAULT",
            Reason::TargetingMatch => "TARGETING_MATCH",
            Reason::Split => "SPLIT",
            Reason::Disabled => "DISABLED",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
