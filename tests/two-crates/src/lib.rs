//! A library crate that checks dynamic flags, so that its integration test (another crate of the same
//! program) can prove that a flag checked in two crates is one flag. A package of its own, so that the
//! compile-fail suites, which build `flag-tests` with broken manifests, do not build it.

use flag_runtime::{feature_flag, flag};

/// `fast_search` as this crate's own callsite sees it.
pub fn fast_search_in_library() -> bool {
    flag!("fast_search")
}

fn scan(query: &str) -> String {
    format!("scan:{query}")
}

/// A fn switched at run time, defined in this crate.
#[feature_flag("fast_search", fallback = scan)]
pub fn search_in_library(query: &str) -> String {
    format!("index:{query}")
}
