//! The fleet commands, over [`flag_etcd::FleetClient`] on a tokio runtime of their own.
//!
//! Everything that can be decided without etcd is decided first (the manifest, the endpoints, the actor,
//! an edited table's validity), so that a mistake costs no connection and an invalid table is never sent.

use std::path::Path;

use flag_etcd::{
    AuditInfo, AuditRecord, Entry, FleetClient, FleetConfig, MAX_WRITES, Presence, Write,
    WriteOutcome, parse_endpoints,
};
use flag_manifest::Manifest;
use serde::Serialize;

use super::args::{ENV_ETCD, ENV_ETCD_PREFIX, FleetAction, FleetArgs, PushArgs, WriteArgs};
use super::table::{
    Comparison, Verdict, check_table, compare, dynamic_flags, iso_utc, key_diff, manifest_table,
    one_line, set_default,
};
use crate::cli::Format;
use crate::output;
use crate::workspace::{Env, ManifestFile, Workspace};
use crate::{CliError, EXIT_OK, EXIT_PROBLEMS, Outcome};

/// Runs `cargo flags fleet` from `cwd`.
pub fn run(args: &FleetArgs, cwd: &Path, env: &Env) -> Result<Outcome, CliError> {
    let workspace = Workspace::discover(cwd, env)?;
    let manifest_file = ManifestFile::locate(cwd, env, &workspace)?;
    let manifest = match manifest_file.parse() {
        Ok(manifest) => manifest,
        Err(messages) => {
            return Ok(Outcome {
                stderr: format!(
                    "{}\nerror: {} is not a valid manifest, so no table can be checked against it; fix the \
                     problems above (`cargo flags check` lists them all)\n",
                    messages.join("\n"),
                    manifest_file.display
                ),
                code: EXIT_PROBLEMS,
                ..Outcome::default()
            });
        }
    };
    let config = config(args)?;
    let fleet = Fleet {
        manifest: &manifest,
        config,
        format: args.format,
    };
    // What needs no etcd is decided before connecting.
    let edited = match &args.action {
        FleetAction::Edit { name, file, .. } => {
            let (origin, text) = read_table(cwd, file)?;
            let verdict = check_table(&manifest, name, &text, &origin);
            if !verdict.applies() {
                return Ok(fleet.invalid(name, None, &text, &verdict));
            }
            Some(text)
        }
        _ => None,
    };
    let audit = match &args.action {
        FleetAction::Push(PushArgs {
            reason: Some(reason),
            actor,
            dry_run: false,
            ..
        })
        | FleetAction::Set {
            write:
                WriteArgs {
                    reason: Some(reason),
                    actor,
                    dry_run: false,
                    ..
                },
            ..
        }
        | FleetAction::Edit {
            write:
                WriteArgs {
                    reason: Some(reason),
                    actor,
                    dry_run: false,
                    ..
                },
            ..
        }
        | FleetAction::Delete {
            write:
                WriteArgs {
                    reason: Some(reason),
                    actor,
                    dry_run: false,
                    ..
                },
            ..
        } => Some(audit_info(actor.as_deref(), reason)?),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            CliError::new(format!("cannot start a tokio runtime: {error}"))
                .help("this is a bug of cargo flags or of the system (threads, file descriptors)")
        })?;
    runtime.block_on(async {
        let mut client = FleetClient::connect(&fleet.config)
            .await
            .map_err(etcd_error)?;
        match &args.action {
            FleetAction::Push(push) => fleet.push(&mut client, push, audit).await,
            FleetAction::Diff => fleet.diff(&mut client).await,
            FleetAction::Set { name, state, write } => {
                fleet.set(&mut client, name, state.on(), write, audit).await
            }
            FleetAction::Edit { name, write, .. } => {
                let text = edited.unwrap_or_default();
                fleet.edit(&mut client, name, text, write, audit).await
            }
            FleetAction::Delete { name, write } => {
                fleet.delete(&mut client, name, write, audit).await
            }
            FleetAction::Get { name } => fleet.get(&mut client, name).await,
            FleetAction::History { name } => fleet.history(&mut client, name).await,
            FleetAction::Status { expect } => fleet.status(&mut client, *expect).await,
        }
    })
}

