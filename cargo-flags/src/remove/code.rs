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
//! - In the tokens of macro calls that do not parse as code, `flag!` calls and attributes are found token
//!   by token; an item to delete there is refused, since its extent is unknown.
//! - `variant!("name", ..)` is refused: which variant's code to keep is a choice for people.
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

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{
    Attribute, BinOp, Block, Expr, ExprIf, FnArg, ForeignItem, ImplItem, Item, Macro, Pat,
    Signature, Stmt, TraitItem, UnOp,
};

use flag_syntax::fallback::{self, FallbackCall, Forward, WriteCall, returns_unit};

use crate::expr::{SynAttrArgs, SynExpr};
use crate::scan;
use crate::syntax::names::{FileNames, MacroKind, RuntimeCrates};
use crate::syntax::{self, HitKind, MacroBody, ParseFailure};
use crate::text::{self, Edit, LineIndex};

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
    let parsed = syntax::parse_file(text)?;
    let names = FileNames::of(&parsed.ast, crates);
    let mut rewriter = Rewriter {
        text,
        index: &parsed.index,
        names: &names,
        name,
        on,
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
    on: bool,
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

    // ----- Items and their attributes -----

    /// Applies the `#[feature_flag]` attributes of an item whose bytes are `item` (attributes included).
    fn gate(
        &mut self,
        attrs: &[Attribute],
        item: Range<usize>,
        what: &str,
        fn_parts: Option<(&Signature, &Block)>,
    ) -> Next {
        let mut attribute_edits = Vec::new();
        let mut forward = None;
        let mut empty = None;
        for attr in attrs.iter().filter(|attr| {
            matches!(attr.style, syn::AttrStyle::Outer) && self.names.is_feature_flag(attr.path())
        }) {
            let attr_range = self.range(attr);
            let args = match syntax::attr_args(attr) {
                Ok(args) => args,
                Err(error) => {
                    if syntax::mentions_literal(&attr.to_token_stream(), self.name) {
                        self.refuse(
                            attr_range.start,
                            format!(
                                "cannot read this #[feature_flag]: {error}; fix it (the compiler rejects it too), \
                                 then rerun"
                            ),
                        );
                    }
                    continue;
                }
            };
            let expr_range = crate::expr::range(&args.expr, self.index);
            match crate::expr::simplify(&args.expr, self.name, self.on, self.text, self.index) {
                crate::expr::Simplified::Same => {}
                crate::expr::Simplified::Const(true) => {
                    let quoted = self.quoted(attr_range.clone());
                    attribute_edits.push((attr_range.clone(), String::new(), true));
                    let mut what_changed = format!("removed {quoted}; kept `{what}`");
                    if let Some((_, path)) = &args.fallback {
                        let path_text = syntax::one_line(self.source(self.range(path)));
                        what_changed.push_str(&format!(" and dropped its fallback `{path_text}`"));
                        self.out.dropped_fallbacks.push((path_text, fn_name(path)));
                    }
                    self.change(attr_range.start, what_changed);
                }
                crate::expr::Simplified::Const(false) => {
                    match (args.fallback.clone().map(|(_, path)| path), fn_parts) {
                        (Some(path), Some((sig, block))) => {
                            attribute_edits.push((attr_range.clone(), String::new(), true));
                            forward = Some((path, sig, block, attr_range));
                        }
                        (None, Some((sig, block))) if self.dynamic && returns_unit(sig) => {
                            // A dynamic flag switches a unit fn without fallback to doing nothing: the fn
                            // exists in every build and callers may call it, so it stays, empty.
                            attribute_edits.push((attr_range.clone(), String::new(), true));
                            empty = Some((sig, block, attr_range));
                        }
                        _ => {
                            let quoted = self.quoted(attr_range.clone());
                            let start = text::attached_comments_start(self.text, item.start);
                            let range = text::deletion_range(self.text, start..item.end);
                            self.edit(range, "");
                            self.change(
                                attr_range.start,
                                format!("deleted `{what}` (it was gated on {quoted})"),
                            );
                            return Next::Skip;
                        }
                    }
                }
                crate::expr::Simplified::Changed(new) => {
                    let old = syntax::one_line(self.source(expr_range.clone()));
                    attribute_edits.push((expr_range, new.clone(), false));
                    self.change(
                        attr_range.start,
                        format!("`#[feature_flag({old})]` -> `#[feature_flag({new})]` on `{what}`"),
                    );
                }
            }
        }
        for (range, new, whole_attribute) in attribute_edits {
            let range = if whole_attribute {
                text::deletion_range(self.text, range)
            } else {
                range
            };
            self.edit(range, new);
        }
        if let Some((sig, block, attr_range)) = empty {
            for input in &sig.inputs {
                if let FnArg::Typed(typed) = input
                    && !matches!(&*typed.pat, Pat::Wild(_))
                {
                    let range = self.range(&*typed.pat);
                    self.edit(range, "_");
                }
            }
            let block_range = self.range(block);
            self.edit(block_range, "{}");
            self.change(
                attr_range.start,
                format!(
                    "removed {}; `{what}` now does nothing, as it did while the flag was off",
                    self.quoted(attr_range.clone())
                ),
            );
            return Next::Skip;
        }
        if let Some((path, sig, block, attr_range)) = forward {
            let path_text = syntax::one_line(self.source(self.range(&path)));
            match self.forwarding_body(sig, block, &path_text) {
                Ok((body, renames)) => {
                    let block_range = self.range(block);
                    self.edit(block_range, body);
                    self.edits.extend(renames);
                    self.change(
                        attr_range.start,
                        format!(
                            "removed {}; `{what}` now calls its fallback `{path_text}`",
                            self.quoted(attr_range.clone())
                        ),
                    );
                }
                Err(why) => self.refuse(attr_range.start, why),
            }
            return Next::Skip;
        }
        Next::VisitChildren
    }

    /// The body of a fn that always takes its fallback, `{ fallback(args) }`, and the edits that give each
    /// argument a plain name to pass on: a pattern (`(a, b)`, `_`) becomes `argN`, `mut x` becomes `x`.
    fn forwarding_body(
        &self,
        sig: &Signature,
        block: &Block,
        path: &str,
    ) -> Result<(String, Vec<Edit>), String> {
        let taken: Vec<String> = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => match &*typed.pat {
                    Pat::Ident(plain) => Some(plain.ident.to_string()),
                    _ => None,
                },
                FnArg::Receiver(_) => None,
            })
            .collect();
        let Ok(forwards) = fallback::forwarding(sig) else {
            return Err(format!(
                "fn `{}` is variadic and cannot forward to its fallback `{path}`: retire the flag here by hand",
                sig.ident
            ));
        };
        let mut arguments = Vec::new();
        let mut renames = Vec::new();
        for ((index, input), forward) in sig.inputs.iter().enumerate().zip(forwards) {
            match (input, forward) {
                (FnArg::Receiver(_), _) => arguments.push("self".to_owned()),
                (FnArg::Typed(typed), Forward::Name { ident, mutable }) => {
                    if mutable {
                        renames.push(Edit::new(self.range(&*typed.pat), ident.to_string()));
                    }
                    arguments.push(ident.to_string());
                }
                (FnArg::Typed(typed), _) => {
                    let mut name = format!("arg{index}");
                    while taken.contains(&name) {
                        name.push('_');
                    }
                    renames.push(Edit::new(self.range(&*typed.pat), name.clone()));
                    arguments.push(name);
                }
            }
        }
        let call = FallbackCall::of(sig, arguments).write(&CallText(path));
        let block_range = self.range(block);
        let close = block_range.end.saturating_sub(1);
        let outer = if text::starts_line(self.text, close) {
            text::indentation_at(self.text, close)
        } else {
            text::indentation_at(self.text, block_range.start)
        };
        Ok((format!("{{\n{outer}    {call}\n{outer}}}"), renames))
    }

    // ----- The string API and `variant!` -----

    fn is_flag_macro(&self, mac: &Macro) -> bool {
        self.names.macro_kind(&mac.path) == Some(MacroKind::Flag)
    }

    /// Whether `expr` is `is_enabled("the flag")` followed by `.unwrap()`, `.expect(..)` or `?`: a `bool`.
    fn is_enabled_call(&self, expr: &Expr) -> bool {
        let inner = match expr {
            Expr::Try(try_expr) => &*try_expr.expr,
            Expr::MethodCall(call) if is_unwrap(call) => &*call.receiver,
            _ => return false,
        };
        matches!(inner, Expr::Call(call) if syntax::api_call(call, self.names)
            .is_some_and(|found| found.function == "is_enabled" && found.name.value() == self.name))
    }

    fn refuse_variant(&mut self, range: Range<usize>) {
        let quoted = self.quoted(range.clone());
        self.refuse(
            range.start,
            format!(
                "{quoted} reads a variant of `{0}`: which variant's code stays is a choice cargo flags cannot make. \
                 Keep the code of the variant you want, delete the `variant!` call, then rerun",
                self.name
            ),
        );
    }

    /// Refuses a string-API call of the flag at `range`, with what to do for its fn; `more` ends the reason.
    fn refuse_call(&mut self, range: Range<usize>, function: &str, more: &str) {
        self.refuse_call_because(range, function, more, "here its result is used");
    }

    /// [`Self::refuse_call`], where `why` says why a call that sets, resets or overrides the flag cannot
    /// simply be deleted.
    fn refuse_call_because(&mut self, range: Range<usize>, function: &str, more: &str, why: &str) {
        let quoted = self.quoted(range.clone());
        let state = crate::output::state(self.on);
        let name = self.name;
        let advice = match function {
            "is_enabled" => format!(
                "`{name}` will always be {state}: replace the call by hand (with `{}` where its result is \
                 unwrapped), then rerun",
                self.on
            ),
            "evaluate" | "flag_info" => format!(
                "it reads `{name}` at run time, and `{name}` will not exist any more: rewrite this code by hand for \
                 `{name}` always {state}, then rerun"
            ),
            "override_local_variant" | "override_global_variant" => format!(
                "it forces a variant of `{name}`: keep the code of the variant you want, delete the call, then rerun"
            ),
            _ => format!(
                "cargo flags deletes only a statement that sets, resets or overrides `{name}` to the state it keeps \
                 ({state}), alone or as `let _guard = ...;`; {why}: delete it by hand, keeping what runs with \
                 `{name}` {state}, then rerun"
            ),
        };
        self.refuse(
            range.start,
            format!("{quoted} names `{name}` through the string API:{more} {advice}"),
        );
    }

    /// A statement that calls the string API for the flag, peeled of `.unwrap()`, `.expect(..)` and `?`:
    /// deleted when it only sets, resets or overrides the flag to the state it keeps, refused otherwise.
    /// `None` when the statement is not such a call.
    fn api_statement(&mut self, stmt: &Stmt, rest: &[Stmt]) -> Option<()> {
        let (expr, binding, range) = match stmt {
            Stmt::Local(local) => {
                let init = local.init.as_ref()?;
                let binding = if init.diverge.is_some() {
                    Binding::Other
                } else {
                    binding_of(&local.pat)
                };
                (&*init.expr, Some(binding), self.range(local))
            }
            Stmt::Expr(expr, Some(semi)) => {
                (expr, None, self.range(expr).start..self.range(semi).end)
            }
            _ => return None,
        };
        let Expr::Call(call) = peel(expr) else {
            return None;
        };
        let found = syntax::api_call(call, self.names)?;
        if found.name.value() != self.name {
            return None;
        }
        let call_range = self.range(call);
        let quoted = self.quoted(range.clone());
        let name = self.name;
        let state = crate::output::state(self.on);
        let forced = match found.function {
            "reset" => Some(None),
            "set" | "override_local" | "override_global" => match call.args.iter().nth(1) {
                Some(Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Bool(value),
                    ..
                })) if call.args.len() == 2 => Some(Some(value.value)),
                _ => None,
            },
            _ => None,
        };
        let why = match (forced, &binding) {
            (Some(Some(value)), _) if value != self.on => {
                let value = crate::output::state(value);
                self.refuse(
                    call_range.start,
                    format!(
                        "{} forces `{name}` {value}, but its code stays {state} for good: what ran under it is \
                         gone. Delete or rewrite the code that relies on it (a test of `{name}` {value}?) by hand, \
                         then rerun",
                        self.quoted(call_range.clone()),
                    ),
                );
                return Some(());
            }
            (None, _) if matches!(found.function, "set" | "override_local" | "override_global") => {
                let value = call.args.iter().nth(1).map_or(String::new(), |value| {
                    format!(" (`{}`)", syntax::one_line(self.source(self.range(value))))
                });
                Some(format!(
                    "here the state it sets is not written as `true` or `false`{value}"
                ))
            }
            (None, _) => Some("here its result is used".to_owned()),
            (Some(_), Some(Binding::Other)) => {
                Some("here its result is bound to a pattern cargo flags does not follow".to_owned())
            }
            (Some(_), None | Some(Binding::Wild)) => None,
            (Some(_), Some(Binding::Name(binding))) => mentions_ident(rest, binding)
                .then(|| format!("here the block uses `{binding}` after it")),
        };
        if let Some(why) = why {
            self.refuse_call_because(call_range, found.function, "", &why);
            return Some(());
        }
        let start = text::attached_comments_start(self.text, range.start);
        let deletion = text::deletion_range(self.text, start..range.end);
        self.edit(deletion, "");
        let why = match (found.function, binding.is_some()) {
            ("reset", _) => {
                format!("it reset `{name}` to its default; `{name}` is now always {state}")
            }
            ("set", _) => format!("it set `{name}` {state}, as the code now always is"),
            (_, true) => format!("its guard only held `{name}` {state}, as the code now always is"),
            (_, false) => format!(
                "it forced `{name}` {state}, as the code now always is, and dropped at once"
            ),
        };
        self.change(range.start, format!("deleted {quoted}: {why}"));
        Some(())
    }

    // ----- Statements and `if` -----

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        for (index, stmt) in stmts.iter().enumerate() {
            if self.api_statement(stmt, &stmts[index + 1..]).is_some() {
                continue;
            }
            if let Stmt::Expr(Expr::If(expr_if), semi) = stmt {
                let if_range = self.range(expr_if);
                let full = match semi {
                    Some(semi) => if_range.start..self.range(semi).end,
                    None => if_range.clone(),
                };
                let pos = Pos::Stmt {
                    had_semi: semi.is_some(),
                    is_last: index + 1 == stmts.len(),
                    indent: text::indentation_at(self.text, if_range.start).to_owned(),
                };
                match self.rewrite_if(expr_if, &pos) {
                    IfOutcome::Unchanged => {}
                    IfOutcome::Replace(new) => self.edit(full, new),
                    IfOutcome::Remove => {
                        // The `//` comments directly above describe the statement: they go with it.
                        let start = text::attached_comments_start(self.text, full.start);
                        let range = text::deletion_range(self.text, start..full.end);
                        self.edit(range, "");
                    }
                }
                continue;
            }
            self.visit_stmt(stmt);
        }
    }

    fn rewrite_if(&mut self, expr_if: &ExprIf, pos: &Pos) -> IfOutcome {
        let keep_then = match self.fold(&expr_if.cond) {
            Fold::Const(value) => value,
            other => {
                if let Fold::Text(new, _) = other {
                    let cond = self.range(&*expr_if.cond);
                    self.edit(cond, new);
                }
                self.visit_block(&expr_if.then_branch);
                if let Some((_, else_expr)) = &expr_if.else_branch {
                    match &**else_expr {
                        Expr::If(nested) => match self.rewrite_if(nested, &Pos::Else) {
                            IfOutcome::Unchanged => {}
                            IfOutcome::Replace(new) => {
                                let range = self.range(nested);
                                self.edit(range, new);
                            }
                            IfOutcome::Remove => {
                                let start = self.range(&expr_if.then_branch).end;
                                let end = self.range(nested).end;
                                self.edit(start..end, "");
                            }
                        },
                        other => self.visit_expr(other),
                    }
                }
                return IfOutcome::Unchanged;
            }
        };
        let if_start = self.range(expr_if).start;
        if keep_then {
            self.change(
                if_start,
                "`if` whose condition is now always true: kept its block".to_owned(),
            );
            return self.kept_block(&expr_if.then_branch, pos);
        }
        match expr_if
            .else_branch
            .as_ref()
            .map(|(_, else_expr)| &**else_expr)
        {
            None => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false, with no `else`: removed".to_owned(),
                );
                match pos {
                    Pos::Expr => IfOutcome::Replace("()".to_owned()),
                    _ => IfOutcome::Remove,
                }
            }
            Some(Expr::Block(else_block)) => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false: kept its `else` block".to_owned(),
                );
                self.kept_block(&else_block.block, pos)
            }
            Some(Expr::If(nested)) => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false: kept its `else if`".to_owned(),
                );
                let (outcome, edits) = self.capture(|this| this.rewrite_if(nested, pos));
                match outcome {
                    IfOutcome::Unchanged => {
                        let range = self.range(nested);
                        IfOutcome::Replace(self.render(range, &edits))
                    }
                    other => other,
                }
            }
            Some(other) => {
                self.visit_expr(other);
                IfOutcome::Unchanged
            }
        }
    }

    /// What an `if` becomes when `block` is the branch that always runs.
    fn kept_block(&mut self, block: &Block, pos: &Pos) -> IfOutcome {
        let block_range = self.range(block);
        let ((), edits) = self.capture(|this| this.visit_block(block));
        let block_text = self.render(block_range, &edits);
        match pos {
            Pos::Else => IfOutcome::Replace(block_text),
            Pos::Expr => match block.stmts.as_slice() {
                [Stmt::Expr(tail, None)] if is_operand(tail) => {
                    IfOutcome::Replace(text::block_contents(&block_text, "", false))
                }
                _ => IfOutcome::Replace(block_text),
            },
            Pos::Stmt {
                had_semi,
                is_last,
                indent,
            } => {
                let contents =
                    text::block_contents(&block_text, indent, !has_multiline_literal(block));
                if contents.trim().is_empty() {
                    return IfOutcome::Remove;
                }
                let scoped = block
                    .stmts
                    .iter()
                    .any(|stmt| matches!(stmt, Stmt::Local(_) | Stmt::Item(_)));
                if scoped {
                    // Its `let`s and items would leak into the enclosing block: keep the braces.
                    return IfOutcome::Replace(if *had_semi {
                        format!("{block_text};")
                    } else {
                        block_text
                    });
                }
                let needs_semi = match block.stmts.last() {
                    Some(Stmt::Expr(tail, None)) => *had_semi || (!is_last && !is_block_like(tail)),
                    _ => false,
                };
                IfOutcome::Replace(if needs_semi {
                    format!("{contents};")
                } else {
                    contents
                })
            }
        }
    }

    // ----- Expressions -----

    /// Folds a boolean expression where the flag may appear: `flag!`, `!`, `&&`, `||`, parentheses.
    fn fold(&mut self, expr: &Expr) -> Fold {
        match expr {
            Expr::Macro(call) if self.is_flag_macro(&call.mac) => {
                let range = self.range(expr);
                self.fold_flag(&call.mac, range)
            }
            _ if self.is_enabled_call(expr) => {
                let range = self.range(expr);
                let quoted = self.quoted(range.clone());
                self.change(range.start, format!("{quoted} -> `{}`", self.on));
                Fold::Const(self.on)
            }
            Expr::Paren(paren) => match self.fold(&paren.expr) {
                Fold::Text(new, true) => Fold::Text(new, true),
                Fold::Text(new, false) => Fold::Text(format!("({new})"), true),
                other => other,
            },
            Expr::Unary(unary) if matches!(unary.op, UnOp::Not(_)) => {
                match self.fold(&unary.expr) {
                    Fold::Same => Fold::Same,
                    Fold::Const(value) => Fold::Const(!value),
                    Fold::Text(new, true) => Fold::Text(format!("!{new}"), true),
                    Fold::Text(new, false) => Fold::Text(format!("!({new})"), true),
                }
            }
            Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
                let and = matches!(binary.op, BinOp::And(_));
                let left = self.fold(&binary.left);
                // `false && ..` and `true || ..` decide without their right side, which never ran.
                if matches!(left, Fold::Const(value) if value != and) {
                    return Fold::Const(!and);
                }
                let right = self.fold(&binary.right);
                if matches!((&left, &right), (Fold::Same, Fold::Same)) {
                    return Fold::Same;
                }
                let text_of = |this: &Self, fold: Fold, side: &Expr| match fold {
                    Fold::Text(new, _) => new,
                    Fold::Const(value) => value.to_string(),
                    Fold::Same => this.source(this.range(side)).to_owned(),
                };
                let operator = if and { "&&" } else { "||" };
                match (left, right) {
                    (Fold::Const(_), Fold::Same) => Fold::Text(
                        self.source(self.range(&*binary.right)).to_owned(),
                        is_operand(&binary.right),
                    ),
                    (Fold::Const(_), right) => right,
                    (left, Fold::Const(value)) if value == and => match left {
                        Fold::Same => Fold::Text(
                            self.source(self.range(&*binary.left)).to_owned(),
                            is_operand(&binary.left),
                        ),
                        other => other,
                    },
                    // `verbose && false` is false: reading a variable has no effect to keep.
                    (_, Fold::Const(value)) if is_pure(&binary.left) => Fold::Const(value),
                    (left, right) => {
                        // `f() && false` keeps `f()`, which runs for its effects.
                        let left = text_of(self, left, &binary.left);
                        let right = text_of(self, right, &binary.right);
                        Fold::Text(format!("{left} {operator} {right}"), false)
                    }
                }
            }
            _ => {
                let ((), edits) = self.capture(|this| this.visit_expr(expr));
                if edits.is_empty() {
                    Fold::Same
                } else {
                    let range = self.range(expr);
                    Fold::Text(self.render(range, &edits), is_operand(expr))
                }
            }
        }
    }

    fn fold_flag(&mut self, mac: &Macro, range: Range<usize>) -> Fold {
        let parsed = match syntax::flag_macro_expr(mac) {
            Ok(parsed) => parsed,
            Err(error) => {
                if syntax::mentions_literal(&mac.tokens, self.name) {
                    self.refuse(
                        range.start,
                        format!("cannot read this flag!: {error}; fix it (the compiler rejects it too), then rerun"),
                    );
                }
                return Fold::Same;
            }
        };
        self.fold_flag_expr(parsed, range)
    }

    fn fold_flag_expr(&mut self, parsed: SynExpr, range: Range<usize>) -> Fold {
        let expr_range = crate::expr::range(&parsed, self.index);
        match crate::expr::simplify(&parsed, self.name, self.on, self.text, self.index) {
            crate::expr::Simplified::Same => Fold::Same,
            crate::expr::Simplified::Const(value) => {
                let quoted = self.quoted(range.clone());
                self.change(range.start, format!("{quoted} -> `{value}`"));
                Fold::Const(value)
            }
            crate::expr::Simplified::Changed(new) => {
                let text = format!(
                    "{}{new}{}",
                    &self.text[range.start..expr_range.start],
                    &self.text[expr_range.end..range.end]
                );
                let quoted = self.quoted(range.clone());
                self.change(
                    range.start,
                    format!("{quoted} -> `{}`", syntax::one_line(&text)),
                );
                Fold::Text(text, true)
            }
        }
    }

    fn fold_edit(&mut self, expr: &Expr) {
        let range = self.range(expr);
        match self.fold(expr) {
            Fold::Same => {}
            Fold::Const(value) => self.edit(range, value.to_string()),
            Fold::Text(new, _) => self.edit(range, new),
        }
    }

    fn token_hits(&mut self, tokens: TokenStream) {
        for hit in syntax::token_hits(tokens, self.index, self.names) {
            if let HitKind::Macro(MacroKind::Variant) = hit.kind {
                if syntax::mentions_literal(&hit.args, self.name) {
                    self.refuse_variant(hit.range);
                }
                continue;
            }
            if let HitKind::Call(function) = hit.kind {
                if let Some(call) = syntax::api_call_tokens(function, hit.args)
                    && call.name.value() == self.name
                {
                    self.refuse_call(
                        hit.range,
                        function,
                        " It stands in the tokens of a macro call that cannot be read as Rust code.",
                    );
                }
                continue;
            }
            if hit.kind == HitKind::Attribute {
                let Ok(args) = syn::parse2::<SynAttrArgs>(hit.args) else {
                    continue;
                };
                let expr_range = crate::expr::range(&args.expr, self.index);
                let quoted = self.quoted(hit.range.clone());
                match crate::expr::simplify(&args.expr, self.name, self.on, self.text, self.index) {
                    crate::expr::Simplified::Same => {}
                    crate::expr::Simplified::Const(true) => {
                        let range = text::deletion_range(self.text, hit.range.clone());
                        self.edit(range, "");
                        self.change(hit.range.start, format!("removed {quoted} in a macro's tokens"));
                        if let Some((_, path)) = &args.fallback {
                            let path_text = syntax::one_line(self.source(self.range(path)));
                            self.out.dropped_fallbacks.push((path_text, fn_name(path)));
                        }
                    }
                    crate::expr::Simplified::Const(false) => self.refuse(
                        hit.range.start,
                        format!(
                            "{quoted} stands in the tokens of a macro call that cannot be read as Rust code, so \
                             the extent of the item it gates is unknown: delete that item and the attribute by \
                             hand, then rerun"
                        ),
                    ),
                    crate::expr::Simplified::Changed(new) => {
                        self.change(hit.range.start, format!("{quoted}: expression -> {new}"));
                        self.edit(expr_range, new);
                    }
                }
            } else if let Ok(parsed) = syntax::leading_flag_expr(hit.args) {
                match self.fold_flag_expr(parsed, hit.range.clone()) {
                    Fold::Same => {}
                    Fold::Const(value) => self.edit(hit.range, value.to_string()),
                    Fold::Text(new, _) => self.edit(hit.range, new),
                }
            }
        }
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
                if let Some(found) = syntax::api_call(call, self.names)
                    && found.name.value() == self.name
                {
                    let range = self.range(call);
                    self.refuse_call(range, found.function, "");
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
        if self.names.macro_kind(&mac.path) == Some(MacroKind::Variant) {
            let range = self.range(mac);
            let names_it = match syntax::variant_call(mac.tokens.clone()) {
                Ok(literal) => literal.value() == self.name,
                Err(_) => syntax::mentions_literal(&mac.tokens, self.name),
            };
            if names_it {
                self.refuse_variant(range);
            }
            return;
        }
        if self.is_flag_macro(mac) {
            let range = self.range(mac);
            match self.fold_flag(mac, range.clone()) {
                Fold::Same => {}
                Fold::Const(value) => self.edit(range, value.to_string()),
                Fold::Text(new, _) => self.edit(range, new),
            }
            return;
        }
        match syntax::macro_body(mac) {
            MacroBody::Exprs(exprs) => exprs.iter().for_each(|expr| self.visit_expr(expr)),
            MacroBody::Stmts(stmts) => self.visit_stmts(&stmts),
            MacroBody::Opaque(tokens) => self.token_hits(tokens),
        }
    }
}

