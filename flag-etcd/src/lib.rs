//! The etcd protocol of flag-runtime's fleet layer: one change to a dynamic flag reaches every
//! instance of a service, with nothing lost.
//!
//! This crate moves keys, values and revisions under one prefix, correctly; it knows nothing
//! of what a flag's table means. flag-runtime uses it (behind its `etcd` feature) to keep each
//! instance's fleet layer equal to etcd's state, and `cargo flags fleet` uses it to write.
//!
//! # Key layout
//!
//! For a prefix P such as `/flags/checkout/prod/` (it must end with '/'), let B be P without its
//! trailing '/' (`/flags/checkout/prod`):
//!
//! | key | holds |
//! | --- | --- |
//! | `P + NAME` | flag NAME's table (a TOML table body, for the runtime; opaque here) |
//! | `B + ".audit/" + NAME + "/" + SEQ` | one audit record per write to NAME, as JSON; SEQ is a zero-padded 20-digit revision |
//! | `B + ".instances/" + ID` | the presence of instance ID, as JSON ([`Presence`]), under a lease of [`PRESENCE_TTL_SECS`] |
//!
//! The audit and instance keys are siblings of P, not under it: `.` sorts before `/`, so a
//! range or watch on P never sees them.
//!
//! ```text
//! /flags/checkout/prod/new_ui                                  default = true
//! /flags/checkout/prod/fast_tax                                default = false
//! /flags/checkout/prod.audit/new_ui/00000000000000000041       {"actor":"alice","outcome":"accepted",...}
//! /flags/checkout/prod.instances/checkout-7f9c                 {"instance":"checkout-7f9c","revision":42,...}
//! ```
//!
//! # Reading: the watch loop
//!
//! [`watch`] (on the caller's tokio runtime) and [`spawn_watcher`] (on a thread of its own)
//! report the state under P to a sink as [`FleetEvent`]s: a [`FleetEvent::Snapshot`] of
//! everything at a revision, then one [`FleetEvent::Changes`] per watch response. When etcd
//! goes away they send one [`FleetEvent::Stale`], retry with jittered exponential backoff, and
//! on reconnecting send [`FleetEvent::Resumed`] and resume the watch right after the last
//! applied revision; if etcd has compacted that history away they re-read everything
//! instead. Like kube-rs's watcher and etcd's own clientv3 (`WithRev`, `ErrCompacted`), the
//! loop keeps the last revision, resumes from it, falls back to a full re-read when the
//! revision is gone, and reports its state as events rather than logging: this crate logs
//! nothing.
//!
//! ```no_run
//! use flag_etcd::{FleetConfig, FleetEvent, parse_endpoints};
//!
//! let endpoints = parse_endpoints("http://127.0.0.1:2379")?;
//! let config = FleetConfig::new(endpoints, "/flags/checkout/prod/")?;
//! let watcher = flag_etcd::spawn_watcher(config, |event| {
//!     match event {
//!         FleetEvent::Snapshot { revision, entries } => { /* replace the fleet layer */ }
//!         FleetEvent::Changes { revision, changes } => { /* apply each change in order */ }
//!         FleetEvent::Stale { error, .. } => eprintln!("flags: fleet stale: {error}"),
//!         FleetEvent::Resumed { .. } => {}
//!     }
//!     true
//! })?;
//! # watcher.stop();
//! # Ok::<(), flag_etcd::Error>(())
//! ```
//!
//! # Writing
//!
//! [`FleetClient`] reads, writes in one transaction with compare-and-swap and an audit record
//! per write, and lists history and instances; see [`FleetClient::write`] for exactly what is
//! compared and recorded.
//!
//! # Testing
//!
//! With the `testing` feature, the module `flag_etcd::testing` starts a throwaway etcd server, cuts connections
//! with a TCP proxy, and skips tests where etcd is not installed (failing instead on CI).
//!
//! This crate is not a member of the main workspace: etcd-client needs `protoc` at build time.
//! Build and test it on its own: `cd flag-etcd && cargo test`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod backoff;
mod client;
mod config;
mod conn;
mod error;
mod model;
mod presence;
#[cfg(feature = "testing")]
pub mod testing;
mod watcher;

pub use client::{FleetClient, MAX_WRITE_ATTEMPTS, MAX_WRITES};
pub use config::{FleetConfig, PRESENCE_TTL_SECS, Presence, parse_endpoints};
pub use error::Error;
pub use model::{AuditInfo, AuditRecord, Change, Entry, FleetEvent, Write, WriteOutcome};
pub use watcher::{WatcherHandle, spawn_watcher, watch};