/// The fleet's configuration from `--etcd` and `--prefix`, else the runtime's variables.
fn config(args: &FleetArgs) -> Result<FleetConfig, CliError> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    let endpoints = args.etcd.clone().or_else(|| var(ENV_ETCD)).ok_or_else(|| {
        CliError::new("no etcd endpoint: the fleet's etcd is not named").help(format!(
            "give --etcd http://HOST:2379 (comma-separated for several), or set {ENV_ETCD} as the instances do"
        ))
    })?;
    let prefix = args
        .prefix
        .clone()
        .or_else(|| var(ENV_ETCD_PREFIX))
        .ok_or_else(|| {
            CliError::new("no key prefix: where the fleet's flags live is not named").help(format!(
                "give --prefix /flags/SERVICE/ENV/ (ending with '/'), or set {ENV_ETCD_PREFIX} as the \
                 instances do"
            ))
        })?;
    let endpoints = parse_endpoints(&endpoints).map_err(|error| {
        CliError::new(format!("--etcd {endpoints:?}: {error}"))
            .help("give http://HOST:PORT, comma-separated for several")
    })?;
    FleetConfig::new(endpoints, prefix.clone()).map_err(|error| {
        CliError::new(format!("--prefix {prefix:?}: {error}"))
            .help("give the prefix the instances use (FEATURE_FLAGS_ETCD_PREFIX), such as /flags/shop/prod/")
    })
}

/// An error of etcd as a usage error (exit status 2), with what to check.
fn etcd_error(error: flag_etcd::Error) -> CliError {
    let help = match &error {
        flag_etcd::Error::Unreachable { .. } | flag_etcd::Error::Timeout { .. } => format!(
            "is etcd running there? Check --etcd (or {ENV_ETCD}) and the network, then run it again"
        ),
        flag_etcd::Error::InvalidConfig(_) | flag_etcd::Error::InvalidInput(_) => {
            "check --etcd, --prefix and the flag's name (no '/')".to_owned()
        }
        flag_etcd::Error::Contention { .. } => {
            "other writers keep changing these keys: run it again when they are done".to_owned()
        }
        _ => "read etcd's message above; `etcdctl endpoint status` tells more".to_owned(),
    };
    CliError::new(error.to_string()).help(help)
}

/// Who writes: `--actor`, else the OS user.
fn audit_info(actor: Option<&str>, reason: &str) -> Result<AuditInfo, CliError> {
    if reason.trim().is_empty() {
        return Err(CliError::new("--reason is empty")
            .help("say why, for the audit record: --reason \"rates API down\""));
    }
    let actor = actor
        .map(str::to_owned)
        .or_else(os_user)
        .filter(|actor| !actor.trim().is_empty())
        .ok_or_else(|| {
            CliError::new(
                "cannot tell who is writing: no --actor, and neither USER nor USERNAME is set",
            )
            .help("give --actor NAME, for the audit record")
        })?;
    Ok(AuditInfo::new(actor.trim(), reason.trim()))
}

fn os_user() -> Option<String> {
    for name in ["USER", "USERNAME"] {
        if let Ok(user) = std::env::var(name)
            && !user.trim().is_empty()
        {
            return Some(user);
        }
    }
    let output = std::process::Command::new("whoami").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The table of `edit`: a file, or stdin for `-`. Returns how to name it in messages, and its text.
fn read_table(cwd: &Path, file: &Path) -> Result<(String, String), CliError> {
    if file == Path::new("-") {
        let text = std::io::read_to_string(std::io::stdin()).map_err(|error| {
            CliError::new(format!("cannot read the table from stdin: {error}"))
                .help("pipe UTF-8 TOML text in, or give --file PATH")
        })?;
        return Ok(("<stdin>".to_owned(), text));
    }
    let text = std::fs::read_to_string(cwd.join(file)).map_err(|error| {
        CliError::new(format!("cannot read {}: {error}", file.display()))
            .help("give the path of a UTF-8 TOML file (relative to the current directory), or - for stdin")
    })?;
    Ok((file.display().to_string(), text))
}

struct Fleet<'a> {
    manifest: &'a Manifest,
    config: FleetConfig,
    format: Format,
}

