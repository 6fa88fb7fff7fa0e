//! Mistakes in the manifest and in the build's variables: each is a compile error that names the file (or
//! variable), the line and column, and the fix. `tests/ui-env/CASE.rs` is built with the variables of its
//! row below, the manifest being `tests/ui-env/CASE.toml`, and must print `CASE.stderr`.
//!
//! trybuild builds every case of one run with one environment, so each case is a run of its own; they run
//! one after the other in this single test, the only one in this process, which is what makes setting
//! variables here sound. Refresh with `TRYBUILD=overwrite cargo test -p flag-tests --test manifest_errors`,
//! then read every changed `.stderr`.

use std::path::Path;

/// (case, FEATURE_FLAGS_PROFILE, FEATURE_FLAGS, FEATURE_FLAGS_TODAY)
const CASES: &[(&str, &str, &str, &str)] = &[
    ("manifest-syntax-error", "", "", ""),
    ("manifest-unknown-key", "", "", ""),
    ("manifest-invalid-declarations", "", "", ""),
    ("requires-unmet", "", "new_ui", ""),
    ("unknown-profile", "bta", "", ""),
    ("unknown-override", "", "nwe_ui=on,new_api", ""),
    ("malformed-override", "", "new_ui=maybe,=on", ""),
    ("manifest-not-found", "", "", ""),
    // Expiry: warnings made errors by `#![deny(deprecated)]`, so that trybuild shows them.
    ("flag-expired", "", "", "2026-11-03"),
    ("flag-expired-policy-error", "", "", "2026-11-03"),
    ("today-not-a-date", "", "", "yesterday"),
    ("value-flag-without-default", "", "", ""),
    ("object-as-a-type-without-json", "", "", ""),
];

#[test]
fn manifest_and_variable_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui-env");
    for &(case, profile, overrides, today) in CASES {
        let manifest = dir.join(format!("{case}.toml"));
        // SAFETY: this is the only test of this binary, so no other thread reads the environment.
        unsafe {
            std::env::set_var("FEATURE_FLAGS_MANIFEST", &manifest);
            std::env::set_var("FEATURE_FLAGS_PROFILE", profile);
            std::env::set_var("FEATURE_FLAGS", overrides);
            std::env::set_var("FEATURE_FLAGS_TODAY", today);
        }
        let cases = trybuild::TestCases::new();
        cases.compile_fail(dir.join(format!("{case}.rs")));
        drop(cases);
    }
}
