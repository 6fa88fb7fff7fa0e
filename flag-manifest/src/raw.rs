//! What serde reads a manifest into: the `Raw*` types, one per table of `flags.toml`, before any check.
//!
//! Deserialisation (serde + toml, with `deny_unknown_fields`) catches syntax errors, unknown keys and wrong
//! types; every other check is `crate::check`'s. Fields keep their spans (`toml::Spanned`) so that those
//! checks can point at what the user wrote.
//!
//! With the `schema` feature the same types derive the JSON Schema of the manifest ([`crate::schema`]):
//! their doc comments are what an editor shows, so they speak to the manifest's authors, and their
//! `schemars` attributes name the hand-written parts in [`shapes`].

mod manifest;
#[cfg(feature = "schema")]
pub(crate) mod shapes;
mod targeting;

pub(crate) use manifest::{RawExpired, RawFlag, RawManifest, RawMode};
pub(crate) use targeting::{
    RawConstraint, RawDocument, RawPayload, RawRollout, RawRule, RawVariant, has_targeting,
};
