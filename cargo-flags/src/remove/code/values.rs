//! A retired value flag's `flag_value!("x")` and `flag_value!("x", &ctx)` replaced by the kept value as a
//! Rust literal, in code and in the tokens of macro calls that do not parse as code; its run-time reads and
//! writes by name (`value_of`, `set_value`) refused, since the flag will not exist any more.
//!
//! The context of `flag_value!("x", &ctx)` goes with the call, as it does for `flag!("x", &ctx)`: it only
//! chose among the values. A negative number gets parentheses where it is the operand of a method call,
//! a field, an index, `?` or a unary operator (`(-5_i64).abs()`, not `-5_i64.abs()`, which is `-(5.abs())`).

use std::collections::BTreeSet;
use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, ExprCall, Macro, UseTree};

use super::Rewriter;
use crate::expr::{Simplified, SynExpr};

use crate::syntax;
use crate::syntax::names::FileNames;
use crate::text::LineIndex;

/// The run-time fns that read or write a value flag by name, besides the string API of on/off flags.
const VALUE_API: [&str; 2] = ["value_of", "set_value"];

/// The names `flag_value!` goes by in a file: `flag_value`, and what `use flag_runtime::flag_value as
/// NAME;` makes of it.
pub(super) fn value_macro_names(file: &syn::File, names: &FileNames) -> BTreeSet<String> {
    fn walk(tree: &UseTree, prefix: &[String], names: &FileNames, out: &mut BTreeSet<String>) {
        let from_runtime = prefix.len() == 1 && names.is_runtime_crate(&prefix[0]);
        match tree {
            UseTree::Path(path) => {
                let mut prefix = prefix.to_vec();
                prefix.push(path.ident.to_string());
                walk(&path.tree, &prefix, names, out);
            }
            UseTree::Rename(rename) if from_runtime && rename.ident == "flag_value" => {
                out.insert(rename.rename.to_string());
            }
            UseTree::Group(group) => {
                for item in &group.items {
                    walk(item, prefix, names, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::from(["flag_value".to_owned()]);
    let mut uses = Vec::new();
    collect_uses(&file.items, &mut uses);
    for tree in uses {
        walk(tree, &[], names, &mut out);
    }
    out
}

fn collect_uses<'a>(items: &'a [syn::Item], out: &mut Vec<&'a UseTree>) {
    for item in items {
        match item {
            syn::Item::Use(item) => out.push(&item.tree),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_uses(items, out);
                }
            }
            _ => {}
        }
    }
}

impl Rewriter<'_> {
    /// Whether `mac` is `flag_value!` (any path ending in `flag_value`, or a name imported as it).
    pub(super) fn is_value_macro(&self, mac: &Macro) -> bool {
        let Some(last) = mac.path.segments.last() else {
            return false;
        };
        let last = last.ident.to_string();
        last == "flag_value" || (mac.path.segments.len() == 1 && self.value_macros.contains(&last))
    }

    /// Whether `expr` is `flag_value!` of the retired flag.
    fn is_retired_value(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Macro(call) if self.is_value_macro(&call.mac)
            && matches!(syntax::flag_macro_expr(&call.mac), Ok(syntax_expr)
                if matches!(&syntax_expr, SynExpr::Flag(literal) if literal.value() == self.name)))
    }

    /// Notes a `flag_value!` of the flag standing as the operand of a postfix or unary operator, where a
    /// negative literal needs parentheses.
    pub(super) fn note_operand(&mut self, expr: &Expr) {
        let operand = match expr {
            Expr::MethodCall(call) => &*call.receiver,
            Expr::Field(field) => &*field.base,
            Expr::Index(index) => &*index.expr,
            Expr::Try(try_expr) => &*try_expr.expr,
            Expr::Await(await_expr) => &*await_expr.base,
            Expr::Unary(unary) => &*unary.expr,
            _ => return,
        };
        if self.is_retired_value(operand) {
            let start = self.range(operand).start;
            self.operands.insert(start);
        }
    }

    /// The kept value of a boolean value flag, when `expr` is `flag_value!` of it: it folds like `flag!`.
    pub(super) fn boolean_value(&mut self, expr: &Expr) -> Option<bool> {
        let on = match self.value?.value {
            flag_manifest::Value::Bool(on) => on,
            _ => return None,
        };
        if !self.is_retired_value(expr) {
            return None;
        }
        let range = self.range(expr);
        let quoted = self.quoted(range.clone());
        self.change(range.start, format!("{quoted} -> `{on}`"));
        Some(on)
    }

    /// Replaces `flag_value!` of the retired flag at `range` with the kept value; refuses it when the flag
    /// kept is an on/off flag (the compiler refuses that call too).
    pub(super) fn inline_value(&mut self, mac: &Macro, range: Range<usize>) {
        match syn::parse2::<flag_syntax::ValueCall>(mac.tokens.clone()) {
            Ok(call) if call.name.value() == self.name && call.as_type.is_some() => {
                let quoted = self.quoted(range.clone());
                self.refuse(
                    range.start,
                    format!(
                        "{quoted} decodes the value as a Rust type at run time, which cargo flags cannot \
                         write as a literal: replace it by hand (for example with \
                         `serde_json::from_str` of the kept value's JSON), then rerun"
                    ),
                );
            }
            Ok(call) if call.name.value() == self.name => {
                if let Some(context) = &call.context {
                    let at = self.range(context).start;
                    self.out.dropped_contexts.push(at);
                }
                self.replace_value(range, false)
            }
            _ if syntax::mentions_literal(&mac.tokens, self.name) => {
                let quoted = self.quoted(range.clone());
                self.refuse(
                    range.start,
                    format!(
                        "cannot read {quoted}: `flag_value!` takes one flag's name, an optional type and an \
                         optional context (`flag_value!(\"{}\", &ctx)`); fix it (the compiler rejects it \
                         too), then rerun",
                        self.name
                    ),
                );
            }
            _ => {}
        }
    }

    /// Writes the kept value over `range`, a `flag_value!` of the retired flag; `opaque` when it stands in
    /// tokens that are not code, where a negative value always gets parentheses.
    fn replace_value(&mut self, range: Range<usize>, opaque: bool) {
        let quoted = self.quoted(range.clone());
        let Some(kept) = self.value else {
            self.refuse(
                range.start,
                format!(
                    "{quoted} reads `{0}` as a value flag, but `{0}` is on or off (the compiler rejects this \
                     call too): fix or delete it, then rerun",
                    self.name
                ),
            );
            return;
        };
        let literal =
            if kept.literal.starts_with('-') && (opaque || self.operands.contains(&range.start)) {
                format!("({})", kept.literal)
            } else {
                kept.literal.clone()
            };
        self.change(range.start, format!("{quoted} -> `{literal}`"));
        self.edit(range, literal);
    }

    /// [`crate::expr::simplify`] of a flag expression (of `flag!` or `#[feature_flag]`, whose text is
    /// `at`) for the retired flag. A value flag other than a boolean one cannot be read as on or off (the
    /// compiler rejects it): a mention of it is refused, and left as it is.
    pub(super) fn simplify(&mut self, expr: &SynExpr, at: Range<usize>) -> Simplified {
        let simplified = crate::expr::simplify(expr, self.name, self.on, self.text, self.index);
        if self.reads_state || matches!(simplified, Simplified::Same) {
            return simplified;
        }
        let quoted = self.quoted(at.clone());
        let name = self.name;
        let what = self
            .value
            .map_or("a value flag", |kept| kept.value_type.with_article());
        self.refuse(
            at.start,
            format!(
                "{quoted} reads `{name}` as on or off, but `{name}` is {what} value flag (the compiler rejects this \
                 too): read it with `flag_value!(\"{name}\")`, or delete this use, then rerun"
            ),
        );
        Simplified::Same
    }

    /// `flag_value!` of the retired flag in tokens that do not parse as code: `flag_value!("x", $ctx)`.
    pub(super) fn value_token_hits(&mut self, tokens: TokenStream) {
        let mut found = Vec::new();
        value_calls(
            tokens,
            self.name,
            &self.value_macros,
            self.index,
            &mut found,
        );
        for range in found {
            self.replace_value(range, true);
        }
    }

    /// Refuses `value_of("x")` and `set_value("x", ..)` of the retired flag (through the runtime's path,
    /// or a bare name): they name a flag that will not exist any more.
    pub(super) fn value_api_call(&mut self, call: &ExprCall) {
        let Expr::Path(path) = &*call.func else {
            return;
        };
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let function = match segments.as_slice() {
            [krate, function] if self.names.is_runtime_crate(krate) => function,
            [function] => function,
            _ => return,
        };
        if !VALUE_API.contains(&function.as_str()) {
            return;
        }
        let names_it = matches!(call.args.first(), Some(Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(literal), .. }))
            if literal.value() == self.name);
        if !names_it {
            return;
        }
        let range = self.range(call);
        let quoted = self.quoted(range.clone());
        let name = self.name;
        let kept = match self.value {
            Some(kept) => format!("always `{}` ({})", kept.name, kept.literal),
            None => format!("always {}", crate::output::state(self.on)),
        };
        self.refuse(
            range.start,
            format!(
                "{quoted} names `{name}` at run time, and `{name}` will not exist any more: rewrite this code by \
                 hand for `{name}` {kept} (delete a `set_value` of it, use the value for a `value_of`), then rerun"
            ),
        );
    }
}

