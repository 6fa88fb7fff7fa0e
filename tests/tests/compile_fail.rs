//! Every mistake a user can make in an attribute or a `flag!` call is a compile error that points at what
//! they wrote: `tests/ui/*.rs`, each named after its mistake, beside the `.stderr` it must produce.
//! Refresh the expectations with `TRYBUILD=overwrite cargo test -p flag-tests --test compile_fail`, then read
//! every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
