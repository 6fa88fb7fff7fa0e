//! An [OpenFeature](https://openfeature.dev) provider over the program's own flags: code that already calls
//! the `open-feature` SDK reads our flags with one line of set-up, with the same rules, rollouts, runtime
//! file, fleet and overrides as `flag!` sees.
//!
//! ```
//! use flag_openfeature::FlagProvider;
//! use open_feature::{EvaluationContext, EvaluationReason, OpenFeature};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! OpenFeature::singleton_mut().await.set_provider(FlagProvider::new()).await;
//!
//! let client = OpenFeature::singleton().await.create_client();
//! let user = EvaluationContext::default()
//!     .with_targeting_key("42")
//!     .with_custom_field("country", "NZ");
//! let details = client.get_bool_details("checkout_v2", Some(&user), None).await.unwrap();
//! assert!(details.value, "user 42 is listed by a rule");
//! assert_eq!(details.reason, Some(EvaluationReason::TargetingMatch));
//! assert_eq!(details.variant.as_deref(), Some("one_page"));
//!
//! // Keys may be kebab-case: `dark-mode` is the flag `dark_mode`.
//! assert!(client.get_bool_value("dark-mode", None, None).await.unwrap());
//! // The same flags that `flag!` reads (a program's flags are those of the crates that use our macros).
//! assert_eq!(flag_runtime::flag!("dark_mode"), true);
//! # }
//! ```
//!
//! What the provider reports:
//! - **value**: a bool resolution reads an on/off flag's state; a resolution of another type, or of an
//!   unknown flag, is an error (`TYPE_MISMATCH`, `FLAG_NOT_FOUND`).
//! - **variant**: the variant chosen, else `on` or `off`.
//! - **reason**: `STATIC` for a flag decided at build time, `TARGETING_MATCH` when a rule matched, `SPLIT`
//!   when a weighted variant chose, `DEFAULT` when no rule matched.
//! - **flag_metadata**: see [`MetadataFields`].
//! - **errors**: `FLAG_NOT_FOUND`, `TYPE_MISMATCH`, `INVALID_CONTEXT` (a `currentTime` that is not a date),
//!   `TARGETING_KEY_MISSING` when the flag fell to its default only because a rule rolls out by user id
//!   (`stickiness = "user_id"`) and the context has no targeting key.
//!
//! The context maps as described in the README's "OpenFeature" section: `targeting_key` is the user id;
//! `sessionId`, `remoteAddress`, `currentTime`, `environment` and `appName` are our fields; everything else
//! is a property, numbers, booleans and dates turned into the text our operators compare.
//!
//! Each resolution runs synchronously inside the SDK's future, holds no lock across an await, and allocates
//! only what the SDK's types ask for (the variant's `String`, the metadata's map) plus the text of numeric
//! and date context fields past the eighth.

mod context;
mod metadata;
mod name;
mod provider;
mod resolve;

pub use metadata::MetadataFields;
pub use provider::{FlagProvider, caller_default_reason};
