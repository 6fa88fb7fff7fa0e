//! Starting while etcd is out of reach: with a snapshot file the instance serves the snapshot's revision and
//! values (and says so), without one the layers below serve, and a corrupt one is reported and ignored.
//! Start-up never waits much longer than the runtime's documented bound (1 s by default), whether etcd
//! refuses connections (killed) or accepts them and never answers (frozen with SIGSTOP). The time asserts
//! guard against a hang; they are far from the bound on purpose.

use std::path::Path;
use std::time::{Duration, Instant};

use flag_etcd::Write;
use serde_json::Value;

use crate::support::{Fleet, Instance, dead_endpoint, flag, fleet_revision, scratch};

/// The longest start-up these tests accept: the 1 s start wait, plus a wide margin for a loaded machine.
const START_BOUND: Duration = Duration::from_secs(5);

fn assert_started_within_bound(instance: &Instance) {
    let start_ms = instance.ready["start_ms"].as_f64().expect("start_ms");
    eprintln!(
        "{}: first use took {start_ms:.0} ms, {} ms from spawn to ready",
        instance.name,
        instance.spawn_to_ready.as_millis()
    );
    assert!(
        instance.spawn_to_ready < START_BOUND && start_ms < START_BOUND.as_secs_f64() * 1e3,
        "{}: start-up took {:?}",
        instance.name,
        instance.spawn_to_ready
    );
}

