//! The targeting engine: decides a dynamic flag, and its variant, for one [`Context`].
//!
//! A flag's [`Targeting`] (from the manifest, a runtime file or generated code) is compiled once into a
//! [`CompiledTargeting`]: context fields resolved, constraint values parsed, regular expressions built. That
//! form is immutable, so it can be shared between threads and swapped as a whole when the rules change.
//! Evaluating it allocates nothing: hashes stream over their parts, context values are parsed in place.
//!
//! Bucketing is Unleash's, so users keep their buckets if a flag moves there:
//! - a rollout's bucket is `murmur3_x86_32("{group}:{value}", 0) % 100 + 1`, and the rollout matches when
//!   `percent > 0 && bucket <= percent`;
//! - a variant's bucket is `murmur3_x86_32("{group}:{value}", 86028157) % total_weight + 1`, and the variant
//!   is the first whose cumulative weight reaches it, after overrides;
//! - `default` stickiness takes the user id, else the session id (else, for variants, the remote address),
//!   else a random draw.
//!
//! A contextual check should cost little more than the hash it cannot avoid (`benches/check.rs`, group
//! `contextual`), so evaluation is shaped for the common flag: one rule, whose constraints are `in`/`not_in`
//! on short properties, with a rollout by user or session id. Each step (the rules, a rule, its constraints,
//! its rollout) is a small function that decides its common case without calling anything and hands every
//! other case to a general version out of line, by a tail call where it can. Measured, that beats one large
//! function: the rare cases' code would claim registers, and so stack spills, on every check.

mod bucket;
mod constraint;
mod context;
mod murmur;
mod random;
mod short_str;

use flag_manifest::{Payload, Rollout, Rule, Stickiness, Targeting};

use crate::value::Reason;

use self::bucket::{CompiledRollout, VariantSet};
use self::constraint::CompiledConstraint;
pub use self::context::Context;
pub use self::murmur::murmur3_x86_32;

/// One flag's targeting, compiled for evaluation.
///
/// ```
/// # use flag_runtime::__targeting_for_tests::CompiledTargeting;
/// # use flag_runtime::Context;
/// let targeting = flag_manifest::parse_flag_rules(r#"
/// [[rules]]
/// constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
/// rollout = { percent = 100 }
/// [[variants]]
/// name = "blue"
/// weight = 1
/// "#).unwrap();
/// let compiled = CompiledTargeting::new("checkout_v2", &targeting).unwrap();
/// let kiwi = Context::new().user_id("42").property("country", "NZ");
/// assert!(compiled.is_enabled(&kiwi, false));
/// assert!(!compiled.is_enabled(&Context::new().property("country", "FR"), false));
/// assert_eq!(compiled.variant(&kiwi, false).unwrap().name, "blue");
/// ```
#[derive(Debug)]
pub struct CompiledTargeting {
    rules: Box<[CompiledRule]>,
    variants: Option<VariantSet>,
    variant_names: Box<[Box<str>]>,
    /// Whether a rule rolls out by user id (see [`Outcome::missing_user_id`]).
    user_id_rollout: bool,
}

/// The variant chosen for a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantChoice<'t> {
    /// The variant's position in [`Targeting::variant_names`] (the flag's variants, then each rule's,
    /// without repeats).
    pub index: usize,
    /// The variant's name.
    pub name: &'t str,
    /// The variant's payload, if it has one.
    pub payload: Option<&'t Payload>,
}

/// A flag's state and variant for one context, borrowed from the targeting that decided them: what
/// [`crate::evaluate`] copies into an owned [`crate::Evaluation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome<'t> {
    /// Whether the flag is on.
    pub enabled: bool,
    /// The variant, when the flag is on and has variants for this context.
    pub variant: Option<VariantChoice<'t>>,
    /// The variant's index in the program's enum (see `flag_variants!`). Targeting alone never knows it
    /// (`None`): the flag's cell, which knows the enum, fills it in.
    pub enum_index: Option<usize>,
    /// Why the flag has this outcome (the order is the targeting engine's `resolve`).
    pub reason: Reason,
    /// For a value flag: the name of the value a rule or a variant chose (`None`: the default value).
    pub value: Option<&'t str>,
    /// Whether the outcome is the default for want of a user id: no rule matched, the context has none, and
    /// a rule whose user ids and constraints hold for it rolls out by user id (`stickiness = "user_id"`,
    /// which a context without one never passes).
    pub missing_user_id: bool,
}

impl Outcome<'_> {
    /// A flag that is `enabled` or not, without a variant, for no reason more precise than its default.
    pub fn plain(enabled: bool) -> Self {
        Outcome {
            enabled,
            variant: None,
            enum_index: None,
            reason: Reason::Default,
            value: None,
            missing_user_id: false,
        }
    }
}

/// What a flag is, and its process-wide state, for [`resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plain {
    /// The state its sources give (for a value flag: whether it is enabled).
    pub enabled: bool,
    /// Whether it is decided at run time.
    pub dynamic: bool,
    /// Whether it carries values (`type` in the manifest).
    pub value_flag: bool,
}

