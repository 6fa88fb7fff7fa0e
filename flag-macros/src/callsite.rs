//! The code that reaches the runtime for a dynamic check: a callsite `static` per flag read, the flag's
//! declaration as this build resolved it, and, once per crate, the crate's catalog of flags.
//!
//! See `flag_runtime::__private`: `Callsite` (the per-call-site cache) and `Catalog`/`FlagDecl` (what the
//! runtime learns of the program's flags at link time).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::decide::Check;
use crate::load::Build;
use crate::track;
use flag_manifest::{ENV_OVERRIDES, Mode, Source, rules_to_toml};

/// The boolean expression that reads the dynamic flags of `check`, for everyone (`context` is `None`) or for
/// the `&Context` bound to `context`.
pub fn check(
    check: &Check,
    build: &Build,
    runtime: &TokenStream,
    context: Option<&Ident>,
) -> TokenStream {
    match check {
        Check::Flag { index, span, .. } => {
            let (statics, callsite) = callsite(build, *index, *span, runtime);
            let read = match context {
                Some(context) => quote_spanned!(*span=> #callsite.is_enabled_in(#context)),
                None => quote_spanned!(*span=> #callsite.is_enabled()),
            };
            quote_spanned!(*span=> { #statics #read })
        }
        Check::Not(inner) => {
            let inner = self::check(inner, build, runtime, context);
            quote!((!#inner))
        }
        Check::All(operands) => {
            let operands = operands
                .iter()
                .map(|c| self::check(c, build, runtime, context));
            quote!((#(#operands)&&*))
        }
        Check::Any(operands) => {
            let operands = operands
                .iter()
                .map(|c| self::check(c, build, runtime, context));
            quote!((#(#operands)||*))
        }
    }
}

/// The items declaring one callsite of the flag at `index` (and the crate's catalog, the first time in a
/// crate), and the callsite's name. A callsite carries only the flag's name and compiled-in state: the rest
/// is in the catalog, emitted once per crate, so that a check costs little to type-check and evaluate.
pub fn callsite(
    build: &Build,
    index: usize,
    span: Span,
    runtime: &TokenStream,
) -> (TokenStream, Ident) {
    let catalog = track::claim_catalog().then(|| {
        let decls = (0..build.manifest.flags.len()).map(|i| flag_decl(build, i, runtime));
        quote! {
            #runtime::__private::inventory::submit! {
                #runtime::__private::Catalog { flags: &[#(#decls),*] }
            }
        }
    });
    let name = &build.manifest.flags[index].name;
    let default = build.resolution.states[index].enabled;
    let callsite = format_ident!("__FLAG_CALLSITE", span = Span::mixed_site());
    let statics = quote_spanned! {span=>
        #catalog
        static #callsite: #runtime::__private::Callsite = #runtime::__private::Callsite::new(#name, #default);
    };
    (statics, callsite)
}

/// The flag at `index` as this build resolved it, as a `FlagDecl` constant.
fn flag_decl(build: &Build, index: usize, runtime: &TokenStream) -> TokenStream {
    let flag = &build.manifest.flags[index];
    let state = &build.resolution.states[index];
    let name = &flag.name;
    let dynamic = flag.mode == Mode::Dynamic;
    let default = state.enabled;
    let source = match &state.source {
        Source::Override => format!("{ENV_OVERRIDES} at build time"),
        other => other.to_string(),
    };
    let option = |value: Option<String>| match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let description = option(flag.description.clone());
    let owner = option(flag.owner.clone());
    let expires = option(flag.expires.map(|date| date.to_string()));
    let requires = &flag.requires;
    let requirements = flag.requirements.iter().map(|requirement| {
        let required = &requirement.flag;
        let enabled = requirement.enabled;
        let variants = &requirement.variants;
        quote! {
            #runtime::__private::RequirementDecl { flag: #required, enabled: #enabled, variants: &[#(#variants),*] }
        }
    });
    let targeting = if flag.targeting.is_empty() {
        String::new()
    } else {
        rules_to_toml(flag)
    };
    let variants = flag.targeting.variant_names();
    quote! {
        #runtime::__private::FlagDecl {
            name: #name,
            dynamic: #dynamic,
            default: #default,
            source: #source,
            description: #description,
            owner: #owner,
            expires: #expires,
            requires: &[#(#requires),*],
            requirements: &[#(#requirements),*],
            targeting: #targeting,
            variants: &[#(#variants),*],
        }
    }
}
