//! Memory: an instance that applies thousands of fleet changes of rules and variants keeps its resident
//! memory flat (under 1 MiB of growth after a warm-up), evaluating all along. `FLEET_MEMORY_CHANGES` sets the
//! count (default 6,000: a CI-sized run); the `fleet_propagation` benchmark runs 100,000. The figures are
//! printed; run with `--nocapture` to see them. Linux only: it reads the instance's `VmRSS`.

use std::time::Instant;

use flag_etcd::Write;

use crate::support::{Fleet, Instance};

/// Two tables per flag, so that every write replaces compiled rules (and variants) with other ones.
const TABLES: [(&str, [&str; 2]); 3] = [
    (
        "checkout_v2",
        [
            "[[rules]]\nconstraints = [{ context = \"country\", operator = \"in\", values = [\"NZ\", \"AU\"] }]\nrollout = { percent = 10, stickiness = \"user_id\" }\n[[variants]]\nname = \"control\"\nweight = 50\n[[variants]]\nname = \"one_page\"\nweight = 50\n",
            "[[rules]]\nconstraints = [{ context = \"country\", operator = \"in\", values = [\"FR\"] }]\nrollout = { percent = 20, stickiness = \"user_id\" }\n[[variants]]\nname = \"control\"\nweight = 30\n[[variants]]\nname = \"one_page\"\nweight = 70\n",
        ],
    ),
    (
        "search_ranking",
        [
            "[[rules]]\nconstraints = [{ context = \"plan\", operator = \"in\", values = [\"pro\"] }]\nrollout = { percent = 10 }\n",
            "[[rules]]\nconstraints = [{ context = \"plan\", operator = \"in\", values = [\"team\"] }]\nrollout = { percent = 20 }\n",
        ],
    ),
    (
        "express_pay",
        [
            "[[rules]]\nuser_ids = [\"1\", \"2\", \"3\"]\n",
            "[[rules]]\nrollout = { percent = 5 }\n",
        ],
    ),
];

/// How many key changes: `FLEET_MEMORY_CHANGES`, else 6,000.
fn changes() -> usize {
    std::env::var("FLEET_MEMORY_CHANGES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(6_000)
}

fn rss(instance: &mut Instance) -> u64 {
    instance.ask("rss")["rss_kib"]
        .as_u64()
        .expect("VmRSS (Linux only)")
}

/// Writes every flag of [`TABLES`] in one transaction per step, alternating the two tables, until `count`
/// key changes are written, with an evaluation by the instance every 50 transactions; returns the last
/// revision.
fn churn(fleet: &mut Fleet, instance: &mut Instance, from: usize, count: usize) -> i64 {
    let mut revision = 0;
    let steps = count.div_ceil(TABLES.len());
    for step in from..from + steps {
        let writes = TABLES
            .iter()
            .map(|(name, tables)| Write::put(*name, tables[step % 2]))
            .collect();
        revision = fleet.write(writes);
        if step % 50 == 0 {
            instance.eval(1_000);
        }
    }
    instance.wait_for(revision);
    revision
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
    let mut instance = Instance::start("memory", &fleet.endpoint(), None);
    let start = rss(&mut instance);
    let warm_up = 600;
    churn(&mut fleet, &mut instance, 0, warm_up);
    let warm = rss(&mut instance);
    let count = changes();
    let started = Instant::now();
    let last = churn(&mut fleet, &mut instance, warm_up, count);
    let took = started.elapsed();
    let end = rss(&mut instance);
    let growth = end.saturating_sub(warm);
    println!(
        "fleet changes: {count} (rules and variants of 3 flags, {} per transaction, last revision {last}) in \
         {:.1} s; instance resident memory: {start} KiB at start, {warm} KiB after {warm_up} changes, {end} KiB \
         after; growth {growth} KiB",
        TABLES.len(),
        took.as_secs_f64()
    );
    assert!(
        growth < 1024,
        "{count} fleet changes grew the instance's resident memory by {growth} KiB"
    );
}
