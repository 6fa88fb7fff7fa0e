//! Where a context falls in a rollout, or among weighted variants: Unleash's bucketing (see the module
//! above), compiled once per rule. The group's hash state is kept after `"{group}:"`, so a bucket only hashes
//! the stickiness value; a rollout decides its common case (`default` or `user_id` stickiness, an id of four
//! bytes or more) without a stack frame and hands the rest to a general version out of line.

use flag_manifest::{Payload, Rollout, Stickiness, Variant};

use super::constraint::Field;
use super::context::Context;
use super::murmur::Murmur3;
use super::random;

/// Unleash's seed for variant buckets.
const VARIANT_SEED: u32 = 86_028_157;

#[derive(Debug)]
pub(super) enum Sticky {
    Default,
    UserId,
    SessionId,
    Random,
    Field(Field),
}

impl Sticky {
    fn new(stickiness: &Stickiness) -> Sticky {
        match stickiness {
            Stickiness::Default => Sticky::Default,
            Stickiness::UserId => Sticky::UserId,
            Stickiness::SessionId => Sticky::SessionId,
            Stickiness::Random => Sticky::Random,
            Stickiness::Field(name) => Sticky::Field(Field::from_name(name)),
        }
    }
}

/// The hash state after `"{group}:"`, computed once: a bucket only adds the stickiness value.
fn group_prefix(group: &str, seed: u32) -> Murmur3 {
    let mut prefix = Murmur3::new(seed);
    prefix.write(group.as_bytes());
    prefix.write(b":");
    prefix
}

/// The hash of the kept `prefix` state continued with `bytes`: [`Murmur3::finish_with`], or (for
/// `scripts/trick-cost`) the general `write` and `finish`.
#[inline]
fn finish(prefix: Murmur3, bytes: &[u8]) -> u32 {
    if cfg!(flag_runtime_without = "finish_with") {
        let mut hasher = prefix;
        hasher.write(bytes);
        hasher.finish()
    } else {
        prefix.finish_with(bytes)
    }
}

/// The hash a bucket is taken from: `murmur3("{group}:{key}")` continued from the group's `prefix` state, or
/// a random draw without a key.
///
/// The caller reduces it (`% 100` for a rollout, `% total_weight + 1` for variants): a modulus passed in
/// here would need a hardware division that costs as much as the hash, where a constant one compiles to
/// multiplications.
#[inline]
fn sticky_hash(prefix: Murmur3, key: Option<&str>) -> u32 {
    match key {
        Some(key) => finish(prefix, key.as_bytes()),
        None => random::next_u32(),
    }
}

#[derive(Debug)]
pub(super) struct CompiledRollout {
    percent: u32,
    sticky: Sticky,
    /// The hash state after `"{group}:"` with seed 0.
    prefix: Murmur3,
}

impl CompiledRollout {
    pub(super) fn new(flag_name: &str, rollout: &Rollout) -> Self {
        CompiledRollout {
            percent: u32::from(rollout.percent),
            sticky: Sticky::new(&rollout.stickiness),
            prefix: group_prefix(rollout.group.as_deref().unwrap_or(flag_name), 0),
        }
    }

    /// Whether the rollout buckets by user id (`stickiness = "user_id"`): a context without one never gets in.
    pub(super) fn by_user_id(&self) -> bool {
        matches!(self.sticky, Sticky::UserId)
    }

    /// Whether the context's bucket is within the rollout's percentage.
    ///
    /// The common cases, `default` or `user_id` stickiness with an id of four bytes or more, are evaluated
    /// here; every other one is a tail call to [`CompiledRollout::matches_in_full`], so that
    /// this needs no stack frame.
    #[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
    pub(super) fn matches(&self, ctx: &Context<'_>) -> bool {
        if cfg!(flag_runtime_without = "out_of_line") {
            return self.matches_in_full(ctx);
        }
        let key = if let Sticky::Default = self.sticky {
            match (ctx.user(), ctx.session()) {
                (Some(user), _) => user,
                (None, Some(session)) => session,
                (None, None) => return self.matches_in_full(ctx),
            }
        } else if let (Sticky::UserId, Some(user)) = (&self.sticky, ctx.user()) {
            user
        } else {
            return self.matches_in_full(ctx);
        };
        if key.len() < 4 {
            return self.matches_in_full(ctx);
        }
        self.admits(finish(self.prefix, key.as_bytes()))
    }

