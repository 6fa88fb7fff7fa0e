//! The one state of every flag in the program, whatever crate checks it.
//!
//! Flags are keyed by name in a process-wide registry, created on first use from every linked
//! [`Catalog`](crate::catalog::Catalog) and the start-up sources (`FEATURE_FLAGS_FILE`, `FEATURE_FLAGS`).
//!
//! A flag's state is a stack of [`Layer`]s, lowest first: what was compiled in, the runtime file, the
//! fleet, `FEATURE_FLAGS` at start-up, [`set`](crate::set), process-wide overrides (and, per thread, thread-local
//! overrides, which live with their thread). Each source replaces its own layer through one method of
//! [`Registry`] (`replace_file`, `set_env`, `set_api`, `push_override`, ..., all in `writes`), which
//! recomputes what the change affects: the flag's targeting when its rules or variants changed, then every
//! flag's state (applying `requires`), stored in the flag's cell and in each of its slots in the callsite
//! table. No other module writes a layer. Once the registry's lock is released, problems are reported and subscribers notified.
//!
//! A flag's compiled targeting is shared with contextual checks through an `ArcSwapOption` in its cell:
//! replacing it frees the old one as soon as no check still reads it, so a program whose rules change all day
//! keeps a flat memory.

mod layers;
mod writes;

#[cfg(any(test, feature = "etcd"))]
pub(crate) use layers::FleetEntry;
pub use layers::Layer;
pub(crate) use layers::{Flag, FlagCell, Forced, ForcedVariant, Layers, source_label};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::Error;
use crate::callsite::{self, Site};
use crate::catalog::{self, FlagDecl};
use crate::fleet::FleetStatus;
use crate::report::report;
use crate::settings::Settings;
use crate::subscribe::{FlagChange, Subscriber};
use crate::targeted::{Counts, Slot, Targeted};
use crate::targeting::CompiledTargeting;
use flag_manifest::{FileState, Requirement, Targeting};

/// Problems and changes gathered under the lock, delivered after it is released so that a reporter or a
/// subscriber may call back into the runtime.
#[derive(Default)]
struct Outbox {
    errors: Vec<Error>,
    changes: Vec<FlagChange>,
}

#[derive(Default)]
pub(crate) struct Registry {
    flags: Vec<Flag>,
    by_name: HashMap<&'static str, usize>,
    subscribers: Vec<(u64, Subscriber)>,
    next_id: u64,
    outbox: Outbox,
    /// The fleet source's state, when there is one.
    fleet: Option<FleetStatus>,
}

static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();

/// Whether the registry has been created.
pub(crate) fn started() -> bool {
    REGISTRY.get().is_some()
}

/// Runs `f` on the registry, creating it first if needed, then delivers what `f` left in the outbox.
pub(crate) fn with<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let lock = REGISTRY.get_or_init(|| Mutex::new(Registry::start(Settings::take())));
    let mut registry = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let result = f(&mut registry);
    let outbox = std::mem::take(&mut registry.outbox);
    let subscribers: Vec<Subscriber> = if outbox.changes.is_empty() {
        Vec::new()
    } else {
        registry
            .subscribers
            .iter()
            .map(|(_, s)| Arc::clone(s))
            .collect()
    };
    drop(registry);
    for error in &outbox.errors {
        report(error);
    }
    for change in &outbox.changes {
        #[cfg(feature = "tracing")]
        tracing::info!(
            target: "flag_runtime",
            flag = change.name,
            enabled = change.enabled,
            value = change.value,
            source = %change.source,
            "flag changed"
        );
        for subscriber in &subscribers {
            subscriber(change);
        }
    }
    result
}

