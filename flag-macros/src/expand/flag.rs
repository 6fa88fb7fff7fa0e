//! `flag!(EXPR)` and `flag!(EXPR, &ctx)`: parse, decide the expression under the build, then write a `bool`:
//! a literal where the build decides it, a read of the dynamic flags' slots (see
//! [`callsite`](crate::callsite)) where only run time can.

use std::sync::Arc;

use proc_macro2::TokenStream;
use quote::quote;

use super::extras::Extras;
use super::{bind_context, build_for_use};
use crate::callsite;
use crate::decide::{Decision, decide, undecided};
use crate::diagnostics::Errors;
use crate::load::Build;
use crate::runtime_path::runtime_path;
use flag_syntax::{FlagCall, FlagExpr};

/// `flag!(expr)` and `flag!(expr, &ctx)`.
pub fn flag(input: TokenStream) -> TokenStream {
    let FlagCall { expr, context } = match FlagCall::from_tokens(input) {
        Ok(call) => call,
        Err(error) => return false_with(error.into_compile_error()),
    };
    match build_for_use() {
        (Some(build), load_errors) if load_errors.is_empty() => decided_flag(expr, context, &build),
        (Some(build), load_errors) => {
            let value = decided_flag(expr, context, &build);
            quote!({ #load_errors #value })
        }
        (None, load_errors) => value_with(load_errors, undecided(&expr), context.as_ref()),
    }
}

/// `flag!` once a build can decide the expression.
fn decided_flag(expr: FlagExpr, context: Option<syn::Expr>, build: &Arc<Build>) -> TokenStream {
    let mut errors = Errors::default();
    let decision = decide(&expr, build, &mut errors);
    let extras = Extras::new(&expr, build, &mut errors);
    if !errors.is_empty() {
        let on = decision != Decision::Known(false);
        return value_with(errors.into_compile_errors(), on, context.as_ref());
    }
    let extras = extras.take();
    match (decision, context) {
        (Decision::Known(on), None) if extras.is_empty() => quote!(#on),
        (Decision::Known(on), None) => quote!({ #extras #on }),
        (Decision::Runtime(check), None) => {
            let check = callsite::check(&check, build, &runtime_path(), None);
            // The read alone, an expression already (a call, or parenthesised), when nothing goes with it.
            if extras.is_empty() {
                check
            } else {
                quote!({ #extras #check })
            }
        }
        (decision, Some(context)) => {
            // The context is evaluated once, and type-checked even where only static flags are read.
            let runtime = runtime_path();
            let (bound, binding) = bind_context(&context, &runtime);
            let value = match decision {
                Decision::Known(on) => quote!(#on),
                Decision::Runtime(check) => callsite::check(&check, build, &runtime, Some(&bound)),
            };
            quote!({ #extras #binding #value })
        }
    }
}

fn false_with(errors: TokenStream) -> TokenStream {
    quote!({ #errors false })
}

/// `flag!` when the build could not decide it: a plain `bool` after the errors, with the context (if any)
/// type-checked as it would be.
fn value_with(errors: TokenStream, on: bool, context: Option<&syn::Expr>) -> TokenStream {
    let Some(context) = context else {
        return if errors.is_empty() {
            quote!(#on)
        } else {
            quote!({ #errors #on })
        };
    };
    let (_, binding) = bind_context(context, &runtime_path());
    quote!({ #errors #binding #on })
}
