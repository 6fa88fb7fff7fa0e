//! The watcher from a synchronous test (its own thread and runtime) and inside a
//! multi-threaded tokio runtime; an unreachable endpoint.

mod common;

use std::time::{Duration, Instant};

use common::*;
use flag_etcd::testing::Etcd;
use flag_etcd::{Change, Error, FleetClient, FleetEvent};

const WAIT: Duration = Duration::from_secs(10);

/// A synchronous test: no tokio runtime of its own, but etcdctl-like writes through a small
/// runtime made here.
#[test]
fn spawn_watcher_from_a_synchronous_test() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let recorder = Recorder::new();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), recorder.sink()).unwrap();
    recorder.wait("the snapshot", WAIT, |e| !e.is_empty());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let revision = rt.block_on(async {
        let mut raw = raw(&etcd.endpoint()).await;
        put(&mut raw, "dark_mode", "default = true").await
    });
    let events = recorder.wait("the change", WAIT, |e| e.len() >= 2);
    assert_eq!(
        events[1],
        FleetEvent::Changes {
            revision,
            changes: vec![Change::Put(entry("dark_mode", "default = true", revision))],
        }
    );
    assert!(!handle.is_finished());
    handle.stop();
}

#[test]
fn a_sink_returning_false_ends_the_watcher_thread() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let recorder = Recorder::new();
    let mut record = recorder.sink();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), move |e| {
        record(e);
        false
    })
    .unwrap();
    let deadline = Instant::now() + WAIT;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "still running: {:#?}",
            recorder.events()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(recorder.len(), 1);
    assert!(is_snapshot(&recorder.events()[0]));
}

#[test]
fn dropping_the_handle_stops_the_watcher_without_blocking() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let recorder = Recorder::new();
    let handle = flag_etcd::spawn_watcher(config(&etcd.endpoint()), recorder.sink()).unwrap();
    recorder.wait("the snapshot", WAIT, |e| !e.is_empty());
    let dropped = Instant::now();
    drop(handle);
    assert!(dropped.elapsed() < Duration::from_millis(100));
    std::thread::sleep(Duration::from_millis(300));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut raw = raw(&etcd.endpoint()).await;
        put(&mut raw, "after", "x").await;
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        recorder.len(),
        1,
        "no event after the drop: {:#?}",
        recorder.events()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_inside_a_multi_threaded_runtime() {
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
    recorder
        .wait_async("the snapshot", WAIT, |e| !e.is_empty())
        .await;
    let mut last = 0;
    for i in 0..20 {
        last = put(&mut raw, &format!("f{}", i % 4), &i.to_string()).await;
    }
    let events = recorder
        .wait_async("every change", WAIT, |e| apply(e).1 == last)
        .await;
    assert_eq!(apply(&events), etcd_state(&mut raw).await);
    let revisions: Vec<i64> = events
        .iter()
        .map(|e| match e {
            FleetEvent::Snapshot { revision, .. } | FleetEvent::Changes { revision, .. } => {
                *revision
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        revisions.windows(2).all(|w| w[0] < w[1]),
        "revisions only grow: {revisions:?}"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}

/// A loopback port with nothing listening.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_fails_to_connect_in_time_and_the_watcher_goes_stale_once() {
    // Needs no etcd.
    let endpoint = closed_port();
    let config = config(&endpoint);
    let started = Instant::now();
    let err = FleetClient::connect(&config).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took <= config.connect_timeout + Duration::from_millis(300),
        "took {took:?}"
    );
    assert!(
        matches!(err, Error::Unreachable { .. } | Error::Timeout { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&endpoint),
        "the message names the endpoint: {err}"
    );

    let recorder = Recorder::new();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let task = tokio::spawn(flag_etcd::watch(config.clone(), recorder.sink(), async {
        let _ = stopped.await;
    }));
    let events = recorder.wait_async("stale", WAIT, |e| !e.is_empty()).await;
    let took = started.elapsed();
    assert!(
        took <= config.request_timeout + Duration::from_millis(500),
        "stale after {took:?}"
    );
    let FleetEvent::Stale {
        revision, error, ..
    } = &events[0]
    else {
        panic!("{events:#?}");
    };
    assert_eq!(*revision, 0);
    assert!(error.contains(&endpoint), "{error}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        recorder.len(),
        1,
        "one Stale however many retries: {:#?}",
        recorder.events()
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .unwrap()
        .unwrap();
    eprintln!("stale after {} ms", took.as_millis());
}

#[test]
fn an_invalid_configuration_is_refused_by_spawn_watcher_and_reported_by_watch() {
    let mut config = config("http://127.0.0.1:1");
    config.prefix = "/no-slash".into();
    let err = flag_etcd::spawn_watcher(config.clone(), |_| true).unwrap_err();
    assert!(err.to_string().contains("must end with '/'"), "{err}");
    let recorder = Recorder::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(flag_etcd::watch(
        config,
        recorder.sink(),
        std::future::pending(),
    ));
    let events = recorder.events();
    assert!(
        matches!(&events[..], [FleetEvent::Stale { revision: 0, error, .. }] if error.contains("must end with '/'"))
    );
}
