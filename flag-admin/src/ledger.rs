//! The write path of this process's flags and their history: each write is checked, applied and recorded
//! under one lock, so that concurrent writers never lose an update, the history holds every accepted write
//! in order, and a write made against a stale version of a flag is refused.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use flag_manifest::{Date, Rollout, Rule, Targeting, parse_flag_table, targeting_to_toml};
use flag_runtime::{FlagInfo, Mode};
use serde::{Deserialize, Serialize};

use crate::auth::Actor;

/// One accepted change of a flag: who, when, from what to what, and why. The JSON API serves these as the
/// flag's `history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The flag.
    pub flag: String,
    /// The flag's version this change made: here, the count of changes (the first makes version 1); with
    /// the fleet, the etcd revision of the transaction that wrote it.
    pub version: u64,
    /// Who made it ([`Actor::name`]).
    pub actor: String,
    /// When, in UTC, RFC 3339 (`2026-11-24T09:30:00Z`).
    pub at: String,
    /// What was done: `switch on`, `switch off`, `rollout of rule 2 to 30%`, `reset`, `table`; read from the
    /// fleet's audit records: `write (fleet)`, `reset (fleet: key deleted)`, or `refused: made against
    /// revision N` for an attempt that etcd refused.
    pub action: String,
    /// The flag before: its state, what decided it, and its rules (with the fleet: the key's table on one
    /// line, `(no key)` for none).
    pub old: String,
    /// The flag after (with the fleet: the table written).
    pub new: String,
    /// Why, in the operator's words.
    pub reason: String,
}

/// A change an operator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Write {
    /// On or off for every context ([`flag_runtime::set`]).
    Switch(bool),
    /// The rollout percentage of rule `rule` (0-based), creating a rule with only a rollout when the flag
    /// has none.
    Rollout { rule: usize, percent: u8 },
    /// Back to the layers below ([`flag_runtime::reset`]).
    Reset,
    /// A table in the runtime file's syntax ([`flag_runtime::set_table`]).
    Table(String),
}

impl Write {
    pub(crate) fn action(&self) -> String {
        match self {
            Write::Switch(true) => "switch on".to_owned(),
            Write::Switch(false) => "switch off".to_owned(),
            Write::Rollout { rule, percent } => {
                format!("rollout of rule {} to {percent}%", rule + 1)
            }
            Write::Reset => "reset".to_owned(),
            Write::Table(_) => "table".to_owned(),
        }
    }
}

/// Why a write was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No such flag (the runtime's message, with its suggestion).
    Unknown(String),
    /// The flag or the write is not acceptable: static flag, missing reason, a table the runtime refuses.
    Invalid(String),
    /// The write was made against `expected`, but the flag is at `current` now.
    Stale { expected: u64, current: u64 },
    /// Where the write goes did not answer (the fleet's etcd is down or too slow): nothing was written.
    #[cfg_attr(not(feature = "fleet"), allow(dead_code))]
    Unavailable(String),
}

/// A flag's version and its last change, as a store knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Head {
    /// The version a write must name: the count of this process's changes, or the fleet key's revision.
    pub version: u64,
    /// The last accepted change, if the store knows one.
    pub last: Option<Change>,
}

#[derive(Debug, Default)]
struct Book {
    /// Every accepted change, oldest first.
    history: Vec<Change>,
    /// Each flag's version: how many changes it has had here.
    versions: HashMap<String, u64>,
}

/// This process's writes and their history, in memory.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    book: Mutex<Book>,
}

impl Ledger {
    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The flag's version and its last change.
    pub fn head(&self, name: &str) -> Head {
        let book = self.book();
        let version = book.versions.get(name).copied().unwrap_or(0);
        let last = book
            .history
            .iter()
            .rev()
            .find(|change| change.flag == name)
            .cloned();
        Head { version, last }
    }

    /// Every flag's version and last change, read at once.
    pub fn heads(&self) -> HashMap<String, Head> {
        let book = self.book();
        let mut heads = HashMap::new();
        for change in &book.history {
            heads.insert(
                change.flag.clone(),
                Head {
                    version: change.version,
                    last: Some(change.clone()),
                },
            );
        }
        heads
    }

    /// The flag's changes, newest first.
    pub fn history(&self, name: &str) -> Vec<Change> {
        self.book()
            .history
            .iter()
            .rev()
            .filter(|change| change.flag == name)
            .cloned()
            .collect()
    }

