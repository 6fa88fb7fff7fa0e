//! Typo-proof feature flags for Rust.
//!
//! Declare every flag once, in a `flags.toml` at the workspace root, then gate code on it:
//!
//! ```toml
//! [flags.new_ui]
//! description = "Redesigned dashboard"
//! owner = "team-ui"
//! default = false              # the state when no profile or override says otherwise
//! requires = ["new_api"]       # may only be on where new_api is on
//!
//! [flags.fast_search]
//! mode = "dynamic"             # decided at run time; the manifest's state is the compiled-in default
//!
//! [profiles.beta]              # chosen at build time with FEATURE_FLAGS_PROFILE=beta
//! new_ui = true
//! ```
//!
//! ```
//! use flag_runtime::{feature_flag, flag};
//!
//! #[feature_flag("new_ui")]
//! fn dashboard() -> &'static str { "new" }
//!
//! #[feature_flag(not("new_ui"))]
//! fn dashboard() -> &'static str { "classic" }
//!
//! let results = if flag!("fast_search") { "from the index" } else { "from a scan" };
//! # assert_eq!(dashboard(), "classic");
//! # assert_eq!(results, "from a scan");
//! ```
//!
//! - A **static** flag (the default mode) is decided at build time: code behind a disabled static flag is
//!   removed exactly as `#[cfg]` would remove it, and `flag!` is a literal `true` or `false`.
//! - A **dynamic** flag is decided at run time: `flag!` costs one relaxed atomic load, and a gated fn switches
//!   between its body and its `fallback`. Its state comes from these sources, lowest precedence first:
//!
//!   | source | how |
//!   | --- | --- |
//!   | compiled-in default | the manifest's `default`, profile and `FEATURE_FLAGS` at build time |
//!   | runtime file | [`load_file`], [`watch_file`], or `FEATURE_FLAGS_FILE` (watched every second) |
//!   | fleet | one table per flag in etcd, shared by every instance (the `etcd` feature: `FEATURE_FLAGS_ETCD` or [`Builder::etcd`]) |
//!   | `FEATURE_FLAGS` | read once, on first use, at run time: `name=on,-other` |
//!   | [`set`] / [`reset`] | the string API, for admin endpoints |
//!   | [`override_global`] | process-wide, until the guard drops (tests) |
//!   | [`override_local`] | this thread only, until the guard drops (tests run in parallel) |
//!
//! A misspelled flag is a compile error that suggests the declared name. The build reads the manifest from
//! `FEATURE_FLAGS_MANIFEST` or the nearest `flags.toml` above the crate, the profile from
//! `FEATURE_FLAGS_PROFILE` and overrides from `FEATURE_FLAGS`; changing any of them rebuilds the crates that
//! use flags.
//!
//! The runtime knows the flags of every crate in the program that uses a flag macro of any kind
//! (`#[feature_flag]`, `flag!`, `variant!`, `flag_variants!()`, for static flags as for dynamic ones): that
//! crate's first use carries a catalog of every flag of its manifest, so [`flags`], [`set`] and
//! [`is_enabled`] know them all before any check has run. A program that uses none of the macros has no
//! flags. (A crate whose only uses gate associated fns, consts or types that its build removes carries no
//! catalog: nothing of them is left to carry it.)
//!
//! Nothing needs initialising: the runtime starts on first use. [`Builder`] chooses its sources in code.
//! Bad run-time input (an unknown name, a static flag asked to change, a broken file) never stops the
//! program: it is reported (see [`set_reporter`]) and ignored, and a broken reload keeps the last good state.

mod callsite;
mod catalog;
mod control;
mod entry;
mod error;
#[cfg(feature = "etcd")]
mod etcd;
mod fleet;
mod introspect;
mod object;
mod overrides;
mod registry;
mod report;
mod settings;
#[cfg(any(test, feature = "etcd"))]
mod snapshot;
mod sources;
mod subscribe;
mod targeted;
mod targeting;
mod value;

pub use control::{
    Evaluation, FlagRef, check_fleet_table, evaluate, flag_ref, is_enabled, reset, set, set_table,
    set_value, targeting_toml, value_of,
};
pub use error::Error;
pub use flag_manifest::{Payload, PayloadKind};
pub use fleet::{FleetStatus, fleet_status};
pub use introspect::{
    EvaluationCounts, FlagInfo, FleetValue, Mode, TargetingInfo, flag_info, flags,
};
pub use overrides::{
    GlobalOverride, GlobalOverridesLock, LocalOverride, lock_global_overrides, override_global,
    override_global_value, override_global_variant, override_local, override_local_value,
    override_local_variant,
};
pub use registry::Layer;
pub use report::set_reporter;
pub use settings::{
    Builder, DEFAULT_FLEET_START_WAIT, DEFAULT_POLL, ENV_ETCD, ENV_ETCD_INSTANCE, ENV_ETCD_PREFIX,
    ENV_ETCD_SNAPSHOT, ENV_FILE,
};
pub use sources::{FileWatch, load_file, watch_file};
pub use subscribe::{FlagChange, Subscription, changes, subscribe};
pub use targeted::count_evaluations;
pub use targeting::Context;
pub use value::{Reason, Value, ValueType};

