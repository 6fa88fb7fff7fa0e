//! The commands that only read: `get`, `history` and `status`.

use flag_etcd::{AuditRecord, FleetClient, Presence};
use serde::Serialize;

use super::super::table::{Verdict, check_table, iso_utc, one_line};
use super::{Fleet, etcd_error};
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome};

impl Fleet<'_> {
    pub(super) async fn get(
        &self,
        client: &mut FleetClient,
        name: &str,
    ) -> Result<Outcome, CliError> {
        let entry = client.get(name).await.map_err(etcd_error)?;
        let key = self.key(name);
        let Some(entry) = entry else {
            let Some(flag) = self.manifest.flag(name) else {
                return Err(CliError::new(format!(
                    "flag `{name}` is not declared in flags.toml{}, and the fleet has no key {key}",
                    flag_manifest::did_you_mean(
                        name,
                        self.manifest.flags.iter().map(|flag| flag.name.as_str())
                    )
                ))
                .help("`cargo flags list` lists the declared flags"));
            };
            let report = GetReport {
                prefix: self.prefix().to_owned(),
                name: name.to_owned(),
                key: key.clone(),
                exists: false,
                value: None,
                mod_revision: None,
                verdict: None,
            };
            let table = format!(
                "{key}: no key; the instances use what they compiled in ({} by default, from flags.toml)\n",
                output::state(flag.default)
            );
            return Ok(self.print(&report, table, String::new(), EXIT_OK));
        };
        let verdict = check_table(self.manifest, name, &entry.value, &key);
        let mut table = format!("{key} at revision {}:\n", entry.mod_revision);
        for line in entry.value.lines() {
            table.push_str(&format!("  {line}\n"));
        }
        let code = match &verdict {
            Verdict::Refused { problems } => {
                table.push_str(
                    "The runtime refuses it and keeps the flag's previous table (instances that started \
                     since use what they compiled in):\n",
                );
                for problem in problems {
                    table.push_str(&format!("  {problem}\n"));
                }
                EXIT_PROBLEMS
            }
            other => {
                table.push_str(&format!("The runtime {}\n", other.line()));
                EXIT_OK
            }
        };
        let report = GetReport {
            prefix: self.prefix().to_owned(),
            name: name.to_owned(),
            key,
            exists: true,
            value: Some(entry.value),
            mod_revision: Some(entry.mod_revision),
            verdict: Some(verdict),
        };
        Ok(self.print(&report, table, String::new(), code))
    }

    pub(super) async fn history(
        &self,
        client: &mut FleetClient,
        name: &str,
    ) -> Result<Outcome, CliError> {
        let records = client.history(name).await.map_err(etcd_error)?;
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|record| {
                vec![
                    record.revision.to_string(),
                    iso_utc(record.at),
                    record.actor.clone(),
                    match (record.outcome.as_str(), record.expected_revision) {
                        ("refused", Some(expected)) => format!("refused (expected {expected})"),
                        (outcome, _) => outcome.to_owned(),
                    },
                    format!(
                        "{} -> {}",
                        one_line(record.old.as_deref()),
                        match &record.new {
                            Some(new) => one_line(Some(new)),
                            None => "(deleted)".to_owned(),
                        }
                    ),
                    record.reason.clone(),
                ]
            })
            .collect();
        let table = if records.is_empty() {
            format!(
                "{}: no audit records: the key was never written through cargo flags fleet or flag-etcd\n",
                self.key(name)
            )
        } else {
            format!(
                "{} for {}, oldest first\n\n{}",
                output::count(records.len(), "write", "writes"),
                self.key(name),
                output::table(
                    &[
                        "REVISION",
                        "WHEN (UTC)",
                        "ACTOR",
                        "OUTCOME",
                        "OLD -> NEW",
                        "REASON"
                    ],
                    &rows
                )
            )
        };
        let report = HistoryReport {
            prefix: self.prefix().to_owned(),
            name: name.to_owned(),
            records: records.iter().map(HistoryRow::from).collect(),
        };
        Ok(self.print(&report, table, String::new(), EXIT_OK))
    }

    pub(super) async fn status(
        &self,
        client: &mut FleetClient,
        expect: Option<usize>,
    ) -> Result<Outcome, CliError> {
        let (revision, entries) = client.list().await.map_err(etcd_error)?;
        let mut instances = client.instances().await.map_err(etcd_error)?;
        instances.sort_by(|a, b| a.instance.cmp(&b.instance));
        // The fleet's last change: the newest key, or a newer deletion (which leaves no key, only its audit
        // record, written in the same transaction).
        let mut last_change = entries
            .iter()
            .map(|entry| entry.mod_revision)
            .max()
            .unwrap_or(0);
        let mut names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        names.extend(self.manifest.flags.iter().map(|flag| flag.name.as_str()));
        names.sort_unstable();
        names.dedup();
        for name in names {
            for record in client.history(name).await.map_err(etcd_error)? {
                if record.outcome == "accepted" && record.new.is_none() {
                    last_change = last_change.max(record.revision);
                }
            }
        }
        let rows: Vec<InstanceRow> = instances
            .iter()
            .map(|presence| InstanceRow::new(presence, last_change))
            .collect();
        let lagging = rows.iter().filter(|row| row.lags).count();
        let missing = expect.map_or(0, |expect| expect.saturating_sub(rows.len()));
        let mut table = format!(
            "{} at {} (etcd at revision {revision}, flags last changed at revision {last_change})\n",
            output::count(rows.len(), "instance", "instances"),
            self.prefix()
        );
        if !rows.is_empty() {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    vec![
                        row.instance.clone(),
                        row.host.clone(),
                        row.pid.to_string(),
                        row.started.clone(),
                        row.revision.to_string(),
                        if row.lags {
                            format!("lags ({} < {last_change})", row.revision)
                        } else {
                            "up to date".to_owned()
                        },
                    ]
                })
                .collect();
            table.push('\n');
            table.push_str(&output::table(
                &[
                    "INSTANCE",
                    "HOST",
                    "PID",
                    "STARTED (UTC)",
                    "APPLIED",
                    "STATE",
                ],
                &cells,
            ));
        }
        let mut stderr = String::new();
        if lagging > 0 {
            stderr.push_str(&format!(
                "error: {} not applied the last change (revision {last_change})\nhelp: an instance catches \
                 up within a second when etcd answers it; one that stays behind is cut off from etcd or \
                 refusing a key (its log says which: `cargo flags fleet diff` checks every key)\n",
                output::count(lagging, "instance has", "instances have")
            ));
        }
        if let Some(expect) = expect.filter(|_| missing > 0) {
            stderr.push_str(&format!(
                "error: {} present, {expect} expected: {} gone or not started (an instance that stops or \
                 loses etcd disappears within {} s)\n",
                rows.len(),
                missing,
                flag_etcd::PRESENCE_TTL_SECS
            ));
        }
        let report = StatusReport {
            prefix: self.prefix().to_owned(),
            revision,
            last_change,
            expected: expect,
            missing,
            instances: rows,
        };
        let code = if lagging > 0 || missing > 0 {
            EXIT_PROBLEMS
        } else {
            EXIT_OK
        };
        Ok(self.print(&report, table, stderr, code))
    }
}

