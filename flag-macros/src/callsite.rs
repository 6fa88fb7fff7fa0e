//! The code that reaches the runtime for a dynamic check: a call that reads the flag's slot in the runtime's
//! table, and, once per crate, the crate's catalog of flags.
//!
//! See `flag_runtime::__private`: `is_enabled`, `is_enabled_in` and `variant_in` (the checks, which cache a
//! flag's state in its slot) and `Catalog`/`FlagDecl` (what the runtime learns of the program's flags at link
//! time). A check is a plain call with constant arguments, not an item: a `static` per check cost the
//! compiler more than the code it guarded (see `flag_manifest::slots`).

use std::sync::{Arc, Mutex, PoisonError};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::decide::Check;
use crate::load::Build;
use crate::track;
use flag_manifest::slots::{assign_slots, slot_tag};
use flag_manifest::{ENV_OVERRIDES, Mode, Source, rules_to_toml};

/// The boolean expression that reads the dynamic flags of `check`, for everyone (`context` is `None`) or for
/// the `&Context` bound to `context`.
pub fn check(
    check: &Check,
    build: &Arc<Build>,
    runtime: &TokenStream,
    context: Option<&Ident>,
) -> TokenStream {
    match check {
        Check::Flag { index, span, .. } => {
            let (catalog, site) = callsite(build, *index, *span, runtime);
            let read = match context {
                Some(context) => {
                    quote_spanned!(*span=> #runtime::__private::is_enabled_in(#site, #context))
                }
                None => quote_spanned!(*span=> #runtime::__private::is_enabled(#site)),
            };
            if catalog.is_empty() {
                read
            } else {
                quote_spanned!(*span=> { #catalog #read })
            }
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

/// For one check of the flag at `index`: the crate's catalog the first time in a crate (else nothing), and
/// the check's arguments `slot, tag, "name", default`. The rest of what the runtime knows of a flag is in
/// the catalog, emitted once per crate, so that a check costs little to type-check and evaluate.
pub fn callsite(
    build: &Arc<Build>,
    index: usize,
    span: Span,
    runtime: &TokenStream,
) -> (TokenStream, TokenStream) {
    let catalog = if track::claim_catalog() {
        let decls = (0..build.manifest.flags.len()).map(|i| flag_decl(build, i, runtime));
        quote! {
            #runtime::__private::inventory::submit! {
                #runtime::__private::Catalog { flags: &[#(#decls),*] }
            }
        }
    } else {
        TokenStream::new()
    };
    let name = &build.manifest.flags[index].name;
    let default = build.resolution.states[index].enabled;
    let slot = slot_of(build, index);
    let tag = slot_tag(name);
    let site = quote_spanned!(span=> #slot, #tag, #name, #default);
    (catalog, site)
}

/// The slots of one build's dynamic flags, by flag index, computed once per build rather than once per
/// check, so that a check's cost does not grow with the manifest's size.
type SlotTable = (Arc<Build>, Vec<Option<usize>>);

static SLOTS: Mutex<Option<SlotTable>> = Mutex::new(None);

/// The slot of the flag at `index` (a dynamic flag) in `build`.
fn slot_of(build: &Arc<Build>, index: usize) -> usize {
    let mut cache = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    let fresh = match &*cache {
        Some((cached, _)) => !Arc::ptr_eq(cached, build),
        None => true,
    };
    if fresh {
        let flags = &build.manifest.flags;
        let dynamic: Vec<usize> = (0..flags.len())
            .filter(|&i| flags[i].mode == Mode::Dynamic)
            .collect();
        let assigned = assign_slots(dynamic.iter().map(|&i| flags[i].name.as_str()));
        let mut slots = vec![None; flags.len()];
        for (i, slot) in dynamic.into_iter().zip(assigned) {
            slots[i] = Some(slot);
        }
        *cache = Some((Arc::clone(build), slots));
    }
    let slots = cache.as_ref().map(|(_, slots)| slots);
    // A flag that resolved as dynamic is dynamic in its manifest; slot 0 is only a guard against a mismatch,
    // and stays correct (the tag protects it).
    slots.and_then(|slots| slots[index]).unwrap_or(0)
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
