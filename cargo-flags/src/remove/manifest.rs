//! Retiring a flag from `flags.toml` by text edits: its `[flags.NAME]` table, its entries in profiles, and
//! its place in other flags' `requires`. What is declared comes from `flag-manifest`; where it is written
//! comes from `toml_edit`'s spans ([`crate::toml_spans`]). Comments and layout elsewhere stay as they are.

use std::ops::Range;

use flag_manifest::Manifest;
use toml_edit::Item;

use super::kept::Kept;
use crate::text::{self, Edit};
use crate::toml_spans::{TomlSpans, headers_under};

/// The edits that retire `name` from the manifest whose text is `manifest.source`, with what they do (at
/// byte offsets), or the refusals (at byte offsets) when the manifest is written in a shape this cannot
/// edit safely.
pub struct ManifestRewrite {
    /// The new text.
    pub text: String,
    /// What was done.
    pub changes: Vec<(usize, String)>,
    /// What could not be done, with the way out.
    pub refusals: Vec<(usize, String)>,
}

/// Retires `name` from `manifest`, its code keeping what `kept` says.
pub fn rewrite(manifest: &Manifest, name: &str, kept: &Kept) -> ManifestRewrite {
    let source = manifest.source.as_str();
    let on = kept.state().unwrap_or(true);
    let is_value_flag = manifest
        .flag(name)
        .is_some_and(|flag| flag.values.is_some());
    let mut out = ManifestRewrite {
        text: source.to_owned(),
        changes: Vec::new(),
        refusals: Vec::new(),
    };
    let Some(spans) = TomlSpans::parse(source) else {
        out.refusals.push((
            0,
            "the manifest is not valid TOML: run `cargo flags check`".to_owned(),
        ));
        return out;
    };
    let mut edits = Vec::new();

    // A value flag's variants only choose among its values, which the code no longer reads.
    let has_variants = manifest
        .flag(name)
        .is_some_and(|flag| !flag.targeting.variant_names().is_empty());
    if !is_value_flag && (has_variants || spans.item(&["flags", name, "variants"]).is_some()) {
        out.refusals.push((
            manifest.flag(name).map_or(0, |flag| flag.span.start),
            format!(
                "`{name}` has variants, and code that reads a variant is not something cargo flags can rewrite: \
                 move that code to the variant you keep, delete the `variants` of [flags.{name}] (and of its \
                 rules), then rerun"
            ),
        ));
    }

    // The flag's own table, and the tables under it (`[[flags.NAME.rules]]`, `[flags.NAME.values.big]`),
    // each with the comment lines directly above its header.
    match spans.header_table(&["flags", name]).and_then(|table| table.span()) {
        Some(header) => {
            let mut own = vec![header.clone()];
            if let Some(table) = spans.item(&["flags", name]).and_then(Item::as_table) {
                headers_under(table, &mut own);
            }
            own.sort_by_key(|span| span.start);
            own.dedup();
            let all = spans.headers();
            let mut ranges: Vec<Range<usize>> = Vec::new();
            for span in &own {
                let start = text::line_start(source, text::attached_toml_comments_start(source, span.start));
                let end = all.iter().find(|next| next.start > span.end).map_or(source.len(), |next| {
                    text::line_start(source, text::attached_toml_comments_start(source, next.start))
                });
                match ranges.last_mut() {
                    Some(last) if last.end == start => last.end = end,
                    _ => ranges.push(start..end),
                }
            }
            for range in &mut ranges {
                if range.end == source.len() {
                    // The last table: also drop the blank lines that separated it from the one before.
                    let trimmed = source[..range.start].trim_end_matches(['\n', ' ', '\t', '\r']).len();
                    range.start = source[trimmed..range.start].find('\n').map_or(range.start, |i| trimmed + i + 1);
                }
            }
            out.changes.push((header.start, format!("removed [flags.{name}]")));
            edits.extend(ranges.into_iter().map(|range| Edit::new(range, "")));
        }
        None => out.refusals.push((
            manifest.flag(name).map_or(0, |flag| flag.span.start),
            format!(
                "`{name}` is not declared as a `[flags.{name}]` table of its own (an inline table or dotted keys): \
                 rewrite it as a `[flags.{name}]` table, then rerun"
            ),
        )),
    }

    // Its entries in profiles: whole `name = true` (or, for a value flag, `name = "large"`) lines.
    for profile in &manifest.profiles {
        let key = match profile.states.iter().position(|(flag, _)| flag == name) {
            Some(index) => profile.state_spans.get(index).cloned(),
            None if profile.values.iter().any(|(flag, _)| flag == name) => spans
                .item(&["profiles", &profile.name])
                .and_then(|table| table.as_table_like())
                .and_then(|table| table.get_key_value(name))
                .and_then(|(key, _)| key.span()),
            None => continue,
        };
        let Some(key) = key else {
            out.refusals.push((
                profile.span.start,
                format!(
                    "profile `{}` sets `{name}` in a form cargo flags does not edit: delete that entry by hand, \
                     then rerun",
                    profile.name
                ),
            ));
            continue;
        };
        let value = spans.value_span(&["profiles", &profile.name, name]);
        match value.and_then(|value| whole_line(source, key.start..value.end)) {
            Some(range) => {
                out.changes.push((key.start, format!("removed `{name}` from [profiles.{}]", profile.name)));
                edits.push(Edit::new(range, ""));
            }
            None => out.refusals.push((
                key.start,
                format!(
                    "profile `{}` sets `{name}` on a line it shares with other entries: put `{name} = ...` on a \
                     line of its own (or delete it), then rerun",
                    profile.name
                ),
            )),
        }
    }

    // Its place in other flags' `requires`: a name, or a table naming it (`{ flag = "x", ... }`).
    let others = spans
        .item(&["flags"])
        .and_then(|item| item.as_table_like())
        .map(|flags| {
            flags
                .iter()
                .map(|(key, _)| key.to_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for other in others.iter().filter(|other| other.as_str() != name) {
        let Some(array) = spans
            .item(&["flags", other, "requires"])
            .and_then(|item| item.as_array())
        else {
            continue;
        };
        let elements: Vec<Range<usize>> = array.iter().filter_map(|value| value.span()).collect();
        if elements.len() != array.len() {
            continue;
        }
        let names = |value: &toml_edit::Value| match value {
            toml_edit::Value::String(string) => string.value() == name,
            toml_edit::Value::InlineTable(table) => {
                table.get("flag").and_then(|flag| flag.as_str()) == Some(name)
            }
            _ => false,
        };
        let Some(position) = array.iter().position(names) else {
            continue;
        };
        let element = elements[position].clone();
        let needs_off = array
            .get(position)
            .and_then(|value| value.as_inline_table())
            .and_then(|table| table.get("enabled"))
            .and_then(|enabled| enabled.as_bool())
            == Some(false);
        if needs_off && on {
            out.refusals.push((
                element.start,
                format!(
                    "flag `{other}` requires `{name}` off: with `{name}` on for good, `{other}` could never be on. \
                     Retire it first (`cargo flags remove {other} --keep off`), or drop this requirement, then rerun"
                ),
            ));
            continue;
        }
        let range = if elements.len() == 1 {
            let array_span = array.span().unwrap_or(element.clone());
            let line = text::line_start(source, array_span.start);
            let key_is_alone = source[line..array_span.start]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                == "requires=";
            match whole_line(source, line..array_span.end) {
                Some(range) if key_is_alone => range,
                _ => array_span,
            }
        } else if position + 1 < elements.len() {
            element.start..elements[position + 1].start
        } else {
            elements[position - 1].end..element.end
        };
        let replacement = if source[range.clone()].starts_with('[') {
            "[]"
        } else {
            ""
        };
        out.changes.push((
            element.start,
            format!("removed `{name}` from the `requires` of `{other}`"),
        ));
        edits.push(Edit::new(range, replacement));
    }

    if out.refusals.is_empty() {
        match text::apply(source, 0..source.len(), &edits) {
            Ok(new) => out.text = new,
            Err(_) => out.refusals.push((
                0,
                "edits of the manifest overlap: this is a bug in cargo flags; please report it, and edit \
                 flags.toml by hand"
                    .to_owned(),
            )),
        }
    }
    out
}

/// The whole lines holding `range`, when nothing but blanks and a comment shares them.
fn whole_line(source: &str, range: Range<usize>) -> Option<Range<usize>> {
    let end = text::line_end(source, range.end);
    let rest = source[range.end..end].trim();
    (text::starts_line(source, range.start) && (rest.is_empty() || rest.starts_with('#')))
        .then(|| text::line_start(source, range.start)..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"# Flags of the shop.

[flags.a]
description = "A"
default = true

# About x.
[flags.x]
default = false   # off until launch
requires = ["a"]

# About b: keep me.
[flags.b]
requires = ["x"]

[flags.c]
requires = ["a", "x"]

[profiles.beta]
x = true   # try it
a = true
"#;

    #[test]
    fn removes_the_table_profiles_and_requires() {
        let manifest = Manifest::parse(MANIFEST).unwrap();
        let out = rewrite(&manifest, "x", &Kept::State(true));
        assert!(out.refusals.is_empty(), "{:?}", out.refusals);
        assert_eq!(
            out.text,
            r#"# Flags of the shop.

[flags.a]
description = "A"
default = true

# About b: keep me.
[flags.b]

[flags.c]
requires = ["a"]

[profiles.beta]
a = true
"#
        );
        assert!(Manifest::parse(&out.text).is_ok());
        assert_eq!(out.changes.len(), 4);
    }

    #[test]
    fn removes_the_last_table_and_refuses_inline_shapes() {
        let manifest = Manifest::parse("[flags.a]\n\n[flags.z]\ndefault = true\n").unwrap();
        assert_eq!(
            rewrite(&manifest, "z", &Kept::State(true)).text,
            "[flags.a]\n"
        );
        let inline = Manifest::parse("[flags]\nz = { default = true }\n").unwrap();
        let out = rewrite(&inline, "z", &Kept::State(true));
        assert!(
            out.refusals[0]
                .1
                .contains("not declared as a `[flags.z]` table")
        );
        let shared =
            Manifest::parse("[flags.z]\n[flags.y]\n[profiles]\np = { z = true, y = true }\n")
                .unwrap();
        let out = rewrite(&shared, "z", &Kept::State(true));
        assert!(
            out.refusals[0].1.contains("shares with other entries"),
            "{:?}",
            out.refusals
        );
    }

    #[test]
    fn removes_a_value_flag_with_its_rules_variants_and_values() {
        let text = r#"[flags.a]

# Rows per page.
[flags.page_size]
mode = "dynamic"
type = "integer"
values = { small = 10, large = 200 }
default = "small"

# Pro customers see more.
[[flags.page_size.rules]]
constraints = [{ context = "plan", operator = "in", values = ["pro"] }]
value = "large"

[[flags.page_size.variants]]
name = "small"
weight = 50

[[flags.page_size.variants]]
name = "large"
weight = 50

[flags.b]

[flags.theme]
type = "object"
default = "dark"

[flags.theme.values.dark]
background = "black"

[profiles.beta]
page_size = "large"   # try it
b = true
"#;
        let manifest = Manifest::parse(text).unwrap();
        let kept = Kept::State(true);
        let out = rewrite(&manifest, "page_size", &kept);
        assert!(out.refusals.is_empty(), "{:?}", out.refusals);
        assert_eq!(
            out.text,
            "[flags.a]\n\n[flags.b]\n\n[flags.theme]\ntype = \"object\"\ndefault = \"dark\"\n\n\
             [flags.theme.values.dark]\nbackground = \"black\"\n\n[profiles.beta]\nb = true\n"
        );
        assert_eq!(out.changes.len(), 2, "{:?}", out.changes);
        let out = rewrite(&Manifest::parse(&out.text).unwrap(), "theme", &kept);
        assert_eq!(
            out.text,
            "[flags.a]\n\n[flags.b]\n\n[profiles.beta]\nb = true\n"
        );
        assert!(Manifest::parse(&out.text).is_ok());

        // An on/off flag's rules go with it too, even written after another flag's table.
        let text = "[flags.x]\nmode = \"dynamic\"\n\n[flags.b]\n\n# Beta testers.\n[[flags.x.rules]]\n\
                    constraints = [{ context = \"plan\", operator = \"in\", values = [\"beta\"] }]\n";
        let out = rewrite(&Manifest::parse(text).unwrap(), "x", &kept);
        assert!(out.refusals.is_empty(), "{:?}", out.refusals);
        assert_eq!(out.text, "[flags.b]\n");
    }
}
