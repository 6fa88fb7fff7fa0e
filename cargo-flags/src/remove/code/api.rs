//! Calls of the string API with the retired flag's name, and `variant!` of it: a statement that only forces
//! the state the code keeps is deleted, `is_enabled(..)` that must succeed becomes a `bool`, and everything
//! else is refused with its place and the way out (see the [parent module](super) for the exact rules).

use std::ops::Range;

use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::{Expr, ExprCall, Macro, Pat, Stmt};

use super::Rewriter;
use super::values::Place;
use crate::syntax::names::{MacroKind, Reads, VALUE_API};
use crate::syntax::{self, ApiCall};
use crate::text;

/// Whether `function` is one of the runtime's fns that read or choose a value flag's value by name.
pub(super) fn is_value_api(function: &str) -> bool {
    VALUE_API.contains(&function)
}

impl Rewriter<'_> {
    /// `call` as a call of one of the runtime's fns (the string API, or [`VALUE_API`]) whose first argument
    /// is the retired flag's name, by [`crate::syntax::names`]' rule.
    pub(super) fn flag_call(&self, call: &ExprCall) -> Option<ApiCall> {
        syntax::api_call_for(call, self.names, Reads::All)
            .filter(|found| found.name.value() == self.name)
    }

    pub(super) fn is_flag_macro(&self, mac: &Macro) -> bool {
        self.names.macro_kind(&mac.path) == Some(MacroKind::Flag)
    }

    /// Whether `expr` is `is_enabled("the flag")` followed by `.unwrap()`, `.expect(..)` or `?`: a `bool`.
    pub(super) fn is_enabled_call(&self, expr: &Expr) -> bool {
        if self.value.is_some() {
            // A value flag's string-API calls are all refused.
            return false;
        }
        let inner = match expr {
            Expr::Try(try_expr) => &*try_expr.expr,
            Expr::MethodCall(call) if is_unwrap(call) => &*call.receiver,
            _ => return false,
        };
        matches!(inner, Expr::Call(call) if self.flag_call(call)
            .is_some_and(|found| found.function == "is_enabled"))
    }

    pub(super) fn refuse_variant(&mut self, range: Range<usize>) {
        let quoted = self.quoted(range.clone());
        if self.value.is_some() {
            self.refuse(
                range.start,
                format!(
                    "{quoted} reads `{0}` as a flag with variants, but `{0}` is a value flag, whose variants choose \
                     among its values (the compiler rejects this call too): read it with `flag_value!(\"{0}\")`, \
                     or delete this use, then rerun",
                    self.name
                ),
            );
            return;
        }
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
    pub(super) fn refuse_call(&mut self, range: Range<usize>, function: &str, more: &str) {
        self.refuse_call_because(range, function, more, "here its result is used");
    }

    /// [`Self::refuse_call`], where `why` says why a call that sets, resets or overrides the flag cannot
    /// simply be deleted.
    pub(super) fn refuse_call_because(
        &mut self,
        range: Range<usize>,
        function: &str,
        more: &str,
        why: &str,
    ) {
        let quoted = self.quoted(range.clone());
        let state = crate::output::state(self.on);
        let name = self.name;
        if let Some(kept) = self.value {
            self.refuse(
                range.start,
                format!(
                    "{quoted} names `{name}` through the string API:{more} `{name}` is a value flag, and it will not \
                     exist any more: rewrite this code by hand for `{name}` always `{}` ({}), then rerun",
                    kept.name, kept.literal
                ),
            );
            return;
        }
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
    pub(super) fn api_statement(&mut self, stmt: &Stmt, rest: &[Stmt]) -> Option<()> {
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
        let found = self.flag_call(call)?;
        let call_range = self.range(call);
        if is_value_api(found.function) {
            self.refuse_value_api(call_range, Place::Code);
            return Some(());
        }
        if self.value.is_some() {
            self.refuse_call(call_range, found.function, "");
            return Some(());
        }
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
}

/// `.unwrap()` or `.expect(..)`.
pub(super) fn is_unwrap(call: &syn::ExprMethodCall) -> bool {
    (call.method == "unwrap" && call.args.is_empty())
        || (call.method == "expect" && call.args.len() == 1)
}

/// `expr` without the `.unwrap()`, `.expect(..)` and `?` that follow it, and without parentheses.
pub(super) fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Try(try_expr) => peel(&try_expr.expr),
        Expr::MethodCall(call) if is_unwrap(call) => peel(&call.receiver),
        Expr::Paren(paren) => peel(&paren.expr),
        other => other,
    }
}

/// What a `let` binds.
pub(super) enum Binding {
    /// `let _ = ..`.
    Wild,
    /// `let name = ..`, `let mut name: T = ..`.
    Name(String),
    /// Any other pattern, or a `let .. else`.
    Other,
}

pub(super) fn binding_of(pat: &Pat) -> Binding {
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
pub(super) fn mentions_ident(stmts: &[Stmt], name: &str) -> bool {
    let is_name = |token: &TokenTree| matches!(token, TokenTree::Ident(ident) if ident == name);
    stmts
        .iter()
        .any(|stmt| syntax::any_token(stmt.to_token_stream(), &is_name))
}
