//! The HTML pages: the list of flags, a flag's page with its history and actions, the confirmation of an
//! action, login, and failures. Rendered on the server with maud, which escapes every string it is given
//! (names, descriptions, rules, reasons, the host's banner), so the pages work without JavaScript and
//! nothing from the manifest, the fleet or a user can become markup.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::Shared;
use crate::auth::{Actor, Role};
use crate::base::Base;
use crate::ledger::{Change, static_message};
use crate::login::login_form;
use crate::model::{self, Expiry, Filter, FlagView};
use crate::respond::Failure;

/// The frame of every page: the environment banner, the header with who is signed in, the content.
pub(crate) fn layout(
    base: &Base,
    shared: &Shared,
    actor: Option<&Actor>,
    title: &str,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Feature flags" }
                link rel="stylesheet" href=(base.at("/assets/admin.css"));
                script defer src=(base.at("/assets/admin.js")) {}
            }
            body {
                @if let Some(environment) = &shared.environment {
                    div.env-banner data-env=(environment.to_lowercase()) { (environment) }
                }
                header.topbar {
                    a.brand href=(base.home()) { span.logo { "⚑" } " Feature flags" }
                    @if shared.read_only { span.badge.badge-muted { "read-only" } }
                    span.spacer {}
                    @if let Some(actor) = actor {
                        span.who {
                            (actor.name) " · "
                            (match actor.role { Role::Editor => "editor", Role::ReadOnly => "read-only" })
                        }
                        @if shared.auth.uses_token() {
                            form.inline method="post" action=(base.at("/logout")) {
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main { (content) }
            }
        }
    }
}

pub(crate) fn page(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

fn actor(request: &Request) -> Option<Actor> {
    request.extensions().get::<Actor>().cloned()
}

pub(crate) fn state_pill(on: bool) -> Markup {
    html! {
        @if on { span.pill.on { "on" } } @else { span.pill.off { "off" } }
    }
}

/// A value flag's value (`medium = 50`), escaped like every string; nothing for an on/off flag.
fn value_of(flag: &FlagView) -> Markup {
    html! {
        @if let Some(value) = &flag.value { code.value { (value) } " " }
    }
}

fn mode_badge(flag: &FlagView) -> Markup {
    html! { span class={ "badge mode-" (flag.mode) } { (flag.mode) } }
}

fn expiry_badge(flag: &FlagView) -> Markup {
    html! {
        @match flag.expiry {
            Expiry::Expired => span.badge.badge-danger title="past its expiry date: remove it (cargo flags remove)" { "expired" },
            Expiry::Soon => span.badge.badge-warn title="expires within 14 days" { "expiring soon" },
            _ => {},
        }
    }
}

/// Where the state came from, with the fleet's value where a higher layer masks it.
fn decided_by(flag: &FlagView) -> Markup {
    html! {
        span.muted { "by " (flag.source) }
        @if let Some(fleet) = &flag.fleet {
            @if let (Some(masked_by), Some(on)) = (&fleet.masked_by, fleet.enabled) {
                div.masked {
                    "fleet says " (if on { "on" } else { "off" }) " (rev " (fleet.revision) "), masked by " (masked_by)
                }
            }
        }
    }
}

fn change_line(change: &Change) -> Markup {
    html! {
        span.who-when { (change.actor) } br;
        time.muted datetime=(change.at) { (change.at.replace('T', " ").trim_end_matches('Z')) " UTC" }
    }
}

/// The list of flags, filtered.
fn list_page(
    base: &Base,
    shared: &Shared,
    actor: Option<&Actor>,
    flags: &[FlagView],
    filter: &Filter,
    warning: Option<&str>,
) -> Markup {
    let owners: BTreeSet<&str> = flags
        .iter()
        .filter_map(|flag| flag.owner.as_deref())
        .collect();
    let shown: Vec<&FlagView> = flags.iter().filter(|flag| filter.keeps(flag)).collect();
    let counting = flags.iter().any(|flag| flag.evaluations.is_some());
    let dynamic = flags.iter().filter(|flag| flag.is_dynamic()).count();
    let on = flags.iter().filter(|flag| flag.enabled).count();
    let expired = flags
        .iter()
        .filter(|flag| flag.expiry == Expiry::Expired)
        .count();
    let soon = flags
        .iter()
        .filter(|flag| flag.expiry == Expiry::Soon)
        .count();
    let select = |name: &str, label: &str, current: &str, options: &[(&str, &str)]| {
        html! {
            label.field {
                span { (label) }
                select name=(name) data-filter=(name) {
                    @for (value, text) in options {
                        option value=(value) selected[*value == current] { (text) }
                    }
                }
            }
        }
    };
    let mut owner_options = vec![("", "any owner")];
    owner_options.extend(owners.iter().map(|owner| (*owner, *owner)));
    let content = html! {
        (warning_note(warning))
        div.page-head {
            h1 { "Flags" }
            p.stats {
                span { b { (flags.len()) } " flags" }
                span { b { (dynamic) } " dynamic" }
                span { b { (on) } " on" }
                @if expired > 0 { span.stat-danger { b { (expired) } " expired" } }
                @if soon > 0 { span.stat-warn { b { (soon) } " expiring soon" } }
            }
        }
        form.filters method="get" action=(base.home()) {
            label.field.grow {
                span { "Name" }
                input type="search" name="q" value=(filter.q) placeholder="Filter by name or description" data-filter="q" autocomplete="off";
            }
            (select("owner", "Owner", &filter.owner, &owner_options))
            (select("state", "State", &filter.state, &[("", "on or off"), ("on", "on"), ("off", "off")]))
            (select("mode", "Mode", &filter.mode, &[("", "any mode"), ("dynamic", "dynamic"), ("static", "static")]))
            (select("expiry", "Expiry", &filter.expiry, &[("", "any expiry"), ("soon", "expiring or expired"), ("expired", "expired"), ("none", "no expiry")]))
            button.btn type="submit" { "Filter" }
        }
        table.flags data-api=(base.at("/api/v1/flags")) {
            thead {
                tr {
                    th { "Flag" } th { "Owner" } th { "Mode" } th { "State" } th { "Rules" } th { "Expires" }
                    @if counting { th.num { "Evaluations" } }
                    th { "Last change" }
                }
            }
            tbody {
                @for flag in flags {
                    tr hidden[!filter.keeps(flag)] data-name=(flag.name) data-text=(flag.description.as_deref().unwrap_or_default().to_lowercase())
                        data-owner=(flag.owner.as_deref().unwrap_or_default())
                        data-state=(if flag.enabled { "on" } else { "off" }) data-mode=(flag.mode)
                        data-expiry=(match flag.expiry { Expiry::Expired => "expired", Expiry::Soon => "soon", Expiry::Later => "later", Expiry::None => "none" }) {
                        td.name-cell {
                            a.flag-name href=(base.at(&format!("/flags/{}", flag.name))) { (flag.name) }
                            @if let Some(description) = &flag.description { div.desc { (description) } }
                        }
                        td { (flag.owner.as_deref().unwrap_or("—")) }
                        td { (mode_badge(flag)) }
                        td.state-cell { (state_pill(flag.enabled)) " " (value_of(flag)) (decided_by(flag)) }
                        td.rules-cell {
                            @if flag.rules.is_empty() && flag.variants.is_none() { span.muted { "—" } }
                            @for rule in &flag.rules { div.rule { (rule) } }
                            @if let Some(variants) = &flag.variants { div.variants { "variants " (variants) } }
                            @if !flag.rules.is_empty() && !flag.rules_apply { div.muted.small { "held by " (flag.source) ": rules not applied" } }
                        }
                        td.nowrap {
                            @if let Some(expires) = &flag.expires { (expires) " " } @else { span.muted { "—" } }
                            (expiry_badge(flag))
                        }
                        @if counting {
                            td.num {
                                @if let Some(counts) = &flag.evaluations { (counts.on) " on · " (counts.off) " off" } @else { span.muted { "—" } }
                            }
                        }
                        td.small {
                            @if let Some(change) = &flag.last_change { (change_line(change)) } @else { span.muted { "—" } }
                        }
                    }
                }
            }
        }
        p.empty hidden[!shown.is_empty()] data-empty { "No flag matches these filters." }
    };
    layout(base, shared, actor, "Flags", content)
}

/// `GET /`: the list.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    base: Base,
    Query(filter): Query<Filter>,
    request: Request,
) -> Response {
    let heads = shared.store.heads().await;
    let flags = model::all(&heads.value, shared.today());
    page(list_page(
        &base,
        &shared,
        actor(&request).as_ref(),
        &flags,
        &filter,
        heads.problem.as_deref(),
    ))
}

/// A warning above a page's content: the fleet's etcd could not be read.
fn warning_note(warning: Option<&str>) -> Markup {
    html! {
        @if let Some(warning) = warning { div.notice.warn role="alert" { (warning) } }
    }
}

/// The list page for `flags`, as the benchmark renders it.
pub fn render_list_for_bench(flags: &[FlagView]) -> String {
    let shared = Shared {
        auth: crate::Auth::bearer("bench"),
        read_only: false,
        environment: Some("production".to_owned()),
        store: crate::store::Store::default(),
        today: None,
    };
    let actor = Actor::new("bench", Role::Editor);
    list_page(
        &Base("/admin/flags".to_owned()),
        &shared,
        Some(&actor),
        flags,
        &Filter::default(),
        None,
    )
    .into_string()
}

/// The current rollout percentage of each rule of flag `name` (`None` for a rule without a rollout).
fn rollouts(name: &str) -> Vec<Option<u8>> {
    flag_runtime::targeting_toml(name)
        .ok()
        .and_then(|text| flag_manifest::parse_flag_table(name, &text).ok())
        .and_then(|state| state.rules)
        .map(|rules| {
            rules
                .iter()
                .map(|rule| rule.rollout.as_ref().map(|r| r.percent))
                .collect()
        })
        .unwrap_or_default()
}

fn reason_input() -> Markup {
    html! {
        label.field.grow {
            span { "Reason" }
            input type="text" name="reason" required placeholder="Why? (kept in the history)" maxlength="500";
        }
    }
}

/// A flag's page.
fn flag_page(
    base: &Base,
    shared: &Shared,
    actor: Option<&Actor>,
    flag: &FlagView,
    history: &[Change],
    notice: Option<&str>,
    warning: Option<&str>,
) -> Markup {
    let editable = flag.is_dynamic() && !shared.read_only && actor.is_some_and(Actor::can_edit);
    let action = |what: &str| base.at(&format!("/flags/{}/{what}", flag.name));
    let content = html! {
        nav.crumbs { a href=(base.home()) { "← All flags" } }
        @if let Some(notice) = notice { div.notice.ok role="status" { (notice) } }
        (warning_note(warning))
        div.flag-head {
            h1 { (flag.name) }
            (mode_badge(flag)) " " (state_pill(flag.enabled)) " " (expiry_badge(flag))
        }
        @if let Some(description) = &flag.description { p.lead { (description) } }
        div.flag-grid {
            div.main-col {
                dl.facts {
                    dt { "Owner" } dd { (flag.owner.as_deref().unwrap_or("—")) }
                    dt { "State" } dd { (state_pill(flag.enabled)) " " (value_of(flag)) (decided_by(flag)) }
                    dt { "Expires" } dd { (flag.expires.as_deref().unwrap_or("never")) " " (expiry_badge(flag)) }
                    @if !flag.requirements.is_empty() { dt { "Requires" } dd { (flag.requirements.join(" and ")) } }
                    dt { "Version" } dd { (flag.version) }
                    @if let Some(counts) = &flag.evaluations {
                        dt { "Evaluations" }
                        dd {
                            (counts.on) " on · " (counts.off) " off"
                            @for (variant, n) in &counts.variants { " · " (variant) " " (n) }
                        }
                    }
                }
                section.card {
                    h2 { "Rules" }
                    @if flag.rules.is_empty() { p.muted { "No rules: the state above holds for every context." } }
                    @else {
                        ol.rules { @for rule in &flag.rules { li { (rule) } } }
                        @if !flag.rules_apply { p.muted { "Held by " (flag.source) " for every context: the rules apply again after a reset." } }
                    }
                    @if let Some(variants) = &flag.variants { p { "Variants: " (variants) } }
                }
                section.card {
                    h2 { "History" }
                    @if history.is_empty() {
                        p.muted { "No change made here since the program started." }
                    } @else {
                        table.history {
                            thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Change" } th { "Reason" } } }
                            tbody {
                                @for change in history {
                                    tr {
                                        td.nowrap { time datetime=(change.at) { (change.at.replace('T', " ").trim_end_matches('Z')) } }
                                        td { (change.actor) }
                                        td.nowrap { (change.action) }
                                        td { span.old { (change.old) } " → " span.new { (change.new) } }
                                        td.reason { (change.reason) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            aside.side-col {
                @if !flag.is_dynamic() {
                    section.card.readonly {
                        h2 { "Read-only: a static flag" }
                        p { (static_message_of(flag)) }
                    }
                } @else if editable {
                    section.card.actions {
                        h2 { "Change" }
                        form.action-row method="post" action=(action("switch")) {
                            input type="hidden" name="version" value=(flag.version);
                            input type="hidden" name="on" value=(if flag.enabled { "false" } else { "true" });
                            (reason_input())
                            @if flag.enabled {
                                button.btn.danger type="submit" { "Switch off…" }
                            } @else {
                                button.btn.primary type="submit" { "Switch on…" }
                            }
                        }
                        form.action-row method="post" action=(action("rollout")) {
                            input type="hidden" name="version" value=(flag.version);
                            @let percents = rollouts(&flag.name);
                            label.field {
                                span { "Rule" }
                                select name="rule" {
                                    @if percents.is_empty() { option value="1" { "new rule: everyone" } }
                                    @for (index, percent) in percents.iter().enumerate() {
                                        option value=(index + 1) {
                                            "rule " (index + 1) ": " (percent.map_or("no rollout".to_owned(), |p| format!("{p}%")))
                                        }
                                    }
                                }
                            }
                            label.field.narrow {
                                span { "Rollout %" }
                                input type="number" name="percent" min="0" max="100" required value=(percents.iter().flatten().next().copied().unwrap_or(0));
                            }
                            (reason_input())
                            button.btn type="submit" { "Set rollout…" }
                        }
                        form.action-row method="post" action=(action("reset")) {
                            input type="hidden" name="version" value=(flag.version);
                            (reason_input())
                            button.btn.ghost type="submit" { "Reset to layers below…" }
                        }
                    }
                }
            }
        }
    };
    layout(base, shared, actor, &flag.name, content)
}

fn static_message_of(flag: &FlagView) -> String {
    match flag_runtime::flag_info(&flag.name) {
        Ok(info) => static_message(&info),
        Err(error) => error.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct FlagQuery {
    /// The version just written, to say so.
    changed: Option<u64>,
}

/// `GET /flags/{name}`.
pub(crate) async fn flag(
    State(shared): State<Arc<Shared>>,
    base: Base,
    Path(name): Path<String>,
    Query(query): Query<FlagQuery>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let read = shared.store.page(&name).await;
    let (head, history) = read.value;
    match model::one(&name, head, shared.today()) {
        Ok(flag) => {
            let notice = query
                .changed
                .map(|version| format!("Done: version {version} recorded in the history."));
            page(flag_page(
                &base,
                &shared,
                parts.extensions.get::<Actor>(),
                &flag,
                &history,
                notice.as_deref(),
                read.problem.as_deref(),
            ))
        }
        Err(message) => Failure::NotFound(message).respond(&parts, &shared),
    }
}

/// The page of a failure: what went wrong, the flag as it is now for a stale write, and a way on.
pub(crate) fn failure(base: &Base, shared: &Shared, failure: &Failure) -> Html<String> {
    let login = matches!(failure, Failure::Unauthenticated) && shared.auth.uses_token();
    let content = html! {
        section.card.failure {
            h1 { (failure.status().as_u16()) " " (failure.status().canonical_reason().unwrap_or("")) }
            p.error-message { (failure.message()) }
            @if let Failure::Stale { current, .. } = failure {
                p { "Now: " (state_pill(current.enabled)) " " span.muted { "by " (current.source) ", version " (current.version) } }
                @if let Some(change) = &current.last_change {
                    p.muted { "Last change: " (change.action) " by " (change.actor) " at " (change.at) ": " q { (change.reason) } }
                }
                p { a.btn href=(base.at(&format!("/flags/{}", current.name))) { "See " (current.name) " now" } }
            } @else if login {
                (login_form(base))
            } @else {
                p { a href=(base.home()) { "← All flags" } }
            }
        }
    };
    Html(layout(base, shared, None, "Error", content).into_string())
}
