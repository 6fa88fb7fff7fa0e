//! `#[feature_flag(EXPR, fallback = path)] item`: parse the arguments and classify the item, decide the
//! condition under the build, then keep the item, remove it, or hand a fn to [`fallback`](super::fallback)
//! for a rewrite.
//!
//! Static decisions keep or drop the item's tokens untouched, as `#[cfg]` would; a documented item that is
//! kept gets a note saying which flag guards it.

use std::sync::Arc;

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use super::extras::Extras;
use super::fallback::{rewrite_fn, runtime_switch, static_fallback};
use super::{build_for_use, with_errors};
use crate::decide::{Decision, decide, undecided};
use crate::diagnostics::Errors;
use crate::item::{self, ItemKind, classify_tokens, prepend};
use crate::load::Build;
use flag_syntax::AttrArgs;

/// `#[feature_flag(args)] item`.
pub fn feature_flag(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = match AttrArgs::from_tokens(args) {
        Ok(args) => args,
        Err(error) => return with_errors(item, error.into_compile_error()),
    };
    // Only a fallback needs the item read before the decision; otherwise it is read only if the decision
    // needs it (see `decided_item`).
    let classified = args.fallback.as_ref().map(|_| classify(&item));
    if let (Some((key, _)), Some((_, kind))) = (&args.fallback, &classified)
        && *kind != ItemKind::Fn
    {
        let message = format!(
            "`fallback` applies only to a fn with a body, not to {}: remove it, or gate the item with \
             `not(..)` on a second definition",
            kind.describe()
        );
        return with_errors(
            item,
            syn::Error::new(key.span(), message).into_compile_error(),
        );
    }
    let keep_undecided = |on: bool| on || args.fallback.is_some();
    match build_for_use() {
        (Some(build), load_errors) if load_errors.is_empty() => {
            decided_item(item, classified, &args, &build, keep_undecided)
        }
        (Some(build), load_errors) => {
            let item = decided_item(item, classified, &args, &build, keep_undecided);
            with_errors(item, load_errors)
        }
        (None, load_errors) => {
            let keep = keep_undecided(undecided(&args.expr));
            undecided_item(item, keep, load_errors)
        }
    }
}

/// The item's trees, taken out of the compiler (a walk over all of them, which proc macros pay unoptimised
/// in dev builds), and its kind.
fn classify(item: &TokenStream) -> (Vec<TokenTree>, ItemKind) {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let kind = classify_tokens(&tokens);
    (tokens, kind)
}

/// `#[feature_flag]` once a build can decide the condition. `classified` is the item read (see [`classify`])
/// when it already was; a static decision without a fallback reads it only when something must be added
/// to it (the crate's extras, a doc note), and otherwise keeps or drops the item's tokens unread.
fn decided_item(
    item: TokenStream,
    classified: Option<(Vec<TokenTree>, ItemKind)>,
    args: &AttrArgs,
    build: &Arc<Build>,
    keep_undecided: impl Fn(bool) -> bool,
) -> TokenStream {
    let mut errors = Errors::default();
    let decision = decide(&args.expr, build, &mut errors);
    let extras = Extras::new(&args.expr, build, &mut errors);
    if !errors.is_empty() {
        // An unknown flag counts as on; a dynamic condition keeps the item, as its switch would.
        let keep = keep_undecided(decision != Decision::Known(false));
        return undecided_item(item, keep, errors.into_compile_errors());
    }
    // Built only for a documented item.
    let known = match &decision {
        Decision::Known(on) => Some(*on),
        Decision::Runtime(_) => None,
    };
    let note = || doc_note(args, known);
    let adds_nothing = !extras.pending() && !item::notes_wanted();
    match decision {
        Decision::Known(on) => match &args.fallback {
            None if on && adds_nothing => item,
            None if on => {
                let (_, kind) = classified.unwrap_or_else(|| classify(&item));
                keep(item::with_doc_note(item, kind, note), kind, &extras)
            }
            None if !extras.pending() => TokenStream::new(),
            None => {
                let (_, kind) = classified.unwrap_or_else(|| classify(&item));
                remove(kind, &extras)
            }
            Some((key, path)) => {
                let (tokens, _) = classified.unwrap_or_else(|| classify(&item));
                rewrite_fn(item, tokens, on, &note, |parts, errors| {
                    static_fallback(parts, key, path, on, &extras, errors)
                })
            }
        },
        Decision::Runtime(check) => {
            let (tokens, kind) = classified.unwrap_or_else(|| classify(&item));
            if kind != ItemKind::Fn {
                let (name, span) = check.first_flag();
                let message = format!(
                    "flag `{name}` is dynamic (decided at run time), and {} cannot be switched at run time: \
                     make the flag `mode = \"static\"`, or gate a fn (with `fallback = ..` when it returns \
                     a value), or test `flag!(\"{name}\")` in code",
                    kind.describe()
                );
                return with_errors(item, syn::Error::new(span, message).into_compile_error());
            }
            rewrite_fn(item, tokens, true, &note, |parts, errors| {
                runtime_switch(parts, &args.fallback, &check, build, &extras, errors)
            })
        }
    }
}

/// The paragraph added to a documented item's rustdoc: which flag guards it and what runs when it is off.
/// `known` is the build's state of the condition, `None` when it is decided at run time.
fn doc_note(args: &AttrArgs, known: Option<bool>) -> String {
    let expr = &args.expr;
    let fallback = args
        .fallback
        .as_ref()
        .map(|(_, path)| quote!(#path).to_string().replace(' ', ""));
    match (known, fallback) {
        (Some(true), None) => {
            format!("Compiled in: feature flag `{expr}` is on in this build.")
        }
        (Some(true), Some(path)) => {
            format!("Compiled in: feature flag `{expr}` is on in this build (`{path}` when off).")
        }
        (Some(false), Some(path)) => {
            format!("Feature flag `{expr}` is off in this build: calls `{path}` instead.")
        }
        (Some(false), None) => String::new(),
        (None, Some(path)) => {
            format!(
                "Switched at run time by feature flag `{expr}`: calls `{path}` while it is off."
            )
        }
        (None, None) => {
            format!("Switched at run time by feature flag `{expr}`: does nothing while it is off.")
        }
    }
}

/// An item whose condition the build could not decide, or decided with errors, next to those errors: kept as
/// written where the condition is taken to be on (see [`undecided`]) and removed elsewhere, so that of two
/// alternative definitions exactly one remains and the crate shows only the real error.
fn undecided_item(item: TokenStream, keep: bool, errors: TokenStream) -> TokenStream {
    if keep {
        with_errors(item, errors)
    } else {
        errors
    }
}

/// An item whose condition is on: unchanged, plus the extras where they can go.
fn keep(item: TokenStream, kind: ItemKind, extras: &Extras) -> TokenStream {
    match kind {
        ItemKind::FreeOnly(_) => {
            let extras = extras.take();
            quote!(#item #extras)
        }
        ItemKind::Fn if extras.pending() => match item::split_fn(item.clone()) {
            Ok(mut parts) => {
                parts.body = prepend(&parts.body, extras.take());
                parts.into_tokens()
            }
            Err(_) => item,
        },
        _ => item,
    }
}

/// An item whose condition is off: nothing, or the extras alone where they can go.
fn remove(kind: ItemKind, extras: &Extras) -> TokenStream {
    match kind {
        ItemKind::FreeOnly(_) => extras.take(),
        _ => TokenStream::new(),
    }
}
