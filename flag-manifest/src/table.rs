//! What a flag's table from outside a build (a runtime flags file, a fleet's key) may change, checked
//! against what the build decided: one rule for the runtime, which checks before it applies, and for
//! `cargo flags fleet`, which checks before it writes.
//!
//! A table replaces the flag's state, rules, variants and variant stickiness, each on its own
//! ([`FileState`]). Refused: a static flag asked to change; a variant the build's `flag_variants!` enum
//! lacks (`variant!` could never return it); a key fixed at build time (`mode`, `description`, `owner`,
//! `expires`, `requires`) given another value.
//!
//! ```
//! use flag_manifest::{Built, Manifest, TableError, parse_flag_table};
//!
//! let manifest = Manifest::parse(r#"
//! [flags.checkout]
//! mode = "dynamic"
//! owner = "team-payments"
//! [[flags.checkout.variants]]
//! name = "control"
//! weight = 1
//! "#).unwrap();
//! let built = Built::from_manifest(manifest.flag("checkout").unwrap());
//!
//! let table = parse_flag_table("checkout", "default = true\nowner = \"team-payments\"\n").unwrap();
//! assert_eq!(built.check(&table, &table.targeting_over(&built.targeting)), Ok(true));
//!
//! let table = parse_flag_table("checkout", "[[variants]]\nname = \"controll\"\nweight = 1\n").unwrap();
//! let Err(TableError::Refused(why)) = built.check(&table, &table.targeting_over(&built.targeting)) else {
//!     panic!("refused");
//! };
//! assert!(why.contains("(did you mean `control`?)"), "{why}");
//! ```

use std::fmt;

use crate::model::{Flag, Mode};
use crate::parse::FileState;
use crate::suggest::closest;
use crate::targeting::Targeting;
use crate::value::FlagValues;

/// One flag as a build decided it: what a table from outside the build is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built<'a> {
    /// Static or dynamic.
    pub mode: Mode,
    /// The state compiled in.
    pub default: bool,
    /// The manifest's description.
    pub description: Option<&'a str>,
    /// The manifest's owner.
    pub owner: Option<&'a str>,
    /// The manifest's expiry, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Each `requires` entry: the flag, the state it needs, the variants it needs.
    pub requirements: Vec<(&'a str, bool, Vec<&'a str>)>,
    /// The variants of the build's `flag_variants!` enum.
    pub variants: Vec<&'a str>,
    /// The targeting compiled in.
    pub targeting: Targeting,
    /// A value flag's type and values (its default is not fixed: a table may choose another); `None` for
    /// an on/off flag.
    pub values: Option<FlagValues>,
}

/// Why a table is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// The flag is static: its state was compiled in.
    Static {
        /// The state compiled in.
        compiled: bool,
    },
    /// The table asks what the build cannot honour; the text says what and what to do.
    Refused(String),
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Static { compiled } => write!(
                f,
                "the flag is static and was compiled {}: it cannot change at run time",
                if *compiled { "on" } else { "off" }
            ),
            TableError::Refused(why) => f.write_str(why),
        }
    }
}

