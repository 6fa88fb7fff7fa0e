//! Targeting: which users a dynamic flag is on for, and which variant each of them gets.
//!
//! A dynamic flag's table may carry `rules` (the flag is on when any rule matches), weighted sticky `variants`
//! and the stickiness of those variants. This module holds that model, as the manifest, a runtime flags file
//! or generated code states it, and the value parsers its checks share with the runtime's evaluation. The
//! semantics are Unleash's (strategies, constraints, `flexibleRollout`, variants), so that a flag moved to
//! Unleash keeps every user in the same bucket; the runtime's engine evaluates this model.
//!
//! ```toml
//! [flags.checkout_v2]
//! mode = "dynamic"
//! variant_stickiness = "user_id"          # optional, "default" when absent
//!
//! [[flags.checkout_v2.rules]]             # on for these users...
//! user_ids = ["42", "7"]
//!
//! [[flags.checkout_v2.rules]]             # ...and for a quarter of New Zealand and Australia
//! constraints = [{ context = "country", operator = "in", values = ["NZ", "AU"] }]
//! rollout = { percent = 25, stickiness = "user_id", group = "checkout" }
//!
//! [[flags.checkout_v2.variants]]
//! name = "control"
//! weight = 50
//!
//! [[flags.checkout_v2.variants]]
//! name = "treatment"
//! weight = 50
//! payload = { type = "json", value = '{"color":"red"}' }
//! overrides = [{ context = "user_id", values = ["42"] }]
//! ```
//!
//! A targeting travels as TOML text: [`targeting_to_toml`] writes it and
//! [`parse_flag_rules`](crate::parse_flag_rules) reads it back, with the manifest's checks, into an equal
//! [`Targeting`].

mod operator;
mod summary;
mod value_kind;
mod values;

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

pub use operator::Operator;
pub use summary::VariantsSummary;
pub(crate) use value_kind::ValueKind;
pub use values::{Cidr, SemVer, parse_number, parse_rfc3339};

/// The context fields the runtime knows by name. Any other name in a constraint, a stickiness or an override
/// is a property, set with `Context::property(name, value)`.
pub const CONTEXT_FIELDS: [&str; 6] = [
    "user_id",
    "session_id",
    "remote_address",
    "current_time",
    "environment",
    "app_name",
];

/// The names Unleash gives the context's fields, and ours.
pub(crate) const UNLEASH_FIELD_NAMES: [(&str, &str); 5] = [
    ("userId", "user_id"),
    ("sessionId", "session_id"),
    ("remoteAddress", "remote_address"),
    ("currentTime", "current_time"),
    ("appName", "app_name"),
];

/// Everything that decides a dynamic flag per context: its rules, its variants and their stickiness.
///
/// An empty targeting (no rules, no variants) leaves the flag to its plain on/off state.
///
/// ```
/// let manifest = flag_manifest::Manifest::parse(r#"
/// [flags.checkout_v2]
/// mode = "dynamic"
/// [[flags.checkout_v2.rules]]
/// constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
/// [[flags.checkout_v2.variants]]
/// name = "blue"
/// weight = 1
/// "#).unwrap();
/// let targeting = &manifest.flag("checkout_v2").unwrap().targeting;
/// assert_eq!(targeting.rules[0].constraints[0].operator, flag_manifest::Operator::In);
/// assert_eq!(targeting.variant_names(), ["blue"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Targeting {
    /// What keeps a user on the same flag-level variant (`variant_stickiness`; [`Stickiness::Default`] when
    /// absent). As in Unleash, where the first variant's stickiness applies to all of them, it is one setting
    /// per flag. A rule's own variants use its rollout's stickiness instead.
    #[serde(skip_serializing_if = "Stickiness::is_default")]
    pub variant_stickiness: Stickiness,
    /// The flag is on for a context when any rule matches it; with no rules, the flag's plain state applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Weighted variants, chosen for a context where the flag is on (after a matching rule's own variants).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

