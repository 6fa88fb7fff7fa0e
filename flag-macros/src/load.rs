//! The manifest this compilation uses, found, read, parsed and resolved once per compiler process.
//!
//! rustc loads a proc macro once per crate it compiles and calls it for every use, so a use must not pay for
//! the manifest's parsing: the result is cached in a process-wide table keyed by the manifest's path, its
//! modification time and length, and the values of the variables that resolution reads. rust-analyzer keeps
//! one process for many crates and many edits, hence the path and modification time in the key (as
//! `runtime_path` keys what it reads of `Cargo.toml`).
//!
//! Proc macros run unoptimised in dev builds, and in one compilation every use has the same inputs, so the
//! last use's inputs and answer are also kept, compared field by field (no hashing, no copies): when they
//! match and the file still has the same stamp, that answer is reused. A repeat use then costs a few
//! environment look-ups and one `stat` of the manifest. That `stat` is what notices an edit (rust-analyzer)
//! and a deletion. Finding the manifest is skipped too, without changing where it is found: the walk up from
//! the crate's directory stops at the first `flags.toml`, so the directories it passed are remembered and a
//! repeat use checks that none of them has gained one (none, and so no extra `stat`, when the manifest is in
//! the crate's directory or named by `FEATURE_FLAGS_MANIFEST`). A failed search is never remembered, so a
//! manifest created later is found by the next use.
//!
//! All of that is for processes that serve many crates and edits. In rustc, which compiles one crate with a
//! fixed environment, the first use's answer serves every later one without any of these checks (see
//! [`session`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use flag_manifest::{
    Date, Diagnostic, ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, FoundManifest, Manifest,
    Resolution, env_var, find_manifest, resolve,
};

use crate::session;

/// What every use in this compilation needs from the manifest.
#[derive(Debug)]
pub struct Build {
    /// The manifest's absolute path, for `include_bytes!` and the runtime.
    pub manifest_path: PathBuf,
    /// The parsed manifest.
    pub manifest: Manifest,
    /// Every flag's state for this build.
    pub resolution: Resolution,
    /// The earliest `expires` date of any flag, if one has a date: a use only looks for expired flags when
    /// this is before today.
    pub earliest_expiry: Option<Date>,
}

/// Why there is no [`Build`]: the messages to show, already rendered with the manifest's path.
#[derive(Debug)]
pub struct LoadError {
    /// One message per problem.
    pub messages: Vec<String>,
    /// When the manifest is sound and only the variables are wrong (an unknown profile, a malformed or
    /// unknown override, an unmet `requires`): the build under the profile alone, else under the manifest's
    /// defaults. The macros expand under it after reporting the error, so that the crate, which most likely
    /// compiles in that state, shows nothing else.
    pub fallback: Option<Arc<Build>>,
}

/// The outcome of loading, shared by every use with the same inputs.
pub type Loaded = Result<Arc<Build>, Arc<LoadError>>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    path: PathBuf,
    stamp: Stamp,
    profile: Option<String>,
    overrides: Option<String>,
}

/// What tells one version of a file from the next: modification time and length (an edit within one tick
/// of a coarse clock usually changes the length).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Stamp {
        Stamp {
            modified: metadata.modified().ok(),
            len: metadata.len(),
        }
    }
}

/// The last use's inputs, where they led and what came of it.
struct Last {
    crate_dir: PathBuf,
    explicit_manifest: Option<String>,
    profile: Option<String>,
    overrides: Option<String>,
    /// The candidates the walk found no file at, nearest first, before reaching `path`.
    passed: Vec<PathBuf>,
    /// The manifest found.
    path: PathBuf,
    /// Its stamp when the answer was computed.
    stamp: Stamp,
    loaded: Loaded,
}

impl Last {
    /// Whether a use with these inputs would find the same file in the same state, and so get `loaded`.
    fn still_holds(
        &self,
        crate_dir: &Path,
        explicit_manifest: Option<&str>,
        profile: Option<&str>,
        overrides: Option<&str>,
    ) -> bool {
        self.crate_dir.as_os_str() == crate_dir.as_os_str()
            && self.explicit_manifest.as_deref() == explicit_manifest
            && self.profile.as_deref() == profile
            && self.overrides.as_deref() == overrides
            && !self.passed.iter().any(|candidate| candidate.is_file())
            && file_stamp(&self.path) == Some(self.stamp)
    }
}

/// The file's stamp, or `None` when it is not (or no longer) a file.
fn file_stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|metadata| Stamp::of(&metadata))
}

