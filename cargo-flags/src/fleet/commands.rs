//! The fleet commands, over [`flag_etcd::FleetClient`] on a tokio runtime of their own.
//!
//! Everything that can be decided without etcd is decided first (the manifest, the endpoints, the actor,
//! an edited table's validity), so that a mistake costs no connection and an invalid table is never sent.

mod push;
mod read;
mod write;

use write::{KeyWrite, WriteReport};

use std::path::Path;

use flag_etcd::{AuditInfo, Entry, FleetClient, FleetConfig, parse_endpoints};
use flag_manifest::Manifest;
use serde::Serialize;

use super::args::{ENV_ETCD, ENV_ETCD_PREFIX, FleetAction, FleetArgs, PushArgs, WriteArgs};
use super::table::{Verdict, check_table};
use crate::cli::Format;
use crate::output;
use crate::workspace::{Env, ManifestFile, Workspace};
use crate::{CliError, EXIT_PROBLEMS, Outcome};

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
}
