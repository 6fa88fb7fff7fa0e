//! Rewriting one `.rs` file so that it no longer mentions a retired flag, with text edits at exact byte
//! ranges.
//!
//! With the flag fixed on (or off):
//! - `#[feature_flag(EXPR)]` whose `EXPR` becomes always on is removed and the item kept; always off, the
//!   item is deleted (with its doc comments and the `//` comments directly above it), unless it is a fn
//!   with a `fallback`, which keeps its signature and calls the fallback; still depending on other flags,
//!   `EXPR` is rewritten simplified (`all("x", "y")` becomes `"y"`).
//! - `flag!(EXPR)` becomes `true`, `false` or `flag!(simplified)`; `!`, `&&`, `||` and parentheses around
//!   it are folded, and an `if` whose condition becomes constant is replaced by the branch that runs (its
//!   contents spliced into the enclosing block when that cannot change scoping), or removed.
//! - In the tokens of macro calls that do not parse as code, the runtime's attributes, macros and calls are
//!   found token by token, as the scan finds them, and each is handled as in code where the tokens suffice;
//!   an item to delete there is refused, since its extent is unknown.
//! - `variant!("name", ..)` is refused: which variant's code to keep is a choice for people.
//! - For a value flag, each `flag_value!("name")` and `flag_value!("name", &ctx)` becomes the kept value as a
//!   Rust literal (in `values`); `flag!` and `#[feature_flag]` of it fold as above when it is boolean, and are
//!   refused otherwise (the compiler refuses them too), as is every run-time call that names it.
//! - Calls of the string API with the flag's name (see [`crate::scan`] for which calls count): a statement
//!   that only sets, resets or overrides the flag to the state it keeps is deleted, with the `//` comments
//!   directly above it. That is `RUNTIME::set("x", true)`, `override_local("x", true)` or
//!   `override_global("x", true)` (with `true` for `--keep on`, `false` for `--keep off`) or `reset("x")`,
//!   optionally followed by `.unwrap()`, `.expect(..)` or `?`, standing as an expression statement
//!   (`...;`) or bound by a `let` whose pattern is `_` or a name that the rest of the block never uses
//!   (`let _on = ...;`, a guard kept alive to the end of the block). `is_enabled("x")` followed by
//!   `.unwrap()`, `.expect(..)` or `?` becomes `true` or `false`, and folds like `flag!`. Every other call is
//!   refused with its place: one that forces the other state (what ran under it is gone), one whose result
//!   is used, `evaluate` and `flag_info`, the variant overrides, calls in macro tokens that do not parse.
//!
//! Edits never overlap: an edit that replaces a region (a kept branch, a deleted item) is computed from the
//! edits found inside it, which it then consumes.
//!
//! One file per kind of code rewritten: `items` (gated items), `conditions` (statements and `if`), `exprs`
//! (`flag!` in expressions and in opaque macro tokens), `api` (string-API calls and `variant!`) and `values`
//! (`flag_value!`); this one walks the file and dispatches.

mod api;
mod conditions;
mod exprs;
mod items;
#[cfg(test)]
mod tests;
mod values;

use std::collections::BTreeSet;
use std::ops::Range;

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Attribute, BinOp, Block, Expr, ForeignItem, ImplItem, Item, Macro, TraitItem, UnOp};

use super::kept::{Kept, KeptValue};
use crate::scan;
use crate::syntax::names::{FileNames, MacroKind, RuntimeCrates};
use crate::syntax::{self, MacroBody, ParseFailure};
use crate::text::{self, Edit, LineIndex};
use values::Place;

/// What rewriting one file produced.
#[derive(Debug, Default)]
pub struct FileRewrite {
    /// The file's new text (the old one when nothing changed).
    pub text: String,
    /// What was done, at byte offsets of the old text.
    pub changes: Vec<(usize, String)>,
    /// What could not be done, at byte offsets of the old text, with the way out.
    pub refusals: Vec<(usize, String)>,
    /// The `fallback = path` arguments dropped: the path as written, and the name of the fn it ends with.
    pub dropped_fallbacks: Vec<(String, String)>,
    /// The contexts of the `flag_value!(.., ctx)` calls replaced (at byte offsets of the old text): the
    /// value no longer depends on them.
    pub dropped_contexts: Vec<usize>,
}

