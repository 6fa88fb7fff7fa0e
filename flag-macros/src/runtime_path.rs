//! The path generated code uses to reach the runtime: `::flag_runtime`, or the name a user gave it in
//! `Cargo.toml` (`flags = { package = "flag-runtime", ... }`), found by proc-macro-crate.
//!
//! Asking proc-macro-crate on every use is not free: each call stats the crate's `Cargo.toml` and the
//! workspace's, then looks the crate up in a map and clones the answer. The answer depends only on the
//! crate's directory (`CARGO_MANIFEST_DIR`) and what its manifests say, so this module remembers the last
//! answer with its key, the directory, and a stamp (modification time and length) of that directory's
//! `Cargo.toml`; a use then costs one `stat`. `CARGO_PKG_NAME` is not part of the key: it comes from that
//! same `Cargo.toml`, as does `FoundCrate::Itself`.
//!
//! Under cargo nothing can go stale: each rustc process compiles one crate, and cargo starts a new one after
//! any `Cargo.toml` edit. rust-analyzer keeps one proc-macro process for many crates and edits: another crate
//! has another directory (a miss, and a new answer), and an edit of the crate's `Cargo.toml` (renaming the
//! dependency) changes the stamp (a new answer too). The one edit not seen at once is a rename made only
//! in the workspace's `Cargo.toml` (`[workspace.dependencies]`, inherited with `key.workspace = true`,
//! where only `package = ..` changes): it is seen on the next edit of the crate's own `Cargo.toml` or when
//! rust-analyzer restarts its proc-macro server; the same goes for any other edit of the workspace's
//! `Cargo.toml` alone. Spotting those too would take the second `stat` per use that this cache saves
//! (and the workspace manifest's path, which proc-macro-crate asks `cargo locate-project` for).
//!
//! Only the name (a `String`) is kept between uses, never tokens: a token made in one macro call must not be
//! used in another.

use std::ffi::OsString;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream, TokenTree};

/// `::flag_runtime` or `::renamed`. Inside flag-runtime's own tests, examples and doctests the crate is
/// also reached as `::flag_runtime`.
pub fn runtime_path() -> TokenStream {
    path_to(runtime_name().as_deref().unwrap_or("flag_runtime"))
}

/// `::name`, as `quote!(::#name)` gives it, built the way quote builds it: appended to an empty stream,
/// which proc_macro2 defers until the path is spliced into the expansion (collecting would cost a call into
/// the compiler of its own).
fn path_to(name: &str) -> TokenStream {
    let mut path = TokenStream::new();
    path.extend::<[TokenTree; 3]>([
        Punct::new(':', Spacing::Joint).into(),
        Punct::new(':', Spacing::Alone).into(),
        Ident::new(name, Span::call_site()).into(),
    ]);
    path
}

/// A `Cargo.toml`'s modification time and length; `None` when it cannot be read.
type Stamp = Option<(Option<SystemTime>, u64)>;

/// The last answer and what it was computed from.
struct Entry {
    /// `CARGO_MANIFEST_DIR`.
    manifest_dir: Option<OsString>,
    /// The stamp of `Cargo.toml` in `manifest_dir`, when that is set.
    stamp: Stamp,
    /// The dependency's name when renamed; `None` for `::flag_runtime`.
    name: Option<String>,
}

static LAST: Mutex<Option<Entry>> = Mutex::new(None);

/// The name the crate being compiled gives flag-runtime, if not its own: remembered, see the module comment.
fn runtime_name() -> Option<String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR");
    let stamp = manifest_dir.as_deref().and_then(|dir| stamp(dir.as_ref()));
    remembered(manifest_dir, stamp, || crate_name("flag-runtime"))
}

