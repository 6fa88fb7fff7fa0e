//! Every reference to a flag in the workspace's code, found by parsing with `syn`, never by grep, wherever
//! it stands (items, impl and trait items, nested modules, fn bodies, the tokens of other macro calls,
//! `#[cfg]`-disabled code):
//!
//! - `#[feature_flag(EXPR)]` attributes and `flag!(EXPR)` calls: every name of `EXPR`;
//! - `variant!("name", &ctx)` calls;
//! - `flag_value!("name")` and `flag_value!("name", &ctx)` calls (a value flag's value);
//! - calls of the runtime's string API with a string literal as the flag's name: `set`, `reset`,
//!   `is_enabled`, `evaluate`, `flag_info`, `override_local`, `override_global`, and
//!   `override_local_variant` / `override_global_variant`, whose second argument, a variant name, is kept
//!   too when it is a literal; and a value flag's `value_of` and `set_value`.
//!
//! Macros are recognised by the last segment of their path (`flag!`, `flag_runtime::variant!`) or by an
//! import that renames them (`use flag_runtime::flag as on;`). A string-API call counts only where the code
//! says the fn is the runtime's, so that a `HashSet`'s `.set(..)` or a user's own `fn reset` never does:
//!
//! - method calls never count;
//! - a free call counts when its path is exactly `flag_runtime::NAME` (or `::flag_runtime::NAME`, or the
//!   runtime's name under a rename in the package's `Cargo.toml`, `use flag_runtime as fr;` or
//!   `extern crate flag_runtime as fr;`);
//! - or when it is a single name the file imports from the runtime (`use flag_runtime::{set,
//!   override_local};`, `use flag_runtime::set as force;`), or any of these names when the file has
//!   `use flag_runtime::*;` and defines no fn of that name;
//! - and its first argument is a string literal: a name computed at run time (`set(name, on)`) is not a
//!   reference, as the code cannot be checked for it.
//!
//! ([`crate::syntax::names`] implements the rule; the scan reads with
//! [`Reads::All`](crate::syntax::names::Reads::All).) A string-API call whose result the code expects to be
//! an error (`.is_err()`, `.unwrap_err()`, `.expect_err(..)`, or compared with `Err(..)` in `assert_eq!`
//! or `assert_ne!`) is marked [`Reference::expects_error`]: it tests the runtime's refusal of a bad name,
//! so `check` does not report that name.
//!
//! `list` counts these, `check` compares them with the manifest, and `explain` lists them. Files that do not
//! parse and references that are malformed are collected too, never skipped silently.
//!
//! This module holds what a scan finds and the entry points; `scanner` walks a file, `describe` names the
//! items references stand in.

mod describe;
mod scanner;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use syn::visit::Visit;

pub use describe::{describe_foreign_item, describe_impl_item, describe_item, describe_trait_item};
use scanner::Scanner;

use crate::syntax::names::{FileNames, RuntimeCrates};
use crate::syntax::{self, ParsedFile};
use crate::workspace::Workspace;

/// What kind of code refers to a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// `#[feature_flag(..)]` on an item.
    Attribute,
    /// A `flag!(..)` call.
    Macro,
    /// A `variant!("name", &ctx)` call.
    Variant,
    /// A `flag_value!("name")` or `flag_value!("name", &ctx)` call.
    Value,
    /// A call of the string API with a literal name, such as `flag_runtime::override_local("x", true)`.
    Call,
}

/// A variant name or a value written as a string literal in a call (`override_local_variant("x",
/// "one_page")`, `set_value("x", "large")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiteralName {
    /// The variant's name, or the value as written.
    pub name: String,
    /// 1-based line of its literal.
    pub line: usize,
    /// 1-based column of its literal, in characters.
    pub column: usize,
}

/// One attribute, macro call or string-API call that names a flag.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line of the attribute or call.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Attribute, macro, variant, value or call.
    pub kind: RefKind,
    /// The flag names of the expression, in the order written: a single name for `variant!`,
    /// `flag_value!` and calls.
    pub names: Vec<String>,
    /// The 1-based line and column of each name in [`Reference::names`], index-aligned with it.
    pub name_positions: Vec<(usize, usize)>,
    /// The attribute or call as written, on one line.
    pub text: String,
    /// The item the attribute is on, or the item the call is in: `fn render`, `impl Cart`.
    pub context: Option<String>,
    /// For a call: the runtime fn called, such as `override_local`.
    pub function: Option<&'static str>,
    /// For `override_local_variant` and `override_global_variant`: the variant name, when it is a literal.
    pub variant: Option<LiteralName>,
    /// For `set_value`: the value it chooses (a value's name or a literal), when it is a literal.
    pub value: Option<LiteralName>,
    /// For a call: the code expects it to fail (`.is_err()`, `.unwrap_err()`, `assert_eq!(.., Err(..))`),
    /// so its name may be wrong on purpose.
    pub expects_error: bool,
}