/// Rewrites `text` (a `.rs` file) for flag `name` fixed `on` or off, in a package where the runtime is
/// `flag_runtime`. `dynamic` tells whether the flag was dynamic: a unit fn gated off by a dynamic flag
/// then stays, empty.
pub fn rewrite(
    text: &str,
    name: &str,
    on: bool,
    dynamic: bool,
) -> Result<FileRewrite, ParseFailure> {
    rewrite_with(text, name, on, dynamic, &RuntimeCrates::default())
}

/// [`rewrite`], in a package where the runtime goes by the names of `crates`.
pub fn rewrite_with(
    text: &str,
    name: &str,
    on: bool,
    dynamic: bool,
    crates: &RuntimeCrates,
) -> Result<FileRewrite, ParseFailure> {
    rewrite_kept(text, name, &Kept::State(on), dynamic, crates)
}

/// [`rewrite_with`] for what `kept` keeps: an on/off flag's state, or a value flag's value, which replaces
/// each `flag_value!` of it as a Rust literal.
pub fn rewrite_kept(
    text: &str,
    name: &str,
    kept: &Kept,
    dynamic: bool,
    crates: &RuntimeCrates,
) -> Result<FileRewrite, ParseFailure> {
    let parsed = syntax::parse_file(text)?;
    let names = FileNames::of(&parsed.ast, crates);
    let mut rewriter = Rewriter {
        text,
        index: &parsed.index,
        names: &names,
        name,
        on: kept.state().unwrap_or(true),
        reads_state: kept.state().is_some(),
        value: kept.value(),
        operands: BTreeSet::new(),
        dynamic,
        edits: Vec::new(),
        out: FileRewrite::default(),
    };
    rewriter.visit_file(&parsed.ast);
    let Rewriter { edits, mut out, .. } = rewriter;
    out.text = match text::apply(text, 0..text.len(), &edits) {
        Ok(new) => new,
        Err((a, b)) => {
            out.refusals.push((
                b.range.start,
                format!(
                    "two edits overlap (bytes {:?} and {:?}): this is a bug in cargo flags; please report it \
                     with this file, and retire the flag here by hand",
                    a.range, b.range
                ),
            ));
            text.to_owned()
        }
    };
    Ok(out)
}

/// A flag expression or condition after folding.
enum Fold {
    /// Nothing changed.
    Same,
    /// Always this value.
    Const(bool),
    /// New text, and whether it can stand as an operand of `!` without parentheses.
    Text(String, bool),
}

/// Where an `if` stands, which decides what it can be replaced with.
enum Pos {
    /// An expression statement of a block.
    Stmt {
        /// It ends with `;` (the range replaced then includes it).
        had_semi: bool,
        /// It is the block's last statement.
        is_last: bool,
        /// The indentation of its line.
        indent: String,
    },
    /// Any other expression position: a `let` initialiser, an argument, a match arm.
    Expr,
    /// After `else`, where only a block or another `if` may stand.
    Else,
}

enum IfOutcome {
    /// Not constant: any edits inside it were made in place.
    Unchanged,
    /// Replace the `if` (and its `;`, in statement position) with this text.
    Replace(String),
    /// Remove it (in statement or `else` position).
    Remove,
}

/// Whether a fn item's attributes gate it away, and what the visitor does next.
#[derive(PartialEq, Eq)]
enum Next {
    VisitChildren,
    Skip,
}

