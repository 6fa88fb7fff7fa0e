//! A flag's state as a stack of layers, one per source, and the cell that checks read: the data the
//! [`Registry`](super::Registry) owns. Only the registry writes a layer (see its module comment); this module
//! says what the layers are and how a flag's state, targeting and published targeting follow from them.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use crate::callsite;
use crate::catalog::FlagDecl;
use crate::overrides;
use crate::targeted::{Counts, Slot, Targeted, counting};
use crate::targeting::{Plain, VariantChoice};
use flag_manifest::{FileState, FlagValues, NamedValue, Payload, Targeting};

/// A flag's process-wide state, read by checks on their slow path and by contextual checks.
#[derive(Debug)]
pub(crate) struct FlagCell {
    /// The flag's index in the registry.
    pub id: usize,
    /// The flag's slot tag (see `flag_manifest::slots`): which flag a slot's cached state belongs to.
    pub tag: u32,
    /// The state, `requires` applied.
    pub(super) value: AtomicBool,
    /// The state its sources give, before `requires`: what targeting starts from.
    pub(super) layered: AtomicBool,
    /// How many thread-local overrides of this flag exist, in all threads.
    pub(super) local_overrides: AtomicUsize,
    /// Whether the flag is decided at run time.
    pub dynamic: bool,
    /// A value flag's values (`None` for an on/off flag).
    pub values: Option<&'static FlagValues>,
    /// A value flag's current value, without a context: an index into `values` ([`NO_VALUE`] for none).
    pub(super) value_index: AtomicUsize,
    /// The layer that decided the state (a [`Layer`] as its index), for evaluations to report without the
    /// registry's lock.
    pub(super) layer: AtomicU8,
    /// The layer that chose a value flag's value, likewise.
    pub(super) value_layer: AtomicU8,
    /// The compiled targeting, when contextual checks evaluate it.
    pub(super) slot: Slot,
    /// Evaluation counts, kept while counting is on.
    pub counts: Counts,
}

impl FlagCell {
    /// The state this thread sees: its own override if it has one, else the process-wide state.
    pub fn current(&self) -> bool {
        self.local_override().unwrap_or_else(|| self.value())
    }

    /// This thread's override of the flag, if it has one.
    #[inline]
    pub fn local_override(&self) -> Option<bool> {
        self.local_forced().map(|forced| forced.enabled())
    }

    /// What this thread's innermost override of the flag forces, if it has one.
    #[inline]
    pub fn local_forced(&self) -> Option<Forced> {
        self.local(|forced| Some(forced.clone()))
    }

    /// The value this thread's innermost value override forces, if it has one (a state forced inside it
    /// leaves the value as it is).
    #[inline]
    pub fn local_value(&self) -> Option<usize> {
        self.local(Forced::value)
    }

    /// What `pick` takes from the innermost of this thread's overrides of the flag it takes something from;
    /// one relaxed load when no thread overrides the flag.
    #[inline]
    fn local<T>(&self, pick: impl Fn(&Forced) -> Option<T>) -> Option<T> {
        if self.local_overrides.load(Ordering::Relaxed) > 0 {
            overrides::innermost(self.id, pick)
        } else {
            None
        }
    }

    /// The layer that chose a value flag's value for this thread (`None` for an on/off flag): its own
    /// value override if it has one, else the process-wide one (one relaxed load).
    pub fn value_layer(&self) -> Option<Layer> {
        self.values?;
        Some(if self.local_value().is_some() {
            Layer::LocalOverride
        } else {
            Layer::from_index(self.value_layer.load(Ordering::Relaxed))
        })
    }

    /// The process-wide state.
    #[inline]
    pub fn value(&self) -> bool {
        self.value.load(Ordering::Relaxed)
    }

    /// The process-wide state before `requires`.
    #[inline]
    pub fn layered(&self) -> bool {
        self.layered.load(Ordering::Relaxed)
    }

    pub fn slot(&self) -> &Slot {
        &self.slot
    }

    /// The index of a value flag's current value without a context, as this thread sees it (its own
    /// override, else one relaxed load), `None` for an on/off flag or a value flag without a default.
    #[inline]
    pub fn value_index(&self) -> Option<usize> {
        if let Some(index) = self.local_value() {
            return Some(index);
        }
        let index = self.value_index.load(Ordering::Relaxed);
        (index != NO_VALUE).then_some(index)
    }

    /// The layer that decides the flag's state for this thread: its own override if it has one, else the
    /// process-wide layer (one relaxed load).
    pub fn layer(&self) -> Layer {
        if self.local_override().is_some() {
            Layer::LocalOverride
        } else {
            Layer::from_index(self.layer.load(Ordering::Relaxed))
        }
    }

