//! A thousand concurrent switches and reads of one flag: no lost update (every accepted write has its own
//! version and is in the history, in order), the final state is the last accepted write's, refused writes
//! are stale ones (409), and nothing answers 5xx.

mod support;

use axum::http::{Method, StatusCode};
use flag_admin::Admin;
use support::*;

const FLAG: &str = "/admin/flags/api/v1/flags/load_test";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_switches_and_reads() {
    let app = app(Admin::new(test_auth()));
    let mut tasks = Vec::new();
    for i in 0..1000u32 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                // A read-then-write with compare-and-swap on the version read: stale ones are refused.
                0 | 1 => {
                    let read = send(&app, Method::GET, FLAG, &[BOB], "").await;
                    assert!(!read.status.is_server_error());
                    let flag = read.json();
                    let version = flag["version"].as_u64().unwrap_or_default();
                    let enabled = !flag["enabled"].as_bool().unwrap_or_default();
                    let body = serde_json::json!({"action": "switch", "enabled": enabled, "reason": format!("cas {i}"), "expected_version": version});
                    let answer = send(&app, Method::PUT, FLAG, &[ALICE, JSON], body.to_string()).await;
                    (answer.status, Some(answer))
                }
                // An unconditional write.
                2 => {
                    let body = serde_json::json!({"action": "switch", "enabled": i % 8 == 2, "reason": format!("blind {i}")});
                    let answer = send(&app, Method::PUT, FLAG, &[ALICE, JSON], body.to_string()).await;
                    (answer.status, Some(answer))
                }
                // A read of the page and the list.
                _ => {
                    let page = send(&app, Method::GET, "/admin/flags/flags/load_test", &[BOB], "").await;
                    assert_eq!(page.status, StatusCode::OK);
                    let list = send(&app, Method::GET, "/admin/flags/api/v1/flags", &[BOB], "").await;
                    (list.status, None)
                }
            }
        }));
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (status, answer) = task.await.expect("no task panicked");
        assert!(!status.is_server_error(), "{status}");
        match (status, answer) {
            (StatusCode::OK, Some(answer)) => accepted.push(answer.json()["change"].clone()),
            (StatusCode::CONFLICT, Some(_)) => refused += 1,
            (StatusCode::OK, None) => {}
            (status, answer) => panic!("unexpected {status}: {answer:?}"),
        }
    }
    // Every unconditional write is accepted; compare-and-swap writes are accepted or refused as stale.
    assert!(accepted.len() >= 250, "{}", accepted.len());
    assert_eq!(accepted.len() + refused, 750);
    let detail = send(&app, Method::GET, FLAG, &[BOB], "").await.json();
    let history = detail["history"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        history.len(),
        accepted.len(),
        "the history holds every accepted write"
    );
    assert_eq!(detail["version"].as_u64(), Some(accepted.len() as u64));
    // Versions 1..=n, each once: no two accepted writes were made against the same state.
    let mut versions: Vec<u64> = accepted
        .iter()
        .filter_map(|change| change["version"].as_u64())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=accepted.len() as u64).collect::<Vec<_>>());
    // Newest first, each entry's "old" is the previous entry's "new".
    for pair in history.windows(2) {
        assert_eq!(pair[0]["old"], pair[1]["new"], "{pair:?}");
    }
    // The final state is the last accepted write's.
    let last = accepted
        .iter()
        .max_by_key(|change| change["version"].as_u64())
        .cloned()
        .unwrap_or_default();
    assert_eq!(history[0], last);
    let last_on = last["action"] == "switch on";
    assert_eq!(detail["enabled"].as_bool(), Some(last_on));
    assert_eq!(flag_runtime::is_enabled("load_test"), Ok(last_on));
    println!("{} accepted, {refused} refused as stale", accepted.len());
}