static CACHE: Mutex<Option<HashMap<Key, Loaded>>> = Mutex::new(None);
static LAST: Mutex<Option<Last>> = Mutex::new(None);
static PARSES: AtomicUsize = AtomicUsize::new(0);
#[cfg(test)]
static SEARCHES: AtomicUsize = AtomicUsize::new(0);

/// When set, each parse of a manifest is logged on stderr (which cargo shows with `-vv`).
pub const ENV_LOG_PARSES: &str = "FEATURE_FLAGS_LOG_PARSES";

/// How many times this process has parsed a manifest.
#[cfg(test)]
fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

/// Loads the manifest for the crate being compiled, as the environment of this compilation describes it.
/// In rustc, the first use's answer serves the whole process (see [`session`]).
pub fn load() -> Loaded {
    static FIXED: OnceLock<Loaded> = OnceLock::new();
    session::fixed(&FIXED, || {
        let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        load_from(
            &crate_dir,
            env_var(ENV_MANIFEST).as_deref(),
            env_var(ENV_PROFILE),
            env_var(ENV_OVERRIDES),
        )
    })
}

/// [`load`] with its inputs given, for tests.
pub fn load_from(
    crate_dir: &Path,
    explicit_manifest: Option<&str>,
    profile: Option<String>,
    overrides: Option<String>,
) -> Loaded {
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(last) = last.as_ref()
        && last.still_holds(
            crate_dir,
            explicit_manifest,
            profile.as_deref(),
            overrides.as_deref(),
        )
    {
        return last.loaded.clone();
    }
    #[cfg(test)]
    SEARCHES.fetch_add(1, Ordering::Relaxed);
    let FoundManifest { path, passed } = match find_manifest(crate_dir, explicit_manifest) {
        Ok(found) => found,
        Err(message) => {
            return Err(Arc::new(LoadError {
                messages: vec![message],
                fallback: None,
            }));
        }
    };
    let metadata = std::fs::metadata(&path).ok();
    let key = Key {
        path,
        stamp: Stamp {
            modified: metadata.as_ref().and_then(|m| m.modified().ok()),
            len: metadata.as_ref().map_or(0, |m| m.len()),
        },
        profile,
        overrides,
    };
    let loaded = {
        let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        let cache = cache.get_or_insert_with(HashMap::new);
        match cache.get(&key) {
            Some(loaded) => loaded.clone(),
            None => {
                let loaded = parse_and_resolve(&key);
                cache.insert(key.clone(), loaded.clone());
                loaded
            }
        }
    };
    // Remembered only when the manifest was found and is a file, the state a repeat use checks for.
    *last = metadata.filter(std::fs::Metadata::is_file).map(|_| Last {
        crate_dir: crate_dir.to_path_buf(),
        explicit_manifest: explicit_manifest.map(str::to_owned),
        passed,
        path: key.path,
        stamp: key.stamp,
        profile: key.profile,
        overrides: key.overrides,
        loaded: loaded.clone(),
    });
    loaded
}

