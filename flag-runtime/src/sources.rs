//! The run-time sources of flag states: `FEATURE_FLAGS` at start-up and a runtime flags file, read once or
//! watched.
//!
//! Both parse with `flag-manifest`, the parser the macros use, so the syntax is the one documented for build
//! time. Bad input is never fatal: malformed text is reported and the last good state kept; unknown names and
//! static flags asked to change are reported and skipped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use flag_manifest::{Diagnostic, FileState, Location, parse_overrides_with, parse_state_file};

use crate::Error;
use crate::entry::{self, Accepted};
use crate::registry::{self, Layer, Registry};

/// Applies a `FEATURE_FLAGS` value to the env layer.
pub(crate) fn apply_env(registry: &mut Registry, value: &str) {
    let (entries, malformed) = parse_overrides_with(value, |name| {
        registry
            .find(name)
            .is_ok_and(|id| registry.flag(id).decl().values.is_some())
    });
    for diagnostic in malformed {
        let message = diagnostic.render(Path::new(""));
        registry.report(Error::InvalidOverride { message });
    }
    for entry in entries {
        let Some((text, _)) = &entry.value else {
            if let Some(id) = registry.accept(&entry.name, entry.enabled) {
                registry.set_env(id, entry.enabled);
            }
            continue;
        };
        // A value flag's value: the one check of a value given at run time, then, as for a state, a static
        // flag may only be given the value it was built with.
        let Ok(id) = registry.find(&entry.name) else {
            continue;
        };
        let chosen = match registry.choose_value(id, text, "set") {
            Ok(index) => index,
            Err(error) => {
                registry.report(error);
                continue;
            }
        };
        let decl = registry.flag(id).decl();
        if decl.dynamic {
            registry.set_env_value(id, chosen);
        } else if decl.values.and_then(|values| values.default) != Some(chosen) {
            registry.report(Error::StaticFlag {
                name: decl.name.to_owned(),
                compiled: decl.default,
            });
        }
    }
}

/// Replaces the file layer with the file at `path`, whole or not at all: if any of its tables is refused
/// (see [`crate::entry`]), nothing changes and the error lists every problem. Returns the bytes read, if any,
/// so that a watcher compares later reads with what was actually loaded.
pub(crate) fn load_file_into(
    registry: &mut Registry,
    path: &Path,
) -> (Option<Vec<u8>>, Result<(), Error>) {
    let file_error = |problems: Vec<String>| Error::File {
        path: path.to_path_buf(),
        problems,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => return (None, Err(file_error(vec![error.to_string()]))),
    };
    let outcome = match parse_state_file(&text) {
        Ok(states) => apply_file(registry, states).map_err(file_error),
        Err(diagnostics) => Err(file_error(diagnostics.iter().map(describe_one).collect())),
    };
    (Some(text.into_bytes()), outcome)
}

