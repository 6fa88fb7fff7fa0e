//! Overrides for tests: a flag forced on, off, onto one variant or (a value flag) onto one value until a
//! guard is dropped, for the current thread (so that tests running in parallel threads do not see each
//! other's) or for the whole process.
//!
//! A process-wide override changes what every test sees, so its guards hold a process-wide lock: while one
//! test holds any, another test's first process-wide override waits for them all to be dropped. Tests that
//! use them run one at a time, the rest stay parallel, and nobody has to remember `--test-threads=1`. The
//! lock is per thread, not per guard: one test may take several, nested or side by side.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::ThreadId;

use crate::Error;
use crate::registry::{self, Forced};

thread_local! {
    /// This thread's overrides, innermost last: (guard id, flag id, what it forces).
    static LOCAL: RefCell<Vec<(u64, usize, Forced)>> = const { RefCell::new(Vec::new()) };
}

/// The innermost of this thread's overrides of flag `id` that `pick` takes something from (see
/// `FlagCell::local_forced` and `FlagCell::local_value`, which ask only when the flag has any).
pub(crate) fn innermost<T>(id: usize, pick: impl Fn(&Forced) -> Option<T>) -> Option<T> {
    LOCAL
        .try_with(|local| {
            local
                .borrow()
                .iter()
                .rev()
                .filter(|(_, flag, _)| *flag == id)
                .find_map(|(_, _, forced)| pick(forced))
        })
        .ok()
        .flatten()
}

/// Forces the dynamic flag `name` to `on` for the current thread until the guard is dropped. Other threads,
/// and so other tests that `cargo test` runs in parallel, keep seeing the flag's real state. Guards nest: the
/// innermost wins, and dropping it restores the one around it.
///
/// A thread the test spawns does not inherit the override: for code that runs on other threads (a spawned
/// thread, a multi-threaded tokio runtime), use [`override_global`].
///
/// ```
/// use flag_runtime::flag;
///
/// fn search() -> &'static str {
///     if flag!("fast_search") { "index" } else { "scan" }
/// }
///
/// let guard = flag_runtime::override_local("fast_search", true)?;
/// assert_eq!(search(), "index");
/// std::thread::spawn(|| assert_eq!(search(), "scan")).join().unwrap();
/// drop(guard);
/// assert_eq!(search(), "scan");
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn override_local(name: &str, on: bool) -> Result<LocalOverride, Error> {
    local_override(name, |_, _| Ok(Forced::State(on)))
}

/// Forces the dynamic flag `name` on with its variant `variant`, for every context, on the current thread
/// until the guard is dropped: the way to test each arm of a `match` on `variant!`. Fails for an unknown
/// flag, a static one, or a variant the flag was compiled without.
///
/// ```
/// flag_runtime::flag_variants!(); // at the crate root
///
/// use flag_runtime::{Context, variant};
/// use flag_variants::CheckoutV2;
///
/// fn checkout(ctx: &Context<'_>) -> &'static str {
///     match variant!("checkout_v2", ctx) {
///         Some(CheckoutV2::Control) => "two pages",
///         Some(CheckoutV2::OnePage) => "one page",
///         None => "classic",
///     }
/// }
///
/// fn main() -> Result<(), flag_runtime::Error> {
///     let anyone = Context::new().user_id("user-1");
///     let _control = flag_runtime::override_local_variant("checkout_v2", "control")?;
///     assert_eq!(checkout(&anyone), "two pages");
///     {
///         let _one_page = flag_runtime::override_local_variant("checkout_v2", "one_page")?;
///         assert_eq!(checkout(&anyone), "one page");
///     }
///     assert_eq!(checkout(&anyone), "two pages", "the outer guard applies again");
///
///     let typo = flag_runtime::override_local_variant("checkout_v2", "one_pag").unwrap_err();
///     assert_eq!(typo.to_string(), "flag `checkout_v2` has no variant `one_pag`; did you mean `one_page`?");
///     Ok(())
/// }
/// ```
pub fn override_local_variant(name: &str, variant: &str) -> Result<LocalOverride, Error> {
    local_override(name, |registry, id| {
        registry.forced_variant(id, variant).map(Forced::Variant)
    })
}

