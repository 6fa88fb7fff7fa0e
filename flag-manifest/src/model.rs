//! The validated manifest: what `flags.toml` declares once every check has passed.

use std::fmt;
use std::ops::Range;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::targeting::{Targeting, targeting_to_toml};
use crate::value::{FlagValues, Value};

/// A parsed and validated `flags.toml`.
///
/// Flags and profiles are kept sorted by name, so that a flag's index is the same in every crate that reads
/// the same manifest.
///
/// ```
/// let manifest = flag_manifest::Manifest::parse("[flags.b]\n[flags.a]\nmode = \"dynamic\"\n").unwrap();
/// let names: Vec<_> = manifest.flags.iter().map(|f| f.name.as_str()).collect();
/// assert_eq!(names, ["a", "b"]);
/// assert_eq!(manifest.flag("a").unwrap().mode, flag_manifest::Mode::Dynamic);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// Every declared flag, sorted by name.
    pub flags: Vec<Flag>,
    /// Every declared profile, sorted by name.
    pub profiles: Vec<Profile>,
    /// The manifest's `[settings]` table (defaults when absent).
    pub settings: Settings,
    /// The text the manifest was parsed from, so that later checks can point into it.
    pub source: String,
}

impl Manifest {
    /// The position of the flag called `name` in [`Manifest::flags`].
    pub fn flag_index(&self, name: &str) -> Option<usize> {
        self.flags
            .binary_search_by(|flag| flag.name.as_str().cmp(name))
            .ok()
    }

    /// The flag called `name`.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flag_index(name).map(|index| &self.flags[index])
    }

    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles
            .binary_search_by(|profile| profile.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.profiles[index])
    }

    /// The names of every declared flag, in order.
    pub fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|flag| flag.name.as_str())
    }
}

/// How a flag is decided. Serialises as `"static"` or `"dynamic"`, as written in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Decided at build time: code behind a disabled flag is compiled out, like `#[cfg]`.
    #[default]
    Static,
    /// Decided at run time: the manifest's state is the compiled-in default.
    Dynamic,
}

