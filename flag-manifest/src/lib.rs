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
//!
//! # Layers
//!
//! Each module uses only the modules of the layers above it, never one below, so that each can be read (and
//! changed) knowing only what it stands on:
//!
//! 1. `diagnostic` (a problem and where it is), `suggest` ("did you mean"), `discover` (where the manifest
//!    is, the variables' names): they use nothing else of the crate.
//! 2. [`targeting`]: the model of rules, constraints, rollouts and variants, the operators' table and the
//!    value parsers; `value`: a value flag's typed values ([`FlagValues`]) and the one function that
//!    chooses one from text. They know nothing of the manifest around them.
//! 3. `model`: the checked manifest ([`Manifest`], [`Flag`], [`Requirement`], ...), over `targeting`.
//! 4. `raw`: the serde types the text is read into, with their JSON Schema attributes (`raw::shapes`, under
//!    the `schema` feature), over `targeting`. It does not know the model.
//! 5. `check`: the checks a schema cannot make, from `raw`'s types to `model`'s and `targeting`'s.
//! 6. `parse` (text to model: [`Manifest::parse`], [`parse_state_file`], [`parse_flag_table`],
//!    [`parse_flag_rules`]) over `raw` and `check`; `schema` (`json_schema()`, under the `schema` feature)
//!    over `raw`.
//! 7. What uses a parsed manifest: `overrides` (the `FEATURE_FLAGS` syntax), `resolve` (profile and
//!    overrides to states), `table` (a runtime file's table over a flag), [`packed`] and [`slots`] (the
//!    contracts with generated code).

mod check;
mod diagnostic;
mod discover;
mod model;
mod overrides;
pub mod packed;
mod parse;
mod raw;
mod resolve;
#[cfg(feature = "schema")]
pub mod schema;
pub mod slots;
mod suggest;
mod table;
pub mod targeting;
mod value;

pub use diagnostic::{Diagnostic, Location, ParseError};
pub use discover::{
    ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY, FoundManifest, MANIFEST_FILE_NAME,
    env_var, find_manifest, locate_manifest,
};
pub use model::{
    Date, ExpiredPolicy, Flag, Manifest, Mode, Profile, Requirement, Settings, rules_to_toml,
};
pub use overrides::{Override, parse_overrides, parse_overrides_with};
pub use parse::{FileState, FixedKeys, parse_flag_rules, parse_flag_table, parse_state_file};
pub use resolve::{FlagState, Resolution, Source, resolve};
#[cfg(feature = "schema")]
pub use schema::json_schema;
pub use suggest::{closest, did_you_mean};
pub use table::{Built, TableError};
pub use targeting::{
    CONTEXT_FIELDS, Constraint, Operator, Payload, PayloadKind, Rollout, Rule, Stickiness,
    Targeting, Variant, VariantOverride, targeting_to_toml,
};
pub use value::{FlagValues, NamedValue, Value, ValueType};
