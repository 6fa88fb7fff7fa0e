//! `cargo flags fleet`: the dynamic flags a fleet of instances shares through etcd, read and written from
//! the command line, each write checked against `flags.toml` as the runtime checks it.
//!
//! The etcd protocol (keys, compare-and-swap transactions, audit records, presence) is `flag-etcd`'s
//! (`flag_etcd::FleetClient`); the rules a table must follow are `flag-manifest`'s
//! ([`flag_manifest::parse_flag_table`], [`flag_manifest::Built::check`]). This module holds the command
//! line ([`args`]), the tables ([`table`], compiled without etcd so that it is tested everywhere) and, with
//! the `fleet` feature, the commands themselves.
//!
//! Without the `fleet` feature (the default: etcd-client needs protoc to build), the command exists, so that
//! `--help` shows it, and fails with exit status 2 saying how to build it.

pub mod args;
#[cfg(feature = "fleet")]
mod commands;
#[cfg_attr(not(feature = "fleet"), allow(dead_code))]
pub mod table;

use std::path::Path;

pub use args::{FleetAction, FleetArgs};

use crate::workspace::Env;
use crate::{CliError, Outcome};

/// Runs `cargo flags fleet` from `cwd`.
#[cfg(feature = "fleet")]
pub fn run(args: &FleetArgs, cwd: &Path, env: &Env) -> Result<Outcome, CliError> {
    commands::run(args, cwd, env)
}

/// Runs `cargo flags fleet` from `cwd`: without the `fleet` feature, a usage error that says how to get it.
#[cfg(not(feature = "fleet"))]
pub fn run(_args: &FleetArgs, _cwd: &Path, _env: &Env) -> Result<Outcome, CliError> {
    Err(CliError::new(
        "`cargo flags fleet` is not in this build: it was built without the `fleet` feature",
    )
    .help("cargo install --path cargo-flags --features fleet (needs protoc: apt-get install protobuf-compiler)"))
}