/// Attaches the check `site` to its flag (declaring the flag from the check if no catalog did) and returns the
/// flag's cell. The first flag to register a slot owns it; a second flag in the same slot (from another
/// manifest) takes it from the fast path for both, since a slot caches one flag's state.
pub(crate) fn register(site: Site) -> &'static FlagCell {
    with(|registry| {
        let known = registry.flags.len();
        let id = match registry.by_name.get(site.name) {
            Some(&id) => id,
            None => registry.declare(site.decl()),
        };
        if id >= known {
            // A flag no catalog declared (its crate's catalog was not linked): compile its rules now.
            registry.compile_targeting_of(id);
            registry.recompute();
        }
        let cell = registry.flags[id].cell;
        if callsite::claim(site.slot, cell) {
            let flag = &mut registry.flags[id];
            if !flag.slots.contains(&site.slot) {
                flag.slots.push(site.slot);
                flag.publish_slot(site.slot);
            }
        } else if let Some(owner) = callsite::slot_owner(site.slot) {
            let owner = &mut registry.flags[owner.id];
            owner.slots.retain(|&slot| slot != site.slot);
            callsite::publish(site.slot, owner.cell.tag, None);
            callsite::publish_value(site.slot, owner.cell.tag, None);
        }
        cell
    })
}

impl Registry {
    fn start(settings: Settings) -> Registry {
        let mut registry = Registry::default();
        for catalog in catalog::linked() {
            match catalog {
                Ok(decls) => {
                    for decl in decls {
                        registry.declare(decl);
                    }
                }
                // Only a macro and a runtime of different versions could disagree on the format.
                Err(message) => registry.report(Error::Catalog { message }),
            }
        }
        // What every flag was compiled with, built once (every flag is declared: `requires` can point at
        // any of them), before a source may replace it.
        for id in 0..registry.flags.len() {
            registry.keep_compiled_targeting(id);
        }
        settings.apply(&mut registry);
        for id in 0..registry.flags.len() {
            registry.compile_targeting_of(id);
        }
        registry.recompute();
        // Changes at start-up are the initial state, not news.
        registry.outbox.changes.clear();
        registry
    }

