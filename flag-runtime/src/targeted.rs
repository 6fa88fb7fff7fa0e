//! Contextual checks: a flag's compiled targeting as the registry publishes it, its evaluation for one
//! [`Context`], and the opt-in evaluation counters.
//!
//! The registry compiles a flag's targeting (its rules, variants and `requires` entries) when the flag is
//! declared or a runtime file replaces its rules, and publishes it through an atomic pointer in the flag's
//! cell: null while an explicit state (`FEATURE_FLAGS`, `set`, an override) forces the flag for everyone,
//! or when the flag has nothing to evaluate. A contextual check is then one pointer load plus the engine's
//! evaluation, with no lock and no allocation. Published targetings are never freed (a flag's rules change
//! rarely, and each change costs the size of its rules); that is what makes the pointer safe to read.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use flag_manifest::Requirement;

use crate::registry::{FlagCell, Forced, ForcedVariant};
use crate::targeting::{CompiledTargeting, Context, Evaluation, VariantChoice};

/// A flag's targeting, compiled and ready to evaluate.
#[derive(Debug)]
pub(crate) struct Targeted {
    compiled: Option<CompiledTargeting>,
    /// Each `requires` entry with the cell of the flag it names.
    requirements: Box<[(&'static FlagCell, Requirement)]>,
    /// For each variant index of `compiled`, the index of the same name in the compiled-in enum, if any.
    enum_index: Box<[Option<usize>]>,
    /// A variant forced for every context by a process-wide override (with no `compiled` then).
    forced: Option<ForcedVariant>,
}

impl Targeted {
    pub fn new(
        compiled: Option<CompiledTargeting>,
        requirements: Vec<(&'static FlagCell, Requirement)>,
        enum_names: &[&str],
        forced: Option<ForcedVariant>,
    ) -> Targeted {
        let enum_index = compiled
            .as_ref()
            .map(|compiled| {
                compiled
                    .variant_names()
                    .map(|name| enum_names.iter().position(|known| *known == name))
                    .collect()
            })
            .unwrap_or_default();
        Targeted {
            compiled,
            requirements: requirements.into_boxed_slice(),
            enum_index,
            forced,
        }
    }

    /// The variant a process-wide override forces, if this targeting is one's.
    pub fn forced(&self) -> Option<ForcedVariant> {
        self.forced
    }

    /// The variant called `name`, as an evaluation would report it.
    pub fn choice_named(&'static self, name: &str) -> Option<VariantChoice<'static>> {
        let compiled = self.compiled.as_ref()?;
        let index = compiled.variant_names().position(|known| known == name)?;
        Some(VariantChoice {
            index,
            name: compiled.variant_names().nth(index)?,
            payload: compiled.payload(index),
        })
    }

    /// The state for `ctx` of the flag of `cell`, which published this targeting.
    ///
    /// Out of line, once for all checks; without `requires` entries the engine's evaluation is its tail
    /// call, and the flag's process-wide state is only read when no rule decides.
    #[inline(never)]
    fn is_enabled(&self, ctx: &Context<'_>, cell: &FlagCell) -> bool {
        if !self.requirements.is_empty() {
            return self.is_enabled_with_requirements(ctx, cell.layered());
        }
        match &self.compiled {
            Some(compiled) if compiled.has_rules() => compiled.any_rule_matches(ctx),
            _ => cell.layered(),
        }
    }

    #[inline(never)]
    fn is_enabled_with_requirements(&self, ctx: &Context<'_>, layered: bool) -> bool {
        let enabled = match &self.compiled {
            Some(compiled) => compiled.is_enabled(ctx, layered),
            None => layered,
        };
        enabled
            && self.requirements.iter().all(|(parent, requirement)| {
                if requirement.variants.is_empty() {
                    requirement.is_met(parent.is_enabled_in(ctx), None)
                } else {
                    let parent = parent.evaluate(ctx);
                    requirement.is_met(parent.enabled, parent.variant.map(|v| v.name))
                }
            })
    }

    /// Leaks the targeting, to publish it for the rest of the program's life.
    pub fn publish(self) -> &'static Targeted {
        Box::leak(Box::new(self))
    }
}

/// A flag's state and variant for one context.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome<'t> {
    pub enabled: bool,
    pub variant: Option<VariantChoice<'t>>,
    /// The variant's index in the compiled-in enum (see `flag_variants!`).
    pub enum_index: Option<usize>,
}

impl Outcome<'static> {
    fn plain(enabled: bool) -> Self {
        Outcome {
            enabled,
            variant: None,
            enum_index: None,
        }
    }

    fn forced(variant: ForcedVariant) -> Self {
        Outcome {
            enabled: true,
            variant: Some(variant.choice),
            enum_index: Some(variant.enum_index),
        }
    }
}

/// The targeting slot of a flag's cell.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    targeted: AtomicPtr<Targeted>,
}

impl Slot {
    pub fn set(&self, targeted: Option<&'static Targeted>) {
        let pointer = targeted.map_or(std::ptr::null_mut(), |targeted| {
            std::ptr::from_ref(targeted).cast_mut()
        });
        self.targeted.store(pointer, Ordering::Release);
    }

    #[inline]
    fn get(&self) -> Option<&'static Targeted> {
        let pointer = self.targeted.load(Ordering::Acquire);
        // SAFETY: the slot holds null or a pointer made by `Targeted::publish` from a leaked `Box`, which is
        // never freed or written through, so it is valid, and immutable, for the rest of the program.
        unsafe { pointer.as_ref() }
    }
}

