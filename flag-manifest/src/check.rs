//! The checks a schema cannot make, run over what serde read (`crate::raw`) to build the model.
//!
//! Each check pushes every problem it finds onto a list of [`Diagnostic`](crate::Diagnostic)s, pointing at
//! the bytes the user wrote, and goes on: `crate::parse` runs them all and reports every problem at once.
//!
//! - [`names`]: flag, profile and variant names are snake_case;
//! - [`requirement`]: one entry of `requires`;
//! - [`targeting`]: rules, constraints, rollouts, variants, payloads;
//! - [`values`]: a value flag's `type`, `values`, `default`, `enabled` and the value names rules and
//!   variants give; `metadata`; a profile's entry;
//! - [`manifest`]: across flags (cycles, required variants) and the rest of a flag's table.

mod manifest;
mod names;
mod requirement;
mod targeting;
mod values;

pub(crate) use manifest::{check_cycles, check_required_variants, static_targeting_error, to_date};
pub(crate) use names::check_name;
pub(crate) use requirement::build_requirement;
pub(crate) use targeting::{build_targeting, flag_targeting};
pub(crate) use values::{ProfileEntry, flag_values, metadata, profile_entry};

use crate::value::describe;