    /// The flag's id, declaring it if it is new. The first declaration of a name wins.
    pub fn declare(&mut self, decl: &'static FlagDecl) -> usize {
        if let Some(&id) = self.by_name.get(decl.name) {
            if let Some(message) = self.flags[id].decl.differs_from(decl) {
                self.report(Error::Conflict {
                    flag: decl.name.to_owned(),
                    message,
                });
            }
            return id;
        }
        let id = self.flags.len();
        // One cell per flag for the life of the program: checks cache a `&'static` to it.
        let cell: &'static FlagCell = Box::leak(Box::new(FlagCell {
            id,
            tag: flag_manifest::slots::slot_tag(decl.name),
            value: AtomicBool::new(decl.default),
            layered: AtomicBool::new(decl.default),
            local_overrides: AtomicUsize::new(0),
            dynamic: decl.dynamic,
            values: decl.values,
            value_index: AtomicUsize::new(
                decl.values
                    .and_then(|values| values.default)
                    .unwrap_or(layers::NO_VALUE),
            ),
            layer: AtomicU8::new(Layer::Compiled as u8),
            value_layer: AtomicU8::new(Layer::Compiled as u8),
            slot: Slot::default(),
            counts: Counts::new(decl.variants.len()),
        }));
        let compiled_targeting = if decl.targeting.is_empty() {
            None
        } else {
            match flag_manifest::parse_flag_rules(decl.targeting) {
                Ok(targeting) => Some(targeting),
                Err(diagnostics) => {
                    self.report(Error::Rules {
                        flag: decl.name.to_owned(),
                        message: diagnostics
                            .iter()
                            .map(|d| d.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                    });
                    None
                }
            }
        };
        self.flags.push(Flag {
            decl,
            cell,
            layers: Layers::default(),
            slots: Vec::new(),
            effective: decl.default,
            layer: Layer::Compiled,
            compiled_targeting,
            targeted: None,
            forced: None,
        });
        self.by_name.insert(decl.name, id);
        id
    }

    /// Every flag, in the order they were declared.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// The flag `id`.
    pub fn flag(&self, id: usize) -> &Flag {
        &self.flags[id]
    }

    /// Queues a problem, reported once the registry's lock is released.
    pub fn report(&mut self, error: Error) {
        self.outbox.errors.push(error);
    }

    /// Compiles (again) the targeting of flag `id` from its layers and publishes it. A problem is reported
    /// and leaves the flag without targeting (only compiled-in rules can get here with one: anything from
    /// outside was compiled before it was accepted).
    pub fn compile_targeting_of(&mut self, id: usize) {
        if !self.flags[id].cell.slot().has_compiled() {
            self.keep_compiled_targeting(id);
        }
        let flag = &self.flags[id];
        if !flag.replaces_targeting() {
            // What was compiled in, built once at start (none when it had nothing, or failed and was
            // reported then).
            self.flags[id].targeted = flag.cell.slot().compiled().cloned();
            self.flags[id].publish();
            return;
        }
        let targeting = self.flags[id].targeting().into_owned();
        match self.build_targeted(id, &targeting) {
            Ok(targeted) => self.flags[id].targeted = targeted,
            Err(message) => {
                self.report(Error::Rules {
                    flag: self.flags[id].decl.name.to_owned(),
                    message,
                });
                self.flags[id].targeted = None;
            }
        }
        self.flags[id].publish();
    }

    /// Builds flag `id`'s compiled-in targeting into its cell, once (a problem is reported, and the flag
    /// then has none).
    fn keep_compiled_targeting(&mut self, id: usize) {
        let compiled = self.flags[id]
            .compiled_targeting
            .clone()
            .unwrap_or_default();
        let kept = match self.build_targeted(id, &compiled) {
            Ok(targeted) => targeted,
            Err(message) => {
                self.report(Error::Rules {
                    flag: self.flags[id].decl.name.to_owned(),
                    message,
                });
                None
            }
        };
        self.flags[id].cell.slot().set_compiled(kept);
    }

    /// Each `requires` entry of flag `id` with the cell of the flag it names.
    fn requirements_of(&self, id: usize) -> Vec<(&'static FlagCell, Requirement)> {
        self.flags[id]
            .decl
            .requirements
            .iter()
            .filter_map(|required| {
                let parent = self.by_name.get(required.flag)?;
                Some((
                    self.flags[*parent].cell,
                    Requirement {
                        flag: required.flag.to_owned(),
                        enabled: required.enabled,
                        variants: required.variants.iter().map(|v| (*v).to_owned()).collect(),
                        span: 0..0,
                    },
                ))
            })
            .collect()
    }

    /// Compiles `targeting` for flag `id`, with its `requires`: `None` when there is nothing to evaluate,
    /// an error when the rules cannot be compiled.
    pub fn build_targeted(
        &self,
        id: usize,
        targeting: &Targeting,
    ) -> Result<Option<Arc<Targeted>>, String> {
        let decl = self.flags[id].decl;
        let requirements = self.requirements_of(id);
        if targeting.is_empty() && requirements.is_empty() {
            return Ok(None);
        }
        let compiled = if targeting.is_empty() {
            None
        } else {
            Some(CompiledTargeting::new(decl.name, targeting)?)
        };
        Ok(Some(Arc::new(Targeted::new(
            compiled,
            requirements,
            decl.variants,
            None,
        ))))
    }

    /// Publishes every flag's state to its slots again (after counting is switched on or off).
    pub fn republish(&mut self) {
        for flag in &self.flags {
            flag.publish();
        }
    }

    /// Adds a subscriber; returns its id, for [`Registry::unsubscribe`].
    pub fn subscribe(&mut self, subscriber: Subscriber) -> u64 {
        let id = self.next_id();
        self.subscribers.push((id, subscriber));
        id
    }

    /// Removes the subscriber `id`.
    pub fn unsubscribe(&mut self, id: u64) {
        self.subscribers.retain(|(other, _)| *other != id);
    }

    /// The id of the flag called `name`.
    pub fn find(&self, name: &str) -> Result<usize, Error> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::UnknownFlag {
                name: name.to_owned(),
                suggestion: flag_manifest::closest(name, self.by_name.keys().copied())
                    .map(str::to_owned),
            })
    }

    /// The id of the dynamic flag called `name`: an error for an unknown or a static flag.
    pub fn find_dynamic(&self, name: &str) -> Result<usize, Error> {
        let id = self.find(name)?;
        let decl = self.flags[id].decl;
        if decl.dynamic {
            Ok(id)
        } else {
            Err(Error::StaticFlag {
                name: decl.name.to_owned(),
                compiled: decl.default,
            })
        }
    }

    /// Checks a state requested for `name` by a background source: `Some(id)` for a dynamic flag; an unknown
    /// flag, or a static flag asked for a state other than the one compiled in, is reported.
    pub fn accept(&mut self, name: &str, on: bool) -> Option<usize> {
        match self.find_dynamic(name) {
            Ok(id) => Some(id),
            Err(Error::StaticFlag { compiled, .. }) if compiled == on => None,
            Err(error) => {
                self.report(error);
                None
            }
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Recomputes every flag, publishes what changed and queues the changes for subscribers.
    pub fn recompute(&mut self) {
        let layered: Vec<(bool, Layer)> = self.flags.iter().map(Flag::layered).collect();
        let mut resolved: Vec<Option<bool>> = vec![None; self.flags.len()];
        for id in 0..self.flags.len() {
            self.resolve(id, &layered, &mut resolved, &mut Vec::new());
        }
        for (id, flag) in self.flags.iter_mut().enumerate() {
            let on = resolved[id].unwrap_or(false);
            let layer = layered[id].1;
            flag.cell.layered.store(layered[id].0, Ordering::Relaxed);
            let (value, value_layer) = flag.layered_value();
            let value = value.unwrap_or(layers::NO_VALUE);
            flag.cell
                .value_layer
                .store(value_layer as u8, Ordering::Relaxed);
            let value_changed = flag.cell.value_index.swap(value, Ordering::Relaxed) != value;
            if on != flag.effective || layer != flag.layer || value_changed {
                let changed = on != flag.effective || value_changed;
                flag.effective = on;
                flag.layer = layer;
                flag.cell.value.store(on, Ordering::Relaxed);
                flag.publish();
                if changed {
                    self.outbox.changes.push(FlagChange {
                        name: flag.decl.name,
                        enabled: on,
                        layer,
                        revision: flag
                            .layers
                            .fleet
                            .as_ref()
                            .filter(|_| layer == Layer::Fleet)
                            .map(|fleet| fleet.revision),
                        source: source_label(flag.decl, layer),
                        value: flag.cell.value_at(value).map(|named| named.name.as_str()),
                        value_layer: flag.decl.values.map(|_| value_layer),
                    });
                }
            }
        }
    }

    /// A flag is on when its layers say so and every `requires` entry holds (a cycle, which the manifest
    /// forbids, counts as off).
    fn resolve(
        &self,
        id: usize,
        layered: &[(bool, Layer)],
        resolved: &mut [Option<bool>],
        path: &mut Vec<usize>,
    ) -> bool {
        if let Some(on) = resolved[id] {
            return on;
        }
        if path.contains(&id) {
            return false;
        }
        path.push(id);
        // Without a context, a requirement on a variant cannot be met.
        let mut on = layered[id].0;
        for required in self.flags[id].decl.requirements {
            if on && let Some(&required_id) = self.by_name.get(required.flag) {
                let parent = self.resolve(required_id, layered, resolved, path);
                on = if required.enabled {
                    parent && required.variants.is_empty()
                } else {
                    !parent
                };
            }
        }
        path.pop();
        resolved[id] = Some(on);
        on
    }

    /// Counts a thread-local override of flag `id` in or out, switching its slots to the slow path
    /// while any exists.
    pub fn count_local_override(&mut self, id: usize, delta: isize) {
        let flag = &self.flags[id];
        let counter = &flag.cell.local_overrides;
        if delta > 0 {
            counter.fetch_add(1, Ordering::Relaxed);
        } else {
            counter.fetch_sub(1, Ordering::Relaxed);
        }
        flag.publish();
    }
}
