//! What the test suites share: the app as a host would mount it, and one request through it.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use flag_admin::{Actor, Admin, Auth, Role};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Links this crate's catalog of flags (flag-admin/flags.toml) into the test binary.
pub fn link_flags() {
    let _ = flag_runtime::flag!("kill_switch");
}

/// `x-test-user: alice` is an editor, `bob` read-only; anyone else is not authenticated.
pub fn test_auth() -> Auth {
    Auth::custom(
        |parts| match parts.headers.get("x-test-user")?.to_str().ok()? {
            "alice" => Some(Actor::new("alice", Role::Editor)),
            "bob" => Some(Actor::new("bob", Role::ReadOnly)),
            _ => None,
        },
    )
}

/// The day the tests judge flags.toml's expiry dates against, so that "expired" and "expires within 14
/// days" give the same verdict on any day the tests run.
pub const TODAY: &str = "2026-11-24";

/// The app as the demo mounts it: the pages under /admin/flags, OFREP at the root; expiry as of [`TODAY`].
pub fn app(admin: Admin) -> Router {
    link_flags();
    let admin = admin.today(TODAY).expect("TODAY is a valid date");
    Router::new()
        .nest("/admin/flags", admin.router())
        .merge(admin.ofrep())
}

/// [`app`] served over loopback HTTP on a free port, for clients that need a real socket (the OFREP client,
/// the browser).
pub async fn serve(admin: Admin) -> std::net::SocketAddr {
    let app = app(admin);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

/// The answer to one request.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends one request through `app`.
pub async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.into()).expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub const ALICE: (&str, &str) = ("x-test-user", "alice");
pub const BOB: (&str, &str) = ("x-test-user", "bob");
pub const JSON: (&str, &str) = ("content-type", "application/json");
pub const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
