//! What the pages and the JSON API show of a flag: [`flag_runtime::FlagInfo`] with what this page adds (its
//! version, last change, expiry as of today), as plain serde types that the API documents.

use std::collections::HashMap;

use flag_manifest::Date;
use flag_runtime::{FlagInfo, Mode};
use serde::{Deserialize, Serialize};

use crate::ledger::{Change, Head};

/// How many days ahead an expiry is flagged as coming.
pub(crate) const EXPIRING_DAYS: i64 = 14;

/// One flag as the operators' page shows it; `GET /api/v1/flags` answers a list of these, `GET
/// /api/v1/flags/{name}` one, with its `history`.
///
/// ```json
/// {"name": "fast_search", "description": "Search through the new index", "owner": "team-search",
///  "mode": "dynamic", "enabled": true, "layer": "set", "source": "set", "fleet": null,
///  "rules": [], "rules_apply": false, "variants": null, "requirements": [], "expires": null,
///  "expiry": "none", "evaluations": null, "version": 1, "last_change": {"flag": "fast_search", "..": ".."},
///  "history": []}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagView {
    /// The flag's name.
    pub name: String,
    /// The manifest's description.
    pub description: Option<String>,
    /// The manifest's owner.
    pub owner: Option<String>,
    /// `static` (decided at build time, read-only here) or `dynamic`.
    pub mode: String,
    /// Its state without a context: what `flag!("name")` gives.
    pub enabled: bool,
    /// A value flag's value without a context, with its name (`medium = 50`); `None` for an on/off flag
    /// (README: "Typed values"). For a value flag, `enabled` says whether its rules are in force.
    pub value: Option<String>,
    /// The layer that decided `enabled`: `compiled`, `file`, `fleet`, `env`, `set`, `override`.
    pub layer: String,
    /// What decided it, in words (`default`, `profile beta`, `file`, `set`...).
    pub source: String,
    /// The fleet's value, when the fleet has a table for the flag, and the layer that masks it, if one does.
    pub fleet: Option<FleetView>,
    /// Its rules, one sentence each (`country in [NZ, AU] and 25% rollout by user_id`).
    pub rules: Vec<String>,
    /// Whether the rules decide contextual checks now (false while an explicit state holds the flag).
    pub rules_apply: bool,
    /// Its flag-level variants and their shares (`control 50%, one_page 50%`).
    pub variants: Option<String>,
    /// Every `requires` entry in words.
    pub requirements: Vec<String>,
    /// The manifest's expiry date, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// The expiry as of today.
    pub expiry: Expiry,
    /// Evaluation counts, when the program counts them and the flag was evaluated.
    pub evaluations: Option<EvaluationCounts>,
    /// Its version, which a write names to be made against it: how many changes it has had through this
    /// page, or, when the page writes to the fleet, the revision of the flag's etcd key (0: no key).
    pub version: u64,
    /// The last change made here (or, with the fleet, the last accepted write in its audit records).
    pub last_change: Option<Change>,
}

/// The fleet's value of a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetView {
    /// The state the fleet's table gives, if it gives one.
    pub enabled: Option<bool>,
    /// The revision that wrote it.
    pub revision: i64,
    /// The higher layer that decides instead, if one does.
    pub masked_by: Option<String>,
}

/// Evaluation counts of a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationCounts {
    /// Checks that found it on.
    pub on: u64,
    /// Checks that found it off.
    pub off: u64,
    /// How often each variant was chosen.
    pub variants: Vec<(String, u64)>,
}

/// A flag's expiry as of today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// No expiry date.
    None,
    /// Expires in more than 14 days.
    Later,
    /// Expires within 14 days.
    Soon,
    /// Past its expiry date: remove it (`cargo flags remove`).
    Expired,
}

impl Expiry {
    /// The expiry of a flag that expires on `expires`, as of `today`.
    pub(crate) fn of(expires: Option<&str>, today: Date) -> Expiry {
        let Some(date) = expires.and_then(Date::parse) else {
            return Expiry::None;
        };
        let days = days(date) - days(today);
        if days < 0 {
            Expiry::Expired
        } else if days <= EXPIRING_DAYS {
            Expiry::Soon
        } else {
            Expiry::Later
        }
    }
}

