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

use flag_manifest::{Diagnostic, Location, Targeting, parse_overrides, parse_state_file};

use crate::Error;
use crate::registry::{self, Registry};

/// Applies a `FEATURE_FLAGS` value to the env layer.
pub(crate) fn apply_env(registry: &mut Registry, value: &str) {
    let (entries, malformed) = parse_overrides(value);
    for diagnostic in malformed {
        let message = diagnostic.render(Path::new(""));
        registry
            .outbox
            .errors
            .push(Error::InvalidOverride { message });
    }
    for entry in entries {
        if let Some(id) = registry.accept(&entry.name, entry.enabled) {
            registry.flags[id].env = Some(entry.enabled);
        }
    }
}

/// Replaces the file layer with the states of the file at `path`; on error, changes nothing. Returns the
/// bytes read, if any, so that a watcher compares later reads with what was actually loaded.
pub(crate) fn load_file_into(
    registry: &mut Registry,
    path: &Path,
) -> (Option<Vec<u8>>, Result<(), Error>) {
    let file_error = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => return (None, Err(file_error(error.to_string()))),
    };
    let states = match parse_state_file(&text) {
        Ok(states) => states,
        Err(diagnostics) => {
            return (
                Some(text.into_bytes()),
                Err(file_error(describe(&diagnostics))),
            );
        }
    };
    let mut targetings: Vec<Option<Targeting>> = vec![None; registry.flags.len()];
    for flag in &mut registry.flags {
        flag.file = None;
    }
    for state in states {
        let id = match registry.find_dynamic(&state.name) {
            Ok(id) => Some(id),
            // A static flag named with the state it was compiled with, and no rules: nothing to change.
            Err(Error::StaticFlag { compiled, .. })
                if state.targeting.is_none() && state.enabled.is_none_or(|on| on == compiled) =>
            {
                None
            }
            Err(error) => {
                registry.outbox.errors.push(error);
                None
            }
        };
        if let Some(id) = id {
            registry.flags[id].file = state.enabled;
            targetings[id] = state.targeting;
        }
    }
    for (id, targeting) in targetings.into_iter().enumerate() {
        if registry.flags[id].file_targeting != targeting {
            registry.flags[id].file_targeting = targeting;
            registry.compile_targeting_of(id);
            #[cfg(feature = "tracing")]
            tracing::info!(target: "flag_runtime", flag = registry.flags[id].decl.name, "flag rules changed");
        }
    }
    (Some(text.into_bytes()), Ok(()))
}

/// Loads the file at `path`, recomputing on success and queueing the error otherwise. Returns the bytes read.
pub(crate) fn reload(registry: &mut Registry, path: &Path) -> Option<Vec<u8>> {
    let (contents, outcome) = load_file_into(registry, path);
    match outcome {
        Ok(()) => registry.recompute(),
        Err(error) => registry.outbox.errors.push(error),
    }
    contents
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| match &diagnostic.location {
            Location::Manifest { line, column, .. } => {
                format!("{line}:{column}: {}", diagnostic.message)
            }
            _ => diagnostic.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads a runtime flags file now: `[flags.NAME]` tables with `default = true|false` and, for dynamic flags,
/// `rules`, `variants` and `variant_stickiness`: the manifest's shape. The file's states and rules replace
/// those of any file read before; flags it does not name fall back to lower sources and to their compiled-in
/// rules. On error nothing changes and the error is returned; unknown names and static flags in the file
/// are reported (see [`set_reporter`](crate::set_reporter)) and skipped.
///
/// ```
/// # let _ = flag_runtime::flag!("fast_search"); // links the crate's catalog of flags
/// let file = std::env::temp_dir().join(format!("load-doc-{}.toml", std::process::id()));
/// std::fs::write(&file, "[flags.fast_search]\ndefault = true\n").unwrap();
/// flag_runtime::load_file(&file).unwrap();
/// assert!(flag_runtime::is_enabled("fast_search").unwrap());
///
/// std::fs::write(&file, "[flags.fast_search]\ndefault = tru\n").unwrap();
/// let error = flag_runtime::load_file(&file).unwrap_err();
/// assert!(error.to_string().contains("2:11"), "{error}");
/// assert!(flag_runtime::is_enabled("fast_search").unwrap(), "the last good state is kept");
/// ```
pub fn load_file(path: impl AsRef<Path>) -> Result<(), Error> {
    registry::with(|registry| {
        load_file_into(registry, path.as_ref()).1?;
        registry.recompute();
        Ok(())
    })
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