fn parse_and_resolve(key: &Key) -> Loaded {
    let path = &key.path;
    let shown = display_path(path);
    let render = |diagnostics: Vec<Diagnostic>| -> Vec<String> {
        diagnostics.iter().map(|d| d.render(&shown)).collect()
    };
    let fail = |diagnostics: Vec<Diagnostic>| {
        Arc::new(LoadError {
            messages: render(diagnostics),
            fallback: None,
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
    let manifest = Manifest::parse(&text).map_err(|error| fail(error.into_diagnostics()))?;
    let earliest_expiry = manifest.flags.iter().filter_map(|flag| flag.expires).min();
    let build = |manifest, resolution| {
        Arc::new(Build {
            manifest_path: path.clone(),
            manifest,
            resolution,
            earliest_expiry,
        })
    };
    match resolve(&manifest, key.profile.as_deref(), key.overrides.as_deref()) {
        Ok(resolution) => Ok(build(manifest, resolution)),
        Err(diagnostics) => {
            let profile_alone = key.profile.as_deref().filter(|_| key.overrides.is_some());
            let fallback = [profile_alone, None]
                .into_iter()
                .find_map(|profile| resolve(&manifest, profile, None).ok())
                .map(|resolution| build(manifest, resolution));
            Err(Arc::new(LoadError {
                messages: render(diagnostics),
                fallback,
            }))
        }
    }
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

    /// How many uses in this process did not reuse the last answer.
    fn searches() -> usize {
        SEARCHES.load(Ordering::Relaxed)
    }

    #[test]
    fn a_repeat_use_reuses_the_last_answer_until_an_input_changes() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = scratch("last", "[flags.a]\n\n[profiles.p]\na = true\n");
        std::fs::write(dir.join("other.toml"), "[flags.b]\n").unwrap();
        let member = dir.join("member");
        let first = load_from(&member, None, None, None).unwrap();
        let before = searches();
        for _ in 0..10 {
            let again = load_from(&member, None, None, None).unwrap();
            assert!(Arc::ptr_eq(&first, &again));
        }
        assert_eq!(searches(), before);

        // Each input is part of the key.
        let profile = load_from(&member, None, Some("p".into()), None).unwrap();
        assert!(profile.resolution.is_enabled(&profile.manifest, "a"));
        let overrides = load_from(&member, None, None, Some("a".into())).unwrap();
        assert!(overrides.resolution.is_enabled(&overrides.manifest, "a"));
        let explicit = load_from(&member, Some("../other.toml"), None, None).unwrap();
        assert!(explicit.manifest.flag_index("b").is_some());
        let root = load_from(&dir, None, None, None).unwrap();
        assert_eq!(root.manifest_path, dir.join("flags.toml"));
        assert_eq!(searches(), before + 4);
        let explicit_again = load_from(&member, Some("../other.toml"), None, None).unwrap();
        assert!(explicit_again.manifest.flag_index("b").is_some());
        assert_eq!(searches(), before + 5);
        // Back to the first inputs: the table's entry, after one more search.
        let back = load_from(&member, None, None, None).unwrap();
        assert!(Arc::ptr_eq(&first, &back));
        assert_eq!(searches(), before + 6);
    }

    #[test]
    fn a_repeat_use_finds_what_a_new_search_would() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = scratch("moves", "[flags.root]\n");
        let member = dir.join("member");
        let _ = std::fs::remove_file(member.join("flags.toml"));
        let found = |member: &Path| {
            load_from(member, None, None, None).map(|build| build.manifest_path.clone())
        };
        assert_eq!(found(&member).unwrap(), dir.join("flags.toml"));
        assert_eq!(found(&member).unwrap(), dir.join("flags.toml"));

        // A manifest created nearer the crate than the one found is the one a search would find.
        std::fs::write(member.join("flags.toml"), "[flags.member]\n").unwrap();
        let nearer = load_from(&member, None, None, None).unwrap();
        assert_eq!(nearer.manifest_path, member.join("flags.toml"));
        assert!(nearer.manifest.flag_index("member").is_some());

        // Deleted: found further up again; none left: the search's message.
        std::fs::remove_file(member.join("flags.toml")).unwrap();
        assert_eq!(found(&member).unwrap(), dir.join("flags.toml"));
        std::fs::remove_file(dir.join("flags.toml")).unwrap();
        let missing = found(&member).unwrap_err();
        assert_eq!(
            missing.messages,
            [flag_manifest::locate_manifest(&member, None).unwrap_err()],
        );
        // Created later: found by the next use (a failed search is not remembered).
        std::fs::write(dir.join("flags.toml"), "[flags.root]\n").unwrap();
        assert_eq!(found(&member).unwrap(), dir.join("flags.toml"));

        // Named explicitly and then deleted: the search's message, not a stale answer.
        std::fs::write(dir.join("named.toml"), "[flags.named]\n").unwrap();
        let named = load_from(&member, Some("../named.toml"), None, None).unwrap();
        assert!(named.manifest.flag_index("named").is_some());
        std::fs::remove_file(dir.join("named.toml")).unwrap();
        let gone = load_from(&member, Some("../named.toml"), None, None).unwrap_err();
        assert!(
            gone.messages[0].contains("which is not a file"),
            "{:?}",
            gone.messages
        );
    }

    #[test]
    fn wrong_variables_leave_a_build_to_expand_under() {
        let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = scratch(
            "fallback",
            "[flags.a]\n[flags.b]\n\n[profiles.p]\na = true\n",
        );
        let member = dir.join("member");
        let on = |error: &LoadError, name: &str| {
            let build = error.fallback.as_ref().expect("a fallback build");
            build.resolution.is_enabled(&build.manifest, name)
        };
        // A bad override under a good profile: the profile alone.
        let error = load_from(&member, None, Some("p".into()), Some("b=maybe".into())).unwrap_err();
        assert!(error.messages[0].contains("`maybe` is not a flag state"));
        assert!(on(&error, "a") && !on(&error, "b"));
        // An unknown profile: the defaults.
        let error = load_from(&member, None, Some("q".into()), Some("b".into())).unwrap_err();
        assert!(!on(&error, "a") && !on(&error, "b"));
        // A broken manifest: nothing to expand under.
        std::fs::write(dir.join("flags.toml"), "[flags.a\n").unwrap();
        let error = load_from(&member, None, None, None).unwrap_err();
        assert!(error.fallback.is_none());
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
