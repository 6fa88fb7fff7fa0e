//! Notifications of changes, for caches and metrics.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use serde::Serialize;

use crate::registry::{self, Layer};

pub(crate) type Subscriber = Arc<dyn Fn(&FlagChange) + Send + Sync>;

/// A dynamic flag's process-wide state changed: for a value flag, its state or its value.
///
/// ```
/// use flag_runtime::Layer;
///
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// let (subscription, changes) = flag_runtime::changes();
/// flag_runtime::set_value("page_size", "large").unwrap();
/// let change = changes.recv().unwrap();
/// assert_eq!((change.name, change.value), ("page_size", Some("large")));
/// assert_eq!(change.value_layer, Some(Layer::Set));
/// flag_runtime::reset("page_size").unwrap();
/// assert_eq!(changes.recv().unwrap().value, Some("medium"));
/// drop(subscription);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FlagChange {
    /// The flag.
    pub name: &'static str,
    /// Its new state.
    pub enabled: bool,
    /// The layer that decided it.
    pub layer: Layer,
    /// The fleet's revision, when the fleet decided it.
    pub revision: Option<i64>,
    /// The source that decided it, as in [`FlagInfo::source`](crate::FlagInfo::source).
    pub source: String,
    /// A value flag's value now, by name (`None` for an on/off flag, or a value flag without a default).
    /// A change of the value alone is announced too.
    pub value: Option<&'static str>,
    /// The layer that chose [`FlagChange::value`], as in [`FlagInfo::value_layer`](crate::FlagInfo::value_layer).
    pub value_layer: Option<Layer>,
}

/// Calls `callback` after each change of a flag's process-wide state or, for a value flag, value (by
/// [`set`](crate::set), [`set_value`](crate::set_value),
/// [`reset`](crate::reset), a file reload or a process-wide override; thread-local overrides are private to
/// their thread and not announced), until the returned [`Subscription`] is dropped. The callback runs on the
/// thread that made the change, after the runtime's lock is released, so it may use the runtime.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// let subscription = flag_runtime::subscribe(move |change| {
///     sink.lock().unwrap().push((change.name, change.enabled));
/// });
/// flag_runtime::set("dark_mode", false).unwrap();
/// flag_runtime::reset("dark_mode").unwrap();
/// drop(subscription);
/// assert_eq!(*seen.lock().unwrap(), [("dark_mode", false), ("dark_mode", true)]);
/// assert!(flag_runtime::flag!("dark_mode"));
/// ```
pub fn subscribe(callback: impl Fn(&FlagChange) + Send + Sync + 'static) -> Subscription {
    registry::with(|registry| {
        let id = registry.subscribe(Arc::new(callback));
        Subscription { id }
    })
}

/// The changes of [`subscribe`] as a channel.
///
/// ```
/// let (subscription, changes) = flag_runtime::changes();
/// flag_runtime::set("fast_search", true).unwrap();
/// assert_eq!(changes.recv().unwrap().name, "fast_search");
/// assert!(flag_runtime::flag!("fast_search"));
/// flag_runtime::reset("fast_search").unwrap();
/// drop(subscription);
/// ```
pub fn changes() -> (Subscription, Receiver<FlagChange>) {
    let (sender, receiver) = channel();
    let subscription = subscribe(move |change| {
        let _ = sender.send(change.clone());
    });
    (subscription, receiver)
}

/// Keeps a [`subscribe`] callback registered; dropping it unsubscribes.
#[derive(Debug)]
#[must_use = "the subscription ends when this is dropped"]
pub struct Subscription {
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let id = self.id;
        registry::with(|registry| registry.unsubscribe(id));
    }
}