impl Targeting {
    /// Whether the targeting says nothing: no rules, no variants, default stickiness.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.variants.is_empty() && self.variant_stickiness.is_default()
    }

    /// Every variant name the flag can yield, without repeats, in declaration order: the flag's variants,
    /// then each rule's. A variant's position in this list is its index everywhere (the runtime's variant
    /// index, a generated enum's discriminant).
    pub fn variant_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        let all = self
            .variants
            .iter()
            .chain(self.rules.iter().flat_map(|rule| rule.variants.iter()));
        for variant in all {
            if !names.contains(&variant.name.as_str()) {
                names.push(&variant.name);
            }
        }
        names
    }
}

/// One way for a context to turn the flag on: every condition it states must hold.
///
/// A rule without conditions matches every context (Unleash's `default` strategy).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Rule {
    /// When present, the context's user id must be one of these (Unleash's `userWithId`; an empty list
    /// matches no one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
    /// Conditions on the context; all must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// When present, only this sticky share of the contexts that pass the other conditions matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    /// On a value flag: the name of the value this rule chooses. Without it, a matching rule leaves the
    /// choice to the variants (whose names are value names), else to the flag's default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Variants for the contexts this rule turns on (Unleash's strategy variants), chosen with the rollout's
    /// group and stickiness; when empty (or all weights are 0), the flag's variants apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// A condition on one field of the context.
///
/// A missing (or empty) field fails every operator except `not_in`, which it passes; `inverted` then flips
/// the outcome, as in Unleash.
///
/// ```
/// use flag_manifest::{Constraint, Operator};
///
/// let constraint = Constraint {
///     context: "app_version".into(),
///     operator: Operator::SemverGt,
///     values: vec!["2.1.0".into()],
///     case_insensitive: false,
///     inverted: true,
/// };
/// assert_eq!(constraint.value(), Some("2.1.0"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The field: one of [`CONTEXT_FIELDS`] or a property name.
    pub context: String,
    /// How the field is compared with the values.
    pub operator: Operator,
    /// The values, already checked for the operator: any number of them for a list operator
    /// ([`Operator::takes_list`]), exactly one for the others.
    pub values: Vec<String>,
    /// Compare strings ignoring case (string operators, `in` and `not_in`, `regex`).
    pub case_insensitive: bool,
    /// Negate the outcome.
    pub inverted: bool,
}

impl Constraint {
    /// The value of a single-value operator (numbers, dates, semver, regex).
    pub fn value(&self) -> Option<&str> {
        match self.values.as_slice() {
            [value] if !self.operator.takes_list() => Some(value),
            _ => None,
        }
    }
}

impl Serialize for Constraint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 2 + 1 + usize::from(self.case_insensitive) + usize::from(self.inverted);
        let mut out = serializer.serialize_struct("Constraint", fields)?;
        out.serialize_field("context", &self.context)?;
        out.serialize_field("operator", &self.operator)?;
        match self.value() {
            Some(value) => out.serialize_field("value", value)?,
            None => out.serialize_field("values", &self.values)?,
        }
        if self.case_insensitive {
            out.serialize_field("case_insensitive", &true)?;
        }
        if self.inverted {
            out.serialize_field("inverted", &true)?;
        }
        out.end()
    }
}

/// A sticky percentage of the contexts: the same stickiness value always lands in the same bucket.
///
/// The bucket is `murmur3_x86_32("{group}:{value}", seed 0) % 100 + 1`; the rollout matches when
/// `percent > 0 && bucket <= percent` (Unleash's `flexibleRollout`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// The share of contexts that match, 0 to 100.
    pub percent: u8,
    /// What keeps a context in its bucket.
    #[serde(skip_serializing_if = "Stickiness::is_default")]
    pub stickiness: Stickiness,
    /// Salts the bucket so that flags sharing a group roll out to the same users; the flag's name when
    /// absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// The context value that keeps a user in the same rollout bucket or on the same variant.
