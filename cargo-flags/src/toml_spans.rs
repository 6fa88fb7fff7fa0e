//! Byte ranges in `flags.toml` that `flag-manifest` does not keep: the extent of each table header, the
//! position of a value. They come from `toml_edit`, which parses the same TOML with every span; the
//! manifest's meaning (what is declared, what is valid) still comes from `flag-manifest` alone.

use std::ops::Range;

use toml_edit::{Document, Item, Table};

/// A parsed `flags.toml`, for spans only.
pub struct TomlSpans<'a> {
    doc: Document<&'a str>,
}

impl<'a> TomlSpans<'a> {
    /// Parses `text`; `None` when it is not TOML (`flag-manifest` reports why).
    pub fn parse(text: &'a str) -> Option<Self> {
        Document::parse(text).ok().map(|doc| TomlSpans { doc })
    }

    /// The item at `path` (`["flags", "new_ui", "expires"]`).
    pub fn item(&self, path: &[&str]) -> Option<&Item> {
        let mut item = self.doc.as_item();
        for key in path {
            item = item.get(key)?;
        }
        Some(item)
    }

    /// The bytes of the value at `path`.
    pub fn value_span(&self, path: &[&str]) -> Option<Range<usize>> {
        self.item(path)?.span()
    }

    /// The table at `path` when it is written as a `[a.b]` header of its own (not inline, not dotted keys).
    pub fn header_table(&self, path: &[&str]) -> Option<&Table> {
        let table = self.item(path)?.as_table()?;
        (!table.is_implicit() && !table.is_dotted() && table.span().is_some()).then_some(table)
    }

    /// The byte range of every table header (`[a.b]` and `[[a.b]]`) in the document, sorted.
    pub fn headers(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        headers_under(self.doc.as_table(), &mut out);
        out.sort_by_key(|span| span.start);
        out
    }
}

/// The byte range of the header of every table under `table` (`[a.b]`, `[[a.b]]`), at any depth, in the
/// order of the document's tree (not sorted).
pub fn headers_under(table: &Table, out: &mut Vec<Range<usize>>) {
    for (_, item) in table.iter() {
        match item {
            Item::Table(table) => {
                if !table.is_implicit()
                    && !table.is_dotted()
                    && let Some(span) = table.span()
                {
                    out.push(span);
                }
                headers_under(table, out);
            }
            Item::ArrayOfTables(array) => {
                for table in array.iter() {
                    out.extend(table.span());
                    headers_under(table, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_headers_and_values() {
        let text = "# c\n[flags.a]\nexpires = 2027-01-01\nrequires = [\"b\", \"c\"]\n\n[flags.b]\n[profiles.p]\na = true\n[x]\ny.z = 1\n";
        let spans = TomlSpans::parse(text).unwrap();
        let headers: Vec<&str> = spans.headers().into_iter().map(|r| &text[r]).collect();
        assert_eq!(headers, ["[flags.a]", "[flags.b]", "[profiles.p]", "[x]"]);
        assert_eq!(
            &text[spans.value_span(&["flags", "a", "expires"]).unwrap()],
            "2027-01-01"
        );
        let requires = spans
            .item(&["flags", "a", "requires"])
            .unwrap()
            .as_array()
            .unwrap();
        let elements: Vec<&str> = requires.iter().map(|v| &text[v.span().unwrap()]).collect();
        assert_eq!(elements, ["\"b\"", "\"c\""]);
        assert_eq!(
            &text[spans.value_span(&["profiles", "p", "a"]).unwrap()],
            "true"
        );
        assert!(spans.header_table(&["flags", "a"]).is_some());
        assert!(spans.header_table(&["flags"]).is_none());
        assert!(spans.header_table(&["x", "y"]).is_none());
    }
}
