//! `diff` and `push`: the manifest's dynamic flags against the fleet, as a plan of what would change.

use flag_etcd::{AuditInfo, FleetClient};
use serde::Serialize;

use super::super::args::PushArgs;
use super::super::table::{
    Comparison, Verdict, check_table, compare, dynamic_flags, key_diff, manifest_table, one_line,
};
use super::{Fleet, KeyWrite, etcd_error};
use crate::cli::Format;
use crate::output;
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome};

impl Fleet<'_> {
    pub(super) async fn push(
        &self,
        client: &mut FleetClient,
        push: &PushArgs,
        audit: Option<AuditInfo>,
    ) -> Result<Outcome, CliError> {
        let plan = self.plan(client).await?;
        let mut keys = Vec::new();
        for row in &plan.flags {
            let delete = row.status == Comparison::Extra && push.prune;
            let put = matches!(
                row.status,
                Comparison::Missing | Comparison::Differs | Comparison::Refused
            );
            if !(put || delete) {
                continue;
            }
            let new = if delete { None } else { row.manifest.clone() };
            keys.push(KeyWrite {
                name: row.name.clone(),
                key: row.key.clone(),
                old: row.fleet.clone(),
                read_revision: row.revision,
                if_revision: row.revision,
                diff: key_diff(&row.key, row.fleet.as_deref(), new.as_deref()),
                new,
                current_revision: None,
                current: None,
            });
        }
        let mut table = plan.table(self, true, push.prune);
        if keys.is_empty() {
            table.push_str(&format!(
                "Nothing to write: the fleet already says what {} says.\n",
                "flags.toml"
            ));
            let report = self.unsent("unchanged", keys, Vec::new());
            return Ok(self.print(&report, table, String::new(), EXIT_OK));
        }
        let Some(audit) = audit else {
            for key in &keys {
                table.push_str(&key.diff);
            }
            table.push_str(&format!(
                "\nDry run: {} would be written in one transaction; nothing was written.\n",
                output::count(keys.len(), "key", "keys")
            ));
            let report = self.unsent("dry_run", keys, Vec::new());
            return Ok(self.print(&report, table, String::new(), EXIT_OK));
        };
        let mut outcome = self.write(client, keys, audit).await?;
        if self.format == Format::Table && outcome.code == EXIT_OK {
            outcome.stdout = format!("{table}{}", outcome.stdout);
        }
        Ok(outcome)
    }

    pub(super) async fn diff(&self, client: &mut FleetClient) -> Result<Outcome, CliError> {
        let plan = self.plan(client).await?;
        let mut table = plan.table(self, false, false);
        let differ = plan
            .flags
            .iter()
            .filter(|row| row.status != Comparison::Same)
            .count();
        for row in &plan.flags {
            match row.status {
                Comparison::Differs | Comparison::Missing => table.push_str(&key_diff(
                    &row.key,
                    row.fleet.as_deref(),
                    row.manifest.as_deref(),
                )),
                Comparison::Refused => {
                    table.push_str(&format!("{}: the runtime refuses it:\n", row.key));
                    for problem in &row.problems {
                        table.push_str(&format!("  {problem}\n"));
                    }
                }
                Comparison::Same | Comparison::Extra => {}
            }
        }
        if plan.flags.iter().any(|row| {
            matches!(
                row.status,
                Comparison::Differs | Comparison::Missing | Comparison::Refused
            )
        }) {
            table.push('\n');
        }
        if differ == 0 {
            table.push_str("The fleet says what flags.toml says.\n");
        } else {
            table.push_str(&format!(
                "{} from flags.toml: `cargo flags fleet push --dry-run` shows what a push would write.\n",
                output::count(differ, "key differs", "keys differ")
            ));
        }
        let code = if differ == 0 { EXIT_OK } else { EXIT_PROBLEMS };
        Ok(self.print(&plan, table, String::new(), code))
    }

    /// The manifest's dynamic flags against the fleet's keys.
    async fn plan(&self, client: &mut FleetClient) -> Result<Plan, CliError> {
        let (revision, entries) = client.list().await.map_err(etcd_error)?;
        let mut flags = Vec::new();
        for flag in dynamic_flags(self.manifest) {
            let text = manifest_table(flag);
            let key = self.key(&flag.name);
            if let Verdict::Refused { problems } =
                check_table(self.manifest, &flag.name, &text, &key)
            {
                return Err(CliError::new(format!(
                    "flags.toml's own table for `{}` does not read back: {}",
                    flag.name,
                    problems.join("; ")
                ))
                .help("this is a bug of cargo flags: please report it with the flag's table"));
            }
            let entry = entries.iter().find(|entry| entry.name == flag.name);
            let status = compare(
                self.manifest,
                flag,
                entry.map(|entry| entry.value.as_str()),
                &key,
            );
            let problems = match (status, entry) {
                (Comparison::Refused, Some(entry)) => {
                    match check_table(self.manifest, &flag.name, &entry.value, &key) {
                        Verdict::Refused { problems } => problems,
                        other => vec![other.line()],
                    }
                }
                _ => Vec::new(),
            };
            flags.push(PlanRow {
                name: flag.name.clone(),
                key,
                status,
                revision: entry.map_or(0, |entry| entry.mod_revision),
                fleet: entry.map(|entry| entry.value.clone()),
                manifest: Some(text),
                problems,
            });
        }
        for entry in &entries {
            if flags.iter().any(|row| row.name == entry.name) {
                continue;
            }
            let key = self.key(&entry.name);
            let why = match self.manifest.flag(&entry.name) {
                Some(_) => format!("`{}` is static in flags.toml", entry.name),
                None => format!("flags.toml does not declare `{}`", entry.name),
            };
            flags.push(PlanRow {
                name: entry.name.clone(),
                key,
                status: Comparison::Extra,
                revision: entry.mod_revision,
                fleet: Some(entry.value.clone()),
                manifest: None,
                problems: vec![why],
            });
        }
        Ok(Plan {
            prefix: self.prefix().to_owned(),
            endpoints: self.endpoints(),
            revision,
            flags,
        })
    }
}

