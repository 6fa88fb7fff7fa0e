//! Every mistake a user can make in an attribute or a `flag!` call is a compile error that points at what
//! they wrote: `tests/ui/*.rs`, each named after its mistake, beside the `.stderr` it must produce.
//! Refresh the expectations with `TRYBUILD=overwrite cargo test -p flag-tests --test compile_fail`, then read
//! every changed `.stderr`.
//!
//! trybuild compiles the cases as a crate of its own inside the target directory, which can be anywhere
//! (`CARGO_TARGET_DIR`), so the nearest `flags.toml` above that crate is not necessarily the workspace's:
//! the cases are built with `FEATURE_FLAGS_MANIFEST` naming the workspace's manifest by its absolute path.

use std::path::Path;

#[test]
fn ui() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace");
    // SAFETY: this is the only test of this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("FEATURE_FLAGS_MANIFEST", workspace.join("flags.toml")) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
