//! One `static` per dynamic check in the code, caching what the check resolved, after `tracing`'s callsites.
//!
//! A callsite's state is a single byte: off, on, "not registered yet" or "look further". The hot path is one
//! relaxed load and a comparison; the first check at a callsite registers it with the registry (a lock and a
//! name lookup, once), and the registry rewrites the byte of every callsite of a flag whenever the flag
//! changes. While a thread-local test override of the flag exists anywhere, its callsites say "look
//! further", and the slow path consults the current thread's overrides. Contextual checks go to the flag's
//! cell for its compiled targeting (see `targeted`).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::catalog::FlagDecl;
use crate::registry::{self, FlagCell};
use crate::targeted::counting;
use crate::targeting::Context;

const OFF: u8 = 0;
const ON: u8 = 1;
const UNREGISTERED: u8 = 2;
const SLOW: u8 = 3;

/// The cached state of one dynamic check. Built by generated code; not a stable API.
#[derive(Debug)]
pub struct Callsite {
    state: AtomicU8,
    name: &'static str,
    default: bool,
    cell: OnceLock<&'static FlagCell>,
}

impl Callsite {
    /// A callsite of the flag `name`, whose compiled-in state is `default`, not registered yet. The rest of
    /// what the program knows of the flag comes from its crate's catalog, once per crate rather than once per
    /// callsite, which keeps each check cheap to compile.
    pub const fn new(name: &'static str, default: bool) -> Self {
        Callsite {
            state: AtomicU8::new(UNREGISTERED),
            name,
            default,
            cell: OnceLock::new(),
        }
    }

    /// The flag's current state, as seen from this thread.
    #[inline]
    pub fn is_enabled(&'static self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        if state <= ON {
            state == ON
        } else {
            self.is_enabled_slow()
        }
    }

    #[cold]
    #[inline(never)]
    fn is_enabled_slow(&'static self) -> bool {
        let cell = self.registered();
        let on = cell.current();
        if counting() {
            cell.counts.record(on, None);
        }
        on
    }

    /// The flag's cell, registering the callsite on first use.
    #[inline]
    fn registered(&'static self) -> &'static FlagCell {
        match self.cell.get() {
            Some(cell) => cell,
            None => registry::register(self),
        }
    }

    /// The flag's state for `ctx`: its rules and `requires` evaluated for that context, unless an explicit
    /// state (an override, `set`, `FEATURE_FLAGS`) holds for everyone.
    #[inline]
    pub fn is_enabled_in(&'static self, ctx: &Context<'_>) -> bool {
        let cell = self.registered();
        let on = cell.is_enabled_in(ctx);
        if counting() {
            cell.counts.record(on, None);
        }
        on
    }

    /// The index, in the flag's compiled-in variant enum, of its variant for `ctx`; `None` when the flag is
    /// off for `ctx` or has no variant for it.
    #[inline]
    pub fn variant_in(&'static self, ctx: &Context<'_>) -> Option<usize> {
        let cell = self.registered();
        let outcome = cell.evaluate(ctx);
        if counting() {
            cell.counts.record(outcome.enabled, outcome.enum_index);
        }
        outcome.enum_index
    }

    /// The flag as the callsite knows it, for a flag no catalog declared: a dynamic flag with its
    /// compiled-in state and nothing else.
    pub(crate) fn decl(&self) -> &'static FlagDecl {
        Box::leak(Box::new(FlagDecl {
            name: self.name,
            dynamic: true,
            default: self.default,
            source: "default",
            description: None,
            owner: None,
            expires: None,
            requires: &[],
            requirements: &[],
            targeting: "",
            variants: &[],
        }))
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Attaches the callsite to its flag; false if it already was.
    pub(crate) fn attach(&self, cell: &'static FlagCell) -> bool {
        self.cell.set(cell).is_ok()
    }

    pub(crate) fn cell(&self) -> Option<&'static FlagCell> {
        self.cell.get().copied()
    }

    /// Publishes the flag's state (`Some`) or asks for the slow path (`None`).
    pub(crate) fn publish(&self, fast: Option<bool>) {
        let state = match fast {
            Some(true) => ON,
            Some(false) => OFF,
            None => SLOW,
        };
        self.state.store(state, Ordering::Relaxed);
    }
}
