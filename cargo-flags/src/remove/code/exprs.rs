//! Expressions: `flag!` of the retired flag folded to `true`, `false` or a simplified `flag!`, through the
//! `!`, `&&`, `||` and parentheses around it, and the same in the tokens of macro calls that do not parse as
//! code, found token by token; that token walk hands every other kind it finds there (`#[feature_flag]`,
//! `variant!`, `flag_value!`, the runtime's calls) to the code that handles it.

use std::ops::Range;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{BinOp, Expr, Macro, UnOp};

use super::api::is_value_api;
use super::items::fn_name;
use super::values::Place;
use super::{Fold, Rewriter};
use crate::expr::{SynAttrArgs, SynExpr};
use crate::syntax::names::{MacroKind, Reads};
use crate::syntax::{self, HitKind};
use crate::text;

impl Rewriter<'_> {
    /// Folds a boolean expression where the flag may appear: `flag!`, `!`, `&&`, `||`, parentheses.
    pub(super) fn fold(&mut self, expr: &Expr) -> Fold {
        if let Some(on) = self.boolean_value(expr) {
            return Fold::Const(on);
        }
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

    /// Folds `flag!` (`mac`, at `range`); a `flag_value!` of the retired flag in its context is inlined
    /// where the call stays, and refused where the call is rewritten as a whole around it.
    pub(super) fn fold_flag(&mut self, mac: &Macro, range: Range<usize>) -> Fold {
        let call = match syn::parse2::<flag_syntax::FlagCall>(mac.tokens.clone()) {
            Ok(call) => call,
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
        let fold = self.fold_flag_expr(call.expr, range.clone());
        if let Some(context) = &call.context {
            match fold {
                Fold::Same => {
                    let ((), edits) = self.capture(|this| this.visit_expr(context));
                    if !edits.is_empty() {
                        return Fold::Text(self.render(range, &edits), true);
                    }
                }
                // The call is gone, and its context with it.
                Fold::Const(_) => {}
                Fold::Text(_, _) => {
                    if syntax::mentions_literal(&context.to_token_stream(), self.name) {
                        let quoted = self.quoted(range.clone());
                        self.refuse(
                            range.start,
                            format!(
                                "{quoted} reads `{0}` in its flag expression and in its context, and cargo flags \
                                 rewrites only the expression: rewrite the context by hand, then rerun",
                                self.name
                            ),
                        );
                    }
                }
            }
        }
        fold
    }

    pub(super) fn fold_flag_expr(&mut self, parsed: SynExpr, range: Range<usize>) -> Fold {
        let expr_range = crate::expr::range(&parsed, self.index);
        match self.simplify(&parsed, range.clone()) {
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

    pub(super) fn fold_edit(&mut self, expr: &Expr) {
        let range = self.range(expr);
        match self.fold(expr) {
            Fold::Same => {}
            Fold::Const(value) => self.edit(range, value.to_string()),
            Fold::Text(new, _) => self.edit(range, new),
        }
    }

    /// The runtime's macros, attributes and calls in `tokens`, which do not parse as code, found token by
    /// token ([`Reads::All`], as the scan reads them): each handled as its kind is in code, or refused
    /// where that cannot be done by the tokens alone.
    pub(super) fn token_hits(&mut self, tokens: TokenStream) {
        for hit in syntax::token_hits_for(tokens, self.index, self.names, Reads::All) {
            match hit.kind {
                HitKind::Macro(MacroKind::Variant) => {
                    match syntax::leading_flag_expr(hit.args.clone()) {
                        Ok(SynExpr::Flag(literal)) if literal.value() != self.name => {
                            // Another flag's variant, whose context may read this one's value.
                            self.token_hits(hit.args);
                        }
                        _ if syntax::mentions_literal(&hit.args, self.name) => {
                            self.refuse_variant(hit.range)
                        }
                        _ => {}
                    }
                }
                HitKind::Macro(MacroKind::Value) => {
                    self.inline_value(&hit.args, hit.range, Place::Tokens)
                }
                HitKind::Macro(MacroKind::Flag) => {
                    if let Ok(parsed) = syntax::leading_flag_expr(hit.args.clone()) {
                        match self.fold_flag_expr(parsed, hit.range.clone()) {
                            // Its context may read this flag's value.
                            Fold::Same => self.token_hits(hit.args),
                            Fold::Const(value) => self.edit(hit.range, value.to_string()),
                            Fold::Text(new, _) => self.edit(hit.range, new),
                        }
                    }
                }
                HitKind::Call(function) => {
                    let Some(call) = syntax::api_call_tokens(function, hit.args) else {
                        continue;
                    };
                    if call.name.value() != self.name {
                        continue;
                    }
                    if is_value_api(function) {
                        self.refuse_value_api(hit.range, Place::Tokens);
                    } else {
                        self.refuse_call(
                            hit.range,
                            function,
                            " It stands in the tokens of a macro call that cannot be read as Rust code.",
                        );
                    }
                }
                HitKind::Attribute => self.token_attribute(hit.args, hit.range),
            }
        }
    }

    /// A `#[feature_flag(..)]` (its arguments `args`, the attribute `range`) in tokens that are not code.
    fn token_attribute(&mut self, args: TokenStream, range: Range<usize>) {
        let Ok(args) = syn::parse2::<SynAttrArgs>(args) else {
            return;
        };
        let expr_range = crate::expr::range(&args.expr, self.index);
        let quoted = self.quoted(range.clone());
        match self.simplify(&args.expr, range.clone()) {
            crate::expr::Simplified::Same => {}
            crate::expr::Simplified::Const(true) => {
                let deletion = text::deletion_range(self.text, range.clone());
                self.edit(deletion, "");
                self.change(range.start, format!("removed {quoted} in a macro's tokens"));
                if let Some((_, path)) = &args.fallback {
                    let path_text = syntax::one_line(self.source(self.range(path)));
                    self.out.dropped_fallbacks.push((path_text, fn_name(path)));
                }
            }
            crate::expr::Simplified::Const(false) => self.refuse(
                range.start,
                format!(
                    "{quoted} stands in the tokens of a macro call that cannot be read as Rust code, so \
                     the extent of the item it gates is unknown: delete that item and the attribute by \
                     hand, then rerun"
                ),
            ),
            crate::expr::Simplified::Changed(new) => {
                self.change(range.start, format!("{quoted}: expression -> {new}"));
                self.edit(expr_range, new);
            }
        }
    }
}

/// Whether `expr` can stand where an `if` expression stood, or as an operand of `!`, without parentheses.
pub(super) fn is_operand(expr: &Expr) -> bool {
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
pub(super) fn is_pure(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Macro(call) => syntax::is_flag_macro(&call.mac),
        Expr::Field(field) => is_pure(&field.base),
        Expr::Paren(paren) => is_pure(&paren.expr),
        Expr::Unary(unary) => matches!(unary.op, UnOp::Not(_)) && is_pure(&unary.expr),
        _ => false,
    }
}
