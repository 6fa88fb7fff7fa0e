//! What a dynamic check compiles to: a read of the flag's slot in one process-wide table, after `tracing`'s
//! callsites (a cache of what was resolved once), without a `static` per check.
//!
//! A `static` per call site was the first design; it made each check an item of its own for the compiler to
//! type-check and evaluate, and a crate with a thousand checks built twice as slowly as its hand-written twin.
//! Now the macros give every dynamic flag of a manifest a slot of its own in a fixed table
//! ([`flag_manifest::slots`]), and a check passes its slot, its flag's tag, name and compiled-in state to a
//! function here, which the optimiser inlines to one relaxed load and a comparison.
//!
//! A slot holds `tag` (off) or `tag | 1` (on) while the flag's state may be cached, and 0 otherwise: before
//! the first check registers the slot with the registry, while a thread-local test override of the flag
//! exists anywhere, while counting is on, and for good when two flags share the slot (the tag tells them
//! apart, so neither can read the other's state). A 0 or a foreign tag sends the check to the slow path,
//! which finds the flag's cell (cached per slot) and asks it. Contextual checks go to the cell for its
//! compiled targeting (see `targeted`).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use flag_manifest::slots::SLOT_COUNT;

use crate::catalog::FlagDecl;
use crate::registry::{self, FlagCell};
use crate::targeted::counting;
use crate::targeting::Context;

/// Each slot's cached state: its flag's tag, plus 1 when on; 0 to take the slow path.
static STATES: [AtomicU32; SLOT_COUNT] = [const { AtomicU32::new(0) }; SLOT_COUNT];

/// Each slot's cached value word, for value flags: its flag's tag in the low half, the word (see
/// [`value_word`]) in the high half; 0 to take the slow path.
static VALUES: [AtomicU64; SLOT_COUNT] = [const { AtomicU64::new(0) }; SLOT_COUNT];

/// The cell of the first flag that registered each slot.
static CELLS: [OnceLock<&'static FlagCell>; SLOT_COUNT] = [const { OnceLock::new() }; SLOT_COUNT];

/// What the registry learns of a check that registers its slot: the slot, its flag's name and compiled-in
/// state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub slot: usize,
    pub name: &'static str,
    pub default: bool,
}

/// The flag's current state, as seen from this thread. Called by generated code; not a stable API.
#[inline]
pub fn is_enabled(slot: usize, tag: u32, name: &'static str, default: bool) -> bool {
    let state = STATES[slot].load(Ordering::Relaxed);
    if state & !1 == tag {
        state & 1 == 1
    } else {
        is_enabled_slow(Key::new(slot, tag, default), name)
    }
}

/// A check's slot, tag and compiled-in state in one word, for the call of a slow path: a constant the call
/// passes in one register (the name takes two more), where a [`Site`] would be built on every check's stack
/// and four arguments would take five registers.
#[derive(Clone, Copy)]
struct Key(u64);

// A slot (below `SLOT_COUNT`) fits in the 31 bits between the state and the tag.
const _: () = assert!(SLOT_COUNT < 1 << 31);

impl Key {
    #[inline(always)]
    fn new(slot: usize, tag: u32, default: bool) -> Key {
        Key(u64::from(tag) << 32 | (slot as u64) << 1 | u64::from(default))
    }

    fn slot(self) -> usize {
        (self.0 as u32 >> 1) as usize
    }

    fn tag(self) -> u32 {
        (self.0 >> 32) as u32
    }

    fn default(self) -> bool {
        self.0 & 1 == 1
    }
}

/// The slow path of [`is_enabled`]; the slot (see [`Key`]) has been read, so it is below `SLOT_COUNT`.
#[cold]
#[inline(never)]
fn is_enabled_slow(key: Key, name: &'static str) -> bool {
    let cell = cell(key.slot(), key.tag(), name, key.default());
    let on = cell.current();
    if counting() {
        cell.counts.record(on, None);
    }
    on
}

/// The flag's state for `ctx`: its rules and `requires` evaluated for that context, unless an explicit
/// state (an override, `set`, `FEATURE_FLAGS`) holds for everyone. Called by generated code; not a stable
/// API.
#[inline]
pub fn is_enabled_in(
    slot: usize,
    tag: u32,
    name: &'static str,
    default: bool,
    ctx: &Context<'_>,
) -> bool {
    let cell = cell(slot, tag, name, default);
    let on = cell.is_enabled_in(ctx);
    if counting() {
        cell.counts.record(on, None);
    }
    on
}

/// The index, in the flag's compiled-in variant enum, of its variant for `ctx`; `None` when the flag is off
/// for `ctx` or has no variant for it. Called by generated code; not a stable API.
#[inline]
pub fn variant_in(
    slot: usize,
    tag: u32,
    name: &'static str,
    default: bool,
    ctx: &Context<'_>,
) -> Option<usize> {
    let cell = cell(slot, tag, name, default);
    let (enabled, enum_index) =
        cell.evaluate_with(ctx, |outcome| (outcome.enabled, outcome.enum_index));
    if counting() {
        cell.counts.record(enabled, enum_index);
    }
    enum_index
}

/// A value flag's current value (without a context) as its slot word: the value's own bits when the flag
/// has them ([`flag_manifest::FlagValues::slot_bits`]: booleans, integers within `i32`), else the value's
/// index in its declared values. One relaxed load and a comparison while the slot caches the word, else
/// the cell's, else `fallback` (the compiled-in one). The word comes sign-extended to an `i64` (one
/// arithmetic shift), which is an integer value as it stands. Called by generated code; not a stable API.
#[inline]
pub fn value_word(slot: usize, tag: u32, name: &'static str, default: bool, fallback: u32) -> i64 {
    let cached = VALUES[slot].load(Ordering::Relaxed);
    if cached as u32 == tag {
        cached as i64 >> 32
    } else {
        value_word_slow(Key::new(slot, tag, default), name, fallback)
    }
}