    /// A value flag's current value without a context, as this thread sees it; `None` for an on/off flag
    /// or a value flag without a default.
    pub fn current_value(&self) -> Option<&'static NamedValue> {
        self.value_at(self.value_index()?)
    }

    /// A value flag's value at `index` in its declared values; `None` for an on/off flag or an index
    /// beyond them.
    pub fn value_at(&self, index: usize) -> Option<&'static NamedValue> {
        self.values?.values.get(index)
    }

    /// A value flag's current value as its slot word (see [`crate::callsite::value_word`]): the value's
    /// bits when the flag has them, else its index; `None` for an on/off flag or a value flag without a
    /// default.
    pub fn value_word(&self) -> Option<u32> {
        let index = self.value_index()?;
        self.values?
            .slot_bits(index)
            .or_else(|| u32::try_from(index).ok())
    }

    /// What [`crate::targeting::resolve`] needs to know of the flag, with `enabled` as its state.
    #[inline]
    pub fn plain(&self, enabled: bool) -> Plain {
        Plain {
            enabled,
            dynamic: self.dynamic,
            value_flag: self.values.is_some(),
        }
    }

    /// The index of the value called `name` (what an outcome names), else the current default value.
    pub fn value_named(&self, name: Option<&str>) -> Option<usize> {
        name.and_then(|name| self.values?.index_of(name))
            .or_else(|| self.value_index())
    }
}

/// No value: an on/off flag, or a value flag without a default.
pub(crate) const NO_VALUE: usize = usize::MAX;

/// The layers of a dynamic flag's state, lowest precedence first: which one decided a flag's state, its
/// rules or its variants.
///
/// ```
/// use flag_runtime::Layer;
/// assert!(Layer::File > Layer::Compiled);
/// assert_eq!(Layer::Override.to_string(), "override");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Layer {
    /// What the build compiled in: the manifest's `default`, rules and variants, the profile and
    /// `FEATURE_FLAGS` at build time.
    Compiled,
    /// A runtime flags file (`FEATURE_FLAGS_FILE`, [`load_file`](crate::load_file),
    /// [`watch_file`](crate::watch_file)).
    File,
    /// The fleet: one table per flag in etcd, shared by every instance of a service (the `etcd` feature).
    Fleet,
    /// `FEATURE_FLAGS` at run time, read once at start-up.
    Env,
    /// [`set`](crate::set) and [`set_table`](crate::set_table).
    Set,
    /// A process-wide override ([`override_global`](crate::override_global)).
    Override,
    /// This thread's override ([`override_local`](crate::override_local)).
    LocalOverride,
}

impl Layer {
    /// Every layer, lowest precedence first (a later version may add layers).
    ///
    /// ```
    /// use flag_runtime::Layer;
    ///
    /// assert_eq!(Layer::ALL.first(), Some(&Layer::Compiled));
    /// assert!(Layer::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    /// ```
    pub const ALL: &'static [Layer] = &[
        Layer::Compiled,
        Layer::File,
        Layer::Fleet,
        Layer::Env,
        Layer::Set,
        Layer::Override,
        Layer::LocalOverride,
    ];

    /// The layer stored as `index` (its position in the enum) by a cell's atomic.
    fn from_index(index: u8) -> Layer {
        Layer::ALL
            .get(usize::from(index))
            .copied()
            .unwrap_or(Layer::Compiled)
    }

    /// The layer's name: `compiled`, `file`, `env`, `set`, `override`, `override (this thread)`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Compiled => "compiled",
            Layer::File => "file",
            Layer::Fleet => "fleet",
            Layer::Env => "env",
            Layer::Set => "set",
            Layer::Override => "override",
            Layer::LocalOverride => "override (this thread)",
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a test override forces: a state, the flag on with one variant, or a value flag's value (an index
/// into its values).
#[derive(Debug, Clone)]
pub(crate) enum Forced {
    State(bool),
    Variant(ForcedVariant),
    Value(usize),
}

impl Forced {
    pub fn enabled(&self) -> bool {
        match *self {
            Forced::State(on) => on,
            Forced::Variant(_) | Forced::Value(_) => true,
        }
    }

    /// The index of the value it forces, if it forces one.
    pub fn value(&self) -> Option<usize> {
        match *self {
            Forced::Value(index) => Some(index),
            Forced::State(_) | Forced::Variant(_) => None,
        }
    }
}

/// A variant forced by a test override.
#[derive(Debug, Clone)]
pub(crate) struct ForcedVariant {
    /// Its name.
    pub name: &'static str,
    /// Its index in the flag's targeting (see `VariantChoice::index`).
    pub index: usize,
    /// Its index in the compiled-in enum.
    pub enum_index: usize,
    /// Its payload in the flag's targeting when it was forced.
    pub payload: Option<Arc<Payload>>,
}

