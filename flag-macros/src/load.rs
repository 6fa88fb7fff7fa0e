//! The manifest this compilation uses, found, read, parsed and resolved once per compiler process.
//!
//! rustc loads a proc macro once per crate it compiles and calls it for every use, so a use must not pay for
//! the manifest's parsing: the result is cached in a process-wide table keyed by the manifest's path, its
//! modification time and length, and the values of the variables that resolution reads. A use then costs a
//! `stat` and a few environment look-ups, whatever the manifest's size. rust-analyzer keeps one process for
//! many crates and many edits, hence the path and modification time in the key, as in proc-macro-crate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use flag_manifest::{
    Diagnostic, ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, Manifest, Resolution, locate_manifest,
    resolve,
};

/// What every use in this compilation needs from the manifest.
#[derive(Debug)]
pub struct Build {
    /// The manifest's absolute path, for `include_bytes!` and the runtime.
    pub manifest_path: PathBuf,
    /// The parsed manifest.
    pub manifest: Manifest,
    /// Every flag's state for this build.
    pub resolution: Resolution,
}

/// Why there is no [`Build`]: the messages to show, already rendered with the manifest's path.
#[derive(Debug)]
pub struct LoadError {
    /// One message per problem.
    pub messages: Vec<String>,
}

/// The outcome of loading, shared by every use with the same inputs.
pub type Loaded = Result<Arc<Build>, Arc<LoadError>>;

#[derive(PartialEq, Eq, Hash)]
struct Key {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: u64,
    profile: Option<String>,
    overrides: Option<String>,
}

static CACHE: Mutex<Option<HashMap<Key, Loaded>>> = Mutex::new(None);
static PARSES: AtomicUsize = AtomicUsize::new(0);

/// When set, each parse of a manifest is logged on stderr (which cargo shows with `-vv`).
pub const ENV_LOG_PARSES: &str = "FEATURE_FLAGS_LOG_PARSES";

/// How many times this process has parsed a manifest.
#[cfg(test)]
fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

static REPORTED: Mutex<Option<std::collections::HashSet<String>>> = Mutex::new(None);

/// Whether `error` has not yet been reported in the crate being compiled: true once per crate and message
/// set, so that a broken manifest gives one set of errors rather than one per use.
pub fn first_report(error: &LoadError) -> bool {
    let key = format!(
        "{}\u{0}{}\u{0}{}",
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default(),
        std::env::var("CARGO_CRATE_NAME").unwrap_or_default(),
        error.messages.join("\u{0}")
    );
    let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    reported.get_or_insert_with(Default::default).insert(key)
}

/// Loads the manifest for the crate being compiled, as the environment of this compilation describes it.
pub fn load() -> Loaded {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    load_from(
        &crate_dir,
        env(ENV_MANIFEST).as_deref(),
        env(ENV_PROFILE),
        env(ENV_OVERRIDES),
    )
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// [`load`] with its inputs given, for tests.
pub fn load_from(
    crate_dir: &Path,
    explicit_manifest: Option<&str>,
    profile: Option<String>,
    overrides: Option<String>,
) -> Loaded {
    let path = match locate_manifest(crate_dir, explicit_manifest) {
        Ok(path) => path,
        Err(message) => {
            return Err(Arc::new(LoadError {
                messages: vec![message],
            }));
        }
    };
    let metadata = std::fs::metadata(&path).ok();
    let key = Key {
        path,
        modified: metadata.as_ref().and_then(|m| m.modified().ok()),
        len: metadata.as_ref().map_or(0, |m| m.len()),
        profile,
        overrides,
    };
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(loaded) = cache.get(&key) {
        return loaded.clone();
    }
    let loaded = parse_and_resolve(&key);
    cache.insert(key, loaded.clone());
    loaded
}

fn parse_and_resolve(key: &Key) -> Loaded {
    let path = &key.path;
    let shown = display_path(path);
    let fail = |diagnostics: Vec<Diagnostic>| {
        Arc::new(LoadError {
            messages: diagnostics.iter().map(|d| d.render(&shown)).collect(),
        })
    };
    let text = std::fs::read_to_string(path).map_err(|error| {
        fail(vec![Diagnostic::in_file(format!(
            "cannot read the flags manifest: {error}"
        ))])
    })?;
    let parses = PARSES.fetch_add(1, Ordering::Relaxed) + 1;
    if std::env::var_os(ENV_LOG_PARSES).is_some() {
        // For the build-cost benchmark: shows that a crate's many uses share one parse. Not tracked for
        // rebuilds, since it changes nothing in the expansion.
        eprintln!(
            "flag-macros: parsed {} (parse {parses} in this compiler process, crate {})",
            path.display(),
            std::env::var("CARGO_CRATE_NAME").unwrap_or_default()
        );
    }
    let manifest = Manifest::parse(&text).map_err(fail)?;
    let resolution =
        resolve(&manifest, key.profile.as_deref(), key.overrides.as_deref()).map_err(fail)?;
    Ok(Arc::new(Build {
        manifest_path: path.clone(),
        manifest,
        resolution,
    }))
}

/// The path as a person at the terminal would click it: relative to the directory cargo runs rustc in (the
/// workspace root) when the manifest is below it, else absolute.
fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parse counter is process-wide: tests that parse take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn scratch(name: &str, manifest: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flag-macros-load-{name}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("member")).unwrap();
        std::fs::write(dir.join("flags.toml"), manifest).unwrap();
        dir
    }

    #[test]
    fn parses_once_per_inputs_and_again_after_an_edit() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = scratch("cache", "[flags.a]\n");
        let member = dir.join("member");
        let before = parse_count();
        for _ in 0..10 {
            let build = load_from(&member, None, None, None).unwrap();
            assert!(!build.resolution.is_enabled(&build.manifest, "a"));
        }
        assert_eq!(parse_count() - before, 1);

        // Other variables: resolved anew (and parsed again: the cache holds resolved builds).
        let on = load_from(&member, None, None, Some("a".into())).unwrap();
        assert!(on.resolution.is_enabled(&on.manifest, "a"));

        // An edit that changes the length invalidates the entry even within one mtime tick.
        std::fs::write(dir.join("flags.toml"), "[flags.a]\ndefault = true\n").unwrap();
        let edited = load_from(&member, None, None, None).unwrap();
        assert!(edited.resolution.is_enabled(&edited.manifest, "a"));
    }

    #[test]
    fn errors_name_the_manifest_and_the_position() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = scratch("errors", "[flags.a]\ndefualt = true\n");
        let error = load_from(&dir.join("member"), None, None, None).unwrap_err();
        assert!(
            error.messages[0].contains("flags.toml:2:1: unknown field `defualt`"),
            "{:?}",
            error.messages
        );

        let missing = load_from(Path::new("/"), Some("nowhere.toml"), None, None).unwrap_err();
        assert!(
            missing.messages[0].contains("FEATURE_FLAGS_MANIFEST"),
            "{:?}",
            missing.messages
        );
    }
}
