//! The compile errors of a typed object read with the `json` feature on (the cases of `tests/tests/ui-env`
//! build flag-runtime without it): `tests/ui/*.rs`, each beside the `.stderr` it must produce, built
//! against this crate's manifest, named by its absolute path (trybuild builds the cases inside the target
//! directory, which can be anywhere). Refresh with
//! `TRYBUILD=overwrite cargo test -p flag-value-reads --test compile_fail`, then read every changed `.stderr`.

use std::path::Path;

#[test]
fn ui() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("flags.toml");
    // SAFETY: this is the only test of this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("FEATURE_FLAGS_MANIFEST", manifest) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
