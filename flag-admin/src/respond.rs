//! Every failure a request can meet, answered in the form its route speaks: JSON for the API
//! (`{"error": ..}`), OFREP's `errorDetails` for OFREP, an HTML page for the pages.

use axum::Json;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Shared;
use crate::base::Base;
use crate::ledger::Refusal;
use crate::model::FlagView;
use crate::pages;

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No credentials, or wrong ones: 401.
    Unauthenticated,
    /// Authenticated, not allowed: 403.
    Forbidden(String),
    /// No such flag or page: 404.
    NotFound(String),
    /// A body or a write that cannot be accepted, and why: 400.
    BadRequest(String),
    /// A body larger than the router's limit: 413.
    TooLarge,
    /// A write against a stale version, with the flag as it is now: 409.
    Stale {
        message: String,
        current: Box<FlagView>,
    },
    /// Where writes go did not answer (the fleet's etcd): 503.
    Unavailable(String),
}

/// The API's error body.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a FlagView>,
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::Unauthenticated => StatusCode::UNAUTHORIZED,
            Failure::Forbidden(_) => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::Stale { .. } => StatusCode::CONFLICT,
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Unauthenticated => "authentication required: send the bearer token or log in",
            Failure::TooLarge => "the body is larger than this router accepts",
            Failure::Forbidden(message)
            | Failure::NotFound(message)
            | Failure::BadRequest(message)
            | Failure::Unavailable(message)
            | Failure::Stale { message, .. } => message,
        }
    }

    /// A refused write as a failure, with the flag as it is now (`current`) for a stale one.
    pub fn refused(refusal: Refusal, current: Option<FlagView>) -> Failure {
        match refusal {
            Refusal::Unknown(message) => Failure::NotFound(message),
            Refusal::Invalid(message) => Failure::BadRequest(message),
            Refusal::Unavailable(message) => Failure::Unavailable(message),
            Refusal::Stale {
                expected,
                current: now,
            } => match current {
                Some(view) => Failure::Stale {
                    message: format!(
                        "flag `{}` changed since this form was loaded (version {expected}, now {now}): \
                         nothing was written; see its current state and try again",
                        view.name
                    ),
                    current: Box::new(view),
                },
                None => Failure::NotFound(format!("version {expected} is stale, now {now}")),
            },
        }
    }

    /// The response for a request to `parts`' route.
    pub fn respond(self, parts: &Parts, shared: &Shared) -> Response {
        let path = parts.uri.path();
        let status = self.status();
        let mut response = if path.starts_with("/ofrep/") {
            (
                status,
                Json(serde_json::json!({ "errorDetails": self.message() })),
            )
                .into_response()
        } else if path.starts_with("/api/") {
            let current = match &self {
                Failure::Stale { current, .. } => Some(current.as_ref()),
                _ => None,
            };
            (
                status,
                Json(ErrorBody {
                    error: self.message(),
                    current,
                }),
            )
                .into_response()
        } else {
            let base = Base::of(parts);
            (status, pages::failure(&base, shared, &self)).into_response()
        };
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// 404 for a path the router does not have.
pub(crate) async fn not_found(request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let message = format!("no page at {}", parts.uri.path());
    let body = if parts.uri.path().starts_with("/api/") {
        Json(serde_json::json!({ "error": message })).into_response()
    } else {
        message.into_response()
    };
    (StatusCode::NOT_FOUND, body).into_response()
}
