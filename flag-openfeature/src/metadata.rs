//! A flag's `flag_metadata`: what OpenFeature callers (and their hooks, for telemetry) learn about a flag
//! besides its value. Two sources meet here, so the rule for how they coexist is written once, here.

use flag_runtime::{FlagInfo, Layer, Mode};
use open_feature::{FlagMetadata, FlagMetadataValue};

use crate::value::metadata_value;

/// Which facts about a flag [`FlagProvider`](crate::FlagProvider) puts in `flag_metadata`.
///
/// ```
/// use flag_openfeature::{FlagProvider, MetadataFields};
///
/// // Owner, description, expiry, mode and deciding layer, then the manifest's `metadata` table.
/// let everything = FlagProvider::new();
/// assert_eq!(everything.metadata_fields(), MetadataFields::All);
///
/// // Only the manifest's `metadata` table: empty for a flag without one.
/// let table_only = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
/// assert_eq!(table_only.metadata_fields(), MetadataFields::Manifest);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataFields {
    /// The flag's facts from the manifest and the runtime under fixed keys: `owner`, `description`,
    /// `expires` (`YYYY-MM-DD`), each when the manifest gives it, `mode` (`static` or `dynamic`) and
    /// `layer` (what decided its state: `compiled`, `file`, `fleet`, `env`, `set`, `override`...); then
    /// the manifest's free `metadata` table, whose entries replace a fixed key of the same name.
    #[default]
    All,
    /// Only the manifest's `metadata` table, so that a flag without one has empty metadata (what
    /// OpenFeature's conformance scenario "Returns no metadata for flags without metadata" expects of a
    /// provider).
    Manifest,
}

/// The metadata of the flag `info` describes that does not change while the program runs: everything but
/// the layer that decides a dynamic flag (a static flag's is always `compiled`). `None` when there is none.
pub(crate) fn fixed_metadata(fields: MetadataFields, info: &FlagInfo) -> Option<FlagMetadata> {
    let mut metadata = FlagMetadata::default();
    if fields == MetadataFields::All {
        let layer = (info.mode == Mode::Static).then_some(info.layer.as_str());
        let facts = [
            ("owner", info.owner),
            ("description", info.description),
            ("expires", info.expires),
            ("mode", Some(mode_name(info.mode))),
            ("layer", layer),
        ];
        for (key, value) in facts {
            if let Some(value) = value {
                metadata.add_value(key, value);
            }
        }
    }
    for (key, value) in manifest_table(info) {
        metadata.add_value(key, value);
    }
    (!metadata.values.is_empty()).then_some(metadata)
}

/// Adds the layer that decided a dynamic flag now to its fixed metadata under [`MetadataFields::All`]
/// (unless the manifest's table has a `layer` of its own, which wins).
pub(crate) fn with_layer(fixed: Option<FlagMetadata>, layer: Layer) -> Option<FlagMetadata> {
    let mut metadata = fixed.unwrap_or_default();
    if !metadata.values.contains_key("layer") {
        metadata.add_value("layer", layer.as_str());
    }
    Some(metadata)
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Static => "static",
        Mode::Dynamic => "dynamic",
    }
}

/// The manifest's `metadata` table of the flag, as OpenFeature's metadata values.
fn manifest_table(info: &FlagInfo) -> impl Iterator<Item = (&'static str, FlagMetadataValue)> + '_ {
    info.metadata
        .iter()
        .map(|(key, value)| (*key, metadata_value(value)))
}
