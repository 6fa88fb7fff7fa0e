//! Problems found in a manifest or an environment variable, with the place they point at.
//!
//! A diagnostic keeps a byte range rather than a rendered position so that the macros, the CLI and the
//! runtime can each render it their own way; [`Diagnostic::render`] gives the common `path:line:col: message`
//! form used in compile errors.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// Where a [`Diagnostic`] points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A byte range of the manifest, with the 1-based line and column (in characters) of its start.
    Manifest {
        /// The byte range in the manifest's text.
        span: Range<usize>,
        /// 1-based line of `span.start`.
        line: usize,
        /// 1-based column, counted in characters, of `span.start`.
        column: usize,
    },
    /// The manifest as a whole (it could not be read, for example).
    ManifestFile,
    /// A byte range of an environment variable's value, such as `FEATURE_FLAGS`.
    Env {
        /// The variable's name.
        var: &'static str,
        /// The variable's whole value.
        value: String,
        /// The byte range in `value` that the problem is about.
        span: Range<usize>,
    },
}

/// One problem, with a message that says what is wrong and, where there is one, a hint at the fix.
///
/// ```
/// let error = flag_manifest::Manifest::parse("[flags.new_ui]\ndefualt = true\n").unwrap_err();
/// let text = error.diagnostics()[0].render(std::path::Path::new("flags.toml"));
/// assert!(text.starts_with("flags.toml:2:1: unknown field `defualt`"), "{text}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is.
    pub location: Location,
    /// How to fix it, when the fix is known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at `span` of the manifest whose text is `text`.
    pub fn in_manifest(text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, span.start);
        Diagnostic {
            message: message.into(),
            location: Location::Manifest { span, line, column },
            help: None,
        }
    }

    /// A problem at `span` of the value of the environment variable `var`.
    pub fn in_env(
        var: &'static str,
        value: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            message: message.into(),
            location: Location::Env {
                var,
                value: value.to_owned(),
                span,
            },
            help: None,
        }
    }

    /// A problem with the manifest file as a whole.
    pub fn in_file(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: Location::ManifestFile,
            help: None,
        }
    }

    /// The same diagnostic with a hint at the fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic for a person: `path:line:col: message` for the manifest, `VAR="value", column
    /// N: message` for a variable, then the hint on a line of its own.
    pub fn render(&self, manifest_path: &Path) -> String {
        let mut out = match &self.location {
            Location::Manifest { line, column, .. } => {
                format!(
                    "{}:{line}:{column}: {}",
                    manifest_path.display(),
                    self.message
                )
            }
            Location::ManifestFile => format!("{}: {}", manifest_path.display(), self.message),
            Location::Env { var, value, span } if span.start == 0 => {
                format!("{var}={value:?}: {}", self.message)
            }
            Location::Env { var, value, span } => format!(
                "{var}={value:?}, column {}: {}",
                value[..span.start.min(value.len())].chars().count() + 1,
                self.message
            ),
        };
        if let Some(help) = &self.help {
            out.push_str("\nhelp: ");
            out.push_str(help);
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Path::new(crate::MANIFEST_FILE_NAME)))
    }
}

impl std::error::Error for Diagnostic {}

/// Why a text was refused: every problem found in it (at least one), each with its place.
///
/// [`Manifest::parse`](crate::Manifest::parse) reports all the problems of a manifest at once, so that an
/// author with three typos sees three errors. `Display` lists them, one [`Diagnostic`] after the other as
/// `flags.toml:line:col: message`; [`ParseError::diagnostics`] (or iterating) gives each with its
/// [`Location`], for a caller that renders them its own way.
///
/// ```
/// let error = flag_manifest::Manifest::parse("[flags.new_ui]\ndefualt = true\n").unwrap_err();
/// assert_eq!(error.diagnostics().len(), 1);
/// let flag_manifest::Location::Manifest { line, column, .. } = error.diagnostics()[0].location else {
///     panic!("not in the manifest");
/// };
/// assert_eq!((line, column), (2, 1));
/// assert!(error.to_string().starts_with("flags.toml:2:1: unknown field `defualt`"), "{error}");
///
/// let error = flag_manifest::Manifest::parse("[flags.A]\n[flags.b]\nrequires = [\"c\"]\n").unwrap_err();
/// let lines: Vec<String> = error.iter().map(ToString::to_string).collect();
/// assert!(lines[0].starts_with("flags.toml:1:8: flag name `A`"), "{error}");
/// assert!(lines[1].starts_with("flags.toml:3:13: flag `b` requires `c`"), "{error}");
/// let boxed: Box<dyn std::error::Error> = Box::new(error);
/// assert!(boxed.to_string().contains("requires `c`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// An error of these problems; `diagnostics` should not be empty.
    pub fn new(diagnostics: Vec<Diagnostic>) -> Self {
        ParseError { diagnostics }
    }

    /// Every problem, in the order found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Every problem, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.diagnostics.iter()
    }

    /// The problems, owned.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.diagnostics.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(diagnostic, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for Vec<Diagnostic> {
    fn from(error: ParseError) -> Self {
        error.diagnostics
    }
}

impl IntoIterator for ParseError {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.diagnostics.into_iter()
    }
}

impl<'a> IntoIterator for &'a ParseError {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.diagnostics.iter()
    }
}

/// The 1-based line and character column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nné = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `=` after "né " is the 4th character even though "é" is two bytes.
        assert_eq!(line_column(text, text.find("= 2").unwrap()), (2, 4));
        assert_eq!(line_column(text, 10_000), (3, 1));
    }
}
