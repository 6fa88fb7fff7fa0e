//! The path generated code uses to reach the runtime: `::flag_runtime`, or the name a user gave it in
//! `Cargo.toml` (`flags = { package = "flag-runtime", ... }`), read from the crate's `Cargo.toml`.
//!
//! The name is read here, with the `toml` crate that flag-manifest links anyway, rather than by
//! proc-macro-crate: that crate links toml_edit (with indexmap, hashbrown and a second TOML document
//! model) into this library, and on its first use in each compiler process it starts
//! `cargo locate-project --workspace` to find the workspace's `Cargo.toml`, a process of its own (about 20
//! to 40 ms of CPU) in every rustc process that expands a flag. Only what decides the name is read: the
//! `[dependencies]`, `[target.*.dependencies]` and `[dev-dependencies]` tables (in that order; the first
//! entry whose package is flag-runtime wins), an entry's `package = "flag-runtime"`, and for an entry with
//! `workspace = true` the `package` of the same key in the workspace's `[workspace.dependencies]`. The
//! workspace's `Cargo.toml` is read only then: the one named by `package.workspace`, else the nearest
//! parent directory's `Cargo.toml` with a `[workspace]` table (the crate's own, when it is the root), as
//! cargo finds it. In flag-runtime itself (its tests, examples and doctests) the answer is `::flag_runtime`.
//!
//! The answer depends only on the crate's directory (`CARGO_MANIFEST_DIR`) and what its manifests say, so
//! this module remembers the last answer with its key, the directory, and a stamp (modification time and
//! length) of that directory's `Cargo.toml`; a use then costs one `stat`, and in rustc nothing (the
//! first use's answer serves the process, see [`session`](crate::session)). `CARGO_PKG_NAME` is not part of
//! the key: it comes from that same `Cargo.toml`.
//!
//! Under cargo nothing can go stale: each rustc process compiles one crate, and cargo starts a new one after
//! any `Cargo.toml` edit. rust-analyzer keeps one proc-macro process for many crates and edits: another crate
//! has another directory (a miss, and a new answer), and an edit of the crate's `Cargo.toml` (renaming the
//! dependency) changes the stamp (a new answer too). The one edit not seen at once is a rename made only
//! in the workspace's `Cargo.toml` (`[workspace.dependencies]`, inherited with `key.workspace = true`,
//! where only `package = ..` changes): it is seen on the next edit of the crate's own `Cargo.toml` or when
//! rust-analyzer restarts its proc-macro server. Spotting it too would take a second `stat` per use, which
//! this cache saves.
//!
//! Only the name (a `String`) is kept between uses, never tokens: a token made in one macro call must not be
//! used in another.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::session;

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

/// The name the crate being compiled gives flag-runtime, if not its own: remembered, see the module comment;
/// in rustc, the first use's answer serves the process (see [`session`]).
fn runtime_name() -> Option<String> {
    static FIXED: OnceLock<Option<String>> = OnceLock::new();
    session::fixed(&FIXED, || {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR");
        let stamp = manifest_dir.as_deref().and_then(|dir| stamp(dir.as_ref()));
        let ask = || match manifest_dir.as_deref() {
            Some(dir) => read_name(dir.as_ref()),
            None => Err(Unreadable),
        };
        remembered(manifest_dir.clone(), stamp, ask)
    })
}

/// A `Cargo.toml` that could not be read or parsed: the path falls back to `::flag_runtime` (cargo itself
/// reports a broken manifest), and the next use reads it again.
#[derive(Debug)]
struct Unreadable;

/// The answer for (`manifest_dir`, `stamp`): the last one when those are the same, else `ask()`'s.
///
/// Only answers are remembered, not failures (an unreadable or invalid manifest): after one, the next use
/// asks again.
fn remembered(
    manifest_dir: Option<OsString>,
    stamp: Stamp,
    ask: impl FnOnce() -> Result<Option<String>, Unreadable>,
) -> Option<String> {
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(entry) = last.as_ref()
        && entry.manifest_dir == manifest_dir
        && entry.stamp == stamp
    {
        return entry.name.clone();
    }
    let Ok(name) = ask() else {
        return None;
    };
    *last = Some(Entry {
        manifest_dir,
        stamp,
        name: name.clone(),
    });
    name
}