struct Rewriter<'a> {
    text: &'a str,
    index: &'a LineIndex,
    names: &'a FileNames,
    name: &'a str,
    /// The state `flag!` and `#[feature_flag]` of the flag fold to (`true` for a value flag that is not
    /// boolean, whose `flag!` uses are refused).
    on: bool,
    /// Whether `flag!` and `#[feature_flag]` may read the flag: an on/off flag, or a boolean value flag.
    reads_state: bool,
    /// The value kept, for a value flag.
    value: Option<&'a KeptValue>,
    /// Where a `flag_value!` of the flag stands as an operand that a negative literal must not lose.
    operands: BTreeSet<usize>,
    dynamic: bool,
    edits: Vec<Edit>,
    out: FileRewrite,
}

impl Rewriter<'_> {
    fn range(&self, node: &impl ToTokens) -> Range<usize> {
        syntax::range_of(node, self.index)
    }

    fn source(&self, range: Range<usize>) -> &str {
        &self.text[range]
    }

    fn change(&mut self, offset: usize, what: String) {
        self.out.changes.push((offset, what));
    }

    fn refuse(&mut self, offset: usize, why: String) {
        self.out.refusals.push((offset, why));
    }

    fn edit(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push(Edit::new(range, text));
    }

    /// Runs `f`, and takes back the edits it made.
    fn capture<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> (R, Vec<Edit>) {
        let mark = self.edits.len();
        let result = f(self);
        let edits = self.edits.split_off(mark);
        (result, edits)
    }

    /// The text of `range` with `edits` applied.
    fn render(&mut self, range: Range<usize>, edits: &[Edit]) -> String {
        match text::apply(self.text, range.clone(), edits) {
            Ok(text) => text,
            Err((a, b)) => {
                self.refuse(
                    b.range.start,
                    format!(
                        "two edits overlap (bytes {:?} and {:?}): this is a bug in cargo flags; please report \
                         it with this file, and retire the flag here by hand",
                        a.range, b.range
                    ),
                );
                self.text[range].to_owned()
            }
        }
    }

    fn quoted(&self, range: Range<usize>) -> String {
        format!("`{}`", syntax::one_line(self.source(range)))
    }
}

