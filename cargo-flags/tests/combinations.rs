//! End-to-end tests of `cargo flags test` on the `combos` fixture: six static flags, one pair of states
//! that breaks a test (`fast_tax` on with `eu_vat` off), and two dynamic flags with a bug of their own.
//!
//! The rows build one after the other in one target directory under `CARGO_TARGET_TMPDIR`, shared by both
//! tests (which take turns), so that flag-runtime and its dependencies are built once.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use support::{FLAG_VARIABLES, fixture, json, run};

const TODAY: (&str, &str) = ("FEATURE_FLAGS_TODAY", "2026-11-24");

/// The rows' builds share a target directory; one test at a time uses it.
static TARGET: Mutex<()> = Mutex::new(());

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-flags-combos-target")
}

/// Runs `command` (a reproducing command as printed) with `sh` in `dir`, without flag variables.
fn sh(dir: &Path, command: &str) -> std::process::Output {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir());
    for name in FLAG_VARIABLES {
        sh.env_remove(name);
    }
    sh.output().expect("sh runs")
}

#[test]
fn finds_the_failing_pair_of_static_flags_in_six_builds() {
    let _turn = TARGET
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = fixture("combos", "static_pair");
    let target = target_dir().display().to_string();
    let out = run(
        &dir,
        &["test", "--no-fail-fast", "--", "--lib"],
        &[TODAY, ("CARGO_TARGET_DIR", &target)],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let stdout = &out.stdout;
    assert!(
        stdout.starts_with(
            "6 rows cover every pair of states of every pair of 6 flags, the fewest possible.\n"
        ),
        "{stdout}"
    );
    // Six rows ran, one cargo test each; the two with fast_tax on and eu_vat off failed.
    let results: Vec<(&str, &str)> = stdout
        .lines()
        .skip_while(|line| !line.starts_with("ROW"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let mut cells = line.split_whitespace();
            (cells.next().unwrap(), cells.next().unwrap())
        })
        .collect();
    assert_eq!(
        results,
        [
            ("1", "pass"),
            ("2", "pass"),
            ("3", "pass"),
            ("4", "fail"),
            ("5", "fail"),
            ("6", "pass")
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "It fails when `eu_vat` is off and `fast_tax` is on: every failing row has that, and no \
             passing row does.\n"
        ),
        "{stdout}"
    );
    let failing = "FEATURE_FLAGS=bulk_discount=on,cents_rounding=off,eu_vat=off,fast_tax=on,gift_cards=on,\
                   loyalty_points=off cargo test --lib";
    assert!(
        stdout.contains(&format!("  row 4: {failing}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains("    | assertion `left == right` failed"),
        "{stdout}"
    );
    // Progress, as plain lines (stderr is not a terminal here).
    assert!(
        out.stderr
            .contains("cargo flags test: row 6 of 6 (0 after it), "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cargo flags test: row 4 FAILED in "),
        "{}",
        out.stderr
    );

    // The printed command reproduces the failure, and a passing row's command passes.
    let reproduced = sh(&dir, failing);
    assert!(!reproduced.status.success(), "{reproduced:?}");
    assert!(String::from_utf8_lossy(&reproduced.stdout).contains("tax_follows_eu_vat"));
    let passing = "FEATURE_FLAGS=bulk_discount=on,cents_rounding=on,eu_vat=on,fast_tax=off,gift_cards=off,\
                   loyalty_points=off cargo test --lib";
    let passed = sh(&dir, passing);
    assert!(passed.status.success(), "{passed:?}");
}

/// Dynamic flags go in at run time: one build for every row.
#[cfg(unix)]
#[test]
fn dynamic_flags_vary_at_run_time_without_rebuilding() {
    let _turn = TARGET
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = fixture("combos", "dynamic_pair");
    let target = target_dir().display().to_string();
    let out = run(
        &dir,
        &[
            "test",
            "--flags",
            "live_rates,promo_banner",
            "--include-dynamic",
            "--no-fail-fast",
            "--format",
            "json",
            "--",
            "--lib",
        ],
        &[
            TODAY,
            ("CARGO_TARGET_DIR", &target),
            // Ignored with a note: each row sets the varied flags, and the child cargo never sees it.
            ("FEATURE_FLAGS", "gift_cards=on"),
        ],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    let rows = report["rows"].as_array().unwrap();
    let summary: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                row["feature_flags"].as_str().unwrap().to_owned(),
                row["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("live_rates=off,promo_banner=off", "pass"),
        ("live_rates=on,promo_banner=on", "pass"),
        ("live_rates=on,promo_banner=off", "fail"),
        ("live_rates=off,promo_banner=on", "pass"),
    ];
    assert_eq!(
        summary,
        expected.map(|(flags, result)| (flags.to_owned(), result.to_owned())),
        "{}",
        out.stdout
    );
    assert_eq!(
        report["suspects"],
        serde_json::json!(["`live_rates` on and `promo_banner` off"])
    );
    // The build never sees the dynamic flags: after the first row, nothing is compiled again.
    for row in &rows[1..] {
        assert_eq!(row["compiled"], 0, "{}", out.stdout);
    }
    assert_eq!(
        rows[2]["command"],
        "FEATURE_FLAGS=live_rates=on,promo_banner=off cargo test --lib"
    );
    assert!(
        out.stderr
            .contains("FEATURE_FLAGS=\"gift_cards=on\" in the environment is not used"),
        "{}",
        out.stderr
    );
}
