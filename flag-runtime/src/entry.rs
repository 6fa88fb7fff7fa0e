//! What one flag's table from outside the program (a runtime flags file, a fleet's key) may change, checked
//! against what the program was built with before anything is applied: the rules of
//! [`flag_manifest::Built::check`] (shared with `cargo flags fleet`), then the merged rules must compile.

use std::sync::Arc;

use flag_manifest::{Built, FileState, Mode, TableError, Targeting};

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

/// Parses one flag's table as it comes from outside (the fleet's value of a key, [`crate::set_table`]'s
/// text): the parser's problems, each with its position, joined in one message.
pub(crate) fn parse_table(name: &str, text: &str) -> Result<FileState, String> {
    flag_manifest::parse_flag_table(name, text).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(crate::sources::describe_one)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Checks `state` against the program, for the table of `layer`: `Ok(None)` for a static flag's table that
/// repeats what was compiled in (a copy of the manifest), `Ok(Some(..))` for a dynamic flag's table, an
/// error saying why otherwise. The rules are [`flag_manifest::Built::check`]'s, the ones `cargo flags fleet`
/// applies before it writes; then the merged rules must compile.
pub(crate) fn check(
    registry: &Registry,
    state: FileState,
    layer: Layer,
) -> Result<Option<Accepted>, Error> {
    let id = registry.find(&state.name)?;
    let flag = registry.flag(id);
    let decl = flag.decl();
    let built = Built {
        mode: if decl.dynamic {
            Mode::Dynamic
        } else {
            Mode::Static
        },
        default: decl.default,
        description: decl.description,
        owner: decl.owner,
        expires: decl.expires.map(str::to_owned),
        requirements: decl
            .requirements
            .iter()
            .map(|required| (required.flag, required.enabled, required.variants.to_vec()))
            .collect(),
        variants: decl.variants.to_vec(),
        targeting: Targeting::default(),
        values: decl.values.cloned(),
    };
    let targeting = flag.targeting_with(layer, Some(&state)).into_owned();
    match built.check(&state, &targeting) {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(TableError::Static { compiled }) => {
            return Err(Error::StaticFlag {
                name: decl.name.to_owned(),
                compiled,
            });
        }
        Err(TableError::Refused(message)) => return Err(refused(&state, message)),
    }
    let targeted = registry
        .build_targeted(id, &targeting)
        .map_err(|message| refused(&state, message))?;
    let mut state = state;
    if decl.values.is_some() {
        // A value flag's `default` chose a value (kept in `value`); its on/off state is `enabled`.
        state.enabled = state.value_enabled;
    }
    Ok(Some(Accepted {
        id,
        state,
        targeted,
    }))
}

fn refused(state: &FileState, message: String) -> Error {
    Error::Entry {
        flag: state.name.clone(),
        message,
    }
}