/// `.unwrap()` or `.expect(..)`.
fn is_unwrap(call: &syn::ExprMethodCall) -> bool {
    (call.method == "unwrap" && call.args.is_empty())
        || (call.method == "expect" && call.args.len() == 1)
}

/// `expr` without the `.unwrap()`, `.expect(..)` and `?` that follow it, and without parentheses.
fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Try(try_expr) => peel(&try_expr.expr),
        Expr::MethodCall(call) if is_unwrap(call) => peel(&call.receiver),
        Expr::Paren(paren) => peel(&paren.expr),
        other => other,
    }
}

/// What a `let` binds.
enum Binding {
    /// `let _ = ..`.
    Wild,
    /// `let name = ..`, `let mut name: T = ..`.
    Name(String),
    /// Any other pattern, or a `let .. else`.
    Other,
}

fn binding_of(pat: &Pat) -> Binding {
    match pat {
        Pat::Wild(_) => Binding::Wild,
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
            Binding::Name(ident.ident.to_string())
        }
        Pat::Type(typed) => binding_of(&typed.pat),
        _ => Binding::Other,
    }
}

/// Whether the tokens of `stmts` name the identifier `name`.
fn mentions_ident(stmts: &[Stmt], name: &str) -> bool {
    fn walk(tokens: TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == name,
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), name),
            _ => false,
        })
    }
    stmts.iter().any(|stmt| walk(stmt.to_token_stream(), name))
}

