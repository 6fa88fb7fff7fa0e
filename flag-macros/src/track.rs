//! What makes cargo rebuild a crate when its flags change.
//!
//! Stable proc macros cannot declare the files and variables they read. rustc does record, in the dep-info
//! file cargo reads, every file named by `include_bytes!` and every variable named by `option_env!` in the
//! crate's code; so the expansion carries an unnamed constant that mentions the manifest and each variable
//! (the technique of pest and clap). The constant is evaluated at compile time only and leaves nothing in
//! the binary.
//!
//! One such constant per crate is enough, so only the first use that can carry one emits it. Not every
//! position can: `const _` is not allowed among the items of an `impl` or a `trait`, and an attribute on a
//! `fn` cannot tell whether that fn is free or associated. [`ItemKind`](crate::item::ItemKind) says which
//! positions are safe; a fn that is kept carries it in its body instead.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use proc_macro2::TokenStream;
use quote::quote;

use flag_manifest::{ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY};

/// The variables a build reads; each is tracked.
pub const TRACKED_VARIABLES: [&str; 4] = [ENV_MANIFEST, ENV_PROFILE, ENV_OVERRIDES, ENV_TODAY];

static TRACKED_CRATES: Mutex<Option<HashSet<String>>> = Mutex::new(None);
static CATALOGUED_CRATES: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Whether this dynamic check should submit the crate's flag catalog to the runtime: true once per crate
/// compiled by this process. Dynamic checks stand in fn bodies and blocks, where the submission can always go.
pub fn claim_catalog() -> bool {
    let mut catalogued = CATALOGUED_CRATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    catalogued
        .get_or_insert_with(HashSet::new)
        .insert(crate_id())
}

/// Whether this use should emit the tracking constant: true once per crate compiled by this process.
/// Call it only where the constant can be emitted, since a `true` is used up.
pub fn claim() -> bool {
    let mut tracked = TRACKED_CRATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    tracked.get_or_insert_with(HashSet::new).insert(crate_id())
}

/// Whether the crate being compiled already carries the tracking constant.
pub fn claimed() -> bool {
    let tracked = TRACKED_CRATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    tracked
        .as_ref()
        .is_some_and(|tracked| tracked.contains(&crate_id()))
}

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
