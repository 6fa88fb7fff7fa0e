//! What a retired flag's code keeps, from `--keep`: `on` or `off` for an on/off flag; for a value flag, one
//! of its values (by name, or by a literal equal to one, as `FEATURE_FLAGS` chooses), or its `default`
//! value when `--keep` is not given. A kept value becomes the Rust literal that replaces each
//! `flag_value!` of the flag, of the Rust type the macro gave it (`i64`, `f64`, `bool`, `&'static str`).

use flag_manifest::{Flag, Value, ValueType};

use crate::CliError;
use crate::text::line_column;

/// The state or value the code of a retired flag keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// An on/off flag, kept on (`true`) or off.
    State(bool),
    /// A value flag, kept at one of its values.
    Value(KeptValue),
}

/// A value flag's kept value.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptValue {
    /// The value's name in the manifest (`medium`).
    pub name: String,
    /// The flag's declared type.
    pub value_type: ValueType,
    /// The value.
    pub value: Value,
    /// The Rust literal that replaces each `flag_value!` (`50_i64`).
    pub literal: String,
}

impl Kept {
    /// The state `flag!` and `#[feature_flag]` of the flag fold to: an on/off flag's, or a boolean value
    /// flag's value (static boolean value flags may be read with `flag!`). `None` for other value flags,
    /// which `flag!` cannot read.
    pub fn state(&self) -> Option<bool> {
        match self {
            Kept::State(on) => Some(*on),
            Kept::Value(kept) => match kept.value {
                Value::Bool(on) => Some(on),
                _ => None,
            },
        }
    }

    /// The value kept, for a value flag.
    pub fn value(&self) -> Option<&KeptValue> {
        match self {
            Kept::State(_) => None,
            Kept::Value(kept) => Some(kept),
        }
    }

    /// `on`, `off`, or the kept value's name, as the report shows it.
    pub fn label(&self) -> String {
        match self {
            Kept::State(on) => crate::output::state(*on).to_owned(),
            Kept::Value(kept) => kept.name.clone(),
        }
    }
}

/// What `--keep` (`keep`, if given) chooses for `flag`, declared in the manifest file shown as `manifest`
/// whose text is `source`.
pub fn choose(
    flag: &Flag,
    keep: Option<&str>,
    source: &str,
    manifest: &str,
) -> Result<Kept, CliError> {
    let name = &flag.name;
    let Some(values) = &flag.values else {
        return match keep {
            Some("on") => Ok(Kept::State(true)),
            Some("off") => Ok(Kept::State(false)),
            Some(other) => Err(CliError::new(format!(
                "`--keep {other}`: `{name}` is an on/off flag, so its code keeps `on` or `off`"
            ))
            .help(format!(
                "rerun with `--keep on` (its code stays) or `--keep off` (its code goes): cargo flags remove {name} \
                 --keep on"
            ))),
            None => Err(CliError::new(format!(
                "`{name}` is an on/off flag: pass `--keep on` (its code stays) or `--keep off` (its code goes)"
            ))
            .help(format!(
                "cargo flags remove {name} --keep on --dry-run shows the diff that keeps its code on"
            ))),
        };
    };
    let (line, column) = line_column(source, flag.span.start);
    let index = match keep {
        Some(text) => values.choose(text).map_err(|error| {
            CliError::new(format!("`--keep {text}` for value flag `{name}`: {error}")).help(format!(
                "name one of the values declared for `{name}` in {manifest}:{line}:{column}, such as `--keep {}`",
                values.names().next().unwrap_or("NAME")
            ))
        })?,
        None => values.default.ok_or_else(|| {
            CliError::new(format!(
                "value flag `{name}` declares no `default`, so say which value its code keeps: `--keep NAME`, one \
                 of {}",
                values.listing()
            ))
            .help(format!(
                "cargo flags remove {name} --keep {} --dry-run",
                values.names().next().unwrap_or("NAME")
            ))
        })?,
    };
    let Some(named) = values.values.get(index) else {
        return Err(CliError::new(format!(
            "value flag `{name}`: its `default` names no declared value; run `cargo flags check`"
        )));
    };
    Ok(Kept::Value(KeptValue {
        name: named.name.clone(),
        value_type: values.value_type,
        literal: rust_literal(&named.value),
        value: named.value.clone(),
    }))
}

/// `value` as a Rust literal of the type `flag_value!` gives it: `true`, `50_i64`, `0.5_f64`, a string
/// literal with Rust's escapes, an object's JSON text as a raw string literal.
///
/// ```
/// use cargo_flags::remove::kept::rust_literal;
/// use flag_manifest::Value;
///
/// assert_eq!(rust_literal(&Value::Integer(-50)), "-50_i64");
/// assert_eq!(rust_literal(&Value::Float(2.0)), "2.0_f64");
/// assert_eq!(rust_literal(&Value::String("say \"hi\"\n".into())), r#""say \"hi\"\n""#);
/// assert_eq!(rust_literal(&Value::Object(r#"{"a":"b"}"#.into())), r###"r#"{"a":"b"}"#"###);
/// ```
pub fn rust_literal(value: &Value) -> String {
    match value {
        Value::Bool(on) => on.to_string(),
        Value::Integer(number) => format!("{number}_i64"),
        Value::Float(number) if number.is_nan() => "f64::NAN".to_owned(),
        Value::Float(number) if number.is_infinite() && *number > 0.0 => "f64::INFINITY".to_owned(),
        Value::Float(number) if number.is_infinite() => "f64::NEG_INFINITY".to_owned(),
        // `{:?}` writes the shortest text that reads back as the same f64, with a `.0` or an exponent.
        Value::Float(number) => format!("{number:?}_f64"),
        Value::String(text) => format!("{text:?}"),
        Value::Object(json) => raw_string(json),
    }
}

/// `text` as a raw string literal with as few `#` as it needs; a plain literal when it holds a carriage
/// return (which a raw string cannot hold) or is a string `{:?}` leaves alone anyway.
fn raw_string(text: &str) -> String {
    if text.contains('\r') || !text.contains(['"', '\\']) {
        return format!("{text:?}");
    }
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back_as_the_value() {
        for number in [0.1, -0.0, 1e300, 5e-324, 123456.789, -2.5] {
            let literal = rust_literal(&Value::Float(number));
            let text = literal.strip_suffix("_f64").unwrap();
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                number.to_bits(),
                "{literal}"
            );
            assert!(text.contains(['.', 'e']), "{literal} reads as an integer");
        }
        assert_eq!(
            rust_literal(&Value::Float(f64::NEG_INFINITY)),
            "f64::NEG_INFINITY"
        );
        assert_eq!(
            rust_literal(&Value::Integer(i64::MIN)),
            "-9223372036854775808_i64"
        );
        assert_eq!(rust_literal(&Value::Bool(false)), "false");
        assert_eq!(
            rust_literal(&Value::String("tab\there \\ é \u{1b}".into())),
            "\"tab\\there \\\\ é \\u{1b}\""
        );
        assert_eq!(
            rust_literal(&Value::Object("{\"q\":\"\\\"#\"}".into())),
            "r##\"{\"q\":\"\\\"#\"}\"##"
        );
        assert_eq!(rust_literal(&Value::Object("{}".into())), "\"{}\"");
    }
}