/// The package whose name the runtime has.
const RUNTIME_PACKAGE: &str = "flag-runtime";

/// The name `manifest_dir/Cargo.toml` gives flag-runtime when it renames it or reaches it through a
/// dependency key other than `flag-runtime`; `None` for `::flag_runtime` (not renamed, not a dependency,
/// or flag-runtime itself).
fn read_name(manifest_dir: &Path) -> Result<Option<String>, Unreadable> {
    let manifest = read_toml(&manifest_dir.join("Cargo.toml"))?;
    if manifest
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        == Some(RUNTIME_PACKAGE)
    {
        return Ok(None);
    }
    // The workspace's `[workspace.dependencies]`, read on the first `workspace = true` entry only.
    let mut workspace: Option<toml::Table> = None;
    for table in dependency_tables(&manifest) {
        for (key, entry) in table {
            let package = if entry.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
                if workspace.is_none() {
                    workspace = Some(workspace_dependencies(manifest_dir, &manifest)?);
                }
                workspace
                    .as_ref()
                    .and_then(|dependencies| dependencies.get(key))
                    .and_then(|inherited| inherited.get("package"))
                    .and_then(toml::Value::as_str)
            } else {
                entry.get("package").and_then(toml::Value::as_str)
            };
            if package.unwrap_or(key) == RUNTIME_PACKAGE {
                let name = key.replace('-', "_");
                return Ok((name != "flag_runtime").then_some(name));
            }
        }
    }
    Ok(None)
}

/// `[dependencies]`, each `[target.*.dependencies]`, `[dev-dependencies]` and each
/// `[target.*.dev-dependencies]`, in that order: the normal dependencies first, as the library sees only
/// those.
fn dependency_tables(manifest: &toml::Table) -> impl Iterator<Item = &toml::Table> {
    let targets = || {
        manifest
            .get("target")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|targets| targets.values())
    };
    ["dependencies", "dev-dependencies"]
        .into_iter()
        .flat_map(move |kind| {
            manifest
                .get(kind)
                .into_iter()
                .chain(targets().filter_map(move |target| target.get(kind)))
        })
        .filter_map(toml::Value::as_table)
}

