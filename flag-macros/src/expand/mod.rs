//! Code generation for the macros, one file per thing generated: [`attribute`] (`#[feature_flag]`),
//! [`flag`] (`flag!`), [`value`] (`flag_value!`), [`variant`] (`variant!` and `flag_variants!()`), [`fallback`] (a fn rewritten
//! around its fallback or switched at run time, over what [`switched_fn`] reads of it) and [`extras`] (what
//! every expansion carries besides its own code). Each entry point reads the same way: parse its input
//! (with `flag-syntax`), load the build ([`build_for_use`]) and decide (with [`decide`](crate::decide)),
//! then generate.
//!
//! Static decisions keep or drop the item's tokens untouched, as `#[cfg]` would; a `fallback` rewrites only
//! the fn's body. Dynamic decisions switch a fn's body at run time through a read of the flag's slot in the
//! runtime's table (see [`callsite`](crate::callsite)). Whatever the outcome, the expansion carries the
//! crate's rebuild tracking and catalog once per crate (see [`track`](crate::track)).
//!
//! One mistake, one error: an error comes with what keeps the rest of the crate quiet. A condition that
//! cannot be decided (an unknown flag, a manifest that cannot be read) is taken as a fixed value, so that of
//! two alternative definitions exactly one remains (see [`undecided`](crate::decide::undecided)); a broken
//! manifest or variable is reported by the first use in the crate only, and when only the variables are
//! wrong every use expands under the manifest's defaults; `flag!` is still a `bool`, and `flag_variants!()`
//! still a module.

mod attribute;
mod extras;
mod fallback;
mod flag;
mod switched_fn;
mod value;
mod variant;

use std::sync::Arc;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::diagnostics::build_errors;
use crate::load::{self, Build};

pub use attribute::feature_flag;
pub use flag::flag;
pub use value::flag_value;
pub use variant::{flag_variants, variant};

/// The build a use expands under, and the errors it shows. A broken manifest or variable is reported by
/// the first use in the crate only; when only the variables are wrong, the expansion goes on under the
/// manifest's defaults ([`load::LoadError::fallback`]), and with no build at all each macro emits what
/// keeps the rest of the crate quiet ([`undecided`](crate::decide::undecided)).
fn build_for_use() -> (Option<Arc<Build>>, TokenStream) {
    match load::load() {
        Ok(build) => (Some(build), TokenStream::new()),
        Err(error) => (error.fallback.clone(), build_errors(&error.messages)),
    }
}

fn with_errors(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#errors #item)
}

/// `let __flag_context: &Context<'_> = context; let _ = __flag_context;`: the context of `flag!` or
/// `variant!` evaluated once and type-checked, even where the value does not read it. Returns the binding's
/// name and the statements.
fn bind_context(context: &syn::Expr, runtime: &TokenStream) -> (Ident, TokenStream) {
    let bound = format_ident!("__flag_context", span = Span::mixed_site());
    let statements = quote! {
        let #bound: &#runtime::Context<'_> = #context;
        let _ = #bound;
    };
    (bound, statements)
}
