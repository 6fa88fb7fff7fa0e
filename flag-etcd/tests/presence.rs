//! The presence key: written with the applied revision, removed on a clean stop, expired by
//! its lease when the instance is cut off, and written again when it is back.

mod common;

use std::time::{Duration, Instant};

use common::*;
use flag_etcd::testing::{Etcd, TcpProxy};
use flag_etcd::{FleetClient, Presence};

const WAIT: Duration = Duration::from_secs(10);

async fn wait_instances(
    client: &mut FleetClient,
    what: &str,
    timeout: Duration,
    done: impl Fn(&[Presence]) -> bool,
) -> Vec<Presence> {
    let deadline = Instant::now() + timeout;
    loop {
        let instances = client.instances().await.unwrap();
        if done(&instances) {
            return instances;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {instances:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_appears_with_the_applied_revision_and_goes_on_a_clean_stop() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut raw = raw(&etcd.endpoint()).await;
    let mut client = FleetClient::connect(&config(&etcd.endpoint()))
        .await
        .unwrap();
    let recorder = Recorder::new();
    let me = Presence::new("web-1").unwrap();
    let config = config(&etcd.endpoint()).with_presence(me.clone());
    let handle = flag_etcd::spawn_watcher(config, recorder.sink()).unwrap();
    let events = recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    let snapshot_rev = apply(&events).1;
    let found = wait_instances(&mut client, "presence", WAIT, |i| {
        i.iter().any(|p| p.revision == snapshot_rev)
    })
    .await;
    assert_eq!(
        found,
        vec![Presence {
            revision: snapshot_rev,
            ..me.clone()
        }]
    );

    // Each applied change moves the revision in the presence key.
    let mut last = 0;
    for i in 0..5 {
        last = put(&mut raw, "a", &i.to_string()).await;
    }
    recorder
        .wait_async("the changes", WAIT, |e| apply(e).1 == last)
        .await;
    let found = wait_instances(&mut client, "presence at the last change", WAIT, |i| {
        i.iter().any(|p| p.revision == last)
    })
    .await;
    assert_eq!(found.len(), 1);

    // A burst of changes: the presence key is written at most about once per 100 ms.
    let burst = Instant::now();
    let version_before = presence_version(&mut raw, "web-1").await;
    for i in 0..40 {
        last = put(&mut raw, "b", &i.to_string()).await;
    }
    recorder
        .wait_async("the burst", WAIT, |e| apply(e).1 == last)
        .await;
    wait_instances(&mut client, "presence after the burst", WAIT, |i| {
        i.iter().any(|p| p.revision == last)
    })
    .await;
    let writes = presence_version(&mut raw, "web-1").await - version_before;
    let bound = burst.elapsed().as_millis() as i64 / 100 + 2;
    assert!(
        writes <= bound,
        "{writes} presence writes for 40 changes in {:?}",
        burst.elapsed()
    );

    let stopped = Instant::now();
    tokio::task::spawn_blocking(move || handle.stop())
        .await
        .unwrap();
    assert!(
        stopped.elapsed() < Duration::from_secs(3),
        "stop took {:?}",
        stopped.elapsed()
    );
    assert!(
        client.instances().await.unwrap().is_empty(),
        "the lease is revoked on a clean stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_expires_with_its_lease_when_cut_off_and_comes_back_after() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let proxy = TcpProxy::start(etcd.addr());
    let mut client = FleetClient::connect(&config(&etcd.endpoint()))
        .await
        .unwrap();
    let recorder = Recorder::new();
    let config = config(&proxy.endpoint()).with_presence(Presence::new("web-2").unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(flag_etcd::watch(config, recorder.sink(), async {
        let _ = stopped.await;
    }));
    wait_instances(&mut client, "presence", WAIT, |i| i.len() == 1).await;

    proxy.cut();
    let cut = Instant::now();
    wait_instances(
        &mut client,
        "the lease to expire",
        Duration::from_secs(15),
        |i| i.is_empty(),
    )
    .await;
    let gone = cut.elapsed();
    assert!(
        gone >= Duration::from_secs(5),
        "gone after {gone:?}: before its TTL?"
    );

    proxy.heal();
    let events = recorder
        .wait_async("resumed", WAIT, |e| count(e, is_resumed) >= 1)
        .await;
    let applied = apply(&events).1;
    let back = wait_instances(&mut client, "presence again", WAIT, |i| i.len() == 1).await;
    assert_eq!(back[0].instance, "web-2");
    assert_eq!(back[0].revision, applied);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(client.instances().await.unwrap().is_empty());
    eprintln!("presence gone {} ms after the cut", gone.as_millis());
}

/// How many times the presence key of `id` was written since it was created.
async fn presence_version(raw: &mut etcd_client::Client, id: &str) -> i64 {
    let resp = raw
        .get(format!("/flags/checkout/prod.instances/{id}"), None)
        .await
        .unwrap();
    resp.kvs()[0].version()
}
