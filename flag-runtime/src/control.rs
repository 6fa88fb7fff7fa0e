//! The string API: read, set and reset flags by name, for admin endpoints, config reloads and tools.

use serde::Serialize;

use crate::Error;
use crate::entry;
use crate::registry::{self, Layer};
use crate::targeting::Context;

/// A flag decided for one context, by [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
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
pub fn evaluate(name: &str, ctx: &Context<'_>) -> Result<Evaluation, Error> {
    let cell = registry::with(|registry| registry.find(name).map(|id| registry.flag(id).cell()))?;
    Ok(cell.evaluate_with(ctx, |outcome| Evaluation {
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

/// Undoes [`set`] and [`set_table`]: the flag goes back to what the lower sources say.
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
        registry.set_api_table(id, None);
        Ok(())
    })
}

/// Applies a table to the dynamic flag `name` for the whole process, as [`set`] does a state: `text` is the
/// flag's table in the runtime file's syntax (`default`, `[[rules]]`, `[[variants]]`,
/// `variant_stickiness`), and each part it gives replaces that part of the runtime file's and the fleet's,
/// until [`reset`] or the next `set_table`. Its `default`, if given, is [`set`]'s state, which holds for
/// every context. The table is checked as a runtime file's is (the rules `cargo flags fleet` applies before
/// it writes); a refused one changes nothing.
///
/// ```
/// use flag_runtime::Context;
///
/// let pro = Context::new().user_id("8").property("plan", "pro");
/// flag_runtime::set_table("search_ranking", "[[rules]]\nrollout = { percent = 100 }\n")?;
/// assert!(flag_runtime::flag!("search_ranking", &pro));
/// assert_eq!(flag_runtime::targeting_toml("search_ranking")?, "[[rules]]\n\n[rules.rollout]\npercent = 100\n");
///
/// let error = flag_runtime::set_table("search_ranking", "[[rules]]\nrollout = { percent = 101 }\n");
/// assert!(error.is_err(), "refused: {error:?}");
/// flag_runtime::reset("search_ranking")?;
/// assert!(flag_runtime::targeting_toml("search_ranking")?.contains("percent = 25"));
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn set_table(name: &str, text: &str) -> Result<(), Error> {
    let state = entry::parse_table(name, text).map_err(|message| Error::Entry {
        flag: name.to_owned(),
        message,
    })?;
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        match entry::check(registry, state, Layer::Set)? {
            Some(accepted) => registry.set_api_table(id, Some(accepted)),
            None => registry.set_api_table(id, None),
        }
        Ok(())
    })
}

/// The rules, variants and variant stickiness of flag `name` as they apply now, every layer merged, as TOML
/// in the runtime file's syntax: what [`set_table`] accepts, so that a tool can change one part and write it
/// back.
///
/// ```
/// let rules = flag_runtime::targeting_toml("search_ranking")?;
/// assert!(rules.contains("[[rules]]") && rules.contains("percent = 25"), "{rules}");
/// // The plain state, for checks without a context.
/// assert!(!flag_runtime::flag!("search_ranking"));
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn targeting_toml(name: &str) -> Result<String, Error> {
    registry::with(|registry| {
        let id = registry.find(name)?;
        Ok(flag_manifest::targeting_to_toml(
            &registry.flag(id).targeting(),
        ))
    })
}
