//! The page writing to the fleet (the `fleet` feature), against a real, private etcd (`flag_etcd::testing`):
//! this test process joins the fleet as a program would (`flag_runtime::Builder::etcd`), so a write through
//! the router is checked in etcd (read back with a `FleetClient`) and in the process's own fleet layer,
//! which its watcher keeps. Then: a stale write is refused 409 with the current value and who set it; the
//! history is the fleet's audit records; an invalid value is refused 400 with the parser's message, placed
//! as `cargo flags fleet` places it, and nothing is sent; etcd out of reach gives 503, quickly.
//!
//! One test function: the runtime joins the fleet once per process, before any flag is used, and the etcd
//! server it joins must outlive every step (it is stopped when the test ends, pass or fail). Without etcd
//! the test is skipped with a message, and fails when `CI=true`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, StatusCode};
use flag_admin::{Admin, FleetWriter};
use flag_etcd::testing::{Etcd, TcpProxy};
use flag_etcd::{FleetClient, FleetConfig};
use flag_runtime::Layer;
use support::{ALICE, FORM, JSON, app, send, test_auth};

const PREFIX: &str = "/flags/admin-test/prod/";

fn config(endpoint: String) -> FleetConfig {
    FleetConfig::new(vec![endpoint], PREFIX)
        .expect("config")
        .with_connect_timeout(Duration::from_millis(500))
        .with_request_timeout(Duration::from_millis(800))
}

/// The app as the demo mounts it, writing to the fleet at `endpoint`.
fn fleet_app(endpoint: String) -> Router {
    app(Admin::new(test_auth()).fleet(FleetWriter::new(config(endpoint))))
}

