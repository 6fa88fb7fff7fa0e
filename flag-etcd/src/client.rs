//! Reads and writes for the CLI and admin pages.

use std::collections::HashSet;

use etcd_client::{Client, CompactionOptions, Compare, CompareOp, GetOptions, Txn, TxnOp};

use crate::config::{audit_key, unix_now, validate_segment};
use crate::conn::{
    bad_answer, bounded, connect, entry_of_kv, entry_of_pb, read_prefix, request, txn_ranges,
    txn_revision,
};
use crate::{AuditInfo, AuditRecord, Entry, Error, FleetConfig, Presence, Write, WriteOutcome};

/// The most writes one [`FleetClient::write`] takes: each write needs two compares and two
/// operations, and etcd allows 128 of each per transaction by default (`--max-txn-ops`).
///
/// ```
/// let too_many: Vec<_> = (0..=flag_etcd::MAX_WRITES).map(|i| flag_etcd::Write::delete(format!("f{i}"))).collect();
/// assert_eq!(too_many.len(), 65); // FleetClient::write refuses this before any request
/// ```
pub const MAX_WRITES: usize = 64;

/// How many transactions [`FleetClient::write`] tries when writes without `if_revision` race
/// with other writers.
///
/// ```
/// assert!(flag_etcd::MAX_WRITE_ATTEMPTS >= 2);
/// ```
pub const MAX_WRITE_ATTEMPTS: u32 = 16;

/// An audit record as stored: the revision is not known before the transaction, so it is not
/// stored; [`FleetClient::history`] takes it from the key's mod_revision, which is exactly the
/// transaction's revision.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAudit {
    name: String,
    actor: String,
    reason: String,
    at: u64,
    old: Option<String>,
    new: Option<String>,
    outcome: String,
    expected_revision: Option<i64>,
    /// The store revision the writer read `old` at.
    read_revision: i64,
}

/// Reads and writes under one prefix, for the CLI and admin pages.
///
/// Every request is bounded by the configuration's `request_timeout`.
///
/// ```no_run
/// use flag_etcd::{AuditInfo, FleetClient, FleetConfig, Write, WriteOutcome};
///
/// # async fn demo() -> Result<(), flag_etcd::Error> {
/// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
/// let mut client = FleetClient::connect(&config).await?;
/// let current = client.get("new_ui").await?;
/// let expected = current.map_or(0, |e| e.mod_revision);
/// let outcome = client
///     .write(
///         vec![Write::put("new_ui", "default = true").if_revision(expected)],
///         AuditInfo::new("alice", "launch"),
///     )
///     .await?;
/// if let WriteOutcome::Refused { current, .. } = outcome {
///     eprintln!("someone else changed it first: {current:?}");
/// }
/// for record in client.history("new_ui").await? {
///     println!("{} {} {:?} -> {:?}", record.actor, record.outcome, record.old, record.new);
/// }
/// # Ok(()) }
/// ```
pub struct FleetClient {
    client: Client,
    config: FleetConfig,
}

impl std::fmt::Debug for FleetClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetClient")
            .field("endpoints", &self.config.endpoints)
            .field("prefix", &self.config.prefix)
            .finish_non_exhaustive()
    }
}

