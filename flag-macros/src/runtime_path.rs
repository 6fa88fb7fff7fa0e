//! The path generated code uses to reach the runtime: `::flag_runtime`, or the name a user gave it in
//! `Cargo.toml` (`flags = { package = "flag-runtime", ... }`), found by proc-macro-crate.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// `::flag_runtime` or `::renamed`. Inside flag-runtime's own tests, examples and doctests the crate is
/// also reached as `::flag_runtime`.
pub fn runtime_path() -> TokenStream {
    match crate_name("flag-runtime") {
        Ok(FoundCrate::Name(name)) => {
            let ident = Ident::new(&name, Span::call_site());
            quote!(::#ident)
        }
        Ok(FoundCrate::Itself) | Err(_) => quote!(::flag_runtime),
    }
}