impl Reference {
    /// Whether the reference's expression names `flag`.
    pub fn mentions(&self, flag: &str) -> bool {
        self.names.iter().any(|name| name == flag)
    }

    /// The flag a `variant!`, `flag_value!` or call names (its only name); `None` for attributes and
    /// `flag!`.
    pub fn single_flag(&self) -> Option<&str> {
        match (&self.kind, self.names.as_slice()) {
            (RefKind::Variant | RefKind::Value | RefKind::Call, [name]) => Some(name),
            _ => None,
        }
    }

    /// How people call this kind of reference: `attribute`, `flag!`, `variant!`, `flag_value!`,
    /// `override_local()`.
    pub fn label(&self) -> String {
        match self.kind {
            RefKind::Attribute => "attribute".to_owned(),
            RefKind::Macro => "flag!".to_owned(),
            RefKind::Variant => "variant!".to_owned(),
            RefKind::Value => "flag_value!".to_owned(),
            RefKind::Call => format!("{}()", self.function.unwrap_or("call")),
        }
    }
}

/// Something wrong at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// What scanning the workspace found.
#[derive(Debug, Default)]
pub struct Scan {
    /// How many `.rs` files were read.
    pub files: usize,
    /// Every reference, in file order.
    pub references: Vec<Reference>,
    /// Attributes and macro calls whose arguments do not parse (the compiler rejects them too).
    pub malformed: Vec<Finding>,
    /// Files that could not be read or parsed.
    pub unparsable: Vec<Finding>,
}

impl Scan {
    /// The references that name `flag`.
    pub fn references_to<'a>(&'a self, flag: &'a str) -> impl Iterator<Item = &'a Reference> + 'a {
        self.references
            .iter()
            .filter(move |reference| reference.mentions(flag))
    }
}

/// The names the runtime crate has in each package of a workspace, read from the packages' `Cargo.toml`
/// files on first use.
#[derive(Debug)]
pub struct PackageCrates<'a> {
    workspace: &'a Workspace,
    cache: BTreeMap<PathBuf, RuntimeCrates>,
}

impl<'a> PackageCrates<'a> {
    /// Nothing read yet.
    pub fn new(workspace: &'a Workspace) -> Self {
        PackageCrates {
            workspace,
            cache: BTreeMap::new(),
        }
    }

    /// The runtime's names in the package that holds `file`: the member whose directory is the longest
    /// prefix of its path.
    pub fn for_file(&mut self, file: &Path) -> RuntimeCrates {
        let Some(member) = self
            .workspace
            .members
            .iter()
            .filter(|member| file.starts_with(member))
            .max_by_key(|member| member.components().count())
        else {
            return RuntimeCrates::default();
        };
        let root = &self.workspace.root;
        self.cache
            .entry(member.clone())
            .or_insert_with(|| RuntimeCrates::of_package(member, root))
            .clone()
    }
}

/// Reads and scans every file of `files`.
pub fn scan(workspace: &Workspace, files: &[impl AsRef<Path>]) -> Scan {
    let mut scan = Scan::default();
    let mut crates = PackageCrates::new(workspace);
    for path in files {
        let path = path.as_ref();
        let display = workspace.display(path);
        let runtime = crates.for_file(path);
        scan.files += 1;
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                scan.unparsable.push(Finding {
                    file: display,
                    line: 1,
                    column: 1,
                    message: format!("cannot read the file: {error}"),
                });
                continue;
            }
        };
        scan_text_with(&display, &text, &runtime, &mut scan);
        syntax::forget_spans();
    }
    scan
}

/// Scans one file's text into `scan`, in a package where the runtime is `flag_runtime`.
pub fn scan_text(display: &str, text: &str, scan: &mut Scan) {
    scan_text_with(display, text, &RuntimeCrates::default(), scan);
}

/// Scans one file's text into `scan`, in a package where the runtime goes by the names of `crates`.
pub fn scan_text_with(display: &str, text: &str, crates: &RuntimeCrates, scan: &mut Scan) {
    let parsed = match syntax::parse_file(text) {
        Ok(parsed) => parsed,
        Err(failure) => {
            scan.unparsable.push(Finding {
                file: display.to_owned(),
                line: failure.line,
                column: failure.column,
                message: failure.message,
            });
            return;
        }
    };
    let ParsedFile { ast, index } = &parsed;
    let names = FileNames::of(ast, crates);
    let mut scanner = Scanner {
        file: display,
        text,
        index,
        names: &names,
        context: Vec::new(),
        expecting_error: BTreeSet::new(),
        scan,
    };
    scanner.visit_file(ast);
}
