//! A retired value flag's `flag_value!("x")` and `flag_value!("x", &ctx)` replaced by the kept value as a
//! Rust literal, in code and in the tokens of macro calls that do not parse as code; its run-time reads and
//! writes by name (`value_of`, `set_value`) refused, since the flag will not exist any more.
//!
//! Which macro is `flag_value!` and which call is the runtime's `value_of` or `set_value` is
//! [`crate::syntax::names`]' rule, as for the scan: a bare `value_of("x")` counts only where the file
//! imports it from the runtime.
//!
//! The context of `flag_value!("x", &ctx)` goes with the call, as it does for `flag!("x", &ctx)`: it only
//! chose among the values. A negative number gets parentheses where it is the operand of a method call,
//! a field, an index, `?` or a unary operator (`(-5_i64).abs()`, not `-5_i64.abs()`, which is `-(5.abs())`).

use std::ops::Range;

use proc_macro2::TokenStream;
use syn::Expr;
use syn::visit::Visit;

use super::Rewriter;
use crate::expr::{Simplified, SynExpr};
use crate::syntax;
use crate::syntax::names::MacroKind;

/// Where a `flag_value!` or a call stands: in code, or in the tokens of a macro call that do not parse as
/// code (a `macro_rules!` body).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Code,
    Tokens,
}

impl Rewriter<'_> {
    /// Whether `expr` is `flag_value!` of the retired flag.
    fn is_retired_value(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Macro(call)
            if self.names.macro_kind(&call.mac.path) == Some(MacroKind::Value)
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

    /// Replaces a `flag_value!` of the retired flag at `range`, whose arguments are `tokens`, with the kept
    /// value; refuses it when it decodes the value as a type, when it cannot be read, or when the flag kept
    /// is an on/off flag (the compiler refuses that call too). In tokens that are not code, the arguments
    /// are read up to the first comma (`flag_value!("x", $ctx)`).
    pub(super) fn inline_value(&mut self, tokens: &TokenStream, range: Range<usize>, place: Place) {
        match syn::parse2::<flag_syntax::ValueCall>(tokens.clone()) {
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
                return;
            }
            Ok(call) if call.name.value() == self.name => {
                if let Some(context) = &call.context {
                    let at = self.range(context).start;
                    self.out.dropped_contexts.push(at);
                }
                return self.replace_value(range, place);
            }
            Ok(call) => {
                // Another flag's value, whose context may read this one's.
                match (place, &call.context) {
                    (Place::Code, Some(context)) => self.visit_expr(context),
                    (Place::Tokens, _) => self.token_hits(tokens.clone()),
                    (Place::Code, None) => {}
                }
                return;
            }
            Err(_) => {}
        }
        if place == Place::Tokens
            && let Ok(SynExpr::Flag(literal)) = syntax::leading_flag_expr(tokens.clone())
        {
            if literal.value() == self.name {
                self.replace_value(range, place);
            } else {
                self.token_hits(tokens.clone());
            }
            return;
        }
        if !syntax::mentions_literal(tokens, self.name) {
            return;
        }
        let quoted = self.quoted(range.clone());
        let why = match place {
            Place::Code => format!(
                "cannot read {quoted}: `flag_value!` takes one flag's name, an optional type and an optional \
                 context (`flag_value!(\"{}\", &ctx)`); fix it (the compiler rejects it too), then rerun",
                self.name
            ),
            Place::Tokens => format!(
                "cannot read {quoted}, which stands in the tokens of a macro call that cannot be read as Rust \
                 code: rewrite it by hand for `{}` always {}, then rerun",
                self.name,
                self.value.map_or("on or off".to_owned(), |kept| format!(
                    "`{}` ({})",
                    kept.name, kept.literal
                ))
            ),
        };
        self.refuse(range.start, why);
    }

    /// Writes the kept value over `range`, a `flag_value!` of the retired flag; in tokens that are not code,
    /// a negative value always gets parentheses.
    fn replace_value(&mut self, range: Range<usize>, place: Place) {
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
        let parenthesised = place == Place::Tokens || self.operands.contains(&range.start);
        let literal = if kept.literal.starts_with('-') && parenthesised {
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

    /// Refuses the call at `range`, a `value_of("x")` or `set_value("x", ..)` of the retired flag (one of
    /// [`VALUE_API`](crate::syntax::names::VALUE_API)): it names a flag that will not exist any more.
    pub(super) fn refuse_value_api(&mut self, range: Range<usize>, place: Place) {
        let quoted = self.quoted(range.clone());
        let name = self.name;
        let kept = match self.value {
            Some(kept) => format!("always `{}` ({})", kept.name, kept.literal),
            None => format!("always {}", crate::output::state(self.on)),
        };
        let place = match place {
            Place::Code => "",
            Place::Tokens => " (in the tokens of a macro call that cannot be read as Rust code)",
        };
        self.refuse(
            range.start,
            format!(
                "{quoted} names `{name}` at run time{place}, and `{name}` will not exist any more: rewrite this \
                 code by hand for `{name}` {kept} (delete a `set_value` of it, use the value for a `value_of`), \
                 then rerun"
            ),
        );
    }
}
