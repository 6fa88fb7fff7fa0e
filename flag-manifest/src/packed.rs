//! A crate's catalog of flags as one string: what the macros hand the runtime about every flag of the
//! manifest (its build state, description, owner, expiry, requirements, rules and variants).
//!
//! The catalog was a `static` array of structs, one per flag, each field a literal: for a manifest of 60
//! flags, that is hundreds of expressions for the compiler to type-check and evaluate in every crate that
//! checks a dynamic flag (about 27 million instructions of rustc's time). As one string literal it costs
//! nearly nothing to compile, and the runtime decodes it once, when it starts. The macros and the runtime
//! must agree on the format, so both use this module.
//!
//! The format: [`FORMAT`], then the list of flags. Every string is its length in bytes, `:`, then its bytes
//! (so nothing needs escaping); a boolean is `1` or `0`; an optional string is `-`, or `+` then the string;
//! a list is its length, `;`, then its items.

/// What a catalog starts with: the version of its format. The macros and the runtime must agree on it; a
/// catalog of another format (the first had no marker, and starts with a digit) is refused before anything
/// is read from it, rather than misread.
pub const FORMAT: &str = "v2;";

/// One flag of a catalog, borrowing its strings.
///
/// ```
/// use flag_manifest::packed::{PackedFlag, pack, unpack};
/// let flags = [PackedFlag { name: "new_ui", source: "default", ..PackedFlag::default() }];
/// assert_eq!(unpack(&pack(&flags)).unwrap(), flags);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackedFlag<'a> {
    /// The flag's name.
    pub name: &'a str,
    /// Whether it is `mode = "dynamic"`.
    pub dynamic: bool,
    /// The state the build compiled in.
    pub default: bool,
    /// What decided the build state (`default`, `profile NAME`, ...).
    pub source: &'a str,
    /// The manifest's `description`.
    pub description: Option<&'a str>,
    /// The manifest's `owner`.
    pub owner: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub expires: Option<&'a str>,
    /// Each `requires` entry: the flag, the state it must be in, and the variants it must have (if any).
    /// The flags that must be on ([`Flag::requires`](crate::Flag::requires)) are those entries whose
    /// state is on; the catalog does not carry them a second time.
    pub requirements: Vec<(&'a str, bool, Vec<&'a str>)>,
    /// The rules and variants as TOML, empty when there are none.
    pub targeting: &'a str,
    /// The variant names, in the order of the generated enums.
    pub variants: Vec<&'a str>,
    /// A value flag's type, values and compiled-in value, and any flag's metadata, as TOML
    /// ([`values_to_toml`]); empty when there are none.
    pub values: &'a str,
}

/// A flag's `type`, `values`, `metadata` and the value the build chose (`chosen`, an index into its
/// values), as TOML that [`values_from_toml`] reads back: how a catalog carries them. Empty for an on/off
/// flag without metadata.
///
/// ```
/// use flag_manifest::packed::{values_from_toml, values_to_toml};
/// let manifest = flag_manifest::Manifest::parse(r#"
/// [flags.page_size]
/// type = "integer"
/// values = { small = 10, large = 200 }
/// default = "small"
/// metadata = { ticket = "PAY-12" }
/// "#).unwrap();
/// let flag = manifest.flag("page_size").unwrap();
/// let text = values_to_toml(flag, Some(1));
/// let (values, metadata) = values_from_toml(&text).unwrap();
/// let values = values.unwrap();
/// assert_eq!(values.default, Some(1), "the build's choice");
/// assert_eq!(values.values, flag.values.as_ref().unwrap().values.iter().map(|v| flag_manifest::NamedValue { span: 0..0, ..v.clone() }).collect::<Vec<_>>());
/// assert_eq!(metadata, flag.metadata);
/// ```
pub fn values_to_toml(flag: &crate::Flag, chosen: Option<usize>) -> String {
    let mut table = toml::Table::new();
    if let Some(values) = &flag.values {
        table.insert("type".into(), values.value_type.as_str().into());
        let names = values.names().map(toml::Value::from).collect();
        table.insert("names".into(), toml::Value::Array(names));
        let items = values.values.iter().map(|named| match &named.value {
            // An object travels as its JSON text, which reads back as the same value.
            crate::Value::Object(json) => toml::Value::String(json.clone()),
            value => value.to_toml(),
        });
        table.insert("values".into(), toml::Value::Array(items.collect()));
        if let Some(index) = chosen {
            table.insert("chosen".into(), toml::Value::Integer(index as i64));
        }
    }
    if !flag.metadata.is_empty() {
        let metadata = flag
            .metadata
            .iter()
            .map(|(key, value)| (key.clone(), value.to_toml()))
            .collect();
        table.insert("metadata".into(), toml::Value::Table(metadata));
    }
    if table.is_empty() {
        String::new()
    } else {
        table.to_string()
    }
}

