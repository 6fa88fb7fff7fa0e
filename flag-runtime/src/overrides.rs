//! Overrides for tests: a flag forced on or off until a guard is dropped, for the current thread (so that
//! tests running in parallel threads do not see each other's) or for the whole process.

use std::cell::RefCell;
use std::marker::PhantomData;

use crate::Error;
use crate::registry;

thread_local! {
    /// This thread's overrides, innermost last: (guard id, flag id, state).
    static LOCAL: RefCell<Vec<(u64, usize, bool)>> = const { RefCell::new(Vec::new()) };
}

/// This thread's override of flag `id`, if any.
pub(crate) fn local(id: usize) -> Option<bool> {
    LOCAL
        .try_with(|local| {
            local
                .borrow()
                .iter()
                .rev()
                .find(|&&(_, flag, _)| flag == id)
                .map(|&(_, _, on)| on)
        })
        .ok()
        .flatten()
}

/// Forces the dynamic flag `name` to `on` for the current thread until the guard is dropped. Other threads,
/// and so other tests that `cargo test` runs in parallel, keep seeing the flag's real state. Guards nest: the
/// innermost wins, and dropping it restores the one around it.
///
/// A thread the test spawns does not inherit the override: use [`override_global`] there.
///
/// ```
/// use flag_runtime::flag;
///
/// fn search() -> &'static str {
///     if flag!("fast_search") { "index" } else { "scan" }
/// }
///
/// let guard = flag_runtime::override_local("fast_search", true).unwrap();
/// assert_eq!(search(), "index");
/// std::thread::spawn(|| assert_eq!(search(), "scan")).join().unwrap();
/// drop(guard);
/// assert_eq!(search(), "scan");
/// ```
pub fn override_local(name: &str, on: bool) -> Result<LocalOverride, Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        let guard = registry.next_id();
        LOCAL.with(|local| local.borrow_mut().push((guard, id, on)));
        registry.count_local_override(id, 1);
        Ok(LocalOverride {
            guard,
            id,
            not_send: PhantomData,
        })
    })
}

/// Forces the dynamic flag `name` to `on` in every thread until the guard is dropped, above every other
/// source but thread-local overrides. Tests that use it change what other tests see: run them one at a time
/// (a shared `Mutex`, or `--test-threads=1`).
///
/// ```
/// let guard = flag_runtime::override_global("fast_search", true).unwrap();
/// std::thread::spawn(|| assert!(flag_runtime::flag!("fast_search"))).join().unwrap();
/// drop(guard);
/// ```
pub fn override_global(name: &str, on: bool) -> Result<GlobalOverride, Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        let guard = registry.next_id();
        registry.flags[id].overrides.push((guard, on));
        registry.recompute();
        Ok(GlobalOverride { guard, id })
    })
}

/// Restores a flag overridden by [`override_local`] when dropped. Tied to its thread.
#[derive(Debug)]
#[must_use = "the override ends when the guard is dropped"]
pub struct LocalOverride {
    guard: u64,
    id: usize,
    not_send: PhantomData<*const ()>,
}

impl Drop for LocalOverride {
    fn drop(&mut self) {
        let guard = self.guard;
        let _ = LOCAL.try_with(|local| local.borrow_mut().retain(|&(g, _, _)| g != guard));
        registry::with(|registry| registry.count_local_override(self.id, -1));
    }
}

/// Restores a flag overridden by [`override_global`] when dropped.
#[derive(Debug)]
#[must_use = "the override ends when the guard is dropped"]
pub struct GlobalOverride {
    guard: u64,
    id: usize,
}

impl Drop for GlobalOverride {
    fn drop(&mut self) {
        registry::with(|registry| {
            registry.flags[self.id]
                .overrides
                .retain(|&(g, _)| g != self.guard);
            registry.recompute();
        });
    }
}
