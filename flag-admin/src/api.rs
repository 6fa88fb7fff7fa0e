//! The JSON API beside the pages: `GET /api/v1/flags`, `GET /api/v1/flags/{name}` and `PUT
//! /api/v1/flags/{name}`, and the one write path that the pages' forms also take.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Shared;
use crate::auth::Actor;
use crate::ledger::{Change, Refusal, Write};
use crate::model::{self, Filter, FlagView};
use crate::respond::Failure;

/// The body of `PUT /api/v1/flags/{name}`: one action, a reason, and the version it was made against.
///
/// ```
/// let write: flag_admin::FlagWrite = serde_json::from_str(
///     r#"{"action": "rollout", "rule": 2, "percent": 30, "reason": "widen to 30%", "expected_version": 4}"#,
/// ).unwrap();
/// assert_eq!(write.action, flag_admin::WriteAction::Rollout { rule: 2, percent: 30 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagWrite {
    /// What to do.
    #[serde(flatten)]
    pub action: WriteAction,
    /// Why, for the history: required, not blank.
    pub reason: String,
    /// The flag's `version` this write was made against: if the flag has changed since, nothing is
    /// written and the answer is 409 with the flag as it is now. Leave it out to write whatever the
    /// version.
    #[serde(default)]
    pub expected_version: Option<u64>,
}

/// An action on a dynamic flag, tagged by `"action"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WriteAction {
    /// `{"action": "switch", "enabled": true}`: on or off for every context, above the file, the fleet
    /// and `FEATURE_FLAGS`.
    Switch {
        /// The new state.
        enabled: bool,
    },
    /// `{"action": "rollout", "rule": 1, "percent": 30}`: the rollout percentage of rule `rule` (1 for the
    /// first; a flag without rules gets one with only this rollout), every other part of its rules and
    /// variants kept.
    Rollout {
        /// The rule, from 1.
        #[serde(default = "first")]
        rule: usize,
        /// The share of the contexts that the rule matches, 0 to 100.
        percent: u8,
    },
    /// `{"action": "reset"}`: back to what the layers below this page say.
    Reset,
    /// `{"action": "table", "table": "default = true\n[[rules]]\n.."}`: a table in the runtime file's
    /// syntax, checked as `cargo flags fleet` checks one (same errors).
    Table {
        /// The table's TOML text.
        table: String,
    },
}

fn first() -> usize {
    1
}

/// The answer to an accepted write: the change recorded and the flag after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The history entry.
    pub change: Change,
    /// The flag as it is now.
    pub flag: FlagView,
}

/// `GET /api/v1/flags/{name}`: a flag and its history, newest first.
#[derive(Debug, Serialize)]
struct FlagDetail {
    #[serde(flatten)]
    flag: FlagView,
    history: Vec<Change>,
    /// Why the fleet's etcd could not be read, when it could not (the history is then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet_error: Option<String>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(filter): Query<Filter>,
) -> Json<Vec<FlagView>> {
    let heads = shared.store.heads().await.value;
    Json(
        model::all(&heads, shared.today())
            .into_iter()
            .filter(|flag| filter.keeps(flag))
            .collect(),
    )
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let read = shared.store.page(&name).await;
    let (head, history) = read.value;
    match model::one(&name, head, shared.today()) {
        Ok(flag) => Json(FlagDetail {
            flag,
            history,
            fleet_error: read.problem,
        })
        .into_response(),
        Err(message) => Failure::NotFound(message).respond(&parts, &shared),
    }
}

pub(crate) async fn put(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body).await?;
        let write = serde_json::from_slice::<FlagWrite>(&body)
            .map_err(|error| Failure::BadRequest(format!("invalid body: {error}")))?;
        let action = match write.action {
            WriteAction::Switch { enabled } => Write::Switch(enabled),
            WriteAction::Reset => Write::Reset,
            WriteAction::Table { table } => Write::Table(table),
            WriteAction::Rollout { rule, percent } => Write::Rollout {
                rule: rule.checked_sub(1).ok_or_else(|| {
                    Failure::BadRequest("rule: rules are numbered from 1".to_owned())
                })?,
                percent,
            },
        };
        perform(
            &shared,
            &parts,
            &name,
            &action,
            &write.reason,
            write.expected_version,
        )
        .await
    }
    .await;
    match outcome {
        Ok(outcome) => Json(outcome).into_response(),
        Err(failure) => failure.respond(&parts, &shared),
    }
}

/// The whole body: 413 when it is larger than the router's limit, 400 when it cannot be read.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, Failure> {
    axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|error| {
            let error = error.into_inner();
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error.as_ref());
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return Failure::TooLarge;
                }
                source = cause.source();
            }
            Failure::BadRequest(format!("the body could not be read: {error}"))
        })
}

/// The one write path, for the API and the forms: the actor must be an editor and the page writable; then
/// the store (this process's ledger, or the fleet) checks, applies and records.
pub(crate) async fn perform(
    shared: &Shared,
    parts: &Parts,
    name: &str,
    write: &Write,
    reason: &str,
    expected: Option<u64>,
) -> Result<WriteOutcome, Failure> {
    let actor = parts
        .extensions
        .get::<Actor>()
        .ok_or(Failure::Unauthenticated)?;
    if shared.read_only {
        return Err(Failure::Forbidden(
            "this page is read-only: flags cannot be changed here".to_owned(),
        ));
    }
    if !actor.can_edit() {
        return Err(Failure::Forbidden(format!(
            "{} has the read-only role: only editors may change flags",
            actor.name
        )));
    }
    let change = match shared
        .store
        .apply(name, write, actor, reason, expected)
        .await
    {
        Ok(change) => change,
        Err(refusal) => {
            let current = match refusal {
                Refusal::Stale { .. } => {
                    let head = shared.store.head(name).await.value;
                    model::one(name, head, shared.today()).ok()
                }
                _ => None,
            };
            return Err(Failure::refused(refusal, current));
        }
    };
    let head = shared.store.head(name).await.value;
    let flag = model::one(name, head, shared.today()).map_err(Failure::NotFound)?;
    Ok(WriteOutcome { change, flag })
}