/// The bytes of each `flag_value!` call of flag `name` in `tokens` (path included), by the tokens alone:
/// `macros` are the names `flag_value!` goes by.
pub(super) fn value_calls(
    tokens: TokenStream,
    name: &str,
    macros: &BTreeSet<String>,
    index: &LineIndex,
    out: &mut Vec<Range<usize>>,
) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident)
                if macros.contains(&ident.to_string())
                    && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!') =>
            {
                let Some(TokenTree::Group(group)) = trees.get(i + 2) else {
                    continue;
                };
                let names_it = matches!(syntax::leading_flag_expr(group.stream()),
                    Ok(SynExpr::Flag(literal)) if literal.value() == name);
                if !names_it {
                    value_calls(group.stream(), name, macros, index, out);
                    continue;
                }
                // The path before the macro's name: `flag_runtime::flag_value!`, `::flag_runtime::flag_value!`.
                let mut first = i;
                while first >= 2
                    && matches!(&trees[first - 1], TokenTree::Punct(p) if p.as_char() == ':')
                    && matches!(&trees[first - 2], TokenTree::Punct(p) if p.as_char() == ':')
                {
                    first -= 2;
                    if first >= 1 && matches!(&trees[first - 1], TokenTree::Ident(_)) {
                        first -= 1;
                    } else {
                        break;
                    }
                }
                let start = index.offset(trees[first].span().start());
                let end = index.offset(group.span().end());
                out.push(start..end);
            }
            TokenTree::Group(group) => value_calls(group.stream(), name, macros, index, out),
            _ => {}
        }
    }
}
