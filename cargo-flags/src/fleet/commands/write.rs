//! The commands that write: `set`, `edit`, `delete` (and `push`, through [`Fleet::write`]), each one
//! transaction of compare-and-swap writes with their audit records, and the report of what it did.

use flag_etcd::{AuditInfo, Entry, FleetClient, MAX_WRITES, Write, WriteOutcome};
use serde::Serialize;

use super::super::args::WriteArgs;
use super::super::table::{Verdict, check_table, key_diff, one_line, set_default};
use super::{Fleet, etcd_error};
use crate::cli::Format;
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome};

impl Fleet<'_> {
    /// Writes `writes` in one transaction, each conditional on its `if_revision`, and reports.
    pub(super) async fn write(
        &self,
        client: &mut FleetClient,
        mut keys: Vec<KeyWrite>,
        audit: AuditInfo,
    ) -> Result<Outcome, CliError> {
        if keys.len() > MAX_WRITES {
            return Err(CliError::new(format!(
                "{} keys to write: one transaction takes at most {MAX_WRITES}",
                keys.len()
            ))
            .help("write some of them with `cargo flags fleet set` or `edit` first, then push the rest"));
        }
        let writes = keys
            .iter()
            .map(|key| {
                let write = match &key.new {
                    Some(value) => Write::put(&key.name, value.as_str()),
                    None => Write::delete(&key.name),
                };
                write.if_revision(key.if_revision)
            })
            .collect();
        let outcome = client
            .write(writes, audit.clone())
            .await
            .map_err(etcd_error)?;
        let mut report = WriteReport {
            outcome: "written",
            prefix: self.prefix().to_owned(),
            revision: Some(outcome.revision()),
            actor: Some(audit.actor.clone()),
            reason: Some(audit.reason.clone()),
            keys: Vec::new(),
            problems: Vec::new(),
        };
        match outcome {
            WriteOutcome::Accepted { revision } => {
                let mut table = String::new();
                for key in &keys {
                    table.push_str(&format!(
                        "{}: {} -> {}\n",
                        key.name,
                        one_line(key.old.as_deref()),
                        one_line(key.new.as_deref())
                    ));
                }
                table.push_str(&format!(
                    "Written at revision {revision} by {} ({}), in one transaction with {}.\n",
                    audit.actor,
                    audit.reason,
                    output::count(keys.len(), "audit record", "audit records")
                ));
                report.keys = keys;
                Ok(self.print(&report, table, String::new(), EXIT_OK))
            }
            WriteOutcome::Refused { revision, current } => {
                report.outcome = "refused";
                let mut stderr = String::new();
                for (key, (_, entry)) in keys.iter_mut().zip(&current) {
                    let now = entry.as_ref().map_or(0, |entry| entry.mod_revision);
                    key.current_revision = Some(now);
                    key.current = entry.as_ref().map(|entry| entry.value.clone());
                    if now == key.if_revision {
                        continue;
                    }
                    let problem = format!(
                        "{}: expected revision {}, but it is at revision {now}{}",
                        key.key,
                        key.if_revision,
                        if entry.is_none() { " (no key)" } else { "" },
                    );
                    stderr.push_str(&format!("error: {problem}\n"));
                    match &key.current {
                        Some(value) => {
                            stderr.push_str("  it holds now:\n");
                            for line in value.lines() {
                                stderr.push_str(&format!("    {line}\n"));
                            }
                        }
                        None => stderr.push_str("  it has no key now\n"),
                    }
                    report.problems.push(problem);
                }
                let changed: Vec<&KeyWrite> = keys
                    .iter()
                    .filter(|key| key.current_revision != Some(key.if_revision))
                    .collect();
                let help = match changed.as_slice() {
                    [key] => format!(
                        "see what changed with `cargo flags fleet history {}`; to write over it, run the \
                         command again with --if-revision {}",
                        key.name,
                        key.current_revision.unwrap_or(0)
                    ),
                    _ => "see what changed with `cargo flags fleet history NAME`, then run the command again"
                        .to_owned(),
                };
                stderr.push_str(&format!(
                    "error: refused: not at the revision the write expected, so nothing was written; the \
                     attempt is recorded in the audit log (revision {revision})\nhelp: {help}\n"
                ));
                report.keys = keys;
                Ok(self.print(&report, String::new(), stderr, EXIT_PROBLEMS))
            }
        }
    }

    pub(super) async fn set(
        &self,
        client: &mut FleetClient,
        name: &str,
        on: bool,
        write: &WriteArgs,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let current = client.get(name).await.map_err(etcd_error)?;
        let key = self.key(name);
        let old = current.as_ref().map(|entry| entry.value.as_str());
        let new = set_default(old.unwrap_or(""), on).map_err(|error| {
            CliError::new(format!(
                "{key} is not a TOML table, so its `default` cannot be set: {error}"
            ))
            .help(format!(
                "replace it whole: cargo flags fleet edit {name} --file TABLE.toml --reason ..."
            ))
        })?;
        self.replace(client, name, current.as_ref(), new, write, audit)
            .await
    }

    pub(super) async fn edit(
        &self,
        client: &mut FleetClient,
        name: &str,
        text: String,
        write: &WriteArgs,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let current = client.get(name).await.map_err(etcd_error)?;
        self.replace(client, name, current.as_ref(), text, write, audit)
            .await
    }

    /// Puts `new` at `name`'s key, which was read as `current`, after checking it.
    pub(super) async fn replace(
        &self,
        client: &mut FleetClient,
        name: &str,
        current: Option<&Entry>,
        new: String,
        write: &WriteArgs,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let key = self.key(name);
        let verdict = check_table(self.manifest, name, &new, &key);
        if !verdict.applies() {
            return Ok(self.invalid(name, current, &new, &verdict));
        }
        let read_revision = current.map_or(0, |entry| entry.mod_revision);
        let old = current.map(|entry| entry.value.clone());
        let change = KeyWrite {
            name: name.to_owned(),
            diff: key_diff(&key, old.as_deref(), Some(&new)),
            key,
            old,
            new: Some(new),
            read_revision,
            if_revision: write.if_revision.unwrap_or(read_revision),
            current_revision: None,
            current: None,
        };
        self.finish(client, change, verdict, audit).await
    }

    pub(super) async fn delete(
        &self,
        client: &mut FleetClient,
        name: &str,
        write: &WriteArgs,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let key = self.key(name);
        let Some(current) = client.get(name).await.map_err(etcd_error)? else {
            return Ok(Outcome {
                stderr: format!(
                    "error: {key}: no key, so nothing to delete\nhelp: `cargo flags fleet diff` lists the \
                     fleet's keys\n"
                ),
                code: EXIT_PROBLEMS,
                ..Outcome::default()
            });
        };
        let change = KeyWrite {
            name: name.to_owned(),
            diff: key_diff(&key, Some(&current.value), None),
            key,
            old: Some(current.value.clone()),
            new: None,
            read_revision: current.mod_revision,
            if_revision: write.if_revision.unwrap_or(current.mod_revision),
            current_revision: None,
            current: None,
        };
        let verdict = Verdict::Applies {
            effect: match self.manifest.flag(name) {
                Some(flag) => format!(
                    "back to what flags.toml compiled in ({} by default)",
                    output::state(flag.default)
                ),
                None => "nothing: flags.toml does not declare it".to_owned(),
            },
            note: None,
        };
        self.finish(client, change, verdict, audit).await
    }

    /// Writes one checked key, or shows it (`--dry-run`), or says there is nothing to write.
    pub(super) async fn finish(
        &self,
        client: &mut FleetClient,
        change: KeyWrite,
        verdict: Verdict,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let unchanged = change.old == change.new && change.if_revision == change.read_revision;
        let Some(audit) = audit.filter(|_| !unchanged) else {
            let (outcome, text) = if unchanged {
                (
                    "unchanged",
                    format!(
                        "{}: already so at revision {}; nothing written.\n",
                        change.key, change.read_revision
                    ),
                )
            } else {
                (
                    "dry_run",
                    format!(
                        "{}The runtime {}\nDry run: nothing written (the write would be conditional on \
                         revision {}).\n",
                        change.diff,
                        verdict.line(),
                        change.if_revision
                    ),
                )
            };
            let report = self.unsent(outcome, vec![change], Vec::new());
            return Ok(self.print(&report, text, String::new(), EXIT_OK));
        };
        let mut outcome = self.write(client, vec![change], audit).await?;
        if self.format == Format::Table && outcome.code == EXIT_OK {
            outcome
                .stdout
                .push_str(&format!("The runtime {}\n", verdict.line()));
        }
        Ok(outcome)
    }
}

