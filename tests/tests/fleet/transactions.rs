//! A transaction that writes two flags is applied as one batch: a reader inside each instance, reading
//! `flag_runtime::flags()` (one lock, a consistent view) in a loop, never sees one flag flipped without the
//! other while the pair is flipped over and over.

use std::time::{Duration, Instant};

use flag_etcd::Write;

use crate::support::{Fleet, Instance, flag, fleet_revision};

/// How long each instance's reader runs; the writer stops a little before.
const READ_MS: u64 = 3_000;
/// The most flips; the writer also stops after `READ_MS` minus a margin.
const FLIPS: usize = 300;

fn both(on: bool) -> Vec<Write> {
    let table = format!("default = {on}");
    vec![
        Write::put("dark_mode", table.clone()),
        Write::put("fast_search", table),
    ]
}

#[test]
fn a_two_flag_transaction_is_never_seen_half_applied() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let mut instances: Vec<Instance> = (1..=2)
        .map(|i| Instance::start(&format!("txn-{i}"), &fleet.endpoint(), None))
        .collect();
    // The compiled defaults differ (dark_mode on, fast_search off): equal them first.
    let first = fleet.write(both(false));
    for instance in &mut instances {
        instance.wait_for(first);
        instance.send(&format!("invariant dark_mode fast_search {READ_MS}"));
    }

    let started = Instant::now();
    let mut flips = 0;
    let mut last = first;
    while flips < FLIPS && started.elapsed() < Duration::from_millis(READ_MS - 500) {
        flips += 1;
        last = fleet.write(both(flips % 2 == 1));
    }
    let writing = started.elapsed();
    for instance in &mut instances {
        let seen = instance.answer();
        let reads = seen["reads"].as_u64().expect("a count of reads");
        let revisions = seen["revisions"].as_u64().expect("a count of revisions");
        eprintln!(
            "{}: {reads} reads of flags() saw {revisions} revisions of {flips} flips in {} ms, {} half-applied",
            instance.name,
            writing.as_millis(),
            seen["violations"]
        );
        assert_eq!(seen["violations"], 0, "{}: {seen}", instance.name);
        assert!(reads > 0, "{}: the reader ran", instance.name);
        assert!(
            revisions >= 5,
            "{}: the reader saw several revisions: {seen}",
            instance.name
        );
        instance.wait_for(last);
        let status = instance.status();
        let on = flips % 2 == 1;
        for name in ["dark_mode", "fast_search"] {
            assert_eq!(flag(&status, name)["enabled"], on, "{status}");
            assert_eq!(fleet_revision(&status, name), Some(last));
        }
    }
    assert!(flips >= 10, "only {flips} flips were written");
}
