//! The forms' actions on a flag (`POST /flags/{name}/switch`, `/rollout`, `/reset`): the confirmation page,
//! then the write through the one write path the JSON API also takes ([`perform`]), then back to the flag's
//! page.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::Shared;
use crate::api::{perform, read_body};
use crate::auth::{self, Actor};
use crate::base::Base;
use crate::ledger::Write;
use crate::model::{self, FlagView};
use crate::pages::{layout, page, state_pill};
use crate::respond::Failure;

/// The fields of the action forms.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    reason: String,
    version: String,
    on: String,
    rule: String,
    percent: String,
    confirm: String,
}

impl ActionForm {
    fn write(&self, action: &str) -> Result<Write, Failure> {
        let bad = |message: &str| Failure::BadRequest(message.to_owned());
        match action {
            "switch" => match self.on.as_str() {
                "true" => Ok(Write::Switch(true)),
                "false" => Ok(Write::Switch(false)),
                _ => Err(bad("on: expected true or false")),
            },
            "reset" => Ok(Write::Reset),
            "rollout" => {
                let rule = self
                    .rule
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|rule| rule.checked_sub(1));
                let rule = rule.ok_or_else(|| bad("rule: expected a rule number, from 1"))?;
                let percent = self
                    .percent
                    .trim()
                    .parse::<u8>()
                    .map_err(|_| bad("percent: expected a whole number from 0 to 100"))?;
                Ok(Write::Rollout { rule, percent })
            }
            other => Err(Failure::NotFound(format!(
                "no action `{other}`: switch, rollout or reset"
            ))),
        }
    }

    fn version(&self) -> Result<Option<u64>, Failure> {
        match self.version.trim() {
            "" => Ok(None),
            text => text
                .parse()
                .map(Some)
                .map_err(|_| Failure::BadRequest("version: expected a number".to_owned())),
        }
    }
}

/// `POST /flags/{name}/{action}`: without `confirm`, the confirmation page; with it, the write, then back
/// to the flag's page.
pub(crate) async fn act(
    State(shared): State<Arc<Shared>>,
    base: Base,
    Path((name, action)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        let body = read_body(body).await?;
        let form: ActionForm = serde_urlencoded::from_bytes(&body)
            .map_err(|error| Failure::BadRequest(format!("invalid form: {error}")))?;
        let write = form.write(&action)?;
        let version = form.version()?;
        if form.confirm != "yes" {
            let head = shared.store.head(&name).await.value;
            let flag = model::one(&name, head, shared.today()).map_err(Failure::NotFound)?;
            if form.reason.trim().is_empty() {
                return Err(Failure::BadRequest(
                    "a reason is required: say why, for the history".to_owned(),
                ));
            }
            return Ok(page(confirm_page(
                &base,
                &shared,
                parts.extensions.get::<Actor>(),
                &flag,
                &action,
                &write,
                &form,
                version,
            )));
        }
        let outcome = perform(&shared, &parts, &name, &write, &form.reason, version).await?;
        let target = base.at(&format!(
            "/flags/{}?changed={}",
            encode_path(&name),
            outcome.change.version
        ));
        Ok(Redirect::to(&target).into_response())
    }
    .await;
    outcome.unwrap_or_else(|failure| failure.respond(&parts, &shared))
}

/// `name` for a URL's path.
fn encode_path(name: &str) -> String {
    auth::encode(name).replace('+', "%20")
}

#[allow(clippy::too_many_arguments)]
fn confirm_page(
    base: &Base,
    shared: &Shared,
    actor: Option<&Actor>,
    flag: &FlagView,
    action: &str,
    write: &Write,
    form: &ActionForm,
    version: Option<u64>,
) -> Markup {
    let (question, button_class) = match write {
        Write::Switch(on) => (
            format!("Switch {} {}?", flag.name, if *on { "on" } else { "off" }),
            if *on { "btn primary" } else { "btn danger" },
        ),
        Write::Rollout { rule, percent } => (
            format!("Roll rule {} of {} out to {percent}%?", rule + 1, flag.name),
            "btn primary",
        ),
        Write::Reset => (
            format!("Reset {} to the layers below?", flag.name),
            "btn danger",
        ),
        Write::Table(_) => (format!("Apply a table to {}?", flag.name), "btn primary"),
    };
    let content = html! {
        nav.crumbs { a href=(base.at(&format!("/flags/{}", flag.name))) { "← " (flag.name) } }
        section.card.confirm {
            h1 { (question) }
            p { "Now: " (state_pill(flag.enabled)) " " span.muted { "by " (flag.source) } }
            p { "This changes every check of " b { (flag.name) } " " (shared.store.reach()) " at once." }
            p { "Reason: " q { (form.reason) } }
            form method="post" action=(base.at(&format!("/flags/{}/{action}", flag.name))) {
                input type="hidden" name="reason" value=(form.reason);
                input type="hidden" name="version" value=(version.map(|v| v.to_string()).unwrap_or_default());
                input type="hidden" name="on" value=(form.on);
                input type="hidden" name="rule" value=(form.rule);
                input type="hidden" name="percent" value=(form.percent);
                input type="hidden" name="confirm" value="yes";
                div.buttons {
                    button class=(button_class) type="submit" autofocus { "Confirm" }
                    a.btn.ghost href=(base.at(&format!("/flags/{}", flag.name))) { "Cancel" }
                }
            }
        }
    };
    layout(base, shared, actor, "Confirm", content)
}
