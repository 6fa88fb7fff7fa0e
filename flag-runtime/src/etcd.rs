//! The fleet source on etcd (the `etcd` feature): `flag-etcd` watches the fleet's prefix and hands over
//! snapshots and revisions, which this module applies to the fleet layer ([`crate::fleet`]) and keeps in
//! the local snapshot file ([`crate::snapshot`]).
//!
//! The watch runs on `flag-etcd`'s own thread with a small tokio runtime, so a program needs no runtime of
//! its own; events cross to an applier thread through a channel, and each is applied under the registry's
//! lock. At start-up the first use of the runtime waits at most the configured start wait (1 s by default)
//! for the first read; if etcd does not answer by then, the snapshot file (if any) serves, and the fleet
//! catches up in the background when etcd answers.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use flag_etcd::{Change, Entry, FleetConfig, FleetEvent, Presence, WatcherHandle};

use crate::Error;
use crate::fleet::{self, Table, Update};
use crate::registry::{self, Registry};
use crate::settings::{ENV_ETCD, ENV_ETCD_PREFIX, FleetSettings};
use crate::snapshot;

/// The watcher, kept for the life of the program (dropping its handle would stop it).
static WATCHER: OnceLock<Mutex<WatcherHandle>> = OnceLock::new();

/// Joins the fleet: starts the watch, waits (bounded) for its first read into `registry`, which is being
/// created, and leaves the rest to an applier thread.
pub(crate) fn start(registry: &mut Registry, endpoints: &str, settings: &FleetSettings) {
    let config = match config(endpoints, settings) {
        Ok(config) => config,
        Err(message) => {
            registry.report(Error::FleetConfig { message });
            return;
        }
    };
    let prefix = config.prefix.clone();
    registry.start_fleet(&prefix);
    let (sender, events) = mpsc::channel();
    let handle = flag_etcd::spawn_watcher(config, move |event| sender.send(event).is_ok());
    match handle {
        Ok(handle) => {
            let _ = WATCHER.set(Mutex::new(handle));
        }
        Err(error) => {
            registry.report(Error::FleetConfig {
                message: format!("cannot start the etcd watcher: {error}"),
            });
            return;
        }
    }
    let snapshot = settings.snapshot.clone();
    let (read, stale) = first_read(registry, &events, settings, snapshot.as_deref(), &prefix);
    if !read && let Some(path) = &snapshot {
        match snapshot::read(path, &prefix) {
            Ok(snapshot::Read::Tables(revision, entries)) => {
                fleet::apply(
                    registry,
                    Update::Snapshot {
                        revision,
                        entries,
                        from_file: true,
                    },
                );
            }
            // A first start: the file comes with the first applied revision.
            Ok(snapshot::Read::Missing) => {}
            Err(message) => registry.report(Error::FleetConfig { message }),
        }
    }
    // Said once the snapshot is in, so that the report names the revision actually served.
    if let Some(stale) = stale {
        fleet::apply(registry, update(stale));
    }
    let spawned = std::thread::Builder::new()
        .name("flag-runtime-fleet".into())
        .spawn(move || {
            for event in events {
                let written = registry::with(|registry| fleet::apply(registry, update(event)));
                keep(snapshot.as_deref(), &prefix, written);
            }
        });
    if let Err(error) = spawned {
        registry.report(Error::FleetConfig {
            message: format!("cannot start the fleet's applier thread: {error}"),
        });
    }
}

/// Waits at most the start wait for the watcher's first read, applying what arrives meanwhile: whether a
/// read arrived, and the watcher's word that etcd is out of reach, if that came first (applied by the
/// caller, after the snapshot file).
fn first_read(
    registry: &mut Registry,
    events: &Receiver<FleetEvent>,
    settings: &FleetSettings,
    snapshot: Option<&Path>,
    prefix: &str,
) -> (bool, Option<FleetEvent>) {
    let deadline = Instant::now() + settings.start_wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = match events.recv_timeout(left) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                return (false, None);
            }
        };
        if matches!(event, FleetEvent::Stale { .. }) {
            return (false, Some(event));
        }
        let state = matches!(
            event,
            FleetEvent::Snapshot { .. } | FleetEvent::Changes { .. }
        );
        let written = fleet::apply(registry, update(event));
        keep(snapshot, prefix, written);
        if state {
            return (true, None);
        }
    }
}

/// The watcher's configuration from the settings, or what is wrong with them.
fn config(endpoints: &str, settings: &FleetSettings) -> Result<FleetConfig, String> {
    let prefix = settings.prefix.as_deref().ok_or_else(|| {
        format!(
            "{ENV_ETCD} is set but {ENV_ETCD_PREFIX} is not: say under which prefix this service's flags \
             live, such as /flags/checkout/prod/"
        )
    })?;
    let endpoints = flag_etcd::parse_endpoints(endpoints)
        .map_err(|error| format!("{ENV_ETCD}={endpoints:?}: {error}"))?;
    let instance = settings.instance.clone().unwrap_or_else(default_instance);
    let presence = Presence::new(instance).map_err(|error| error.to_string())?;
    let config = FleetConfig::new(endpoints, prefix)
        .map_err(|error| format!("{ENV_ETCD_PREFIX}={prefix:?}: {error}"))?;
    Ok(config.with_presence(presence))
}

/// `HOST-PID`, with anything a key segment cannot hold replaced.
fn default_instance() -> String {
    let host = Presence::new("probe").map_or_else(|_| "unknown".to_owned(), |probe| probe.host);
    let host: String = host
        .chars()
        .map(|c| {
            if c == '/' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect();
    format!("{host}-{}", std::process::id())
}

/// What the fleet layer makes of one of the watcher's events.
fn update(event: FleetEvent) -> Update {
    match event {
        FleetEvent::Snapshot { revision, entries } => Update::Snapshot {
            revision,
            entries: entries.into_iter().map(table).collect(),
            from_file: false,
        },
        FleetEvent::Changes { revision, changes } => Update::Changes {
            revision,
            changes: changes
                .into_iter()
                .map(|change| match change {
                    Change::Put(entry) => Ok(table(entry)),
                    Change::Delete { name, .. } => Err(name),
                })
                .collect(),
        },
        FleetEvent::Stale { since, error, .. } => Update::Stale { since, error },
        FleetEvent::Resumed { .. } => Update::Resumed,
    }
}

/// A key as the fleet layer takes it.
fn table(entry: Entry) -> Table {
    Table {
        name: entry.name,
        text: entry.value,
        revision: entry.mod_revision,
    }
}

/// Writes the fleet layer after an applied revision to the snapshot file, if there is one; a failure is
/// reported.
fn keep(snapshot: Option<&Path>, prefix: &str, written: Option<(i64, Vec<Table>)>) {
    let (Some(path), Some((revision, tables))) = (snapshot, written) else {
        return;
    };
    if let Err(message) = snapshot::write(path, prefix, revision, &tables) {
        crate::report::report(&Error::FleetConfig { message });
    }
}
