//! The fleet layer: one table per flag, shared by every instance of a service and read from a store of
//! revisions (etcd, with the `etcd` feature), applied here as batches.
//!
//! A source hands over what its store says, in order: a whole [`Update::Snapshot`] (at start, after the store
//! compacted past what was seen, and periodically), or the [`Update::Changes`] of one revision. Each batch is
//! applied under the registry's lock with one recomputation, so introspection and the string API never see
//! two revisions mixed, and every check that starts after it sees all of it. Each key is checked as a runtime
//! file's table is (the same parser, [`flag_manifest::parse_flag_table`], and the same
//! [`entry`](crate::entry) rules), but on its own: a bad value is reported with its key and revision and the
//! flag keeps its previous fleet table, while the other keys of the batch still apply. A deleted key falls
//! back to the layers below.
//!
//! The source also says when the store is out of reach ([`Update::Stale`]): the state stays as it was, and
//! [`fleet_status`] says since when and at which revision.

use serde::Serialize;

use crate::registry;
#[cfg(any(test, feature = "etcd"))]
use {
    crate::Error,
    crate::entry::{self, Accepted},
    crate::registry::{FleetEntry, Layer, Registry},
    std::collections::BTreeMap,
    std::time::{SystemTime, UNIX_EPOCH},
};

#[cfg(any(test, feature = "etcd"))]
/// What a fleet source reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Update {
    /// Every flag's table at `revision`: replaces the whole fleet layer.
    Snapshot {
        revision: i64,
        entries: Vec<Table>,
        /// Read from the local snapshot file rather than the store.
        from_file: bool,
    },
    /// The changes that bring the fleet to `revision`, in order: a table, or a deleted key's flag name.
    Changes {
        revision: i64,
        changes: Vec<Result<Table, String>>,
    },
    /// The store is out of reach (the source's last revision is not needed: the layer knows what it
    /// applied).
    #[cfg_attr(not(feature = "etcd"), allow(dead_code))]
    Stale { since: SystemTime, error: String },
    /// The store answers again.
    #[cfg_attr(not(feature = "etcd"), allow(dead_code))]
    Resumed,
}

/// One flag's table as the store holds it.
#[cfg(any(test, feature = "etcd"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// The flag's name (the key without the prefix).
    pub name: String,
    /// The table's text.
    pub text: String,
    /// The revision that last wrote the key.
    pub revision: i64,
}

/// The fleet source's state, from [`fleet_status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FleetStatus {
    /// Where the flags live: the etcd key prefix.
    pub prefix: String,
    /// The revision of the last batch applied (0 before the first).
    pub revision: i64,
    /// When the store went out of reach, in seconds since the Unix epoch; `None` while it answers.
    pub stale_since: Option<u64>,
    /// Why it is out of reach.
    pub error: Option<String>,
    /// Whether the state was read from the local snapshot file, the store not having answered yet.
    pub from_snapshot: bool,
}

impl FleetStatus {
    #[cfg(any(test, feature = "etcd"))]
    pub(crate) fn new(prefix: &str) -> FleetStatus {
        FleetStatus {
            prefix: prefix.to_owned(),
            revision: 0,
            stale_since: None,
            error: None,
            from_snapshot: false,
        }
    }
}

/// The fleet source's state, when the program runs with one (see the crate's `etcd` feature).
///
/// ```
/// // Without a fleet source:
/// assert_eq!(flag_runtime::fleet_status(), None);
/// ```
pub fn fleet_status() -> Option<FleetStatus> {
    registry::with(|registry| registry.fleet_status().cloned())
}

