//! The command line of `cargo flags fleet`: compiled with or without the `fleet` feature, so that `--help`
//! shows the command either way (without the feature it says how to get it).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::{Format, Keep};

/// The variable that names the fleet's etcd endpoints, as the runtime reads it.
pub const ENV_ETCD: &str = "FEATURE_FLAGS_ETCD";
/// The variable that names the fleet's key prefix, as the runtime reads it.
pub const ENV_ETCD_PREFIX: &str = "FEATURE_FLAGS_ETCD_PREFIX";

/// `cargo flags fleet`'s help text after the options.
pub const FLEET_HELP: &str = "\
Examples:
  export FEATURE_FLAGS_ETCD=http://127.0.0.1:2379 FEATURE_FLAGS_ETCD_PREFIX=/flags/shop/prod/
  cargo flags fleet diff                                 flags.toml against the fleet; exit 1 if they differ
  cargo flags fleet push --dry-run                       the diff push would write
  cargo flags fleet push --reason \"release 42\"           every dynamic flag of flags.toml, in one transaction
  cargo flags fleet set live_rates off --reason \"rates API down\"
  cargo flags fleet edit checkout_layout --file layout.toml --reason \"90% roomy\"
  cargo flags fleet get live_rates                       the key, its revision, and what the runtime makes of it
  cargo flags fleet history live_rates                   who changed it, when, from what to what, and why
  cargo flags fleet status --expect 3                    the instances, the revision each applied, who lags

Each flag's table lives at PREFIX + NAME in the runtime file's syntax (`default = true`, [[rules]],
[[variants]], ...); audit records and instances live beside the prefix (PREFIX without its '/' + .audit/
and .instances/). Every write is checked against flags.toml first, as the runtime checks it, is a
compare-and-swap on the key's revision (--if-revision, else the revision just read), and records who
(--actor, else the OS user), why (--reason) and what it replaced, in the same transaction; a refused
attempt is recorded too.
Needs the `fleet` feature: cargo install --path cargo-flags --features fleet (which needs protoc).
Exit status: 0 fine, 1 refused, invalid or different, 2 usage error or etcd out of reach.";

/// The arguments of `cargo flags fleet`.
#[derive(Debug, Args, Clone)]
pub struct FleetArgs {
    /// The etcd endpoints, comma-separated (default: FEATURE_FLAGS_ETCD).
    #[arg(long, global = true, value_name = "URLS")]
    pub etcd: Option<String>,
    /// The key prefix of this service's flags, ending with '/' (default: FEATURE_FLAGS_ETCD_PREFIX).
    #[arg(long, global = true, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// How to print the result: a table for people, or JSON for programs.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// What to do.
    #[command(subcommand)]
    pub action: FleetAction,
}