impl<'ast> Visit<'ast> for Rewriter<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        let what = scan::describe_item(item, self.text, self.index);
        let (attrs, fn_parts) = match item {
            Item::Fn(f) => (&f.attrs, Some((&f.sig, &*f.block))),
            Item::Const(i) => (&i.attrs, None),
            Item::Enum(i) => (&i.attrs, None),
            Item::ExternCrate(i) => (&i.attrs, None),
            Item::ForeignMod(i) => (&i.attrs, None),
            Item::Impl(i) => (&i.attrs, None),
            Item::Macro(i) => (&i.attrs, None),
            Item::Mod(i) => (&i.attrs, None),
            Item::Static(i) => (&i.attrs, None),
            Item::Struct(i) => (&i.attrs, None),
            Item::Trait(i) => (&i.attrs, None),
            Item::TraitAlias(i) => (&i.attrs, None),
            Item::Type(i) => (&i.attrs, None),
            Item::Union(i) => (&i.attrs, None),
            Item::Use(i) => (&i.attrs, None),
            _ => return visit::visit_item(self, item),
        };
        let range = self.range(item);
        if self.gate(attrs, range, &what, fn_parts) == Next::VisitChildren {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        let what = scan::describe_impl_item(item);
        let (attrs, fn_parts) = match item {
            ImplItem::Fn(f) => (&f.attrs, Some((&f.sig, &f.block))),
            ImplItem::Const(i) => (&i.attrs, None),
            ImplItem::Type(i) => (&i.attrs, None),
            ImplItem::Macro(i) => (&i.attrs, None),
            _ => return visit::visit_impl_item(self, item),
        };
        let range = self.range(item);
        if self.gate(attrs, range, &what, fn_parts) == Next::VisitChildren {
            visit::visit_impl_item(self, item);
        }
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        let what = scan::describe_trait_item(item);
        let (attrs, fn_parts) = match item {
            TraitItem::Fn(f) => (&f.attrs, f.default.as_ref().map(|block| (&f.sig, block))),
            TraitItem::Const(i) => (&i.attrs, None),
            TraitItem::Type(i) => (&i.attrs, None),
            TraitItem::Macro(i) => (&i.attrs, None),
            _ => return visit::visit_trait_item(self, item),
        };
        let range = self.range(item);
        if self.gate(attrs, range, &what, fn_parts) == Next::VisitChildren {
            visit::visit_trait_item(self, item);
        }
    }

    fn visit_foreign_item(&mut self, item: &'ast ForeignItem) {
        let what = scan::describe_foreign_item(item);
        let attrs = match item {
            ForeignItem::Fn(i) => &i.attrs,
            ForeignItem::Static(i) => &i.attrs,
            ForeignItem::Type(i) => &i.attrs,
            ForeignItem::Macro(i) => &i.attrs,
            _ => return visit::visit_foreign_item(self, item),
        };
        let range = self.range(item);
        if self.gate(attrs, range, &what, None) == Next::VisitChildren {
            visit::visit_foreign_item(self, item);
        }
    }

    fn visit_attribute(&mut self, _attr: &'ast Attribute) {
        // Attributes are handled by `gate`; their tokens hold no code to rewrite.
    }

    fn visit_block(&mut self, block: &'ast Block) {
        self.visit_stmts(&block.stmts);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.note_operand(expr);
        match expr {
            Expr::If(expr_if) => match self.rewrite_if(expr_if, &Pos::Expr) {
                IfOutcome::Unchanged => {}
                IfOutcome::Replace(new) => {
                    let range = self.range(expr);
                    self.edit(range, new);
                }
                IfOutcome::Remove => {
                    let range = self.range(expr);
                    self.edit(range, "()");
                }
            },
            Expr::Macro(call) if self.is_flag_macro(&call.mac) => self.fold_edit(expr),
            Expr::MethodCall(_) | Expr::Try(_) if self.is_enabled_call(expr) => {
                self.fold_edit(expr)
            }
            Expr::Call(call) => {
                if let Some(found) = self.flag_call(call) {
                    let range = self.range(call);
                    if api::is_value_api(found.function) {
                        self.refuse_value_api(range, Place::Code);
                    } else {
                        self.refuse_call(range, found.function, "");
                    }
                }
                visit::visit_expr(self, expr);
            }
            Expr::Paren(_) => self.fold_edit(expr),
            Expr::Unary(unary) if matches!(unary.op, UnOp::Not(_)) => self.fold_edit(expr),
            Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
                self.fold_edit(expr)
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let range = self.range(mac);
        match self.names.macro_kind(&mac.path) {
            Some(MacroKind::Value) => self.inline_value(&mac.tokens, range, Place::Code),
            Some(MacroKind::Variant) => {
                let names_it = match syntax::variant_call(mac.tokens.clone()) {
                    Ok(literal) => literal.value() == self.name,
                    Err(_) => syntax::mentions_literal(&mac.tokens, self.name),
                };
                if names_it {
                    self.refuse_variant(range);
                } else if let Ok(call) = syn::parse2::<flag_syntax::FlagCall>(mac.tokens.clone())
                    && let Some(context) = &call.context
                {
                    // Another flag's variant, whose context may read this one's value.
                    self.visit_expr(context);
                }
            }
            Some(MacroKind::Flag) => match self.fold_flag(mac, range.clone()) {
                Fold::Same => {}
                Fold::Const(value) => self.edit(range, value.to_string()),
                Fold::Text(new, _) => self.edit(range, new),
            },
            None => match syntax::macro_body(mac) {
                MacroBody::Exprs(exprs) => exprs.iter().for_each(|expr| self.visit_expr(expr)),
                MacroBody::Stmts(stmts) => self.visit_stmts(&stmts),
                MacroBody::Opaque(tokens) => self.token_hits(tokens),
            },
        }
    }
}
