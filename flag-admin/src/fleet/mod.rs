//! Writes to the fleet (the `fleet` feature): when the host gives [`Admin::fleet`](crate::Admin::fleet) a
//! [`FleetWriter`], every write from the pages and the JSON API becomes one compare-and-swap transaction on
//! the flag's etcd key, through [`flag_etcd::FleetClient`], with the actor and the reason in the audit record
//! of the same transaction; the history is read back from those audit records.
//!
//! The version a form or a `PUT` carries is the key's mod revision the operator saw: etcd refuses the write
//! when the key has changed since (and records the refused attempt), and the page answers 409 with the flag
//! as it is now. Every request is bounded by the client's timeouts; when etcd does not answer, writes get
//! 503 and the pages show this process's view of the fleet with a warning.

use std::collections::HashMap;
use std::time::Duration;

use flag_etcd::{
    AuditInfo, Error as EtcdError, FleetClient, FleetConfig, Write as KeyWrite, WriteOutcome,
};
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

use crate::auth::Actor;
use crate::ledger::{self, Change, Head, Refusal, Write};
use crate::store::Read;

mod table;

use table::{change_of, check, last_accepted, one_line, table_after};

/// How long a write waits for this program's own fleet layer to apply it, so that the page shown next says
/// what was written. Not an error when it passes: the watcher catches up on its own.
const APPLIED_WAIT: Duration = Duration::from_secs(2);

/// Where the page writes when the program runs with the fleet: the etcd prefix of the fleet's flags, with
/// a client connected on first use (and again after etcd went away). Give it to
/// [`Admin::fleet`](crate::Admin::fleet).
///
/// ```no_run
/// use flag_admin::{Admin, Auth, FleetWriter};
///
/// // The same variables the runtime joins the fleet with (FEATURE_FLAGS_ETCD, FEATURE_FLAGS_ETCD_PREFIX).
/// let admin = match FleetWriter::from_env()? {
///     Some(fleet) => Admin::new(Auth::bearer("s3cret-token")).fleet(fleet),
///     None => Admin::new(Auth::bearer("s3cret-token")),
/// };
/// # let _ = admin;
/// # Ok::<(), String>(())
/// ```
pub struct FleetWriter {
    config: FleetConfig,
    /// The one lock of this page's fleet writes: a write reads the key, checks the new table and writes it
    /// with compare-and-swap while holding it; etcd's compare-and-swap orders it with every other writer.
    client: Mutex<Option<FleetClient>>,
}

impl std::fmt::Debug for FleetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetWriter")
            .field("endpoints", &self.config.endpoints)
            .field("prefix", &self.config.prefix)
            .finish_non_exhaustive()
    }
}

