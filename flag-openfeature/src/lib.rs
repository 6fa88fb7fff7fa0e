//! An [OpenFeature](https://openfeature.dev) provider over the program's own flags: code that already calls
//! the `open-feature` SDK reads our flags with one line of set-up, with the same rules, rollouts, runtime
//! file, fleet and overrides as `flag!` sees.
//!
//! ```
//! // Cargo.toml: flag-openfeature, flag-runtime, open-feature = "0.3", tokio
//! use flag_openfeature::FlagProvider;
//! use open_feature::{EvaluationContext, EvaluationReason, OpenFeature};
//!
//! #[tokio::main]
//! async fn main() {
//!     OpenFeature::singleton_mut().await.set_provider(FlagProvider::new()).await; // the one line
//!
//!     let client = OpenFeature::singleton().await.create_client();
//!     let user = EvaluationContext::default()
//!         .with_targeting_key("42")                      // our user id
//!         .with_custom_field("country", "NZ")            // a property
//!         .with_custom_field("app_version", "2.3.0");
//!     let details = client.get_bool_details("checkout_v2", Some(&user), None).await.unwrap();
//!     assert!(details.value);
//!     assert_eq!(details.reason, Some(EvaluationReason::TargetingMatch));
//!     assert_eq!(details.variant.as_deref(), Some("one_page"));
//!     assert_eq!(details.flag_metadata.values["owner"], "team-payments".into());
//!
//!     // A value flag resolves to its type: `page_size` is an integer flag (200 on a paid plan).
//!     let rows = client.get_int_value("page_size", Some(&user), None).await.unwrap_or(20);
//!     assert_eq!(rows, 50);
//!
//!     // Keys may be kebab-case, as OpenFeature's examples write them: `dark-mode` is `dark_mode`.
//!     let dark = client.get_bool_value("dark-mode", None, None).await.unwrap_or(false);
//!     // Our macros and the SDK read the same state (and a program's flags are those of the crates that use
//!     // our macros).
//!     assert_eq!(dark, flag_runtime::flag!("dark_mode"));
//! }
//! ```
//!
//! What the provider reports:
//! - **value**: a value flag's value for the context, read by the resolution of its type (`type =
//!   "boolean"` by a bool resolution, `"integer"` by an int, `"float"` by a float, `"string"` by a string,
//!   `"object"` by a struct); an on/off flag's state, read by a bool resolution. Another type is
//!   `TYPE_MISMATCH`; an unknown flag `FLAG_NOT_FOUND`; an object value that is not a JSON object
//!   `PARSE_ERROR`.
//! - **variant**: a value flag's value name; an on/off flag's variant, else `on` or `off`.
//! - **reason**: `STATIC` for a flag decided at build time, `TARGETING_MATCH` when a rule (or a variant
//!   override) chose, `SPLIT` when a rollout below 100% or a weighted variant chose, `DEFAULT` when no rule
//!   matched; the runtime's [`Reason`](flag_runtime::Reason).
//! - **the caller's default**: for a disabled flag (`enabled = false`), or a value flag without a `default`
//!   that no rule gave a value, the provider returns an error that [`caller_default_reason`] reads as
//!   `DISABLED` or `DEFAULT`, so that `unwrap_or(default)` gives the caller's default (the 0.3 SDK does not
//!   pass it to providers).
//! - **flag_metadata**: see [`MetadataFields`].
//! - **errors**: also `INVALID_CONTEXT` (a `currentTime` that is not a date) and `TARGETING_KEY_MISSING` when
//!   the flag fell to its default only because a rule rolls out by user id (`stickiness = "user_id"`) and
//!   the context has no targeting key.
//!
//! The context maps as described in the README's "OpenFeature" section: `targeting_key` is the user id;
//! `sessionId`, `remoteAddress`, `currentTime`, `environment` and `appName` are our fields; everything else
//! is a property, numbers, booleans and dates turned into the text our operators compare.
//!
//! Each resolution runs synchronously inside the SDK's future, holds no lock across an await, and allocates
//! what the SDK's types ask for (the variant's `String`, the metadata's map) and the text of numeric and
//! date context fields past the eighth; it asks the runtime to describe the flag (which allocates) only
//! for the deciding layer of a dynamic flag under [`MetadataFields::All`], and for a dynamic flag that fell
//! to its default for a context without a targeting key (to tell `TARGETING_KEY_MISSING`).

mod context;
mod facts;
mod metadata;
mod name;
mod provider;
mod resolve;
mod value;

pub use metadata::MetadataFields;
pub use provider::{FlagProvider, caller_default_reason};