impl FlagCell {
    /// The flag's state for `ctx`, as the current thread sees it: [`FlagCell::evaluate`] without choosing a
    /// variant.
    ///
    /// Inlined into each contextual check: the two loads that decide whether there is anything to evaluate,
    /// then one call to [`Targeted::is_enabled`].
    #[inline]
    pub fn is_enabled_in(&self, ctx: &Context<'_>) -> bool {
        if let Some(on) = self.local_override() {
            return on;
        }
        match self.slot().get() {
            Some(targeted) => targeted.is_enabled(ctx, self),
            None => self.value(),
        }
    }

    /// The flag's state and variant for `ctx`, as the current thread sees it.
    #[inline]
    pub fn evaluate(&self, ctx: &Context<'_>) -> Outcome<'static> {
        if let Some(forced) = self.local_forced() {
            return match forced {
                Forced::State(on) => Outcome::plain(on),
                Forced::Variant(variant) => Outcome::forced(variant),
            };
        }
        let Some(targeted) = self.slot().get() else {
            return Outcome::plain(self.value());
        };
        let Evaluation { enabled, variant } = match (&targeted.forced, &targeted.compiled) {
            (Some(forced), _) => Evaluation {
                enabled: self.layered(),
                variant: Some(forced.choice),
            },
            (None, Some(compiled)) => compiled.evaluate(ctx, self.layered()),
            (None, None) => Evaluation {
                enabled: self.layered(),
                variant: None,
            },
        };
        let enabled = enabled
            && targeted.requirements.iter().all(|(parent, requirement)| {
                let parent = parent.evaluate(ctx);
                requirement.is_met(parent.enabled, parent.variant.map(|v| v.name))
            });
        if !enabled {
            return Outcome::plain(false);
        }
        let enum_index = match targeted.forced {
            Some(forced) => Some(forced.enum_index),
            None => variant.and_then(|v| targeted.enum_index.get(v.index).copied().flatten()),
        };
        Outcome {
            enabled,
            variant,
            enum_index,
        }
    }
}

/// Whether evaluations are being counted (see [`count_evaluations`]).
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Whether evaluations are counted now.
#[inline]
pub(crate) fn counting() -> bool {
    COUNTING.load(Ordering::Relaxed)
}

/// Starts or stops counting evaluations: how often each flag was checked on and off, and how often each
/// variant was chosen, readable in [`FlagInfo::evaluations`](crate::FlagInfo::evaluations). Off by default,
/// and free while off: while on, context-free checks take their slow path.
///
/// ```
/// use flag_runtime::flag;
///
/// flag_runtime::count_evaluations(true);
/// for _ in 0..3 {
///     let _ = flag!("fast_search");
/// }
/// let counts = flag_runtime::flag_info("fast_search").unwrap().evaluations;
/// assert_eq!(counts.off, 3);
/// flag_runtime::count_evaluations(false);
/// ```
pub fn count_evaluations(on: bool) {
    COUNTING.store(on, Ordering::Relaxed);
    crate::registry::with(|registry| registry.republish());
}

/// How often one flag was evaluated, since counting started.
#[derive(Debug)]
pub(crate) struct Counts {
    on: AtomicU64,
    off: AtomicU64,
    variants: Box<[AtomicU64]>,
}

impl Counts {
    pub fn new(variants: usize) -> Counts {
        Counts {
            on: AtomicU64::new(0),
            off: AtomicU64::new(0),
            variants: (0..variants).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    pub fn record(&self, enabled: bool, enum_index: Option<usize>) {
        let counter = if enabled { &self.on } else { &self.off };
        counter.fetch_add(1, Ordering::Relaxed);
        if let Some(counter) = enum_index.and_then(|index| self.variants.get(index)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn read(&self) -> (u64, u64, Vec<u64>) {
        (
            self.on.load(Ordering::Relaxed),
            self.off.load(Ordering::Relaxed),
            self.variants
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::FlagDecl;
    use crate::registry;

    static DECL: FlagDecl = FlagDecl {
        targeting: "[[rules]]\nuser_ids = [\"7\"]\n",
        ..FlagDecl::dynamic("published_targeting_test", false)
    };

    /// The one `unsafe` read of the runtime, from several threads while the targeting is published again:
    /// run under Miri with `MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-ignore-leaks" cargo +nightly miri test
    /// -p flag-runtime --lib targeted` (published targetings are leaked by design: ignore leaks).
    #[test]
    fn published_targeting_is_read_while_it_is_replaced() {
        let (id, cell) = registry::with(|registry| {
            let id = registry.declare(&DECL);
            registry.compile_targeting_of(id);
            registry.recompute();
            (id, registry.flags[id].cell)
        });
        let readers: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..20).all(|_| {
                        cell.is_enabled_in(&Context::new().user_id("7"))
                            && !cell.is_enabled_in(&Context::new().user_id("8"))
                    })
                })
            })
            .collect();
        for _ in 0..3 {
            registry::with(|registry| registry.compile_targeting_of(id));
        }
        for reader in readers {
            assert!(reader.join().expect("a reader panicked"));
        }
        assert!(cell.evaluate(&Context::new().user_id("7")).enabled);
    }
}
