//! Outages: etcd killed mid-run (instances keep their state and say they are stale, then resume on the
//! restarted etcd and see the writes made right after), and a connection cut through a proxy while three
//! changes, a delete and a compaction happen (once healed, every instance holds etcd's state).

use std::time::Instant;

use flag_etcd::Write;
use flag_etcd::testing::TcpProxy;
use serde_json::Value;

use crate::support::{Fleet, Instance, assert_same_as_etcd, flag, fleet_revision};

fn is_stale(status: &Value) -> bool {
    !status["status"]["stale_since"].is_null()
}

#[test]
fn etcd_killed_instances_keep_their_state_then_resume_on_the_restarted_etcd() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let mut instances: Vec<Instance> = (1..=3)
        .map(|i| Instance::start(&format!("kill-{i}"), &fleet.endpoint(), None))
        .collect();
    let before_kill = fleet.write(vec![
        Write::put("fast_search", "default = true"),
        Write::put("dark_mode", "default = false"),
        Write::put(
            "checkout_v2",
            "[[rules]]\nrollout = { percent = 40, stickiness = \"user_id\" }\n",
        ),
    ]);
    let mut kept = Vec::new();
    for instance in &mut instances {
        instance.wait_for(before_kill);
        kept.push((instance.status(), instance.eval(10_000)));
    }

    fleet.etcd.kill();
    let killed = Instant::now();
    for (instance, (status, eval)) in instances.iter_mut().zip(&kept) {
        let stale = instance.wait_until("stale after the kill", is_stale);
        assert_eq!(stale["status"]["revision"], before_kill, "{stale}");
        assert!(
            stale["status"]["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "the status says why: {stale}"
        );
        assert_eq!(
            stale["flags"], status["flags"],
            "{}: flags kept",
            instance.name
        );
        assert_eq!(
            &instance.eval(10_000),
            eval,
            "{}: evaluations kept",
            instance.name
        );
        let unavailable = instance
            .reports()
            .into_iter()
            .filter(|report| report["kind"] == "fleet_unavailable")
            .count();
        assert_eq!(
            unavailable, 1,
            "{}: one report for the outage",
            instance.name
        );
    }
    let noticed = killed.elapsed();

    fleet
        .etcd
        .restart()
        .expect("restart etcd on its data directory");
    fleet.reconnect();
    let restarted = Instant::now();
    // Right after the restart: a flag flipped, another deleted, rules replaced.
    fleet.put("fast_search", "default = false");
    fleet.delete("dark_mode");
    let after = fleet.put(
        "checkout_v2",
        "[[rules]]\nrollout = { percent = 60, stickiness = \"user_id\" }\n",
    );
    let (_, etcd) = fleet.state();
    for (instance, (_, eval)) in instances.iter_mut().zip(&kept) {
        instance.wait_for(after);
        let status = instance.wait_until("resumed", |status| !is_stale(status));
        assert_same_as_etcd(&instance.name, &status, &etcd);
        assert_eq!(flag(&status, "fast_search")["enabled"], false, "{status}");
        assert_eq!(flag(&status, "dark_mode")["layer"], "compiled", "{status}");
        let now = instance.eval(10_000);
        assert_ne!(&now, eval, "{}: the new rules apply", instance.name);
    }
    eprintln!(
        "stale noticed by all within {} ms of the kill; caught up {} ms after the restart",
        noticed.as_millis(),
        restarted.elapsed().as_millis()
    );
}

#[test]
fn a_cut_connection_heals_to_etcds_state_after_changes_a_delete_and_a_compaction() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let proxy = TcpProxy::start(fleet.etcd.addr());
    let start = fleet.write(vec![
        Write::put("fast_search", "default = true"),
        Write::put("dark_mode", "default = true"),
        Write::put("search_ranking", "default = true"),
    ]);
    let mut instances: Vec<Instance> = (1..=3)
        .map(|i| Instance::start(&format!("cut-{i}"), &proxy.endpoint(), None))
        .collect();
    // Each read everything at start-up, at a revision of its own (presence keys count too).
    let mut read_at = Vec::new();
    for instance in &mut instances {
        instance.wait_for(start);
        read_at.push(instance.revision());
    }

    proxy.cut();
    for instance in &mut instances {
        instance.wait_until("stale after the cut", is_stale);
    }
    // Behind the instances' backs, straight to etcd: three changes, a delete, then a compaction that
    // removes the history they would resume from.
    fleet.put("fast_search", "default = false");
    fleet.put("checkout_v2", "[[rules]]\nuser_ids = [\"1\", \"2\"]\n");
    fleet.put("dark_mode", "default = false");
    let last = fleet.delete("search_ranking");
    fleet.compact(last);
    for (instance, read_at) in instances.iter_mut().zip(read_at) {
        let status = instance.status();
        assert_eq!(
            status["status"]["revision"], read_at,
            "{}: still cut off",
            instance.name
        );
        assert_eq!(flag(&status, "fast_search")["enabled"], true);
    }

    let healed = Instant::now();
    proxy.heal();
    let (_, etcd) = fleet.state();
    for instance in &mut instances {
        instance.wait_for(last);
        let status = instance.wait_until("resumed", |status| !is_stale(status));
        assert_same_as_etcd(&instance.name, &status, &etcd);
        assert_eq!(fleet_revision(&status, "search_ranking"), None, "deleted");
        assert_eq!(flag(&status, "search_ranking")["layer"], "compiled");
        assert_eq!(flag(&status, "fast_search")["enabled"], false);
        assert_eq!(flag(&status, "dark_mode")["enabled"], false);
    }
    let evals: Vec<Value> = instances.iter_mut().map(|i| i.eval(10_000)).collect();
    assert!(
        evals.windows(2).all(|pair| pair[0] == pair[1]),
        "{evals:#?}"
    );
    assert_eq!(evals[0]["checkout_v2"], 2, "users 1 and 2: {}", evals[0]);
    eprintln!(
        "after the heal, all 3 instances held etcd's state within {} ms",
        healed.elapsed().as_millis()
    );
}
