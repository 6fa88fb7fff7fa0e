//! Who is asking: the host's choice of authentication, made when the router is built (there is no default
//! that lets everyone in), and the middleware that turns away a request without credentials (401).

use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::Shared;
use crate::respond::Failure;

/// The cookie a browser's session carries the bearer token in (set by the login form).
pub(crate) const TOKEN_COOKIE: &str = "flag_admin_token";
/// The cookie with the name an operator gave at login, for the history.
pub(crate) const NAME_COOKIE: &str = "flag_admin_name";

/// What a person may do here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// See the flags and their history, evaluate them (OFREP).
    ReadOnly,
    /// Also switch dynamic flags, change their rollouts and reset them.
    Editor,
}

/// The person (or program) behind a request, as [`Auth`] decided: named in the history of every change
/// they make.
///
/// ```
/// use flag_admin::{Actor, Role};
/// let alice = Actor::new("alice", Role::Editor);
/// assert!(alice.can_edit());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// Who they are, as the history shows it.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

impl Actor {
    /// An actor called `name` with `role`.
    pub fn new(name: impl Into<String>, role: Role) -> Actor {
        Actor {
            name: name.into(),
            role,
        }
    }

    /// Whether they may change flags.
    pub fn can_edit(&self) -> bool {
        self.role == Role::Editor
    }
}

type Authenticate = dyn Fn(&Parts) -> Option<Actor> + Send + Sync;

/// How requests are authenticated: a bearer token, or the host's own function from a request to an
/// [`Actor`]. A request that it does not authenticate gets 401; a write by an actor without the editor role
/// gets 403.
///
/// ```
/// use flag_admin::{Actor, Auth, Role};
///
/// let token = Auth::bearer("long-random-token");
/// let host = Auth::custom(|parts| {
///     // For example, the user that the host's own session layer put in the request's extensions.
///     parts.extensions.get::<Actor>().cloned()
/// });
/// # let _ = (token, host);
/// ```
#[derive(Clone)]
pub struct Auth(Kind);

#[derive(Clone)]
enum Kind {
    Bearer(Arc<str>),
    Custom(Arc<Authenticate>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Bearer(_) => f.write_str("Auth::bearer(<redacted>)"),
            Kind::Custom(_) => f.write_str("Auth::custom(..)"),
        }
    }
}

impl Auth {
    /// Requests must carry `token`: `Authorization: Bearer <token>` (API clients, OpenFeature SDKs), or the
    /// session cookie that the login page sets for browsers. Holders of the token are editors. An empty
    /// token lets nobody in.
    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth(Kind::Bearer(token.into().into()))
    }

    /// Requests are authenticated by `authenticate`: the actor it returns, or `None` for 401. Put the host's
    /// own login behind it.
    pub fn custom(authenticate: impl Fn(&Parts) -> Option<Actor> + Send + Sync + 'static) -> Auth {
        Auth(Kind::Custom(Arc::new(authenticate)))
    }

    /// Whether browsers log in with the token (the login page is offered).
    pub(crate) fn uses_token(&self) -> bool {
        matches!(self.0, Kind::Bearer(_))
    }

    /// Whether `candidate` is the bearer token.
    pub(crate) fn token_matches(&self, candidate: &str) -> bool {
        match &self.0 {
            Kind::Bearer(token) => {
                !token.is_empty() && constant_time_eq(token.as_bytes(), candidate.as_bytes())
            }
            Kind::Custom(_) => false,
        }
    }

    /// The actor behind a request, if it is authenticated.
    pub(crate) fn actor(&self, parts: &Parts) -> Option<Actor> {
        match &self.0 {
            Kind::Custom(authenticate) => authenticate(parts),
            Kind::Bearer(_) => {
                if let Some(token) = bearer(&parts.headers) {
                    return self
                        .token_matches(token)
                        .then(|| Actor::new("token holder", Role::Editor));
                }
                let token = cookie(&parts.headers, TOKEN_COOKIE)?;
                if !self.token_matches(&token) {
                    return None;
                }
                let name = cookie(&parts.headers, NAME_COOKIE)
                    .filter(|name| !name.trim().is_empty())
                    .map_or_else(
                        || "token holder".to_owned(),
                        |name| format!("{} (token)", name.trim()),
                    );
                Some(Actor::new(name, Role::Editor))
            }
        }
    }
}

/// Compares without stopping at the first difference, so that timing does not reveal a prefix of the
/// token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of cookie `name`, decoded.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| decode(value))
}

/// `value` percent-encoded, for a cookie.
pub(crate) fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|pair| pair.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

fn decode(value: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={value}")).ok()?;
    pairs.into_iter().next().map(|(_, value)| value)
}

/// Lets an authenticated request through with its [`Actor`] in its extensions; answers 401 otherwise.
pub(crate) async fn require_actor(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    match shared.auth.actor(&parts) {
        Some(actor) => {
            parts.extensions.insert(actor);
            next.run(Request::from_parts(parts, body)).await
        }
        None => Failure::Unauthenticated.respond(&parts, &shared),
    }
}
