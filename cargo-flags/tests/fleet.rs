//! End-to-end tests of `cargo flags fleet`, run through the built binary on a copy of the `shop` fixture,
//! each against an etcd server of its own (flag-etcd's test support: skipped with a message where etcd is
//! not installed, failed when `CI=true`).
//!
//! They need the `fleet` feature: `cargo test -p cargo-flags --features fleet --test fleet` (protoc to
//! build, etcd to run). Without it, one test checks that the command says how to get it.

mod support;

#[cfg(not(feature = "fleet"))]
#[test]
fn without_the_feature_the_command_says_how_to_get_it() {
    eprintln!(
        "note: the etcd tests of `cargo flags fleet` need the `fleet` feature: cargo test -p cargo-flags \
         --features fleet --test fleet"
    );
    let dir = support::fixture("shop", "fleet_without_feature");
    let out = support::run(
        &dir,
        &[
            "fleet",
            "diff",
            "--etcd",
            "http://127.0.0.1:1",
            "--prefix",
            "/f/",
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: `cargo flags fleet` is not in this build: it was built without the `fleet` feature\n\
         help: cargo install --path cargo-flags --features fleet (needs protoc: apt-get install \
         protobuf-compiler)\n"
    );
    // It is there for people to find.
    let out = support::run(&dir, &["--help"], &[]);
    assert!(out.stdout.contains("\n  fleet "), "{}", out.stdout);
}

#[cfg(feature = "fleet")]
mod fleet {
    use std::io::Write as _;
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use flag_etcd::testing::Etcd;
    use flag_etcd::{AuditInfo, FleetClient, FleetConfig, FleetEvent, Presence, Write};
    use serde_json::Value;

    use super::support::{FLAG_VARIABLES, Run, fixture, json, snapshot};

    const PREFIX: &str = "/flags/shop/test/";

    /// Runs `cargo flags fleet ARGS` in `dir` against `etcd` and [`PREFIX`], as user `tester`, with `stdin`
    /// piped in.
    fn fleet(dir: &Path, etcd: &str, args: &[&str], stdin: Option<&str>) -> Run {
        let mut args = args.to_vec();
        args.extend(["--etcd", etcd, "--prefix", PREFIX]);
        cli(dir, &args, stdin)
    }

    /// Runs `cargo flags fleet ARGS` in `dir`, as user `tester`, without any flag variable.
    fn cli(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-flags"));
        command
            .args(["flags", "fleet"])
            .args(args)
            .current_dir(dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in FLAG_VARIABLES.iter().chain(&[
            "FEATURE_FLAGS_ETCD",
            "FEATURE_FLAGS_ETCD_PREFIX",
            "USERNAME",
        ]) {
            command.env_remove(name);
        }
        command.env("USER", "tester");
        let mut child = command.spawn().expect("the binary runs");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// A fresh etcd, or `None` (with a message) where it is not installed.
    fn etcd() -> Option<Etcd> {
        if !flag_etcd::testing::require_etcd() {
            return None;
        }
        Some(Etcd::start().expect("etcd starts"))
    }

    fn config(etcd: &Etcd) -> FleetConfig {
        FleetConfig::new(vec![etcd.endpoint()], PREFIX).unwrap()
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// etcd's revision, as `diff --format json` reads it.
    fn store_revision(dir: &Path, etcd: &Etcd) -> i64 {
        let out = fleet(dir, &etcd.endpoint(), &["diff", "--format", "json"], None);
        json(&out.stdout)["revision"].as_i64().unwrap()
    }

    fn ok(out: &Run) {
        assert_eq!(out.code, 0, "{out:?}");
    }

    #[test]
    fn push_writes_the_manifest_in_one_transaction_and_diff_is_then_clean() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_push");
        let endpoint = etcd.endpoint();
        let port = endpoint.rsplit(':').next().unwrap().to_owned();
        let masked = |text: &str| text.replace(&port, "PORT");

        let out = fleet(&dir, &endpoint, &["diff"], None);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stdout.contains("live_rates       missing"),
            "{}",
            out.stdout
        );

        let out = fleet(&dir, &endpoint, &["push", "--dry-run"], None);
        ok(&out);
        snapshot("fleet-push-dry-run.txt", &masked(&out.stdout));
        assert_eq!(store_revision(&dir, &etcd), 1, "a dry run writes nothing");

        // --reason is required to write.
        let out = fleet(&dir, &endpoint, &["push"], None);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("--reason <REASON>"), "{}", out.stderr);

        let out = fleet(
            &dir,
            &endpoint,
            &["push", "--reason", "first push", "--actor", "ci"],
            None,
        );
        ok(&out);
        assert!(
            out.stdout.ends_with(
                "checkout_layout: (no key) -> default = true; [[variants]]; name = \"compact\"; weight = 50…\n\
                 live_rates: (no key) -> default = true\n\
                 Written at revision 2 by ci (first push), in one transaction with 2 audit records.\n"
            ),
            "{}",
            out.stdout
        );

        let out = fleet(&dir, &endpoint, &["diff"], None);
        ok(&out);
        snapshot("fleet-diff-clean.txt", &masked(&out.stdout));
        let out = fleet(&dir, &endpoint, &["diff", "--format", "json"], None);
        ok(&out);
        let report = json(&out.stdout);
        let statuses: Vec<(&str, &str, i64)> = report["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                (
                    row["name"].as_str().unwrap(),
                    row["status"].as_str().unwrap(),
                    row["revision"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            statuses,
            [("checkout_layout", "same", 2), ("live_rates", "same", 2)]
        );

        // Nothing to write the second time.
        let out = fleet(&dir, &endpoint, &["push", "--reason", "again"], None);
        ok(&out);
        assert!(
            out.stdout
                .ends_with("Nothing to write: the fleet already says what flags.toml says.\n"),
            "{}",
            out.stdout
        );
        assert_eq!(store_revision(&dir, &etcd), 2);

        // A key of a flag the manifest does not declare as dynamic is reported, and deleted with --prune.
        block_on(async {
            let mut client = FleetClient::connect(&config(&etcd)).await.unwrap();
            client
                .write(
                    vec![Write::put("gift_wrap", "default = true\n")],
                    AuditInfo::new("someone", "by hand"),
                )
                .await
                .unwrap();
        });
        let out = fleet(&dir, &endpoint, &["diff"], None);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stdout
                .contains("gift_wrap        extra  3         `gift_wrap` is static in flags.toml"),
            "{}",
            out.stdout
        );
        let out = fleet(
            &dir,
            &endpoint,
            &["push", "--reason", "tidy", "--prune"],
            None,
        );
        ok(&out);
        assert!(
            out.stdout
                .contains("gift_wrap: default = true -> (no key)\n"),
            "{}",
            out.stdout
        );
        ok(&fleet(&dir, &endpoint, &["diff"], None));
    }

    #[test]
    fn set_keeps_the_rest_of_the_table_and_history_says_who_when_what_and_why() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_set");
        let endpoint = etcd.endpoint();
        ok(&fleet(
            &dir,
            &endpoint,
            &["push", "--reason", "start"],
            None,
        ));

        let out = fleet(
            &dir,
            &endpoint,
            &[
                "set",
                "live_rates",
                "off",
                "--reason",
                "rates API down",
                "--actor",
                "alice",
            ],
            None,
        );
        ok(&out);
        assert_eq!(
            out.stdout,
            "live_rates: default = true -> default = false\n\
             Written at revision 3 by alice (rates API down), in one transaction with 1 audit record.\n\
             The runtime applies: off (fleet)\n"
        );
        // The same state again writes nothing.
        let out = fleet(
            &dir,
            &endpoint,
            &["set", "live_rates", "off", "--reason", "again"],
            None,
        );
        ok(&out);
        assert_eq!(
            out.stdout,
            "/flags/shop/test/live_rates: already so at revision 3; nothing written.\n"
        );
        // The OS user when there is no --actor.
        ok(&fleet(
            &dir,
            &endpoint,
            &["set", "live_rates", "on", "--reason", "rates are back"],
            None,
        ));

        let out = fleet(&dir, &endpoint, &["history", "live_rates"], None);
        ok(&out);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(
            lines[0],
            "3 writes for /flags/shop/test/live_rates, oldest first"
        );
        assert!(
            lines[4].starts_with("3         20")
                && lines[4].contains(
                    "Z  alice   accepted  default = true -> default = false  rates API down"
                ),
            "{}",
            out.stdout
        );
        assert!(
            lines[5]
                .contains("Z  tester  accepted  default = false -> default = true  rates are back"),
            "{}",
            out.stdout
        );
        let out = fleet(
            &dir,
            &endpoint,
            &["history", "live_rates", "--format", "json"],
            None,
        );
        ok(&out);
        let records = json(&out.stdout)["records"].as_array().unwrap().clone();
        assert_eq!(records.len(), 3);
        assert_eq!(records[1]["actor"], "alice");
        assert_eq!(records[1]["reason"], "rates API down");
        assert_eq!(records[1]["old"], "default = true\n");
        assert_eq!(records[1]["new"], "default = false\n");
        assert_eq!(records[1]["outcome"], "accepted");
        assert_eq!(records[1]["revision"], 3);
        assert_eq!(records[1]["expected_revision"], 2);
        let at = records[1]["at"].as_str().unwrap();
        assert!(
            at.len() == 20 && at.as_bytes()[10] == b'T' && at.ends_with('Z'),
            "{at}"
        );

        // `set` changes the default only: comments, rules and variants stay byte for byte.
        let table = "# 90% roomy since the survey\n[[variants]]\nname = \"compact\"\nweight = 10\n\n\
                     [[variants]]\nname = \"roomy\"  # the winner\nweight = 90\n";
        ok(&fleet(
            &dir,
            &endpoint,
            &[
                "edit",
                "checkout_layout",
                "--file",
                "-",
                "--reason",
                "survey",
            ],
            Some(table),
        ));
        ok(&fleet(
            &dir,
            &endpoint,
            &["set", "checkout_layout", "off", "--reason", "pause"],
            None,
        ));
        let out = fleet(
            &dir,
            &endpoint,
            &["get", "checkout_layout", "--format", "json"],
            None,
        );
        ok(&out);
        assert_eq!(
            json(&out.stdout)["value"].as_str().unwrap(),
            format!("default = false\n{table}")
        );
    }

    #[test]
    fn a_stale_if_revision_is_refused_with_the_current_value_and_audited() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_stale");
        let endpoint = etcd.endpoint();
        ok(&fleet(
            &dir,
            &endpoint,
            &["push", "--reason", "start"],
            None,
        ));
        ok(&fleet(
            &dir,
            &endpoint,
            &["set", "live_rates", "off", "--reason", "first"],
            None,
        ));

        // Written against revision 2, but someone changed it at revision 3.
        let out = fleet(
            &dir,
            &endpoint,
            &[
                "set",
                "live_rates",
                "on",
                "--reason",
                "late",
                "--if-revision",
                "2",
            ],
            None,
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(out.stdout, "");
        assert_eq!(
            out.stderr,
            "error: /flags/shop/test/live_rates: expected revision 2, but it is at revision 3\n  \
             it holds now:\n    default = false\n\
             error: refused: not at the revision the write expected, so nothing was written; the attempt \
             is recorded in the audit log (revision 4)\n\
             help: see what changed with `cargo flags fleet history live_rates`; to write over it, run the \
             command again with --if-revision 3\n"
        );
        let out = fleet(
            &dir,
            &endpoint,
            &[
                "delete",
                "live_rates",
                "--reason",
                "late",
                "--if-revision",
                "2",
                "--format",
                "json",
            ],
            None,
        );
        assert_eq!(out.code, 1, "{out:?}");
        let report = json(&out.stdout);
        assert_eq!(report["outcome"], "refused");
        assert_eq!(report["keys"][0]["current_revision"], 3);
        assert_eq!(report["keys"][0]["current"], "default = false\n");

        // The value stayed; both refusals are in the history.
        let out = fleet(
            &dir,
            &endpoint,
            &["get", "live_rates", "--format", "json"],
            None,
        );
        let key = json(&out.stdout);
        assert_eq!(key["value"], "default = false\n");
        assert_eq!(key["mod_revision"], 3);
        let out = fleet(
            &dir,
            &endpoint,
            &["history", "live_rates", "--format", "json"],
            None,
        );
        let records = json(&out.stdout)["records"].as_array().unwrap().clone();
        let refused: Vec<(&str, i64, i64)> = records
            .iter()
            .filter(|record| record["outcome"] == "refused")
            .map(|record| {
                (
                    record["reason"].as_str().unwrap(),
                    record["expected_revision"].as_i64().unwrap(),
                    record["revision"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(refused, [("late", 2, 4), ("late", 2, 5)]);
        let out = fleet(&dir, &endpoint, &["history", "live_rates"], None);
        assert!(
            out.stdout
                .contains("tester  refused (expected 2)  default = false -> default = true  late"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("default = false -> (deleted)"),
            "{}",
            out.stdout
        );
    }

    #[test]
    fn an_invalid_table_is_refused_before_anything_is_sent() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_invalid");
        let endpoint = etcd.endpoint();
        ok(&fleet(
            &dir,
            &endpoint,
            &["push", "--reason", "start"],
            None,
        ));
        let before = store_revision(&dir, &etcd);

        // From stdin, with the position in the given text.
        let table = "default = true\n\n[[variants]]\nname = \"compact\"\nweight = 10\n\n[[variants]]\nname = \
                     \"rommy\"\nweight = 90\n";
        let out = fleet(
            &dir,
            &endpoint,
            &["edit", "checkout_layout", "--file", "-", "--reason", "typo"],
            Some(table),
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(
            out.stderr,
            "error: <stdin>: flag `checkout_layout`: variant `rommy`: the program was built with compact, \
             roomy only (did you mean `roomy`?), so `variant!` could never return it; declare it in \
             flags.toml and rebuild\n\
             error: the runtime would refuse this table for `checkout_layout`, so nothing was sent to etcd\n\
             help: fix the table (its keys are those of a [flags.checkout_layout] table: default, rules, \
             variants, variant_stickiness)\n"
        );
        // From a file, with line:col.
        std::fs::write(dir.join("bad.toml"), "# rates\n\ndefault = yes\n").unwrap();
        let out = fleet(
            &dir,
            &endpoint,
            &[
                "edit",
                "live_rates",
                "--file",
                "bad.toml",
                "--reason",
                "typo",
            ],
            None,
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.starts_with(
                "error: bad.toml:3:11: string values must be quoted, expected literal string\n"
            ),
            "{}",
            out.stderr
        );
        // A key fixed at build time, a static flag, an unknown flag.
        for (args, stdin, expected) in [
            (
                &["edit", "live_rates", "--file", "-"][..],
                Some("default = true\nowner = \"team-shop\"\n"),
                "error: <stdin>: flag `live_rates`: `owner` differ from what the program was built with",
            ),
            (
                &["set", "gift_wrap", "on"][..],
                None,
                "error: /flags/shop/test/gift_wrap: flag `gift_wrap`: the flag is static and was compiled \
                 off: it cannot change at run time\n",
            ),
            (
                &["set", "live_rate", "on"][..],
                None,
                "error: flag `live_rate` is not declared in flags.toml; did you mean `live_rates`?",
            ),
        ] {
            let mut args = args.to_vec();
            args.extend(["--reason", "bad"]);
            let out = fleet(&dir, &endpoint, &args, stdin);
            assert_eq!(out.code, 1, "{args:?}: {out:?}");
            assert!(out.stderr.starts_with(expected), "{args:?}: {}", out.stderr);
        }
        assert_eq!(
            store_revision(&dir, &etcd),
            before,
            "nothing was written, not even an audit record"
        );
    }

    #[test]
    fn get_shows_the_key_and_the_runtimes_verdict() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_get");
        let endpoint = etcd.endpoint();
        // Written around the CLI's checks, as a careless script could.
        block_on(async {
            let mut client = FleetClient::connect(&config(&etcd)).await.unwrap();
            client
                .write(
                    vec![
                        Write::put("live_rates", "default = maybe\n"),
                        Write::put(
                            "checkout_layout",
                            "[[variants]]\nname = \"compact\"\nweight = 10\n[[variants]]\nname = \
                             \"roomy\"\nweight = 90\n",
                        ),
                    ],
                    AuditInfo::new("script", "test"),
                )
                .await
                .unwrap();
        });
        let out = fleet(&dir, &endpoint, &["get", "live_rates"], None);
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(
            out.stdout,
            "/flags/shop/test/live_rates at revision 2:\n  default = maybe\n\
             The runtime refuses it and keeps the flag's previous table (instances that started since use \
             what they compiled in):\n  /flags/shop/test/live_rates:1:11: string values must be quoted, \
             expected literal string\n"
        );
        let out = fleet(&dir, &endpoint, &["get", "checkout_layout"], None);
        ok(&out);
        assert!(
            out.stdout.ends_with(
                "The runtime applies: on (compiled); variants compact 10%, roomy 90% (fleet)\n"
            ),
            "{}",
            out.stdout
        );
        let out = fleet(
            &dir,
            &endpoint,
            &["get", "checkout_layout", "--format", "json"],
            None,
        );
        let report = json(&out.stdout);
        assert_eq!(report["mod_revision"], 2);
        assert_eq!(report["verdict"]["verdict"], "applies");
        let out = fleet(
            &dir,
            &endpoint,
            &["get", "live_rates", "--format", "json"],
            None,
        );
        assert_eq!(json(&out.stdout)["verdict"]["verdict"], "refused");

        let out = fleet(&dir, &endpoint, &["get", "new_checkout"], None);
        ok(&out);
        assert_eq!(
            out.stdout,
            "/flags/shop/test/new_checkout: no key; the instances use what they compiled in (off by \
             default, from flags.toml)\n"
        );
        let out = fleet(&dir, &endpoint, &["get", "new_chekout"], None);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(
            out.stderr.contains("did you mean `new_checkout`?"),
            "{}",
            out.stderr
        );
        // diff names the refused key and why.
        let out = fleet(&dir, &endpoint, &["diff"], None);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stdout.contains("live_rates       refused  2"),
            "{}",
            out.stdout
        );
    }

    #[test]
    fn status_lists_the_instances_and_who_lags() {
        let Some(etcd) = etcd() else { return };
        let dir = fixture("shop", "fleet_status");
        let endpoint = etcd.endpoint();
        let watcher = |id: &str, sink: Box<dyn FnMut(FleetEvent) -> bool + Send>| {
            flag_etcd::spawn_watcher(
                config(&etcd).with_presence(Presence::new(id).unwrap()),
                sink,
            )
            .unwrap()
        };
        let web1 = watcher("web-1", Box::new(|_| true));
        // web-2 stops reading at its first change, so its presence keeps the revision of its snapshot.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let web2 = watcher(
            "web-2",
            Box::new(move |event| {
                if matches!(event, FleetEvent::Changes { .. }) {
                    let _ = released.recv();
                    return false;
                }
                true
            }),
        );
        let status = |expect: Option<&str>| {
            let mut args = vec!["status", "--format", "json"];
            if let Some(expect) = expect {
                args.extend(["--expect", expect]);
            }
            let out = fleet(&dir, &endpoint, &args, None);
            (out.code, json(&out.stdout))
        };
        let wait = |what: &str, done: &dyn Fn(&Value) -> bool| {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let (_, report) = status(None);
                if done(&report) {
                    return report;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}: {report:#}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        let applied = |report: &Value| -> Vec<(String, i64)> {
            report["instances"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["instance"].as_str().unwrap().to_owned(),
                        i["revision"].as_i64().unwrap(),
                    )
                })
                .collect()
        };
        wait("both instances", &|report| {
            let found = applied(report);
            found.len() == 2 && found.iter().all(|(_, revision)| *revision > 0)
        });
        let (code, _) = status(Some("2"));
        assert_eq!(code, 0);

        ok(&fleet(&dir, &endpoint, &["push", "--reason", "go"], None));
        let (_, report) = status(None);
        let pushed = report["last_change"].as_i64().unwrap();
        let report = wait("web-1 to apply the push", &|report| {
            applied(report)
                .iter()
                .any(|(id, r)| id == "web-1" && *r == pushed)
        });
        let behind = applied(&report)[1].1;
        assert!(behind < pushed, "{report:#}");
        let out = fleet(&dir, &endpoint, &["status"], None);
        assert_eq!(out.code, 1, "{out:?}");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert!(
            lines[0].starts_with("2 instances at /flags/shop/test/ (etcd at revision ")
                && lines[0].ends_with(&format!("flags last changed at revision {pushed})")),
            "{}",
            out.stdout
        );
        assert!(
            lines[3].starts_with("web-1  ") && lines[3].ends_with("up to date"),
            "{}",
            out.stdout
        );
        assert!(
            lines[4].starts_with("web-2  ")
                && lines[4].ends_with(&format!("lags ({behind} < {pushed})")),
            "{}",
            out.stdout
        );
        assert!(
            out.stderr.starts_with(&format!(
                "error: 1 instance has not applied the last change (revision {pushed})\n"
            )),
            "{}",
            out.stderr
        );

        // A deletion is a change too, although it leaves no key.
        let out = fleet(
            &dir,
            &endpoint,
            &[
                "delete",
                "live_rates",
                "--reason",
                "gone",
                "--format",
                "json",
            ],
            None,
        );
        ok(&out);
        let deleted = json(&out.stdout)["revision"].as_i64().unwrap();
        let report = wait("web-1 to apply the delete", &|report| {
            applied(report)
                .iter()
                .any(|(id, r)| id == "web-1" && *r == deleted)
        });
        assert_eq!(report["last_change"], deleted);

        // web-2 stops: its presence goes, and --expect 2 notices.
        release.send(()).unwrap();
        web2.stop();
        wait("web-2 to go", &|report| applied(report).len() == 1);
        let out = fleet(&dir, &endpoint, &["status", "--expect", "2"], None);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr
                .contains("error: 1 present, 2 expected: 1 gone or not started"),
            "{}",
            out.stderr
        );
        web1.stop();
    }

    #[test]
    fn an_unreachable_etcd_fails_fast_naming_the_endpoint() {
        let dir = fixture("shop", "fleet_unreachable");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("http://127.0.0.1:{port}");
        for args in [&["diff"][..], &["set", "live_rates", "on", "--reason", "x"]] {
            let start = Instant::now();
            let out = fleet(&dir, &endpoint, args, None);
            assert_eq!(out.code, 2, "{out:?}");
            assert!(
                out.stderr.starts_with(&format!(
                    "error: etcd at {endpoint} is unreachable (connect): "
                )),
                "{}",
                out.stderr
            );
            assert!(
                out.stderr.ends_with(
                    "help: is etcd running there? Check --etcd (or FEATURE_FLAGS_ETCD) and the network, then \
                     run it again\n"
                ),
                "{}",
                out.stderr
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
        }
        // No endpoint at all, or a prefix etcd cannot use: usage errors before any connection.
        let out = cli(&dir, &["diff"], None);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(
            out.stderr.starts_with("error: no etcd endpoint"),
            "{}",
            out.stderr
        );
        let out = cli(
            &dir,
            &["diff", "--etcd", &endpoint, "--prefix", "/flags"],
            None,
        );
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("must end with '/'"), "{}", out.stderr);
    }

    #[test]
    fn help_has_examples() {
        let dir = fixture("shop", "fleet_help");
        for args in [
            &["--help"][..],
            &["push", "--help"],
            &["set", "--help"],
            &["edit", "--help"],
            &["status", "--help"],
        ] {
            let out = cli(&dir, args, None);
            assert_eq!(out.code, 0, "{args:?}: {out:?}");
            assert!(
                out.stdout.contains("Examples:\n"),
                "{args:?}: {}",
                out.stdout
            );
        }
    }
}