impl Mode {
    /// `"static"` or `"dynamic"`, as written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Static => "static",
            Mode::Dynamic => "dynamic",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date, as in `expires = 2027-03-01`.
///
/// ```
/// let date = flag_manifest::Date { year: 2027, month: 3, day: 1 };
/// assert_eq!(date.to_string(), "2027-03-01");
/// assert!(date < flag_manifest::Date { year: 2027, month: 3, day: 2 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, such as 2027.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`: four, two and two digits, a real month and a real day of it (`2026-02-29` is
    /// not one, `2028-02-29` is). The one reading of a date given as text, for `FEATURE_FLAGS_TODAY` in the
    /// macros and in `cargo flags` alike.
    ///
    /// ```
    /// use flag_manifest::Date;
    /// assert_eq!(Date::parse("2028-02-29"), Some(Date { year: 2028, month: 2, day: 29 }));
    /// for bad in ["2026-02-31", "2026-3-1", "+2026-03-01", "2026-03-01x", "tomorrow", ""] {
    ///     assert_eq!(Date::parse(bad), None, "{bad}");
    /// }
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |part: &str, len: usize| {
            part.len() == len && part.bytes().all(|byte| byte.is_ascii_digit())
        };
        if parts.next().is_some() || !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
            return None;
        }
        let date = Date {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
            day: day.parse().ok()?,
        };
        let real = (1..=12).contains(&date.month)
            && (1..=days_in_month(date.year, date.month)).contains(&date.day);
        real.then_some(date)
    }

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    ///
    /// ```
    /// use flag_manifest::Date;
    /// assert_eq!(Date::from_days_since_epoch(0), Date { year: 1970, month: 1, day: 1 });
    /// assert_eq!(Date::from_days_since_epoch(11_016), Date { year: 2000, month: 2, day: 29 });
    /// assert_eq!(Date::from_days_since_epoch(-1), Date { year: 1969, month: 12, day: 31 });
    /// ```
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: u16::try_from(year.clamp(0, i64::from(u16::MAX))).unwrap_or(u16::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Today: `pinned` (the value of `FEATURE_FLAGS_TODAY`, [`ENV_TODAY`](crate::ENV_TODAY)) when it is
    /// given and not blank, else the system clock's date in UTC. An error says what is wrong with `pinned`.
    ///
    /// ```
    /// use flag_manifest::Date;
    /// assert_eq!(Date::today(Some("2026-11-24")), Ok(Date { year: 2026, month: 11, day: 24 }));
    /// assert!(Date::today(None).unwrap().year >= 2024);
    /// assert_eq!(
    ///     Date::today(Some("2026-02-31")).unwrap_err(),
    ///     "FEATURE_FLAGS_TODAY=\"2026-02-31\" is not a date: write it as YYYY-MM-DD, such as 2027-03-01"
    /// );
    /// ```
    pub fn today(pinned: Option<&str>) -> Result<Date, String> {
        match pinned.map(str::trim).filter(|value| !value.is_empty()) {
            Some(value) => Date::parse(value).ok_or_else(|| {
                format!(
                    "{}={value:?} is not a date: write it as YYYY-MM-DD, such as 2027-03-01",
                    crate::ENV_TODAY
                )
            }),
            None => {
                let seconds = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_secs());
                Ok(Date::from_days_since_epoch(
                    i64::try_from(seconds / 86_400).unwrap_or(0),
                ))
            }
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One `[flags.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The flag's name: lowercase snake_case.
    pub name: String,
    /// What the flag hides, for people and for introspection.
    pub description: Option<String>,
    /// The state when no profile or override says otherwise (on a value flag: whether it is `enabled`).
    pub default: bool,
    /// Static (build time) or dynamic (run time).
    pub mode: Mode,
    /// The team or person to ask about the flag.
    pub owner: Option<String>,
    /// The date after which the flag should be gone from the code.
    pub expires: Option<Date>,
    /// The bytes of the flag's name in its table header, for diagnostics.
    pub span: Range<usize>,
    /// Every entry of `requires`, in order, with the state it needs (on in the plain form, off, or on with
    /// one of some variants) and its bytes in the manifest. Only a dynamic flag may need another flag off
    /// or on with a variant. [`Flag::requires`] lists the flags that must be on.
    pub requirements: Vec<Requirement>,
    /// The flag's rules, variants and variant stickiness (always empty for a static flag).
    pub targeting: Targeting,
    /// A value flag's type, values and default value (`type`, `values`, `default`); `None` for an on/off
    /// flag.
    pub values: Option<FlagValues>,
    /// The flag's `metadata`, sorted by key.
    pub metadata: Vec<(String, Value)>,
}

impl Flag {
    /// The `cargo flags remove` command that retires the flag, in backquotes, as `cargo flags check`, its
    /// `explain` and the macros' expiry warning suggest it. An on/off flag's code keeps `state` (`on`,
    /// `off`, or `on|off` to leave the choice to the reader); a value flag's keeps one of its values, not a
    /// state: its default value, or the one `--keep` names.
    ///
    /// ```
    /// let manifest = flag_manifest::Manifest::parse(
    ///     "[flags.old_ui]\n\
    ///      [flags.page_size]\ntype = \"integer\"\nvalues = { small = 10, large = 200 }\ndefault = \"small\"\n\
    ///      [flags.theme]\ntype = \"string\"\nvalues = { light = \"l\", dark = \"d\" }\n",
    /// )
    /// .unwrap();
    /// let remove = |name| manifest.flag(name).unwrap().remove_command("off");
    /// assert_eq!(remove("old_ui"), "`cargo flags remove old_ui --keep off`");
    /// assert_eq!(
    ///     remove("page_size"),
    ///     "`cargo flags remove page_size` (its code keeps the default value, `small`; or `--keep NAME`, one \
    ///      of small = 10, large = 200)"
    /// );
    /// assert_eq!(
    ///     remove("theme"),
    ///     "`cargo flags remove theme --keep NAME`, with the value its code keeps: one of light = \"l\", \
    ///      dark = \"d\""
    /// );
    /// ```
    pub fn remove_command(&self, state: &str) -> String {
        let name = &self.name;
        let Some(values) = &self.values else {
            return format!("`cargo flags remove {name} --keep {state}`");
        };
        match values.default_value() {
            Some(default) => format!(
                "`cargo flags remove {name}` (its code keeps the default value, `{}`; or `--keep NAME`, one of {})",
                default.name,
                values.listing()
            ),
            None => format!(
                "`cargo flags remove {name} --keep NAME`, with the value its code keeps: one of {}",
                values.listing()
            ),
        }
    }

    /// The flags that must be on wherever this one is on, in the order of `requires`: every entry of
    /// [`Flag::requirements`] except those that need the other flag off.
    ///
    /// ```
    /// let manifest = flag_manifest::Manifest::parse(r#"
    /// [flags.api]
    /// mode = "dynamic"
    /// [flags.legacy]
    /// mode = "dynamic"
    /// [flags.ui]
    /// mode = "dynamic"
    /// requires = ["api", { flag = "legacy", enabled = false }]
    /// "#).unwrap();
    /// let ui = manifest.flag("ui").unwrap();
    /// assert_eq!(ui.requires(), ["api"]);
    /// assert_eq!(ui.requirements.len(), 2);
    /// ```
    pub fn requires(&self) -> Vec<&str> {
        self.requirements
            .iter()
            .filter(|requirement| requirement.enabled)
            .map(|requirement| requirement.flag.as_str())
            .collect()
    }

    /// Whether the flag declares a `type` (and so carries values rather than an on/off state).
    ///
    /// ```
    /// let manifest = flag_manifest::Manifest::parse(r#"
    /// [flags.page_size]
    /// type = "integer"
    /// values = { small = 10, large = 200 }
    /// default = "small"
    /// "#).unwrap();
    /// let flag = manifest.flag("page_size").unwrap();
    /// assert!(flag.is_value_flag());
    /// assert_eq!(flag.values.as_ref().unwrap().default_value().unwrap().name, "small");
    /// ```
    pub fn is_value_flag(&self) -> bool {
        self.values.is_some()
    }
}

/// The manifest's `[settings]` table: choices that apply to the whole manifest.
///
/// ```
/// let manifest = flag_manifest::Manifest::parse("[settings]\nexpired = \"error\"\n").unwrap();
/// assert_eq!(manifest.settings.expired, flag_manifest::ExpiredPolicy::Error);
/// assert_eq!(flag_manifest::Manifest::parse("").unwrap().settings.expired, flag_manifest::ExpiredPolicy::Warn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Settings {
    /// What a build does with a flag whose `expires` date has passed (`expired = "warn" | "error"`).
    pub expired: ExpiredPolicy,
}

