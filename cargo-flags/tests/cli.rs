//! End-to-end tests of `list`, `check`, `explain` and the command line itself, run through the built binary
//! on copies of the fixture workspaces in `tests/fixtures/`.

mod support;

use support::{fixture, json, read, run, snapshot};

const TODAY: (&str, &str) = ("FEATURE_FLAGS_TODAY", "2026-01-01");

#[test]
fn list_table() {
    let dir = fixture("shop", "list_table");
    let out = run(&dir, &["list"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
    snapshot("list.txt", &out.stdout);
}

#[test]
fn list_json_field_by_field() {
    let dir = fixture("shop", "list_json");
    let out = run(&dir, &["list", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["manifest"], "flags.toml");
    assert!(report["profile"].is_null());
    assert!(report["overrides"].is_null());
    assert_eq!(report["unparsable"].as_array().unwrap().len(), 0);
    let flags = report["flags"].as_array().unwrap();
    let names: Vec<&str> = flags.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "checkout_layout",
            "fast_tax",
            "gift_wrap",
            "live_rates",
            "new_checkout"
        ]
    );

    let checkout = &flags[4];
    assert_eq!(checkout["mode"], "static");
    assert_eq!(checkout["enabled"], false);
    assert_eq!(checkout["decided_by"], "default");
    assert_eq!(checkout["description"], "One-page checkout");
    assert_eq!(checkout["owner"], "team-shop");
    assert_eq!(checkout["expires"], "2030-06-30");
    assert_eq!(checkout["expired"], false);
    assert_eq!(checkout["requires"], serde_json::json!(["fast_tax"]));
    // main.rs 3, cart.rs 6, checkout.rs 7 (one under #[cfg(any())], one in a macro_rules body), smoke.rs 2.
    assert_eq!(checkout["references"], 18);

    let rates = &flags[3];
    assert_eq!(rates["mode"], "dynamic");
    assert_eq!(rates["enabled"], true);
    assert_eq!(rates["owner"], "team-billing");
    assert!(rates["expires"].is_null());
    assert_eq!(rates["requires"], serde_json::json!([]));
    // cart.rs 1, main.rs 1, smoke.rs 6: three flag! calls, override_local, set and reset.
    assert_eq!(rates["references"], 8);

    let wrap = &flags[2];
    assert!(wrap["owner"].is_null());
    assert_eq!(wrap["requires"], serde_json::json!(["new_checkout"]));
    assert_eq!(wrap["references"], 4);
    assert_eq!(flags[1]["references"], 6);
    // layout.rs: flag!, variant!, the attribute; smoke.rs: override_local, is_enabled.
    assert_eq!(flags[0]["references"], 5);
}

#[test]
fn list_resolves_profiles_and_overrides_as_the_build_does() {
    let dir = fixture("shop", "list_profiles");
    let out = run(
        &dir,
        &["list", "--profile", "beta", "--format", "json"],
        &[("FEATURE_FLAGS", "live_rates=off")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["profile"], "beta");
    assert_eq!(report["overrides"], "live_rates=off");
    let state = |name: &str| {
        let flag = report["flags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|flag| flag["name"] == name)
            .unwrap();
        (
            flag["enabled"].as_bool().unwrap(),
            flag["decided_by"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(state("new_checkout"), (true, "profile beta".to_owned()));
    assert_eq!(state("gift_wrap"), (true, "profile beta".to_owned()));
    assert_eq!(state("live_rates"), (false, "FEATURE_FLAGS".to_owned()));
    assert_eq!(state("fast_tax"), (true, "default".to_owned()));

    // FEATURE_FLAGS_PROFILE is the default profile, as in a build; the table names what it used.
    let out = run(
        &dir,
        &["list"],
        &[("FEATURE_FLAGS_PROFILE", "minimal"), TODAY],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("5 flags in flags.toml, resolved with profile minimal\n"),
        "{}",
        out.stdout
    );

    // A profile that does not exist is a usage error, with the right name suggested.
    let out = run(&dir, &["list", "--profile", "bta"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: unknown profile `bta`; did you mean `beta`?\nhelp: declared profiles: beta, minimal\n"
    );

    let out = run(&dir, &["list"], &[("FEATURE_FLAGS_PROFILE", "minimum")]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: FEATURE_FLAGS_PROFILE=\"minimum\": unknown profile `minimum`; did you mean `minimal`?\n"
        ),
        "{}",
        out.stderr
    );

    // States the build would refuse: the same diagnostics, exit status 1.
    let out = run(
        &dir,
        &["list", "--profile", "beta"],
        &[("FEATURE_FLAGS", "fast_tax=off")],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "flags.toml:9:13: flag `new_checkout` is on (profile beta) but requires `fast_tax`, which is off \
             (FEATURE_FLAGS)\nhelp: turn `fast_tax` on wherever `new_checkout` is on, or turn `new_checkout` off\n"
        ),
        "{}",
        out.stderr
    );
    let out = run(&dir, &["list"], &[("FEATURE_FLAGS", "fast_tx=on")]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "FEATURE_FLAGS=\"fast_tx=on\": unknown flag `fast_tx`; did you mean `fast_tax`?"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn check_passes_on_a_healthy_workspace_and_fails_once_a_flag_expires() {
    let dir = fixture("shop", "check_expiry");
    let out = run(&dir, &["check"], &[("FEATURE_FLAGS_TODAY", "2030-06-30")]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "check passed: 0 errors, 0 warnings (5 flags, 36 references in 5 files; today is 2030-06-30)\n"
    );

    let out = run(&dir, &["check"], &[("FEATURE_FLAGS_TODAY", "2030-07-01")]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "error: flags.toml:8:11: flag `new_checkout` expired on 2030-06-30, owner team-shop\n  help: remove it \
         with `cargo flags remove new_checkout --keep on|off`, or move `expires` to a later date\n\ncheck failed: \
         1 error, 0 warnings (5 flags, 36 references in 5 files; today is 2030-07-01)\n"
    );
    let report = json(
        &run(
            &dir,
            &["check", "--format", "json"],
            &[("FEATURE_FLAGS_TODAY", "2030-07-01")],
        )
        .stdout,
    );
    assert_eq!(report["ok"], false);
    assert_eq!(report["today"], "2030-07-01");
    let explained = run(
        &dir,
        &["explain", "new_checkout"],
        &[("FEATURE_FLAGS_TODAY", "2030-07-01")],
    );
    assert!(
        explained.stdout.contains(
            "(expired)\n  expired: remove it with `cargo flags remove new_checkout --keep on|off`, or move \
             `expires` to a later date\n"
        ),
        "{}",
        explained.stdout
    );
    let problem = &report["problems"][0];
    assert_eq!(problem["kind"], "expired");
    assert_eq!(problem["severity"], "error");
    assert_eq!(problem["flag"], "new_checkout");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(8), Some(11))
    );

    // Without FEATURE_FLAGS_TODAY the system clock decides: the fixture's dates are far enough ahead.
    let out = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let today = json(&out.stdout)["today"].as_str().unwrap().to_owned();
    assert!(
        today.as_str() >= "2025-01-01" && today.len() == 10,
        "{today}"
    );

    let out = run(&dir, &["check"], &[("FEATURE_FLAGS_TODAY", "next tuesday")]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: FEATURE_FLAGS_TODAY=\"next tuesday\" is not a date: write it as YYYY-MM-DD, such as 2027-03-01\nhelp: \
         fix it, or unset FEATURE_FLAGS_TODAY to use the system clock\n"
    );
}

#[test]
fn check_reports_every_problem() {
    let dir = fixture("broken", "check_broken");
    let out = run(&dir, &["check"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    snapshot("check-broken.txt", &out.stdout);

    let report = json(&run(&dir, &["check", "--format", "json"], &[TODAY]).stdout);
    assert_eq!(report["ok"], false);
    assert_eq!(report["manifest"], "flags.toml");
    assert_eq!(report["flags"], 4);
    // main.rs, half.rs and tests/overrides.rs of the member; the package in app/vendor/other is not a
    // member.
    assert_eq!(report["files"], 3);
    // main.rs: 2 attributes (the third is malformed), 2 flag!, 2 variant!, set; overrides.rs: 2 overrides
    // and the reset expected to fail (the method `.set` is not one).
    assert_eq!(report["references"], 10);
    let problems = report["problems"].as_array().unwrap();
    let summary: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{} {} {}:{}:{} {}",
                p["severity"].as_str().unwrap(),
                p["kind"].as_str().unwrap(),
                p["file"].as_str().unwrap(),
                p["line"],
                p["column"],
                p["flag"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "error expired flags.toml:10:11 search_v2",
            "warning unreferenced flags.toml:12:8 unused_flag",
            "error undeclared app/src/main.rs:6:16 drak_mode",
            "error undeclared app/src/main.rs:10:36 totally_unknown",
            "error undeclared app/src/main.rs:19:22 one_page_chekout",
            "error variants app/src/main.rs:20:22 dark_mode",
            "error static app/src/main.rs:21:23 search_v2",
            "error undeclared app/tests/overrides.rs:7:47 drak_mode",
            "error variants app/tests/overrides.rs:8:76 one_page_checkout",
            "error malformed app/src/main.rs:15:16 -",
            "error unparsable app/src/half.rs:2:10 -",
        ]
    );
    let message = |index: usize| problems[index]["message"].as_str().unwrap();
    assert_eq!(
        message(4),
        "unknown flag `one_page_chekout`; did you mean `one_page_checkout`?"
    );
    assert_eq!(problems[4]["suggestion"], "one_page_checkout");
    assert_eq!(
        message(5),
        "flag `dark_mode` is static: variants are chosen at run time, so the flag must be `mode = \"dynamic\"`"
    );
    assert_eq!(
        message(6),
        "flag `search_v2` is static: `set` cannot change it at run time and returns an error"
    );
    assert_eq!(
        message(7),
        "unknown flag `drak_mode`; did you mean `dark_mode`?"
    );
    assert_eq!(
        message(8),
        "flag `one_page_checkout` has no variant `compcat`; did you mean `compact`?"
    );
    assert_eq!(problems[8]["suggestion"], "compact");
    assert_eq!(
        problems[8]["help"],
        "the variants of `one_page_checkout`: compact, roomy"
    );
    assert_eq!(problems[2]["suggestion"], "dark_mode");
    assert_eq!(
        problems[2]["message"],
        "unknown flag `drak_mode`; did you mean `dark_mode`?"
    );
    assert!(problems[3]["suggestion"].is_null());
    assert!(
        problems[9]["message"]
            .as_str()
            .unwrap()
            .contains("unknown operator `nto`"),
        "{}",
        problems[9]["message"]
    );
    for problem in problems {
        assert!(
            problem["help"]
                .as_str()
                .is_some_and(|help| !help.is_empty()),
            "{problem}"
        );
    }

    // --exclude leaves the unparsable file out.
    let out = run(
        &dir,
        &["check", "--exclude", "app/src/half.rs", "--format", "json"],
        &[TODAY],
    );
    let report = json(&out.stdout);
    assert_eq!(report["files"], 2);
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] != "unparsable")
    );
}

#[test]
fn check_warnings_fail_only_with_strict() {
    let dir = fixture("shop", "check_strict");
    let manifest = read(&dir, "flags.toml") + "\n[flags.spare]\ndefault = false\n";
    std::fs::write(dir.join("flags.toml"), manifest).unwrap();
    let out = run(&dir, &["check"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "warning: flags.toml:51:8: flag `spare` is declared but no code references it\n"
        ),
        "{}",
        out.stdout
    );
    let out = run(&dir, &["check", "--strict", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["problems"][0]["severity"], "error");
    assert_eq!(report["problems"][0]["kind"], "unreferenced");
}

#[test]
fn an_invalid_manifest_gives_the_macros_diagnostics() {
    let dir = fixture("broken", "invalid_manifest");
    std::fs::write(
        dir.join("flags.toml"),
        "[flags.dark_mode]\ndefualt = true\n",
    )
    .unwrap();
    let out = run(&dir, &["check"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "error: flags.toml:2:1: unknown field `defualt`, expected one of `description`"
        ),
        "{}",
        out.stdout
    );
    let out = run(&dir, &["list"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .starts_with("flags.toml:2:1: unknown field `defualt`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`cargo flags check` lists them all"),
        "{}",
        out.stderr
    );
}

#[test]
fn explain_table() {
    let dir = fixture("shop", "explain_table");
    let out = run(
        &dir,
        &["explain", "new_checkout", "--profile", "beta"],
        &[("FEATURE_FLAGS", "gift_wrap=off"), TODAY],
    );
    assert_eq!(out.code, 0, "{out:?}");
    snapshot("explain.txt", &out.stdout);
}

#[test]
fn explain_json_field_by_field() {
    let dir = fixture("shop", "explain_json");
    let out = run(
        &dir,
        &["explain", "new_checkout", "--format", "json"],
        &[
            (
                "FEATURE_FLAGS",
                "new_checkout=on,-new_checkout,new_checkout",
            ),
            TODAY,
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["name"], "new_checkout");
    assert_eq!(report["mode"], "static");
    assert_eq!(report["enabled"], true);
    assert_eq!(report["decided_by"], "FEATURE_FLAGS");
    assert_eq!(report["owner"], "team-shop");
    assert_eq!(report["expires"], "2030-06-30");
    assert_eq!(report["expired"], false);
    assert_eq!(report["declared_at"], "flags.toml:4:8");
    let chain: Vec<(String, serde_json::Value, bool)> = report["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["source"].as_str().unwrap().to_owned(),
                step["state"].clone(),
                step["decides"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            ("default".to_owned(), serde_json::json!(false), false),
            ("profile".to_owned(), serde_json::Value::Null, false),
            ("FEATURE_FLAGS".to_owned(), serde_json::json!(true), true),
        ]
    );
    assert_eq!(
        report["requires"],
        serde_json::json!([{"name": "fast_tax", "enabled": true}])
    );
    assert_eq!(
        report["required_by"],
        serde_json::json!([{"name": "gift_wrap", "enabled": false}])
    );
    let references = report["references"].as_array().unwrap();
    assert_eq!(references.len(), 18);
    assert_eq!(
        references[0],
        serde_json::json!({
            "file": "src/cart.rs",
            "line": 17,
            "column": 5,
            "kind": "attribute",
            "label": "attribute",
            "function": null,
            "variant": null,
            "text": "#[feature_flag(\"new_checkout\")]",
            "context": "fn subtotal",
        })
    );
    let ghost = references
        .iter()
        .find(|r| r["context"] == "fn ghost")
        .unwrap();
    assert_eq!(ghost["file"], "src/checkout.rs");
    let in_macro_rules = references
        .iter()
        .find(|r| r["context"] == "macro when_new")
        .unwrap();
    assert_eq!(in_macro_rules["kind"], "macro");
    assert_eq!(report["problems"], serde_json::json!([]));

    let out = run(&dir, &["explain", "new_chekout"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: unknown flag `new_chekout`; did you mean `new_checkout`?\nhelp: flags.toml declares: \
         checkout_layout, fast_tax, gift_wrap, live_rates, new_checkout\n"
    );
}

#[test]
fn runs_from_a_subdirectory_and_honours_the_manifest_variable() {
    let dir = fixture("shop", "subdirectory");
    let out = run(&dir.join("src"), &["list", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(json(&out.stdout)["flags"].as_array().unwrap().len(), 5);

    std::fs::write(
        dir.join("src/other.toml"),
        "[flags.live_rates]\nmode = \"dynamic\"\n",
    )
    .unwrap();
    let out = run(
        &dir.join("src"),
        &["list", "--format", "json"],
        &[("FEATURE_FLAGS_MANIFEST", "other.toml"), TODAY],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    assert_eq!(report["manifest"], "src/other.toml");
    assert_eq!(report["flags"][0]["name"], "live_rates");
    assert_eq!(report["flags"][0]["references"], 8);

    let out = run(
        &dir,
        &["list"],
        &[("FEATURE_FLAGS_MANIFEST", "missing.toml")],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: FEATURE_FLAGS_MANIFEST=\"missing.toml\" names "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("\nhelp: "), "{}", out.stderr);
}

#[test]
fn command_line_errors_and_help() {
    let dir = fixture("shop", "command_line");
    let out = run(&dir, &[], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("Usage: cargo flags <COMMAND>"),
        "{}",
        out.stderr
    );

    let out = run(&dir, &["list", "--format", "xml"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("invalid value 'xml' for '--format <FORMAT>'"),
        "{}",
        out.stderr
    );

    // `--keep` is optional on the command line (a value flag keeps its default value), so the error comes
    // from `remove`, which says what an on/off flag's code can keep.
    let out = run(&dir, &["remove", "new_checkout"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: `new_checkout` is an on/off flag: pass `--keep on` (its code stays) or \
             `--keep off` (its code goes)\n"
        ),
        "{}",
        out.stderr
    );
    let out = run(&dir, &["remove", "--help"], &[]);
    assert!(
        out.stdout.contains("--keep <on|off|VALUE>"),
        "{}",
        out.stdout
    );

    for command in ["list", "check", "explain", "remove"] {
        let out = run(&dir, &[command, "--help"], &[]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stdout.contains("Examples:\n  cargo flags "),
            "{command}: {}",
            out.stdout
        );
    }
    let out = run(&dir, &["--help"], &[]);
    assert!(
        out.stdout
            .contains("Exit status: 0 fine, 1 problems found, 2 usage or I/O error.")
    );

    // Run directly (not through cargo), the binary takes the command first.
    let direct = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-flags"))
        .args(["list", "--format", "json"])
        .current_dir(&dir)
        .env_remove("FEATURE_FLAGS")
        .env_remove("FEATURE_FLAGS_PROFILE")
        .env_remove("FEATURE_FLAGS_MANIFEST")
        .output()
        .unwrap();
    assert!(direct.status.success());
    assert_eq!(
        json(&String::from_utf8(direct.stdout).unwrap())["flags"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let outside = std::env::temp_dir().join(format!("cargo-flags-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    let out = run(&outside, &["list"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("error: `cargo metadata` failed in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("help: run cargo flags from inside a cargo workspace"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&outside).unwrap();
}

#[test]
fn check_resolves_the_defaults_and_every_profile() {
    let dir = fixture("shop", "check_profiles");
    let manifest =
        read(&dir, "flags.toml") + "\n[profiles.broken]\nnew_checkout = true\nfast_tax = false\n";
    std::fs::write(dir.join("flags.toml"), manifest).unwrap();
    let out = run(&dir, &["check", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    let problem = &report["problems"][0];
    assert_eq!(problem["kind"], "resolution");
    assert_eq!(problem["file"], "flags.toml");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(9), Some(13))
    );
    assert_eq!(
        problem["message"],
        "flag `new_checkout` is on (profile broken) but requires `fast_tax`, which is off (profile broken)"
    );
    assert_eq!(
        problem["help"],
        "turn `fast_tax` on wherever `new_checkout` is on, or turn `new_checkout` off"
    );
    assert_eq!(report["problems"].as_array().unwrap().len(), 1);
}

#[test]
fn explain_lists_every_kind_of_reference() {
    let dir = fixture("shop", "explain_every_kind");
    let out = run(&dir, &["explain", "checkout_layout"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    snapshot("explain-every-kind.txt", &out.stdout);

    let out = run(
        &dir,
        &["explain", "live_rates", "--format", "json"],
        &[TODAY],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    let kinds: Vec<String> = report["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["kind"].as_str().unwrap(),
                r["label"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "src/cart.rs 41 attribute attribute",
            "src/main.rs 41 macro flag!",
            "tests/smoke.rs 7 call override_local()",
            "tests/smoke.rs 8 macro flag!",
            "tests/smoke.rs 9 macro flag!",
            "tests/smoke.rs 20 call set()",
            "tests/smoke.rs 21 macro flag!",
            "tests/smoke.rs 22 call reset()",
        ]
    );
    assert_eq!(report["references"][2]["function"], "override_local");
}

#[test]
fn a_renamed_runtime_is_followed() {
    let dir = fixture("shop", "renamed_runtime");
    let cargo_toml = read(&dir, "Cargo.toml").replace(
        "flag-runtime = { path",
        "rt = { package = \"flag-runtime\", path",
    );
    std::fs::write(dir.join("Cargo.toml"), cargo_toml).unwrap();
    std::fs::write(
        dir.join("src/renamed.rs"),
        "fn f() {\n    let _on = rt::override_local(\"live_rate\", true);\n    flag_runtime::set(\"live_rates\", true);\n    other::set(\"nope\", true);\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["check", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0]["file"], "src/renamed.rs");
    assert_eq!(
        (problems[0]["line"].as_u64(), problems[0]["column"].as_u64()),
        (Some(2), Some(34))
    );
    assert_eq!(
        problems[0]["message"],
        "unknown flag `live_rate`; did you mean `live_rates`?"
    );
}

#[test]
fn explain_says_when_rules_decide_and_summarises_them() {
    let dir = fixture("shop", "explain_rules");
    let manifest = dir.join("flags.toml");
    let mut text = read(&dir, "flags.toml");
    text.push_str(
        r#"
[flags.one_page_checkout]
mode = "dynamic"
[[flags.one_page_checkout.rules]]
constraints = [{ context = "country", operator = "in", values = ["NZ", "AU"] }]
rollout = { percent = 30, stickiness = "user_id" }
[[flags.one_page_checkout.variants]]
name = "control"
weight = 50
[[flags.one_page_checkout.variants]]
name = "one_page"
weight = 50
"#,
    );
    std::fs::write(&manifest, text).unwrap();
    let out = run(&dir, &["explain", "one_page_checkout"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.starts_with(
            "one_page_checkout: decided per context by its rules (dynamic): on where one matches; \
             without a context off, decided by default\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  rule 1: country in [NZ, AU] and 30% rollout by user_id\n  variants: control 50%, one_page 50%\n"),
        "{}",
        out.stdout
    );
    let out = run(
        &dir,
        &["explain", "one_page_checkout", "--format", "json"],
        &[TODAY],
    );
    let report = json(&out.stdout);
    assert_eq!(
        report["rules"],
        serde_json::json!(["country in [NZ, AU] and 30% rollout by user_id"])
    );
    assert_eq!(report["variants"], "control 50%, one_page 50%");
}

#[test]
fn value_flags_read_with_flag_value_are_referenced() {
    let dir = fixture("values", "value_references");
    // Every value flag but `retries` is read only with `flag_value!`; `retries` has no default value, so
    // retiring it takes a `--keep`.
    let out = run(&dir, &["check"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "warning: flags.toml:46:8: flag `retries` is declared but no code references it\n  help: read it with \
         flag_value!(\"retries\") or value_of, or retire it with `cargo flags remove retries --keep NAME`, with \
         the value its code keeps: one of once = 1, twice = 2\n\ncheck passed: 0 errors, 1 warning (7 flags, 12 \
         references in 2 files; today is 2026-01-01)\n"
    );

    let out = run(&dir, &["explain", "page_size"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.ends_with(
            "References (2):\n  src/page.rs:7:5   flag_value!  flag_value!(\"page_size\", ctx)  in fn rows\n  \
             src/page.rs:12:5  flag_value!  flag_value!(\"page_size\")       in fn at_least\n"
        ),
        "{}",
        out.stdout
    );
    let report = json(
        &run(
            &dir,
            &["explain", "page_size", "--format", "json"],
            &[TODAY],
        )
        .stdout,
    );
    assert_eq!(report["references"][0]["kind"], "value");
    assert_eq!(report["references"][0]["label"], "flag_value!");

    // Read at run time by name, and nowhere else: still referenced. Read nowhere: the way to retire it keeps
    // its default value. Past its `expires`, the same.
    std::fs::write(
        dir.join("src/page.rs"),
        "pub fn rows(_: &flag_runtime::Context<'_>) -> i64 {\n    50\n}\n\npub fn at_least() -> u64 {\n    \
         flag_runtime::value_of(\"greeting\").map_or(1, |_| 1)\n}\n",
    )
    .unwrap();
    let manifest = read(&dir, "flags.toml").replace(
        "description = \"Share of the price taken off\"\n",
        "description = \"Share of the price taken off\"\nexpires = 2025-12-31\n",
    );
    std::fs::write(dir.join("flags.toml"), manifest).unwrap();
    let out = run(&dir, &["check"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "error: flags.toml:19:11: flag `discount` expired on 2025-12-31\n  help: remove it with `cargo flags remove \
         discount` (its code keeps the default value, `tenth`; or `--keep NAME`, one of none = 0.0, tenth = 0.1, \
         third = 0.333), or move `expires` to a later date\nwarning: flags.toml:4:8: flag `page_size` is declared \
         but no code references it\n  help: read it with flag_value!(\"page_size\") or value_of, or retire it with \
         `cargo flags remove page_size` (its code keeps the default value, `medium`; or `--keep NAME`, one of \
         small = 10, medium = 50, large = 200, unlimited = -1)\nwarning: flags.toml:47:8: flag `retries` is \
         declared but no code references it\n  help: read it with flag_value!(\"retries\") or value_of, or retire \
         it with `cargo flags remove retries --keep NAME`, with the value its code keeps: one of once = 1, twice \
         = 2\n\ncheck failed: 1 error, 2 warnings (7 flags, 11 references in 2 files; today is 2026-01-01)\n"
    );
    // `explain` says the same.
    let out = run(&dir, &["explain", "discount"], &[TODAY]);
    assert!(
        out.stdout.contains(
            "  expired: remove it with `cargo flags remove discount` (its code keeps the default value, `tenth`; \
             or `--keep NAME`, one of none = 0.0, tenth = 0.1, third = 0.333), or move `expires` to a later date\n"
        ),
        "{}",
        out.stdout
    );
    let out = run(&dir, &["explain", "page_size"], &[TODAY]);
    assert!(
        out.stdout.ends_with(
            "References (0):\n  none: no attribute, flag!, variant! or flag_value! call, or string-API call with a \
             literal name names it\n  retire it with `cargo flags remove page_size` (its code keeps the default \
             value, `medium`; or `--keep NAME`, one of small = 10, medium = 50, large = 200, unlimited = -1)\n"
        ),
        "{}",
        out.stdout
    );
    let report = json(&run(&dir, &["explain", "audit", "--format", "json"], &[TODAY]).stdout);
    assert!(
        report["retire"].is_null(),
        "audit is referenced and current"
    );
}

#[test]
fn check_refuses_a_value_read_or_chosen_of_an_on_off_flag() {
    let dir = fixture("values", "value_of_on_off");
    std::fs::write(
        dir.join("src/audit.rs"),
        "use flag_runtime::{flag_value, set_value, value_of};\n\nfn f() {\n    let _ = flag_value!(\"audit\");\n    \
         let _ = value_of(\"audit\");\n    set_value(\"audit\", \"on\").unwrap();\n    set_value(\"discount\", \
         \"third\").unwrap();\n    set_value(\"page_size\", \"lage\").unwrap();\n    set_value(\"page_size\", \
         \"200\").unwrap();\n    set_value(\"greeting\", \"Hello\").unwrap();\n}\n",
    )
    .unwrap();
    let out = run(&dir, &["check", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = json(&out.stdout);
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["file"] == "src/audit.rs")
        .map(|p| {
            format!(
                "{}:{} {} {}",
                p["line"],
                p["column"],
                p["kind"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            "4:25 values flag `audit` is on or off, not a value flag: flag_value! has no value to read",
            "5:22 values flag `audit` is on or off, not a value flag: value_of() has no value to read",
            "6:15 values flag `audit` is on or off, not a value flag: set_value() has no value to choose",
            "7:15 static flag `discount` is static: `set_value` cannot change it at run time and returns an error",
            "8:28 values flag `page_size`: `lage` is neither the name nor the value of one of the flag's values: \
             small = 10, medium = 50, large = 200, unlimited = -1",
        ]
    );
    let problem = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["line"] == 8 && p["file"] == "src/audit.rs")
        .unwrap();
    assert_eq!(problem["suggestion"], "large");
    assert_eq!(
        problem["help"],
        "did you mean `large`? Write a value's name, or its value"
    );
}

#[test]
fn explain_says_which_value_each_source_chooses() {
    let dir = fixture("values", "explain_value_chain");
    let env = [TODAY, ("FEATURE_FLAGS", "page_size=200,-audit")];
    let out = run(&dir, &["explain", "page_size", "--profile", "beta"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "  dynamic: this is the compiled-in value; at run time a flags file, FEATURE_FLAGS or set_value() \
             can choose another\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "How the state is decided (lowest precedence first):\n  default        medium              \
             flags.toml:4:8\n  profile beta   large               [profiles.beta]\n  FEATURE_FLAGS  large   <- \
             decides  \"page_size=200,-audit\"\n"
        ),
        "{}",
        out.stdout
    );
    let out = run(
        &dir,
        &["explain", "page_size", "--format", "json"],
        &[TODAY, ("FEATURE_FLAGS", "-page_size")],
    );
    let report = json(&out.stdout);
    let steps: Vec<String> = report["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            format!(
                "{} {} {} {}",
                step["source"], step["state"], step["value"], step["decides"]
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "\"default\" true \"medium\" false",
            "\"profile\" null null false",
            "\"FEATURE_FLAGS\" false null true",
        ]
    );
    assert_eq!(report["decided_by"], "FEATURE_FLAGS");
}

#[test]
fn an_unreferenced_boolean_value_flag_may_be_read_as_on_or_off() {
    let dir = fixture("values", "unreferenced_boolean");
    std::fs::write(dir.join("src/main.rs"), "mod page;\n\nfn main() {}\n").unwrap();
    let out = run(&dir, &["check", "--format", "json"], &[TODAY]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = json(&out.stdout);
    let help = |flag: &str| {
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["flag"] == flag)
            .map(|p| p["help"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(
        help("compact"),
        "read it with flag!(\"compact\"), flag_value!(\"compact\") or value_of, or retire it with `cargo flags \
         remove compact` (its code keeps the default value, `yes`; or `--keep NAME`, one of yes = true, no = false)"
    );
    assert_eq!(
        help("audit"),
        "use it with #[feature_flag(\"audit\")], flag!(\"audit\") or the string API, or retire it with `cargo \
         flags remove audit --keep off`"
    );
}
