//! What a write from the page makes of a flag's table in the fleet, checked before it is sent, and how the
//! fleet's audit records read as the page's history. Nothing here talks to etcd, so it is unit tested
//! without a server.

use std::path::Path;

use flag_etcd::AuditRecord;

use super::revision;
use crate::ledger::{self, Change, Refusal, Write};

/// The key's table after `write`, from its table `old` (`None`: no key); `None` deletes the key.
pub(super) fn table_after(
    name: &str,
    key: &str,
    write: &Write,
    old: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let edit = |change: &dyn Fn(&mut toml::Table)| -> Result<Option<String>, Refusal> {
        let mut table: toml::Table = old.unwrap_or("").parse().map_err(|error| {
            Refusal::Invalid(format!(
                "{key} is not a TOML table, so it cannot be changed here: {error}; replace it whole with \
                 `cargo flags fleet edit {name} --file TABLE.toml --reason ...`"
            ))
        })?;
        change(&mut table);
        toml::to_string(&table)
            .map(Some)
            .map_err(|error| Refusal::Invalid(format!("{key}: {error}")))
    };
    match write {
        Write::Switch(on) => edit(&|table| {
            table.insert("default".to_owned(), toml::Value::Boolean(*on));
        }),
        Write::Rollout { rule, percent } => {
            let targeting = ledger::rollout_table(name, *rule, *percent)?;
            let mut rules: toml::Table = targeting
                .parse()
                .map_err(|error| Refusal::Invalid(format!("{name}'s rules: {error}")))?;
            let rules = rules.remove("rules");
            edit(&|table| match &rules {
                Some(rules) => {
                    table.insert("rules".to_owned(), rules.clone());
                }
                None => {
                    table.remove("rules");
                }
            })
        }
        Write::Reset => match old {
            Some(_) => Ok(None),
            None => Err(Refusal::Invalid(format!(
                "{key}: no key, so nothing to reset: the fleet does not set `{name}`"
            ))),
        },
        // A whole table replaces the key; `check` holds it to the program's rules before it is sent.
        Write::Table(text) => Ok(Some(text.clone())),
    }
}

/// Checks `text`, flag `name`'s new table at `key`, as this program's fleet layer will when the key
/// arrives: the parser's problems placed as `cargo flags fleet` places them (`KEY:line:col: ...`), then
/// the runtime's own check ([`flag_runtime::check_fleet_table`]: the rules `cargo flags fleet` applies, and
/// the merged rules must compile). A table the program would refuse is never sent.
pub(super) fn check(name: &str, key: &str, text: &str) -> Result<(), Refusal> {
    let refused = |problems: String| {
        Refusal::Invalid(format!(
            "{problems}; the runtime would refuse this table for `{name}`, so nothing was sent to etcd"
        ))
    };
    flag_manifest::parse_flag_table(name, text).map_err(|diagnostics| {
        let problems: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic.render(Path::new(key)))
            .collect();
        refused(problems.join("; "))
    })?;
    flag_runtime::check_fleet_table(name, text).map_err(|error| refused(format!("{key}: {error}")))
}

/// The last accepted write of `records` (oldest first), as a change.
pub(super) fn last_accepted(records: Vec<AuditRecord>) -> Option<Change> {
    records
        .into_iter()
        .rev()
        .find(|record| record.outcome == "accepted")
        .map(change_of)
}

/// An audit record as the history shows it.
pub(super) fn change_of(record: AuditRecord) -> Change {
    let action = match (record.outcome.as_str(), &record.new) {
        ("accepted", Some(_)) => "write (fleet)".to_owned(),
        ("accepted", None) => "reset (fleet: key deleted)".to_owned(),
        (outcome, _) => match record.expected_revision {
            Some(expected) => format!("{outcome}: made against revision {expected}"),
            None => outcome.to_owned(),
        },
    };
    Change {
        flag: record.name,
        version: revision(record.revision),
        actor: record.actor,
        at: ledger::rfc3339(record.at),
        action,
        old: one_line(record.old.as_deref()),
        new: one_line(record.new.as_deref()),
        reason: record.reason,
    }
}

/// A key's table on one line, for the history: its lines without blanks, joined with `; `; `(no key)` for
/// none.
pub(super) fn one_line(text: Option<&str>) -> String {
    match text {
        None => "(no key)".to_owned(),
        Some(text) => text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_sets_default_and_keeps_the_rest() {
        let old = "# why\ndefault = false\nvariant_stickiness = \"user_id\"\n";
        let new = table_after(
            "kill_switch",
            "/p/kill_switch",
            &Write::Switch(true),
            Some(old),
        )
        .unwrap()
        .unwrap();
        let table: toml::Table = new.parse().unwrap();
        assert_eq!(table["default"], toml::Value::Boolean(true));
        assert_eq!(table["variant_stickiness"].as_str(), Some("user_id"));
        assert_eq!(
            table_after("kill_switch", "/p/kill_switch", &Write::Switch(false), None).unwrap(),
            Some("default = false\n".to_owned())
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        let refused = |write: &Write, old: Option<&str>| match table_after(
            "kill_switch",
            "/p/kill_switch",
            write,
            old,
        ) {
            Err(Refusal::Invalid(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(
            refused(&Write::Switch(true), Some("default = ["))
                .starts_with("/p/kill_switch is not a TOML table, so it cannot be changed here: ")
        );
        assert_eq!(
            refused(&Write::Reset, None),
            "/p/kill_switch: no key, so nothing to reset: the fleet does not set `kill_switch`"
        );
        assert_eq!(
            table_after(
                "kill_switch",
                "/p/kill_switch",
                &Write::Table("default = true".into()),
                None
            )
            .unwrap()
            .as_deref(),
            Some("default = true")
        );
        assert_eq!(
            table_after(
                "kill_switch",
                "/p/kill_switch",
                &Write::Reset,
                Some("default = true")
            )
            .unwrap(),
            None,
            "a reset deletes the key"
        );
        let Err(Refusal::Invalid(message)) =
            check("kill_switch", "/p/kill_switch", "\ndefault = maybe\n")
        else {
            panic!("refused")
        };
        assert!(message.starts_with("/p/kill_switch:2:11: "), "{message}");
    }

    #[test]
    fn history_lines() {
        assert_eq!(one_line(None), "(no key)");
        assert_eq!(
            one_line(Some("default = true\n\n[[rules]]\n")),
            "default = true; [[rules]]"
        );
        let record = AuditRecord {
            name: "a".into(),
            actor: "alice".into(),
            reason: "why".into(),
            at: 0,
            old: Some("default = true\n".into()),
            new: Some("default = false\n".into()),
            outcome: "refused".into(),
            revision: 7,
            expected_revision: Some(3),
        };
        let change = change_of(record);
        assert_eq!(
            (change.version, change.at.as_str(), change.action.as_str()),
            (
                7,
                "1970-01-01T00:00:00Z",
                "refused: made against revision 3"
            )
        );
    }
}
