//! Memory: an instance that applies thousands of fleet changes of rules and variants keeps its resident
//! memory flat (under 1 MiB of growth after a warm-up), evaluating all along. `FLEET_MEMORY_CHANGES` sets the
//! count (default 6,000: a CI-sized run); the `fleet_propagation` benchmark runs 100,000. The figures are
//! printed; run with `--nocapture` to see them. Linux only: it reads the instance's `VmRSS`.

use crate::support::{Fleet, memory_run};

/// How many key changes: `FLEET_MEMORY_CHANGES`, else 6,000.
fn changes() -> usize {
    std::env::var("FLEET_MEMORY_CHANGES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(6_000)
}

#[test]
fn thousands_of_rule_changes_keep_an_instance_memory_flat() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc/self/status on this system");
        return;
    }
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let run = memory_run(&mut fleet, changes());
    println!("{run}");
    assert!(
        run.growth_kib() < 1024,
        "{} fleet changes grew the instance's resident memory by {} KiB",
        run.changes,
        run.growth_kib()
    );
}
