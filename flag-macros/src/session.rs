//! What a use can take as fixed for the whole compiler process when that process is rustc: the crate's
//! identity, today's date, the manifest's build and the runtime's path are then worked out by the first use
//! and reused by every later one, with no environment look-up, clock read or `stat` per use.
//!
//! cargo starts one rustc per crate, with an environment that does not change while it runs, and reruns it
//! after any change to the files and variables the crate tracks (see [`track`](crate::track)); so within
//! one rustc every use would find the same answers, and answering once is also the consistent choice: an
//! edit made to `flags.toml` while rustc runs then cannot split one crate between two manifests (the next
//! build sees the edit). Proc macros run unoptimised in dev builds, and a crate of a thousand flagged items
//! pays each per-use look-up a thousand times.
//!
//! Any other process keeps checking at every use, as the modules that answer say: rust-analyzer's
//! proc-macro server serves many crates and many edits in one process, and this crate's tests change the
//! environment and the files between uses. A process is rustc when its executable is called `rustc`
//! (rustup's proxy runs the toolchain's `rustc`; a `RUSTC_WRAPPER` such as sccache runs it too); rustdoc,
//! clippy-driver and rust-analyzer are not, and keep checking.

use std::sync::OnceLock;

/// Whether this process is rustc itself (see the module comment). Read once per process.
pub fn in_rustc() -> bool {
    static RUSTC: OnceLock<bool> = OnceLock::new();
    *RUSTC.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let stem = exe.as_deref().and_then(|exe| exe.file_stem());
        stem.is_some_and(|stem| stem == "rustc")
    })
}

/// `compute()`'s answer: in rustc, the first use's, kept in `cell` for the rest of the process; elsewhere,
/// worked out anew at every use.
pub fn fixed<T: Clone>(cell: &OnceLock<T>, compute: impl FnOnce() -> T) -> T {
    if in_rustc() {
        cell.get_or_init(compute).clone()
    } else {
        compute()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_process_is_not_rustc_and_answers_anew() {
        assert!(!in_rustc());
        let cell = OnceLock::new();
        assert_eq!(fixed(&cell, || 1), 1);
        assert_eq!(fixed(&cell, || 2), 2);
        assert!(cell.get().is_none());
    }
}
