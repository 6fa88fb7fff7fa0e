//! The string API: read, set and reset flags by name, for admin endpoints, config reloads and tools.

use serde::Serialize;

use crate::Error;
use crate::registry;
use crate::targeting::Context;

/// A flag decided for one context, by [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluated {
    /// Whether the flag is on for the context.
    pub enabled: bool,
    /// The variant chosen for the context, when the flag is on and has variants.
    pub variant: Option<String>,
    /// The variant's payload, if it has one.
    pub payload: Option<flag_manifest::Payload>,
}

/// The flag called `name` decided for `ctx`: its rules, rollout, variants and `requires` evaluated for that
/// context. For code, prefer `flag!("name", &ctx)` and `variant!("name", &ctx)`, which check the name at
/// compile time, allocate nothing and return a typed variant.
///
/// ```
/// use flag_runtime::Context;
///
/// let everyone = flag_runtime::evaluate("fast_search", &Context::new()).unwrap();
/// assert!(!everyone.enabled);
/// assert_eq!(everyone.enabled, flag_runtime::flag!("fast_search", &Context::new()));
/// ```
pub fn evaluate(name: &str, ctx: &Context<'_>) -> Result<Evaluated, Error> {
    let cell = registry::with(|registry| registry.find(name).map(|id| registry.flag(id).cell()))?;
    Ok(cell.evaluate_with(ctx, |outcome| Evaluated {
        enabled: outcome.enabled,
        variant: outcome.variant.map(|variant| variant.name.to_owned()),
        payload: outcome.variant.and_then(|variant| variant.payload.cloned()),
    }))
}

/// The state of the flag called `name`, as the current thread sees it. For code, prefer `flag!("name")`,
/// which checks the name at compile time and costs one atomic load.
///
/// ```
/// assert_eq!(flag_runtime::is_enabled("dark_mode"), Ok(true));
/// assert_eq!(flag_runtime::is_enabled("dark_mode"), Ok(flag_runtime::flag!("dark_mode")));
/// assert!(flag_runtime::is_enabled("drak_mode").is_err());
/// ```
pub fn is_enabled(name: &str) -> Result<bool, Error> {
    registry::with(|registry| {
        registry
            .find(name)
            .map(|id| registry.flag(id).cell().current())
    })
}

/// Sets the dynamic flag `name` for the whole process, above the compiled-in default, the runtime file and
/// `FEATURE_FLAGS`, until [`reset`]. Every check in every crate of the program sees the change at its next
/// call. Fails, changing nothing, for an unknown or static flag.
///
/// ```
/// use flag_runtime::flag;
///
/// flag_runtime::set("fast_search", true).unwrap();
/// assert!(flag!("fast_search"));
/// assert_eq!(flag_runtime::flag_info("fast_search").unwrap().source, "set");
/// flag_runtime::reset("fast_search").unwrap();
///
/// let error = flag_runtime::set("new_api", false).unwrap_err();
/// assert!(matches!(error, flag_runtime::Error::StaticFlag { .. }));
/// ```
pub fn set(name: &str, on: bool) -> Result<(), Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        registry.set_api(id, Some(on));
        Ok(())
    })
}

/// Undoes [`set`]: the flag goes back to what the lower sources say.
///
/// ```
/// flag_runtime::set("dark_mode", false).unwrap();
/// flag_runtime::reset("dark_mode").unwrap();
/// assert_eq!(flag_runtime::is_enabled("dark_mode"), Ok(true));
/// assert!(flag_runtime::flag!("dark_mode"));
/// ```
pub fn reset(name: &str) -> Result<(), Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        registry.set_api(id, None);
        Ok(())
    })
}
