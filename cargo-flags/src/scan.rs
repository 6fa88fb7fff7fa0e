//! Every reference to a flag in the workspace's code: each `#[feature_flag(..)]` attribute and each
//! `flag!(..)` call, wherever it stands (items, impl and trait items, nested modules, fn bodies, the tokens
//! of other macro calls, `#[cfg]`-disabled code), found by parsing with `syn`, never by grep.
//!
//! `list` counts these, `check` compares them with the manifest, and `explain` lists them. Files that do not
//! parse and flag expressions that are malformed are collected too, never skipped silently.

use std::path::Path;

use serde::Serialize;
use syn::visit::{self, Visit};
use syn::{Attribute, ForeignItem, ImplItem, Item, Macro, TraitItem};

use crate::expr::FlagExpr;
use crate::syntax::{self, MacroBody, ParsedFile};
use crate::text::{LineIndex, line_column};
use crate::workspace::Workspace;

/// What kind of code refers to a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// `#[feature_flag(..)]` on an item.
    Attribute,
    /// A `flag!(..)` call.
    Macro,
}

/// One attribute or `flag!` call.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line of the attribute or call.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Attribute or macro.
    pub kind: RefKind,
    /// The flag expression.
    pub expr: FlagExpr,
    /// The 1-based line and column of each name in the expression, index-aligned with
    /// [`FlagExpr::names`].
    pub name_positions: Vec<(usize, usize)>,
    /// The attribute or call as written, on one line.
    pub text: String,
    /// The item the attribute is on, or the item the call is in: `fn render`, `impl Cart`.
    pub context: Option<String>,
}

impl Reference {
    /// Whether the reference's expression names `flag`.
    pub fn mentions(&self, flag: &str) -> bool {
        self.expr.mentions(flag)
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
    /// Attributes and calls whose flag expression does not parse (the compiler rejects them too).
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

/// Reads and scans every file of `files`.
pub fn scan(workspace: &Workspace, files: &[impl AsRef<Path>]) -> Scan {
    let mut scan = Scan::default();
    for path in files {
        let path = path.as_ref();
        let display = workspace.display(path);
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
        scan_text(&display, &text, &mut scan);
        syntax::forget_spans();
    }
    scan
}

/// Scans one file's text into `scan`.
pub fn scan_text(display: &str, text: &str, scan: &mut Scan) {
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
    let mut scanner = Scanner {
        file: display,
        text,
        index,
        context: Vec::new(),
        scan,
    };
    scanner.visit_file(ast);
}

struct Scanner<'a> {
    file: &'a str,
    text: &'a str,
    index: &'a LineIndex,
    /// The items being visited, innermost last.
    context: Vec<String>,
    scan: &'a mut Scan,
}

impl Scanner<'_> {
    fn finding(&mut self, offset: usize, message: String) {
        let (line, column) = line_column(self.text, offset);
        self.scan.malformed.push(Finding {
            file: self.file.to_owned(),
            line,
            column,
            message,
        });
    }

    fn reference(&mut self, kind: RefKind, range: std::ops::Range<usize>, expr: FlagExpr) {
        let (line, column) = line_column(self.text, range.start);
        let name_positions = expr
            .names()
            .iter()
            .map(|(_, name)| line_column(self.text, name.start))
            .collect();
        self.scan.references.push(Reference {
            file: self.file.to_owned(),
            line,
            column,
            kind,
            expr,
            name_positions,
            text: syntax::one_line(&self.text[range]),
            context: self.context.last().cloned(),
        });
    }

    fn with_context(&mut self, context: String, visit: impl FnOnce(&mut Self)) {
        self.context.push(context);
        visit(self);
        self.context.pop();
    }