async fn put(app: &Router, name: &str, body: serde_json::Value) -> support::Answer {
    send(
        app,
        Method::PUT,
        &format!("/admin/flags/api/v1/flags/{name}"),
        &[ALICE, JSON],
        body.to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_writes_to_the_fleet() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().expect("a private etcd starts");
    flag_runtime::Builder::new()
        .env_overrides(false)
        .etcd(etcd.endpoint(), PREFIX)
        .etcd_start_wait(Duration::from_secs(5))
        .install()
        .expect("this process joins the fleet before any flag is used");
    assert_eq!(
        flag_runtime::fleet_status().map(|status| status.prefix),
        Some(PREFIX.to_owned())
    );
    let mut client = FleetClient::connect(&config(etcd.endpoint()))
        .await
        .expect("a client of the private etcd");
    let app = fleet_app(etcd.endpoint());

    a_write_reaches_etcd_and_this_programs_fleet_layer(&app, &mut client).await;
    a_stale_write_is_refused_with_the_current_value(&app, &mut client).await;
    the_history_is_the_fleets_audit_records(&app, &mut client).await;
    an_invalid_value_is_refused_as_the_cli_refuses_it(&app, &mut client).await;
    etcd_out_of_reach_gives_503_quickly(&etcd).await;
}

async fn a_write_reaches_etcd_and_this_programs_fleet_layer(
    app: &Router,
    client: &mut FleetClient,
) {
    assert!(flag_runtime::flag!("kill_switch"), "compiled in on");
    let answer = put(
        app,
        "kill_switch",
        serde_json::json!({"action": "switch", "enabled": false, "reason": "provider down", "expected_version": 0}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let outcome = answer.json();
    let revision = outcome["change"]["version"].as_i64().expect("a revision");
    let entry = client.get("kill_switch").await.unwrap().expect("the key");
    assert_eq!(
        entry.mod_revision, revision,
        "the change names the key's revision"
    );
    assert_eq!(entry.value.trim(), "default = false");

    // This program's own fleet layer applied it (the write waits for that, bounded).
    let info = flag_runtime::flag_info("kill_switch").unwrap();
    assert_eq!((info.enabled, info.layer), (false, Layer::Fleet));
    assert_eq!(
        info.fleet.as_ref().map(|fleet| fleet.revision),
        Some(revision)
    );
    assert!(!flag_runtime::flag!("kill_switch"));
    assert_eq!(outcome["flag"]["enabled"], false);
    assert_eq!(outcome["flag"]["layer"], "fleet");
    assert_eq!(outcome["flag"]["version"], revision);

    // The page's form, through its confirmation, at the version the page showed.
    let page = send(
        app,
        Method::GET,
        "/admin/flags/flags/kill_switch",
        &[ALICE],
        "",
    )
    .await;
    assert!(
        page.body
            .contains(&format!("name=\"version\" value=\"{revision}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("provider down"),
        "the history on the page"
    );
    let form = format!("version={revision}&on=true&reason=provider+back");
    let confirm = send(
        app,
        Method::POST,
        "/admin/flags/flags/kill_switch/switch",
        &[ALICE, FORM],
        form.clone(),
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.body.contains(&format!(
            "on every instance of the fleet (etcd prefix {PREFIX})"
        )),
        "the confirmation says where the write goes: {}",
        confirm.body
    );
    let done = send(
        app,
        Method::POST,
        "/admin/flags/flags/kill_switch/switch",
        &[ALICE, FORM],
        form + "&confirm=yes",
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let entry = client.get("kill_switch").await.unwrap().expect("the key");
    assert_eq!(entry.value.trim(), "default = true");
    assert!(entry.mod_revision > revision);
    assert!(flag_runtime::flag!("kill_switch"));
    assert_eq!(
        flag_runtime::flag_info("kill_switch")
            .unwrap()
            .fleet
            .map(|fleet| fleet.revision),
        Some(entry.mod_revision)
    );

    // A rollout keeps the key's other parts and reaches the fleet layer's rules.
    let answer = put(
        app,
        "kill_switch",
        serde_json::json!({"action": "rollout", "percent": 40, "reason": "canary", "expected_version": entry.mod_revision}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let entry = client.get("kill_switch").await.unwrap().expect("the key");
    assert!(entry.value.contains("default = true"), "{}", entry.value);
    assert!(entry.value.contains("percent = 40"), "{}", entry.value);
    let targeting = flag_runtime::flag_info("kill_switch")
        .unwrap()
        .targeting
        .expect("rules");
    assert_eq!(targeting.rules_layer, Layer::Fleet);
    assert!(
        targeting.rules.iter().any(|rule| rule.contains("40%")),
        "{:?}",
        targeting.rules
    );

    // A reset deletes the key: back to what was compiled in.
    let answer = put(
        app,
        "kill_switch",
        serde_json::json!({"action": "reset", "reason": "done", "expected_version": entry.mod_revision}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(client.get("kill_switch").await.unwrap(), None);
    let info = flag_runtime::flag_info("kill_switch").unwrap();
    assert_eq!((info.enabled, info.layer), (true, Layer::Compiled));
}

async fn a_stale_write_is_refused_with_the_current_value(app: &Router, client: &mut FleetClient) {
    let first = put(
        app,
        "api_test",
        serde_json::json!({"action": "switch", "enabled": true, "reason": "open <b>beta</b>", "expected_version": 0}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let revision = first.json()["change"]["version"].as_i64().unwrap();

    // Made against the version before: refused, nothing written, the current value and who set it shown.
    let stale = put(
        app,
        "api_test",
        serde_json::json!({"action": "switch", "enabled": false, "reason": "close it", "expected_version": 0}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let body = stale.json();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("changed since this form was loaded"),
        "{body}"
    );
    assert_eq!(body["current"]["version"], revision);
    assert_eq!(body["current"]["enabled"], true);
    assert_eq!(body["current"]["last_change"]["actor"], "alice");
    assert_eq!(body["current"]["last_change"]["reason"], "open <b>beta</b>");
    let entry = client.get("api_test").await.unwrap().unwrap();
    assert_eq!(
        (entry.mod_revision, entry.value.trim()),
        (revision, "default = true")
    );

    // The same through the page's form: an HTML page with the value now and who changed it, escaped.
    let stale_form = send(
        app,
        Method::POST,
        "/admin/flags/flags/api_test/switch",
        &[ALICE, FORM],
        "version=0&on=false&reason=close+it&confirm=yes",
    )
    .await;
    assert_eq!(stale_form.status, StatusCode::CONFLICT);
    assert!(
        stale_form
            .body
            .contains("changed since this form was loaded")
    );
    assert!(
        stale_form.body.contains(&format!("version {revision}")),
        "{}",
        stale_form.body
    );
    assert!(stale_form.body.contains("by alice"), "{}", stale_form.body);
    assert!(
        stale_form.body.contains("open &lt;b&gt;beta&lt;/b&gt;"),
        "{}",
        stale_form.body
    );
    assert!(flag_runtime::flag!("api_test"), "still on");

    // A local layer above the fleet masks its value: the list shows both.
    flag_runtime::set("api_test", false).unwrap();
    let list = send(app, Method::GET, "/admin/flags?q=api_test", &[ALICE], "").await;
    assert!(
        list.body
            .contains(&format!("fleet says on (rev {revision}), masked by set")),
        "{}",
        list.body
    );
    flag_runtime::reset("api_test").unwrap();

    // etcd recorded both refused attempts in the audit log.
    let refused = client
        .history("api_test")
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.outcome == "refused")
        .count();
    assert_eq!(refused, 2);
}

async fn the_history_is_the_fleets_audit_records(app: &Router, client: &mut FleetClient) {
    let mut version = 0;
    for (on, reason) in [(true, "start the load test"), (false, "load test over")] {
        let answer = put(
            app,
            "load_test",
            serde_json::json!({"action": "switch", "enabled": on, "reason": reason, "expected_version": version}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        version = answer.json()["change"]["version"].as_i64().unwrap();
    }
    let records = client.history("load_test").await.unwrap();
    assert_eq!(records.len(), 2);
    let detail = send(
        app,
        Method::GET,
        "/admin/flags/api/v1/flags/load_test",
        &[ALICE],
        "",
    )
    .await
    .json();
    let history = detail["history"].as_array().expect("history");
    assert_eq!(history.len(), 2, "{detail}");
    // Newest first, one entry per audit record: who, when, old -> new, why.
    for (entry, record) in history.iter().zip(records.iter().rev()) {
        assert_eq!(entry["actor"], record.actor.as_str());
        assert_eq!(entry["reason"], record.reason.as_str());
        assert_eq!(entry["version"], record.revision);
        assert!(entry["at"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(history[0]["reason"], "load test over");
    assert_eq!(history[0]["old"], "default = true");
    assert_eq!(history[0]["new"], "default = false");
    assert_eq!(history[1]["old"], "(no key)");
    assert_eq!(detail["version"], version);
    assert_eq!(detail["last_change"]["reason"], "load test over");
    let list = send(
        app,
        Method::GET,
        "/admin/flags/api/v1/flags?q=load_test",
        &[ALICE],
        "",
    )
    .await
    .json();
    assert_eq!(list[0]["last_change"]["actor"], "alice", "{list}");
    let page = send(
        app,
        Method::GET,
        "/admin/flags/flags/load_test",
        &[ALICE],
        "",
    )
    .await;
    assert!(page.body.contains("start the load test") && page.body.contains("load test over"));
}

async fn an_invalid_value_is_refused_as_the_cli_refuses_it(app: &Router, client: &mut FleetClient) {
    let key = format!("{PREFIX}form_test");
    let answer = put(
        app,
        "form_test",
        serde_json::json!({"action": "rollout", "percent": 101, "reason": "too far"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    // The table the page would have sent, refused by the parser the runtime and `cargo flags fleet` use,
    // each problem placed as `cargo flags fleet` places it (KEY:line:col: message).
    let text = "[[rules]]\n\n[rules.rollout]\npercent = 101\n";
    let problems = flag_manifest::parse_flag_table("form_test", text).expect_err("refused");
    let expected = problems.diagnostics()[0].render(Path::new(&key));
    let message = expected
        .split_once(": ")
        .map_or(expected.as_str(), |(_, message)| message);
    assert!(error.starts_with(&format!("{key}:")), "{error}");
    assert!(error.contains(message), "{error}\nexpected: {expected}");
    assert!(error.ends_with(
        "the runtime would refuse this table for `form_test`, so nothing was sent to etcd"
    ));
    assert_eq!(client.get("form_test").await.unwrap(), None, "nothing sent");

    // A static flag, and a whole table (which `cargo flags fleet edit` checks against flags.toml).
    let static_flag = put(
        app,
        "beta_banner",
        serde_json::json!({"action": "switch", "enabled": true, "reason": "x"}),
    )
    .await;
    assert_eq!(static_flag.status, StatusCode::BAD_REQUEST);
    assert!(
        static_flag.json()["error"]
            .as_str()
            .unwrap()
            .contains("is static")
    );
    // A whole table is sent when the program would take it, and refused, unsent, with the runtime's
    // reason when it would not (an owner other than flags.toml's).
    let foreign = put(
        app,
        "form_test",
        serde_json::json!({"action": "table", "table": "default = true\nowner = \"someone else\"\n", "reason": "x"}),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);
    let error = foreign.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("owner") && error.ends_with("so nothing was sent to etcd"),
        "{error}"
    );
    let before = client.get("form_test").await.unwrap();
    let table = put(
        app,
        "form_test",
        serde_json::json!({"action": "table", "table": "default = true\n", "reason": "whole table"}),
    )
    .await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.body);
    let after = client.get("form_test").await.unwrap().expect("a key");
    assert_eq!(after.value, "default = true\n");
    assert_ne!(
        Some(after.mod_revision),
        before.map(|entry| entry.mod_revision)
    );
    // A key this program refused (written around the page): the page will not edit it, and says how to.
    client
        .write(
            vec![flag_etcd::Write::put(
                "form_test",
                "default = true\nowner = \"someone else\"\n",
            )],
            flag_etcd::AuditInfo::new("etcdctl", "by hand"),
        )
        .await
        .unwrap();
    let answer = put(
        app,
        "form_test",
        serde_json::json!({"action": "switch", "enabled": false, "reason": "x"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("was refused by this program"), "{error}");
    assert!(
        error.contains("cargo flags fleet edit form_test"),
        "{error}"
    );
    // The refused key was not applied: the fleet layer keeps the whole table accepted above.
    assert_eq!(
        flag_runtime::flag_info("form_test")
            .unwrap()
            .fleet
            .map(|fleet| fleet.revision),
        Some(after.mod_revision)
    );
    client
        .write(
            vec![flag_etcd::Write::delete("form_test")],
            flag_etcd::AuditInfo::new("etcdctl", "undo"),
        )
        .await
        .unwrap();

    let blank = put(
        app,
        "form_test",
        serde_json::json!({"action": "switch", "enabled": true, "reason": " "}),
    )
    .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(
        client.get("form_test").await.unwrap().is_none(),
        "nothing sent"
    );
}

async fn etcd_out_of_reach_gives_503_quickly(etcd: &Etcd) {
    // No etcd at all: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let nowhere = fleet_app(format!("http://{closed}"));
    let start = Instant::now();
    let answer = put(
        &nowhere,
        "old_checkout",
        serde_json::json!({"action": "switch", "enabled": true, "reason": "x"}),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("the fleet's etcd did not answer, so nothing was written")
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        start.elapsed()
    );

    // etcd going away under a page that was reading it: the pages still answer, writes get 503.
    let proxy = TcpProxy::start(etcd.addr());
    let app = fleet_app(proxy.endpoint());
    let page = send(
        &app,
        Method::GET,
        "/admin/flags/flags/load_test",
        &[ALICE],
        "",
    )
    .await;
    assert!(
        page.body.contains("load test over"),
        "read through the proxy"
    );
    proxy.cut();
    let start = Instant::now();
    let answer = put(
        &app,
        "old_checkout",
        serde_json::json!({"action": "switch", "enabled": true, "reason": "x"}),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    let list = send(&app, Method::GET, "/admin/flags", &[ALICE], "").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("could not be read"),
        "the list says the fleet is out of reach"
    );
    let page = send(
        &app,
        Method::GET,
        "/admin/flags/flags/load_test",
        &[ALICE],
        "",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("could not be read"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "bounded: {:?}",
        start.elapsed()
    );

    // Back: writes go through again (a new connection).
    proxy.heal();
    let answer = put(
        &app,
        "old_checkout",
        serde_json::json!({"action": "switch", "enabled": true, "reason": "etcd back"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}
