//! The targeting keys of a flag's table (`rules`, `variants`, `variant_stickiness` and what they hold), as
//! serde reads them, and a targeting on its own, as [`crate::targeting_to_toml`] writes it.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

/// One `[[flags.NAME.rules]]` table: a way for a context to turn the flag on. Every condition the rule
/// states must hold; a rule without conditions matches every context.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Rule"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    /// The context's user id must be one of these (an empty list matches no one).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::raw::shapes::Scalar>>")
    )]
    pub(crate) user_ids: Option<Vec<Spanned<toml::Value>>>,
    /// Conditions on the context's fields; all must hold.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::Constraints<RawConstraint>")
    )]
    pub(crate) constraints: Vec<Spanned<RawConstraint>>,
    /// Only this sticky share of the contexts that pass the other conditions matches.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawRollout>"))]
    pub(crate) rollout: Option<Spanned<RawRollout>>,
    /// On a flag with `type`: the name of the value this rule chooses (else its variants, else the flag's
    /// variants choose one).
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::VariantName>")
    )]
    pub(crate) value: Option<Spanned<String>>,
    /// Variants for the contexts this rule turns on, chosen with the rollout's group and stickiness; when
    /// empty, the flag's variants apply.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "crate::raw::shapes::Variants"))]
    pub(crate) variants: Vec<Spanned<RawVariant>>,
}

/// A condition on one field of the context, such as
/// `{ context = "country", operator = "in", values = ["NZ", "AU"] }`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Constraint"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConstraint {
    /// The field compared: `user_id`, `session_id`, `remote_address`, `current_time`, `environment`,
    /// `app_name`, or a property's name.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::ContextField")
    )]
    pub(crate) context: Spanned<String>,
    /// How the field is compared with the values.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::OperatorName")
    )]
    pub(crate) operator: Spanned<String>,
    /// The values to compare with: any number for `in`, `not_in`, `str_*` and `in_cidr`, exactly one
    /// (counting `value`) for the others.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::raw::shapes::Scalar>>")
    )]
    pub(crate) values: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    /// The value to compare with, for the operators that take one.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Scalar>")
    )]
    pub(crate) value: Option<Spanned<toml::Value>>,
    /// Compare ignoring case (`in`, `not_in`, `str_*` and `regex` only).
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<bool>", extend("default" = false))
    )]
    pub(crate) case_insensitive: Option<Spanned<bool>>,
    /// Negate the outcome.
    #[serde(default)]
    pub(crate) inverted: bool,
}

/// A sticky percentage of the contexts: the same stickiness value always lands in the same bucket.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Rollout"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRollout {
    /// The share of contexts that match, 0 to 100.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::Integer", range(min = 0, max = 100))
    )]
    pub(crate) percent: Spanned<i64>,
    /// What keeps a context in its bucket: `default` (user id, else session id, else random), `user_id`,
    /// `session_id`, `random`, or another context field or property.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::raw::shapes::Stickiness>")
    )]
    pub(crate) stickiness: Option<Spanned<String>>,
    /// Salts the buckets, so that flags sharing a group roll out to the same contexts; the flag's name when
    /// absent.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(min = 1)))]
    pub(crate) group: Option<Spanned<String>>,
}

/// One weighted variant: `[[flags.NAME.variants]]`, or an entry of a rule's `variants`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Variant"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    /// The variant's name: lowercase snake_case, unique among its siblings.
    #[cfg_attr(feature = "schema", schemars(with = "crate::raw::shapes::VariantName"))]
    pub(crate) name: Spanned<String>,
    /// Its share: its weight over the sum of its siblings' weights (0 never wins by weight).
    #[cfg_attr(
        feature = "schema",
        schemars(
            with = "crate::raw::shapes::Integer",
            range(min = 0, max = 4_294_967_295_i64)
        )
    )]
    pub(crate) weight: Spanned<i64>,
    /// Data handed to the code with the variant.
    #[cfg_attr(feature = "schema", schemars(with = "Option<RawPayload>"))]
    pub(crate) payload: Option<Spanned<RawPayload>>,
    /// Contexts that always get this variant, whatever the weights.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<RawOverride>"))]
    pub(crate) overrides: Vec<Spanned<RawOverride>>,
}

/// Data attached to a variant, such as `{ type = "json", value = '{"steps": 1}' }`.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(rename = "Payload", transform = crate::raw::shapes::payload_rules)
)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayload {
    /// How to read `value`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::raw::shapes::PayloadType"))]
    pub(crate) kind: Spanned<String>,
    /// The data, as text (a number is taken as its text).
    #[cfg_attr(feature = "schema", schemars(with = "crate::raw::shapes::Scalar"))]
    pub(crate) value: Spanned<toml::Value>,
}

/// Contexts whose field equals one of `values` get the variant regardless of weights.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "VariantOverride"))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    /// The field: one of the context's fields or a property's name.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::raw::shapes::ContextField")
    )]
    pub(crate) context: Spanned<String>,
    /// The values that select the variant.
    #[cfg_attr(feature = "schema", schemars(with = "Vec<crate::raw::shapes::Scalar>"))]
    pub(crate) values: Vec<Spanned<toml::Value>>,
}

/// A targeting on its own, as [`crate::targeting_to_toml`] writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDocument {
    pub(crate) variant_stickiness: Option<Spanned<String>>,
    pub(crate) rules: Option<Vec<Spanned<RawRule>>>,
    pub(crate) variants: Option<Vec<Spanned<RawVariant>>>,
}

/// Whether a flag's table has a targeting key (even an empty list), and which, with the span to point at
/// if it may not: the first entry, else `fallback` (the flag's name).
pub(crate) fn has_targeting(
    variant_stickiness: Option<&Spanned<String>>,
    rules: Option<&Vec<Spanned<RawRule>>>,
    variants: Option<&Vec<Spanned<RawVariant>>>,
    fallback: Range<usize>,
) -> Option<(&'static str, Range<usize>)> {
    if let Some(rules) = rules {
        return Some(("rules", rules.first().map_or(fallback, Spanned::span)));
    }
    if let Some(variants) = variants {
        return Some(("variants", variants.first().map_or(fallback, Spanned::span)));
    }
    variant_stickiness.map(|stickiness| ("variant_stickiness", stickiness.span()))
}