    /// Applies `write` to flag `name` for `actor`, if the flag is still at version `expected` (when given),
    /// and records it. The check, the write and the record happen under one lock.
    pub fn apply(
        &self,
        name: &str,
        write: &Write,
        actor: &Actor,
        reason: &str,
        expected: Option<u64>,
    ) -> Result<Change, Refusal> {
        let reason = reason_of(reason)?;
        let mut book = self.book();
        let before = dynamic_flag(name)?;
        let current = book.versions.get(name).copied().unwrap_or(0);
        if let Some(expected) = expected.filter(|expected| *expected != current) {
            return Err(Refusal::Stale { expected, current });
        }
        let outcome = match write {
            Write::Switch(on) => flag_runtime::set(name, *on),
            Write::Reset => flag_runtime::reset(name),
            Write::Table(text) => flag_runtime::set_table(name, text),
            Write::Rollout { rule, percent } => {
                let text = rollout_table(name, *rule, *percent)?;
                flag_runtime::set_table(name, &text)
            }
        };
        outcome.map_err(|error| Refusal::Invalid(error.to_string()))?;
        let after =
            flag_runtime::flag_info(name).map_err(|error| Refusal::Unknown(error.to_string()))?;
        let version = current + 1;
        book.versions.insert(name.to_owned(), version);
        let change = Change {
            flag: name.to_owned(),
            version,
            actor: actor.name.clone(),
            at: rfc3339(now()),
            action: write.action(),
            old: summary(&before),
            new: summary(&after),
            reason: reason.to_owned(),
        };
        book.history.push(change.clone());
        Ok(change)
    }
}

/// The reason of a write, trimmed: every write needs one, for the history.
pub(crate) fn reason_of(reason: &str) -> Result<&str, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::Invalid(
            "a reason is required: say why, for the history".to_owned(),
        ));
    }
    Ok(reason)
}

/// Flag `name` as it is now, if this page may change it: known to the program, and dynamic.
pub(crate) fn dynamic_flag(name: &str) -> Result<FlagInfo, Refusal> {
    let flag =
        flag_runtime::flag_info(name).map_err(|error| Refusal::Unknown(error.to_string()))?;
    if flag.mode == Mode::Static {
        return Err(Refusal::Invalid(static_message(&flag)));
    }
    Ok(flag)
}

/// How to change a static flag, which this page cannot.
pub(crate) fn static_message(flag: &FlagInfo) -> String {
    format!(
        "flag `{}` is static: it was compiled {} and cannot change while the program runs; change it with a \
         profile (FEATURE_FLAGS_PROFILE) or an override at build time (FEATURE_FLAGS=\"{}={}\") and rebuild",
        flag.name,
        if flag.enabled { "in (on)" } else { "out (off)" },
        flag.name,
        if flag.enabled { "off" } else { "on" },
    )
}

/// The table that sets rule `rule`'s rollout to `percent`, every other part of the flag's targeting as it
/// is now.
pub(crate) fn rollout_table(name: &str, rule: usize, percent: u8) -> Result<String, Refusal> {
    let text =
        flag_runtime::targeting_toml(name).map_err(|error| Refusal::Unknown(error.to_string()))?;
    let state = parse_flag_table(name, &text).map_err(|diagnostics| {
        Refusal::Invalid(
            diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let mut targeting = state.targeting_over(&Targeting::default());
    if targeting.rules.is_empty() && rule == 0 {
        targeting.rules.push(Rule {
            user_ids: None,
            constraints: Vec::new(),
            rollout: None,
            value: None,
            variants: Vec::new(),
        });
    }
    let count = targeting.rules.len();
    let Some(target) = targeting.rules.get_mut(rule) else {
        return Err(Refusal::Invalid(format!(
            "rule {}: flag `{name}` has {count} rule{}",
            rule + 1,
            if count == 1 { "" } else { "s" }
        )));
    };
    match &mut target.rollout {
        Some(rollout) => rollout.percent = percent,
        None => {
            target.rollout = Some(Rollout {
                percent,
                stickiness: Default::default(),
                group: None,
            })
        }
    }
    Ok(targeting_to_toml(&targeting))
}

/// A flag in one line, for the history: its state, what decided it, its rules.
pub(crate) fn summary(flag: &FlagInfo) -> String {
    let mut out = format!(
        "{} ({})",
        if flag.enabled { "on" } else { "off" },
        flag.source
    );
    if let Some(targeting) = flag.targeting.as_ref().filter(|t| !t.rules.is_empty()) {
        out.push_str("; rules: ");
        out.push_str(&targeting.rules.join("; "));
    }
    out
}

/// Now, in seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// `seconds` since the Unix epoch in UTC, RFC 3339 to the second (`2026-11-24T09:30:00Z`).
pub(crate) fn rfc3339(seconds: u64) -> String {
    let date = Date::from_days_since_epoch(i64::try_from(seconds / 86_400).unwrap_or(0));
    let time = seconds % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}
