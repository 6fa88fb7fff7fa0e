//! What every crate that uses a flag macro carries once: what makes cargo rebuild it when its flags change,
//! and the catalog that tells the runtime every flag of its manifest.
//!
//! **Rebuilds.** Stable proc macros cannot declare the files and variables they read. rustc does record, in
//! the dep-info file cargo reads, every file named by `include_bytes!` and every variable named by
//! `option_env!` in the crate's code; so the expansion carries an unnamed constant that mentions the manifest
//! and each variable (the technique of pest and clap). The constant is evaluated at compile time only and
//! leaves nothing in the binary.
//!
//! **The catalog.** The runtime learns a crate's flags from the `Catalog` the crate submits at link time
//! (see [`callsite::catalog`](crate::callsite::catalog)), so that `set`, `is_enabled` and `flags()` know
//! every flag of the manifest before any check runs. Every kind of use carries it, static ones included
//! (`#[feature_flag]`, `flag!`, `variant!`, `flag_variants!()`): a program that uses any flag macro knows
//! every flag of its manifests.
//!
//! **Once per crate, implicitly.** Both go with the first use in the crate that can hold an item: `const _`
//! and `inventory::submit!` are not allowed among the items of an `impl` or a `trait`, and an attribute on a
//! `fn` cannot tell whether that fn is free or associated. [`ItemKind`](crate::item::ItemKind) says which
//! positions are safe; a fn that is kept carries them in its body, `flag!` and `variant!` in their block.
//! The one gap: a crate whose only uses are removed associated fns, consts or type aliases carries neither.
//!
//! We weighed an explicit crate-root declaration (`flag_runtime::catalog!()`, say) that would emit both,
//! making each expansion depend only on its own input. We chose the implicit claim because a declaration
//! only removes the precondition if every expansion checks that it is there, and no check works everywhere:
//! a `crate::` path does not name a doc test's items (rustdoc wraps them in `fn main`, and merged doc tests
//! in a module of their own), a macro in textual scope must come before every `mod`, and each would turn the
//! missing line into an error in every existing crate and doc example. Emitting the catalog from every
//! expansion instead would be order-free but cost a copy of the catalog and a constructor per call site.
//! So which expansion carries the extras depends on the order rustc expands them in, but the result does
//! not: each crate compiled by a process gets exactly one catalog and one tracking constant, provided it
//! has one use that can hold them. The claim is keyed by the crate's directory and name (rust-analyzer
//! compiles many crates in one process), and costs a lock per use; in rustc, which compiles one crate per
//! process (see [`session`](crate::session)), it is one flag. A dynamic check stays one relaxed load.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use proc_macro2::TokenStream;
use quote::quote;

use crate::session;
use flag_manifest::{ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY};

/// The variables a build reads; each is tracked.
pub const TRACKED_VARIABLES: [&str; 4] = [ENV_MANIFEST, ENV_PROFILE, ENV_OVERRIDES, ENV_TODAY];

static TRACKED_CRATES: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// In rustc, which compiles one crate per process (see [`session`]): whether that crate is claimed.
static CLAIMED_IN_RUSTC: AtomicBool = AtomicBool::new(false);

/// Whether this use should emit the crate's tracking constant and catalog: true once per crate compiled by
/// this process. Call it only where an item can be emitted, since a `true` is used up.
pub fn claim() -> bool {
    if session::in_rustc() {
        return !CLAIMED_IN_RUSTC.swap(true, Ordering::Relaxed);
    }
    let mut tracked = TRACKED_CRATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    tracked.get_or_insert_with(HashSet::new).insert(crate_id())
}

/// Whether the crate being compiled already carries the tracking constant and the catalog.
pub fn claimed() -> bool {
    if session::in_rustc() {
        return CLAIMED_IN_RUSTC.load(Ordering::Relaxed);
    }
    let tracked = TRACKED_CRATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    tracked
        .as_ref()
        .is_some_and(|tracked| tracked.contains(&crate_id()))
}

/// The crate being compiled: its directory and name.
fn crate_id() -> String {
    format!(
        "{}\u{0}{}",
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default(),
        std::env::var("CARGO_CRATE_NAME").unwrap_or_default()
    )
}

/// Statements that make rustc record the manifest and the variables as inputs of the crate.
pub fn statements(manifest: Option<&Path>) -> TokenStream {
    let file = manifest.map(|path| {
        let path = path.to_string_lossy();
        quote! { let _ = ::core::include_bytes!(#path); }
    });
    let variables = TRACKED_VARIABLES
        .iter()
        .map(|name| quote! { let _ = ::core::option_env!(#name); });
    quote! { #file #(#variables)* }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_file_and_every_variable() {
        let tokens = statements(Some(Path::new("/ws/flags.toml"))).to_string();
        assert!(
            tokens.contains(r#"include_bytes ! ("/ws/flags.toml")"#),
            "{tokens}"
        );
        for name in TRACKED_VARIABLES {
            assert!(
                tokens.contains(&format!("option_env ! (\"{name}\")")),
                "{tokens}"
            );
        }
        assert!(!statements(None).to_string().contains("include_bytes"));
    }
}