impl ForcedVariant {
    /// The variant as an evaluation reports it.
    pub fn choice(&self) -> VariantChoice<'_> {
        VariantChoice {
            index: self.index,
            name: self.name,
            payload: self.payload.as_deref(),
        }
    }
}

/// The fleet's table for one flag, as last accepted, and the revision that wrote it.
#[derive(Debug, Clone)]
pub(crate) struct FleetEntry {
    pub state: FileState,
    /// The table as the store holds it, for the snapshot file.
    #[cfg_attr(not(feature = "etcd"), allow(dead_code))]
    pub text: String,
    pub revision: i64,
}

/// What each source says of one flag: one field per layer, written only through [`Registry`]'s methods.
#[derive(Debug, Default)]
pub(crate) struct Layers {
    /// The runtime file's table for the flag, as last accepted.
    pub(super) file: Option<FileState>,
    /// The fleet's table for the flag.
    pub(super) fleet: Option<FleetEntry>,
    pub(super) env: Option<bool>,
    pub(super) set: Option<bool>,
    /// A value flag's value from `FEATURE_FLAGS` (an index into its values).
    pub(super) env_value: Option<usize>,
    /// A value flag's value from [`set_value`](crate::set_value) (or `set_table`'s `default`).
    pub(super) set_value: Option<usize>,
    /// The table given by [`set_table`](crate::set_table): its rules, variants and stickiness replace the
    /// file's and the fleet's; its `default` is in `set`.
    pub(super) table: Option<FileState>,
    /// Process-wide override guards, innermost last: (guard id, what it forces).
    pub(super) overrides: Vec<(u64, Forced)>,
}

/// One flag: its declaration, its cell, its layers and what was computed from them.
pub(crate) struct Flag {
    pub(super) decl: &'static FlagDecl,
    pub(super) cell: &'static FlagCell,
    pub(super) layers: Layers,
    /// The slots of the callsite table that cache this flag's state.
    pub(super) slots: Vec<usize>,
    /// The last computed state and the layer that decided it.
    pub(super) effective: bool,
    pub(super) layer: Layer,
    /// The targeting compiled in (from the catalog).
    pub(super) compiled_targeting: Option<Targeting>,
    /// The compiled form of the targeting that applies, with the flag's `requires`, once built.
    pub(super) targeted: Option<Arc<Targeted>>,
    /// What a process-wide variant override publishes in place of `targeted`.
    pub(super) forced: Option<Arc<Targeted>>,
}