///
/// ```
/// use flag_manifest::Stickiness;
/// assert_eq!(Stickiness::from_name("user_id"), Stickiness::UserId);
/// assert_eq!(Stickiness::from_name("tenant"), Stickiness::Field("tenant".into()));
/// assert_eq!(Stickiness::Field("tenant".into()).as_str(), "tenant");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Stickiness {
    /// The user id, else the session id, else random; for variants, the remote address comes before
    /// random (Unleash's `default`).
    #[default]
    Default,
    /// The user id; a context without one does not match a rollout.
    UserId,
    /// The session id; a context without one does not match a rollout.
    SessionId,
    /// A new random draw at each evaluation: not sticky.
    Random,
    /// Another context field (`remote_address`, `environment`, `app_name`) or a property. A rollout does not
    /// match a context without it; a variant is then chosen at random.
    Field(String),
}

impl Stickiness {
    /// The stickiness written as `name` in the manifest.
    pub fn from_name(name: &str) -> Stickiness {
        match name {
            "default" => Stickiness::Default,
            "user_id" => Stickiness::UserId,
            "session_id" => Stickiness::SessionId,
            "random" => Stickiness::Random,
            field => Stickiness::Field(field.to_owned()),
        }
    }

    /// The name as written in the manifest.
    pub fn as_str(&self) -> &str {
        match self {
            Stickiness::Default => "default",
            Stickiness::UserId => "user_id",
            Stickiness::SessionId => "session_id",
            Stickiness::Random => "random",
            Stickiness::Field(field) => field,
        }
    }

    /// Whether this is [`Stickiness::Default`].
    pub fn is_default(&self) -> bool {
        *self == Stickiness::Default
    }
}

impl fmt::Display for Stickiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Stickiness {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One weighted variant of a flag.
///
/// A context's variant is the first whose override matches it, else the one its sticky bucket
/// (`murmur3_x86_32("{group}:{value}", seed 86028157) % total_weight + 1`) falls in, walking the variants'
/// cumulative weights in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// The variant's name: lowercase snake_case, unique among its siblings.
    pub name: String,
    /// Its share: its weight over the sum of its siblings' weights (0 never wins by weight).
    pub weight: u32,
    /// Data handed to the code with the variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
    /// Contexts that always get this variant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<VariantOverride>,
}

/// Data attached to a variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    /// How to read `value`.
    #[serde(rename = "type")]
    pub kind: PayloadKind,
    /// The data, as text.
    pub value: String,
}

/// How a [`Payload`]'s text is meant to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadKind {
    /// Plain text.
    String,
    /// A JSON document (not checked at parse time).
    Json,
    /// Comma-separated values.
    Csv,
    /// A decimal number (checked at parse time).
    Number,
}

impl PayloadKind {
    /// Every kind, as written in the manifest.
    pub const NAMES: [&'static str; 4] = ["string", "json", "csv", "number"];

    /// The kind's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadKind::String => "string",
            PayloadKind::Json => "json",
            PayloadKind::Csv => "csv",
            PayloadKind::Number => "number",
        }
    }
}

/// Contexts whose field equals one of `values` get the variant regardless of weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantOverride {
    /// The field: one of [`CONTEXT_FIELDS`] or a property name.
    pub context: String,
    /// The values that select the variant.
    pub values: Vec<String>,
}

/// [`Targeting`] as TOML text: `variant_stickiness`, `[[rules]]` and `[[variants]]` at the top level, which
/// [`parse_flag_rules`](crate::parse_flag_rules) reads back into an equal [`Targeting`].
pub fn targeting_to_toml(targeting: &Targeting) -> String {
    // Every field of the model is a string, an integer, a boolean, an array or a table, all of which TOML
    // represents, so serialising does not fail. Were it ever to, the text says so in a form that
    // `parse_flag_rules` refuses, rather than passing for an empty targeting (a flag without its rules).
    toml::to_string(targeting)
        .unwrap_or_else(|error| format!("unserialisable = {:?}\n", error.to_string()))
}
