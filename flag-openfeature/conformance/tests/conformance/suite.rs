//! Reads the suite's feature files as Gherkin's reference parsers do. The `gherkin` crate refuses a
//! backslash in a table cell unless it escapes `n`, `|` or `\`, where Gherkin keeps it with the character
//! that follows; the suite writes JSON objects in cells as `{\"a\": 1}`. Doubling such a backslash before
//! parsing gives the reference reading (the cell holds `{\"a\": 1}`), and the steps unescape the quotes.

use std::path::{Path, PathBuf};

use cucumber::feature::Ext as _;
use cucumber::gherkin::{Feature, GherkinEnv, ParseFileError};
use cucumber::parser::{Error, Parser};
use futures::stream;

/// Every `*.feature` file of a folder, in name order.
pub struct Suite;

impl Parser<PathBuf> for Suite {
    type Cli = cucumber::cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<Result<Feature, Error>>>;

    fn parse(self, folder: PathBuf, _cli: Self::Cli) -> Self::Output {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&folder) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "feature"))
                .collect(),
            Err(source) => {
                let error = ParseFileError::Reading {
                    path: folder,
                    source,
                };
                return stream::iter(vec![Err(error.into())]);
            }
        };
        paths.sort();
        stream::iter(paths.iter().map(|path| feature(path)).collect::<Vec<_>>())
    }
}

fn feature(path: &Path) -> Result<Feature, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| ParseFileError::Reading {
        path: path.to_owned(),
        source,
    })?;
    let mut feature =
        Feature::parse(reference_escapes(&text), GherkinEnv::default()).map_err(|source| {
            ParseFileError::Parsing {
                path: path.to_owned(),
                error: None,
                source,
            }
        })?;
    feature.path = Some(path.to_owned());
    Ok(feature.expand_examples()?)
}

/// `text` with each backslash of a table row that escapes nothing Gherkin knows doubled.
fn reference_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('|') {
            out.push_str(line);
            continue;
        }
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c != '\\' {
                continue;
            }
            match chars.peek() {
                Some(&next @ ('n' | '|' | '\\')) => {
                    out.push(next);
                    chars.next();
                }
                _ => out.push('\\'),
            }
        }
    }
    out
}