/// Whether a fn returns `()`.
/// Spells a fallback call `path(args)` as source text.
struct CallText<'a>(&'a str);

impl WriteCall<String> for CallText<'_> {
    type Out = String;

    fn call(&self, arguments: Vec<String>) -> String {
        format!("{}({})", self.0, arguments.join(", "))
    }

    fn awaited(&self, call: String) -> String {
        format!("{call}.await")
    }

    fn unsafe_block(&self, call: String) -> String {
        format!("unsafe {{ {call} }}")
    }
}

/// The name of the fn a `fallback = path` calls: the path's last segment, without generics.
fn fn_name(path: &syn::ExprPath) -> String {
    path.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// Whether `expr` can stand where an `if` expression stood, or as an operand of `!`, without parentheses.
fn is_operand(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Lit(_)
            | Expr::Path(_)
            | Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Macro(_)
            | Expr::Field(_)
            | Expr::Index(_)
            | Expr::Paren(_)
            | Expr::Tuple(_)
            | Expr::Array(_)
            | Expr::Struct(_)
            | Expr::Try(_)
    )
}

/// Whether evaluating `expr` has no effect: a variable, a constant, a field of one, a `flag!` call, negated
/// or in parentheses.
fn is_pure(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Macro(call) => syntax::is_flag_macro(&call.mac),
        Expr::Field(field) => is_pure(&field.base),
        Expr::Paren(paren) => is_pure(&paren.expr),
        Expr::Unary(unary) => matches!(unary.op, UnOp::Not(_)) && is_pure(&unary.expr),
        _ => false,
    }
}