/// What a write command did, for `--format json`.
#[derive(Debug, Serialize)]
pub(super) struct WriteReport {
    /// `written`, `dry_run`, `unchanged`, `refused` (a compare-and-swap failed: someone changed a key first)
    /// or `invalid` (the runtime would refuse a table: nothing was sent).
    pub(super) outcome: &'static str,
    /// The key prefix.
    pub(super) prefix: String,
    /// The revision of the transaction (the write, or the record of its refusal).
    pub(super) revision: Option<i64>,
    /// Who, for the audit records.
    pub(super) actor: Option<String>,
    /// Why.
    pub(super) reason: Option<String>,
    /// Each key written (or that would be).
    pub(super) keys: Vec<KeyWrite>,
    /// Why it was refused, one line each.
    pub(super) problems: Vec<String>,
}

/// One key of a write.
#[derive(Debug, Serialize)]
pub(super) struct KeyWrite {
    /// The flag.
    pub(super) name: String,
    /// The etcd key.
    pub(super) key: String,
    /// The table before (`None`: no key).
    pub(super) old: Option<String>,
    /// The table asked for (`None`: delete).
    pub(super) new: Option<String>,
    /// The key's revision when read (0: no key).
    pub(super) read_revision: i64,
    /// The revision the write was conditional on.
    pub(super) if_revision: i64,
    /// After a refusal: the key's revision now (0: no key) and its table.
    pub(super) current_revision: Option<i64>,
    /// After a refusal: the key's table now.
    pub(super) current: Option<String>,
    /// A unified diff from `old` to `new`.
    pub(super) diff: String,
}
