//! The values this crate moves: entries, changes, events, writes and audit records.

use std::time::SystemTime;

/// One key under the prefix, with the prefix stripped.
///
/// ```
/// let e = flag_etcd::Entry { name: "new_ui".into(), value: "default = true".into(), mod_revision: 7 };
/// assert_eq!(e.name, "new_ui");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key without the prefix: the flag's name.
    pub name: String,
    /// The value as UTF-8. A value that is not UTF-8 is passed lossily (with U+FFFD in place of
    /// the bad bytes); the runtime refuses it when it parses the table.
    pub value: String,
    /// The revision of the key's last change.
    pub mod_revision: i64,
}

/// One change of one key.
///
/// ```
/// use flag_etcd::Change;
/// let c = Change::Delete { name: "new_ui".into(), revision: 9 };
/// assert_eq!(c.name(), "new_ui");
/// assert_eq!(c.revision(), 9);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The key was created or replaced.
    Put(Entry),
    /// The key was deleted at `revision`.
    Delete {
        /// The key without the prefix.
        name: String,
        /// The revision of the deletion.
        revision: i64,
    },
}

impl Change {
    /// The name the change is about.
    ///
    /// ```
    /// # use flag_etcd::{Change, Entry};
    /// let c = Change::Put(Entry { name: "a".into(), value: "v".into(), mod_revision: 3 });
    /// assert_eq!(c.name(), "a");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            Change::Put(e) => &e.name,
            Change::Delete { name, .. } => name,
        }
    }

    /// The revision of the change.
    ///
    /// ```
    /// # use flag_etcd::{Change, Entry};
    /// let c = Change::Put(Entry { name: "a".into(), value: "v".into(), mod_revision: 3 });
    /// assert_eq!(c.revision(), 3);
    /// ```
    pub fn revision(&self) -> i64 {
        match self {
            Change::Put(e) => e.mod_revision,
            Change::Delete { revision, .. } => *revision,
        }
    }
}

/// What the watcher tells its sink, in order.
///
/// A sink that applies `Snapshot` by replacing its whole fleet layer and `Changes` by applying
/// each change in order has, after each event, exactly etcd's state under the prefix at that
/// event's revision.
///
/// ```
/// use flag_etcd::FleetEvent;
/// fn apply(event: FleetEvent) -> bool {
///     match event {
///         FleetEvent::Snapshot { revision, entries } => println!("{} keys at {revision}", entries.len()),
///         FleetEvent::Changes { revision, changes } => println!("{} changes to {revision}", changes.len()),
///         FleetEvent::Stale { revision, error, .. } => eprintln!("fleet stale at {revision}: {error}"),
///         FleetEvent::Resumed { revision } => eprintln!("fleet back, resuming after {revision}"),
///     }
///     true // keep watching
/// }
/// assert!(apply(FleetEvent::Resumed { revision: 4 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetEvent {
    /// Everything under the prefix at `revision`: replaces all that came before (at start,
    /// after compaction, on the periodic re-read, or after a reconnect that had to re-read).
    /// Its revision is lower than the last one applied only if etcd itself went back in time
    /// (restored from a backup): the snapshot is still etcd's state and replaces all.
    Snapshot {
        /// The store revision the read was made at.
        revision: i64,
        /// Every key under the prefix, sorted by name.
        entries: Vec<Entry>,
    },
    /// Every change of one watch response, in order, bringing the state to `revision` (the
    /// revision of the last change).
    Changes {
        /// The revision of the last change.
        revision: i64,
        /// The changes, oldest first.
        changes: Vec<Change>,
    },
    /// The connection is lost or etcd unreachable; the last applied state is as of `revision`
    /// (0 if nothing was ever read). Sent once per outage, not per retry.
    Stale {
        /// When the outage was noticed.
        since: SystemTime,
        /// The revision of the last applied event.
        revision: i64,
        /// What failed, with the endpoints.
        error: String,
    },
    /// Connected again after a `Stale`, before the `Snapshot` or `Changes` that catch up.
    Resumed {
        /// The revision of the last applied event; the watch resumes after it.
        revision: i64,
    },
}

/// One write of [`FleetClient::write`](crate::FleetClient::write).
///
/// ```
/// let w = flag_etcd::Write::put("new_ui", "default = true").if_revision(0); // create only
/// assert_eq!(w.if_revision, Some(0));
/// let d = flag_etcd::Write::delete("old_flag");
/// assert_eq!(d.value, None);
/// ```
#[derive(Debug, Clone)]
pub struct Write {
    /// The flag's name (no '/').
    pub name: String,
    /// The new value; `None` deletes the key.
    pub value: Option<String>,
    /// When set, the write happens only if the key's mod_revision is this (0: the key must
    /// not exist).
    pub if_revision: Option<i64>,
}