#[cfg(any(test, feature = "etcd"))]
/// Applies one update under the registry's lock. Returns the fleet layer's tables after it, when the update
/// applied a revision (for the snapshot file).
pub(crate) fn apply(registry: &mut Registry, update: Update) -> Option<(i64, Vec<Table>)> {
    let prefix = registry
        .fleet_status()
        .map(|status| status.prefix.clone())
        .unwrap_or_default();
    let (revision, changes, replace_all, from_file) = match update {
        Update::Snapshot {
            revision,
            entries,
            from_file,
        } => (
            revision,
            entries.into_iter().map(Ok).collect(),
            true,
            from_file,
        ),
        Update::Changes { revision, changes } => (revision, changes, false, false),
        Update::Stale { since, error, .. } => {
            let since_secs = since
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            registry.update_fleet_status(|status| {
                status.stale_since = Some(since_secs);
                status.error = Some(error.clone());
            });
            let (revision, from_snapshot) = registry
                .fleet_status()
                .map_or((0, false), |status| (status.revision, status.from_snapshot));
            registry.report(Error::FleetUnavailable {
                prefix,
                revision,
                from_snapshot,
                error,
            });
            return None;
        }
        Update::Resumed => {
            registry.update_fleet_status(|status| {
                status.stale_since = None;
                status.error = None;
            });
            return None;
        }
    };
    // The last change of each flag in the batch is the one that counts.
    let mut last: BTreeMap<String, Option<Table>> = BTreeMap::new();
    for change in changes {
        match change {
            Ok(table) => last.insert(table.name.clone(), Some(table)),
            Err(deleted) => last.insert(deleted, None),
        };
    }
    let mut batch: Vec<(usize, Option<(FleetEntry, Accepted)>)> = Vec::new();
    if replace_all {
        for (id, flag) in registry.flags().iter().enumerate() {
            if flag.fleet().is_some() && !last.contains_key(flag.decl().name) {
                batch.push((id, None));
            }
        }
    }
    let mut problems = Vec::new();
    for (name, table) in last {
        let Some(Table {
            text,
            revision: key_revision,
            ..
        }) = table
        else {
            // A deleted key of a flag this program does not know changes nothing here.
            if let Ok(id) = registry.find(&name) {
                batch.push((id, None));
            }
            continue;
        };
        let key = format!("{prefix}{name}");
        let refused = |message: String| Error::Fleet {
            key: key.clone(),
            revision: key_revision,
            message,
        };
        let state = match entry::parse_table(&name, &text) {
            Ok(state) => state,
            Err(message) => {
                problems.push(refused(message));
                continue;
            }
        };
        match entry::check(registry, state.clone(), Layer::Fleet) {
            Ok(Some(accepted)) => batch.push((
                accepted.id,
                Some((
                    FleetEntry {
                        state,
                        text,
                        revision: key_revision,
                    },
                    accepted,
                )),
            )),
            Ok(None) => {}
            Err(error) => problems.push(refused(error.to_string())),
        }
    }
    for problem in problems {
        registry.report(problem);
    }
    registry.replace_fleet(batch, revision, from_file);
    Some((
        revision,
        registry
            .flags()
            .iter()
            .filter_map(|flag| {
                flag.fleet().map(|fleet| Table {
                    name: flag.decl().name.to_owned(),
                    text: fleet.text.clone(),
                    revision: fleet.revision,
                })
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::FlagDecl;
    use crate::targeting::Context;

    static PLAIN: FlagDecl = FlagDecl::dynamic("fleet_test_plain", false);
    static SPLIT: FlagDecl = FlagDecl {
        targeting: "[[rules]]\nuser_ids = [\"7\"]\n[[variants]]\nname = \"a\"\nweight = 1\n",
        variants: &["a", "b"],
        ..FlagDecl::dynamic("fleet_test_split", false)
    };

    fn declared() -> (usize, usize) {
        registry::with(|registry| {
            let ids = (registry.declare(&PLAIN), registry.declare(&SPLIT));
            registry.compile_targeting_of(ids.1);
            if registry.fleet_status().is_none() {
                registry.start_fleet("/flags/test/");
            }
            registry.recompute();
            ids
        })
    }

    fn table(name: &str, text: &str, revision: i64) -> Table {
        Table {
            name: name.into(),
            text: text.into(),
            revision,
        }
    }

    fn apply_now(update: Update) {
        registry::with(|registry| apply(registry, update));
    }

    fn info(name: &str) -> crate::FlagInfo {
        crate::flag_info(name).unwrap()
    }

    #[test]
    fn batches_apply_key_by_key_and_refuse_only_bad_keys() {
        let (_, split) = declared();
        let cell = registry::with(|registry| registry.flag(split).cell());
        apply_now(Update::Snapshot {
            revision: 10,
            entries: vec![
                table("fleet_test_plain", "default = true\n", 9),
                table(
                    "fleet_test_split",
                    "[[variants]]\nname = \"b\"\nweight = 1\n",
                    10,
                ),
            ],
            from_file: false,
        });
        let plain = info("fleet_test_plain");
        assert!(plain.enabled);
        assert_eq!(plain.layer, Layer::Fleet);
        assert_eq!(
            plain.fleet.as_ref().unwrap().revision,
            9,
            "the revision that wrote the key, not the snapshot's"
        );
        let user_7 = Context::new().user_id("7");
        let variant = cell.evaluate_with(&user_7, |outcome| {
            outcome.variant.map(|v| v.name.to_owned())
        });
        assert_eq!(
            variant.as_deref(),
            Some("b"),
            "the fleet's variants, the compiled rule"
        );

        // A bad key is refused with its key and revision; the rest of the batch applies.
        let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&reports);
        let reporter = crate::report::reporter_for_tests(move |error: &Error| {
            let text = error.to_string();
            if text.starts_with("fleet key /flags/test/") {
                sink.lock().unwrap().push(text);
            }
        });
        apply_now(Update::Changes {
            revision: 11,
            changes: vec![
                Ok(table("fleet_test_plain", "default = false\n", 11)),
                Ok(table(
                    "fleet_test_split",
                    "[[variants]]\nname = \"c\"\nweight = 1\n",
                    11,
                )),
                Ok(table("fleet_test_nope", "default = true\n", 11)),
            ],
        });
        drop(reporter);
        let reports = reports.lock().unwrap().clone();
        assert_eq!(reports.len(), 2, "{reports:#?}");
        assert!(
            reports[0]
                .starts_with("fleet key /flags/test/fleet_test_nope at revision 11: unknown flag")
        );
        assert!(
            reports[1].starts_with("fleet key /flags/test/fleet_test_split at revision 11: flag `fleet_test_split`: variant `c`"),
            "{}",
            reports[1]
        );
        assert!(!info("fleet_test_plain").enabled, "applied");
        let variant = cell.evaluate_with(&user_7, |outcome| {
            outcome.variant.map(|v| v.name.to_owned())
        });
        assert_eq!(
            variant.as_deref(),
            Some("b"),
            "the refused key keeps its previous table"
        );
        assert_eq!(info("fleet_test_split").fleet.unwrap().revision, 10);

        // A higher layer masks the fleet's value; introspection shows both.
        crate::set("fleet_test_plain", true).unwrap();
        let masked = info("fleet_test_plain");
        assert!(masked.enabled);
        assert_eq!(masked.layer, Layer::Set);
        let fleet = masked.fleet.as_ref().unwrap();
        assert_eq!(
            (fleet.enabled, fleet.masked_by),
            (Some(false), Some(Layer::Set))
        );
        assert!(
            masked
                .describe()
                .ends_with("the fleet says off at revision 11, masked by set")
        );
        crate::reset("fleet_test_plain").unwrap();

        // A deleted key falls back to the layers below; a snapshot without a key deletes it too.
        apply_now(Update::Changes {
            revision: 12,
            changes: vec![Err("fleet_test_plain".into())],
        });
        assert_eq!(info("fleet_test_plain").layer, Layer::Compiled);
        apply_now(Update::Snapshot {
            revision: 13,
            entries: Vec::new(),
            from_file: false,
        });
        assert!(info("fleet_test_split").fleet.is_none());
        let variant = cell.evaluate_with(&user_7, |outcome| {
            outcome.variant.map(|v| v.name.to_owned())
        });
        assert_eq!(
            variant.as_deref(),
            Some("a"),
            "back to the compiled variants"
        );
        assert_eq!(fleet_status().unwrap().revision, 13);
    }
}