/// `get`'s JSON.
#[derive(Debug, Serialize)]
struct GetReport {
    prefix: String,
    name: String,
    key: String,
    exists: bool,
    value: Option<String>,
    mod_revision: Option<i64>,
    /// What the runtime makes of it.
    verdict: Option<Verdict>,
}

/// `history`'s JSON.
#[derive(Debug, Serialize)]
struct HistoryReport {
    prefix: String,
    name: String,
    records: Vec<HistoryRow>,
}

#[derive(Debug, Serialize)]
struct HistoryRow {
    revision: i64,
    /// ISO 8601, UTC.
    at: String,
    /// Seconds since the Unix epoch.
    at_unix: u64,
    actor: String,
    reason: String,
    outcome: String,
    expected_revision: Option<i64>,
    old: Option<String>,
    new: Option<String>,
}

impl From<&AuditRecord> for HistoryRow {
    fn from(record: &AuditRecord) -> Self {
        HistoryRow {
            revision: record.revision,
            at: iso_utc(record.at),
            at_unix: record.at,
            actor: record.actor.clone(),
            reason: record.reason.clone(),
            outcome: record.outcome.clone(),
            expected_revision: record.expected_revision,
            old: record.old.clone(),
            new: record.new.clone(),
        }
    }
}

/// `status`'s JSON.
#[derive(Debug, Serialize)]
struct StatusReport {
    prefix: String,
    /// etcd's revision when read.
    revision: i64,
    /// The revision of the last change under the prefix.
    last_change: i64,
    /// `--expect`.
    expected: Option<usize>,
    /// How many fewer than expected are present.
    missing: usize,
    instances: Vec<InstanceRow>,
}

#[derive(Debug, Serialize)]
struct InstanceRow {
    instance: String,
    host: String,
    pid: u32,
    /// ISO 8601, UTC.
    started: String,
    /// The revision it has applied.
    revision: i64,
    /// Whether it is behind the last change.
    lags: bool,
}

impl InstanceRow {
    fn new(presence: &Presence, last_change: i64) -> InstanceRow {
        InstanceRow {
            instance: presence.instance.clone(),
            host: presence.host.clone(),
            pid: presence.pid,
            started: iso_utc(presence.started_at),
            revision: presence.revision,
            lags: presence.revision < last_change,
        }
    }
}