/// The one order in which a flag is decided for a context, with its [`Reason`]:
///
/// 1. a value flag that is not enabled: off, its default value, [`Reason::Disabled`];
/// 2. a static flag: its build state (and value), [`Reason::Static`];
/// 3. the first rule whose conditions match and whose rollout admits the context: its `value`
///    ([`Reason::TargetingMatch`], or [`Reason::Split`] when a rollout below 100% admitted it), else a
///    variant override ([`Reason::TargetingMatch`]) or a weighted variant ([`Reason::Split`]);
/// 4. no rule matched: [`Reason::Default`] (off for an on/off flag with rules, the default value for a
///    value flag); a flag without rules keeps its plain state, with its variants chosen as in 3.
///
/// `requires` is applied after, by the flag's cell.
#[inline]
pub fn resolve<'t>(
    compiled: Option<&'t CompiledTargeting>,
    ctx: &Context<'_>,
    plain: Plain,
) -> Outcome<'t> {
    if plain.value_flag && !plain.enabled {
        return Outcome {
            reason: Reason::Disabled,
            ..Outcome::plain(false)
        };
    }
    if !plain.dynamic {
        return Outcome {
            reason: Reason::Static,
            ..Outcome::plain(plain.enabled)
        };
    }
    let Some(compiled) = compiled else {
        return Outcome::plain(plain.enabled);
    };
    let mut outcome = compiled.evaluate(ctx, plain.enabled);
    outcome.missing_user_id = outcome.reason == Reason::Default
        && compiled.user_id_rollout
        && ctx.user().is_none()
        && compiled.rules.iter().any(|rule| rule.wants_user_id(ctx));
    if plain.value_flag {
        // A value flag is enabled here: with rules and none matching, it gives its default value.
        outcome.enabled = true;
        if outcome.value.is_none() {
            outcome.value = outcome.variant.map(|variant| variant.name);
        }
    }
    outcome
}