/// Forces the dynamic value flag `name` onto one of its values, for every context, on the current thread
/// until the guard is dropped: `value` is a value's name or a literal equal to one (`"large"` or `"200"`),
/// checked by the same rule as [`set_value`](crate::set_value). Fails for an unknown, static or on/off flag,
/// or a value the flag does not declare.
///
/// ```
/// use flag_runtime::{Context, flag_value};
///
/// fn rows(ctx: &Context<'_>) -> i64 {
///     flag_value!("page_size", ctx)
/// }
///
/// let pro = Context::new().property("plan", "pro");
/// assert_eq!(rows(&pro), 200, "the rules choose `large` on a paid plan");
/// {
///     let _small = flag_runtime::override_local_value("page_size", "small")?;
///     assert_eq!(rows(&pro), 10);
///     assert_eq!(flag_value!("page_size"), 10);
///     std::thread::spawn(|| assert_eq!(flag_value!("page_size"), 50)).join().unwrap();
/// }
/// assert_eq!(flag_value!("page_size"), 50, "the guard is dropped");
///
/// let wrong = flag_runtime::override_local_value("page_size", "11").unwrap_err();
/// assert_eq!(
///     wrong.to_string(),
///     "flag `page_size`: `11` is neither the name nor the value of one of the flag's values: small = 10, medium = 50, large = 200"
/// );
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn override_local_value(name: &str, value: &str) -> Result<LocalOverride, Error> {
    local_override(name, |registry, id| {
        registry
            .choose_value(id, value, "override_local")
            .map(Forced::Value)
    })
}

fn local_override(
    name: &str,
    forced: impl FnOnce(&registry::Registry, usize) -> Result<Forced, Error>,
) -> Result<LocalOverride, Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        let forced = forced(registry, id)?;
        let guard = registry.next_id();
        LOCAL.with(|local| local.borrow_mut().push((guard, id, forced)));
        registry.count_local_override(id, 1);
        Ok(LocalOverride {
            guard,
            id,
            not_send: PhantomData,
        })
    })
}

/// Forces the dynamic flag `name` to `on` in every thread until the guard is dropped, above every other
/// source but thread-local overrides: for code under test that runs on other threads.
///
/// The guard holds the process-wide override lock: a process-wide override taken on another thread waits
/// until every guard of this thread is dropped, so tests that use them run one at a time while the others
/// run in parallel (a test that only reads flags may hold the lock too: [`lock_global_overrides`]). Take
/// them on the test's own thread: one taken on a thread the test spawned, while the test holds one, waits
/// for ever.
///
/// ```
/// use flag_runtime::flag;
///
/// let guard = flag_runtime::override_global("fast_search", true)?;
/// std::thread::spawn(|| assert!(flag!("fast_search"))).join().unwrap();
/// drop(guard);
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn override_global(name: &str, on: bool) -> Result<GlobalOverride, Error> {
    global_override(name, |_, _| Ok(Forced::State(on)))
}

/// Forces the dynamic flag `name` on with its variant `variant`, for every context, in every thread until the
/// guard is dropped; holds the process-wide override lock as [`override_global`] does.
///
/// ```
/// flag_runtime::flag_variants!(); // at the crate root
///
/// use flag_runtime::{Context, variant};
/// use flag_variants::CheckoutV2;
///
/// fn main() -> Result<(), flag_runtime::Error> {
///     let _one_page = flag_runtime::override_global_variant("checkout_v2", "one_page")?;
///     let worker = std::thread::spawn(|| variant!("checkout_v2", &Context::new().user_id("anyone")));
///     assert_eq!(worker.join().unwrap(), Some(CheckoutV2::OnePage));
///     Ok(())
/// }
/// ```
pub fn override_global_variant(name: &str, variant: &str) -> Result<GlobalOverride, Error> {
    global_override(name, |registry, id| {
        registry.forced_variant(id, variant).map(Forced::Variant)
    })
}

