//! What an expansion carries besides its own code: once per crate, the rebuild tracking and the catalog of
//! flags (see [`track`] for why once, and why implicitly); at every use, a warning for each expired flag it
//! names. All of them are items, which only some positions can take, so each generator asks for them
//! ([`Extras::take`]) only where an item can go.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::callsite;
use crate::diagnostics::{Errors, first_report};
use crate::expiry;
use crate::load::Build;
use crate::runtime_path::runtime_path;
use crate::track;
use flag_manifest::ExpiredPolicy;
use flag_syntax::FlagExpr;

/// What every expansion carries besides the item: the crate's rebuild tracking and catalog (once per crate,
/// see [`track`]) and a warning for each expired flag it names, as items, which only some positions can take.
pub(super) struct Extras<'a> {
    build: &'a Build,
    warnings: TokenStream,
}

impl<'a> Extras<'a> {
    pub(super) fn new(expr: &FlagExpr, build: &'a Build, errors: &mut Errors) -> Self {
        let warnings = match expiry::today() {
            Ok(today) => {
                let expired = expiry::expired_names(expr, build, today);
                if build.manifest.settings.expired == ExpiredPolicy::Error {
                    for flag in &expired {
                        let policy =
                            "this manifest's `[settings] expired = \"error\"` makes it an error";
                        errors.error(flag.span, format!("{} ({policy})", flag.message));
                    }
                    TokenStream::new()
                } else {
                    expiry::warnings(&expired)
                }
            }
            Err(message) => {
                // A variable of the whole build: said once per crate, and expiry is not judged meanwhile.
                let messages = [message];
                if first_report(&messages) {
                    let [message] = messages;
                    errors.error(Span::call_site(), message);
                }
                TokenStream::new()
            }
        };
        Extras { build, warnings }
    }

    /// Whether there is anything to emit now (claiming nothing).
    pub(super) fn pending(&self) -> bool {
        !self.warnings.is_empty() || !track::claimed()
    }

    /// The items to emit at this position, empty when there is nothing to say. Call it only where an item can
    /// go: it claims the crate's tracking and catalog.
    pub(super) fn take(&self) -> TokenStream {
        if track::claim() {
            per_crate(self.build, self.warnings.clone())
        } else if self.warnings.is_empty() {
            TokenStream::new()
        } else {
            let warnings = &self.warnings;
            quote!(const _: () = { #warnings };)
        }
    }
}

/// What a crate carries once (see [`track`]): the tracking constant, with `warnings` in it, and the catalog.
pub(super) fn per_crate(build: &Build, warnings: TokenStream) -> TokenStream {
    let tracking = track::statements(Some(&build.manifest_path));
    let catalog = callsite::catalog(build, &runtime_path());
    quote!(const _: () = { #tracking #warnings }; #catalog)
}
