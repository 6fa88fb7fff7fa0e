//! Replacing a flag's rules frees the old ones: 100,000 rule changes through `load_file` leave resident
//! memory flat (under 1 MiB of growth), with contextual checks reading the rules all along on another
//! thread. The figures are printed; run with `--nocapture` to see them. Before the rules were shared through
//! `arc-swap`, each change leaked its compiled rules, and this test failed by tens of megabytes.
//!
//! Linux only: it reads `VmRSS` from `/proc/self/status`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flag_runtime::{Context, flag};

/// How many rule changes: `RULES_MEMORY_CHANGES`, else 100,000.
fn changes() -> usize {
    std::env::var("RULES_MEMORY_CHANGES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000)
}

/// Resident memory in KiB.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_hundred_thousand_rule_changes_keep_memory_flat() {
    let Some(start) = resident_kib() else {
        eprintln!("skipped: no /proc/self/status on this system");
        return;
    };
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    // Two files whose rules differ, so that every load replaces the compiled rules.
    let files: Vec<_> = [10, 20]
        .iter()
        .map(|percent| {
            let path = dir.join(format!("rules-memory-{percent}.toml"));
            std::fs::write(
                &path,
                format!(
                    "[flags.checkout_v2]\n[[flags.checkout_v2.rules]]\n\
                     constraints = [{{ context = \"country\", operator = \"in\", values = [\"NZ\", \"AU\"] }}]\n\
                     rollout = {{ percent = {percent}, stickiness = \"user_id\" }}\n"
                ),
            )
            .unwrap();
            path
        })
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut checks = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let user = checks.to_string();
                let ctx = Context::new().user_id(&user).property("country", "NZ");
                std::hint::black_box(flag!("checkout_v2", &ctx));
                checks += 1;
                // Leave the other core to the loads.
                if checks % 1_000 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
            checks
        })
    };

    // Warm up: the allocator's arenas and the registry reach their working size.
    for change in 0..1_000 {
        flag_runtime::load_file(&files[change % 2]).unwrap();
    }
    let warm = resident_kib().unwrap();
    let changes = changes();
    for change in 0..changes {
        flag_runtime::load_file(&files[change % 2]).unwrap();
    }
    let end = resident_kib().unwrap();
    stop.store(true, Ordering::Relaxed);
    let checks = reader.join().unwrap();

    let growth = end.saturating_sub(warm);
    println!(
        "rule changes: {changes}; resident memory: {start} KiB at start, {warm} KiB after warm-up, \
         {end} KiB after; growth {growth} KiB; contextual checks meanwhile: {checks}"
    );
    assert!(checks > 0, "the reader ran");
    assert!(
        growth < 1024,
        "{changes} rule changes grew resident memory by {growth} KiB"
    );
}
