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
    fleet: FleetSettings,
}

/// Where the fleet is, from `FEATURE_FLAGS_ETCD*` or [`Builder::etcd`].
#[derive(Debug, Clone, Default)]
pub(crate) struct FleetSettings {
    /// The endpoints as given (comma-separated); `None`: no fleet.
    pub endpoints: Option<String>,
    pub prefix: Option<String>,
    pub snapshot: Option<PathBuf>,
    pub instance: Option<String>,
    /// How long the first use may wait for the fleet's first read.
    pub start_wait: Duration,
}

/// `FEATURE_FLAGS_ETCD`: the fleet's etcd endpoints, comma-separated (the `etcd` feature).
pub const ENV_ETCD: &str = "FEATURE_FLAGS_ETCD";
/// `FEATURE_FLAGS_ETCD_PREFIX`: the key prefix of this service's flags, such as `/flags/checkout/prod/`;
/// required with [`ENV_ETCD`].
pub const ENV_ETCD_PREFIX: &str = "FEATURE_FLAGS_ETCD_PREFIX";
/// `FEATURE_FLAGS_ETCD_SNAPSHOT`: a local file where the fleet's flags are kept after each change, read at
/// start-up when etcd is out of reach.
pub const ENV_ETCD_SNAPSHOT: &str = "FEATURE_FLAGS_ETCD_SNAPSHOT";
/// `FEATURE_FLAGS_ETCD_INSTANCE`: this instance's name in the fleet's presence keys (default
/// `HOST-PID`).
pub const ENV_ETCD_INSTANCE: &str = "FEATURE_FLAGS_ETCD_INSTANCE";
/// The longest the first use of the runtime waits for the fleet's first read before it serves the
/// snapshot (or the lower layers) and lets the fleet catch up in the background.
pub const DEFAULT_FLEET_START_WAIT: Duration = Duration::from_secs(1);

impl Settings {
    fn from_env() -> Settings {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        Settings {
            file: std::env::var_os(ENV_FILE)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from),
            poll: Some(DEFAULT_POLL),
            env: true,
            fleet: FleetSettings {
                endpoints: var(ENV_ETCD),
                prefix: var(ENV_ETCD_PREFIX),
                snapshot: var(ENV_ETCD_SNAPSHOT).map(PathBuf::from),
                instance: var(ENV_ETCD_INSTANCE),
                start_wait: DEFAULT_FLEET_START_WAIT,
            },
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
        if let Some(endpoints) = &self.fleet.endpoints {
            start_fleet(registry, endpoints, &self.fleet);
        }
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
                fleet: FleetSettings {
                    start_wait: DEFAULT_FLEET_START_WAIT,
                    ..FleetSettings::default()
                },
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

    /// Joins the fleet at `endpoints` (comma-separated, as `FEATURE_FLAGS_ETCD`), whose flags live under
    /// `prefix` (as `FEATURE_FLAGS_ETCD_PREFIX`): one table per flag, under the runtime file's rules. Needs
    /// the crate's `etcd` feature; without it, the runtime reports that the fleet is not compiled in.
    ///
    /// The watch runs on a thread of its own with its own small tokio runtime, so that this works from a
    /// synchronous `main` as from a tokio application. The first use of the runtime waits at most
    /// [`Builder::etcd_start_wait`] (1 s by default) for the fleet's first read.
    ///
    /// ```no_run
    /// flag_runtime::Builder::new()
    ///     .etcd("http://127.0.0.1:2379", "/flags/checkout/prod/")
    ///     .etcd_snapshot("/var/lib/checkout/flags-snapshot.toml")
    ///     .install()?;
    /// # Ok::<(), flag_runtime::Error>(())
    /// ```
    pub fn etcd(mut self, endpoints: impl Into<String>, prefix: impl Into<String>) -> Builder {
        self.settings.fleet.endpoints = Some(endpoints.into());
        self.settings.fleet.prefix = Some(prefix.into());
        self
    }

    /// Keeps the fleet's flags in `path` after each change, and reads them from there at start-up when
    /// etcd is out of reach (as `FEATURE_FLAGS_ETCD_SNAPSHOT`).
    pub fn etcd_snapshot(mut self, path: impl Into<PathBuf>) -> Builder {
        self.settings.fleet.snapshot = Some(path.into());
        self
    }

    /// This instance's name among the fleet's presence keys (as `FEATURE_FLAGS_ETCD_INSTANCE`).
    pub fn etcd_instance(mut self, name: impl Into<String>) -> Builder {
        self.settings.fleet.instance = Some(name.into());
        self
    }

    /// How long the first use of the runtime may wait for the fleet's first read (default 1 s;
    /// `Duration::ZERO` never waits: the fleet's flags then arrive a moment after start-up).
    pub fn etcd_start_wait(mut self, wait: Duration) -> Builder {
        self.settings.fleet.start_wait = wait;
        self
    }

    /// Starts the runtime with these settings. Fails, changing nothing, if it has already started (a flag
    /// was checked or the runtime's API used before this call, on any thread).
    pub fn install(self) -> Result<(), Error> {
        if registry::started() {
            return Err(Error::AlreadyInitialized);
        }
        *CHOSEN.lock().unwrap_or_else(PoisonError::into_inner) = Some(self.settings);
        registry::with(|_| ());
        // The registry takes the chosen settings when it starts. If they are still here, another thread
        // started it first, between the check above and now: they were not used.
        match CHOSEN.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(_) => Err(Error::AlreadyInitialized),
            None => Ok(()),
        }
    }
}

/// Joins the fleet described by `fleet` (the `etcd` feature).
#[cfg(feature = "etcd")]
fn start_fleet(registry: &mut Registry, endpoints: &str, fleet: &FleetSettings) {
    crate::etcd::start(registry, endpoints, fleet);
}

/// Without the `etcd` feature, a fleet asked for is reported, not silently ignored.
#[cfg(not(feature = "etcd"))]
fn start_fleet(registry: &mut Registry, _endpoints: &str, _fleet: &FleetSettings) {
    registry.report(Error::FleetConfig {
        message: format!(
            "{ENV_ETCD} (or Builder::etcd) asks for the fleet, but this program was built without \
             flag-runtime's `etcd` feature; the fleet is ignored"
        ),
    });
}
