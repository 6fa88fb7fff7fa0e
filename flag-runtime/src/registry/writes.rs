//! Each source's one way in: the methods through which the runtime file, the fleet, `FEATURE_FLAGS`,
//! [`set`](crate::set) and its relatives, and the overrides replace their own layer of a flag, each ending in
//! one recompute. Kept apart from the registry's bookkeeping (start-up, declaring flags, recomputing and
//! publishing states) so that "who may write a layer" reads in one place.

use std::sync::Arc;

use super::*;

impl Registry {
    /// Replaces the file layer of every flag: `entries` holds the accepted table of each flag the file
    /// names, with its targeting compiled; the others lose theirs. Recomputes.
    pub fn replace_file(&mut self, entries: Vec<(usize, FileState, Option<Arc<Targeted>>)>) {
        let mut given: Vec<Option<(FileState, Option<Arc<Targeted>>)>> =
            (0..self.flags.len()).map(|_| None).collect();
        for (id, state, targeted) in entries {
            given[id] = Some((state, targeted));
        }
        for (id, entry) in given.into_iter().enumerate() {
            let before = self.flags[id].targeting().into_owned();
            let (state, targeted) = match entry {
                Some((state, targeted)) => (Some(state), Some(targeted)),
                None => (None, None),
            };
            self.flags[id].layers.file = state;
            self.retarget(id, &before, targeted);
        }
        self.recompute();
    }

    /// After a table of flag `id` changed (its targeting was `before`): publishes `accepted`, the targeting
    /// compiled when the table was checked, or compiles it from the layers when the table went away; nothing
    /// when the targeting is the same.
    fn retarget(&mut self, id: usize, before: &Targeting, accepted: Option<Option<Arc<Targeted>>>) {
        if self.flags[id].targeting().as_ref() == before {
            return;
        }
        match accepted {
            Some(targeted) => {
                self.flags[id].targeted = targeted;
                self.flags[id].publish();
            }
            None => self.compile_targeting_of(id),
        }
        #[cfg(feature = "tracing")]
        tracing::info!(target: "flag_runtime", flag = self.flags[id].decl.name, "flag rules changed");
    }

    #[cfg(any(test, feature = "etcd"))]
    /// Replaces the fleet layer of the flags in `batch` (a table accepted by `entry::check`, or `None` to
    /// fall back to the layers below), as of `revision`. Recomputes once.
    pub fn replace_fleet(
        &mut self,
        batch: Vec<(usize, Option<(FleetEntry, crate::entry::Accepted)>)>,
        revision: i64,
        from_file: bool,
    ) {
        for (id, table) in batch {
            let before = self.flags[id].targeting().into_owned();
            let targeted = match table {
                Some((fleet, accepted)) => {
                    self.flags[id].layers.fleet = Some(fleet);
                    Some(accepted.targeted)
                }
                None => {
                    self.flags[id].layers.fleet = None;
                    None
                }
            };
            self.retarget(id, &before, targeted);
        }
        self.update_fleet_status(|status| {
            status.revision = revision;
            status.from_snapshot = from_file;
        });
        self.recompute();
    }

    /// The fleet source's state, if the program has one.
    pub fn fleet_status(&self) -> Option<&FleetStatus> {
        self.fleet.as_ref()
    }

    #[cfg(any(test, feature = "etcd"))]
    /// Declares the fleet source (its prefix), before its first update.
    pub fn start_fleet(&mut self, prefix: &str) {
        self.fleet = Some(FleetStatus::new(prefix));
    }

    #[cfg(any(test, feature = "etcd"))]
    /// Changes the fleet source's state, if there is one.
    pub fn update_fleet_status(&mut self, change: impl FnOnce(&mut FleetStatus)) {
        if let Some(status) = &mut self.fleet {
            change(status);
        }
    }

    /// Sets flag `id`'s `FEATURE_FLAGS` layer (read at start-up, before the first recomputation).
    pub fn set_env(&mut self, id: usize, on: bool) {
        self.flags[id].layers.env = Some(on);
    }

    /// Sets or clears flag `id`'s [`set`](crate::set) layer. Recomputes.
    pub fn set_api(&mut self, id: usize, on: Option<bool>) {
        self.flags[id].layers.set = on;
        self.recompute();
    }