/// A flag's `metadata`, sorted by key.
pub type Metadata = Vec<(String, crate::Value)>;

/// Reads what [`values_to_toml`] wrote: the flag's values (with the build's choice as their `default`) and
/// its metadata.
pub fn values_from_toml(text: &str) -> Result<(Option<crate::FlagValues>, Metadata), String> {
    use crate::{FlagValues, NamedValue, Value, ValueType};
    if text.is_empty() {
        return Ok((None, Vec::new()));
    }
    let table: toml::Table = toml::from_str(text).map_err(|error| error.to_string())?;
    let metadata = match table.get("metadata") {
        Some(toml::Value::Table(entries)) => entries
            .iter()
            .map(|(key, value)| Ok((key.clone(), Value::from_toml_scalar(value)?)))
            .collect::<Result<_, String>>()?,
        _ => Vec::new(),
    };
    let Some(type_name) = table.get("type").and_then(toml::Value::as_str) else {
        return Ok((None, metadata));
    };
    let value_type =
        ValueType::from_name(type_name).ok_or_else(|| format!("unknown type `{type_name}`"))?;
    let list = |key: &str| match table.get(key) {
        Some(toml::Value::Array(items)) => Ok(items.as_slice()),
        _ => Err(format!("no `{key}`")),
    };
    let values = list("names")?
        .iter()
        .zip(list("values")?)
        .map(|(name, value)| {
            let name = name.as_str().ok_or("a value's name is not a string")?;
            let value = match (value_type, value) {
                (ValueType::Object, toml::Value::String(json)) => Value::Object(json.clone()),
                (_, value) => Value::from_toml(value, value_type)?,
            };
            Ok(NamedValue {
                name: name.to_owned(),
                value,
                span: 0..0,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let default = table
        .get("chosen")
        .and_then(toml::Value::as_integer)
        .and_then(|index| usize::try_from(index).ok())
        .filter(|&index| index < values.len());
    Ok((
        Some(FlagValues {
            value_type,
            values,
            default,
        }),
        metadata,
    ))
}

/// `flags` as one string.
pub fn pack(flags: &[PackedFlag<'_>]) -> String {
    let mut out = String::from(FORMAT);
    let string = |out: &mut String, text: &str| {
        out.push_str(&text.len().to_string());
        out.push(':');
        out.push_str(text);
    };
    let boolean = |out: &mut String, value: bool| out.push(if value { '1' } else { '0' });
    let option = |out: &mut String, value: Option<&str>| match value {
        Some(text) => {
            out.push('+');
            string(out, text);
        }
        None => out.push('-'),
    };
    let count = |out: &mut String, len: usize| {
        out.push_str(&len.to_string());
        out.push(';');
    };
    count(&mut out, flags.len());
    for flag in flags {
        string(&mut out, flag.name);
        boolean(&mut out, flag.dynamic);
        boolean(&mut out, flag.default);
        string(&mut out, flag.source);
        option(&mut out, flag.description);
        option(&mut out, flag.owner);
        option(&mut out, flag.expires);
        count(&mut out, flag.requirements.len());
        for (required, enabled, variants) in &flag.requirements {
            string(&mut out, required);
            boolean(&mut out, *enabled);
            count(&mut out, variants.len());
            for variant in variants {
                string(&mut out, variant);
            }
        }
        string(&mut out, flag.targeting);
        count(&mut out, flag.variants.len());
        for variant in &flag.variants {
            string(&mut out, variant);
        }
        string(&mut out, flag.values);
    }
    out
}

/// The flags of a string made by [`pack`]; an error (with the byte offset) for anything else.
pub fn unpack(text: &str) -> Result<Vec<PackedFlag<'_>>, String> {
    if !text.starts_with(FORMAT) {
        return Err(format!(
            "a flag catalog of another format (this program reads format `{FORMAT}`)"
        ));
    }
    let mut reader = Reader {
        text,
        at: FORMAT.len(),
    };
    let flags = reader.list(|reader| {
        Ok(PackedFlag {
            name: reader.string()?,
            dynamic: reader.boolean()?,
            default: reader.boolean()?,
            source: reader.string()?,
            description: reader.option()?,
            owner: reader.option()?,
            expires: reader.option()?,
            requirements: reader.list(|reader| {
                Ok((
                    reader.string()?,
                    reader.boolean()?,
                    reader.list(Reader::string)?,
                ))
            })?,
            targeting: reader.string()?,
            variants: reader.list(Reader::string)?,
            values: reader.string()?,
        })
    })?;
    if reader.at != text.len() {
        return Err(reader.error("unexpected text after the last flag"));
    }
    Ok(flags)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, what: &str) -> String {
        format!("malformed flag catalog at byte {}: {what}", self.at)
    }

    fn byte(&mut self) -> Result<u8, String> {
        let byte = *self
            .text
            .as_bytes()
            .get(self.at)
            .ok_or_else(|| self.error("it ends early"))?;
        self.at += 1;
        Ok(byte)
    }

    /// A decimal number, then `end`.
    fn number(&mut self, end: u8) -> Result<usize, String> {
        let mut value: usize = 0;
        let mut digits = 0;
        loop {
            match self.byte()? {
                byte @ b'0'..=b'9' => {
                    value = value
                        .checked_mul(10)
                        .and_then(|value| value.checked_add(usize::from(byte - b'0')))
                        .ok_or_else(|| self.error("a length overflows"))?;
                    digits += 1;
                }
                byte if byte == end && digits > 0 => return Ok(value),
                _ => return Err(self.error("expected a length")),
            }
        }
    }

    fn string(&mut self) -> Result<&'a str, String> {
        let len = self.number(b':')?;
        let end = self
            .at
            .checked_add(len)
            .ok_or_else(|| self.error("a length overflows"))?;
        let text = self
            .text
            .get(self.at..end)
            .ok_or_else(|| self.error("a string runs past the end"))?;
        self.at = end;
        Ok(text)
    }

    fn boolean(&mut self) -> Result<bool, String> {
        match self.byte()? {
            b'1' => Ok(true),
            b'0' => Ok(false),
            _ => Err(self.error("expected 0 or 1")),
        }
    }

    fn option(&mut self) -> Result<Option<&'a str>, String> {
        match self.byte()? {
            b'-' => Ok(None),
            b'+' => self.string().map(Some),
            _ => Err(self.error("expected - or +")),
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let len = self.number(b';')?;
        // Each item takes at least one byte: a length beyond what is left is malformed, not an allocation.
        if len > self.text.len() - self.at {
            return Err(self.error("a list is longer than the text"));
        }
        (0..len).map(|_| item(self)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<PackedFlag<'static>> {
        vec![
            PackedFlag {
                name: "new_ui",
                source: "default",
                description: Some("New UI: with \"quotes\", 1:2; and\nlines, é"),
                owner: Some("team-ui"),
                expires: Some("2027-03-01"),
                requirements: vec![
                    ("new_api", true, vec![]),
                    ("checkout", true, vec!["a", "b"]),
                ],
                ..PackedFlag::default()
            },
            PackedFlag {
                name: "checkout_v2",
                dynamic: true,
                default: true,
                source: "profile beta",
                targeting: "[[rules]]\nrollout = { percent = 25 }\n",
                variants: vec!["control", "one_page"],
                values: "type = \"integer\"\nnames = [\"a\"]\nvalues = [1]\n",
                ..PackedFlag::default()
            },
        ]
    }

    #[test]
    fn round_trips() {
        let flags = sample();
        let text = pack(&flags);
        assert_eq!(unpack(&text).unwrap(), flags);
        assert_eq!(unpack(&pack(&[])).unwrap(), Vec::new());
    }

    /// A catalog of the first format (no marker; the flags that must be on, then every `requires` entry) is
    /// refused, not misread: a runtime built with a macro of the other format reports it.
    #[test]
    fn a_catalog_of_the_first_format_is_refused() {
        let flag = PackedFlag {
            name: "new_ui",
            source: "default",
            requirements: vec![("new_api", true, vec![]), ("checkout", true, vec!["a"])],
            ..PackedFlag::default()
        };
        let current = "v2;1;6:new_ui007:default---2;7:new_api10;8:checkout11;1:a0:0;0:";
        assert_eq!(pack(std::slice::from_ref(&flag)), current);
        assert_eq!(unpack(current).unwrap(), [flag]);
        let first =
            "1;6:new_ui007:default---2;7:new_api8:checkout2;7:new_api10;8:checkout11;1:a0:0;0:";
        let error = unpack(first).unwrap_err();
        assert!(error.contains("another format"), "{error}");
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        let text = pack(&sample());
        for end in 0..text.len() {
            if let Some(prefix) = text.get(..end) {
                assert!(unpack(prefix).is_err(), "{prefix:?}");
            }
        }
        assert!(unpack(&format!("{text}x")).is_err());
        assert!(unpack(&format!("{FORMAT}99999999999999999999999;")).is_err());
        assert!(unpack(&format!("{FORMAT}1;5:abc")).is_err());
        let mut corrupted = text.clone().into_bytes();
        for index in 0..corrupted.len() {
            let original = corrupted[index];
            for byte in [b'x', b'9', b':', b';', b'+'] {
                corrupted[index] = byte;
                if let Ok(text) = std::str::from_utf8(&corrupted) {
                    let _ = unpack(text);
                }
            }
            corrupted[index] = original;
        }
    }
}