/// Forces the dynamic value flag `name` onto one of its values, for every context, in every thread until the
/// guard is dropped; holds the process-wide override lock as [`override_global`] does. `value` is checked as
/// [`override_local_value`] checks it.
///
/// ```
/// use flag_runtime::flag_value;
///
/// let guard = flag_runtime::override_global_value("page_size", "large")?;
/// std::thread::spawn(|| assert_eq!(flag_value!("page_size"), 200)).join().unwrap();
/// drop(guard);
/// assert_eq!(flag_value!("page_size"), 50);
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn override_global_value(name: &str, value: &str) -> Result<GlobalOverride, Error> {
    global_override(name, |registry, id| {
        registry
            .choose_value(id, value, "override_global")
            .map(Forced::Value)
    })
}

fn global_override(
    name: &str,
    forced: impl FnOnce(&registry::Registry, usize) -> Result<Forced, Error>,
) -> Result<GlobalOverride, Error> {
    // Check the request before waiting for the lock, so that a mistake is reported at once.
    let (id, forced) = registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        Ok::<_, Error>((id, forced(registry, id)?))
    })?;
    let lock = OverrideLock::acquire();
    let guard = registry::with(|registry| {
        let guard = registry.next_id();
        registry.push_override(id, guard, forced);
        guard
    });
    Ok(GlobalOverride {
        guard,
        id,
        _lock: lock,
    })
}

/// Restores a flag overridden by [`override_local`] or [`override_local_variant`] when dropped. Tied to its
/// thread.
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

/// Restores a flag overridden by [`override_global`] or [`override_global_variant`] when dropped, and
/// releases its hold on the process-wide override lock.
#[derive(Debug)]
#[must_use = "the override ends when the guard is dropped"]
pub struct GlobalOverride {
    guard: u64,
    id: usize,
    // Dropped after the override is removed (fields drop after `Drop::drop`).
    _lock: OverrideLock,
}

impl Drop for GlobalOverride {
    fn drop(&mut self) {
        registry::with(|registry| registry.pop_override(self.id, self.guard));
    }
}

/// Takes the lock that process-wide overrides hold, without overriding anything, until the guard drops: for
/// a test that asserts flags' real states, on its own thread or others, while tests running in parallel
/// may override them process-wide. It waits for those to be dropped, and holds theirs off meanwhile.
///
/// ```
/// let _quiet = flag_runtime::lock_global_overrides();
/// // No other thread's `override_global` is in force until `_quiet` drops.
/// let seen = std::thread::spawn(|| flag_runtime::flag!("fast_search")).join().unwrap();
/// assert!(!seen, "the compiled-in default");
/// // This thread may still take its own.
/// let _on = flag_runtime::override_global("fast_search", true)?;
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn lock_global_overrides() -> GlobalOverridesLock {
    GlobalOverridesLock {
        _lock: OverrideLock::acquire(),
    }
}

/// A hold on the process-wide override lock, from [`lock_global_overrides`]; released when dropped.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct GlobalOverridesLock {
    _lock: OverrideLock,
}

/// The thread that holds process-wide overrides, and how many of its holds are alive.
static HOLDER: Mutex<Option<(ThreadId, usize)>> = Mutex::new(None);
static RELEASED: Condvar = Condvar::new();

/// One hold on the process-wide override lock, released when dropped.
#[derive(Debug)]
struct OverrideLock(());

impl OverrideLock {
    /// Waits until no other thread holds the lock, then holds it (again, if this thread already does).
    fn acquire() -> OverrideLock {
        let me = std::thread::current().id();
        let mut holder = HOLDER.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match &mut *holder {
                None => {
                    *holder = Some((me, 1));
                    break;
                }
                Some((thread, holds)) if *thread == me => {
                    *holds += 1;
                    break;
                }
                Some(_) => {
                    holder = RELEASED
                        .wait(holder)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
        OverrideLock(())
    }
}

impl Drop for OverrideLock {
    fn drop(&mut self) {
        let mut holder = HOLDER.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, holds)) = &mut *holder {
            *holds -= 1;
            if *holds == 0 {
                *holder = None;
                RELEASED.notify_all();
            }
        }
    }
}