/// Whether `expr` ends with a block and so may stand as a statement without `;`.
fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::If(_)
            | Expr::Match(_)
            | Expr::Block(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
    )
}

/// Whether a literal inside `block` spans several lines: re-indenting would change its value.
fn has_multiline_literal(block: &Block) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Literal(literal) => {
                literal.span().start().line != literal.span().end().line
            }
            proc_macro2::TokenTree::Group(group) => walk(group.stream()),
            _ => false,
        })
    }
    walk(block.to_token_stream())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, on: bool) -> String {
        let out = rewrite(text, "x", on, false).unwrap_or_else(|e| panic!("{e:?}"));
        syntax::forget_spans();
        assert!(out.refusals.is_empty(), "{:?}", out.refusals);
        out.text
    }

    #[test]
    fn keeps_or_deletes_gated_items() {
        let text = "// Top.\n\n#[feature_flag(\"x\")]\nfn new() {}\n\n// Old one.\n#[feature_flag(not(\"x\"))]\nfn old() {}\n\nfn other() {}\n";
        assert_eq!(run(text, true), "// Top.\n\nfn new() {}\n\nfn other() {}\n");
        assert_eq!(
            run(text, false),
            "// Top.\n\n// Old one.\nfn old() {}\n\nfn other() {}\n"
        );
    }

    #[test]
    fn simplifies_expressions() {
        let text = "#[feature_flag(all(\"x\", \"y\"))]\nfn a() {}\n#[feature_flag(any(\"x\", \"y\"))]\nfn b() {}\n";
        assert_eq!(
            run(text, true),
            "#[feature_flag(\"y\")]\nfn a() {}\nfn b() {}\n"
        );
        assert_eq!(run(text, false), "#[feature_flag(\"y\")]\nfn b() {}\n");
    }

    #[test]
    fn replaces_flag_calls_and_folds_ifs() {
        let text = r#"fn f() {
    if flag!("x") {
        // New.
        new();
    } else {
        old();
    }
    let label = if flag!("x") { "new" } else { "old" };
    if !flag!("x") {
        warn();
    }
    if verbose && flag!("x") {
        log();
    }
    println!("{}", flag!(any("x", "y")));
    done();
}
"#;
        assert_eq!(
            run(text, true),
            r#"fn f() {
    // New.
    new();
    let label = "new";
    if verbose {
        log();
    }
    println!("{}", true);
    done();
}
"#
        );
        assert_eq!(
            run(text, false),
            r#"fn f() {
    old();
    let label = "old";
    warn();
    println!("{}", flag!("y"));
    done();
}
"#
        );
    }

    #[test]
    fn else_if_chains() {
        let text = "fn f() {\n    if a() {\n        1;\n    } else if flag!(\"x\") {\n        2;\n    } else {\n        3;\n    }\n}\n";
        assert_eq!(
            run(text, true),
            "fn f() {\n    if a() {\n        1;\n    } else {\n        2;\n    }\n}\n"
        );
        assert_eq!(
            run(text, false),
            "fn f() {\n    if a() {\n        1;\n    } else {\n        3;\n    }\n}\n"
        );
        let no_else = "fn f() {\n    if a() {\n        1;\n    } else if flag!(\"x\") {\n        2;\n    }\n}\n";
        assert_eq!(
            run(no_else, false),
            "fn f() {\n    if a() {\n        1;\n    }\n}\n"
        );
        let first = "fn f() -> u8 {\n    if flag!(\"x\") {\n        1\n    } else if a() {\n        2\n    } else {\n        3\n    }\n}\n";
        assert_eq!(
            run(first, false),
            "fn f() -> u8 {\n    if a() {\n        2\n    } else {\n        3\n    }\n}\n"
        );
        assert_eq!(run(first, true), "fn f() -> u8 {\n    1\n}\n");
    }

    #[test]
    fn keeps_braces_when_scoping_matters_and_adds_semicolons() {
        let text = "fn f() {\n    if flag!(\"x\") {\n        let guard = lock();\n        work(guard);\n    }\n    if flag!(\"x\") { a() } else { b() }\n    c();\n}\n";
        assert_eq!(
            run(text, true),
            "fn f() {\n    {\n        let guard = lock();\n        work(guard);\n    }\n    a();\n    c();\n}\n"
        );
    }

    #[test]
    fn fallbacks() {
        let text = "#[feature_flag(\"x\", fallback = old)]\nasync fn new(&self, n: u8) -> u8 {\n    n + 1\n}\n";
        let on = rewrite(text, "x", true, false).unwrap();
        syntax::forget_spans();
        assert_eq!(
            on.text,
            "async fn new(&self, n: u8) -> u8 {\n    n + 1\n}\n"
        );
        assert_eq!(on.dropped_fallbacks, [("old".to_owned(), "old".to_owned())]);
        assert_eq!(
            run(text, false),
            "async fn new(&self, n: u8) -> u8 {\n    old(self, n).await\n}\n"
        );
        let patterns = "#[feature_flag(\"x\", fallback = old)]\nfn new((a, b): (u8, u8), _: u8, mut c: u8) -> u8 { a }\n";
        assert_eq!(
            run(patterns, false),
            "fn new(arg0: (u8, u8), arg1: u8, c: u8) -> u8 {\n    old(arg0, arg1, c)\n}\n"
        );
    }

    #[test]
    fn flag_calls_with_a_context() {
        let text = "fn f(ctx: &Context) -> bool {\n    flag!(all(\"x\", \"y\"), ctx) || flag!(\"x\", &ctx)\n}\n";
        assert_eq!(
            run(text, false),
            "fn f(ctx: &Context) -> bool {\n    false\n}\n"
        );
        assert_eq!(
            run(text, true),
            "fn f(ctx: &Context) -> bool {\n    true\n}\n"
        );
        let kept = "fn f(ctx: &Context) -> bool {\n    flag!(all(\"x\", \"y\"), ctx)\n}\n";
        assert_eq!(
            run(kept, true),
            "fn f(ctx: &Context) -> bool {\n    flag!(\"y\", ctx)\n}\n"
        );
    }

    #[test]
    fn dynamic_unit_fns_stay_empty() {
        let text = "impl S {\n    #[feature_flag(all(\"x\", \"y\"))]\n    fn warm(&mut self, n: &mut u32) {\n        *n += 1;\n    }\n}\n";
        let out = rewrite(text, "x", false, true).unwrap();
        syntax::forget_spans();
        assert_eq!(
            out.text,
            "impl S {\n    fn warm(&mut self, _: &mut u32) {}\n}\n"
        );
        assert_eq!(run(text, false), "impl S {\n}\n");
    }

    fn refusals(text: &str, on: bool) -> Vec<String> {
        let out = rewrite(text, "x", on, true).unwrap_or_else(|e| panic!("{e:?}"));
        syntax::forget_spans();
        out.refusals
            .iter()
            .map(|(offset, message)| {
                let (line, column) = text::line_column(text, *offset);
                format!("{line}:{column} {message}")
            })
            .collect()
    }

    #[test]
    fn string_api_statements_of_the_kept_state_go() {
        let text = r#"use flag_runtime::{override_global, reset};

fn f() -> Result<(), Error> {
    // Forced on for the test.
    let _on = override_global("x", true)?;
    let _: flag_runtime::LocalOverride = flag_runtime::override_local("x", true).expect("declared");
    flag_runtime::set("x", true).unwrap();
    if flag_runtime::is_enabled("x").unwrap() {
        work();
    }
    reset("x")?;
    cell.set("x");
    flag_runtime::set("y", false)?;
    Ok(())
}
"#;
        assert_eq!(
            run(text, true),
            r#"use flag_runtime::{override_global, reset};

fn f() -> Result<(), Error> {
    work();
    cell.set("x");
    flag_runtime::set("y", false)?;
    Ok(())
}
"#
        );
    }

    #[test]
    fn other_string_api_calls_are_refused() {
        let text = r#"fn f(on: bool) {
    let _off = flag_runtime::override_local("x", false).unwrap();
    let guard = flag_runtime::override_global("x", true).unwrap();
    drop(guard);
    let _ = flag_runtime::set("x", on);
    assert_eq!(flag_runtime::is_enabled("x"), Ok(true));
    let _v = flag_runtime::evaluate("x", &ctx);
    let _w = flag_runtime::override_local_variant("x", "a");
    let (a, b) = (flag_runtime::reset("x"), 1);
}
"#;
        let found: Vec<String> = refusals(text, true)
            .iter()
            .map(|refusal| refusal.split(':').take(2).collect::<Vec<_>>().join(":"))
            .collect();
        assert_eq!(
            found,
            [
                "2:16 `flag_runtime",
                "3:17 `flag_runtime",
                "5:13 `flag_runtime",
                "6:16 `flag_runtime",
                "7:14 `flag_runtime",
                "8:14 `flag_runtime",
                "9:19 `flag_runtime",
            ]
        );
        let all = refusals(text, true);
        assert!(
            all[0].contains("forces `x` off, but its code stays on for good"),
            "{}",
            all[0]
        );
        assert!(
            all[1].contains("here the block uses `guard` after it"),
            "{}",
            all[1]
        );
        assert!(
            all[2].contains("here the state it sets is not written as `true` or `false` (`on`)"),
            "{}",
            all[2]
        );
        assert!(all[3].contains("`x` will always be on"), "{}", all[3]);
        assert!(all[4].contains("reads `x` at run time"), "{}", all[4]);
        assert!(all[5].contains("forces a variant of `x`"), "{}", all[5]);
    }

    #[test]
    fn variant_calls_and_calls_in_macro_tokens_are_refused() {
        let text = "fn f() {\n    let v = variant!(\"x\", &ctx);\n    let w = variant!(\"y\", &ctx);\n}\n\
                    macro_rules! m {\n    () => { flag_runtime::set(\"x\", true) => $a };\n}\n";
        let found = refusals(text, true);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("2:13 `variant!(\"x\", &ctx)` reads a variant of `x`"),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with(
                "6:13 `flag_runtime::set(\"x\", true)` names `x` through the string API: It stands in the tokens"
            ),
            "{}",
            found[1]
        );
    }

    #[test]
    fn opaque_macro_tokens() {
        let text =
            "macro_rules! m {\n    () => {\n        if flag!(\"x\") { 1 } else { 2 }\n    };\n}\n";
        assert_eq!(
            run(text, true),
            "macro_rules! m {\n    () => {\n        if true { 1 } else { 2 }\n    };\n}\n"
        );
        let gated = "macro_rules! m {\n    () => {\n        #[feature_flag(\"x\")]\n        fn f() {}\n    };\n}\n";
        let refused = rewrite(gated, "x", false, false).unwrap();
        syntax::forget_spans();
        assert_eq!(refused.refusals.len(), 1);
        assert_eq!(
            run(gated, true),
            "macro_rules! m {\n    () => {\n        fn f() {}\n    };\n}\n"
        );
    }
}
