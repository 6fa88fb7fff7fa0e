//! Collecting errors so that one build reports every mistake, in the manner of serde_derive's `Ctxt`.
//!
//! Each check pushes its `syn::Error` here instead of returning early; the expansion then emits all of them
//! together, next to a plausible expansion of the item, so that one typo does not cascade into unrelated
//! errors.

use proc_macro2::{Span, TokenStream};
use std::collections::HashSet;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};

/// Errors found so far in one macro invocation. Emit them with [`Errors::into_compile_errors`]: a collector
/// dropped with errors in it fails this crate's tests.
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
    pub fn into_compile_errors(mut self) -> TokenStream {
        self.combined
            .take()
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }
}

/// In this crate's tests, a collector dropped with errors it never emitted fails the test (serde_derive's
/// `Ctxt` check): an error recorded and then lost would be a mistake the user never sees. Never in a
/// user's build, where a macro must not panic.
#[cfg(test)]
impl Drop for Errors {
    fn drop(&mut self) {
        if self.combined.is_some() && !std::thread::panicking() {
            panic!("an Errors collector was dropped without emitting its errors");
        }
    }
}

static REPORTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Whether `messages` have not yet been reported in the crate being compiled: true once per crate and set of
/// messages. For the problems of a whole build (a broken manifest, a malformed variable), which every use
/// would otherwise repeat.
pub fn first_report(messages: &[String]) -> bool {
    let key = format!(
        "{}\u{0}{}\u{0}{}",
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default(),
        std::env::var("CARGO_CRATE_NAME").unwrap_or_default(),
        messages.join("\u{0}")
    );
    let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    reported.get_or_insert_with(HashSet::new).insert(key)
}

/// The build's problems as compile errors at the macro's call site, from the first use in the crate only
/// (see [`first_report`]); empty for every later use.
pub fn build_errors(messages: &[String]) -> TokenStream {
    if !first_report(messages) {
        return TokenStream::new();
    }
    let mut errors = Errors::default();
    for message in messages {
        errors.error(Span::call_site(), message);
    }
    errors.into_compile_errors()
}
