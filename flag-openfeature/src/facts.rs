//! What the manifest says of each flag, read once per program: its mode and the metadata that never changes
//! (owner, description, expiry, mode, the `metadata` table). The program's flags are fixed when it links
//! (each crate's catalog), so the first resolution reads them all, and later ones clone what they need
//! instead of asking the runtime for a [`FlagInfo`](flag_runtime::FlagInfo), which describes every rule in
//! words.

use std::collections::HashMap;
use std::sync::OnceLock;

use flag_runtime::{FlagInfo, Mode, ValueType};
use open_feature::FlagMetadata;

use crate::metadata::{MetadataFields, fixed_metadata};

/// One flag's fixed facts.
#[derive(Debug)]
pub(crate) struct Facts {
    /// Static or dynamic.
    pub(crate) mode: Mode,
    /// A value flag's type; `None` for an on/off flag.
    pub(crate) value_type: Option<ValueType>,
    /// Its metadata under [`MetadataFields::All`], without the deciding layer of a dynamic flag (a static
    /// flag's is always `compiled`, and is included).
    all: Option<FlagMetadata>,
    /// Its metadata under [`MetadataFields::Manifest`].
    manifest: Option<FlagMetadata>,
}

impl Facts {
    fn new(info: &FlagInfo) -> Facts {
        Facts {
            mode: info.mode,
            value_type: info.value_type,
            all: fixed_metadata(MetadataFields::All, info),
            manifest: fixed_metadata(MetadataFields::Manifest, info),
        }
    }

    /// Its fixed metadata for `fields`.
    pub(crate) fn metadata(&self, fields: MetadataFields) -> Option<FlagMetadata> {
        match fields {
            MetadataFields::All => self.all.clone(),
            MetadataFields::Manifest => self.manifest.clone(),
        }
    }
}

/// The facts of the flag `name`, `None` for a name the program does not have.
pub(crate) fn of(name: &str) -> Option<&'static Facts> {
    static FACTS: OnceLock<HashMap<&'static str, Facts>> = OnceLock::new();
    FACTS
        .get_or_init(|| {
            flag_runtime::flags()
                .iter()
                .map(|info| (info.name, Facts::new(info)))
                .collect()
        })
        .get(name)
}
