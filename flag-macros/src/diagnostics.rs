//! Collecting errors so that one build reports every mistake, in the manner of serde_derive's `Ctxt`.
//!
//! Each check pushes its `syn::Error` here instead of returning early; the expansion then emits all of them
//! together, next to a plausible expansion of the item, so that one typo does not cascade into unrelated
//! errors.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// Errors found so far in one macro invocation.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records the error of a `Result`, keeping its value.
    pub fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The recorded errors as `compile_error!` invocations (empty when there are none).
    pub fn into_compile_errors(self) -> TokenStream {
        self.combined
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }
}