/// The workspace's `[workspace.dependencies]` (empty when there is none), for the crate in `manifest_dir`
/// whose `Cargo.toml` is `manifest`.
fn workspace_dependencies(
    manifest_dir: &Path,
    manifest: &toml::Table,
) -> Result<toml::Table, Unreadable> {
    let dependencies = |root: &toml::Table| {
        root.get("workspace")
            .and_then(|workspace| workspace.get("dependencies"))
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    if manifest.contains_key("workspace") {
        return Ok(dependencies(manifest));
    }
    let explicit = manifest
        .get("package")
        .and_then(|package| package.get("workspace"))
        .and_then(toml::Value::as_str);
    if let Some(root) = explicit {
        let root: PathBuf = manifest_dir.join(root).join("Cargo.toml");
        return Ok(dependencies(&read_toml(&root)?));
    }
    for dir in manifest_dir.ancestors().skip(1) {
        let path = dir.join("Cargo.toml");
        if !path.is_file() {
            continue;
        }
        let root = read_toml(&path)?;
        if root.contains_key("workspace") {
            return Ok(dependencies(&root));
        }
    }
    Ok(toml::Table::new())
}

fn read_toml(path: &Path) -> Result<toml::Table, Unreadable> {
    let text = std::fs::read_to_string(path).map_err(|_| Unreadable)?;
    text.parse::<toml::Table>().map_err(|_| Unreadable)
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
                Ok(answer.map(String::from))
            }
        };
        let fail = || {
            asks.set(asks.get() + 1);
            Err(Unreadable)
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

    /// A fresh directory holding `files` (relative path, text), removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[(&str, &str)]) -> Tree {
            let root = std::env::temp_dir().join(format!(
                "flag-macros-runtime-name-{name}-{}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&root);
            for (path, text) in files {
                let path = root.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            Tree(root)
        }

        fn name(&self, crate_dir: &str) -> Result<Option<String>, Unreadable> {
            read_name(&self.0.join(crate_dir))
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn reads_the_name_from_the_crates_manifest() {
        let name = |manifest: &str| {
            Tree::new("own", &[("Cargo.toml", manifest)])
                .name("")
                .unwrap()
        };
        let package = "[package]\nname = \"app\"\n";
        // Not renamed, or not a dependency at all: `::flag_runtime`.
        assert_eq!(
            name(&format!(
                "{package}[dependencies]\nflag-runtime = \"0.1\"\n"
            )),
            None
        );
        assert_eq!(
            name(&format!("{package}[dependencies]\nserde = \"1\"\n")),
            None
        );
        assert_eq!(name(package), None);
        // Renamed in each kind of table, inline or as a table of its own.
        assert_eq!(
            name(&format!(
                "{package}[dependencies]\nflags = {{ package = \"flag-runtime\", version = \"0.1\" }}\n"
            ))
            .as_deref(),
            Some("flags")
        );
        assert_eq!(
            name(&format!(
                "{package}[dev-dependencies.my-flags]\npackage = \"flag-runtime\"\npath = \"../x\"\n"
            ))
            .as_deref(),
            Some("my_flags")
        );
        assert_eq!(
            name(&format!(
                "{package}[target.'cfg(unix)'.dependencies]\nff = {{ package = \"flag-runtime\" }}\n"
            ))
            .as_deref(),
            Some("ff")
        );
        // The library sees only [dependencies]: their name wins over a dev-dependency's.
        assert_eq!(
            name(&format!(
                "{package}[dev-dependencies]\ntest-flags = {{ package = \"flag-runtime\" }}\n\
                 [dependencies]\nflags = {{ package = \"flag-runtime\" }}\n"
            ))
            .as_deref(),
            Some("flags")
        );
        // flag-runtime itself, even where it names itself as a dev-dependency.
        assert_eq!(
            name(
                "[package]\nname = \"flag-runtime\"\n[dev-dependencies]\n\
                 flags = { package = \"flag-runtime\", path = \".\" }\n"
            ),
            None
        );
    }

    #[test]
    fn inherits_a_rename_from_the_workspace() {
        let root = "[workspace]\nmembers = [\"crates/app\"]\n\
                    [workspace.dependencies]\nflags = { package = \"flag-runtime\", path = \"rt\" }\n\
                    flag-runtime = { path = \"rt\" }\n";
        let tree = Tree::new(
            "workspace",
            &[
                ("Cargo.toml", root),
                (
                    "crates/app/Cargo.toml",
                    "[package]\nname = \"app\"\n[dependencies]\nflags.workspace = true\n",
                ),
                (
                    "crates/plain/Cargo.toml",
                    "[package]\nname = \"plain\"\n[dependencies]\nflag-runtime = { workspace = true }\n",
                ),
                (
                    "crates/explicit/Cargo.toml",
                    "[package]\nname = \"explicit\"\nworkspace = \"../..\"\n\
                     [dependencies]\nflags = { workspace = true }\n",
                ),
            ],
        );
        assert_eq!(tree.name("crates/app").unwrap().as_deref(), Some("flags"));
        assert_eq!(tree.name("crates/plain").unwrap(), None);
        assert_eq!(
            tree.name("crates/explicit").unwrap().as_deref(),
            Some("flags")
        );

        // The root is the workspace, and a member at once.
        let tree = Tree::new(
            "root-member",
            &[(
                "Cargo.toml",
                "[package]\nname = \"app\"\n[workspace]\n\
                 [workspace.dependencies]\nrt = { package = \"flag-runtime\" }\n\
                 [dependencies]\nrt = { workspace = true }\n",
            )],
        );
        assert_eq!(tree.name("").unwrap().as_deref(), Some("rt"));
    }

    #[test]
    fn a_broken_manifest_is_unreadable() {
        let tree = Tree::new(
            "broken",
            &[
                ("Cargo.toml", "[package\nname = \"app\"\n"),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"m\"\n[dependencies]\nflags.workspace = true\n",
                ),
            ],
        );
        assert!(tree.name("").is_err());
        // A member whose workspace root cannot be parsed.
        assert!(tree.name("member").is_err());
        // No Cargo.toml at all.
        assert!(tree.name("missing").is_err());
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
