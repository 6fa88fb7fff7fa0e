//! How the runtime starts: which sources it reads, chosen by [`Builder`] or by the environment.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::Error;
use crate::registry::{self, Registry};
use crate::sources;

/// Names a runtime flags file read at start-up and watched for changes.
pub const ENV_FILE: &str = "FEATURE_FLAGS_FILE";

/// How often a watched runtime file is checked for changes unless told otherwise.
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);

static CHOSEN: Mutex<Option<Settings>> = Mutex::new(None);

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    file: Option<PathBuf>,
    poll: Option<Duration>,
    env: bool,
}

impl Settings {
    fn from_env() -> Settings {
        Settings {
            file: std::env::var_os(ENV_FILE)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from),
            poll: Some(DEFAULT_POLL),
            env: true,
        }
    }

    /// The settings a [`Builder`] installed, else those of the environment.
    pub fn take() -> Settings {
        CHOSEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(Settings::from_env)
    }

    /// Reads the start-up sources into a new registry.
    pub fn apply(self, registry: &mut Registry) {
        if let Some(path) = &self.file {
            let (loaded, outcome) = sources::load_file_into(registry, path);
            if let Err(error) = outcome {
                registry.report(error);
            }
            if let Some(poll) = self.poll {
                sources::spawn_watcher(path.clone(), loaded, poll, None);
            }
        }
        if self.env
            && let Ok(value) = std::env::var(flag_manifest::ENV_OVERRIDES)
        {
            sources::apply_env(registry, &value);
        }
    }
}

/// Chooses the runtime's sources in code, for applications that do not want them from the environment.
/// Without a builder, the runtime starts on first use with `FEATURE_FLAGS_FILE` (watched every second) and
/// `FEATURE_FLAGS`.
///
/// ```
/// use std::time::Duration;
///
/// let file = std::env::temp_dir().join(format!("builder-doc-{}.toml", std::process::id()));
/// std::fs::write(&file, "[flags.fast_search]\ndefault = true\n").unwrap();
/// flag_runtime::Builder::new()
///     .file(&file)
///     .poll_interval(Duration::from_millis(200))
///     .env_overrides(false)
///     .install()
///     .unwrap();
/// assert!(flag_runtime::flag!("fast_search"));
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    settings: Settings,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Starts from no file and `FEATURE_FLAGS` read at start-up.
    pub fn new() -> Builder {
        Builder {
            settings: Settings {
                file: None,
                poll: Some(DEFAULT_POLL),
                env: true,
            },
        }
    }

    /// Reads `path` as a runtime flags file at start-up and, unless [`Builder::poll_interval`] says `None`,
    /// whenever it changes.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Builder {
        self.settings.file = Some(path.into());
        self
    }

    /// How often to check the file for changes (`None`: read it once).
    pub fn poll_interval(mut self, poll: impl Into<Option<Duration>>) -> Builder {
        self.settings.poll = poll.into();
        self
    }

    /// Whether `FEATURE_FLAGS` is read at start-up (default: yes).
    pub fn env_overrides(mut self, read: bool) -> Builder {
        self.settings.env = read;
        self
    }

    /// Starts the runtime with these settings. Fails if it has already started (a flag was checked or the
    /// runtime's API used before this call).
    pub fn install(self) -> Result<(), Error> {
        if registry::started() {
            return Err(Error::AlreadyInitialized);
        }
        *CHOSEN.lock().unwrap_or_else(PoisonError::into_inner) = Some(self.settings);
        registry::with(|_| ());
        Ok(())
    }
}