/// Who writes and why, and on which revision.
#[derive(Debug, Args, Clone)]
pub struct WriteArgs {
    /// Why, for the audit record (required unless --dry-run).
    #[arg(long, required_unless_present = "dry_run")]
    pub reason: Option<String>,
    /// Who, for the audit record (default: the OS user, from USER or USERNAME).
    #[arg(long)]
    pub actor: Option<String>,
    /// Write only if the key is still at this revision (0: only if there is no key); by default, the
    /// revision the command read. A concurrent change is refused, and recorded as refused.
    #[arg(long, value_name = "REVISION")]
    pub if_revision: Option<i64>,
    /// Print the diff of the key, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Who writes and why, for `push` (each key is compared with the revision just read).
#[derive(Debug, Args, Clone)]
pub struct PushArgs {
    /// Why, for the audit records (required unless --dry-run).
    #[arg(long, required_unless_present = "dry_run")]
    pub reason: Option<String>,
    /// Who, for the audit records (default: the OS user, from USER or USERNAME).
    #[arg(long)]
    pub actor: Option<String>,
    /// Print the diff of every key, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete the fleet's keys of flags that flags.toml does not declare as dynamic.
    #[arg(long)]
    pub prune: bool,
}

/// The subcommands of `cargo flags fleet`.
#[derive(Debug, Subcommand, Clone)]
pub enum FleetAction {
    /// Write every dynamic flag of flags.toml (its default, rules and variants) in one transaction.
    #[command(after_help = "\
Examples:
  cargo flags fleet push --dry-run
  cargo flags fleet push --reason \"release 42\" --actor ci
  cargo flags fleet push --reason \"release 42\" --prune

Each dynamic flag's key becomes `default = ...` followed by the flag's rules and variants from flags.toml
(the parts it has). Keys whose meaning already matches are left alone; the others are written in one
transaction, each compared with the revision just read, with one audit record per key. Keys of flags
that flags.toml does not declare as dynamic are reported, and deleted with --prune.")]
    Push(PushArgs),
    /// Turn a flag on or off for the fleet: change the `default` of its key and keep the rest.
    #[command(after_help = "\
Examples:
  cargo flags fleet set live_rates off --reason \"rates API down\"
  cargo flags fleet set live_rates on --reason \"back\" --if-revision 41

The key's other lines (rules, variants, comments) are kept byte for byte; a flag without a key gets
`default = on|off`.")]
    Set {
        /// The flag.
        name: String,
        /// Its state for the fleet.
        #[arg(value_enum)]
        state: Keep,
        /// Who, why, and on which revision.
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Replace a flag's key with a table from a file, or from stdin with `--file -`.
    #[command(after_help = "\
Examples:
  cargo flags fleet edit checkout_layout --file layout.toml --reason \"90% roomy\"
  printf 'default = true\\n[[rules]]\\nrollout = { percent = 25 }\\n' \\
    | cargo flags fleet edit live_rates --file - --reason \"25% first\"

The table is the body of a [flags.NAME] table: `default = true`, [[rules]], [[variants]],
variant_stickiness; mode, description, owner, expires and requires may repeat flags.toml, not change it.
It is checked as the runtime checks it, with line:col in the given text, before anything is sent.")]
    Edit {
        /// The flag.
        name: String,
        /// The file that holds the table; `-` reads stdin.
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
        /// Who, why, and on which revision.
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Show a flag's key, its revision, and whether the runtime applies it.
    #[command(after_help = "\
Examples:
  cargo flags fleet get live_rates
  cargo flags fleet get checkout_layout --format json

Exit status 1 when the runtime would refuse the key (the instances keep their previous table).")]
    Get {
        /// The flag.
        name: String,
    },
    /// Delete a flag's key: the instances go back to what flags.toml compiled in.
    #[command(after_help = "\
Examples:
  cargo flags fleet delete live_rates --reason \"back to the compiled default\"
  cargo flags fleet delete old_flag --reason \"retired\" --if-revision 17")]
    Delete {
        /// The flag.
        name: String,
        /// Who, why, and on which revision.
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Compare flags.toml's dynamic flags with the fleet's keys; exit 1 if they differ.
    #[command(after_help = "\
Examples:
  cargo flags fleet diff
  cargo flags fleet diff --format json

A key matches when it means what flags.toml says (the same state, rules and variants), however it is
written. Also reported: keys the runtime would refuse, and keys of flags flags.toml does not declare as
dynamic.")]
    Diff,
    /// Every write to a flag's key: who, when, old -> new, why, at which revision, accepted or refused.
    #[command(after_help = "\
Examples:
  cargo flags fleet history live_rates
  cargo flags fleet history live_rates --format json     with the full old and new tables")]
    History {
        /// The flag.
        name: String,
    },
    /// The instances watching the fleet, the revision each has applied, and who lags behind.
    #[command(after_help = "\
Examples:
  cargo flags fleet status
  cargo flags fleet status --expect 3

An instance is listed while its presence key lives: one that stops or loses etcd disappears within
10 s. It lags when the revision it applied is before the fleet's last change. Exit status 1 when an
instance lags or fewer than --expect are present.")]
    Status {
        /// How many instances should be present; fewer is a problem (exit status 1).
        #[arg(long, value_name = "N")]
        expect: Option<usize>,
    },
}
