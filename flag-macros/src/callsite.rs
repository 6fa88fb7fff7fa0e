//! The code that reaches the runtime: for a dynamic check, a call that reads the flag's slot in the runtime's
//! table; once per crate, the crate's catalog of flags (carried by the crate's first expansion that can
//! hold an item, whatever its kind; see [`track`](crate::track)).
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
use flag_manifest::packed::{PackedFlag, pack, values_to_toml};
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
            let site = callsite(build, *index, *span);
            match context {
                Some(context) => {
                    quote_spanned!(*span=> #runtime::__private::is_enabled_in(#site, #context))
                }
                None => quote_spanned!(*span=> #runtime::__private::is_enabled(#site)),
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

/// For one check of the flag at `index`, the check's arguments `slot, tag, "name", default`. The rest of what
/// the runtime knows of a flag is in the crate's [`catalog`], emitted once per crate, so that a check costs
/// little to type-check and evaluate.
pub fn callsite(build: &Arc<Build>, index: usize, span: Span) -> TokenStream {
    let name = &build.manifest.flags[index].name;
    let default = build.resolution.states[index].enabled;
    let slot = slot_of(build, index);
    let tag = slot_tag(name);
    quote_spanned!(span=> #slot, #tag, #name, #default)
}

/// The item that submits the crate's catalog (every flag of the manifest, as this build resolved it) to the
/// runtime at link time. Emitted once per crate, in an item position.
pub fn catalog(build: &Build, runtime: &TokenStream) -> TokenStream {
    let packed = packed_catalog(build);
    quote! {
        #runtime::__private::inventory::submit! {
            #runtime::__private::Catalog { packed: #packed }
        }
    }
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

/// Every flag of the manifest as this build resolved it, packed into one string (see
/// `flag_manifest::packed`).
fn packed_catalog(build: &Build) -> String {
    let sources: Vec<String> = build
        .resolution
        .states
        .iter()
        .map(|state| match &state.source {
            Source::Override => format!("{ENV_OVERRIDES} at build time"),
            other => other.to_string(),
        })
        .collect();
    let expiries: Vec<Option<String>> = build
        .manifest
        .flags
        .iter()
        .map(|flag| flag.expires.map(|date| date.to_string()))
        .collect();
    let targetings: Vec<String> = build
        .manifest
        .flags
        .iter()
        .map(|flag| {
            if flag.targeting.is_empty() {
                String::new()
            } else {
                rules_to_toml(flag)
            }
        })
        .collect();
    let values: Vec<String> = build
        .manifest
        .flags
        .iter()
        .enumerate()
        .map(|(index, flag)| values_to_toml(flag, build.resolution.states[index].value))
        .collect();
    let flags: Vec<PackedFlag<'_>> = build
        .manifest
        .flags
        .iter()
        .enumerate()
        .map(|(index, flag)| PackedFlag {
            name: &flag.name,
            dynamic: flag.mode == Mode::Dynamic,
            default: build.resolution.states[index].enabled,
            source: &sources[index],
            description: flag.description.as_deref(),
            owner: flag.owner.as_deref(),
            expires: expiries[index].as_deref(),
            requirements: flag
                .requirements
                .iter()
                .map(|requirement| {
                    (
                        requirement.flag.as_str(),
                        requirement.enabled,
                        requirement.variants.iter().map(String::as_str).collect(),
                    )
                })
                .collect(),
            targeting: &targetings[index],
            variants: flag.targeting.variant_names(),
            values: &values[index],
        })
        .collect();
    pack(&flags)
}