/// `diff` and `push`: the manifest's dynamic flags against the fleet.
#[derive(Debug, Serialize)]
pub(super) struct Plan {
    /// The key prefix.
    prefix: String,
    /// The etcd endpoints.
    endpoints: String,
    /// The revision the fleet was read at.
    revision: i64,
    /// Each dynamic flag of the manifest, then each other key of the fleet.
    flags: Vec<PlanRow>,
}

#[derive(Debug, Serialize)]
pub(super) struct PlanRow {
    /// The flag.
    name: String,
    /// Its key.
    key: String,
    /// How the fleet's key compares with flags.toml.
    status: Comparison,
    /// The key's revision (0: no key).
    revision: i64,
    /// The fleet's table.
    fleet: Option<String>,
    /// The table flags.toml gives it (`None` for a flag it does not declare as dynamic).
    manifest: Option<String>,
    /// Why the runtime refuses the fleet's table, or why the key is extra.
    problems: Vec<String>,
}

impl Plan {
    fn table(&self, fleet: &Fleet<'_>, push: bool, prune: bool) -> String {
        let rows: Vec<Vec<String>> = self
            .flags
            .iter()
            .map(|row| {
                let mut cells = vec![
                    row.name.clone(),
                    row.status.word().to_owned(),
                    if row.revision == 0 {
                        "-".to_owned()
                    } else {
                        row.revision.to_string()
                    },
                ];
                if push {
                    cells.push(
                        match row.status {
                            Comparison::Same => "-",
                            Comparison::Missing => "create",
                            Comparison::Differs | Comparison::Refused => "replace",
                            Comparison::Extra if prune => "delete",
                            Comparison::Extra => "keep (--prune deletes it)",
                        }
                        .to_owned(),
                    );
                }
                cells.push(match row.status {
                    Comparison::Extra | Comparison::Refused => row.problems.join("; "),
                    _ => one_line(row.fleet.as_deref()),
                });
                cells
            })
            .collect();
        let headers: &[&str] = if push {
            &["FLAG", "FLEET", "REVISION", "PUSH", "FLEET'S TABLE"]
        } else {
            &["FLAG", "FLEET", "REVISION", "FLEET'S TABLE"]
        };
        format!(
            "flags.toml against {} at {} (revision {})\n\n{}\n",
            fleet.prefix(),
            self.endpoints,
            self.revision,
            output::table(headers, &rows)
        )
    }
}
