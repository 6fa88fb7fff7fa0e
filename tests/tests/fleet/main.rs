//! The fleet, end to end: instance processes (`src/bin/fleet-instance.rs`) that join a throwaway etcd through
//! `FEATURE_FLAGS_ETCD*`, and what they see while flags are written, etcd is killed, connections are cut,
//! transactions flip flags together, bad values arrive, and instances start with etcd down.
//!
//! Each test starts its own etcd (`flag_etcd::testing::Etcd`: loopback ports, a temporary data directory)
//! and its own instances, and every wait is bounded. Built only with the `fleet` feature (it needs `protoc`
//! to build and `etcd` to run):
//!
//! ```text
//! cargo test -p flag-tests --features fleet --test fleet
//! ```
//!
//! Without etcd installed the tests are skipped with a message, unless `CI=true`, where they fail.

#[cfg(feature = "fleet")]
mod support;

#[cfg(feature = "fleet")]
mod bad_values;
#[cfg(feature = "fleet")]
mod cold_start;
#[cfg(feature = "fleet")]
mod memory;
#[cfg(feature = "fleet")]
mod outage;
#[cfg(feature = "fleet")]
mod presence;
#[cfg(feature = "fleet")]
mod propagation;
#[cfg(feature = "fleet")]
mod transactions;

#[cfg(not(feature = "fleet"))]
#[test]
fn fleet_tests_need_the_fleet_feature() {
    eprintln!("skipped: built without --features fleet (needs protoc and etcd)");
}