impl Write {
    /// Puts `value` at `name`, whatever is there.
    ///
    /// ```
    /// let w = flag_etcd::Write::put("a", "v");
    /// assert_eq!((w.value.as_deref(), w.if_revision), (Some("v"), None));
    /// ```
    pub fn put(name: impl Into<String>, value: impl Into<String>) -> Self {
        Write {
            name: name.into(),
            value: Some(value.into()),
            if_revision: None,
        }
    }

    /// Deletes `name`, whatever is there.
    ///
    /// ```
    /// let w = flag_etcd::Write::delete("a");
    /// assert!(w.value.is_none());
    /// ```
    pub fn delete(name: impl Into<String>) -> Self {
        Write {
            name: name.into(),
            value: None,
            if_revision: None,
        }
    }

    /// Makes the write conditional on the key's mod_revision (0: the key must not exist).
    ///
    /// ```
    /// let w = flag_etcd::Write::put("a", "v").if_revision(12);
    /// assert_eq!(w.if_revision, Some(12));
    /// ```
    #[must_use]
    pub fn if_revision(mut self, revision: i64) -> Self {
        self.if_revision = Some(revision);
        self
    }
}

/// Who writes, and why: recorded in every audit record of a write.
///
/// ```
/// let a = flag_etcd::AuditInfo::new("alice", "roll out to EU");
/// assert_eq!(a.actor, "alice");
/// ```
#[derive(Debug, Clone)]
pub struct AuditInfo {
    /// Who asked for the write.
    pub actor: String,
    /// Why.
    pub reason: String,
}

impl AuditInfo {
    /// An actor and a reason.
    ///
    /// ```
    /// let a = flag_etcd::AuditInfo::new("ci", "nightly");
    /// assert_eq!(a.reason, "nightly");
    /// ```
    pub fn new(actor: impl Into<String>, reason: impl Into<String>) -> Self {
        AuditInfo {
            actor: actor.into(),
            reason: reason.into(),
        }
    }
}

/// One audit record: one write to one flag, accepted or refused.
///
/// ```
/// let r = flag_etcd::AuditRecord {
///     name: "a".into(), actor: "alice".into(), reason: "why".into(), at: 0,
///     old: None, new: Some("v".into()), outcome: "accepted".into(), revision: 5,
///     expected_revision: Some(0),
/// };
/// assert!(serde_json::to_string(&r).unwrap().contains("\"outcome\":\"accepted\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    /// The flag's name.
    pub name: String,
    /// Who wrote.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When, in seconds since the Unix epoch (the writer's clock).
    pub at: u64,
    /// The value replaced (accepted), or the value that was there (refused); `None`: no key.
    pub old: Option<String>,
    /// The value asked for; `None`: a delete.
    pub new: Option<String>,
    /// `"accepted"` or `"refused"`.
    pub outcome: String,
    /// The revision of the transaction that wrote this record (and, when accepted, the
    /// write).
    pub revision: i64,
    /// The write's `if_revision`, if it had one.
    pub expected_revision: Option<i64>,
}

/// What [`FleetClient::write`](crate::FleetClient::write) did.
///
/// ```
/// use flag_etcd::WriteOutcome;
/// let o = WriteOutcome::Accepted { revision: 12 };
/// assert!(o.is_accepted());
/// assert_eq!(o.revision(), 12);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Every write was made, in one transaction at `revision`.
    Accepted {
        /// The transaction's revision.
        revision: i64,
    },
    /// A write's `if_revision` did not hold: nothing was written but the refused audit
    /// records, at `revision`; `current` has each written name's entry at that revision
    /// (`None`: no key), in the order of the writes.
    Refused {
        /// The revision of the transaction that recorded the refusal.
        revision: i64,
        /// Each name and its current entry.
        current: Vec<(String, Option<Entry>)>,
    },
}

impl WriteOutcome {
    /// Whether the writes were made.
    ///
    /// ```
    /// assert!(!flag_etcd::WriteOutcome::Refused { revision: 3, current: vec![] }.is_accepted());
    /// ```
    pub fn is_accepted(&self) -> bool {
        matches!(self, WriteOutcome::Accepted { .. })
    }

    /// The revision of the transaction.
    ///
    /// ```
    /// assert_eq!(flag_etcd::WriteOutcome::Refused { revision: 3, current: vec![] }.revision(), 3);
    /// ```
    pub fn revision(&self) -> i64 {
        match self {
            WriteOutcome::Accepted { revision } | WriteOutcome::Refused { revision, .. } => {
                *revision
            }
        }
    }
}
