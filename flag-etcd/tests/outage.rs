//! Outages: etcd killed and restarted, connections cut and healed, with and without
//! compaction in between. Nothing may be lost, and an outage is reported once.

mod common;

use std::time::{Duration, Instant};

use common::*;
use flag_etcd::testing::{Etcd, TcpProxy};
use flag_etcd::{FleetClient, FleetEvent};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_killed_mid_run_gives_one_stale_then_resumes_with_nothing_lost() {
    flag_etcd::require_etcd!();
    let mut etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    put(&mut raw, "a", "1").await;
    let recorder = Recorder::new();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), recorder.sink()).unwrap();
    recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    let rb = put(&mut raw, "b", "2").await;
    recorder
        .wait_async("the change", WAIT, |e| e.len() >= 2)
        .await;

    etcd.kill();
    let killed = Instant::now();
    let events = recorder
        .wait_async("stale", WAIT, |e| count(e, is_stale) >= 1)
        .await;
    let noticed = killed.elapsed();
    let Some(FleetEvent::Stale {
        revision, error, ..
    }) = events.last()
    else {
        panic!("expected stale: {events:#?}");
    };
    assert_eq!(*revision, rb, "stale names the last applied revision");
    assert!(
        error.contains(&etcd.endpoint()),
        "the error names the endpoint: {error}"
    );
    // Down for 3 s with backoff capped at 200 ms: many retries, one event.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        recorder.len(),
        3,
        "one Stale for the whole outage: {:#?}",
        recorder.events()
    );

    etcd.restart().unwrap();
    let events = recorder
        .wait_async("resumed", WAIT, |e| count(e, is_resumed) >= 1)
        .await;
    assert_eq!(events[3], FleetEvent::Resumed { revision: rb });
    let mut raw = common::raw(&etcd.endpoint()).await;
    let rc = put(&mut raw, "c", "3").await;
    let events = recorder
        .wait_async(
            "the change after the restart",
            WAIT,
            |e| matches!(e.last(), Some(FleetEvent::Changes { revision, .. }) if *revision == rc),
        )
        .await;
    assert_eq!(
        count(&events, is_snapshot),
        1,
        "resumed without re-reading: {events:#?}"
    );
    assert_eq!(count(&events, is_stale), 1);
    assert_eq!(apply(&events), etcd_state(&mut raw).await);
    eprintln!("stale noticed {} ms after the kill", noticed.as_millis());
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
}

/// Cuts the watcher off, makes 3 changes and a delete behind its back, optionally compacts
/// past them, heals, and returns what the watcher saw after the cut and etcd's state.
async fn cut_write_heal(
    compact: bool,
) -> Option<(
    Vec<FleetEvent>,
    usize,
    (std::collections::BTreeMap<String, flag_etcd::Entry>, i64),
)> {
    if !flag_etcd::testing::require_etcd() {
        return None;
    }
    let etcd = Etcd::start().unwrap();
    let proxy = TcpProxy::start(etcd.addr());
    let mut raw = raw(&etcd.endpoint()).await;
    put(&mut raw, "a", "1").await;
    put(&mut raw, "b", "1").await;
    put(&mut raw, "c", "1").await;
    let recorder = Recorder::new();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(flag_etcd::watch(
        config(&proxy.endpoint()),
        recorder.sink(),
        async {
            let _ = stopped.await;
        },
    ));
    recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;

    proxy.cut();
    let events = recorder
        .wait_async("stale", WAIT, |e| count(e, is_stale) >= 1)
        .await;
    let before = events.len();
    put(&mut raw, "a", "2").await;
    put(&mut raw, "d", "1").await;
    put(&mut raw, "c", "2").await;
    let last = delete(&mut raw, "b").await;
    if compact {
        let mut client = FleetClient::connect(&config(&etcd.endpoint()))
            .await
            .unwrap();
        client.compact(last).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        recorder.len(),
        before,
        "nothing while cut: {:#?}",
        recorder.events()
    );

    proxy.heal();
    recorder
        .wait_async("caught up", WAIT, |e| apply(e).1 >= last)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let state = etcd_state(&mut raw).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    Some((recorder.events(), before, state))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_then_compacted_then_healed_gives_a_snapshot_equal_to_etcds_state() {
    let Some((events, before, state)) = cut_write_heal(true).await else {
        return;
    };
    let after = &events[before..];
    assert!(
        matches!(after[0], FleetEvent::Resumed { .. }),
        "{events:#?}"
    );
    let FleetEvent::Snapshot { revision, entries } = &after[1] else {
        panic!("expected a snapshot right after resuming: {events:#?}");
    };
    let snapshot: std::collections::BTreeMap<_, _> = entries
        .iter()
        .map(|e| (e.name.clone(), e.clone()))
        .collect();
    assert_eq!(
        (snapshot, *revision),
        state,
        "the snapshot is etcd's state, the delete of b included"
    );
    assert!(!state.0.contains_key("b"));
    assert_eq!(after.len(), 2, "nothing else: {events:#?}");
    assert_eq!(count(&events, is_stale), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_then_healed_without_compaction_resumes_with_changes_and_no_snapshot() {
    let Some((events, before, state)) = cut_write_heal(false).await else {
        return;
    };
    let after = &events[before..];
    assert!(
        matches!(after[0], FleetEvent::Resumed { .. }),
        "{events:#?}"
    );
    assert!(
        after[1..].iter().all(is_changes),
        "only changes after resuming: {events:#?}"
    );
    let names: Vec<String> = after[1..]
        .iter()
        .flat_map(|e| match e {
            FleetEvent::Changes { changes, .. } => {
                changes.iter().map(|c| c.name().to_owned()).collect()
            }
            _ => vec![],
        })
        .collect();
    assert_eq!(
        names,
        ["a", "d", "c", "b"],
        "every change, in order: {events:#?}"
    );
    assert_eq!(count(&events, is_snapshot), 1);
    assert_eq!(apply(&events), state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_etcd_is_noticed_by_the_progress_probe_and_a_thawed_one_resumes() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    let ra = put(&mut raw, "a", "1").await;
    let recorder = Recorder::new();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), recorder.sink()).unwrap();
    recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    // Idle past one liveness probe (every 5 s without a message): a live etcd answers it.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        recorder.len(),
        1,
        "an idle watch is not stale: {:#?}",
        recorder.events()
    );

    // Frozen: the connection stays open, nothing answers.
    etcd.freeze().unwrap();
    let frozen = Instant::now();
    let events = recorder
        .wait_async("stale", WAIT, |e| count(e, is_stale) >= 1)
        .await;
    let noticed = frozen.elapsed();
    assert!(
        noticed <= Duration::from_secs(7),
        "noticed after {noticed:?}"
    );
    assert!(matches!(events[1], FleetEvent::Stale { revision, .. } if revision == ra));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.len(), 2, "one Stale: {:#?}", recorder.events());

    etcd.thaw().unwrap();
    recorder
        .wait_async("resumed", WAIT, |e| count(e, is_resumed) >= 1)
        .await;
    let rb = put(&mut raw, "b", "2").await;
    let events = recorder
        .wait_async("the change", WAIT, |e| apply(e).1 == rb)
        .await;
    assert_eq!(apply(&events), etcd_state(&mut raw).await);
    eprintln!("a frozen etcd was noticed after {} ms", noticed.as_millis());
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
}