impl FleetClient {
    /// Connects and checks that etcd answers, all within `connect_timeout`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), flag_etcd::Error> {
    /// let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// let client = flag_etcd::FleetClient::connect(&config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(config: &FleetConfig) -> Result<FleetClient, Error> {
        config.validate()?;
        let start = tokio::time::Instant::now();
        let mut client = connect(config).await?;
        let left = config.connect_timeout.saturating_sub(start.elapsed());
        bounded(
            config,
            "connect",
            left.max(std::time::Duration::from_millis(1)),
            client.get(
                config.prefix.as_str(),
                Some(GetOptions::new().with_prefix().with_count_only()),
            ),
        )
        .await
        .map_err(|e| match e {
            Error::Timeout {
                endpoints,
                operation,
                ..
            } => Error::Timeout {
                endpoints,
                operation,
                after: config.connect_timeout,
            },
            other => other,
        })?;
        Ok(FleetClient {
            client,
            config: config.clone(),
        })
    }

    /// The configuration this client was connected with.
    ///
    /// ```no_run
    /// # async fn demo(client: flag_etcd::FleetClient) {
    /// println!("{}", client.config().prefix);
    /// # }
    /// ```
    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// Flag `name`'s entry, if its key exists.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// if let Some(entry) = client.get("new_ui").await? {
    ///     println!("{} at revision {}", entry.value, entry.mod_revision);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&mut self, name: &str) -> Result<Option<Entry>, Error> {
        validate_segment("flag name", name)?;
        let key = self.config.flag_key(name);
        let resp = request(&self.config, "get", self.client.get(key.as_str(), None)).await?;
        Ok(resp
            .kvs()
            .iter()
            .find(|kv| kv.key() == key.as_bytes())
            .and_then(|kv| entry_of_kv(&self.config.prefix, kv)))
    }

    /// Every key under the prefix (sorted by name) and the revision they were read at, in one
    /// range request.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// let (revision, entries) = client.list().await?;
    /// println!("{} flags at revision {revision}", entries.len());
    /// # Ok(()) }
    /// ```
    pub async fn list(&mut self) -> Result<(i64, Vec<Entry>), Error> {
        let prefix = self.config.prefix.clone();
        let (revision, kvs) = read_prefix(&mut self.client, &self.config, "list", &prefix).await?;
        let entries = kvs
            .iter()
            .filter_map(|kv| entry_of_kv(&prefix, kv))
            .collect();
        Ok((revision, entries))
    }

    /// Writes in one transaction, with one audit record per write.
    ///
    /// How it goes:
    ///
    /// 1. The written keys are read (one transaction of ranges) at some revision R, giving each
    ///    key's current mod_revision M (0: no key) and value.
    /// 2. One transaction compares every written key's mod_revision with M, and checks that
    ///    none of the audit keys it is about to create exists. If every write's `if_revision`
    ///    (when given) equals M, the transaction puts or deletes every key and writes one audit
    ///    record per write with outcome `"accepted"` and `old` = the value read in 1. Because
    ///    the compares pin M, `old` is exactly the value replaced. If some `if_revision`
    ///    differs from M, the same transaction instead writes only one audit record per write
    ///    with outcome `"refused"` and `old` = the value that is there (pinned the same way).
    /// 3. If the compares fail, another writer changed one of the keys between 1 and 2; the
    ///    transaction's failure branch reads the keys again (at the same revision as the
    ///    failed compare, with no write) and step 2 is tried again with those values. So a
    ///    write *with* `if_revision` whose key changed is refused, with the new value in
    ///    [`WriteOutcome::Refused::current`], and a write *without* `if_revision` is retried
    ///    here and lands after the other writer (last writer wins, and its audit record says
    ///    exactly what it replaced). After [`MAX_WRITE_ATTEMPTS`] transactions this gives up
    ///    with [`Error::Contention`], having written nothing.
    ///
    /// Audit records live at `B.audit/NAME/SEQ`, where SEQ is R zero-padded to 20 digits;
    /// their `revision` (from [`FleetClient::history`]) is the transaction's revision.
    ///
    /// Refused before any request: no writes, more than [`MAX_WRITES`], an empty name or one
    /// with a '/', the same name twice.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// use flag_etcd::{AuditInfo, Write};
    /// let outcome = client
    ///     .write(vec![Write::put("a", "default = true"), Write::delete("b")], AuditInfo::new("bob", "cleanup"))
    ///     .await?;
    /// assert!(outcome.is_accepted()); // no if_revision: only errors can stop it
    /// # Ok(()) }
    /// ```
    pub async fn write(
        &mut self,
        writes: Vec<Write>,
        audit: AuditInfo,
    ) -> Result<WriteOutcome, Error> {
        const OP: &str = "write";
        if writes.is_empty() {
            return Err(Error::InvalidInput("nothing to write".into()));
        }
        if writes.len() > MAX_WRITES {
            return Err(Error::InvalidInput(format!(
                "{} writes in one transaction; at most {MAX_WRITES}",
                writes.len()
            )));
        }
        let mut seen = HashSet::new();
        for w in &writes {
            validate_segment("flag name", &w.name)?;
            if !seen.insert(w.name.as_str()) {
                return Err(Error::InvalidInput(format!(
                    "flag {:?} is written twice",
                    w.name
                )));
            }
        }
        let keys: Vec<String> = writes
            .iter()
            .map(|w| self.config.flag_key(&w.name))
            .collect();
        let reads = || {
            keys.iter()
                .map(|k| TxnOp::get(k.as_str(), None))
                .collect::<Vec<_>>()
        };

        // 1. Read the keys.
        let resp = request(
            &self.config,
            OP,
            self.client.txn(Txn::new().and_then(reads())),
        )
        .await?;
        let mut read_revision = txn_revision(&self.config, OP, &resp)?;
        let mut current = self.current_of(&keys, &resp)?;

        for _ in 0..MAX_WRITE_ATTEMPTS {
            let refused = writes
                .iter()
                .zip(&current)
                .any(|(w, c)| w.if_revision.is_some_and(|r| r != mod_revision(c)));
            let outcome = if refused { "refused" } else { "accepted" };
            let at = unix_now();

            let mut compares = Vec::with_capacity(writes.len() * 2);
            let mut ops = Vec::with_capacity(writes.len() * 2);
            for ((w, key), c) in writes.iter().zip(&keys).zip(&current) {
                compares.push(Compare::mod_revision(
                    key.as_str(),
                    CompareOp::Equal,
                    mod_revision(c),
                ));
                if !refused {
                    ops.push(match &w.value {
                        Some(v) => TxnOp::put(key.as_str(), v.as_str(), None),
                        None => TxnOp::delete(key.as_str(), None),
                    });
                }
            }
            for (w, c) in writes.iter().zip(&current) {
                let akey = audit_key(&self.config, &w.name, read_revision);
                compares.push(Compare::create_revision(akey.as_str(), CompareOp::Equal, 0));
                let record = StoredAudit {
                    name: w.name.clone(),
                    actor: audit.actor.clone(),
                    reason: audit.reason.clone(),
                    at,
                    old: c.as_ref().map(|e| e.value.clone()),
                    new: w.value.clone(),
                    outcome: outcome.to_owned(),
                    expected_revision: w.if_revision,
                    read_revision,
                };
                let json = serde_json::to_string(&record).map_err(|e| {
                    Error::InvalidInput(format!("cannot encode the audit record: {e}"))
                })?;
                ops.push(TxnOp::put(akey.as_str(), json, None));
            }

            // 2. Write, or record the refusal, if nothing moved since the read.
            let txn = Txn::new().when(compares).and_then(ops).or_else(reads());
            let resp = request(&self.config, OP, self.client.txn(txn)).await?;
            let revision = txn_revision(&self.config, OP, &resp)?;
            if resp.succeeded() {
                return Ok(if refused {
                    WriteOutcome::Refused {
                        revision,
                        current: writes.iter().map(|w| w.name.clone()).zip(current).collect(),
                    }
                } else {
                    WriteOutcome::Accepted { revision }
                });
            }
            // 3. Someone else wrote: take the values the failure branch read, and try again.
            current = self.current_of(&keys, &resp)?;
            read_revision = revision;
        }
        Err(Error::Contention {
            attempts: MAX_WRITE_ATTEMPTS,
        })
    }

    /// The entries of `keys`, in order, from a transaction whose branch read each of them.
    fn current_of(
        &self,
        keys: &[String],
        resp: &etcd_client::TxnResponse,
    ) -> Result<Vec<Option<Entry>>, Error> {
        let ranges = txn_ranges(&self.config, "write", resp)?;
        if ranges.len() != keys.len() {
            return Err(bad_answer(
                &self.config,
                "write",
                format!("{} range answers for {} keys", ranges.len(), keys.len()),
            ));
        }
        Ok(keys
            .iter()
            .zip(ranges)
            .map(|(key, kvs)| {
                kvs.iter()
                    .find(|kv| kv.key == key.as_bytes())
                    .and_then(|kv| entry_of_pb(&self.config.prefix, kv))
            })
            .collect())
    }

    /// Flag `name`'s audit records, oldest first.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// for r in client.history("new_ui").await? {
    ///     println!("rev {} by {} ({}): {}", r.revision, r.actor, r.reason, r.outcome);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn history(&mut self, name: &str) -> Result<Vec<AuditRecord>, Error> {
        validate_segment("flag name", name)?;
        let prefix = self.config.audit_prefix(name);
        let (_, kvs) = read_prefix(&mut self.client, &self.config, "history", &prefix).await?;
        let mut records = Vec::with_capacity(kvs.len());
        for kv in &kvs {
            let stored: StoredAudit = serde_json::from_slice(kv.value()).map_err(|e| {
                bad_answer(
                    &self.config,
                    "history",
                    format!(
                        "the audit record {} is not valid: {e}",
                        String::from_utf8_lossy(kv.key())
                    ),
                )
            })?;
            records.push(AuditRecord {
                name: stored.name,
                actor: stored.actor,
                reason: stored.reason,
                at: stored.at,
                old: stored.old,
                new: stored.new,
                outcome: stored.outcome,
                revision: kv.mod_revision(),
                expected_revision: stored.expected_revision,
            });
        }
        records.sort_by_key(|r| r.revision);
        Ok(records)
    }

    /// The instances whose presence key is alive, sorted by instance id.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// for p in client.instances().await? {
    ///     println!("{} on {} (pid {}) has applied revision {}", p.instance, p.host, p.pid, p.revision);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn instances(&mut self) -> Result<Vec<Presence>, Error> {
        let prefix = self.config.instances_prefix();
        let (_, kvs) = read_prefix(&mut self.client, &self.config, "instances", &prefix).await?;
        kvs.iter()
            .map(|kv| {
                serde_json::from_slice::<Presence>(kv.value()).map_err(|e| {
                    bad_answer(
                        &self.config,
                        "instances",
                        format!(
                            "the presence key {} is not valid: {e}",
                            String::from_utf8_lossy(kv.key())
                        ),
                    )
                })
            })
            .collect()
    }

    /// Compacts etcd's history up to `revision` (physically: it returns once the compaction is
    /// done). A watch that resumes before `revision` then has to re-read everything.
    ///
    /// ```no_run
    /// # async fn demo(mut client: flag_etcd::FleetClient) -> Result<(), flag_etcd::Error> {
    /// let (revision, _) = client.list().await?;
    /// client.compact(revision).await?;
    /// # Ok(()) }
    /// ```
    pub async fn compact(&mut self, revision: i64) -> Result<(), Error> {
        request(
            &self.config,
            "compact",
            self.client
                .compact(revision, Some(CompactionOptions::new().with_physical())),
        )
        .await?;
        Ok(())
    }
}

fn mod_revision(entry: &Option<Entry>) -> i64 {
    entry.as_ref().map_or(0, |e| e.mod_revision)
}
