//! The string API: read, set and reset flags by name, for admin endpoints, config reloads and tools.

use serde::Serialize;

use crate::Error;
use crate::entry;
use crate::registry::{self, FlagCell, Layer};
use crate::targeting::Context;
use crate::value::{Reason, Value};

/// A flag decided for one context, by [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Evaluation {
    /// Whether the flag is on for the context (for a value flag: whether it is enabled and its `requires`
    /// hold).
    pub enabled: bool,
    /// The variant chosen for the context, when the flag is on and has variants; for a value flag, the
    /// name of its value (`None` only when it has no default and nothing chose one).
    pub variant: Option<String>,
    /// The variant's payload, if it has one.
    pub payload: Option<flag_manifest::Payload>,
    /// A value flag's value for the context; `None` for an on/off flag, or a value flag without a default
    /// that nothing chose a value for.
    pub value: Option<Value>,
    /// Why the flag has this outcome (see [`Reason`]).
    pub reason: Reason,
    /// The layer that decided the flag's state: `Compiled` for a static flag, and for a dynamic one what
    /// [`FlagInfo::layer`](crate::FlagInfo::layer) says, read without describing the flag.
    pub layer: Layer,
    /// For a value flag, the layer that chose its value without a context (`set_value`, a file, an
    /// override...), as [`FlagInfo::value_layer`](crate::FlagInfo::value_layer); `None` for an on/off flag.
    pub value_layer: Option<Layer>,
    /// Whether the flag fell to its default for want of a user id: no rule matched, the context has no user
    /// id, and a rule whose constraints hold for it rolls out by user id (`stickiness = "user_id"`). An
    /// OpenFeature provider reports this as `TARGETING_KEY_MISSING`.
    pub missing_user_id: bool,
}

/// The flag called `name` decided for `ctx`: its rules, rollout, variants and `requires` evaluated for that
/// context. For code, prefer `flag!("name", &ctx)` and `variant!("name", &ctx)`, which check the name at
/// compile time, allocate nothing and return a typed variant.
///
/// ```
/// use flag_runtime::{Context, Layer, Reason};
///
/// let everyone = flag_runtime::evaluate("fast_search", &Context::new()).unwrap();
/// assert!(!everyone.enabled);
/// assert_eq!(everyone.enabled, flag_runtime::flag!("fast_search", &Context::new()));
/// assert_eq!((everyone.reason, everyone.layer), (Reason::Default, Layer::Compiled));
///
/// flag_runtime::set("fast_search", true).unwrap();
/// assert_eq!(flag_runtime::evaluate("fast_search", &Context::new()).unwrap().layer, Layer::Set);
/// flag_runtime::reset("fast_search").unwrap();
///
/// // checkout_v2 lets in 25% of users in NZ on app 2.1.0 or later, by user id: a context without a user
/// // id never gets in, and the evaluation says why.
/// let kiwi = Context::new().property("country", "NZ").property("app_version", "2.3.0");
/// let anonymous = flag_runtime::evaluate("checkout_v2", &kiwi).unwrap();
/// assert!(!anonymous.enabled);
/// assert!(anonymous.missing_user_id);
/// let known = flag_runtime::evaluate("checkout_v2", &kiwi.clone().user_id("user-17")).unwrap();
/// assert!(!known.missing_user_id);
/// // Outside NZ and AU the rollout is never asked: no user id would have helped.
/// let french = Context::new().property("country", "FR").property("app_version", "2.3.0");
/// assert!(!flag_runtime::evaluate("checkout_v2", &french).unwrap().missing_user_id);
/// ```
pub fn evaluate(name: &str, ctx: &Context<'_>) -> Result<Evaluation, Error> {
    Ok(flag_ref(name)?.evaluate(ctx))
}

/// The flag called `name`, looked up once, to evaluate as often as needed without looking it up again
/// (a provider or a request handler that resolves flags by name keeps these, once per flag).
///
/// ```
/// use flag_runtime::Context;
///
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// let fast_search = flag_runtime::flag_ref("fast_search")?;
/// assert_eq!(fast_search.name(), "fast_search");
/// assert!(!fast_search.evaluate(&Context::new()).enabled);
/// flag_runtime::set("fast_search", true)?;
/// assert!(fast_search.evaluate(&Context::new()).enabled, "always the flag's state now");
/// flag_runtime::reset("fast_search")?;
///
/// let typo = flag_runtime::flag_ref("fast_serch").unwrap_err();
/// assert_eq!(typo.to_string(), "unknown flag `fast_serch`; did you mean `fast_search`?");
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn flag_ref(name: &str) -> Result<FlagRef, Error> {
    registry::with(|registry| {
        let flag = registry.flag(registry.find(name)?);
        Ok(FlagRef {
            name: flag.decl().name,
            cell: flag.cell(),
        })
    })
}

/// A flag of the program, found by [`flag_ref`]: [`evaluate`] without the lookup by name (and without the
/// runtime's lock that the lookup takes).
#[derive(Clone, Copy)]
pub struct FlagRef {
    name: &'static str,
    cell: &'static FlagCell,
}

