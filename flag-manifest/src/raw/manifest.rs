//! The tables of a whole `flags.toml` (or of a runtime flags file, which has the same shape), as serde
//! reads them.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{RawRule, RawVariant, has_targeting};

/// A `flags.toml`: the workspace's feature flags, declared once and read by the flag macros, the runtime and
/// `cargo flags`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(title = "flags.toml"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawManifest {
    /// The flags, one `[flags.NAME]` table each. NAME is lowercase snake_case: a lowercase letter, then
    /// lowercase letters, digits and `_`.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::NamedTables<RawFlag>")
    )]
    pub(crate) flags: BTreeMap<Spanned<String>, RawFlag>,
    /// Named sets of flag states, one `[profiles.NAME]` table each, chosen at build time with
    /// `FEATURE_FLAGS_PROFILE=NAME`.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::NamedTables<crate::raw::shapes::Profile>")
    )]
    pub(crate) profiles: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    /// Choices that apply to the whole manifest.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawSettings>"))]
    pub(crate) settings: Option<Spanned<RawSettings>>,
}

/// One `[flags.NAME]` table: a flag, off by default, decided at build time unless `mode = "dynamic"`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(rename = "Flag", transform = crate::raw::shapes::flag_rules)
)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFlag {
    /// What the flag hides, for people and for introspection.
    pub(crate) description: Option<String>,
    /// The flag's state when no profile or override says otherwise (`false` when absent); on a flag with
    /// `type`, the name of the value that applies when no rule chooses another.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::FlagDefault>")
    )]
    pub(crate) default: Option<Spanned<toml::Value>>,
    /// The type of the flag's values: `boolean`, `string`, `integer`, `float` or `object`. Absent, the flag
    /// is on or off.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::ValueTypeName>")
    )]
    pub(crate) value_type: Option<Spanned<String>>,
    /// The flag's named values (with `type`), such as `{ small = 10, large = 200 }`: rules, variants,
    /// `default`, profiles and `FEATURE_FLAGS` choose one by its name.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::NamedValues>")
    )]
    pub(crate) values: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
    /// With `type`: `false` ignores the rules and gives the default value everywhere (`true` when absent).
    #[cfg_attr(feature = "schema", schemars(with = "Option<bool>", extend("default" = true)))]
    pub(crate) enabled: Option<Spanned<bool>>,
    /// Free facts about the flag (strings, integers, floats, booleans), shown by introspection and as
    /// OpenFeature's flag metadata.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Metadata>")
    )]
    pub(crate) metadata: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    /// Decided at build time (`static`, the default) or at run time (`dynamic`).
    #[cfg_attr(feature = "schema", schemars(extend("default" = "static")))]
    pub(crate) mode: Option<RawMode>,
    /// The team or person to ask about the flag.
    pub(crate) owner: Option<String>,
    /// The date after which the flag should be gone from the code, a bare TOML date such as `2027-03-01`.
    /// Past it, each use of the flag warns (or fails, with `[settings] expired = "error"`).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Date>")
    )]
    pub(crate) expires: Option<Spanned<toml::value::Datetime>>,
    /// Flags that must be on wherever this one is on: names, or (on a dynamic flag) tables such as
    /// `{ flag = "legacy", enabled = false }` or `{ flag = "checkout", variants = ["one_page"] }`.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::Requirements")
    )]
    pub(crate) requires: Vec<Spanned<toml::Value>>,
    /// When any rule matches a context, the flag is on for it (dynamic flags only).
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<RawRule>>"))]
    pub(crate) rules: Option<Vec<Spanned<RawRule>>>,
    /// Weighted variants, chosen per context where the flag is on (dynamic flags only).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Variants>")
    )]
    pub(crate) variants: Option<Vec<Spanned<RawVariant>>>,
    /// What keeps a context on the same variant: `default`, `user_id`, `session_id`, `random` or another
    /// context field or property (dynamic flags only).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Stickiness>")
    )]
    pub(crate) variant_stickiness: Option<Spanned<String>>,
}

impl RawFlag {
    /// Where the table first says something about targeting, if it does (`name`: the flag's name, pointed
    /// at when the key holds an empty list).
    pub(crate) fn targeting_key(
        &self,
        name: &Spanned<String>,
    ) -> Option<(&'static str, Range<usize>)> {
        has_targeting(
            self.variant_stickiness.as_ref(),
            self.rules.as_ref(),
            self.variants.as_ref(),
            name.span(),
        )
    }
}

/// The `[settings]` table: choices that apply to the whole manifest.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Settings"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSettings {
    /// What a build does with a flag whose `expires` date has passed.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("default" = "warn")))]
    pub(crate) expired: RawExpired,
}

/// What a build does with a flag past its `expires` date.
#[derive(Deserialize, Default, Clone, Copy)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ExpiredPolicy"))]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawExpired {
    /// A compiler warning at each use of the flag (the default).
    #[default]
    Warn,
    /// A compile error at each use of the flag.
    Error,
}

/// How a flag is decided.
#[derive(Deserialize, Default, Clone, Copy)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Mode"))]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawMode {
    /// Decided at build time: code behind a disabled flag is compiled out, like `#[cfg]` (the default).
    #[default]
    Static,
    /// Decided at run time: the manifest's state is the compiled-in default, and the flag may have rules
    /// and variants.
    Dynamic,
}
