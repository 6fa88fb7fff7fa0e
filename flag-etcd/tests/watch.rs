//! The watch loop against a live etcd: snapshot at start, puts and deletes as changes.

mod common;

use std::time::Duration;

use common::*;
use flag_etcd::testing::Etcd;
use flag_etcd::{Change, FleetEvent};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_at_start_has_every_key_and_nothing_from_the_siblings() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    let ra = put(&mut raw, "a", "default = true").await;
    let rb = put(&mut raw, "b", "default = false").await;
    // The siblings, and a neighbouring prefix that starts with the same characters.
    raw.put(
        "/flags/checkout/prod.audit/a/00000000000000000001",
        "{}",
        None,
    )
    .await
    .unwrap();
    raw.put("/flags/checkout/prod.instances/web-1", "{}", None)
        .await
        .unwrap();
    raw.put("/flags/checkout/prod2/x", "default = true", None)
        .await
        .unwrap();
    raw.put("/flags/checkout/pro", "default = true", None)
        .await
        .unwrap();
    let (_, now) = etcd_state(&mut raw).await;

    let recorder = Recorder::new();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), recorder.sink()).unwrap();
    let events = recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    assert_eq!(
        events[0],
        FleetEvent::Snapshot {
            revision: now,
            entries: vec![
                entry("a", "default = true", ra),
                entry("b", "default = false", rb)
            ],
        }
    );

    // Writes to the siblings reach no one; the next write under the prefix does, alone.
    raw.put(
        "/flags/checkout/prod.audit/a/00000000000000000002",
        "{}",
        None,
    )
    .await
    .unwrap();
    raw.put("/flags/checkout/prod.instances/web-2", "{}", None)
        .await
        .unwrap();
    let rc = put(&mut raw, "c", "default = true").await;
    let events = recorder
        .wait_async("the change of c", WAIT, |e| e.len() >= 2)
        .await;
    assert_eq!(
        events[1],
        FleetEvent::Changes {
            revision: rc,
            changes: vec![Change::Put(entry("c", "default = true", rc))],
        }
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(recorder.len(), 2, "{:#?}", recorder.events());
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_and_a_delete_reach_a_running_watcher_as_changes() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    let recorder = Recorder::new();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(flag_etcd::watch(
        config(&etcd.endpoint()),
        recorder.sink(),
        async {
            let _ = stopped.await;
        },
    ));
    let events = recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    let FleetEvent::Snapshot { entries, .. } = &events[0] else {
        panic!("expected a snapshot first: {events:#?}");
    };
    assert!(entries.is_empty());

    let r1 = put(&mut raw, "new_ui", "default = true").await;
    let events = recorder.wait_async("the put", WAIT, |e| e.len() >= 2).await;
    assert_eq!(
        events[1],
        FleetEvent::Changes {
            revision: r1,
            changes: vec![Change::Put(entry("new_ui", "default = true", r1))],
        }
    );

    let r2 = delete(&mut raw, "new_ui").await;
    let events = recorder
        .wait_async("the delete", WAIT, |e| e.len() >= 3)
        .await;
    assert_eq!(
        events[2],
        FleetEvent::Changes {
            revision: r2,
            changes: vec![Change::Delete {
                name: "new_ui".into(),
                revision: r2,
            }],
        }
    );

    // One transaction of two puts moves the state in one step: one event.
    let txn = etcd_client::Txn::new().and_then(vec![
        etcd_client::TxnOp::put(format!("{PREFIX}x"), "default = true", None),
        etcd_client::TxnOp::put(format!("{PREFIX}y"), "default = false", None),
    ]);
    let r3 = raw.txn(txn).await.unwrap().header().unwrap().revision();
    let events = recorder
        .wait_async("the transaction", WAIT, |e| e.len() >= 4)
        .await;
    assert_eq!(
        events[3],
        FleetEvent::Changes {
            revision: r3,
            changes: vec![
                Change::Put(entry("x", "default = true", r3)),
                Change::Put(entry("y", "default = false", r3)),
            ],
        }
    );

    // A value that is not UTF-8 is passed on lossily.
    let r4 = raw
        .put(format!("{PREFIX}bad"), b"a\xffb".to_vec(), None)
        .await
        .unwrap()
        .header()
        .unwrap()
        .revision();
    let events = recorder
        .wait_async("the bad value", WAIT, |e| e.len() >= 5)
        .await;
    assert_eq!(
        events[4],
        FleetEvent::Changes {
            revision: r4,
            changes: vec![Change::Put(entry("bad", "a\u{fffd}b", r4))],
        }
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count(&recorder.events(), is_stale), 0);
    // The state the events build is etcd's.
    assert_eq!(apply(&recorder.events()), etcd_state(&mut raw).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_periodic_resync_sends_a_snapshot_equal_to_etcds_state() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    put(&mut raw, "a", "1").await;
    let recorder = Recorder::new();
    let config = config(&etcd.endpoint()).with_resync_every(Duration::from_millis(700));
    let handle = flag_etcd::spawn_watcher(config, recorder.sink()).unwrap();
    recorder
        .wait_async("the first snapshot", WAIT, |e| !e.is_empty())
        .await;
    put(&mut raw, "b", "2").await;
    delete(&mut raw, "a").await;
    let events = recorder
        .wait_async("a second snapshot", WAIT, |e| count(e, is_snapshot) >= 2)
        .await;
    let last_snapshot = events.iter().rev().find(|e| is_snapshot(e)).unwrap();
    let (state, revision) = etcd_state(&mut raw).await;
    assert_eq!(
        apply(std::slice::from_ref(last_snapshot)),
        (state, revision)
    );
    assert_eq!(count(&events, is_stale), 0);
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
}
