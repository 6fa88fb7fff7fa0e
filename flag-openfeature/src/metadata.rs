//! A flag's `flag_metadata`: what OpenFeature callers (and their hooks, for telemetry) learn about a flag
//! besides its value. Two sources meet here, so the rule for how they coexist is written once, here.

use flag_runtime::{FlagInfo, Mode};
use open_feature::{FlagMetadata, FlagMetadataValue};

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

/// The metadata of the flag `info` describes, `None` when there is none to give.
pub(crate) fn flag_metadata(fields: MetadataFields, info: &FlagInfo) -> Option<FlagMetadata> {
    let mut metadata = FlagMetadata::default();
    if fields == MetadataFields::All {
        let facts = [
            ("owner", info.owner),
            ("description", info.description),
            ("expires", info.expires),
            ("mode", Some(mode_name(info.mode))),
            ("layer", Some(info.layer.as_str())),
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

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Static => "static",
        Mode::Dynamic => "dynamic",
    }
}

/// The manifest's `metadata` table of the flag, as OpenFeature's metadata values.
fn manifest_table(_info: &FlagInfo) -> impl Iterator<Item = (&'static str, FlagMetadataValue)> {
    // The manifest gains its `metadata` table on the `values` branch (FlagInfo::metadata); until it is
    // merged there is none to read.
    std::iter::empty()
}
