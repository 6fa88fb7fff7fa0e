//! Contextual checks: a flag's compiled targeting as the registry publishes it, its evaluation for one
//! [`Context`], and the opt-in evaluation counters.
//!
//! The registry compiles a flag's targeting (its rules, variants and `requires` entries) when the flag is
//! declared or a source replaces its rules, and publishes it in the flag's cell through an
//! [`ArcSwapOption`]: empty while an explicit state (`FEATURE_FLAGS`, `set`, an override) forces the flag
//! for everyone, or when the flag has nothing to evaluate. A contextual check then reads it through its
//! thread's cache (see [`Slot`]: a generation compare, no lock, no allocation) and runs the engine. A
//! replaced targeting is freed once no thread holds it, so rules that change all day keep memory flat.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use flag_manifest::Requirement;

use crate::registry::{FlagCell, Forced, ForcedVariant};
use crate::targeting::{self, CompiledTargeting, Context, Outcome, VariantChoice};
use crate::value::Reason;

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

    /// The variant called `name`, as an evaluation would report it.
    pub fn choice_named(&self, name: &str) -> Option<VariantChoice<'_>> {
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
                    parent.evaluate_with(ctx, |parent| {
                        requirement.is_met(parent.enabled, parent.variant.map(|v| v.name))
                    })
                }
            })
    }
}

/// The targeting slot of a flag's cell.
///
/// Most flags keep the rules they were compiled with for the life of the program: that targeting is built
/// once, kept in `compiled`, and read with one load, as cheaply as a pointer. A targeting that replaces it
/// at run time (a runtime file, the fleet, a test's forced variant) is published through an `arc-swap`, with
/// a generation that counts the replacements, so that each thread can keep the one it last read and check,
/// with one plain load, that it is still current.
///
/// An `arc-swap` load costs an atomic read-modify-write on a per-thread debt slot: measured here, 25-30 ns
/// against 1 ns for a pointer load, more than the whole contextual check it would sit in. A thread's cache
/// (the `Arc` it last loaded, per flag, with the generation it saw) makes a read a generation compare, 1 to
/// 2 ns over a pointer load; a replaced targeting is freed once every thread that cached it has read the
/// flag again or ended (at most one old targeting per flag and thread stays alive meanwhile).
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The targeting compiled in (`None`: nothing to evaluate), set once.
    compiled: OnceLock<Option<Arc<Targeted>>>,
    /// What checks read: [`NOTHING`], [`COMPILED`] or [`REPLACED`].
    which: AtomicU8,
    targeted: ArcSwapOption<Targeted>,
    generation: AtomicU64,
}

/// Nothing to evaluate: the flag's plain state decides.
const NOTHING: u8 = 0;
/// The targeting compiled in.
const COMPILED: u8 = 1;
/// A targeting that replaced it, through `targeted` and the thread caches.
const REPLACED: u8 = 2;

/// What one thread last loaded from a slot: the generation it saw, and the targeting.
type Cached = (u64, Option<Arc<Targeted>>);

thread_local! {
    /// This thread's cache, indexed by flag id.
    static CACHE: RefCell<Vec<Option<Cached>>> = const { RefCell::new(Vec::new()) };
}

impl Slot {
    /// Keeps the targeting compiled in (once; later calls change nothing).
    pub fn set_compiled(&self, targeted: Option<Arc<Targeted>>) {
        let _ = self.compiled.set(targeted);
    }

    /// Whether the targeting compiled in has been kept.
    pub fn has_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    /// The targeting compiled in, if there is one.
    pub fn compiled(&self) -> Option<&Arc<Targeted>> {
        self.compiled.get().and_then(Option::as_ref)
    }

    /// Publishes `targeted` (the registry calls this under its lock).
    pub fn set(&self, targeted: Option<Arc<Targeted>>) {
        let which = match &targeted {
            None => NOTHING,
            Some(targeted) if self.compiled().is_some_and(|c| Arc::ptr_eq(c, targeted)) => COMPILED,
            Some(_) => REPLACED,
        };
        if which == REPLACED {
            self.targeted.store(targeted);
            // After the store: a reader that sees the new generation loads the new targeting.
            self.generation.fetch_add(1, Ordering::Release);
        } else {
            // Nothing of a replaced targeting outlives its replacement here; thread caches let theirs go at
            // their next refresh.
            self.targeted.store(None);
        }
        self.which.store(which, Ordering::Release);
    }

    /// Calls `f` with the published targeting of flag `id`, from this thread's cache while it is current.
    ///
    /// `f` runs inside a shared borrow of the cache, so that a nested read (a `requires` entry reading
    /// another flag) is served too; only a refresh needs the cache mutably, and one nested in a read goes
    /// uncached.
    #[inline]
    fn read<R>(&self, id: usize, f: impl Fn(Option<&Targeted>) -> R) -> R {
        match self.which.load(Ordering::Acquire) {
            COMPILED => f(self.compiled().map(|targeted| &**targeted)),
            REPLACED => self.read_replaced(id, f),
            _ => f(None),
        }
    }

    /// [`Slot::read`] of a replaced targeting.
    #[inline]
    fn read_replaced<R>(&self, id: usize, f: impl Fn(Option<&Targeted>) -> R) -> R {
        let generation = self.generation.load(Ordering::Acquire);
        let hit = CACHE.try_with(|cache| {
            let cache = cache.try_borrow().ok()?;
            match cache.get(id) {
                Some(Some((seen, targeted))) if *seen == generation => Some(f(targeted.as_deref())),
                _ => None,
            }
        });
        match hit {
            Ok(Some(result)) => result,
            _ => f(self.refresh(id, generation).as_deref()),
        }
    }

