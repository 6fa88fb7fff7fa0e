//! The `#[feature_flag]` attribute and the `flag!` macro.
//!
//! Depend on `flag-runtime`, which re-exports both and documents them; this crate is its proc-macro half.
//! Each entry point below only hands its tokens to [`expand`], a plain module over `proc_macro2` that unit
//! tests call directly.

mod attr;
mod decide;
mod diagnostics;
mod expand;
mod expiry;
mod expr;
mod item;
mod load;
mod runtime_path;
mod track;

use proc_macro::TokenStream;

/// Keeps, removes or switches an item according to a flag expression. Documented in `flag-runtime`.
#[proc_macro_attribute]
pub fn feature_flag(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::feature_flag(args.into(), item.into()).into()
}

/// A flag expression's value as a `bool`. Documented in `flag-runtime`.
#[proc_macro]
pub fn flag(input: TokenStream) -> TokenStream {
    expand::flag(input.into()).into()
}