    #[cfg_attr(not(flag_runtime_without = "out_of_line"), inline(never))]
    fn matches_in_full(&self, ctx: &Context<'_>) -> bool {
        if self.percent == 0 {
            return false;
        }
        // `None`: a random draw; a missing user id, session id or field matches no bucket.
        let key = match &self.sticky {
            Sticky::Default => ctx.user().or_else(|| ctx.session()),
            Sticky::Random => None,
            Sticky::UserId => match ctx.user() {
                Some(user) => Some(user),
                None => return false,
            },
            Sticky::SessionId => match ctx.session() {
                Some(session) => Some(session),
                None => return false,
            },
            Sticky::Field(field) => match field.get(ctx) {
                Some(value) => Some(value),
                None => return false,
            },
        };
        self.admits(sticky_hash(self.prefix, key))
    }

    /// Whether a bucket's hash is within the percentage: Unleash's `percent > 0 && hash % 100 + 1 <=
    /// percent`. (A multiply-and-compare form of this remainder, Lemire's, measured no fewer instructions
    /// in `scripts/trick-cost`: the compiler already turns `% 100` into multiplications.)
    #[inline]
    fn admits(&self, hash: u32) -> bool {
        hash % 100 < self.percent
    }
}

/// Contexts whose field has one of these values get the variant.
#[derive(Debug)]
pub(super) struct Override {
    field: Field,
    values: Box<[Box<str>]>,
}

#[derive(Debug)]
pub(super) struct CompiledVariant {
    /// The variant's position among the flag's variant names.
    pub(super) index: usize,
    weight: u32,
    pub(super) payload: Option<Payload>,
    overrides: Box<[Override]>,
}

#[derive(Debug)]
pub(super) struct VariantSet {
    pub(super) variants: Box<[CompiledVariant]>,
    total_weight: u32,
    sticky: Sticky,
    /// The hash state after `"{group}:"` with Unleash's variant seed.
    prefix: Murmur3,
}

impl VariantSet {
    /// `None` when there is nothing to choose from (no variants, or all of weight 0).
    pub(super) fn new(
        variants: &[Variant],
        stickiness: &Stickiness,
        group: &str,
        variant_names: &[Box<str>],
    ) -> Option<VariantSet> {
        let total_weight = variants
            .iter()
            .fold(0u32, |total, variant| total.saturating_add(variant.weight));
        if total_weight == 0 {
            return None;
        }
        let variants = variants
            .iter()
            .map(|variant| CompiledVariant {
                index: variant_names
                    .iter()
                    .position(|name| **name == *variant.name)
                    .unwrap_or(0),
                weight: variant.weight,
                payload: variant.payload.clone(),
                overrides: variant
                    .overrides
                    .iter()
                    .map(|entry| Override {
                        field: Field::from_name(&entry.context),
                        values: entry
                            .values
                            .iter()
                            .map(|value| Box::from(value.as_str()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Some(VariantSet {
            variants,
            total_weight,
            sticky: Sticky::new(stickiness),
            prefix: group_prefix(group, VARIANT_SEED),
        })
    }

    /// The variant for `ctx`, and whether an override (rather than its weight) chose it.
    pub(super) fn select(&self, ctx: &Context<'_>) -> Option<(&CompiledVariant, bool)> {
        let overridden = self.variants.iter().find(|variant| {
            variant.overrides.iter().any(|entry| {
                entry
                    .field
                    .get(ctx)
                    .is_some_and(|value| entry.values.iter().any(|wanted| **wanted == *value))
            })
        });
        if let Some(variant) = overridden {
            return Some((variant, true));
        }
        // `None`: a random draw, also when the chosen field is missing.
        let key = match &self.sticky {
            Sticky::Default => ctx
                .user()
                .or_else(|| ctx.session())
                .or_else(|| ctx.address()),
            Sticky::UserId => ctx.user(),
            Sticky::SessionId => ctx.session(),
            Sticky::Random => None,
            Sticky::Field(field) => field.get(ctx),
        };
        let target = sticky_hash(self.prefix, key) % self.total_weight + 1;
        let mut cumulative = 0u32;
        self.variants
            .iter()
            .find(|variant| {
                if variant.weight == 0 {
                    return false;
                }
                cumulative = cumulative.saturating_add(variant.weight);
                cumulative >= target
            })
            .map(|variant| (variant, false))
    }
}
