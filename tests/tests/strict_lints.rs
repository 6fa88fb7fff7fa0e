//! Generated code must not make users' lints fire: every kind of expansion, compiled under strict lints
//! (and clippy's pedantic group when `cargo clippy` builds it, as `.ci/run` does).

#![deny(
    warnings,
    unused_qualifications,
    unused_results,
    unreachable_code,
    unsafe_op_in_unsafe_fn
)]
#![deny(clippy::all, clippy::pedantic)]

use flag_runtime::{feature_flag, flag};

fn classic(count: u32) -> u32 {
    count
}

#[feature_flag("new_ui", fallback = classic)]
fn modern(count: u32) -> u32 {
    count + 1
}

#[feature_flag("new_api", fallback = classic)]
fn kept(count: u32) -> u32 {
    count + 2
}

#[feature_flag("fast_search", fallback = classic)]
fn switched(count: u32) -> u32 {
    count + 3
}

#[feature_flag(all("fast_search", "dark_mode"))]
fn side_effect(counter: &mut u32) {
    *counter += 1;
}

#[feature_flag("new_ui")]
fn removed() {}

#[feature_flag(not("new_ui"))]
struct Kept;

fn check() -> (bool, bool, bool) {
    (
        flag!("new_api"),
        flag!("fast_search"),
        flag!(any("dark_mode", "fast_search")),
    )
}

#[test]
fn every_expansion_compiles_cleanly() {
    let mut counter = 0;
    side_effect(&mut counter);
    let _ = Kept;
    assert_eq!((modern(1), kept(1), switched(1)), (1, 3, 1));
    assert_eq!(check(), (true, false, true));
    assert_eq!(counter, 0);
}
