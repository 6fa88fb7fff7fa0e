//! What one flag's table from outside the program (a runtime flags file today) may change, checked against
//! what the program was built with, before anything is applied.
//!
//! A table replaces the flag's state, rules, variants and variant stickiness, each on its own
//! ([`FileState`]). The program refuses what it cannot honour: an unknown flag, a static flag asked to change,
//! a variant its `flag_variants!` enum lacks (`variant!` could never return it), rules it cannot compile, and
//! a key fixed at build time (`mode`, `description`, `owner`, `expires`, `requires`) given another value.

use std::sync::Arc;

use flag_manifest::{FileState, Mode};

use crate::Error;
use crate::registry::{Layer, Registry};
use crate::targeted::Targeted;

/// A table the program accepted, with the flag it is for and its targeting compiled, ready to apply.
pub(crate) struct Accepted {
    pub id: usize,
    pub state: FileState,
    /// The flag's targeting with this table applied, compiled; `None` when nothing is left to evaluate.
    pub targeted: Option<Arc<Targeted>>,
}

/// Checks `state` against the program: `Ok(None)` for a static flag's table that repeats what was compiled
/// in (a copy of the manifest), `Ok(Some(..))` for a dynamic flag's table, an error saying why otherwise.
pub(crate) fn check(
    registry: &Registry,
    state: FileState,
    layer: Layer,
) -> Result<Option<Accepted>, Error> {
    let id = match registry.find_dynamic(&state.name) {
        Ok(id) => id,
        Err(Error::StaticFlag { name, compiled }) => {
            let id = registry.find(&name)?;
            check_fixed(registry, id, &state)?;
            let unchanged =
                !state.changes_targeting() && state.enabled.is_none_or(|on| on == compiled);
            return if unchanged {
                Ok(None)
            } else {
                Err(Error::StaticFlag { name, compiled })
            };
        }
        Err(error) => return Err(error),
    };
    check_fixed(registry, id, &state)?;
    let flag = registry.flag(id);
    let targeting = flag.targeting_with(layer, Some(&state)).into_owned();
    let known = flag.decl().variants;
    if let Some(missing) = targeting
        .variant_names()
        .into_iter()
        .find(|name| !known.contains(name))
    {
        return Err(refused(
            &state,
            if known.is_empty() {
                format!(
                    "variant `{missing}`: the program was built without variants for this flag, so \
                     `variant!` could never return it; declare it in flags.toml and rebuild"
                )
            } else {
                let suggestion = match flag_manifest::closest(missing, known.iter().copied()) {
                    Some(close) => format!(" (did you mean `{close}`?)"),
                    None => String::new(),
                };
                format!(
                    "variant `{missing}`: the program was built with {} only{suggestion}, so `variant!` \
                     could never return it; declare it in flags.toml and rebuild",
                    known.join(", "),
                )
            },
        ));
    }
    let targeted = registry
        .build_targeted(id, &targeting)
        .map_err(|message| refused(&state, message))?;
    Ok(Some(Accepted {
        id,
        state,
        targeted,
    }))
}

/// The keys only the build decides must repeat what it decided, if given at all.
fn check_fixed(registry: &Registry, id: usize, state: &FileState) -> Result<(), Error> {
    let decl = registry.flag(id).decl();
    let fixed = &state.fixed;
    let compiled_mode = if decl.dynamic {
        Mode::Dynamic
    } else {
        Mode::Static
    };
    let mut differing = Vec::new();
    if fixed.mode.is_some_and(|mode| mode != compiled_mode) {
        differing.push("mode");
    }
    if fixed
        .description
        .as_deref()
        .is_some_and(|text| Some(text) != decl.description)
    {
        differing.push("description");
    }
    if fixed
        .owner
        .as_deref()
        .is_some_and(|owner| Some(owner) != decl.owner)
    {
        differing.push("owner");
    }
    if fixed
        .expires
        .is_some_and(|date| Some(date.to_string().as_str()) != decl.expires)
    {
        differing.push("expires");
    }
    if let Some(requires) = &fixed.requires {
        let same = requires.len() == decl.requirements.len()
            && requires
                .iter()
                .zip(decl.requirements)
                .all(|(given, built)| {
                    given.flag == built.flag
                        && given.enabled == built.enabled
                        && given.variants.iter().eq(built.variants.iter())
                });
        if !same {
            differing.push("requires");
        }
    }
    if differing.is_empty() {
        return Ok(());
    }
    let keys = differing
        .iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(refused(
        state,
        format!(
            "{keys} differ from what the program was built with and only change with a rebuild; remove \
             them from this table, or give the values in flags.toml"
        ),
    ))
}

fn refused(state: &FileState, message: String) -> Error {
    Error::Entry {
        flag: state.name.clone(),
        message,
    }
}