/// Days since 1970-01-01 (the inverse of [`Date::from_days_since_epoch`], Howard Hinnant's
/// `days_from_civil`).
fn days(date: Date) -> i64 {
    let year = i64::from(date.year) - i64::from(date.month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(date.month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(date.day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Today, as `FEATURE_FLAGS_TODAY` pins it or the clock says.
pub(crate) fn today() -> Date {
    let pinned = std::env::var(flag_manifest::ENV_TODAY).ok();
    Date::today(pinned.as_deref())
        .or_else(|_| Date::today(None))
        .unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
}

impl FlagView {
    /// The view of `info`, with this page's version and last change.
    pub(crate) fn new(
        info: FlagInfo,
        version: u64,
        last_change: Option<Change>,
        today: Date,
    ) -> FlagView {
        let targeting = info.targeting.as_ref();
        let counts = &info.evaluations;
        FlagView {
            name: info.name.to_owned(),
            description: info.description.map(str::to_owned),
            owner: info.owner.map(str::to_owned),
            mode: match info.mode {
                Mode::Static => "static",
                _ => "dynamic",
            }
            .to_owned(),
            enabled: info.enabled,
            value: info.value.map(|value| {
                match info.values.iter().find(|(_, named)| *named == value) {
                    Some((name, _)) => format!("{name} = {value}"),
                    None => value.to_string(),
                }
            }),
            layer: info.layer.as_str().to_owned(),
            source: info.source.clone(),
            fleet: info.fleet.as_ref().map(|fleet| FleetView {
                enabled: fleet.enabled,
                revision: fleet.revision,
                masked_by: fleet.masked_by.map(|layer| layer.as_str().to_owned()),
            }),
            rules: targeting.map(|t| t.rules.clone()).unwrap_or_default(),
            rules_apply: targeting.is_some_and(|t| t.applies && !t.rules.is_empty()),
            variants: targeting.and_then(|t| t.variants.clone()),
            requirements: info.requirements.clone(),
            expires: info.expires.map(str::to_owned),
            expiry: Expiry::of(info.expires, today),
            evaluations: (counts.on + counts.off > 0).then(|| EvaluationCounts {
                on: counts.on,
                off: counts.off,
                variants: counts
                    .variants
                    .iter()
                    .map(|(name, n)| ((*name).to_owned(), *n))
                    .collect(),
            }),
            version,
            last_change,
        }
    }

    /// Whether this page may change it.
    pub fn is_dynamic(&self) -> bool {
        self.mode == "dynamic"
    }
}

/// Every flag compiled into the program, as views.
pub(crate) fn all(heads: &HashMap<String, Head>, today: Date) -> Vec<FlagView> {
    flag_runtime::flags()
        .into_iter()
        .map(|info| {
            let head = heads.get(info.name).cloned().unwrap_or_default();
            FlagView::new(info, head.version, head.last, today)
        })
        .collect()
}

/// The list's filters, from the query string: `?q=search&owner=team-ui&state=on&mode=dynamic&expiry=soon`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Filter {
    /// Part of the name (or description).
    pub q: String,
    /// The owner, exactly.
    pub owner: String,
    /// `on` or `off`.
    pub state: String,
    /// `static` or `dynamic`.
    pub mode: String,
    /// `expired`, `soon` (within 14 days or expired) or `none`.
    pub expiry: String,
}

impl Filter {
    /// Whether `flag` passes every filter given.
    pub fn keeps(&self, flag: &FlagView) -> bool {
        let q = self.q.trim().to_lowercase();
        let text = q.is_empty()
            || flag.name.to_lowercase().contains(&q)
            || flag
                .description
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(&q));
        let owner = self.owner.is_empty() || flag.owner.as_deref() == Some(self.owner.as_str());
        let state = match self.state.as_str() {
            "on" => flag.enabled,
            "off" => !flag.enabled,
            _ => true,
        };
        let mode = self.mode.is_empty() || flag.mode == self.mode;
        let expiry = match self.expiry.as_str() {
            "expired" => flag.expiry == Expiry::Expired,
            "soon" => matches!(flag.expiry, Expiry::Soon | Expiry::Expired),
            "none" => flag.expiry == Expiry::None,
            _ => true,
        };
        text && owner && state && mode && expiry
    }
}

/// One flag, by name, as a view with the store's `head`; the runtime's message (with its suggestion) for an
/// unknown name.
pub(crate) fn one(name: &str, head: Head, today: Date) -> Result<FlagView, String> {
    let info = flag_runtime::flag_info(name).map_err(|error| error.to_string())?;
    Ok(FlagView::new(info, head.version, head.last, today))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_inverts_from_days_since_epoch() {
        for n in [-1, 0, 1, 11_016, 20_000, 20_781, 3_000_000] {
            assert_eq!(days(Date::from_days_since_epoch(n)), n, "{n}");
        }
    }

    #[test]
    fn expiry_as_of_today() {
        let today = Date {
            year: 2026,
            month: 11,
            day: 24,
        };
        assert_eq!(Expiry::of(None, today), Expiry::None);
        assert_eq!(Expiry::of(Some("2026-11-23"), today), Expiry::Expired);
        assert_eq!(Expiry::of(Some("2026-11-24"), today), Expiry::Soon);
        assert_eq!(Expiry::of(Some("2026-12-08"), today), Expiry::Soon);
        assert_eq!(Expiry::of(Some("2026-12-09"), today), Expiry::Later);
    }
}
