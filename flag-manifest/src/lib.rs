//! The `flags.toml` manifest: its schema, its validation, and how a build's profile and overrides resolve it
//! into one on/off state per flag.
//!
//! This crate is shared by the `flag-macros` proc macro, the runtime and the tooling, so that there is one
//! parser and one set of rules. It knows nothing of `syn` or of token spans: every problem is a
//! [`Diagnostic`] that points at a byte range of the manifest (with its line and column) or of an
//! environment variable's value, and every check reports all the problems it finds, not only the first.
//!
//! ```
//! use flag_manifest::{Manifest, resolve};
//!
//! let manifest = Manifest::parse(r#"
//! [flags.new_ui]
//! description = "Redesigned dashboard"
//! default = false
//!
//! [profiles.beta]
//! new_ui = true
//! "#).unwrap();
//!
//! let beta = resolve(&manifest, Some("beta"), None).unwrap();
//! assert!(beta.is_enabled(&manifest, "new_ui"));
//! let plain = resolve(&manifest, None, Some("-new_ui")).unwrap();
//! assert!(!plain.is_enabled(&manifest, "new_ui"));
//! ```
//!
//! Dynamic flags may also carry [`targeting`]: rules that decide them per context (user, session, address,
//! time, properties), sticky percentage rollouts and weighted variants, with Unleash's semantics.

mod diagnostic;
mod discover;
mod model;
mod overrides;
pub mod packed;
mod parse;
mod resolve;
#[cfg(feature = "schema")]
pub mod schema;
pub mod slots;
mod suggest;
mod table;
pub mod targeting;

pub use diagnostic::{Diagnostic, Location};
pub use discover::{
    ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY, MANIFEST_FILE_NAME, locate_manifest,
};
pub use model::{Date, ExpiredPolicy, Flag, Manifest, Mode, Profile, Settings};
pub use overrides::{Override, parse_overrides};
pub use parse::{FileState, FixedKeys, parse_flag_table, parse_state_file};
pub use resolve::{FlagState, Resolution, Source, resolve};
#[cfg(feature = "schema")]
pub use schema::json_schema;
pub use suggest::{closest, did_you_mean};
pub use table::{Built, TableError};
pub use targeting::{
    CONTEXT_FIELDS, Constraint, Operator, Payload, PayloadKind, Requirement, Rollout, Rule,
    Stickiness, Targeting, Variant, VariantOverride, parse_flag_rules, rules_to_toml,
    targeting_to_toml,
};
