//! Printing: aligned tables for people, pretty JSON for programs.

use serde::Serialize;

/// Columns aligned on the widest cell, separated by two spaces, with no trailing spaces.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|header| (*header).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let width = widths.get(index).copied().unwrap_or(0);
            line.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(cell.chars().count()),
            ));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `value` as pretty JSON, with a final newline.
pub fn json(value: &impl Serialize) -> String {
    // Serialising plain structs of strings, numbers and vectors cannot fail.
    let mut text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|error| format!("{{\"error\": {:?}}}", error.to_string()));
    text.push('\n');
    text
}

/// `-` for an absent value.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

/// "on" or "off".
pub fn state(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// A value flag's type, values and chosen value, as `list` and `explain` report them (flattened into their
/// JSON documents); empty for an on/off flag.
#[derive(Debug, Default, serde::Serialize)]
pub struct ValueReport {
    /// A value flag's `type` (`None` for an on/off flag).
    pub value_type: Option<String>,
    /// A value flag's values: `small = 10`, in the manifest's order.
    pub values: Vec<String>,
    /// The name of the value this build chose (for a dynamic flag, the compiled-in default).
    pub value: Option<String>,
}

impl ValueReport {
    /// `flag`'s, with `chosen` the index of the value this build chose.
    pub fn of(flag: &flag_manifest::Flag, chosen: Option<usize>) -> ValueReport {
        let Some(values) = &flag.values else {
            return ValueReport::default();
        };
        ValueReport {
            value_type: Some(values.value_type.to_string()),
            values: values
                .values
                .iter()
                .map(|named| format!("{} = {}", named.name, named.value))
                .collect(),
            value: chosen
                .and_then(|index| values.values.get(index))
                .map(|named| named.name.clone()),
        }
    }
}

/// A value flag's state in a build: `medium = 50`, `disabled, medium = 50`, or `no value`.
pub fn value_state(flag: &flag_manifest::Flag, enabled: bool, chosen: Option<usize>) -> String {
    let named = flag
        .values
        .as_ref()
        .zip(chosen)
        .and_then(|(values, index)| values.values.get(index));
    match named {
        Some(named) if enabled => format!("{} = {}", named.name, named.value),
        Some(named) => format!("disabled, {} = {}", named.name, named.value),
        None => "no value".to_owned(),
    }
}

/// `1 thing` or `2 things`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["alpha".to_owned(), "on".to_owned(), String::new()],
            vec!["b".to_owned(), "off".to_owned(), "x".to_owned()],
        ];
        assert_eq!(
            table(&["NAME", "STATE", "NOTE"], &rows),
            "NAME   STATE  NOTE\nalpha  on\nb      off    x\n"
        );
    }
}