/// Checks every table of a runtime file, then, if all are accepted, makes them the file layer.
fn apply_file(registry: &mut Registry, states: Vec<FileState>) -> Result<(), Vec<String>> {
    let mut accepted = Vec::new();
    let mut problems = Vec::new();
    for state in states {
        match entry::check(registry, state, Layer::File) {
            Ok(Some(Accepted {
                id,
                state,
                targeted,
            })) => accepted.push((id, state, targeted)),
            Ok(None) => {}
            Err(error) => problems.push(error.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    registry.replace_file(accepted);
    Ok(())
}

/// Loads the file at `path`, recomputing on success and queueing the error otherwise. Returns the bytes read.
pub(crate) fn reload(registry: &mut Registry, path: &Path) -> Option<Vec<u8>> {
    let (contents, outcome) = load_file_into(registry, path);
    if let Err(error) = outcome {
        registry.report(error);
    }
    contents
}

/// One problem of a parse, with its line and column.
pub(crate) fn describe_one(diagnostic: &Diagnostic) -> String {
    match &diagnostic.location {
        Location::Manifest { line, column, .. } => {
            format!("{line}:{column}: {}", diagnostic.message)
        }
        _ => diagnostic.message.clone(),
    }
}

/// Reads a runtime flags file now. It has the manifest's shape, `[flags.NAME]` tables, and each key of a
/// dynamic flag's table replaces one part of the flag, leaving the others as compiled in:
///
/// | key | replaces |
/// | --- | --- |
/// | `default` | the flag's plain state |
/// | `rules` | all its rules (`rules = []`: none, the plain state decides) |
/// | `variants` | its flag-level variants |
/// | `variant_stickiness` | what keeps a context on its variant |
///
/// The file replaces any file read before: a flag it does not name goes back to what was compiled in. It is
/// applied whole or not at all: a file that does not parse, names an unknown flag, asks a static flag to
/// change, names a variant the program was built without, or gives a key only the build decides
/// (`mode`, `description`, `owner`, `expires`, `requires`) another value, changes nothing, and the error
/// lists every problem.
///
/// ```
/// let file = std::env::temp_dir().join(format!("load-doc-{}.toml", std::process::id()));
/// std::fs::write(&file, "[flags.fast_search]\ndefault = true\n")?;
/// flag_runtime::load_file(&file)?;
/// assert!(flag_runtime::flag!("fast_search"));
///
/// std::fs::write(&file, "[flags.fast_search]\ndefault = tru\n")?;
/// let error = flag_runtime::load_file(&file).unwrap_err();
/// assert!(error.to_string().contains("2:11"), "{error}");
/// assert!(flag_runtime::flag!("fast_search"), "the last good state is kept");
///
/// std::fs::write(&file, "[flags.checkout_v2]\n[[flags.checkout_v2.variants]]\nname = \"three_page\"\nweight = 1\n")?;
/// let error = flag_runtime::load_file(&file).unwrap_err();
/// assert!(error.to_string().contains("variant `three_page`"), "{error}");
/// # std::fs::remove_file(&file)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_file(path: impl AsRef<Path>) -> Result<(), Error> {
    registry::with(|registry| load_file_into(registry, path.as_ref()).1)
}

/// Reads a runtime flags file now and again whenever its contents change, checking every `poll`. Problems
/// are reported (see [`set_reporter`](crate::set_reporter)) and leave the last good state in place. The file
/// is watched until the returned [`FileWatch`] is dropped.
///
/// ```no_run
/// let _watch = flag_runtime::watch_file("flags.runtime.toml", std::time::Duration::from_secs(1));
/// ```
pub fn watch_file(path: impl Into<PathBuf>, poll: Duration) -> FileWatch {
    let path = path.into();
    let loaded = registry::with(|registry| reload(registry, &path));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = spawn_watcher(path, loaded, poll, Some(Arc::clone(&stop)));
    FileWatch {
        stop,
        thread: Some(thread),
    }
}

/// A file being watched by [`watch_file`]; dropping it stops the watch.
#[derive(Debug)]
pub struct FileWatch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FileWatch {
    /// Stops watching and waits for the watcher to finish.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FileWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A thread that re-reads `path` whenever its bytes differ from `loaded` (what was last loaded). Contents
/// rather than modification times are compared, so that two edits within one tick of the file system's clock
/// are both seen.
pub(crate) fn spawn_watcher(
    path: PathBuf,
    loaded: Option<Vec<u8>>,
    poll: Duration,
    stop: Option<Arc<AtomicBool>>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("flag-runtime-watch".into())
        .spawn(move || {
            let mut last = loaded;
            loop {
                std::thread::sleep(poll);
                if stop
                    .as_ref()
                    .is_some_and(|stop| stop.load(Ordering::Relaxed))
                {
                    return;
                }
                let current = std::fs::read(&path).ok();
                if current == last {
                    continue;
                }
                last = registry::with(|registry| reload(registry, &path));
            }
        })
        .unwrap_or_else(|error| {
            panic!("flag-runtime: cannot start the file watcher thread: {error}")
        })
}