impl Flag {
    /// The flag as its catalog declared it.
    pub fn decl(&self) -> &'static FlagDecl {
        self.decl
    }

    /// The flag's cell, which checks read.
    pub fn cell(&self) -> &'static FlagCell {
        self.cell
    }

    /// The process-wide state and the layer that decided it.
    pub fn state(&self) -> (bool, Layer) {
        (self.effective, self.layer)
    }

    pub(super) fn layered(&self) -> (bool, Layer) {
        let layers = &self.layers;
        if let Some((_, forced)) = layers.overrides.last() {
            (forced.enabled(), Layer::Override)
        } else if let Some(on) = layers.set {
            (on, Layer::Set)
        } else if let Some(on) = layers.env {
            (on, Layer::Env)
        } else if let Some(on) = layers.fleet.as_ref().and_then(|fleet| fleet.state.enabled) {
            (on, Layer::Fleet)
        } else if let Some(on) = layers.file.as_ref().and_then(|file| file.enabled) {
            (on, Layer::File)
        } else {
            (self.decl.default, Layer::Compiled)
        }
    }

    /// A value flag's value without a context, and the layer that chose it: a process-wide override,
    /// `set_value`, `FEATURE_FLAGS`, the fleet's table, the runtime file's, else the build's.
    pub fn layered_value(&self) -> (Option<usize>, Layer) {
        let Some(values) = self.decl.values else {
            return (None, Layer::Compiled);
        };
        let chosen = |table: Option<&FileState>| {
            table
                .and_then(|table| table.value.as_deref())
                .and_then(|text| values.choose(text).ok())
        };
        let layers = &self.layers;
        let forced = layers
            .overrides
            .iter()
            .rev()
            .find_map(|(_, forced)| forced.value());
        if let Some(index) = forced {
            (Some(index), Layer::Override)
        } else if let Some(index) = layers.set_value {
            (Some(index), Layer::Set)
        } else if let Some(index) = layers.env_value {
            (Some(index), Layer::Env)
        } else if let Some(index) = chosen(layers.fleet.as_ref().map(|fleet| &fleet.state)) {
            (Some(index), Layer::Fleet)
        } else if let Some(index) = chosen(layers.file.as_ref()) {
            (Some(index), Layer::File)
        } else {
            (values.default, Layer::Compiled)
        }
    }

    /// The targeting that applies: the compiled-in one, with each part the runtime file gives replaced, then
    /// each part the fleet gives.
    pub fn targeting(&self) -> Cow<'_, Targeting> {
        self.targeting_with(Layer::Compiled, None)
    }

    /// The targeting that would apply with `state` as the table of `layer` (`File`, `Fleet` or `Set`; with
    /// any other layer, the tables the flag has).
    pub fn targeting_with(&self, layer: Layer, state: Option<&FileState>) -> Cow<'_, Targeting> {
        let file = if layer == Layer::File {
            state
        } else {
            self.layers.file.as_ref()
        };
        let fleet = if layer == Layer::Fleet {
            state
        } else {
            self.layers.fleet.as_ref().map(|fleet| &fleet.state)
        };
        let table = if layer == Layer::Set {
            state
        } else {
            self.layers.table.as_ref()
        };
        let mut targeting = match &self.compiled_targeting {
            Some(targeting) => Cow::Borrowed(targeting),
            None => Cow::Owned(Targeting::default()),
        };
        for table in [file, fleet, table].into_iter().flatten() {
            if table.changes_targeting() {
                targeting = Cow::Owned(table.targeting_over(&targeting));
            }
        }
        targeting
    }

    /// Whether a runtime file, the fleet or [`set_table`](crate::set_table) replaces any part of the flag's
    /// targeting.
    pub(super) fn replaces_targeting(&self) -> bool {
        let file = self.layers.file.as_ref();
        let fleet = self.layers.fleet.as_ref().map(|fleet| &fleet.state);
        file.into_iter()
            .chain(fleet)
            .chain(self.layers.table.as_ref())
            .any(FileState::changes_targeting)
    }

    /// The layers that gave the flag its rules and its variants.
    pub fn targeting_layers(&self) -> (Layer, Layer) {
        let file = self.layers.file.as_ref();
        let fleet = self.layers.fleet.as_ref().map(|fleet| &fleet.state);
        let table = self.layers.table.as_ref();
        let from = |gives: fn(&FileState) -> bool| {
            if table.is_some_and(gives) {
                Layer::Set
            } else if fleet.is_some_and(gives) {
                Layer::Fleet
            } else if file.is_some_and(gives) {
                Layer::File
            } else {
                Layer::Compiled
            }
        };
        (
            from(|table| table.rules.is_some()),
            from(|table| table.variants.is_some() || table.variant_stickiness.is_some()),
        )
    }

    /// The fleet's table for the flag, if it has one.
    pub fn fleet(&self) -> Option<&FleetEntry> {
        self.layers.fleet.as_ref()
    }

    /// What the flag's slots may cache: its state, unless a thread-local override or counting sends
    /// them to the slow path.
    pub(super) fn fast_state(&self) -> Option<bool> {
        (self.cell.local_overrides.load(Ordering::Relaxed) == 0 && !counting())
            .then_some(self.effective)
    }

    /// Writes what the flag's `slot` may cache: its state and, for a value flag, its value word. A slot
    /// caches the value only while it may cache the state: a thread-local override (of either) sends both
    /// to the slow path, which asks this thread's overrides.
    pub(super) fn publish_slot(&self, slot: usize) {
        let fast = self.fast_state();
        callsite::publish(slot, self.cell.tag, fast);
        if self.cell.values.is_some() {
            callsite::publish_value(slot, self.cell.tag, fast.and(self.cell.value_word()));
        }
    }

    pub(super) fn publish(&self) {
        self.cell.layer.store(self.layer as u8, Ordering::Relaxed);
        for &slot in &self.slots {
            self.publish_slot(slot);
        }
        // An explicit state (environment, `set`, override) holds for every context: no targeting then,
        // but a variant forced by an override.
        let published = match self.layer {
            Layer::Compiled | Layer::File | Layer::Fleet => self.targeted.clone(),
            Layer::Override => self
                .forced
                .clone()
                .filter(|_| matches!(self.layers.overrides.last(), Some((_, Forced::Variant(_))))),
            _ => None,
        };
        self.cell.slot.set(published);
    }
}

/// What introspection shows as a flag's source.
pub(crate) fn source_label(decl: &FlagDecl, layer: Layer) -> String {
    match layer {
        Layer::Compiled => decl.source.to_owned(),
        layer => layer.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::Layer;

    #[test]
    fn every_layer_is_listed_at_its_own_index() {
        for (index, layer) in Layer::ALL.iter().enumerate() {
            // A new layer must be added here too, and to `Layer::ALL` at its position.
            let listed = match layer {
                Layer::Compiled
                | Layer::File
                | Layer::Fleet
                | Layer::Env
                | Layer::Set
                | Layer::Override
                | Layer::LocalOverride => *layer as usize,
            };
            assert_eq!(listed, index, "{layer}");
            assert_eq!(Layer::from_index(index as u8), *layer);
        }
        assert_eq!(Layer::ALL.len(), 7);
    }
}
