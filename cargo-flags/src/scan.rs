//! Every reference to a flag in the workspace's code, found by parsing with `syn`, never by grep, wherever
//! it stands (items, impl and trait items, nested modules, fn bodies, the tokens of other macro calls,
//! `#[cfg]`-disabled code):
//!
//! - `#[feature_flag(EXPR)]` attributes and `flag!(EXPR)` calls: every name of `EXPR`;
//! - `variant!("name", &ctx)` calls;
//! - calls of the runtime's string API with a string literal as the flag's name: `set`, `reset`,
//!   `is_enabled`, `evaluate`, `flag_info`, `override_local`, `override_global`, and
//!   `override_local_variant` / `override_global_variant`, whose second argument, a variant name, is kept
//!   too when it is a literal.
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
//! ([`crate::syntax::names`] implements the rule.) A string-API call whose result the code expects to be
//! an error (`.is_err()`, `.unwrap_err()`, `.expect_err(..)`, or compared with `Err(..)` in `assert_eq!`
//! or `assert_ne!`) is marked [`Reference::expects_error`]: it tests the runtime's refusal of a bad name,
//! so `check` does not report that name.
//!
//! `list` counts these, `check` compares them with the manifest, and `explain` lists them. Files that do not
//! parse and references that are malformed are collected too, never skipped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use syn::visit::{self, Visit};
use syn::{
    Attribute, Expr, ExprCall, ExprMethodCall, ForeignItem, ImplItem, Item, LitStr, Macro,
    TraitItem,
};

use crate::expr::SynExpr;
use crate::syntax::names::{FileNames, MacroKind, RuntimeCrates};
use crate::syntax::{self, ApiCall, HitKind, MacroBody, ParsedFile};
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
    /// A `variant!("name", &ctx)` call.
    Variant,
    /// A call of the string API with a literal name, such as `flag_runtime::override_local("x", true)`.
    Call,
}

/// A variant name written as a string literal in a call (`override_local_variant("x", "one_page")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantName {
    /// The variant's name.
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
    /// Attribute, macro, variant or call.
    pub kind: RefKind,
    /// The flag names of the expression, in the order written: a single name for `variant!` and calls.
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
    pub variant: Option<VariantName>,
    /// For a call: the code expects it to fail (`.is_err()`, `.unwrap_err()`, `assert_eq!(.., Err(..))`),
    /// so its name may be wrong on purpose.
    pub expects_error: bool,
}

impl Reference {
    /// Whether the reference's expression names `flag`.
    pub fn mentions(&self, flag: &str) -> bool {
        self.names.iter().any(|name| name == flag)
    }

    /// The flag a `variant!` or call names (its only name); `None` for attributes and `flag!`.
    pub fn single_flag(&self) -> Option<&str> {
        match (&self.kind, self.names.as_slice()) {
            (RefKind::Variant | RefKind::Call, [name]) => Some(name),
            _ => None,
        }
    }

