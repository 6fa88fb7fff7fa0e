//! End-to-end tests of `remove`: the rewritten sources against snapshot files (read and checked by hand),
//! the dry-run diff, byte-for-byte preservation outside the edits, refusals that change nothing, and
//! `cargo check` of the fixture workspace after each removal.

mod support;

use std::path::Path;
use std::process::Command;

use support::{FLAG_VARIABLES, fixture, json, read, run, snapshot};

/// The fixture's files that `remove` may change.
const FILES: [&str; 6] = [
    "src/main.rs",
    "src/cart.rs",
    "src/checkout.rs",
    "src/layout.rs",
    "tests/smoke.rs",
    "flags.toml",
];

/// Snapshots of every file `remove` may change, as `tests/snapshots/PREFIX/PATH.snap`: the suffix keeps the
/// snapshots of `.rs` files out of the scan when cargo flags runs on this repository.
fn snapshot_files(dir: &Path, prefix: &str) {
    for file in FILES {
        snapshot(&format!("{prefix}/{file}.snap"), &read(dir, file));
    }
}

fn unchanged(dir: &Path) {
    for file in FILES {
        assert_eq!(
            read(dir, file),
            read(&support::fixtures().join("shop"), file),
            "{file} changed"
        );
    }
}

#[test]
fn keep_on() {
    let dir = fixture("shop", "remove_keep_on");
    let out = run(&dir, &["remove", "new_checkout", "--keep", "on"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
    snapshot("remove-keep-on.txt", &out.stdout);
    snapshot_files(&dir, "keep-on");
    // The rest of the workspace still checks: the retired flag is gone from the manifest and the code.
    let check = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(check.code, 0, "{check:?}");
    assert_eq!(json(&check.stdout)["flags"], 4);
}

#[test]
fn keep_off_is_refused_while_another_flag_requires_it() {
    let dir = fixture("shop", "remove_keep_off");
    let out = run(&dir, &["remove", "new_checkout", "--keep", "off"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: flags.toml:19:13: flag `gift_wrap` requires `new_checkout`: with `new_checkout` off for good, \
         `gift_wrap` could never be on. Retire it first (`cargo flags remove gift_wrap --keep off`), or take \
         `new_checkout` out of its `requires` if it no longer needs it, then rerun\nerror: `new_checkout` was not \
         removed: nothing was changed; fix what is listed above, then rerun\n"
    );
    unchanged(&dir);

    // Following the advice: retire gift_wrap first, then new_checkout.
    let out = run(&dir, &["remove", "gift_wrap", "--keep", "off"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(&dir, &["remove", "new_checkout", "--keep", "off"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    snapshot("remove-keep-off.txt", &out.stdout);
    snapshot_files(&dir, "keep-off");
}

#[test]
fn dry_run_prints_a_diff_and_changes_nothing() {
    let dir = fixture("shop", "remove_dry_run");
    let out = run(
        &dir,
        &["remove", "new_checkout", "--keep", "on", "--dry-run"],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    snapshot("remove-dry-run.diff", &out.stdout);
    assert!(
        out.stderr
            .starts_with("Would retire flag `new_checkout`, keeping its code on:\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.ends_with(
        "Would change 5 files. Nothing was written: rerun without --dry-run to apply.\n"
    ));
    unchanged(&dir);

    // The diff applies: it is exactly what the real run writes.
    let patch = dir.with_extension("patch");
    std::fs::write(&patch, &out.stdout).unwrap();
    let applied = Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(&patch)
        .current_dir(&dir)
        .status();
    if let Ok(status) = applied {
        assert!(status.success());
        let expected = fixture("shop", "remove_dry_run_expected");
        assert_eq!(
            run(&expected, &["remove", "new_checkout", "--keep", "on"], &[]).code,
            0
        );
        for file in FILES {
            assert_eq!(read(&dir, file), read(&expected, file), "{file}");
        }
    }
    std::fs::remove_file(&patch).unwrap();

    let out = run(
        &dir,
        &[
            "remove",
            "gift_wrap",
            "--keep",
            "off",
            "--dry-run",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["dry_run"], true);
    assert!(
        report["diff"]
            .as_str()
            .unwrap()
            .contains("--- a/src/main.rs\n+++ b/src/main.rs\n")
    );
}

#[test]
fn json_report_field_by_field() {
    let dir = fixture("shop", "remove_json");
    let out = run(
        &dir,
        &["remove", "new_checkout", "--keep", "on", "--format", "json"],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["flag"], "new_checkout");
    assert_eq!(report["keep"], "on");
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["ok"], true);
    assert!(report["diff"].is_null());
    assert_eq!(report["refused"], serde_json::json!([]));
    assert_eq!(
        report["files"],
        serde_json::json!([
            "src/cart.rs",
            "src/checkout.rs",
            "src/main.rs",
            "tests/smoke.rs",
            "flags.toml"
        ])
    );
    let changes = report["changes"].as_array().unwrap();
    let first = &changes[0];
    assert_eq!(first["file"], "flags.toml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(first["message"], "removed [flags.new_checkout]");
    assert!(
        changes.iter().any(|c| c["file"] == "src/checkout.rs"
            && c["line"] == 13
            && c["message"]
                == "removed `#[feature_flag(\"new_checkout\", fallback = legacy_total)]`; kept `fn total` and \
                    dropped its fallback `legacy_total`"),
        "{changes:#?}"
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"fallback `legacy_total` (src/checkout.rs:8) is no longer called: delete it if nothing else needs it"),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("profile `minimal` turned `new_checkout` off")),
        "{notes:#?}"
    );
}

#[test]
fn comments_and_formatting_survive_byte_for_byte() {
    let dir = fixture("shop", "remove_bytes");
    let before = read(&dir, "src/checkout.rs");
    assert_eq!(
        run(&dir, &["remove", "fast_tax", "--keep", "on"], &[]).code,
        0
    );
    // Exactly these spans change; every other byte of the file is as it was.
    let expected = before
        .replace(
            "#[feature_flag(\"fast_tax\")]\nfn tax(subtotal: u32) -> u32 {\n    subtotal / 10\n}\n\n\
             #[feature_flag(not(\"fast_tax\"))]\nfn tax(subtotal: u32) -> u32 {\n    subtotal * 10 / 100\n}\n",
            "fn tax(subtotal: u32) -> u32 {\n    subtotal / 10\n}\n",
        )
        .replace(
            "if flag!(\"new_checkout\") && flag!(\"fast_tax\") { 1 }",
            "if flag!(\"new_checkout\") { 1 }",
        )
        .replace(
            "    if flag!(\"fast_tax\") {\n        log(\"cached rates\");\n    } else if flag!(\"new_checkout\") {\n        \
             log(\"rates from the new service\");\n    } else {\n        log(\"rates table\");\n    }\n",
            "    log(\"cached rates\");\n",
        );
    assert_ne!(expected, before);
    assert_eq!(read(&dir, "src/checkout.rs"), expected);
    let cart = read(&dir, "src/cart.rs");
    assert!(cart.contains(
        "        Cart { items: vec![1200, 350,   99] }   // odd spacing, kept as written\n"
    ));
    // any("new_checkout", "fast_tax") is now always on, not(any(..)) always off.
    assert!(
        cart.contains("    fn describe(&self) -> String;\n\n    fn badge(&self) -> &'static str {\n        \"fast\"\n    }\n}\n"),
        "{cart}"
    );
    assert!(!cart.contains("\"slow\""), "{cart}");
}

#[test]
fn dynamic_flag_kept_off() {
    let dir = fixture("shop", "remove_dynamic");
    let out = run(&dir, &["remove", "live_rates", "--keep", "off"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let cart = read(&dir, "src/cart.rs");
    assert!(
        cart.contains("    /// Refreshes the prices from live rates, while they are on.\n    pub fn refresh(&mut self) {}\n"),
        "{cart}"
    );
    assert!(read(&dir, "src/main.rs").contains("    println!(\"rates: {}\", \"fixed\");\n"));
    assert!(
        out.stdout.contains("`live_rates` was dynamic"),
        "{}",
        out.stdout
    );
    // The test's override of the state kept, its set and its reset are deleted; the imports they used go.
    assert_eq!(
        read(&dir, "tests/smoke.rs"),
        read(&support::fixtures().join("shop"), "tests/smoke.rs")
            .replace(
                "use flag_runtime::{flag, reset, set};",
                "use flag_runtime::flag;"
            )
            .replace(
                "    let _off = flag_runtime::override_local(\"live_rates\", false).unwrap();\n",
                ""
            )
            .replace("    set(\"live_rates\", false).unwrap();\n", "")
            .replace("    reset(\"live_rates\").unwrap();\n", "")
            .replace("!flag!(\"live_rates\")", "true")
            .replace("!flag!(all(\"live_rates\", \"new_checkout\"))", "true")
    );
    for line in [
        "  tests/smoke.rs:7:5: deleted `let _off = flag_runtime::override_local(\"live_rates\", false).unwrap();`: \
         its guard only held `live_rates` off, as the code now always is\n",
        "  tests/smoke.rs:20:5: deleted `set(\"live_rates\", false).unwrap();`: it set `live_rates` off, as the code \
         now always is\n",
        "  tests/smoke.rs:22:5: deleted `reset(\"live_rates\").unwrap();`: it reset `live_rates` to its default; \
         `live_rates` is now always off\n",
        "  tests/smoke.rs:3:1: removed the unused import `reset` and `set`\n",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
    assert!(
        !out.stdout.contains("still has the string"),
        "{}",
        out.stdout
    );
    let check = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn overrides_of_the_other_state_are_refused() {
    let dir = fixture("shop", "remove_overrides_refused");
    let out = run(&dir, &["remove", "live_rates", "--keep", "on"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: tests/smoke.rs:7:16: `flag_runtime::override_local(\"live_rates\", false)` forces `live_rates` off, \
         but its code stays on for good: what ran under it is gone. Delete or rewrite the code that relies on it (a \
         test of `live_rates` off?) by hand, then rerun\n\
         error: tests/smoke.rs:20:5: `set(\"live_rates\", false)` forces `live_rates` off, but its code stays on for \
         good: what ran under it is gone. Delete or rewrite the code that relies on it (a test of `live_rates` off?) \
         by hand, then rerun\n\
         error: `live_rates` was not removed: nothing was changed; fix what is listed above, then rerun\n"
    );
    unchanged(&dir);

    // A guard the code uses later, and a call whose result is used, are refused with their places.
    std::fs::write(
        dir.join("src/guards.rs"),
        "fn f() {\n    let guard = flag_runtime::override_global(\"live_rates\", false).unwrap();\n    drop(guard);\n    \
         assert_eq!(flag_runtime::is_enabled(\"live_rates\"), Ok(false));\n}\n",
    )
    .unwrap();
    let out = run(
        &dir,
        &["remove", "live_rates", "--keep", "off", "--format", "json"],
        &[],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    let refused: Vec<String> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{} {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            "src/guards.rs:2:17 `flag_runtime::override_global(\"live_rates\", false)` names `live_rates` through the \
             string API: cargo flags deletes only a statement that sets, resets or overrides `live_rates` to the state \
             it keeps (off), alone or as `let _guard = ...;`; here the block uses `guard` after it: delete it by hand, \
             keeping what runs with `live_rates` off, then rerun",
            "src/guards.rs:4:16 `flag_runtime::is_enabled(\"live_rates\")` names `live_rates` through the string API: \
             `live_rates` will always be off: replace the call by hand (with `false` where its result is unwrapped), \
             then rerun",
        ]
    );
    unchanged(&dir);
}

#[test]
fn flags_with_variants_are_refused_at_each_variant_call() {
    let dir = fixture("shop", "remove_variants");
    let out = run(&dir, &["remove", "checkout_layout", "--keep", "on"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: src/layout.rs:13:11: `variant!(\"checkout_layout\", &ctx)` reads a variant of `checkout_layout`: \
         which variant's code stays is a choice cargo flags cannot make. Keep the code of the variant you want, \
         delete the `variant!` call, then rerun\n\
         error: flags.toml:29:8: `checkout_layout` has variants, and code that reads a variant is not something \
         cargo flags can rewrite: move that code to the variant you keep, delete the `variants` of \
         [flags.checkout_layout] (and of its rules), then rerun\n\
         error: `checkout_layout` was not removed: nothing was changed; fix what is listed above, then rerun\n"
    );
    unchanged(&dir);
}

#[test]
fn refusals_change_nothing() {
    let dir = fixture("shop", "remove_refusals");
    std::fs::write(
        dir.join("src/unfinished.rs"),
        "fn unfinished() {\n    let x = ;\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["remove", "fast_tax", "--keep", "on"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: src/unfinished.rs:2:13: cannot parse this file (expected an expression)"
        ),
        "{}",
        out.stderr
    );
    unchanged(&dir);
    let out = run(
        &dir,
        &["remove", "fast_tax", "--keep", "on", "--format", "json"],
        &[],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["ok"], false);
    assert_eq!(report["refused"][0]["file"], "src/unfinished.rs");
    assert_eq!(report["files"], serde_json::json!([]));
    std::fs::remove_file(dir.join("src/unfinished.rs")).unwrap();

    // A shape the rewrite does not handle (an attribute on a statement, which the compiler refuses too) is
    // caught by scanning the result, and refused.
    std::fs::write(
        dir.join("src/statement.rs"),
        "fn f() {\n    #[feature_flag(\"fast_tax\")]\n    let rate = 1;\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["remove", "fast_tax", "--keep", "on"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: src/statement.rs:2:5: #[feature_flag(\"fast_tax\")] would still name `fast_tax` after the \
             rewrite"
        ),
        "{}",
        out.stderr
    );
    unchanged(&dir);
    std::fs::remove_file(dir.join("src/statement.rs")).unwrap();

    let out = run(&dir, &["remove", "fast_taxx", "--keep", "on"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: unknown flag `fast_taxx`; did you mean `fast_tax`?\n"),
        "{}",
        out.stderr
    );
    unchanged(&dir);
}

/// `cargo check --all-targets` on the fixture as written, and after each kind of removal.
#[test]
fn the_workspace_still_builds_after_each_removal() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-flags-fixture-target");
    let cargo_check = |dir: &Path| {
        // This workspace's lock file pins the same versions as this build, already downloaded: the check
        // then needs no network.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
            dir.join("Cargo.lock"),
        )
        .expect("the workspace has a Cargo.lock");
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .args(["check", "--all-targets", "--quiet", "--offline"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target);
        for name in FLAG_VARIABLES {
            command.env_remove(name);
        }
        let output = command.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo check failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let original = fixture("shop", "build_original");
    cargo_check(&original);

    let on = fixture("shop", "build_keep_on");
    assert_eq!(
        run(&on, &["remove", "new_checkout", "--keep", "on"], &[]).code,
        0
    );
    cargo_check(&on);

    let off = fixture("shop", "build_keep_off");
    for (flag, keep) in [
        ("gift_wrap", "off"),
        ("new_checkout", "off"),
        ("live_rates", "off"),
        ("fast_tax", "on"),
    ] {
        let out = run(&off, &["remove", flag, "--keep", keep], &[]);
        assert_eq!(out.code, 0, "{flag}: {out:?}");
    }
    cargo_check(&off);
}

/// The files of the `values` fixture that `remove` may change.
const VALUE_FILES: [&str; 3] = ["src/main.rs", "src/page.rs", "flags.toml"];

/// The value each test keeps when it names one: by name, or by a literal equal to one.
const CHOSEN: [(&str, &str); 5] = [
    ("page_size", "unlimited"),
    ("discount", "0.333"),
    ("greeting", "quoted"),
    ("theme", "light"),
    ("compact", "no"),
];

fn values_unchanged(dir: &Path) {
    for file in VALUE_FILES {
        assert_eq!(
            read(dir, file),
            read(&support::fixtures().join("values"), file),
            "{file} changed"
        );
    }
}

#[test]
fn value_flags_keep_their_default_value() {
    let dir = fixture("values", "remove_values_default");
    let out = run(&dir, &["remove", "page_size"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
    snapshot("remove-value-default.txt", &out.stdout);
    for (flag, _) in &CHOSEN[1..] {
        let out = run(&dir, &["remove", flag], &[]);
        assert_eq!(out.code, 0, "{flag}: {out:?}");
    }
    for file in VALUE_FILES {
        snapshot(&format!("values-default/{file}.snap"), &read(&dir, file));
    }
    let check = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(check.code, 0, "{check:?}");
    assert_eq!(json(&check.stdout)["flags"], 2);
}

#[test]
fn value_flags_keep_the_value_named() {
    let dir = fixture("values", "remove_values_chosen");
    for (flag, keep) in CHOSEN {
        let out = run(&dir, &["remove", flag, "--keep", keep], &[]);
        assert_eq!(out.code, 0, "{flag}: {out:?}");
        if flag == "theme" {
            snapshot("remove-value-chosen.txt", &out.stdout);
        }
    }
    for file in VALUE_FILES {
        snapshot(&format!("values-chosen/{file}.snap"), &read(&dir, file));
    }
    let page = read(&dir, "src/page.rs");
    assert!(page.contains("    -1_i64\n"), "{page}");
    assert!(
        page.contains("    (-1_i64).unsigned_abs().max(1)\n"),
        "a negative receiver keeps its sign: {page}"
    );
    let main = read(&dir, "src/main.rs");
    assert!(
        main.contains("const DISCOUNT: f64 = 0.333_f64;\n"),
        "{main}"
    );
    assert!(
        main.contains("    let greeting = \"Say \\\"hi\\\"\\\\\\n\";\n"),
        "{main}"
    );
    assert!(
        main.contains(
            "const THEME: &str = r##\"{\"background\":\"#fff\",\"text\":\"a \\\"quoted\\\" grey\"}\"##;\n"
        ),
        "{main}"
    );
}

#[test]
fn value_flag_report_in_json() {
    let dir = fixture("values", "remove_values_json");
    let out = run(
        &dir,
        &[
            "remove",
            "greeting",
            "--keep",
            "quoted",
            "--dry-run",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["flag"], "greeting");
    assert_eq!(report["keep"], "quoted");
    assert_eq!(report["value"], "Say \"hi\"\\\n");
    assert_eq!(report["literal"], "\"Say \\\"hi\\\"\\\\\\n\"");
    assert_eq!(
        report["files"],
        serde_json::json!(["src/main.rs", "flags.toml"])
    );
    let changes: Vec<String> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}:{} {}",
                c["file"].as_str().unwrap(),
                c["line"],
                c["column"],
                c["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "flags.toml:23:1 removed [flags.greeting]",
            "src/main.rs:26:20 `flag_value!(\"greeting\", &ctx)` -> `\"Say \\\"hi\\\"\\\\\\n\"`",
            "src/main.rs:27:51 `flag_value!(\"greeting\")` -> `\"Say \\\"hi\\\"\\\\\\n\"`",
        ]
    );
    values_unchanged(&dir);

    // An on/off flag's report has no value.
    let out = run(
        &dir,
        &[
            "remove",
            "audit",
            "--keep",
            "on",
            "--dry-run",
            "--format",
            "json",
        ],
        &[],
    );
    let report = json(&out.stdout);
    assert_eq!(report["keep"], "on");
    assert!(
        report["value"].is_null() && report["literal"].is_null(),
        "{report}"
    );
}

#[test]
fn the_kept_value_must_be_one_of_the_flag() {
    let dir = fixture("values", "remove_values_unknown");
    let out = run(&dir, &["remove", "page_size", "--keep", "huge"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with(
            "error: `--keep huge` for value flag `page_size`: `huge` is neither the name nor the value of one of \
             the flag's values: small = 10, medium = 50, large = 200, unlimited = -1\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("name one of the values declared for `page_size` in flags.toml:4:8, such as `--keep small`"),
        "{}",
        out.stderr
    );
    // A literal that is no declared value, `on` for a value flag, a flag without a default.
    for (args, start) in [
        (
            &["remove", "page_size", "--keep", "51"][..],
            "error: `--keep 51` for value flag `page_size`: `51` is neither",
        ),
        (
            &["remove", "compact", "--keep", "on"][..],
            "error: `--keep on` for value flag `compact`: `on` is neither the name nor the value of one of the flag's \
             values: yes = true, no = false\n",
        ),
        (
            &["remove", "retries"][..],
            "error: value flag `retries` declares no `default`, so say which value its code keeps: `--keep NAME`, \
             one of once = 1, twice = 2\n",
        ),
        (
            &["remove", "audit"][..],
            "error: `audit` is an on/off flag: pass `--keep on` (its code stays) or `--keep off` (its code goes)\n",
        ),
        (
            &["remove", "audit", "--keep", "yes"][..],
            "error: `--keep yes`: `audit` is an on/off flag, so its code keeps `on` or `off`\n",
        ),
    ] {
        let out = run(&dir, args, &[]);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.starts_with(start), "{args:?}:\n{}", out.stderr);
    }
    values_unchanged(&dir);

    // A flag without a default value, with one named: nothing reads it, only the manifest changes.
    let out = run(&dir, &["remove", "retries", "--keep", "twice"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("no code referenced `retries`: only the manifest changes"),
        "{}",
        out.stdout
    );
}

#[test]
fn value_flag_uses_that_cannot_be_inlined_are_refused() {
    let dir = fixture("values", "remove_values_refused");
    std::fs::write(
        dir.join("src/admin.rs"),
        "fn admin() {\n    flag_runtime::set_value(\"page_size\", \"large\").unwrap();\n    \
         let on = flag_runtime::flag!(\"page_size\");\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["remove", "page_size"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: src/admin.rs:2:5: `flag_runtime::set_value(\"page_size\", \"large\")` names `page_size` at run time, \
         and `page_size` will not exist any more: rewrite this code by hand for `page_size` always `medium` \
         (50_i64) (delete a `set_value` of it, use the value for a `value_of`), then rerun\n\
         error: src/admin.rs:3:14: `flag_runtime::flag!(\"page_size\")` reads `page_size` as on or off, but \
         `page_size` is an integer value flag (the compiler rejects this too): read it with \
         `flag_value!(\"page_size\")`, or delete this use, then rerun\n\
         error: `page_size` was not removed: nothing was changed; fix what is listed above, then rerun\n"
    );
    values_unchanged(&dir);
}

#[test]
fn set_value_in_a_macro_rules_body_is_refused_by_the_rewrite() {
    let dir = fixture("values", "remove_values_macro_rules");
    std::fs::write(
        dir.join("src/admin.rs"),
        "macro_rules! large_pages {\n    () => {\n        flag_runtime::set_value(\"page_size\", \"large\").unwrap();\n    \
         };\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["remove", "page_size"], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    // Refused where it stands in the file as written, by the rewrite: not by the final check, which would
    // place it in the rewritten file and say only that the shape cannot be rewritten.
    assert_eq!(
        out.stderr,
        "error: src/admin.rs:3:9: `flag_runtime::set_value(\"page_size\", \"large\")` names `page_size` at run \
         time (in the tokens of a macro call that cannot be read as Rust code), and `page_size` will not exist any \
         more: rewrite this code by hand for `page_size` always `medium` (50_i64) (delete a `set_value` of it, use \
         the value for a `value_of`), then rerun\n\
         error: `page_size` was not removed: nothing was changed; fix what is listed above, then rerun\n"
    );
    values_unchanged(&dir);
}

/// The fixture's program prints the same before and after its value flags are retired: by default, and with
/// the values `CHOSEN` (set through FEATURE_FLAGS before, kept by `--keep` after).
#[test]
fn the_program_prints_the_same_once_its_value_flags_are_retired() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-flags-fixture-target");
    let cargo_run = |dir: &Path, feature_flags: Option<&str>| {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
            dir.join("Cargo.lock"),
        )
        .expect("the workspace has a Cargo.lock");
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .args(["run", "--quiet", "--offline"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target);
        for name in FLAG_VARIABLES {
            command.env_remove(name);
        }
        if let Some(value) = feature_flags {
            command.env("FEATURE_FLAGS", value);
        }
        let output = command.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo run failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let chosen: Vec<String> = CHOSEN
        .iter()
        .map(|(flag, value)| format!("{flag}={value}"))
        .collect();
    let chosen = chosen.join(",");

    let original = fixture("values", "run_values_original");
    let by_default = cargo_run(&original, None);
    let with_chosen = cargo_run(&original, Some(&chosen));
    assert_ne!(by_default, with_chosen, "the chosen values must show");
    assert!(
        with_chosen.contains("rows: -1 (at least 1)\n"),
        "{with_chosen}"
    );

    let retired = fixture("values", "run_values_default");
    for (flag, _) in CHOSEN {
        assert_eq!(run(&retired, &["remove", flag], &[]).code, 0, "{flag}");
    }
    assert_eq!(cargo_run(&retired, None), by_default);

    let retired = fixture("values", "run_values_chosen");
    for (flag, keep) in CHOSEN {
        assert_eq!(
            run(&retired, &["remove", flag, "--keep", keep], &[]).code,
            0,
            "{flag}"
        );
    }
    assert_eq!(cargo_run(&retired, None), with_chosen);
}