impl<'a> Built<'a> {
    /// The flag as a build of `manifest` with its defaults decides it (a profile or `FEATURE_FLAGS` at
    /// build time may change `default`: set it after).
    pub fn from_manifest(flag: &'a Flag) -> Built<'a> {
        Built {
            mode: flag.mode,
            default: flag.default,
            description: flag.description.as_deref(),
            owner: flag.owner.as_deref(),
            expires: flag.expires.map(|date| date.to_string()),
            requirements: flag
                .requirements
                .iter()
                .map(|required| {
                    (
                        required.flag.as_str(),
                        required.enabled,
                        required.variants.iter().map(String::as_str).collect(),
                    )
                })
                .collect(),
            variants: flag.targeting.variant_names(),
            targeting: flag.targeting.clone(),
            values: flag.values.clone(),
        }
    }

    /// Checks `table`, whose flag would then be decided by `merged` (its targeting with the table applied
    /// over the layers below it): `Ok(true)` when it applies, `Ok(false)` for a static flag's table that
    /// repeats what was compiled in (a copy of the manifest), an error saying why otherwise.
    pub fn check(&self, table: &FileState, merged: &Targeting) -> Result<bool, TableError> {
        self.check_fixed(table)?;
        if self.mode == Mode::Static {
            let unchanged = !table.changes_targeting()
                && match &self.values {
                    None => {
                        table.enabled.is_none_or(|on| on == self.default)
                            && (table.value.is_none() || table.enabled.is_some())
                            && table.value_enabled.is_none()
                    }
                    Some(values) => {
                        table
                            .value
                            .as_deref()
                            .is_none_or(|text| values.choose(text).ok() == values.default)
                            && table.value_enabled.is_none_or(|on| on == self.default)
                    }
                };
            return if unchanged {
                Ok(false)
            } else {
                Err(TableError::Static {
                    compiled: self.default,
                })
            };
        }
        self.check_values(table, merged)?;
        // A value flag's variants name its values; an on/off flag's, the variants its enum was built with.
        let value_names: Vec<&str> = self.values.iter().flat_map(FlagValues::names).collect();
        let known = if self.values.is_some() {
            &value_names
        } else {
            &self.variants
        };
        if let Some(missing) = merged
            .variant_names()
            .into_iter()
            .find(|name| !known.contains(name))
        {
            return Err(TableError::Refused(if known.is_empty() {
                format!(
                    "variant `{missing}`: the program was built without variants for this flag, so \
                     `variant!` could never return it; declare it in flags.toml and rebuild"
                )
            } else {
                let suggestion = match closest(missing, known.iter().copied()) {
                    Some(close) => format!(" (did you mean `{close}`?)"),
                    None => String::new(),
                };
                format!(
                    "variant `{missing}`: the program was built with {} only{suggestion}, so `variant!` \
                     could never return it; declare it in flags.toml and rebuild",
                    known.join(", "),
                )
            }));
        }
        Ok(true)
    }

    /// The keys only the build decides must repeat what it decided, if given at all.
    /// A value flag's `default`, `enabled` and the value names its rules give; none of them on an on/off
    /// flag.
    fn check_values(&self, table: &FileState, merged: &Targeting) -> Result<(), TableError> {
        let rule_values = merged.rules.iter().filter_map(|rule| rule.value.as_deref());
        let Some(values) = &self.values else {
            if let (Some(value), None) = (&table.value, table.enabled) {
                return Err(TableError::Refused(format!(
                    "`default = {value:?}`: the flag is on or off, so its `default` is true or false"
                )));
            }
            if table.value_enabled.is_some() {
                return Err(TableError::Refused(
                    "`enabled`: the flag is on or off; set its `default` instead".to_owned(),
                ));
            }
            if let Some(value) = rule_values.clone().next() {
                return Err(TableError::Refused(format!(
                    "a rule's `value = {value:?}`: the flag is on or off and carries no values"
                )));
            }
            return Ok(());
        };
        if let Some(value) = &table.value {
            values
                .choose(value)
                .map_err(|why| TableError::Refused(format!("`default`: {why}")))?;
        }
        for name in rule_values {
            if values.index_of(name).is_none() {
                return Err(TableError::Refused(format!(
                    "a rule's `value`: `{name}` is not one of the flag's values{} ({})",
                    crate::suggest::did_you_mean(name, values.names()),
                    values.listing()
                )));
            }
        }
        Ok(())
    }

    fn check_fixed(&self, table: &FileState) -> Result<(), TableError> {
        let fixed = &table.fixed;
        let mut differing = Vec::new();
        if fixed.mode.is_some_and(|mode| mode != self.mode) {
            differing.push("mode");
        }
        if fixed
            .description
            .as_deref()
            .is_some_and(|text| Some(text) != self.description)
        {
            differing.push("description");
        }
        if fixed
            .owner
            .as_deref()
            .is_some_and(|owner| Some(owner) != self.owner)
        {
            differing.push("owner");
        }
        if fixed
            .expires
            .is_some_and(|date| Some(date.to_string()) != self.expires)
        {
            differing.push("expires");
        }
        if let Some(requires) = &fixed.requires {
            let same = requires.len() == self.requirements.len()
                && requires.iter().zip(&self.requirements).all(
                    |(given, (flag, enabled, variants))| {
                        given.flag == *flag
                            && given.enabled == *enabled
                            && given.variants.iter().eq(variants.iter())
                    },
                );
            if !same {
                differing.push("requires");
            }
        }
        if let Some(values) = &fixed.values {
            let same = self.values.as_ref().is_some_and(|built| {
                built.value_type == values.value_type
                    && built.values.len() == values.values.len()
                    && built
                        .values
                        .iter()
                        .zip(&values.values)
                        .all(|(a, b)| a.name == b.name && a.value == b.value)
            });
            if !same {
                differing.push("type` and `values");
            }
        }
        if differing.is_empty() {
            return Ok(());
        }
        let keys = differing
            .iter()
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(TableError::Refused(format!(
            "{keys} differ from what the program was built with and only change with a rebuild; remove \
             them from this table, or give the values in flags.toml"
        )))
    }
}