    /// How people call this kind of reference: `attribute`, `flag!`, `variant!`, `override_local()`.
    pub fn label(&self) -> String {
        match self.kind {
            RefKind::Attribute => "attribute".to_owned(),
            RefKind::Macro => "flag!".to_owned(),
            RefKind::Variant => "variant!".to_owned(),
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

/// The methods that say a `Result` is expected to be an error.
const EXPECTS_ERROR: [&str; 3] = ["is_err", "unwrap_err", "expect_err"];

/// The macros whose operands, compared with `Err(..)`, are expected to be an error.
const COMPARISONS: [&str; 4] = [
    "assert_eq",
    "assert_ne",
    "debug_assert_eq",
    "debug_assert_ne",
];

struct Scanner<'a> {
    file: &'a str,
    text: &'a str,
    index: &'a LineIndex,
    names: &'a FileNames,
    /// The items being visited, innermost last.
    context: Vec<String>,
    /// The start of the calls whose result the code expects to be an error.
    expecting_error: BTreeSet<usize>,
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

    fn reference(&mut self, kind: RefKind, range: std::ops::Range<usize>, names: Vec<&LitStr>) {
        self.push_reference(kind, range, names, None);
    }

    fn push_reference(
        &mut self,
        kind: RefKind,
        range: std::ops::Range<usize>,
        names: Vec<&LitStr>,
        call: Option<&ApiCall>,
    ) {
        let (line, column) = line_column(self.text, range.start);
        let variant = call.and_then(|call| call.variant.as_ref()).map(|literal| {
            let (line, column) = line_column(self.text, self.index.range(literal.span()).start);
            VariantName {
                name: literal.value(),
                line,
                column,
            }
        });
        let name_positions = names
            .iter()
            .map(|name| line_column(self.text, self.index.range(name.span()).start))
            .collect();
        self.scan.references.push(Reference {
            file: self.file.to_owned(),
            line,
            column,
            kind,
            names: names.iter().map(|name| name.value()).collect(),
            name_positions,
            context: self.context.last().cloned(),
            function: call.map(|call| call.function),
            variant,
            expects_error: call.is_some() && self.expecting_error.contains(&range.start),
            text: syntax::one_line(&self.text[range]),
        });
    }

    /// A string-API call found at `range`.
    fn call(&mut self, range: std::ops::Range<usize>, call: &ApiCall) {
        self.push_reference(RefKind::Call, range, vec![&call.name], Some(call));
    }

    /// A `variant!` call at `range` whose arguments are `tokens`.
    fn variant(&mut self, range: std::ops::Range<usize>, tokens: proc_macro2::TokenStream) {
        match syntax::variant_call(tokens) {
            Ok(literal) => self.reference(RefKind::Variant, range, vec![&literal]),
            Err(error) => {
                let offset = syntax::error_offset(&error, self.index, range.start);
                self.finding(offset, format!("malformed variant!: {error}"));
            }
        }
    }

    fn with_context(&mut self, context: String, visit: impl FnOnce(&mut Self)) {
        self.context.push(context);
        visit(self);
        self.context.pop();
    }

    fn token_hits(&mut self, tokens: proc_macro2::TokenStream) {
        for hit in syntax::token_hits(tokens, self.index, self.names) {
            // Inside tokens that are not code, a `flag!` that does not parse may be a macro_rules pattern
            // (`flag!($e)`): only well-formed references count.
            match hit.kind {
                HitKind::Attribute => {
                    if let Ok(args) = syn::parse2::<crate::expr::SynAttrArgs>(hit.args) {
                        self.reference(RefKind::Attribute, hit.range, args.expr.names());
                    }
                }
                HitKind::Macro(MacroKind::Flag) => {
                    if let Ok(expr) = syntax::leading_flag_expr(hit.args) {
                        self.reference(RefKind::Macro, hit.range, expr.names());
                    }
                }
                HitKind::Macro(MacroKind::Variant) => {
                    if let Ok(SynExpr::Flag(literal)) = syntax::leading_flag_expr(hit.args) {
                        self.reference(RefKind::Variant, hit.range, vec![&literal]);
                    }
                }
                HitKind::Call(function) => {
                    if let Some(call) = syntax::api_call_tokens(function, hit.args) {
                        self.call(hit.range, &call);
                    }
                }
            }
        }
    }

    /// Marks `expr`, when it is a call (in parentheses or behind `&`), as expected to fail.
    fn expect_error(&mut self, expr: &Expr) {
        match expr {
            Expr::Paren(paren) => self.expect_error(&paren.expr),
            Expr::Reference(reference) => self.expect_error(&reference.expr),
            Expr::Call(call) => {
                let start = syntax::range_of(call, self.index).start;
                self.expecting_error.insert(start);
            }
            _ => {}
        }
    }
}

/// Whether `expr` is `Err(..)`.
fn is_err_value(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|segment| segment.ident == "Err")),
        Expr::Paren(paren) => is_err_value(&paren.expr),
        _ => false,
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
        if !(matches!(attr.style, syn::AttrStyle::Outer) && self.names.is_feature_flag(attr.path()))
        {
            return;
        }
        let range = syntax::range_of(attr, self.index);
        match syntax::attr_args(attr) {
            Ok(args) => self.reference(RefKind::Attribute, range, args.expr.names()),
            Err(error) => {
                let offset = syntax::error_offset(&error, self.index, range.start);
                self.finding(offset, format!("malformed #[feature_flag]: {error}"));
            }
        }
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if let Some(found) = syntax::api_call(call, self.names) {
            let range = syntax::range_of(call, self.index);
            self.call(range, &found);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        if EXPECTS_ERROR.iter().any(|method| call.method == method) {
            self.expect_error(&call.receiver);
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if self.names.macro_kind(&mac.path) == Some(MacroKind::Variant) {
            let range = syntax::range_of(mac, self.index);
            self.variant(range, mac.tokens.clone());
            return;
        }
        if self.names.macro_kind(&mac.path) == Some(MacroKind::Flag) {
            let range = syntax::range_of(mac, self.index);
            match syntax::flag_macro_expr(mac) {
                Ok(expr) => self.reference(RefKind::Macro, range, expr.names()),
                Err(error) => {
                    let offset = syntax::error_offset(&error, self.index, range.start);
                    self.finding(offset, format!("malformed flag!: {error}"));
                }
            }
            return;
        }
        match syntax::macro_body(mac) {
            MacroBody::Exprs(exprs) => {
                let comparison =
                    mac.path.segments.last().is_some_and(|segment| {
                        COMPARISONS.iter().any(|name| segment.ident == name)
                    });
                if comparison && exprs.iter().any(is_err_value) {
                    exprs.iter().for_each(|expr| self.expect_error(expr));
                }
                exprs.iter().for_each(|expr| self.visit_expr(expr));
            }
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
                let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
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

    /// Each reference as `line:column kind name [variant] [expects error]`.
    fn summary(scan: &Scan) -> Vec<String> {
        scan.references
            .iter()
            .map(|r| {
                let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
                let mut line = format!("{}:{} {} {}", r.line, r.column, r.label(), names.join("+"));
                if let Some(variant) = &r.variant {
                    line.push_str(&format!(
                        " variant {}@{}:{}",
                        variant.name, variant.line, variant.column
                    ));
                }
                if r.expects_error {
                    line.push_str(" expects error");
                }
                line
            })
            .collect()
    }

    #[test]
    fn finds_variant_macros_and_string_api_calls() {
        let text = r#"use flag_runtime::{override_local, variant as pick};
use flag_runtime as fr;

fn f(ctx: &Context) {
    let v = flag_runtime::variant!("a", ctx);
    let w = pick!("b", &ctx);
    let _on = override_local("c", true).unwrap();
    flag_runtime::set("d", false)?;
    fr::reset("e").unwrap();
    assert!(::flag_runtime::is_enabled("f").unwrap());
    let _g = flag_runtime::override_global_variant("g", "one_page");
    println!("{:?}", flag_runtime::evaluate("h", ctx));
}

macro_rules! m {
    () => { flag_runtime::flag_info("i") => variant!("j", $ctx) };
}
"#;
        let scan = scan_one(text);
        assert!(scan.malformed.is_empty(), "{:?}", scan.malformed);
        assert_eq!(
            summary(&scan),
            [
                "5:13 variant! a",
                "6:13 variant! b",
                "7:15 override_local() c",
                "8:5 set() d",
                "9:5 reset() e",
                "10:13 is_enabled() f",
                "11:14 override_global_variant() g variant one_page@11:57",
                "12:22 evaluate() h",
                "16:13 flag_info() i",
                "16:45 variant! j",
            ]
        );
        let call = &scan.references[2];
        assert_eq!(call.kind, RefKind::Call);
        assert_eq!(call.function, Some("override_local"));
        assert_eq!(call.text, r#"override_local("c", true)"#);
        assert_eq!(call.name_positions, [(7, 30)]);
        assert_eq!(call.context.as_deref(), Some("fn f"));
    }

    #[test]
    fn string_api_names_elsewhere_are_not_references() {
        let text = r#"use std::collections::HashSet;
use flag_runtime::flag;

fn reset(name: &str) {}

mod mine {
    pub fn set(_: &str, _: bool) {}
}

fn f(cell: &Cell, set: &mut HashSet<&str>, name: &str) {
    cell.set("a");
    set.insert("b");
    reset("c");
    mine::set("d", true);
    crate::mine::set("e", true);
    flag_runtime::set(name, true).unwrap();
    flag_runtime::load_file("flags.toml");
    evaluate("f", &ctx);
    override_local("g", true);
}

macro_rules! m {
    () => { x.set("h"); reset("i"); other::set("j") };
}
"#;
        let scan = scan_one(text);
        assert_eq!(summary(&scan), Vec::<String>::new());
    }

    #[test]
    fn a_glob_import_counts_unless_the_file_has_a_fn_of_that_name() {
        let text = r#"use flag_runtime::*;

fn reset(name: &str) {}

fn f() {
    set("a", true).unwrap();
    reset("b");
}
"#;
        assert_eq!(summary(&scan_one(text)), ["6:5 set() a"]);
    }

    #[test]
    fn calls_expected_to_fail_are_marked() {
        let text = r#"fn f() {
    assert!(flag_runtime::reset("a").is_err());
    let error = flag_runtime::set("b", true).unwrap_err();
    assert_eq!(flag_runtime::set("c", true), Err(Error::UnknownFlag));
    assert_eq!(flag_runtime::is_enabled("d"), Ok(true));
    assert_ne!(Err(e), (flag_runtime::override_local("e", true)));
}
"#;
        assert_eq!(
            summary(&scan_one(text)),
            [
                "2:13 reset() a expects error",
                "3:17 set() b expects error",
                "4:16 set() c expects error",
                "5:16 is_enabled() d",
                "6:25 override_local() e expects error",
            ]
        );
    }

    #[test]
    fn malformed_variant_calls() {
        let scan = scan_one("fn f() { variant!(\"a\"); variant!(not(\"a\"), &ctx); }\n");
        let messages: Vec<String> = scan
            .malformed
            .iter()
            .map(|f| format!("{}:{} {}", f.line, f.column, f.message))
            .collect();
        assert_eq!(
            messages,
            [
                "1:19 malformed variant!: expected a flag name and a context: `variant!(\"name\", &ctx)`",
                "1:34 malformed variant!: expected a flag name and a context: `variant!(\"name\", &ctx)`",
            ]
        );
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