impl CompiledTargeting {
    /// Compiles `targeting` for the flag called `flag_name`, whose name is the default rollout group and the
    /// group of the flag's variants.
    ///
    /// Fails only where the manifest's checks would have (a model built by hand, not parsed) or on a `regex`
    /// constraint without the `regex` feature; the message names the rule and says what is wrong.
    pub fn new(flag_name: &str, targeting: &Targeting) -> Result<Self, String> {
        let variant_names: Box<[Box<str>]> = targeting
            .variant_names()
            .into_iter()
            .map(Box::from)
            .collect();
        let rules = targeting
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                CompiledRule::new(flag_name, rule, &variant_names)
                    .map_err(|error| format!("flag `{flag_name}`, rule {}: {error}", index + 1))
            })
            .collect::<Result<_, _>>()?;
        let variants = VariantSet::new(
            &targeting.variants,
            &targeting.variant_stickiness,
            flag_name,
            &variant_names,
        );
        let user_id_rollout = targeting.rules.iter().any(|rule| {
            rule.rollout
                .as_ref()
                .is_some_and(|rollout| rollout.stickiness == Stickiness::UserId)
        });
        Ok(CompiledTargeting {
            rules,
            variants,
            variant_names,
            user_id_rollout,
        })
    }

    /// Whether the flag is on for `ctx`: when it has rules, whether any matches; otherwise `default` (the
    /// flag's plain state, from its sources).
    #[inline]
    pub fn is_enabled(&self, ctx: &Context<'_>, default: bool) -> bool {
        if self.rules.is_empty() {
            default
        } else {
            self.any_rule_matches(ctx)
        }
    }

    /// Whether any rule matches `ctx` (none does when there are none): [`CompiledTargeting::is_enabled`]
    /// for a flag with rules, without its plain state.
    #[inline]
    pub fn any_rule_matches(&self, ctx: &Context<'_>) -> bool {
        // One rule, the common case, is a tail call; a loop over several would need a stack frame here.
        match &*self.rules {
            [] => false,
            [rule] => rule.matches(ctx),
            rules => any_matches(rules, ctx),
        }
    }

    /// The variant for `ctx`, or `None` when the flag is off for it (see [`CompiledTargeting::is_enabled`])
    /// or has no variants for it. The first matching rule's own variants come first, then the flag's.
    #[inline]
    pub fn variant(&self, ctx: &Context<'_>, default: bool) -> Option<VariantChoice<'_>> {
        self.evaluate(ctx, default).variant
    }

    /// The flag's state and variant for `ctx` in one pass (with `random` stickiness, separate calls to
    /// [`CompiledTargeting::is_enabled`] and [`CompiledTargeting::variant`] draw separately).
    /// The reason is [`Reason::Default`] when no rule matched, else as [`resolve`] says (which also
    /// handles static and disabled flags).
    #[inline]
    pub fn evaluate(&self, ctx: &Context<'_>, default: bool) -> Outcome<'_> {
        let (enabled, rule) = if self.rules.is_empty() {
            (default, None)
        } else {
            match self.rules.iter().find(|rule| rule.matches(ctx)) {
                Some(rule) => (true, Some(rule)),
                None => (false, None),
            }
        };
        if !enabled {
            return Outcome::plain(false);
        }
        let rule_reason = match rule {
            Some(rule) if rule.partial => Reason::Split,
            Some(_) => Reason::TargetingMatch,
            None => Reason::Default,
        };
        if let Some(value) = rule.and_then(|rule| rule.value.as_deref()) {
            return Outcome {
                enabled,
                variant: None,
                enum_index: None,
                reason: rule_reason,
                value: Some(value),
                missing_user_id: false,
            };
        }
        let rule_variant = rule
            .and_then(|rule| rule.variants.as_ref())
            .and_then(|variants| variants.select(ctx));
        let chosen = rule_variant.or_else(|| {
            self.variants
                .as_ref()
                .and_then(|variants| variants.select(ctx))
        });
        let reason = match chosen {
            Some((_, true)) => Reason::TargetingMatch,
            Some((_, false)) => Reason::Split,
            None => rule_reason,
        };
        let variant = chosen.map(|(variant, _)| VariantChoice {
            index: variant.index,
            name: &self.variant_names[variant.index],
            payload: variant.payload.as_ref(),
        });
        Outcome {
            enabled,
            variant,
            enum_index: None,
            reason,
            value: None,
            missing_user_id: false,
        }
    }

    /// Whether the flag has rules (without rules, its plain state decides).
    #[inline]
    pub fn has_rules(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Every variant name, indexed as [`VariantChoice::index`].
    pub fn variant_names(&self) -> impl Iterator<Item = &str> {
        self.variant_names.iter().map(|name| &**name)
    }

    /// The payload of the variant at `index` (see [`VariantChoice::index`]): the flag's own variant of that
    /// name if it has one, else the first rule's that does.
    pub fn payload(&self, index: usize) -> Option<&Payload> {
        self.variants
            .iter()
            .chain(self.rules.iter().filter_map(|rule| rule.variants.as_ref()))
            .flat_map(|set| set.variants.iter())
            .find(|variant| variant.index == index)
            .and_then(|variant| variant.payload.as_ref())
    }
}

#[derive(Debug)]
struct CompiledRule {
    user_ids: Option<Box<[Box<str>]>>,
    constraints: Box<[CompiledConstraint]>,
    rollout: Option<CompiledRollout>,
    variants: Option<VariantSet>,
    /// The name of the value the rule chooses (value flags).
    value: Option<Box<str>>,
    /// Whether its rollout admits less than everyone (a match is then a [`Reason::Split`]).
    partial: bool,
}

impl CompiledRule {
    fn new(flag_name: &str, rule: &Rule, variant_names: &[Box<str>]) -> Result<Self, String> {
        let constraints = rule
            .constraints
            .iter()
            .map(CompiledConstraint::new)
            .collect::<Result<_, _>>()?;
        let rollout = rule
            .rollout
            .as_ref()
            .map(|rollout| CompiledRollout::new(flag_name, rollout));
        // A rule's variants are bucketed like its rollout: same group, same stickiness.
        let (stickiness, group) = match &rule.rollout {
            Some(Rollout {
                stickiness, group, ..
            }) => (stickiness.clone(), group.as_deref().unwrap_or(flag_name)),
            None => (Stickiness::Default, flag_name),
        };
        Ok(CompiledRule {
            user_ids: rule
                .user_ids
                .as_ref()
                .map(|ids| ids.iter().map(|id| Box::from(id.as_str())).collect()),
            constraints,
            rollout,
            variants: VariantSet::new(&rule.variants, &stickiness, group, variant_names),
            value: rule.value.as_deref().map(Box::from),
            partial: rule
                .rollout
                .as_ref()
                .is_some_and(|rollout| rollout.percent < 100),
        })
    }

    #[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
    fn matches(&self, ctx: &Context<'_>) -> bool {
        (self.constraints.is_empty() || constraint::all_hold(&self.constraints, ctx))
            && self.user_ids.as_ref().is_none_or(|ids| is_listed(ids, ctx))
            && self
                .rollout
                .as_ref()
                .is_none_or(|rollout| rollout.matches(ctx))
    }

    /// Whether the rule rolls out by user id and would be asked to admit `ctx` (its user ids and
    /// constraints hold): what a context without a user id fails for want of one.
    fn wants_user_id(&self, ctx: &Context<'_>) -> bool {
        self.rollout
            .as_ref()
            .is_some_and(|rollout| rollout.by_user_id())
            && (self.constraints.is_empty() || constraint::all_hold(&self.constraints, ctx))
            && self.user_ids.as_ref().is_none_or(|ids| is_listed(ids, ctx))
    }
}

/// Whether any of `rules` matches `ctx`.
#[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
fn any_matches(rules: &[CompiledRule], ctx: &Context<'_>) -> bool {
    rules.iter().any(|rule| rule.matches(ctx))
}

/// Whether the context's user id is one of `ids`.
#[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
fn is_listed(ids: &[Box<str>], ctx: &Context<'_>) -> bool {
    ctx.user()
        .is_some_and(|user| ids.iter().any(|id| **id == *user))
}

#[cfg(test)]
mod tests;
