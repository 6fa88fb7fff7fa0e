//! A flag's typed value (the manifest's `type` and `values`) as the value of one OpenFeature resolution type,
//! and a `metadata` entry as OpenFeature's metadata value. Which of our types each resolution accepts is
//! written here once: a boolean value for a bool resolution, an integer for an int, a float for a float, a
//! string for a string, an object for a struct; anything else is `TYPE_MISMATCH`.

use flag_runtime::Value;
use open_feature::{EvaluationError, EvaluationErrorCode, FlagMetadataValue, StructValue};

/// A type OpenFeature resolves, read from one of our values.
pub(crate) trait FromValue: Sized {
    /// The type's name in errors: `boolean`, `integer`, ...
    const NAME: &'static str;

    /// `value` as this type; `Ok(None)` when it is of another type.
    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError>;
}

impl FromValue for bool {
    const NAME: &'static str = "boolean";

    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError> {
        Ok(match value {
            Value::Bool(on) => Some(*on),
            _ => None,
        })
    }
}

impl FromValue for i64 {
    const NAME: &'static str = "integer";

    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError> {
        Ok(match value {
            Value::Int(number) => Some(*number),
            _ => None,
        })
    }
}

impl FromValue for f64 {
    const NAME: &'static str = "float";

    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError> {
        Ok(match value {
            Value::Float(number) => Some(*number),
            _ => None,
        })
    }
}

impl FromValue for String {
    const NAME: &'static str = "string";

    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError> {
        Ok(match value {
            Value::Str(text) => Some((*text).to_owned()),
            _ => None,
        })
    }
}

impl FromValue for StructValue {
    const NAME: &'static str = "object";

    fn from_value(value: &Value) -> Result<Option<Self>, EvaluationError> {
        let Value::Object(json) = value else {
            return Ok(None);
        };
        let parse_error = |message: String| EvaluationError {
            code: EvaluationErrorCode::ParseError,
            message: Some(message),
        };
        let json: serde_json::Value = serde_json::from_str(json)
            .map_err(|error| parse_error(format!("the object value is not JSON: {error}")))?;
        match open_feature::Value::try_from(json)? {
            open_feature::Value::Struct(object) => Ok(Some(object)),
            _ => Err(parse_error(
                "the object value is not a JSON object".to_owned(),
            )),
        }
    }
}

/// A `metadata` entry as OpenFeature's metadata value (which has no objects: one is given as its JSON text).
pub(crate) fn metadata_value(value: &Value) -> FlagMetadataValue {
    match *value {
        Value::Bool(on) => FlagMetadataValue::Bool(on),
        Value::Int(number) => FlagMetadataValue::Int(number),
        Value::Float(number) => FlagMetadataValue::Float(number),
        other => FlagMetadataValue::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_reads_its_own_values_only() {
        assert_eq!(bool::from_value(&Value::Bool(false)), Ok(Some(false)));
        assert_eq!(i64::from_value(&Value::Int(0)), Ok(Some(0)));
        assert_eq!(f64::from_value(&Value::Float(0.5)), Ok(Some(0.5)));
        assert_eq!(String::from_value(&Value::Str("")), Ok(Some(String::new())));
        assert_eq!(bool::from_value(&Value::Str("true")), Ok(None));
        assert_eq!(i64::from_value(&Value::Float(1.0)), Ok(None));
        assert_eq!(f64::from_value(&Value::Int(1)), Ok(None));
        assert_eq!(StructValue::from_value(&Value::Int(1)), Ok(None));
    }

    #[test]
    fn objects_are_parsed_from_their_json() {
        let object = StructValue::from_value(&Value::Object(r#"{"a": 1, "b": [true]}"#));
        let object = object.ok().flatten().unwrap_or_default();
        assert_eq!(object.fields.get("a"), Some(&open_feature::Value::Int(1)));
        let empty = StructValue::from_value(&Value::Object("{}"));
        assert_eq!(empty.ok().flatten().map(|o| o.fields.len()), Some(0));

        for broken in ["{", "[1]"] {
            let error = StructValue::from_value(&Value::Object(broken)).err();
            assert_eq!(
                error.map(|e| e.code),
                Some(EvaluationErrorCode::ParseError),
                "{broken}"
            );
        }
    }

    #[test]
    fn metadata_values() {
        assert_eq!(metadata_value(&Value::Int(2)), FlagMetadataValue::Int(2));
        assert_eq!(
            metadata_value(&Value::Float(0.1)),
            FlagMetadataValue::Float(0.1)
        );
        assert_eq!(
            metadata_value(&Value::Bool(true)),
            FlagMetadataValue::Bool(true)
        );
        assert_eq!(
            metadata_value(&Value::Str("1.0.2")),
            FlagMetadataValue::String("1.0.2".into())
        );
    }
}
