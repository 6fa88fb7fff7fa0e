//! Combinations of flag states worth testing: covering arrays over the flags of a manifest, within what
//! `requires` allows, and what a run over them tells.
//!
//! - [`constraints`]: `requires` as implications between states, and exact answers to "can these states
//!   hold in one build?";
//! - [`covering`]: the rows: [`optimal`]'s construction for unconstrained pairs, a greedy one otherwise
//!   (over the tuples of `tuples`);
//! - [`diagnose`]: from the rows that passed and failed, the states the failures have in common;
//! - this module: which flags vary, what the others are fixed at, and the constraints that follow.
//!
//! The flags that do not vary keep their state under the profile. A static flag's `requires` holds in every
//! build (it is a compile error otherwise), so it constrains every row. A varied dynamic flag's
//! `requires` is applied by the runtime, which turns the flag off where a required state is missing: a row
//! with it on there would not test it on, so those rows are ruled out too (a requirement of a variant
//! counts as the flag on; variants are decided per context). A dynamic flag that does not vary is left to
//! the runtime: in a row that turns off a flag it requires, it is off, as it would be in production.

pub mod constraints;
pub mod covering;
pub mod diagnose;
pub mod optimal;
mod rng;
mod tuples;

use flag_manifest::{Manifest, Mode};

use crate::matrix::constraints::{Constraints, Lit};

/// The flags that vary, and the constraints between their states.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The varied flags' indices in [`Manifest::flags`], in the manifest's (name) order: column `i` of a
    /// row is flag `flags[i]`.
    pub flags: Vec<usize>,
    /// Their names, index-aligned.
    pub names: Vec<String>,
    /// Whether each is dynamic, index-aligned.
    pub dynamic: Vec<bool>,
    /// What `requires` allows, over the columns.
    pub constraints: Constraints,
}

/// The varied flags `chosen` (indices into the manifest's flags) and the constraints between their
/// states, given every flag's state under the profile (`base`, index-aligned with the manifest's flags).
/// `under` names the profile in reasons: "the defaults" or "profile beta".
pub fn select(manifest: &Manifest, base: &[bool], chosen: &[usize], under: &str) -> Selection {
    let mut flags = chosen.to_vec();
    flags.sort_unstable();
    flags.dedup();
    let column = |index: usize| flags.iter().position(|&f| f == index);
    let mut constraints = Constraints::new(flags.len());
    let state = |on: bool| if on { "on" } else { "off" };
    for (index, flag) in manifest.flags.iter().enumerate() {
        let varied = column(index);
        // A dynamic flag that does not vary is left to the runtime (see the module's documentation).
        if varied.is_none() && flag.mode == Mode::Dynamic {
            continue;
        }
        for requirement in &flag.requirements {
            let Some(required) = manifest.flag_index(&requirement.flag) else {
                continue;
            };
            let needed = requirement.enabled;
            let what = if !needed {
                format!("`{}` requires `{}` off", flag.name, requirement.flag)
            } else if requirement.variants.is_empty() {
                format!("`{}` requires `{}`", flag.name, requirement.flag)
            } else {
                format!(
                    "`{}` requires `{}` with variant {} (taken as `{}` on)",
                    flag.name,
                    requirement.flag,
                    requirement.variants.join(" or "),
                    requirement.flag
                )
            };
            match (varied, column(required)) {
                (Some(from), Some(to)) => constraints.imply(from, to, needed, what),
                (Some(from), None) => {
                    if base[required] != needed {
                        constraints.force(
                            Lit::new(from, false),
                            format!(
                                "{what}, which is {} under {under} and not varied",
                                state(base[required])
                            ),
                        );
                    }
                }
                (None, Some(to)) => {
                    if base[index] {
                        constraints.force(
                            Lit::new(to, needed),
                            format!(
                                "{what}, and `{}` is on under {under} and not varied",
                                flag.name
                            ),
                        );
                    }
                }
                // Both fixed: the profile's resolution has already checked it.
                (None, None) => {}
            }
        }
    }
    Selection {
        names: flags
            .iter()
            .map(|&index| manifest.flags[index].name.clone())
            .collect(),
        dynamic: flags
            .iter()
            .map(|&index| manifest.flags[index].mode == Mode::Dynamic)
            .collect(),
        flags,
        constraints,
    }
}

impl Selection {
    /// A row as a `FEATURE_FLAGS` value: `a=on,b=off`, every varied flag in column order.
    pub fn overrides(&self, row: &[bool]) -> String {
        self.entries(row, |_| true)
    }

    /// The entries of `row` for the columns `keep` accepts, as a `FEATURE_FLAGS` value.
    pub fn entries(&self, row: &[bool], keep: impl Fn(usize) -> bool) -> String {
        self.names
            .iter()
            .zip(row)
            .enumerate()
            .filter(|(column, _)| keep(*column))
            .map(|(_, (name, &on))| format!("{name}={}", if on { "on" } else { "off" }))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// "`a` on and `b` off".
    pub fn describe(&self, lits: &[Lit]) -> String {
        let parts: Vec<String> = lits
            .iter()
            .map(|lit| {
                format!(
                    "`{}` {}",
                    self.names[lit.var],
                    if lit.on { "on" } else { "off" }
                )
            })
            .collect();
        match parts.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::constraints::Closures;

    fn manifest(text: &str) -> Manifest {
        Manifest::parse(text).unwrap()
    }

    #[test]
    fn requires_between_varied_flags_and_fixed_ones() {
        let manifest = manifest(
            "[flags.a]\nrequires = [\"b\"]\n[flags.b]\n[flags.c]\nrequires = [\"fixed_off\"]\n\
             [flags.fixed_off]\n[flags.fixed_on]\ndefault = true\nrequires = [\"b\"]\n\
             [flags.dyn]\nmode = \"dynamic\"\ndefault = true\nrequires = [\"a\"]\n",
        );
        let base: Vec<bool> = manifest.flags.iter().map(|f| f.default).collect();
        let chosen: Vec<usize> = ["a", "b", "c"]
            .iter()
            .map(|n| manifest.flag_index(n).unwrap())
            .collect();
        let selection = select(&manifest, &base, &chosen, "the defaults");
        assert_eq!(selection.names, ["a", "b", "c"]);
        let closures = Closures::new(&selection.constraints).unwrap();
        // `fixed_on` needs `b` on in every row; `c` needs `fixed_off`, which stays off.
        assert_eq!(closures.fixed(1), Some(true));
        assert_eq!(closures.fixed(2), Some(false));
        assert_eq!(closures.fixed(0), None);
        assert_eq!(
            closures.explain(&[Lit::new(2, true)]),
            ["`c` requires `fixed_off`, which is off under the defaults and not varied"]
        );
        // The unvaried dynamic flag that requires `a` does not pin it.
        assert_eq!(selection.overrides(&[true, true, false]), "a=on,b=on,c=off");
    }

    #[test]
    fn a_varied_dynamic_flag_may_need_another_off() {
        let manifest = manifest(
            "[flags.x]\nmode = \"dynamic\"\nrequires = [{ flag = \"y\", enabled = false }]\n\
             [flags.y]\nmode = \"dynamic\"\n",
        );
        let selection = select(&manifest, &[false, false], &[0, 1], "the defaults");
        let closures = Closures::new(&selection.constraints).unwrap();
        assert!(!closures.compatible(&[Lit::new(0, true), Lit::new(1, true)]));
        assert_eq!(
            selection.describe(&[Lit::new(0, true), Lit::new(1, true)]),
            "`x` on and `y` on"
        );
    }
}