/// The answer for (`manifest_dir`, `stamp`): the last one when those are the same, else `ask()`'s.
///
/// Only answers are remembered. proc-macro-crate does not remember its failures either (an unreadable or
/// invalid manifest, a `cargo locate-project` that failed): after one, the next use asks again, as it did.
fn remembered(
    manifest_dir: Option<OsString>,
    stamp: Stamp,
    ask: impl FnOnce() -> Result<FoundCrate, proc_macro_crate::Error>,
) -> Option<String> {
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(entry) = last.as_ref()
        && entry.manifest_dir == manifest_dir
        && entry.stamp == stamp
    {
        return entry.name.clone();
    }
    let name = match ask() {
        Ok(FoundCrate::Name(name)) => Some(name),
        Ok(FoundCrate::Itself) => None,
        Err(_) => return None,
    };
    *last = Some(Entry {
        manifest_dir,
        stamp,
        name: name.clone(),
    });
    name
}

fn stamp(manifest_dir: &Path) -> Stamp {
    let metadata = std::fs::metadata(manifest_dir.join("Cargo.toml")).ok()?;
    Some((metadata.modified().ok(), metadata.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache is process-wide: tests that use it take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn prints_as_quote_did() {
        let shape = |tokens: TokenStream| {
            tokens
                .into_iter()
                .map(|tree| match tree {
                    TokenTree::Punct(punct) => format!("{}{:?}", punct.as_char(), punct.spacing()),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        let ident = Ident::new("flags", Span::call_site());
        assert_eq!(shape(path_to("flags")), shape(quote::quote!(::#ident)));
        assert_eq!(
            shape(path_to("flag_runtime")),
            shape(quote::quote!(::flag_runtime))
        );
    }

    #[test]
    fn asks_again_when_the_directory_or_its_manifest_changes() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir =
            std::env::temp_dir().join(format!("flag-macros-runtime-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[dependencies]\nflags = { package = \"flag-runtime\" }\n",
        )
        .unwrap();
        let asks = std::cell::Cell::new(0);
        let ask = |answer: Option<&'static str>| {
            let asks = &asks;
            move || {
                asks.set(asks.get() + 1);
                Ok(answer.map_or(FoundCrate::Itself, |name| FoundCrate::Name(name.into())))
            }
        };
        let fail = || {
            asks.set(asks.get() + 1);
            Err(proc_macro_crate::Error::CargoManifestDirNotSet)
        };
        let key = || Some(dir.clone().into_os_string());
        let now = || stamp(&dir);

        *LAST.lock().unwrap_or_else(PoisonError::into_inner) = None;
        for _ in 0..3 {
            assert_eq!(
                remembered(key(), now(), ask(Some("flags"))).as_deref(),
                Some("flags")
            );
        }
        assert_eq!(asks.get(), 1);

        // Another crate: asked anew.
        assert_eq!(remembered(None, None, ask(None)), None);
        assert_eq!(asks.get(), 2);
        assert_eq!(
            remembered(key(), now(), ask(Some("flags"))).as_deref(),
            Some("flags")
        );
        assert_eq!(asks.get(), 3);

        // An edit of the crate's Cargo.toml (here it changes the length): asked anew.
        std::fs::write(&manifest, "[dependencies]\nflag-runtime = {}\n").unwrap();
        assert_eq!(remembered(key(), now(), ask(None)), None);
        assert_eq!(asks.get(), 4);
        assert_eq!(remembered(key(), now(), ask(Some("stale"))), None);
        assert_eq!(asks.get(), 4);

        // No Cargo.toml any more: a stamp of its own.
        std::fs::remove_file(&manifest).unwrap();
        assert_eq!(now(), None);
        assert_eq!(
            remembered(key(), now(), ask(Some("flags"))).as_deref(),
            Some("flags")
        );
        assert_eq!(asks.get(), 5);

        // A failure is not remembered: asked again, and the answer before it still stands for its key.
        assert_eq!(remembered(None, None, fail), None);
        assert_eq!(remembered(None, None, fail), None);
        assert_eq!(asks.get(), 7);
        assert_eq!(
            remembered(key(), now(), ask(None)).as_deref(),
            Some("flags")
        );
        assert_eq!(asks.get(), 7);
    }

    #[test]
    fn is_flag_runtime_unless_renamed() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        // The tests run with CARGO_MANIFEST_DIR set to flag-macros, which does not depend on flag-runtime.
        for _ in 0..2 {
            assert_eq!(
                runtime_path().to_string(),
                quote::quote!(::flag_runtime).to_string()
            );
        }
    }
}