impl FlagRef {
    /// The flag's name.
    ///
    /// ```
    /// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
    /// assert_eq!(flag_runtime::flag_ref("dark_mode").unwrap().name(), "dark_mode");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The flag decided for `ctx`, as [`evaluate`] decides it.
    ///
    /// ```
    /// use flag_runtime::{Context, Value};
    ///
    /// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
    /// let page_size = flag_runtime::flag_ref("page_size").unwrap();
    /// let pro = Context::new().property("plan", "pro");
    /// assert_eq!(page_size.evaluate(&pro).value, Some(Value::Int(200)));
    /// ```
    pub fn evaluate(&self, ctx: &Context<'_>) -> Evaluation {
        let cell = self.cell;
        cell.evaluate_with(ctx, |outcome| {
            // Nothing to look up for an on/off flag.
            let chosen = cell
                .values
                .and_then(|_| cell.value_at(cell.value_named(outcome.value)?));
            Evaluation {
                enabled: outcome.enabled,
                variant: match chosen {
                    Some(named) => Some(named.name.clone()),
                    None => outcome.variant.map(|variant| variant.name.to_owned()),
                },
                payload: outcome.variant.and_then(|variant| variant.payload.cloned()),
                value: chosen.map(|named| Value::of(&named.value)),
                reason: outcome.reason,
                layer: cell.layer(),
                value_layer: cell.value_layer(),
                missing_user_id: outcome.missing_user_id,
            }
        })
    }
}

impl std::fmt::Debug for FlagRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlagRef").field("name", &self.name).finish()
    }
}

/// The value of the value flag `name` without a context, as the current thread sees it: `Ok(None)` for an
/// on/off flag or a value flag without a default. For code, prefer `flag_value!("name")`, which checks the
/// name and the type at compile time and costs one atomic load.
///
/// ```
/// use flag_runtime::Value;
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// assert_eq!(flag_runtime::value_of("page_size"), Ok(Some(Value::Int(50))));
/// assert_eq!(flag_runtime::value_of("dark_mode"), Ok(None));
/// ```
pub fn value_of(name: &str) -> Result<Option<Value>, Error> {
    let cell = flag_ref(name)?.cell;
    Ok(cell.current_value().map(|named| Value::of(&named.value)))
}

/// Chooses the value of the dynamic value flag `name` for the whole process, above the compiled-in
/// value, the runtime file, the fleet and `FEATURE_FLAGS`, until [`reset`]: `value` is one of the flag's
/// value names, or a literal equal to one of its values (`"large"` or `"200"`), checked by the same rule as
/// every other source's. Fails, changing nothing, for an unknown, static or on/off flag, or a value the flag
/// does not declare.
///
/// ```
/// use flag_runtime::{Value, value_of};
///
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// flag_runtime::set_value("page_size", "large")?;
/// assert_eq!(value_of("page_size")?, Some(Value::Int(200)));
/// flag_runtime::set_value("page_size", "10")?;
/// assert_eq!(value_of("page_size")?, Some(Value::Int(10)));
///
/// let error = flag_runtime::set_value("page_size", "11").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "flag `page_size`: `11` is neither the name nor the value of one of the flag's values: small = 10, medium = 50, large = 200"
/// );
/// assert_eq!(value_of("page_size")?, Some(Value::Int(10)), "unchanged");
/// flag_runtime::reset("page_size")?;
/// assert_eq!(value_of("page_size")?, Some(Value::Int(50)));
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn set_value(name: &str, value: &str) -> Result<(), Error> {
    registry::with(|registry| {
        let id = registry.find_dynamic(name)?;
        let index = registry.choose_value(id, value, "set")?;
        registry.set_api_value(id, Some(index));
        Ok(())
    })
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

/// Checks `text` as the fleet's table for flag `name`, exactly as this program's fleet layer checks a key
/// when it arrives (the parser, then the rules `cargo flags fleet` applies, then the merged rules must
/// compile), and applies nothing: for a tool that writes to the fleet and must refuse what the program would
/// refuse, such as the operators' page. `Ok` means the program would take it (a static flag's table only
/// when it repeats what was compiled in).
///
/// ```
/// use flag_runtime::{Context, check_fleet_table, flag};
///
/// check_fleet_table("search_ranking", "[[rules]]\nrollout = { percent = 50 }\n")?;
/// let error = check_fleet_table("search_ranking", "[[rules]]\nrollout = { percent = 101 }\n").unwrap_err();
/// assert!(error.to_string().contains("101"), "{error}");
/// assert!(check_fleet_table("search_ranking", "owner = \"someone else\"\n").is_err());
/// // Nothing was applied: the compiled-in 25% rollout still decides.
/// assert!(flag_runtime::targeting_toml("search_ranking")?.contains("percent = 25"));
/// assert!(!flag!("search_ranking", &Context::new().property("plan", "free")));
/// # Ok::<(), flag_runtime::Error>(())
/// ```
pub fn check_fleet_table(name: &str, text: &str) -> Result<(), Error> {
    let state = entry::parse_table(name, text).map_err(|message| Error::Entry {
        flag: name.to_owned(),
        message,
    })?;
    registry::with(|registry| entry::check(registry, state, Layer::Fleet).map(drop))
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
