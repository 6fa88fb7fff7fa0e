//! Byte-exact text surgery: positions, whole-line ranges, edits and re-indentation.
//!
//! `remove` changes files as text, at exact byte ranges, so that every byte outside an edit survives as it
//! was (comments, blank lines, formatting). This module owns the few primitives that makes possible: turning
//! the line and column of a `proc-macro2` span into a byte offset, widening a range to the whole lines it
//! fills, applying a set of non-overlapping edits, and moving a block's contents to another indentation.

use std::ops::Range;

use proc_macro2::{LineColumn, Span};

/// One replacement: the bytes of `range` become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced, in the original text.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

impl Edit {
    /// A replacement of `range` by `text`.
    pub fn new(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            range,
            text: text.into(),
        }
    }
}

/// Maps `proc-macro2` positions (1-based line, 0-based column in characters) of one parsed file to byte
/// offsets of that file's text.
#[derive(Debug)]
pub struct LineIndex {
    /// Byte offset of the text `syn` parsed within the file: 3 when the file starts with a byte-order mark.
    base: usize,
    /// Byte offset, in the parsed text, of the start of each line.
    line_starts: Vec<usize>,
    /// The parsed text (the file without its byte-order mark).
    text: String,
}

impl LineIndex {
    /// The index of `parsed`, which starts `base` bytes into its file.
    pub fn new(parsed: &str, base: usize) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(parsed.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            base,
            line_starts,
            text: parsed.to_owned(),
        }
    }

    /// The byte offset in the file of a line and column reported by `proc-macro2`.
    pub fn offset(&self, position: LineColumn) -> usize {
        let Some(&line_start) = self.line_starts.get(position.line.saturating_sub(1)) else {
            return self.base + self.text.len();
        };
        let line = &self.text[line_start..];
        let within = line
            .char_indices()
            .nth(position.column)
            .map_or(line.len(), |(i, _)| i);
        self.base + line_start + within
    }

    /// The bytes of the file that `span` covers.
    pub fn range(&self, span: Span) -> Range<usize> {
        self.offset(span.start())..self.offset(span.end())
    }

    /// The bytes from the start of `first` to the end of `last`.
    pub fn join(&self, first: Span, last: Span) -> Range<usize> {
        self.offset(first.start())..self.offset(last.end())
    }
}

/// The 1-based line and 1-based column (in characters) of byte `offset`, as compilers print them.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The offset of the start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the newline that ends the line holding `offset` (or the end of the text).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The whitespace that starts the line holding `offset`.
pub fn indentation_at(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Whether only spaces and tabs stand between the start of its line and `offset`.
pub fn starts_line(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The range to delete so that `range` disappears cleanly.
///
/// When `range` is alone on its lines, the whole lines go, and so does one blank line that would otherwise
/// be left doubled (or left just inside a block's opening brace or before its closing one). Otherwise only
/// `range` and the spaces after it go.
pub fn deletion_range(text: &str, range: Range<usize>) -> Range<usize> {
    let start = line_start(text, range.start);
    let rest = &text[range.end..];
    let rest_of_line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let alone = starts_line(text, range.start) && rest_of_line.trim().is_empty();
    if !alone {
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        return range.start..range.end + spaces;
    }
    let mut end = line_end(text, range.end);
    let mut start = start;
    let previous = if start == 0 {
        None
    } else {
        Some(&text[line_start(text, start - 1)..start - 1])
    };
    let next_end = line_end(text, end);
    let next = (end < text.len()).then(|| &text[end..next_end]);
    let previous_blank_or_open =
        previous.is_none_or(|line| is_blank(line) || line.trim_end().ends_with('{'));
    match next {
        Some(line) if is_blank(line) && previous_blank_or_open => end = next_end,
        Some(line) if line.trim_start().starts_with('}') && previous.is_some_and(is_blank) => {
            start = line_start(text, start - 1);
        }
        None if previous.is_some_and(is_blank) => start = line_start(text, start - 1),
        _ => {}
    }
    start..end
}

/// Where the Rust comment lines directly above `offset` (`//` comments, not `//!`, with no blank line
/// between) start: they describe the item at `offset` and go with it.
pub fn attached_comments_start(text: &str, offset: usize) -> usize {
    comments_above(text, offset, |line| {
        line.starts_with("//") && !line.starts_with("//!")
    })
}

/// [`attached_comments_start`] for TOML, whose comments start with `#`.
pub fn attached_toml_comments_start(text: &str, offset: usize) -> usize {
    comments_above(text, offset, |line| line.starts_with('#'))
}

fn comments_above(text: &str, offset: usize, is_comment: impl Fn(&str) -> bool) -> usize {
    let mut start = line_start(text, offset);
    if !starts_line(text, offset) {
        return offset;
    }
    while start > 0 {
        let previous = line_start(text, start - 1);
        let line = text[previous..start].trim();
        if is_comment(line) {
            start = previous;
        } else {
            break;
        }
    }
    if start == line_start(text, offset) {
        offset
    } else {
        start
    }
}

/// `text[range]` with `edits` (each inside `range`, none overlapping) applied.
///
/// Returns the offending pair when two edits overlap: a bug in the caller, reported rather than guessed at.
pub fn apply(text: &str, range: Range<usize>, edits: &[Edit]) -> Result<String, (Edit, Edit)> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(range.len());
    let mut at = range.start;
    let mut previous: Option<&Edit> = None;
    for edit in sorted {
        if edit.range.start < at {
            let earlier = previous.cloned().unwrap_or_else(|| edit.clone());
            return Err((earlier, edit.clone()));
        }
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.text);
        at = edit.range.end;
        previous = Some(edit);
    }
    out.push_str(&text[at..range.end]);
    Ok(out)
}