/// Waits until the snapshot file names `revision` (it is written just after the revision is applied).
fn wait_for_snapshot(path: &Path, revision: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = format!("revision = {revision}\n");
    while !std::fs::read_to_string(path).is_ok_and(|text| text.contains(&line)) {
        assert!(
            Instant::now() < deadline,
            "no snapshot at revision {revision} in {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Checks a status served from a snapshot taken at or after `revision`, the revision that wrote fast_search
/// on and dark_mode off, and returns the snapshot's revision. It can be later: an instance that rewrote the
/// snapshot after another write to etcd (a presence key, which every instance writes when it connects)
/// names the revision it had read up to, while the flags' keys still name the revision that wrote them.
fn assert_from_snapshot(status: &Value, revision: i64) -> i64 {
    assert_eq!(status["status"]["from_snapshot"], true, "{status}");
    let snapshot_revision = status["status"]["revision"].as_i64().expect("revision");
    assert!(snapshot_revision >= revision, "{status}");
    assert!(!status["status"]["stale_since"].is_null(), "{status}");
    assert_eq!(flag(status, "fast_search")["enabled"], true, "{status}");
    assert_eq!(flag(status, "dark_mode")["enabled"], false, "{status}");
    assert_eq!(fleet_revision(status, "fast_search"), Some(revision));
    assert_eq!(fleet_revision(status, "dark_mode"), Some(revision));
    snapshot_revision
}

#[test]
fn cold_start_with_etcd_frozen_or_killed_serves_the_snapshot_within_the_bound() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let snapshot = scratch("cold-snapshot").join("fleet-snapshot.toml");
    let revision = {
        let mut writer = Instance::start("cold-writer", &fleet.endpoint(), Some(&snapshot));
        let revision = fleet.write(vec![
            Write::put("fast_search", "default = true"),
            Write::put("dark_mode", "default = false"),
            Write::put(
                "checkout_v2",
                "[[rules]]\nuser_ids = [\"3\", \"5\", \"8\"]\n",
            ),
        ]);
        writer.wait_for(revision);
        wait_for_snapshot(&snapshot, revision);
        revision
    };

    // Frozen: connections are accepted and never answered, the worst case for the start wait.
    fleet.etcd.freeze().expect("SIGSTOP etcd");
    let mut frozen = Instance::start("cold-frozen", &fleet.endpoint(), Some(&snapshot));
    fleet.etcd.thaw().expect("SIGCONT etcd");
    assert_started_within_bound(&frozen);
    assert_eq!(
        frozen.ready["status"]["from_snapshot"], true,
        "{}",
        frozen.ready
    );
    assert_eq!(
        frozen.ready["status"]["revision"], revision,
        "{}",
        frozen.ready
    );
    assert_eq!(frozen.eval(1_000)["checkout_v2"], 3, "the snapshot's rules");
    // Thawed, etcd answers: the instance reads it and no longer serves the snapshot.
    let caught_up = frozen.wait_until("a read from etcd", |status| {
        status["status"]["from_snapshot"] == false
    });
    assert_eq!(fleet_revision(&caught_up, "fast_search"), Some(revision));

    // Killed: connections are refused.
    fleet.etcd.kill();
    let mut killed = Instance::start("cold-killed", &fleet.endpoint(), Some(&snapshot));
    assert_started_within_bound(&killed);
    // The frozen instance, still running, may have rewritten the snapshot since it caught up.
    let snapshot_revision = assert_from_snapshot(&killed.status(), revision);
    assert_eq!(killed.eval(1_000)["checkout_v2"], 3, "the snapshot's rules");
    let unavailable: Vec<Value> = killed
        .reports()
        .into_iter()
        .filter(|r| r["kind"] == "fleet_unavailable")
        .collect();
    assert_eq!(unavailable.len(), 1, "{unavailable:#?}");
    assert_eq!(
        unavailable[0]["revision"], snapshot_revision,
        "names the snapshot's revision"
    );

    // etcd back: the instance catches up with what is written next.
    fleet.etcd.restart().expect("restart etcd");
    fleet.reconnect();
    let next = fleet.put("fast_search", "default = false");
    killed.wait_for(next);
    let status = killed.wait_until("resumed", |status| {
        status["status"]["stale_since"].is_null() && status["status"]["from_snapshot"] == false
    });
    assert_eq!(flag(&status, "fast_search")["enabled"], false, "{status}");
    assert_eq!(
        flag(&status, "dark_mode")["fleet"]["enabled"],
        false,
        "{status}"
    );
}

#[test]
fn cold_start_without_a_snapshot_or_with_a_corrupt_one_serves_the_layers_below() {
    // No etcd needed: nothing listens at the endpoint.
    let endpoint = dead_endpoint();
    let corrupt = scratch("cold-corrupt").join("fleet-snapshot.toml");
    std::fs::write(&corrupt, "format = 1\nrevision = \"many\"\n")
        .expect("write the corrupt snapshot");
    let missing = scratch("cold-missing").join("never-written.toml");

    for (name, snapshot) in [
        ("cold-none", None),
        ("cold-corrupt", Some(corrupt.as_path())),
        ("cold-missing-file", Some(missing.as_path())),
    ] {
        let mut instance = Instance::start(name, &endpoint, snapshot);
        assert_started_within_bound(&instance);
        let status = instance.status();
        assert_eq!(status["status"]["revision"], 0, "{name}: {status}");
        assert_eq!(status["status"]["from_snapshot"], false, "{name}: {status}");
        assert!(
            !status["status"]["stale_since"].is_null(),
            "{name}: {status}"
        );
        for (flag_name, on) in [("fast_search", false), ("dark_mode", true)] {
            let seen = flag(&status, flag_name);
            assert_eq!(seen["enabled"], on, "{name}: {status}");
            assert_eq!(seen["layer"], "compiled", "{name}: {status}");
            assert_eq!(seen["fleet"], Value::Null, "{name}: {status}");
        }
        let reports = instance.reports();
        let unreadable: Vec<&Value> = reports
            .iter()
            .filter(|r| {
                r["kind"] == "fleet_config"
                    && r["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("fleet snapshot"))
            })
            .collect();
        match name {
            "cold-corrupt" => {
                assert_eq!(unreadable.len(), 1, "{reports:#?}");
                let text = unreadable[0]["text"].as_str().unwrap_or_default();
                assert!(
                    text.contains("not a snapshot") && text.ends_with("ignored"),
                    "{text}"
                );
            }
            "cold-none" => assert!(unreadable.is_empty(), "{reports:#?}"),
            _ => eprintln!("{name}: {reports:?}"),
        }
        assert!(
            reports
                .iter()
                .any(|r| r["kind"] == "fleet_unavailable" && r["revision"] == 0),
            "{name}: etcd out of reach is reported: {reports:#?}"
        );
    }
}