/// What a build does with a flag past its `expires` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpiredPolicy {
    /// A warning at each use of the flag (the default).
    #[default]
    Warn,
    /// A compile error at each use of the flag.
    Error,
}

impl ExpiredPolicy {
    /// `"warn"` or `"error"`, as written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiredPolicy::Warn => "warn",
            ExpiredPolicy::Error => "error",
        }
    }
}

/// One `[profiles.NAME]` table: a named set of states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name, chosen at build time by `FEATURE_FLAGS_PROFILE`.
    pub name: String,
    /// The state this profile gives each flag it names, sorted by flag name.
    pub states: Vec<(String, bool)>,
    /// The bytes of each state's key, index-aligned with `states`, for diagnostics.
    pub state_spans: Vec<Range<usize>>,
    /// The value this profile chooses for each value flag it names (the index into the flag's values),
    /// sorted by flag name.
    pub values: Vec<(String, usize)>,
    /// The bytes of the profile's name, for diagnostics.
    pub span: Range<usize>,
}

impl Profile {
    /// The state this profile gives `flag`, if it names it.
    pub fn state(&self, flag: &str) -> Option<bool> {
        self.states
            .iter()
            .find(|(name, _)| name == flag)
            .map(|&(_, on)| on)
    }
}

/// One entry of a flag's `requires`: another flag's state that this flag needs.
///
/// `requires = ["new_api"]` needs `new_api` on. A dynamic flag may also write a table:
/// `{ flag = "legacy", enabled = false }` needs `legacy` off, and `{ flag = "checkout", variants = ["blue"] }`
/// needs `checkout` on with one of those variants (Unleash's dependent features).
///
/// ```
/// let manifest = flag_manifest::Manifest::parse(r#"
/// [flags.legacy]
/// mode = "dynamic"
/// [flags.modern]
/// mode = "dynamic"
/// requires = [{ flag = "legacy", enabled = false }]
/// "#).unwrap();
/// let requirement = &manifest.flag("modern").unwrap().requirements[0];
/// assert!(requirement.is_met(false, None));
/// assert!(!requirement.is_met(true, None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The required flag.
    pub flag: String,
    /// The state it must be in.
    pub enabled: bool,
    /// When not empty, the required flag must be on with one of these variants.
    pub variants: Vec<String>,
    /// The bytes of the entry in the manifest, for diagnostics.
    pub span: Range<usize>,
}

impl Requirement {
    /// Whether the required flag, being `enabled` with `variant` for a context, satisfies this requirement.
    pub fn is_met(&self, enabled: bool, variant: Option<&str>) -> bool {
        if !self.enabled {
            return !enabled;
        }
        enabled
            && (self.variants.is_empty()
                || variant.is_some_and(|name| self.variants.iter().any(|wanted| wanted == name)))
    }
}

impl Serialize for Requirement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.enabled && self.variants.is_empty() {
            return serializer.serialize_str(&self.flag);
        }
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("flag", &self.flag)?;
        if !self.enabled {
            out.serialize_entry("enabled", &false)?;
        }
        if !self.variants.is_empty() {
            out.serialize_entry("variants", &self.variants)?;
        }
        out.end()
    }
}

/// The flag's targeting as TOML text, which [`parse_flag_rules`](crate::parse_flag_rules) reads back into an
/// equal [`Targeting`]: how generated code and other processes carry a flag's rules.
///
/// ```
/// let manifest = flag_manifest::Manifest::parse(r#"
/// [flags.checkout_v2]
/// mode = "dynamic"
/// [[flags.checkout_v2.rules]]
/// rollout = { percent = 25 }
/// "#).unwrap();
/// let flag = manifest.flag("checkout_v2").unwrap();
/// let text = flag_manifest::rules_to_toml(flag);
/// assert_eq!(flag_manifest::parse_flag_rules(&text).unwrap(), flag.targeting);
/// ```
pub fn rules_to_toml(flag: &Flag) -> String {
    targeting_to_toml(&flag.targeting)
}