/// The slow path of [`value_word`] (see [`is_enabled_slow`]).
#[cold]
#[inline(never)]
fn value_word_slow(key: Key, name: &'static str, fallback: u32) -> i64 {
    let cell = cell(key.slot(), key.tag(), name, key.default());
    i64::from(cell.value_word().unwrap_or(fallback) as i32)
}

/// The index of a value flag's value for `ctx` in its declared values (see
/// `flag_runtime::targeting::resolve`), else `fallback`. Called by generated code; not a stable API.
#[inline]
pub fn value_index_in(
    slot: usize,
    tag: u32,
    name: &'static str,
    default: bool,
    fallback: usize,
    ctx: &Context<'_>,
) -> usize {
    let cell = cell(slot, tag, name, default);
    cell.evaluate_with(ctx, |outcome| cell.value_named(outcome.value))
        .unwrap_or(fallback)
}

/// Publishes the value word (see [`value_word`]) of the flag tagged `tag` in `slot` (`Some`), or sends its
/// reads to the slow path (`None`). The tag takes the low half, so that a read compares it in place; the
/// word takes the high half, so that an integer comes out of it by one arithmetic shift.
pub(crate) fn publish_value(slot: usize, tag: u32, word: Option<u32>) {
    let cached = match word {
        Some(word) => (u64::from(word) << 32) | u64::from(tag),
        None => 0,
    };
    VALUES[slot].store(cached, Ordering::Relaxed);
}

/// The check's flag cell: the slot's, when the slot is its flag's; else from the registry, which registers
/// the slot on its first use.
#[inline]
fn cell(slot: usize, tag: u32, name: &'static str, default: bool) -> &'static FlagCell {
    match CELLS[slot].get() {
        Some(cell) if cell.tag == tag => cell,
        _ => register(slot, name, default),
    }
}

/// [`registry::register`], out of line: building its `Site` here rather than in [`cell`] keeps those stores
/// off the path of every contextual check.
#[cold]
#[inline(never)]
fn register(slot: usize, name: &'static str, default: bool) -> &'static FlagCell {
    registry::register(Site {
        slot,
        name,
        default,
    })
}

impl Site {
    /// The flag as the check knows it, for a flag no catalog declared: a dynamic flag with its compiled-in
    /// state and nothing else.
    pub(crate) fn decl(&self) -> &'static FlagDecl {
        Box::leak(Box::new(FlagDecl::dynamic(self.name, self.default)))
    }
}

/// The cell that registered `slot`, if any.
pub(crate) fn slot_owner(slot: usize) -> Option<&'static FlagCell> {
    CELLS[slot].get().copied()
}

/// Makes `cell` the owner of `slot`; false if another cell already was.
pub(crate) fn claim(slot: usize, cell: &'static FlagCell) -> bool {
    CELLS[slot].set(cell).is_ok() || slot_owner(slot).is_some_and(|owner| owner.id == cell.id)
}

/// Publishes the state of the flag tagged `tag` in `slot` (`Some`), or sends its checks to the slow path
/// (`None`).
pub(crate) fn publish(slot: usize, tag: u32, fast: Option<bool>) {
    let state = match fast {
        Some(on) => tag | u32::from(on),
        None => 0,
    };
    STATES[slot].store(state, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use flag_manifest::slots::slot_tag;

    fn check(slot: usize, name: &'static str, default: bool) -> bool {
        is_enabled(slot, slot_tag(name), name, default)
    }

    #[test]
    fn two_flags_in_one_slot_never_read_each_other() {
        // Two flags no manifest declared, forced into the same slot, as two manifests could put them.
        const SLOT: usize = SLOT_COUNT - 1;
        let (a, b) = ("slot_sharing_test_a", "slot_sharing_test_b");
        assert!(check(SLOT, a, true));
        // `a` owns the slot and caches its state there.
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), slot_tag(a) | 1);
        assert!(!check(SLOT, b, false));
        // `b` took the slot from the fast path: both now ask the registry.
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), 0);
        assert!(check(SLOT, a, true));
        crate::set(a, false).unwrap();
        crate::set(b, true).unwrap();
        assert!(!check(SLOT, a, true));
        assert!(check(SLOT, b, false));
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), 0);
        let ctx = Context::new();
        assert!(!is_enabled_in(SLOT, slot_tag(a), a, true, &ctx));
        assert!(is_enabled_in(SLOT, slot_tag(b), b, false, &ctx));
    }

    #[test]
    fn a_key_gives_back_its_slot_tag_and_state() {
        for (slot, tag, default) in [
            (0, 0, false),
            (SLOT_COUNT - 1, u32::MAX, true),
            (17, 0xdead_beee, true),
        ] {
            let key = Key::new(slot, tag, default);
            assert_eq!((key.slot(), key.tag(), key.default()), (slot, tag, default));
        }
    }

    #[test]
    fn a_slot_caches_its_flag_after_the_first_check() {
        const SLOT: usize = SLOT_COUNT - 2;
        let name = "slot_cache_test";
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), 0);
        assert!(!check(SLOT, name, false));
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), slot_tag(name));
        crate::set(name, true).unwrap();
        assert_eq!(STATES[SLOT].load(Ordering::Relaxed), slot_tag(name) | 1);
        assert!(check(SLOT, name, false));
    }
}
