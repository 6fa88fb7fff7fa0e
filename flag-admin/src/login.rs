//! A browser's session for [`Auth::bearer`](crate::Auth::bearer): the login form, which sets the token (and
//! the name the history shows) as `HttpOnly`, `SameSite=Strict` cookies, and the logout that forgets them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::Shared;
use crate::api::read_body;
use crate::auth::{self, NAME_COOKIE, TOKEN_COOKIE};
use crate::base::Base;
use crate::pages::{layout, page};
use crate::respond::Failure;

pub(crate) fn login_form(base: &Base) -> Markup {
    html! {
        form.login method="post" action=(base.at("/login")) {
            label.field { span { "Access token" } input type="password" name="token" required autocomplete="current-password"; }
            label.field { span { "Your name (for the history)" } input type="text" name="name" autocomplete="name"; }
            button.btn.primary type="submit" { "Log in" }
        }
    }
}

/// `GET /login`.
pub(crate) async fn login_form_page(State(shared): State<Arc<Shared>>, base: Base) -> Response {
    if !shared.auth.uses_token() {
        return (
            StatusCode::NOT_FOUND,
            "the host authenticates requests: there is no login here",
        )
            .into_response();
    }
    let content = html! { section.card.narrow-card { h1 { "Log in" } (login_form(&base)) } };
    page(layout(&base, &shared, None, "Log in", content))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    token: String,
    name: String,
}

/// `POST /login`: a session cookie for the bearer token.
pub(crate) async fn login(
    State(shared): State<Arc<Shared>>,
    base: Base,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let form = match read_body(body).await {
        Ok(body) => serde_urlencoded::from_bytes::<LoginForm>(&body).unwrap_or_default(),
        Err(failure) => return failure.respond(&parts, &shared),
    };
    if !shared.auth.token_matches(&form.token) {
        return Failure::Unauthenticated.respond(&parts, &shared);
    }
    let path = base.home();
    let cookie = |name: &str, value: &str| {
        HeaderValue::from_str(&format!(
            "{name}={}; Path={path}; HttpOnly; SameSite=Strict",
            auth::encode(value)
        ))
    };
    let mut response = Redirect::to(&base.home()).into_response();
    for (name, value) in [
        (TOKEN_COOKIE, form.token.as_str()),
        (NAME_COOKIE, form.name.trim()),
    ] {
        if let Ok(value) = cookie(name, value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `POST /logout`: forgets the session cookie.
pub(crate) async fn logout(base: Base) -> Response {
    let path = base.home();
    let mut response = Redirect::to(&base.at("/login")).into_response();
    for name in [TOKEN_COOKIE, NAME_COOKIE] {
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict"
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