    fn token_hits(&mut self, tokens: proc_macro2::TokenStream) {
        for hit in syntax::token_hits(tokens, self.index) {
            // Inside tokens that are not code, a `flag!` that does not parse may be a macro_rules pattern
            // (`flag!($e)`): only well-formed expressions count.
            let expr = if hit.is_attribute {
                syn::parse2::<crate::expr::SynAttrArgs>(hit.args).map(|args| args.expr)
            } else {
                syntax::flag_call(hit.args)
            };
            if let Ok(expr) = expr {
                let kind = if hit.is_attribute {
                    RefKind::Attribute
                } else {
                    RefKind::Macro
                };
                self.reference(kind, hit.range, crate::expr::locate(&expr, self.index));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        let context = describe_item(item, self.text, self.index);
        self.with_context(context, |this| visit::visit_item(this, item));
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        let context = describe_impl_item(item);
        self.with_context(context, |this| visit::visit_impl_item(this, item));
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        let context = describe_trait_item(item);
        self.with_context(context, |this| visit::visit_trait_item(this, item));
    }

    fn visit_foreign_item(&mut self, item: &'ast ForeignItem) {
        let context = describe_foreign_item(item);
        self.with_context(context, |this| visit::visit_foreign_item(this, item));
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        if !syntax::is_feature_flag(attr) {
            return;
        }
        let range = syntax::range_of(attr, self.index);
        match syntax::attr_args(attr) {
            Ok(args) => self.reference(
                RefKind::Attribute,
                range,
                crate::expr::locate(&args.expr, self.index),
            ),
            Err(error) => {
                let offset = syntax::error_offset(&error, self.index, range.start);
                self.finding(offset, format!("malformed #[feature_flag]: {error}"));
            }
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if syntax::is_flag_macro(mac) {
            let range = syntax::range_of(mac, self.index);
            match syntax::flag_macro_expr(mac) {
                Ok(expr) => self.reference(
                    RefKind::Macro,
                    range,
                    crate::expr::locate(&expr, self.index),
                ),
                Err(error) => {
                    let offset = syntax::error_offset(&error, self.index, range.start);
                    self.finding(offset, format!("malformed flag!: {error}"));
                }
            }
            return;
        }
        match syntax::macro_body(mac) {
            MacroBody::Exprs(exprs) => exprs.iter().for_each(|expr| self.visit_expr(expr)),
            MacroBody::Stmts(stmts) => stmts.iter().for_each(|stmt| self.visit_stmt(stmt)),
            MacroBody::Opaque(tokens) => self.token_hits(tokens),
        }
    }
}

/// `fn render`, `struct Cart`, `impl Display for Cart`, ...: how people name an item.
pub fn describe_item(item: &Item, text: &str, index: &LineIndex) -> String {
    let source = |node: &dyn quote::ToTokens| {
        let tokens = node.to_token_stream();
        syntax::one_line(&text[syntax::range_of(&tokens, index)])
    };
    match item {
        Item::Const(item) => format!("const {}", item.ident),
        Item::Enum(item) => format!("enum {}", item.ident),
        Item::ExternCrate(item) => format!("extern crate {}", item.ident),
        Item::Fn(item) => format!("fn {}", item.sig.ident),
        Item::ForeignMod(_) => "extern block".to_owned(),
        Item::Impl(item) => match &item.trait_ {
            Some((path, _)) => format!("impl {} for {}", source(path), source(&item.self_ty)),
            None => format!("impl {}", source(&item.self_ty)),
        },
        Item::Macro(item) => match &item.ident {
            Some(ident) => format!("macro {ident}"),
            None => format!("{}! call", source(&item.mac.path)),
        },
        Item::Mod(item) => format!("mod {}", item.ident),
        Item::Static(item) => format!("static {}", item.ident),
        Item::Struct(item) => format!("struct {}", item.ident),
        Item::Trait(item) => format!("trait {}", item.ident),
        Item::TraitAlias(item) => format!("trait {}", item.ident),
        Item::Type(item) => format!("type {}", item.ident),
        Item::Union(item) => format!("union {}", item.ident),
        Item::Use(item) => format!("use {}", source(&item.tree)),
        _ => "item".to_owned(),
    }
}

/// How people name an item of an impl block.
pub fn describe_impl_item(item: &ImplItem) -> String {
    match item {
        ImplItem::Const(item) => format!("const {}", item.ident),
        ImplItem::Fn(item) => format!("fn {}", item.sig.ident),
        ImplItem::Type(item) => format!("type {}", item.ident),
        ImplItem::Macro(_) => "macro call".to_owned(),
        _ => "impl item".to_owned(),
    }
}

/// How people name an item of a trait.
pub fn describe_trait_item(item: &TraitItem) -> String {
    match item {
        TraitItem::Const(item) => format!("const {}", item.ident),
        TraitItem::Fn(item) => format!("fn {}", item.sig.ident),
        TraitItem::Type(item) => format!("type {}", item.ident),
        TraitItem::Macro(_) => "macro call".to_owned(),
        _ => "trait item".to_owned(),
    }
}

/// How people name an item of an extern block.
pub fn describe_foreign_item(item: &ForeignItem) -> String {
    match item {
        ForeignItem::Fn(item) => format!("fn {}", item.sig.ident),
        ForeignItem::Static(item) => format!("static {}", item.ident),
        ForeignItem::Type(item) => format!("type {}", item.ident),
        ForeignItem::Macro(_) => "macro call".to_owned(),
        _ => "foreign item".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_one(text: &str) -> Scan {
        let mut scan = Scan::default();
        scan_text("src/lib.rs", text, &mut scan);
        syntax::forget_spans();
        scan
    }

    #[test]
    fn finds_references_everywhere() {
        let text = r#"
use flag_runtime::{feature_flag, flag};

#[feature_flag("a")]
fn f() {
    #[feature_flag(not("b"))]
    fn inner() {}
    if flag!("c") {}
    println!("{}", flag!(any("d", "e")));
    assert!(flag_runtime::flag!("f"), "message");
    let v = vec![flag!("g"); 2];
}

impl S {
    #[feature_flag("h")]
    fn method(&self) {}
}

trait T {
    #[feature_flag("i")]
    fn provided() {}
}

#[cfg(any())]
mod disabled {
    #[feature_flag("j")]
    struct Hidden;
}

macro_rules! m {
    ($e:expr) => { flag!("k") && flag!($e) };
}
"#;
        let scan = scan_one(text);
        assert!(scan.malformed.is_empty(), "{:?}", scan.malformed);
        let found: Vec<String> = scan
            .references
            .iter()
            .map(|r| {
                let names: Vec<&str> = r.expr.names().iter().map(|(n, _)| *n).collect();
                format!(
                    "{}:{} {:?} {} in {}",
                    r.line,
                    r.column,
                    r.kind,
                    names.join("+"),
                    r.context.as_deref().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                "4:1 Attribute a in fn f",
                "6:5 Attribute b in fn inner",
                "8:8 Macro c in fn f",
                "9:20 Macro d+e in fn f",
                "10:13 Macro f in fn f",
                "11:18 Macro g in fn f",
                "15:5 Attribute h in fn method",
                "20:5 Attribute i in fn provided",
                "26:5 Attribute j in struct Hidden",
                "31:20 Macro k in macro m",
            ]
        );
        assert_eq!(scan.references[0].text, r#"#[feature_flag("a")]"#);
        assert_eq!(scan.references[3].name_positions, [(9, 30), (9, 35)]);
    }

    #[test]
    fn reports_malformed_expressions_and_unparsable_files() {
        let scan = scan_one("#[feature_flag(nto(\"a\"))]\nfn f() { flag!(new_ui); }\n");
        let messages: Vec<String> = scan
            .malformed
            .iter()
            .map(|f| format!("{}:{} {}", f.line, f.column, f.message))
            .collect();
        assert_eq!(
            messages,
            [
                "1:16 malformed #[feature_flag]: unknown operator `nto`: expected `not`, `all` or `any`; did you mean `not`?",
                "2:16 malformed flag!: flag names are string literals: write `\"new_ui\"`",
            ]
        );
        let broken = scan_one("fn f( {\n");
        assert_eq!(broken.unparsable.len(), 1);
        assert_eq!(broken.unparsable[0].line, 1);
    }
}