/// What a write command did, for `--format json`.
#[derive(Debug, Serialize)]
struct WriteReport {
    /// `written`, `dry_run`, `unchanged`, `refused` (a compare-and-swap failed: someone changed a key first)
    /// or `invalid` (the runtime would refuse a table: nothing was sent).
    outcome: &'static str,
    /// The key prefix.
    prefix: String,
    /// The revision of the transaction (the write, or the record of its refusal).
    revision: Option<i64>,
    /// Who, for the audit records.
    actor: Option<String>,
    /// Why.
    reason: Option<String>,
    /// Each key written (or that would be).
    keys: Vec<KeyWrite>,
    /// Why it was refused, one line each.
    problems: Vec<String>,
}

/// One key of a write.
#[derive(Debug, Serialize)]
struct KeyWrite {
    /// The flag.
    name: String,
    /// The etcd key.
    key: String,
    /// The table before (`None`: no key).
    old: Option<String>,
    /// The table asked for (`None`: delete).
    new: Option<String>,
    /// The key's revision when read (0: no key).
    read_revision: i64,
    /// The revision the write was conditional on.
    if_revision: i64,
    /// After a refusal: the key's revision now (0: no key) and its table.
    current_revision: Option<i64>,
    /// After a refusal: the key's table now.
    current: Option<String>,
    /// A unified diff from `old` to `new`.
    diff: String,
}

impl Fleet<'_> {
    fn prefix(&self) -> &str {
        &self.config.prefix
    }

    fn key(&self, name: &str) -> String {
        self.config.flag_key(name)
    }

    fn endpoints(&self) -> String {
        self.config.endpoints.join(",")
    }

    fn print(&self, report: &impl Serialize, table: String, stderr: String, code: i32) -> Outcome {
        Outcome {
            stdout: match self.format {
                Format::Json => output::json(report),
                Format::Table => table,
            },
            stderr,
            code,
        }
    }

    /// The report of a write that sent nothing (`unchanged`, `dry_run`, `invalid`).
    fn unsent(
        &self,
        outcome: &'static str,
        keys: Vec<KeyWrite>,
        problems: Vec<String>,
    ) -> WriteReport {
        WriteReport {
            outcome,
            prefix: self.prefix().to_owned(),
            revision: None,
            actor: None,
            reason: None,
            keys,
            problems,
        }
    }

    /// A table the runtime would refuse: nothing is sent.
    fn invalid(&self, name: &str, old: Option<&Entry>, new: &str, verdict: &Verdict) -> Outcome {
        let problems = match verdict {
            Verdict::Refused { problems } => problems.clone(),
            other => vec![other.line()],
        };
        let report = self.unsent(
            "invalid",
            vec![KeyWrite {
                name: name.to_owned(),
                key: self.key(name),
                old: old.map(|entry| entry.value.clone()),
                new: Some(new.to_owned()),
                read_revision: old.map_or(0, |entry| entry.mod_revision),
                if_revision: old.map_or(0, |entry| entry.mod_revision),
                current_revision: None,
                current: None,
                diff: String::new(),
            }],
            problems.clone(),
        );
        let mut stderr = String::new();
        for problem in &problems {
            stderr.push_str(&format!("error: {problem}\n"));
        }
        stderr.push_str(&format!(
            "error: the runtime would refuse this table for `{name}`, so nothing was sent to etcd\n\
             help: fix the table (its keys are those of a [flags.{name}] table: default, rules, variants, \
             variant_stickiness)\n"
        ));
        self.print(&report, String::new(), stderr, EXIT_PROBLEMS)
    }

    /// Writes `writes` in one transaction, each conditional on its `if_revision`, and reports.
    async fn write(
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

    async fn push(
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

    async fn diff(&self, client: &mut FleetClient) -> Result<Outcome, CliError> {
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

    async fn set(
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

    async fn edit(
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
    async fn replace(
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

    async fn delete(
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
    async fn finish(
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

    async fn get(&self, client: &mut FleetClient, name: &str) -> Result<Outcome, CliError> {
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

    async fn history(&self, client: &mut FleetClient, name: &str) -> Result<Outcome, CliError> {
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

    async fn status(
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

/// `diff` and `push`: the manifest's dynamic flags against the fleet.
#[derive(Debug, Serialize)]
struct Plan {
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
struct PlanRow {
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