impl FleetWriter {
    /// Writes under `config`'s prefix, connecting on first use (bounded by its `connect_timeout`; each
    /// request by its `request_timeout`).
    ///
    /// ```
    /// use flag_etcd::FleetConfig;
    ///
    /// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
    /// let fleet = flag_admin::FleetWriter::new(config); // nothing is connected yet
    /// assert_eq!(fleet.prefix(), "/flags/checkout/prod/");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn new(config: FleetConfig) -> FleetWriter {
        FleetWriter {
            config,
            client: Mutex::new(None),
        }
    }

    /// Writes through `client`, already connected, under its prefix.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), flag_etcd::Error> {
    /// let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/shop/prod/")?;
    /// let client = flag_etcd::FleetClient::connect(&config).await?;
    /// let admin = flag_admin::Admin::new(flag_admin::Auth::bearer("t0ken"))
    ///     .fleet(flag_admin::FleetWriter::with_client(client));
    /// # let _ = admin;
    /// # Ok(()) }
    /// ```
    pub fn with_client(client: FleetClient) -> FleetWriter {
        FleetWriter {
            config: client.config().clone(),
            client: Mutex::new(Some(client)),
        }
    }

    /// The fleet the runtime joins, from the same variables: `None` without `FEATURE_FLAGS_ETCD`, what is
    /// wrong when it is set but the endpoints or `FEATURE_FLAGS_ETCD_PREFIX` are missing or malformed.
    ///
    /// ```
    /// // SAFETY of the example: no other thread reads the environment here.
    /// unsafe { std::env::remove_var(flag_runtime::ENV_ETCD) };
    /// assert!(flag_admin::FleetWriter::from_env()?.is_none());
    /// # Ok::<(), String>(())
    /// ```
    pub fn from_env() -> Result<Option<FleetWriter>, String> {
        use flag_runtime::{ENV_ETCD, ENV_ETCD_PREFIX};
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        let Some(endpoints) = var(ENV_ETCD) else {
            return Ok(None);
        };
        let prefix = var(ENV_ETCD_PREFIX).ok_or_else(|| {
            format!(
                "{ENV_ETCD} is set but {ENV_ETCD_PREFIX} is not: say under which prefix the fleet's flags \
                 live, such as /flags/checkout/prod/"
            )
        })?;
        let parsed = flag_etcd::parse_endpoints(&endpoints)
            .map_err(|error| format!("{ENV_ETCD}={endpoints:?}: {error}"))?;
        let config = FleetConfig::new(parsed, prefix.clone())
            .map_err(|error| format!("{ENV_ETCD_PREFIX}={prefix:?}: {error}"))?;
        Ok(Some(FleetWriter::new(config)))
    }

    /// The etcd prefix of the fleet's flags (ending with '/').
    ///
    /// ```
    /// let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// assert_eq!(flag_admin::FleetWriter::new(config).prefix(), "/flags/a/");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn prefix(&self) -> &str {
        &self.config.prefix
    }

    pub(crate) fn reach(&self) -> String {
        format!(
            "on every instance of the fleet (etcd prefix {})",
            self.config.prefix
        )
    }

    /// The client, connected, under the lock; bounded, so that a request never waits forever behind
    /// others. The error says why not.
    async fn client(&self) -> Result<MutexGuard<'_, Option<FleetClient>>, String> {
        let wait = self.config.connect_timeout + self.config.request_timeout * 4;
        let mut guard = tokio::time::timeout(wait, self.client.lock())
            .await
            .map_err(|_| {
                format!(
                    "etcd at {} is busy: the requests before this one did not finish within {wait:?}",
                    self.config.endpoints.join(",")
                )
            })?;
        if guard.is_none() {
            let client = FleetClient::connect(&self.config)
                .await
                .map_err(|error| error.to_string())?;
            *guard = Some(client);
        }
        Ok(guard)
    }

    /// `run` over the connection (made first if there is none), its failure in words, as [`Self::failed`]
    /// says it.
    async fn request<T>(
        &self,
        run: impl AsyncFnOnce(&mut FleetClient) -> Result<T, EtcdError>,
    ) -> Result<T, String> {
        let mut guard = self.client().await?;
        let result = match guard.as_mut() {
            Some(client) => run(client).await,
            None => Err(EtcdError::InvalidInput("no client".to_owned())),
        };
        result.map_err(|error| Self::failed(&mut guard, &error))
    }

    /// A failed request, in words; after a lost connection the next request connects again.
    fn failed(client: &mut Option<FleetClient>, error: &EtcdError) -> String {
        if matches!(
            error,
            EtcdError::Unreachable { .. } | EtcdError::Timeout { .. }
        ) {
            *client = None;
        }
        error.to_string()
    }

    /// A write that etcd did not take, because `why`.
    fn unavailable(&self, why: &str) -> Refusal {
        Refusal::Unavailable(format!(
            "the fleet's etcd did not answer, so nothing was written: {why}; check that etcd runs at {} \
             (FEATURE_FLAGS_ETCD), then try again",
            self.config.endpoints.join(",")
        ))
    }

    /// Every flag's version (its key's revision) and last accepted write, read from etcd; when etcd does not
    /// answer, the revisions this program's fleet layer applied, and why.
    pub(crate) async fn heads(&self) -> Read<HashMap<String, Head>> {
        let budget = self.config.connect_timeout + self.config.request_timeout * 8;
        let read = self.request(async |client| {
            let (_, entries) = client.list().await?;
            let mut heads = HashMap::new();
            for entry in entries {
                if flag_runtime::flag_info(&entry.name).is_err() {
                    continue;
                }
                let records = client.history(&entry.name).await?;
                heads.insert(
                    entry.name.clone(),
                    Head {
                        version: revision(entry.mod_revision),
                        last: last_accepted(records),
                    },
                );
            }
            Ok(heads)
        });
        match tokio::time::timeout(budget, read).await {
            Ok(Ok(heads)) => Read {
                value: heads,
                problem: None,
            },
            Ok(Err(why)) => self.fallback(why),
            Err(_) => self.fallback(format!("no answer within {budget:?}")),
        }
    }

    /// What this program's fleet layer applied, when etcd cannot be read.
    fn fallback(&self, why: String) -> Read<HashMap<String, Head>> {
        let value = flag_runtime::flags()
            .into_iter()
            .filter_map(|flag| {
                let fleet = flag.fleet?;
                Some((
                    flag.name.to_owned(),
                    Head {
                        version: revision(fleet.revision),
                        last: None,
                    },
                ))
            })
            .collect();
        Read {
            value,
            problem: Some(read_problem(&why)),
        }
    }

    /// Flag `name`'s version and last accepted write, and its audit records as history, newest first.
    pub(crate) async fn page(&self, name: &str) -> Read<(Head, Vec<Change>)> {
        let Ok(info) = flag_runtime::flag_info(name) else {
            // Not the program's flag: the caller answers 404 without asking etcd.
            return Read {
                value: (Head::default(), Vec::new()),
                problem: None,
            };
        };
        let read = self.request(async |client| {
            let entry = client.get(name).await?;
            let records = client.history(name).await?;
            Ok((entry, records))
        });
        match read.await {
            Ok((entry, records)) => {
                let history = records.iter().rev().cloned().map(change_of).collect();
                let head = Head {
                    version: revision(entry.map_or(0, |entry| entry.mod_revision)),
                    last: last_accepted(records),
                };
                Read {
                    value: (head, history),
                    problem: None,
                }
            }
            Err(why) => Read {
                value: (
                    Head {
                        version: revision(info.fleet.map_or(0, |fleet| fleet.revision)),
                        last: None,
                    },
                    Vec::new(),
                ),
                problem: Some(read_problem(&why)),
            },
        }
    }

    /// Writes `write` to flag `name`'s key for `actor`, if the key is still at revision `expected` (its
    /// revision as read now, when not given), with `reason` in the audit record of the same transaction.
    pub(crate) async fn apply(
        &self,
        name: &str,
        write: &Write,
        actor: &Actor,
        reason: &str,
        expected: Option<u64>,
    ) -> Result<Change, Refusal> {
        let reason = ledger::reason_of(reason)?;
        ledger::dynamic_flag(name)?;
        let key = self.config.flag_key(name);
        let (written, old, new) = {
            let mut guard = self.client().await.map_err(|why| self.unavailable(&why))?;
            let Some(client) = guard.as_mut() else {
                return Err(self.unavailable("no connection"));
            };
            let current = match client.get(name).await {
                Ok(current) => current,
                Err(EtcdError::InvalidInput(message)) => return Err(Refusal::Invalid(message)),
                Err(error) => return Err(self.unavailable(&Self::failed(&mut guard, &error))),
            };
            let read_revision = current.as_ref().map_or(0, |entry| entry.mod_revision);
            // A whole table replaces a key this program refused; the other writes would edit it.
            if !matches!(write, Write::Table(_)) {
                self.refused_here(name, &key, read_revision).await?;
            }
            let old = current.map(|entry| entry.value);
            let new = table_after(name, &key, write, old.as_deref())?;
            if let Some(text) = &new {
                check(name, &key, text)?;
            }
            let if_revision = match expected {
                Some(version) => i64::try_from(version).map_err(|_| {
                    Refusal::Invalid(format!("version {version} is not an etcd revision"))
                })?,
                None => read_revision,
            };
            let key_write = match &new {
                Some(text) => KeyWrite::put(name, text.as_str()),
                None => KeyWrite::delete(name),
            }
            .if_revision(if_revision);
            let Some(client) = guard.as_mut() else {
                return Err(self.unavailable("no connection"));
            };
            let audit = AuditInfo::new(actor.name.as_str(), reason);
            match client.write(vec![key_write], audit).await {
                Ok(WriteOutcome::Accepted { revision }) => (revision, old, new),
                Ok(WriteOutcome::Refused { current, .. }) => {
                    let now = current
                        .first()
                        .and_then(|(_, entry)| entry.as_ref())
                        .map_or(0, |entry| entry.mod_revision);
                    return Err(Refusal::Stale {
                        expected: revision(if_revision),
                        current: revision(now),
                    });
                }
                Err(EtcdError::InvalidInput(message)) => return Err(Refusal::Invalid(message)),
                Err(error) => return Err(self.unavailable(&Self::failed(&mut guard, &error))),
            }
        };
        self.await_applied(written).await;
        Ok(Change {
            flag: name.to_owned(),
            version: revision(written),
            actor: actor.name.clone(),
            at: ledger::rfc3339(ledger::now()),
            action: format!("{} (fleet)", write.action()),
            old: one_line(old.as_deref()),
            new: one_line(new.as_deref()),
            reason: reason.to_owned(),
        })
    }

    /// Refuses to edit the key's table at `read_revision` when this program's fleet layer, having read that
    /// revision, did not apply it (it refused the table, and reported why): an edit of a refused table
    /// would be refused again. The verdict is the runtime's own, so no rule is checked twice.
    async fn refused_here(&self, name: &str, key: &str, read_revision: i64) -> Result<(), Refusal> {
        if read_revision == 0 {
            return Ok(());
        }
        self.await_applied(read_revision).await;
        let follows = flag_runtime::fleet_status().filter(|status| {
            status.prefix == self.config.prefix && status.revision >= read_revision
        });
        if follows.is_none() {
            return Ok(());
        }
        let applied = flag_runtime::flag_info(name)
            .ok()
            .and_then(|flag| flag.fleet)
            .map(|fleet| fleet.revision);
        if applied == Some(read_revision) {
            return Ok(());
        }
        Err(Refusal::Invalid(format!(
            "{key} at revision {read_revision} was refused by this program (its reports say why), so it \
             cannot be changed here: replace it whole (a table through the API, or `cargo flags fleet edit \
             {name} --file TABLE.toml --reason ...`)"
        )))
    }

    /// Waits, bounded, until this program's fleet layer (when it follows this prefix) has applied
    /// `written`.
    async fn await_applied(&self, written: i64) {
        let deadline = Instant::now() + APPLIED_WAIT;
        while let Some(status) = flag_runtime::fleet_status() {
            if status.prefix != self.config.prefix
                || status.revision >= written
                || Instant::now() >= deadline
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// An etcd revision as a version (revisions are never negative).
pub(super) fn revision(revision: i64) -> u64 {
    u64::try_from(revision).unwrap_or(0)
}

fn read_problem(why: &str) -> String {
    format!(
        "the fleet's etcd could not be read ({why}); shown: what this program's fleet layer last applied, \
         without the fleet's history; writes are refused until etcd answers"
    )
}
