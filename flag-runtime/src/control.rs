//! The string API: read, set and reset flags by name, for admin endpoints, config reloads and tools.

use crate::Error;
use crate::registry;

/// The state of the flag called `name`, as the current thread sees it. For code, prefer `flag!("name")`,
/// which checks the name at compile time and costs one atomic load.
///
/// ```
/// # let _ = flag_runtime::flag!("dark_mode");
/// assert_eq!(flag_runtime::is_enabled("dark_mode"), Ok(true));
/// assert!(flag_runtime::is_enabled("drak_mode").is_err());
/// ```
pub fn is_enabled(name: &str) -> Result<bool, Error> {
    registry::with(|registry| {
        registry
            .find(name)
            .map(|id| registry.flags[id].cell.current())
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
        registry.flags[id].set = Some(on);
        registry.recompute();
        Ok(())
    })
}

/// Undoes [`set`]: the flag goes back to what the lower sources say.
///
/// ```
/// # let _ = flag_runtime::flag!("dark_mode"); // links the crate's catalog of flags
/// flag_runtime::set("dark_mode", false).unwrap();
/// flag_runtime::reset("dark_mode").unwrap();
/// assert_eq!(flag_runtime::is_enabled("dark_mode"), Ok(true));
/// ```
pub fn reset(name: &str) -> Result<(), Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        registry.flags[id].set = None;
        registry.recompute();
        Ok(())
    })
}