/// Keeps, removes or switches an item according to a flag expression.
///
/// The argument is a flag name in quotes, or `not(..)`, `all(..)` and `any(..)` of flag expressions, as in
/// `#[cfg]`. Options follow it: `fallback = path`, a fn with the same signature, called with the same
/// arguments when the condition is off (`Self::name` for a method; the receiver is passed first).
///
/// With static flags, the item is kept or removed as `#[cfg]` would (any item: fn, method, impl, struct, mod,
/// use, const, macro...); with a `fallback`, a fn whose condition is off keeps its signature and calls the
/// fallback instead, marked `#[inline]` (unless it says how to inline already), as rustc treats the one-line
/// fn it stands for. With a dynamic flag, a fn chooses at each call between its body and its fallback (a fn
/// returning `()` may omit the fallback: the call then does nothing while the flag is off); other items
/// cannot change at run time and are refused.
///
/// ```
/// use flag_runtime::feature_flag;
///
/// struct Report;
///
/// impl Report {
///     fn csv_v1(&self, rows: usize) -> String { format!("{rows} rows, v1") }
///
///     #[feature_flag("new_ui", fallback = Self::csv_v1)]
///     fn csv(&self, rows: usize) -> String { format!("{rows} rows, v2") }
///
///     fn search_scan(&self, query: &str) -> String { format!("scan for {query}") }
///
///     // `fast_search` is dynamic: decided at each call.
///     #[feature_flag("fast_search", fallback = Self::search_scan)]
///     fn search(&self, query: &str) -> String { format!("index for {query}") }
/// }
///
/// assert_eq!(Report.csv(3), "3 rows, v1");
/// assert_eq!(Report.search("rust"), "scan for rust");
/// let _on = flag_runtime::override_local("fast_search", true).unwrap();
/// assert_eq!(Report.search("rust"), "index for rust");
/// ```
#[doc(inline)]
pub use flag_macros::feature_flag;

/// The value of a flag expression, as a `bool`.
///
/// For static flags it is a literal `true` or `false`, usable in `const` context, and the branch it disables
/// is type-checked and then optimised away. For a dynamic flag it is one relaxed atomic load of the flag's
/// slot (the first check of a slot registers it).
///
/// ```
/// use flag_runtime::flag;
///
/// const NEW_API: bool = flag!("new_api");
/// assert!(NEW_API);
/// assert!(flag!(all("new_api", not("new_ui"))));
/// if flag!("dark_mode") {
///     // dynamic: on by default, switchable at run time
/// }
/// ```
///
/// `flag!("name", &ctx)` decides a dynamic flag for one [`Context`]: its rules, rollout and `requires`,
/// evaluated without allocating. Without a context, a flag with rules gives its plain state.
///
/// ```
/// use flag_runtime::{Context, flag};
///
/// let kiwi = Context::new().user_id("7").property("country", "NZ");
/// assert!(flag!("checkout_v2", &kiwi), "user 7 is in the first rule's list");
/// assert!(!flag!("checkout_v2", &Context::new().user_id("8")), "no rule matches");
/// assert!(!flag!("checkout_v2"), "no context: the plain state, off");
/// ```
#[doc(inline)]
pub use flag_macros::flag;

