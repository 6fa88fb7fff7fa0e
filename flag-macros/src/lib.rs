//! The `#[feature_flag]` attribute and the `flag!` macro.
//!
//! Depend on `flag-runtime`, which re-exports both and documents them; this crate is its proc-macro half.
//! Each entry point below only hands its tokens to `expand`, a plain module over `proc_macro2` that unit
//! tests call directly.

mod callsite;
mod decide;
mod diagnostics;
mod expand;
mod expiry;
mod item;
mod load;
#[cfg(test)]
mod proptests;
mod runtime_path;
mod session;
mod signature;
#[cfg(test)]
mod token_text;
mod track;
mod trees;
mod variants;

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

/// A value flag's value, typed: `flag_value!("name")` and `flag_value!("name", &ctx)` give the Rust type of
/// the flag's declared `type` (for a dynamic boolean, or an integer whose values fit in `i32`, one load of
/// the value's bits); `flag_value!("name": Type)` and `flag_value!("name": Type, &ctx)` decode an object
/// flag as any serde `Deserialize` type, as `Result<&'static Type, flag_runtime::Error>`, with
/// flag-runtime's `json` feature. Documented, with examples, in `flag-runtime`, which re-exports it.
#[proc_macro]
pub fn flag_value(input: TokenStream) -> TokenStream {
    expand::flag_value(input.into()).into()
}

/// A flag's variant for a context, as its enum. Documented in `flag-runtime`.
#[proc_macro]
pub fn variant(input: TokenStream) -> TokenStream {
    expand::variant(input.into()).into()
}

/// The enums of every flag's variants. Documented in `flag-runtime`.
#[proc_macro]
pub fn flag_variants(input: TokenStream) -> TokenStream {
    expand::flag_variants(input.into()).into()
}