    /// Sets or clears flag `id`'s [`set_value`](crate::set_value) layer. Recomputes.
    pub fn set_api_value(&mut self, id: usize, value: Option<usize>) {
        self.flags[id].layers.set_value = value;
        self.recompute();
    }

    /// The index of the value of flag `id` that `text` chooses (a name or a literal): the one check of a
    /// value given at run time, [`flag_manifest::FlagValues::choose`]; an error for an on/off flag, which
    /// names `instead`, the call that sets such a flag where the caller's would choose a value.
    pub fn choose_value(&self, id: usize, text: &str, instead: &str) -> Result<usize, Error> {
        let decl = self.flags[id].decl;
        let refused = |message: String| Error::Entry {
            flag: decl.name.to_owned(),
            message,
        };
        let values = decl.values.ok_or_else(|| {
            refused(format!(
                "the flag is on or off and carries no values: use `{instead}`"
            ))
        })?;
        values.choose(text).map_err(refused)
    }

    /// Sets flag `id`'s `FEATURE_FLAGS` value (read at start-up, before the first recomputation).
    pub fn set_env_value(&mut self, id: usize, value: usize) {
        self.flags[id].layers.env_value = Some(value);
    }

    /// Replaces the table of flag `id` given by [`set_table`](crate::set_table) (accepted by
    /// `entry::check`, or `None` to remove it and `set`'s state with it).
    pub fn set_api_table(&mut self, id: usize, table: Option<crate::entry::Accepted>) {
        let before = self.flags[id].targeting().into_owned();
        let layers = &mut self.flags[id].layers;
        let targeted = match table {
            Some(accepted) => {
                layers.set = accepted.state.enabled.or(layers.set);
                let values = self.flags[id].decl.values;
                let layers = &mut self.flags[id].layers;
                if let (Some(values), Some(text)) = (values, accepted.state.value.as_deref()) {
                    layers.set_value = values.choose(text).ok().or(layers.set_value);
                }
                layers.table = Some(accepted.state);
                Some(accepted.targeted)
            }
            None => {
                layers.set = None;
                layers.set_value = None;
                layers.table = None;
                None
            }
        };
        self.retarget(id, &before, targeted);
        self.recompute();
    }

    /// The variant `variant` of flag `id`, to force with an override: an error for a name the flag's
    /// compiled-in enum lacks.
    pub fn forced_variant(&self, id: usize, variant: &str) -> Result<ForcedVariant, Error> {
        let flag = &self.flags[id];
        let names = flag.decl.variants;
        let Some(enum_index) = names.iter().position(|name| *name == variant) else {
            return Err(Error::UnknownVariant {
                flag: flag.decl.name.to_owned(),
                variant: variant.to_owned(),
                suggestion: flag_manifest::closest(variant, names.iter().copied())
                    .map(str::to_owned),
            });
        };
        let name = names[enum_index];
        let found = flag
            .targeted
            .as_ref()
            .and_then(|targeted| targeted.choice_named(name))
            .map(|choice| (choice.index, choice.payload.cloned().map(Arc::new)));
        let (index, payload) = found.unwrap_or((enum_index, None));
        Ok(ForcedVariant {
            name,
            index,
            enum_index,
            payload,
        })
    }

    /// Pushes a process-wide override of flag `id`, innermost. Recomputes.
    pub fn push_override(&mut self, id: usize, guard: u64, forced: Forced) {
        self.flags[id].layers.overrides.push((guard, forced));
        self.refresh_forced(id);
        self.recompute();
    }

    /// Removes the process-wide override `guard` of flag `id`. Recomputes.
    pub fn pop_override(&mut self, id: usize, guard: u64) {
        self.flags[id].layers.overrides.retain(|&(g, _)| g != guard);
        self.refresh_forced(id);
        self.recompute();
        self.flags[id].publish();
    }

    /// Keeps the published forced variant in step with the innermost override.
    fn refresh_forced(&mut self, id: usize) {
        let innermost = self.flags[id]
            .layers
            .overrides
            .last()
            .map(|(_, forced)| forced);
        self.flags[id].forced = match innermost {
            Some(Forced::Variant(variant)) => {
                let requirements = self.requirements_of(id);
                Some(Arc::new(Targeted::new(
                    None,
                    requirements,
                    self.flags[id].decl.variants,
                    Some(variant.clone()),
                )))
            }
            _ => None,
        };
        self.flags[id].publish();
    }
}