/// A value flag's value, with the Rust type of its declared `type`: `bool`, `&'static str`, `i64`, `f64`,
/// or for an object its JSON text as a `&'static str`; or, as `flag_value!("name": Type)`, an object flag
/// decoded as a Rust type (see "Typed objects" below).
///
/// ```toml
/// [flags.page_size]
/// mode = "dynamic"
/// type = "integer"
/// values = { small = 10, medium = 50, large = 200 }
/// default = "medium"
///
/// [[flags.page_size.rules]]
/// constraints = [{ context = "plan", operator = "in", values = ["pro", "team"] }]
/// value = "large"
/// ```
///
/// ```
/// use flag_runtime::{Context, flag_value};
///
/// let rows: i64 = flag_value!("page_size");
/// assert_eq!(rows, 50, "no context: the default value, or what a source chose");
/// let pro = Context::new().user_id("7").property("plan", "pro");
/// assert_eq!(flag_value!("page_size", &pro), 200, "the rule's value");
///
/// flag_runtime::set_value("page_size", "small").unwrap();
/// assert_eq!(flag_value!("page_size"), 10);
/// flag_runtime::reset("page_size").unwrap();
/// ```
///
/// For a static value flag it is a literal, usable in `const`. For a dynamic one read without a context,
/// a boolean, or an integer flag whose declared values all fit in an `i32`, is one relaxed atomic load:
/// the flag's slot holds the value's own bits (`flag_manifest::FlagValues::slot_bits`). Other types, and
/// integers beyond `i32`, load the value's index and read a constant array of the declared values. None
/// of these allocates. With a context, the rules decide as [`evaluate`] does (see [`Reason`]); a disabled
/// flag (`enabled = false`) gives its default value.
///
/// # Typed objects
///
/// With this crate's `json` feature (it brings `serde_json`), `flag_value!("name": Type)` and
/// `flag_value!("name": Type, &ctx)` read an object flag as any `Type` that implements
/// `serde::Deserialize` (`serde_json::Value` included), as a `Result<&'static Type, Error>`. Each declared
/// value is decoded once per call site and type, on its first read, and kept; a dynamic flag still chooses
/// its value at each read. A value that does not fit the type is [`Error::ObjectType`], naming the flag,
/// the value and the type; nothing panics.
///
/// `Type` may be a type parameter of the fn around the call, which one call site then reads as each type
/// the fn is called with. It must be `'static` (`T: DeserializeOwned + Send + Sync + 'static`; without
/// `'static` rustc says "the parameter type `T` may not live long enough"), since the call site keeps its
/// decodings, as `dyn Any`, for the rest of the program: at most one per declared value and type read
/// there, a number the program's code bounds. The first type a call site reads costs a `OnceLock` load
/// and a type check per read; a further type at the same call site (a generic fn called with several)
/// also takes a lock.
///
/// ```ignore
/// #[derive(serde::Deserialize)]
/// struct Layout { columns: u8 }
///
/// let layout: &'static Layout = flag_value!("layout": Layout)?; // the current value
/// let wide = flag_value!("layout": Layout, &ctx)?;              // the value for a context
/// let raw: &serde_json::Value = flag_value!("layout": serde_json::Value)?;
///
/// fn layout_as<T: serde::de::DeserializeOwned + Send + Sync + 'static>() -> Result<&'static T, Error> {
///     flag_value!("layout": T)                                  // one call site, any type
/// }
/// ```
///
/// (`ignore`d: this workspace's manifest, which doc tests read, declares no object flag; the crate
/// `tests/value-reads` has one, `layout`, and its `tests/reads.rs` and `tests/generic_reads.rs` run these
/// reads, the errors included.)
///
/// Compile errors, at the name: an unknown flag (with the closest declared name), a flag without a `type`
/// ("is on or off, not a value flag"), a value flag without a default value, a `Type` on a flag that is not
/// an object ("reads an object flag as a Rust type"), and a `Type` without the `json` feature (which says
/// to enable it). `flag!` and `#[feature_flag]` on a value flag are errors that say to use `flag_value!`
/// (except a static boolean value flag, which `flag!` reads as its value).
#[doc(inline)]
pub use flag_macros::flag_value;

/// A dynamic flag's variant for a context, as the flag's enum from [`flag_variants!`]: `None` when the flag
/// is off for the context or has no variant for it.
///
/// Adding a variant to `flags.toml` adds it to the enum, so a `match` that misses it stops compiling.
///
/// ```
/// flag_runtime::flag_variants!(); // at the crate root
///
/// use flag_runtime::{Context, variant};
/// use flag_variants::CheckoutV2;
///
/// fn main() {
///     let ctx = Context::new().user_id("42").property("country", "NZ");
///     let label = match variant!("checkout_v2", &ctx) {
///         Some(CheckoutV2::Control) => "control",
///         Some(CheckoutV2::OnePage) => "one page",
///         None => "checkout v2 is off",
///     };
///     assert_eq!(label, "one page", "user 42 is in the rule's user list and gets the override");
/// }
/// ```
#[doc(inline)]
pub use flag_macros::variant;

/// Generates, where it is invoked (the crate root), a module `flag_variants` with one enum per dynamic flag
/// that has variants, named after the flag in UpperCamelCase, for [`variant!`].
///
/// ```
/// flag_runtime::flag_variants!();
///
/// fn main() {
///     assert_eq!(flag_variants::CheckoutV2::ALL.len(), 2);
///     assert_eq!(flag_variants::CheckoutV2::OnePage.name(), "one_page");
/// }
/// ```
#[doc(inline)]
pub use flag_macros::flag_variants;

#[doc(hidden)]
/// What generated code uses. Not a stable API: it changes with the macros, which are pinned to this crate's
/// exact version.
pub mod __private {
    pub use crate::callsite::{is_enabled, is_enabled_in, value_index_in, value_word, variant_in};
    pub use crate::catalog::{Catalog, FlagDecl, RequirementDecl};
    #[cfg(not(feature = "json"))]
    pub use crate::object::JsonFeature;
    pub use crate::object::{Decoded, decode};
    pub use inventory;
}

#[doc(hidden)]
/// The targeting engine, for the integration tests (`tests/tests/unleash_spec.rs`, `targeting_alloc.rs`) and
/// benchmarks. Not a stable API.
pub mod __targeting_for_tests {
    pub use crate::targeting::{CompiledTargeting, Outcome, VariantChoice, murmur3_x86_32};
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
