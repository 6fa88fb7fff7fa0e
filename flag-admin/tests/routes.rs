//! Every route, every error and every role, in process (tower's `oneshot`): authentication (401), roles
//! (403), cross-site writes (403), escaping of every string, the JSON API's validation, stale writes (409),
//! body limits, and prefix-correct links.

mod support;

use axum::http::{Method, StatusCode};
use flag_admin::{Admin, Auth};
use support::*;

fn admin() -> Admin {
    Admin::new(test_auth()).environment("production")
}

#[tokio::test]
async fn no_credentials_is_401_in_each_route_s_language() {
    let app = app(admin());
    let page = send(&app, Method::GET, "/admin/flags", &[], "").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.header("www-authenticate"), "Bearer");
    assert!(
        page.body.contains("authentication required"),
        "{}",
        page.body
    );
    let api = send(&app, Method::GET, "/admin/flags/api/v1/flags", &[], "").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(
        api.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("authentication"))
    );
    let put = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/api_test",
        &[JSON],
        "{}",
    )
    .await;
    assert_eq!(put.status, StatusCode::UNAUTHORIZED);
    let ofrep = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_switch",
        &[JSON],
        "{}",
    )
    .await;
    assert_eq!(ofrep.status, StatusCode::UNAUTHORIZED);
    assert!(ofrep.json()["errorDetails"].is_string());
    let bulk = send(&app, Method::POST, "/ofrep/v1/evaluate/flags", &[], "").await;
    assert_eq!(bulk.status, StatusCode::UNAUTHORIZED);
    let stranger = send(
        &app,
        Method::GET,
        "/admin/flags",
        &[("x-test-user", "mallory")],
        "",
    )
    .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bearer_token_for_clients_and_login_cookie_for_browsers() {
    let app = app(Admin::new(Auth::bearer("t0ken")));
    let ok = send(
        &app,
        Method::GET,
        "/admin/flags/api/v1/flags",
        &[("authorization", "Bearer t0ken")],
        "",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    for wrong in ["Bearer t0ke", "Bearer t0ken2", "Basic t0ken", "Bearer "] {
        let answer = send(
            &app,
            Method::GET,
            "/admin/flags/api/v1/flags",
            &[("authorization", wrong)],
            "",
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
    // A browser: the 401 page offers the login form; a wrong token is refused, the right one sets a cookie.
    let page = send(&app, Method::GET, "/admin/flags", &[], "").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.body.contains(r#"action="/admin/flags/login""#),
        "{}",
        page.body
    );
    let wrong = send(
        &app,
        Method::POST,
        "/admin/flags/login",
        &[FORM],
        "token=nope&name=eve",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.headers.get("set-cookie").is_none());
    let login = send(
        &app,
        Method::POST,
        "/admin/flags/login",
        &[FORM],
        "token=t0ken&name=Ana+Lima",
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.header("location"), "/admin/flags");
    let cookies: Vec<String> = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap_or_default().to_owned())
        .collect();
    assert!(cookies.iter().all(|c| c.contains("HttpOnly")
        && c.contains("SameSite=Strict")
        && c.contains("Path=/admin/flags")));
    let cookie = cookies
        .iter()
        .map(|c| c.split(';').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("; ");
    let list = send(
        &app,
        Method::GET,
        "/admin/flags",
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Ana Lima (token)"),
        "the name given at login is shown"
    );
    let logout = send(
        &app,
        Method::POST,
        "/admin/flags/logout",
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert!(logout.header("set-cookie").contains("Max-Age=0"));
    // With the host's own authentication there is no login page.
    let custom = app_with_custom();
    assert_eq!(
        send(&custom, Method::GET, "/admin/flags/login", &[], "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

fn app_with_custom() -> axum::Router {
    app(admin())
}

#[tokio::test]
async fn the_list_shows_every_flag_with_links_under_the_prefix() {
    let app = app(admin());
    let list = send(&app, Method::GET, "/admin/flags", &[BOB], "").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("content-type"), "text/html; charset=utf-8");
    assert!(
        list.header("content-security-policy")
            .contains("script-src 'self'")
    );
    assert_eq!(list.header("x-frame-options"), "DENY");
    let body = &list.body;
    for name in [
        "kill_switch",
        "new_search",
        "beta_banner",
        "old_checkout",
        "hostile",
    ] {
        assert!(
            body.contains(&format!(r#"href="/admin/flags/flags/{name}""#)),
            "{name}"
        );
    }
    assert!(body.contains(r#"href="/admin/flags/assets/admin.css""#));
    assert!(body.contains("production"), "the environment banner");
    assert!(body.contains("expired"), "old_checkout is past its date");
    assert!(
        body.contains("expiring soon"),
        "beta_banner expires within 14 days"
    );
    assert!(
        body.contains("plan in [pro, team] and 25% rollout by user_id"),
        "rule summary"
    );
    assert!(
        body.contains("compact 50%, rich 50%"),
        "variants and weights"
    );
    assert!(body.contains("team-search"), "owners");
    // The style sheet and script it loads.
    let css = send(&app, Method::GET, "/admin/flags/assets/admin.css", &[], "").await;
    assert_eq!(
        (css.status, css.header("content-type")),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
    let js = send(&app, Method::GET, "/admin/flags/assets/admin.js", &[], "").await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(
        send(&app, Method::GET, "/admin/flags/assets/x.js", &[], "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn filters_by_name_owner_state_mode_and_expiry() {
    let app = app(admin());
    let visible = |body: &str| -> Vec<String> {
        body.split("<tr ")
            .skip(1)
            .filter(|row| !row.starts_with("hidden"))
            .filter_map(|row| {
                row.split("data-name=\"")
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_owned)
            })
            .collect()
    };
    let get = |query: &'static str| {
        let app = app.clone();
        async move {
            visible(
                &send(
                    &app,
                    Method::GET,
                    &format!("/admin/flags?{query}"),
                    &[BOB],
                    "",
                )
                .await
                .body,
            )
        }
    };
    assert_eq!(get("mode=static").await, ["beta_banner"]);
    assert_eq!(get("q=search").await, ["new_search"]);
    assert_eq!(get("owner=team-payments").await, ["old_checkout"]);
    assert_eq!(get("expiry=expired").await, ["old_checkout"]);
    assert_eq!(get("expiry=soon").await, ["beta_banner", "old_checkout"]);
    let on = get("state=on&mode=dynamic&owner=team-ops").await;
    assert!(
        on.contains(&"kill_switch".to_owned()) && !on.contains(&"api_test".to_owned()),
        "{on:?}"
    );
    assert!(get("q=nothing-like-this").await.is_empty());
    // Unknown filter values and junk are no filter, not an error.
    assert!(get("state=maybe&zzz=1").await.len() >= 9);
}

#[tokio::test]
async fn markup_and_quotes_from_the_manifest_and_users_are_shown_as_text() {
    let app = app(admin());
    let reason = "<script>alert('reason')</script> \"quoted\"";
    let body = serde_json::json!({"action": "switch", "enabled": true, "reason": reason});
    let put = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/hostile",
        &[ALICE, JSON],
        body.to_string(),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    for path in ["/admin/flags", "/admin/flags/flags/hostile"] {
        let page = send(&app, Method::GET, path, &[ALICE], "").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        assert!(
            !body.contains("<script>alert"),
            "{path}: a planted script tag became markup"
        );
        assert!(
            !body.contains("<b>team-evil"),
            "{path}: planted markup in the owner"
        );
        assert!(
            body.contains(
                "&lt;script&gt;alert('description')&lt;/script&gt; &amp; &quot;quoted&quot;"
            ),
            "{path}: description"
        );
        assert!(
            body.contains("&lt;b&gt;team-evil&lt;/b&gt;"),
            "{path}: owner"
        );
        assert!(
            body.contains("&lt;script&gt;alert(&quot;rule&quot;)&lt;/script&gt;"),
            "{path}: rule"
        );
        assert!(
            body.contains("<script defer src=\"/admin/flags/assets/admin.js\"></script>"),
            "the page's own script"
        );
        assert_eq!(
            body.matches("<script").count(),
            1,
            "{path}: only the page's own script"
        );
    }
    let page = send(
        &app,
        Method::GET,
        "/admin/flags/flags/hostile",
        &[ALICE],
        "",
    )
    .await;
    assert!(
        page.body
            .contains("&lt;script&gt;alert('reason')&lt;/script&gt; &quot;quoted&quot;"),
        "reason in the history"
    );
    // The JSON API gives the strings as they are.
    let api = send(
        &app,
        Method::GET,
        "/admin/flags/api/v1/flags/hostile",
        &[ALICE],
        "",
    )
    .await
    .json();
    assert_eq!(
        api["description"],
        "<script>alert('description')</script> & \"quoted\" 'single'"
    );
    assert_eq!(api["history"][0]["reason"], reason);
    // The confirmation page echoes the reason: escaped as well.
    let form = send(
        &app,
        Method::POST,
        "/admin/flags/flags/hostile/switch",
        &[ALICE, FORM],
        "on=false&version=&reason=%3Cscript%3Ex%3C%2Fscript%3E%22",
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.body.contains("<script>x")
            && form.body.contains("&lt;script&gt;x&lt;/script&gt;&quot;")
    );
}

#[tokio::test]
async fn a_flag_s_page_by_mode_and_role() {
    let app = app(admin());
    let dynamic = send(
        &app,
        Method::GET,
        "/admin/flags/flags/kill_switch",
        &[ALICE],
        "",
    )
    .await;
    assert_eq!(dynamic.status, StatusCode::OK);
    for action in ["switch", "rollout", "reset"] {
        assert!(
            dynamic.body.contains(&format!(
                r#"action="/admin/flags/flags/kill_switch/{action}""#
            )),
            "{action}"
        );
    }
    assert!(
        dynamic
            .body
            .contains("Turns the payment provider off in an emergency")
    );
    let reader = send(
        &app,
        Method::GET,
        "/admin/flags/flags/kill_switch",
        &[BOB],
        "",
    )
    .await;
    assert!(
        !reader.body.contains("/switch\""),
        "a read-only actor sees no action"
    );
    let static_flag = send(
        &app,
        Method::GET,
        "/admin/flags/flags/beta_banner",
        &[ALICE],
        "",
    )
    .await;
    assert!(!static_flag.body.contains("/switch\""));
    assert!(
        static_flag.body.contains("is static"),
        "{}",
        static_flag.body
    );
    assert!(
        static_flag.body.contains("FEATURE_FLAGS_PROFILE")
            && static_flag
                .body
                .contains("FEATURE_FLAGS=&quot;beta_banner=on&quot;")
    );
    let read_only = app_read_only();
    let page = send(
        &read_only,
        Method::GET,
        "/admin/flags/flags/kill_switch",
        &[ALICE],
        "",
    )
    .await;
    assert!(page.body.contains("read-only") && !page.body.contains("/switch\""));
    let unknown = send(
        &app,
        Method::GET,
        "/admin/flags/flags/kil_switch",
        &[ALICE],
        "",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("did you mean `kill_switch`?"),
        "{}",
        unknown.body
    );
}

fn app_read_only() -> axum::Router {
    app(Admin::new(test_auth()).read_only(true))
}

#[tokio::test]
async fn the_json_api_validates_as_cargo_flags_does() {
    let app = app(admin());
    let put = |body: serde_json::Value, who: (&'static str, &'static str)| {
        let app = app.clone();
        async move {
            send(
                &app,
                Method::PUT,
                "/admin/flags/api/v1/flags/api_test",
                &[who, JSON],
                body.to_string(),
            )
            .await
        }
    };
    let list = send(
        &app,
        Method::GET,
        "/admin/flags/api/v1/flags?mode=static",
        &[BOB],
        "",
    )
    .await
    .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["name"], "beta_banner");
    assert_eq!(list[0]["expiry"], "soon");

    // Roles and modes.
    let switch = serde_json::json!({"action": "switch", "enabled": true, "reason": "launch"});
    let forbidden = put(switch.clone(), BOB).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(
        forbidden.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("read-only role"))
    );
    let read_only = send(
        &app_read_only(),
        Method::PUT,
        "/admin/flags/api/v1/flags/api_test",
        &[ALICE, JSON],
        switch.to_string(),
    )
    .await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    assert!(read_only.body.contains("this page is read-only"));

    // An accepted write, then one against the version it replaced.
    let ok = put(serde_json::json!({"action": "switch", "enabled": true, "reason": "launch", "expected_version": 0}), ALICE).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let ok = ok.json();
    assert_eq!(ok["flag"]["enabled"], true);
    assert_eq!(ok["flag"]["layer"], "set");
    assert_eq!(ok["change"]["version"], 1);
    assert_eq!(ok["change"]["actor"], "alice");
    assert_eq!(ok["change"]["old"], "off (default)");
    assert_eq!(ok["change"]["new"], "on (set)");
    let stale = put(serde_json::json!({"action": "switch", "enabled": false, "reason": "late", "expected_version": 0}), ALICE).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let stale = stale.json();
    assert!(
        stale["error"]
            .as_str()
            .is_some_and(|e| e.contains("changed since")),
        "{stale}"
    );
    assert_eq!(
        stale["current"]["enabled"], true,
        "the current value is shown"
    );
    assert_eq!(stale["current"]["version"], 1);

    // Bad bodies: 400 with the reason.
    for (body, expected) in [
        ("{", "invalid body: EOF while parsing"),
        ("[]", "invalid body"),
        (
            r#"{"action": "explode", "reason": "x"}"#,
            "unknown variant `explode`",
        ),
        (
            r#"{"action": "switch", "reason": "x"}"#,
            "missing field `enabled`",
        ),
        (
            r#"{"action": "switch", "enabled": "yes", "reason": "x"}"#,
            "invalid type",
        ),
        (
            r#"{"action": "switch", "enabled": true}"#,
            "missing field `reason`",
        ),
        (
            r#"{"action": "switch", "enabled": true, "reason": "  "}"#,
            "a reason is required",
        ),
        (
            r#"{"action": "rollout", "rule": 0, "percent": 5, "reason": "x"}"#,
            "rules are numbered from 1",
        ),
        (
            r#"{"action": "rollout", "percent": 300, "reason": "x"}"#,
            "invalid value: integer `300`",
        ),
        (
            r#"{"action": "rollout", "rule": 3, "percent": 5, "reason": "x"}"#,
            "rule 3: flag `api_test` has 0 rules",
        ),
    ] {
        let answer = send(
            &app,
            Method::PUT,
            "/admin/flags/api/v1/flags/api_test",
            &[ALICE, JSON],
            body,
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        let error = answer.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(expected), "{body}: {error}");
    }
    // Tables: the runtime's checks, with cargo flags' messages.
    let table = |text: &str| serde_json::json!({"action": "table", "table": text, "reason": "x"});
    let answer = put(table("default = maybe\n"), ALICE).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let expected = flag_manifest::parse_flag_table("api_test", "default = maybe\n")
        .err()
        .map(|error| error.diagnostics()[0].message.clone());
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains(expected.as_deref().unwrap_or("?")),
        "{}",
        answer.body
    );
    let answer = put(table("[[variants]]\nname = \"blue\"\nweight = 1\n"), ALICE).await;
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("variant `blue`: the program was built without variants"),
        "{}",
        answer.body
    );
    let answer = put(table("owner = \"someone-else\"\n"), ALICE).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    let answer = put(table("[[rules]]\nrollout = { percent = 101 }\n"), ALICE).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    // Static and unknown flags.
    let static_write = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/beta_banner",
        &[ALICE, JSON],
        switch.to_string(),
    )
    .await;
    assert_eq!(static_write.status, StatusCode::BAD_REQUEST);
    assert!(
        static_write.body.contains("is static"),
        "{}",
        static_write.body
    );
    let unknown = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/api_tset",
        &[ALICE, JSON],
        switch.to_string(),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("did you mean `api_test`?"),
        "{}",
        unknown.body
    );
    let unknown = send(
        &app,
        Method::GET,
        "/admin/flags/api/v1/flags/%3Cx%3E",
        &[ALICE],
        "",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // A rollout on a flag without rules makes one, then changes it; reset goes back to the manifest.
    let rollout = put(
        serde_json::json!({"action": "rollout", "percent": 10, "reason": "start small"}),
        ALICE,
    )
    .await;
    assert_eq!(rollout.status, StatusCode::OK, "{}", rollout.body);
    assert_eq!(rollout.json()["flag"]["rules"][0], "10% rollout");
    let reset = put(
        serde_json::json!({"action": "reset", "reason": "done"}),
        ALICE,
    )
    .await
    .json();
    assert_eq!(reset["flag"]["enabled"], false);
    assert_eq!(reset["flag"]["rules"], serde_json::json!([]));
    let detail = send(
        &app,
        Method::GET,
        "/admin/flags/api/v1/flags/api_test",
        &[BOB],
        "",
    )
    .await
    .json();
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["reset", "rollout of rule 1 to 10%", "switch on"],
        "newest first"
    );
    assert_eq!(detail["version"], 3);
}

#[tokio::test]
async fn rollout_keeps_the_rest_of_the_rules() {
    let app = app(admin());
    let body =
        serde_json::json!({"action": "rollout", "rule": 1, "percent": 60, "reason": "widen"});
    let answer = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/hostile",
        &[ALICE, JSON],
        body.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let rule = answer.json()["flag"]["rules"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        rule.contains("country in [<script>alert(\"rule\")</script>, a\"b'c] and 60% rollout"),
        "{rule}"
    );
}

#[tokio::test]
async fn forms_confirm_then_write_and_refuse_stale_versions() {
    let app = app(admin());
    let path = "/admin/flags/flags/form_test/switch";
    let ask = send(
        &app,
        Method::POST,
        path,
        &[ALICE, FORM],
        "on=true&version=0&reason=launch+day",
    )
    .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body.contains("Switch form_test on?")
            && ask.body.contains(r#"name="confirm" value="yes""#)
    );
    assert_eq!(
        flag_runtime::is_enabled("form_test"),
        Ok(false),
        "nothing changes before the confirmation"
    );
    let no_reason = send(
        &app,
        Method::POST,
        path,
        &[ALICE, FORM],
        "on=true&version=0&reason=",
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("a reason is required"));
    let done = send(
        &app,
        Method::POST,
        path,
        &[ALICE, FORM],
        "on=true&version=0&reason=launch+day&confirm=yes",
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.header("location"),
        "/admin/flags/flags/form_test?changed=1"
    );
    assert_eq!(flag_runtime::is_enabled("form_test"), Ok(true));
    let page = send(
        &app,
        Method::GET,
        "/admin/flags/flags/form_test?changed=1",
        &[ALICE],
        "",
    )
    .await;
    assert!(page.body.contains("Done: version 1"));
    assert!(
        page.body.contains("launch day") && page.body.contains("switch on"),
        "the history entry"
    );
    // A second tab that loaded the form at version 0.
    let stale = send(
        &app,
        Method::POST,
        path,
        &[ALICE, FORM],
        "on=false&version=0&reason=other+tab&confirm=yes",
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("changed since this form was loaded"));
    assert!(
        stale
            .body
            .contains("Now: <span class=\"pill on\">on</span>"),
        "the current value: {}",
        stale.body
    );
    assert_eq!(flag_runtime::is_enabled("form_test"), Ok(true));
    // Bad fields.
    for (action, body, expected) in [
        ("switch", "on=maybe&reason=x", "on: expected true or false"),
        (
            "rollout",
            "rule=x&percent=5&reason=x",
            "rule: expected a rule number",
        ),
        (
            "rollout",
            "rule=1&percent=500&reason=x",
            "percent: expected a whole number from 0 to 100",
        ),
        (
            "switch",
            "on=true&version=v1&reason=x",
            "version: expected a number",
        ),
        (
            "switch",
            "on=true&on=false&reason=x",
            "invalid form: duplicate field `on`",
        ),
    ] {
        let answer = send(
            &app,
            Method::POST,
            &format!("/admin/flags/flags/form_test/{action}"),
            &[ALICE, FORM],
            body,
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer.body.contains(expected), "{body}: {}", answer.body);
    }
    let unknown = send(
        &app,
        Method::POST,
        "/admin/flags/flags/form_test/explode",
        &[ALICE, FORM],
        "reason=x",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let reader = send(
        &app,
        Method::POST,
        path,
        &[BOB, FORM],
        "on=false&reason=x&confirm=yes",
    )
    .await;
    assert_eq!(reader.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = app(admin());
    let path = "/admin/flags/flags/form_test/switch";
    let body = "on=true&reason=csrf&confirm=yes";
    for headers in [
        [ALICE, FORM, ("sec-fetch-site", "cross-site")],
        [ALICE, FORM, ("sec-fetch-site", "same-site")],
        [ALICE, FORM, ("origin", "https://evil.example")],
    ] {
        let answer = send(&app, Method::POST, path, &headers, body).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(answer.body.contains("cross-site request refused"));
    }
    let api = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/api_test",
        &[ALICE, JSON, ("origin", "http://evil")],
        "{}",
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    let login = send(
        &app,
        Method::POST,
        "/admin/flags/login",
        &[FORM, ("sec-fetch-site", "cross-site")],
        "token=x",
    )
    .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    // The same request from the page itself passes the check (and is then asked to confirm).
    let same = send(
        &app,
        Method::POST,
        path,
        &[
            ALICE,
            FORM,
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://h"),
            ("host", "h"),
        ],
        "on=true&reason=x",
    )
    .await;
    assert_eq!(same.status, StatusCode::OK);
}

#[tokio::test]
async fn bodies_are_limited_and_odd_input_never_panics() {
    let app = app(Admin::new(test_auth()).body_limit(1024));
    let big = "x".repeat(4096);
    let answer = send(
        &app,
        Method::PUT,
        "/admin/flags/api/v1/flags/api_test",
        &[ALICE, JSON],
        big.clone(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let answer = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_switch",
        &[ALICE, JSON],
        big,
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    for (method, path) in [
        (Method::GET, "/admin/flags/nowhere"),
        (Method::GET, "/admin/flags/flags/"),
        (Method::GET, "/admin/flags/flags/%FF%FE"),
        (Method::GET, "/admin/flags/api/v1/flags/a/b"),
        (Method::DELETE, "/admin/flags/api/v1/flags/api_test"),
        (Method::POST, "/admin/flags/flags/%00/switch"),
        (Method::GET, "/admin/flags/?q=%FF&owner[]=1"),
    ] {
        let answer = send(
            &app,
            method.clone(),
            path,
            &[ALICE, FORM],
            "on=%FF&reason=%00",
        )
        .await;
        assert!(
            answer.status.is_client_error() || answer.status.is_success(),
            "{method} {path}: {}",
            answer.status
        );
    }
}

#[tokio::test]
async fn works_at_the_root_too() {
    link_flags();
    let admin = Admin::new(test_auth());
    let app = axum::Router::new().merge(admin.router());
    let list = send(&app, Method::GET, "/", &[BOB], "").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(r#"href="/flags/kill_switch""#)
            && list.body.contains(r#"href="/assets/admin.css""#)
    );
    // A value flag shows its value and the value's name beside its state.
    assert!(
        list.body
            .contains(r#"<code class="value">short = 20</code>"#),
        "{}",
        list.body
    );
    let nested = axum::Router::new().nest("/ops/flags", admin.router());
    let page = send(
        &nested,
        Method::GET,
        "/ops/flags/flags/kill_switch",
        &[ALICE],
        "",
    )
    .await;
    assert!(
        page.body
            .contains(r#"action="/ops/flags/flags/kill_switch/switch""#)
    );
    assert!(page.body.contains(r#"href="/ops/flags""#));
}

#[tokio::test]
async fn ofrep_routes() {
    let app = app(admin());
    let one = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_switch",
        &[BOB, JSON],
        r#"{"context": {}}"#,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    let one = one.json();
    assert_eq!(
        (
            one["key"].as_str(),
            one["value"].as_bool(),
            one["reason"].as_str(),
            one["variant"].as_str()
        ),
        (Some("kill_switch"), Some(true), Some("DEFAULT"), Some("on"))
    );
    let static_flag = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/beta_banner",
        &[BOB],
        "",
    )
    .await
    .json();
    assert_eq!(
        (
            static_flag["value"].as_bool(),
            static_flag["reason"].as_str()
        ),
        (Some(false), Some("STATIC"))
    );
    // Rules read targetingKey as the user id and the other fields as properties.
    let pro = r#"{"context": {"targetingKey": "user-1", "plan": "pro"}}"#;
    let mut matched = 0;
    for user in 0..200 {
        let body = pro.replace("user-1", &format!("user-{user}"));
        let answer = send(
            &app,
            Method::POST,
            "/ofrep/v1/evaluate/flags/new_search",
            &[BOB, JSON],
            body,
        )
        .await
        .json();
        // The rule's 25% rollout admitted the user (SPLIT), or no rule did (DEFAULT).
        if answer["value"] == true {
            assert_eq!(answer["reason"], "SPLIT", "{answer}");
            matched += 1;
            assert!(
                answer["variant"] == "compact" || answer["variant"] == "rich",
                "{answer}"
            );
        } else {
            assert_eq!(answer["reason"], "DEFAULT", "{answer}");
        }
    }
    assert!(
        (25..=75).contains(&matched),
        "about a quarter of 200 pro users: {matched}"
    );
    let free = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/new_search",
        &[BOB, JSON],
        r#"{"context": {"targetingKey": "u", "plan": "free"}}"#,
    )
    .await
    .json();
    assert_eq!(
        (
            free["value"].as_bool(),
            free["variant"].as_str(),
            free["reason"].as_str()
        ),
        (Some(false), Some("off"), Some("DEFAULT"))
    );
    // A value flag answers its typed value, and the value's name as the variant.
    let rows = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/page_rows",
        &[BOB, JSON],
        r#"{"context": {"targetingKey": "u", "plan": "pro"}}"#,
    )
    .await
    .json();
    assert_eq!(
        (
            rows["value"].as_i64(),
            rows["variant"].as_str(),
            rows["reason"].as_str()
        ),
        (Some(100), Some("long"), Some("TARGETING_MATCH"))
    );
    // Errors, shaped as the OpenAPI document says.
    let missing = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_swich",
        &[BOB, JSON],
        "{}",
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing = missing.json();
    assert_eq!(
        (missing["key"].as_str(), missing["errorCode"].as_str()),
        (Some("kill_swich"), Some("FLAG_NOT_FOUND"))
    );
    assert!(
        missing["errorDetails"]
            .as_str()
            .is_some_and(|d| d.contains("did you mean `kill_switch`?"))
    );
    let parse = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_switch",
        &[BOB, JSON],
        "{nope",
    )
    .await;
    assert_eq!(parse.status, StatusCode::BAD_REQUEST);
    assert_eq!(parse.json()["errorCode"], "PARSE_ERROR");
    let invalid = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags/kill_switch",
        &[BOB, JSON],
        r#"{"context": {"a": {"b": 1}}}"#,
    )
    .await;
    assert_eq!(
        (invalid.status, invalid.json()["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_CONTEXT"))
    );
    // Bulk, with its ETag.
    let bulk = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags",
        &[BOB, JSON],
        r#"{"context": {"targetingKey": "7"}}"#,
    )
    .await;
    assert_eq!(bulk.status, StatusCode::OK);
    let etag = bulk.header("etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    let flags = bulk.json()["flags"].as_array().cloned().unwrap_or_default();
    assert!(
        flags
            .iter()
            .any(|f| f["key"] == "kill_switch" && f["value"] == true)
    );
    assert!(flags.len() >= 9);
    // The same request with that ETag is answered 304. Other tests in this binary switch flags meanwhile, so
    // a 200 is allowed only with a new ETag (the flags changed in between), and the request is repeated
    // with it; a handful of tries must see a 304.
    let mut etag = etag;
    let mut not_modified = false;
    for _ in 0..20 {
        let again = send(
            &app,
            Method::POST,
            "/ofrep/v1/evaluate/flags",
            &[BOB, JSON, ("if-none-match", &etag)],
            r#"{"context": {"targetingKey": "7"}}"#,
        )
        .await;
        if again.status == StatusCode::NOT_MODIFIED {
            not_modified = true;
            break;
        }
        assert_eq!(again.status, StatusCode::OK);
        let fresh = again.header("etag").to_owned();
        assert_ne!(fresh, etag, "a 200 for an unchanged ETag");
        etag = fresh;
    }
    assert!(not_modified, "no 304 for an ETag in 20 tries");
    let bad = send(
        &app,
        Method::POST,
        "/ofrep/v1/evaluate/flags",
        &[BOB, JSON],
        "[1]",
    )
    .await;
    assert_eq!(
        (bad.status, bad.json()["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("PARSE_ERROR"))
    );
}
