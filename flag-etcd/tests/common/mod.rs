//! Shared by the integration tests: a sink that records events, waits bounded in time, and a
//! configuration with short timeouts.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flag_etcd::{Change, Entry, FleetConfig, FleetEvent};

pub const PREFIX: &str = "/flags/checkout/prod/";

/// A configuration with short timeouts and backoff, so that tests stay fast.
pub fn config(endpoint: &str) -> FleetConfig {
    FleetConfig::new(vec![endpoint.to_owned()], PREFIX)
        .unwrap()
        .with_connect_timeout(Duration::from_millis(500))
        .with_request_timeout(Duration::from_secs(1))
        .with_backoff(Duration::from_millis(20), Duration::from_millis(200))
}

/// Records every event a watcher sends.
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<FleetEvent>>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink that records and keeps watching.
    pub fn sink(&self) -> impl FnMut(FleetEvent) -> bool + Send + 'static {
        let events = Arc::clone(&self.events);
        move |event| {
            events.lock().unwrap().push(event);
            true
        }
    }

    pub fn events(&self) -> Vec<FleetEvent> {
        self.events.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.events.lock().unwrap().len()
    }

    /// Blocks (polling) until `done` holds for the events, or panics after `timeout` with what
    /// was seen.
    pub fn wait(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[FleetEvent]) -> bool,
    ) -> Vec<FleetEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let events = self.events();
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; events: {events:#?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// [`Recorder::wait`] for async tests.
    pub async fn wait_async(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[FleetEvent]) -> bool,
    ) -> Vec<FleetEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let events = self.events();
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; events: {events:#?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

pub fn count(events: &[FleetEvent], pred: impl Fn(&FleetEvent) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

pub fn is_snapshot(e: &FleetEvent) -> bool {
    matches!(e, FleetEvent::Snapshot { .. })
}
pub fn is_changes(e: &FleetEvent) -> bool {
    matches!(e, FleetEvent::Changes { .. })
}
pub fn is_stale(e: &FleetEvent) -> bool {
    matches!(e, FleetEvent::Stale { .. })
}
pub fn is_resumed(e: &FleetEvent) -> bool {
    matches!(e, FleetEvent::Resumed { .. })
}

/// The state a sink that applies the events in order ends with: name -> entry, and the last
/// revision.
pub fn apply(events: &[FleetEvent]) -> (BTreeMap<String, Entry>, i64) {
    let mut state = BTreeMap::new();
    let mut revision = 0;
    for event in events {
        match event {
            FleetEvent::Snapshot {
                revision: r,
                entries,
            } => {
                state = entries
                    .iter()
                    .map(|e| (e.name.clone(), e.clone()))
                    .collect();
                revision = *r;
            }
            FleetEvent::Changes {
                revision: r,
                changes,
            } => {
                for c in changes {
                    match c {
                        Change::Put(e) => {
                            state.insert(e.name.clone(), e.clone());
                        }
                        Change::Delete { name, .. } => {
                            state.remove(name);
                        }
                    }
                }
                revision = *r;
            }
            FleetEvent::Stale { .. } | FleetEvent::Resumed { .. } => {}
        }
    }
    (state, revision)
}

/// A raw etcd client, to write keys behind the watcher's back.
pub async fn raw(endpoint: &str) -> etcd_client::Client {
    etcd_client::Client::connect([endpoint], None)
        .await
        .unwrap()
}

/// Puts `key` (under the prefix) and returns the revision of the put.
pub async fn put(client: &mut etcd_client::Client, name: &str, value: &str) -> i64 {
    let resp = client
        .put(format!("{PREFIX}{name}"), value, None)
        .await
        .unwrap();
    resp.header().unwrap().revision()
}

/// Deletes `key` (under the prefix) and returns the revision of the delete.
pub async fn delete(client: &mut etcd_client::Client, name: &str) -> i64 {
    let resp = client
        .delete(format!("{PREFIX}{name}"), None)
        .await
        .unwrap();
    resp.header().unwrap().revision()
}

/// etcd's state under the prefix, read directly.
pub async fn etcd_state(client: &mut etcd_client::Client) -> (BTreeMap<String, Entry>, i64) {
    let resp = client
        .get(PREFIX, Some(etcd_client::GetOptions::new().with_prefix()))
        .await
        .unwrap();
    let revision = resp.header().unwrap().revision();
    let state = resp
        .kvs()
        .iter()
        .map(|kv| {
            let name = kv
                .key_str()
                .unwrap()
                .strip_prefix(PREFIX)
                .unwrap()
                .to_owned();
            let entry = Entry {
                name: name.clone(),
                value: String::from_utf8_lossy(kv.value()).into_owned(),
                mod_revision: kv.mod_revision(),
            };
            (name, entry)
        })
        .collect();
    (state, revision)
}

pub fn entry(name: &str, value: &str, mod_revision: i64) -> Entry {
    Entry {
        name: name.to_owned(),
        value: value.to_owned(),
        mod_revision,
    }
}