    /// Loads the published targeting and keeps it in this thread's cache (when the cache is there).
    #[cold]
    #[inline(never)]
    fn refresh(&self, id: usize, generation: u64) -> Option<Arc<Targeted>> {
        let targeted = self.targeted.load_full();
        let _ = CACHE.try_with(|cache| {
            if let Ok(mut cache) = cache.try_borrow_mut() {
                if cache.len() <= id {
                    cache.resize_with(id + 1, || None);
                }
                cache[id] = Some((generation, targeted.clone()));
            }
        });
        targeted
    }
}

impl FlagCell {
    /// The flag's state for `ctx`, as the current thread sees it: [`FlagCell::evaluate_with`] without
    /// choosing a variant.
    ///
    /// Inlined into each contextual check: the loads that decide whether there is anything to evaluate,
    /// then one call to [`Targeted::is_enabled`].
    #[inline]
    pub fn is_enabled_in(&self, ctx: &Context<'_>) -> bool {
        if let Some(on) = self.local_override() {
            return on;
        }
        self.slot().read(self.id, |targeted| match targeted {
            Some(targeted) => targeted.is_enabled(ctx, self),
            None => self.value(),
        })
    }

    /// The flag's state and variant for `ctx`, as the current thread sees it, handed to `f` (the variant
    /// borrows from the targeting, which may be replaced once `f` returns).
    #[inline]
    pub fn evaluate_with<R>(&self, ctx: &Context<'_>, f: impl Fn(Outcome<'_>) -> R) -> R {
        if let Some(forced) = self.local_forced() {
            return f(match &forced {
                Forced::State(on) => Outcome::plain(*on),
                Forced::Value(index) => Outcome {
                    value: self.value_at(*index).map(|named| named.name.as_str()),
                    ..Outcome::plain(true)
                },
                Forced::Variant(variant) => Outcome {
                    enabled: true,
                    variant: Some(variant.choice()),
                    enum_index: Some(variant.enum_index),
                    reason: Reason::TargetingMatch,
                    value: None,
                    missing_user_id: false,
                },
            });
        }
        self.slot().read(self.id, |targeted| match targeted {
            Some(targeted) => f(targeted.evaluate(ctx, self)),
            None => f(targeting::resolve(None, ctx, self.plain(self.value()))),
        })
    }
}

impl Targeted {
    /// The flag's state and variant for `ctx`, for the flag of `cell`, which published this targeting.
    fn evaluate(&self, ctx: &Context<'_>, cell: &FlagCell) -> Outcome<'_> {
        let outcome = match &self.forced {
            Some(forced) => Outcome {
                enabled: cell.layered(),
                variant: Some(forced.choice()),
                enum_index: None,
                reason: Reason::TargetingMatch,
                value: None,
                missing_user_id: false,
            },
            None => targeting::resolve(self.compiled.as_ref(), ctx, cell.plain(cell.layered())),
        };
        let Outcome {
            enabled,
            variant,
            reason,
            value,
            missing_user_id,
            ..
        } = outcome;
        let met = self.requirements.iter().all(|(parent, requirement)| {
            parent.evaluate_with(ctx, |parent| {
                requirement.is_met(parent.enabled, parent.variant.map(|v| v.name))
            })
        });
        if !enabled || !met {
            let reason = match (enabled, cell.values.is_some()) {
                (false, _) => reason,
                (true, true) => Reason::Disabled,
                (true, false) => Reason::Default,
            };
            return Outcome {
                reason,
                // Unmet `requires` decide, not a rollout.
                missing_user_id: missing_user_id && !enabled,
                ..Outcome::plain(false)
            };
        }
        let enum_index = match &self.forced {
            Some(forced) => Some(forced.enum_index),
            None => variant.and_then(|v| self.enum_index.get(v.index).copied().flatten()),
        };
        Outcome {
            enabled,
            variant,
            enum_index,
            reason,
            value,
            missing_user_id,
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

    /// A published targeting read from several threads while it is replaced (and the old one freed): run
    /// under Miri too, with `MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-ignore-leaks" cargo +nightly miri test
    /// -p flag-runtime --lib targeted` (flag cells live for the whole program: ignore leaks).
    #[test]
    fn published_targeting_is_read_while_it_is_replaced() {
        let (id, cell) = registry::with(|registry| {
            let id = registry.declare(&DECL);
            registry.compile_targeting_of(id);
            registry.recompute();
            (id, registry.flag(id).cell())
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
        // Fresh targetings each time, as a runtime file or the fleet would publish: the replaced path, whose
        // old targetings are freed while readers may still be caching them.
        let rules = flag_manifest::parse_flag_rules(DECL.targeting).unwrap();
        for _ in 0..3 {
            registry::with(|registry| {
                let fresh = registry.build_targeted(id, &rules).unwrap();
                assert!(fresh.is_some());
                registry.flag(id).cell().slot().set(fresh);
            });
        }
        for reader in readers {
            assert!(reader.join().expect("a reader panicked"));
        }
        assert!(cell.evaluate_with(&Context::new().user_id("7"), |outcome| outcome.enabled));
    }
}