/// The contents of a block whose text (braces included) is `block`, ready to stand where the block's owner
/// stood at indentation `to`: the braces and the blank space inside them go, and every line after the first
/// moves from the contents' own indentation to `to`, unless `reindent` is false (the contents hold a string
/// literal spanning lines, whose text must not change).
pub fn block_contents(block: &str, to: &str, reindent: bool) -> String {
    let inner = block
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or(block);
    // Drop the rest of the opening brace's line when it is blank, and the blank end before the closing brace.
    let inner = match inner.find('\n') {
        Some(newline) if inner[..newline].trim().is_empty() => &inner[newline + 1..],
        _ => inner,
    };
    let inner = inner.trim_end();
    let first_indent_len = inner.len() - inner.trim_start_matches([' ', '\t']).len();
    let from = &inner[..first_indent_len];
    let inner = &inner[first_indent_len..];
    if !inner.contains('\n') || !reindent {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    for (index, line) in inner.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
            if line.trim().is_empty() {
                continue;
            }
            match line.strip_prefix(from) {
                Some(rest) => {
                    out.push_str(to);
                    out.push_str(rest);
                }
                None => out.push_str(line),
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_within_a_line() {
        let text = "fn é() {}\nlet x = 1;\n";
        let index = LineIndex::new(text, 0);
        assert_eq!(index.offset(LineColumn { line: 1, column: 4 }), 5);
        assert_eq!(
            index.offset(LineColumn { line: 2, column: 4 }),
            text.find("x").unwrap()
        );
        let shifted = LineIndex::new(text, 3);
        assert_eq!(shifted.offset(LineColumn { line: 1, column: 0 }), 3);
        assert_eq!(line_column(text, text.find("x").unwrap()), (2, 5));
    }

    #[test]
    fn deletes_whole_lines_and_collapses_blank_lines() {
        let text = "a\n\n#[x]\nfn f() {}\n\nb\n";
        let item = text.find("#[x]").unwrap()..text.find("{}").unwrap() + 2;
        let range = deletion_range(text, item);
        let mut out = text.to_owned();
        out.replace_range(range, "");
        assert_eq!(out, "a\n\nb\n");

        let inline = "fn f() { #[x] g(); }";
        let at = inline.find("#[x]").unwrap();
        assert_eq!(deletion_range(inline, at..at + 4), at..at + 5);

        let block = "{\n    #[x]\n    fn f() {}\n\n    g();\n}\n";
        let at = block.find("#[x]").unwrap();
        let mut out = block.to_owned();
        out.replace_range(deletion_range(block, at..block.find("{}").unwrap() + 2), "");
        assert_eq!(out, "{\n    g();\n}\n");

        let last = "{\n    g();\n\n    fn f() {}\n}\n";
        let at = last.find("fn").unwrap();
        let mut out = last.to_owned();
        out.replace_range(deletion_range(last, at..last.find("{}").unwrap() + 2), "");
        assert_eq!(out, "{\n    g();\n}\n");
    }

    #[test]
    fn finds_attached_comments() {
        let text = "x\n\n// About f.\n// More.\n#[a]\nfn f() {}\n";
        let at = text.find("#[a]").unwrap();
        assert_eq!(
            attached_comments_start(text, at),
            text.find("// About").unwrap()
        );
        let detached = "// Header.\n\nfn f() {}\n";
        let at = detached.find("fn").unwrap();
        assert_eq!(attached_comments_start(detached, at), at);
    }

    #[test]
    fn applies_edits_and_reports_overlaps() {
        let text = "abcdef";
        let edits = [Edit::new(4..5, "E"), Edit::new(1..2, "B")];
        assert_eq!(apply(text, 0..6, &edits).unwrap(), "aBcdEf");
        assert_eq!(apply(text, 1..5, &edits).unwrap(), "BcdE");
        assert!(apply(text, 0..6, &[Edit::new(1..3, ""), Edit::new(2..4, "")]).is_err());
    }

    #[test]
    fn moves_block_contents_to_another_indentation() {
        let block = "{\n        // Note.\n        a();\n\n        if x {\n            b();\n        }\n    }";
        assert_eq!(
            block_contents(block, "    ", true),
            "// Note.\n    a();\n\n    if x {\n        b();\n    }"
        );
        assert_eq!(block_contents("{ 1 }", "", true), "1");
        assert_eq!(block_contents("{}", "", true), "");
    }
}
