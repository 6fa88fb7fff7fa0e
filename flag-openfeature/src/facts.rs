//! What the manifest says of each flag, read once per program: the runtime's handle on it, its mode and the
//! metadata that never changes (owner, description, expiry, mode, the `metadata` table). The program's flags
//! are fixed when it links (each crate's catalog), so the first resolution reads them all, and later ones
//! find a flag with one hash lookup and clone what they need, instead of asking the runtime by name (its
//! lock and its own lookup) or for a [`FlagInfo`](flag_runtime::FlagInfo), which describes every rule in
//! words.

use std::sync::OnceLock;

use flag_runtime::{Context, Evaluation, FlagInfo, FlagRef, Layer, Mode, ValueType};
use open_feature::FlagMetadata;
use rustc_hash::FxHashMap;

use crate::metadata::{MetadataFields, fixed_metadata, with_layer};
use crate::name::kebab;

/// One flag's fixed facts.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The runtime's handle on the flag.
    pub(crate) flag: FlagRef,
    /// Static or dynamic.
    pub(crate) mode: Mode,
    /// A static flag's evaluation, the same for every context and for the life of the program: only for a
    /// flag without `requires` (a static flag may require a dynamic one, which can change).
    pub(crate) fixed: Option<Evaluation>,
    /// A value flag's type; `None` for an on/off flag.
    pub(crate) value_type: Option<ValueType>,
    /// Its metadata under [`MetadataFields::All`], without the deciding layer of a dynamic flag (a static
    /// flag's is always `compiled`, and is included).
    all: Option<FlagMetadata>,
    /// A dynamic flag's metadata under [`MetadataFields::All`] for each layer that may decide it, built
    /// once: a resolution clones the one that applies rather than adding the layer to a clone.
    all_by_layer: Vec<(Layer, Option<FlagMetadata>)>,
    /// Its metadata under [`MetadataFields::Manifest`].
    manifest: Option<FlagMetadata>,
}

impl Facts {
    fn new(info: &FlagInfo) -> Option<Facts> {
        let flag = flag_runtime::flag_ref(info.name).ok()?;
        let all = fixed_metadata(MetadataFields::All, info);
        let all_by_layer = match info.mode {
            Mode::Dynamic => Layer::ALL
                .iter()
                .map(|&layer| (layer, with_layer(all.clone(), layer)))
                .collect(),
            Mode::Static => Vec::new(),
        };
        Some(Facts {
            flag,
            fixed: (info.mode == Mode::Static && info.requires.is_empty())
                .then(|| flag.evaluate(&Context::new())),
            mode: info.mode,
            value_type: info.value_type,
            all,
            all_by_layer,
            manifest: fixed_metadata(MetadataFields::Manifest, info),
        })
    }

    /// Its metadata for `fields`, with `layer` as the deciding layer of a dynamic flag under
    /// [`MetadataFields::All`].
    #[inline]
    pub(crate) fn metadata(&self, fields: MetadataFields, layer: Layer) -> Option<FlagMetadata> {
        match fields {
            MetadataFields::All if self.mode == Mode::Dynamic => {
                match self.all_by_layer.iter().find(|(known, _)| *known == layer) {
                    Some((_, metadata)) => metadata.clone(),
                    None => with_layer(self.all.clone(), layer),
                }
            }
            MetadataFields::All => self.all.clone(),
            MetadataFields::Manifest => self.manifest.clone(),
        }
    }
}

/// The facts of the flag called `key`, in our spelling (`new_ui`) or in kebab-case (`new-ui`, see
/// [`kebab`]); `None` for a key the program does not have. Each flag's facts are built once and shared by
/// both spellings, for the life of the program.
#[inline]
pub(crate) fn of(key: &str) -> Option<&'static Facts> {
    static FACTS: OnceLock<FxHashMap<Box<str>, &'static Facts>> = OnceLock::new();
    FACTS
        .get_or_init(|| {
            let mut by_key = FxHashMap::default();
            for info in flag_runtime::flags() {
                let Some(facts) = Facts::new(&info) else {
                    continue;
                };
                let facts: &'static Facts = Box::leak(Box::new(facts));
                by_key.insert(info.name.into(), facts);
                if let Some(kebab) = kebab(info.name) {
                    by_key.insert(kebab.into_boxed_str(), facts);
                }
            }
            by_key
        })
        .get(key)
        .copied()
}
