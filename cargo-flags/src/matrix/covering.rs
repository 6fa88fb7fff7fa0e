//! Covering arrays of on/off states: few rows that contain every pair (or triple) of states of every pair
//! (or triple) of flags that the constraints allow.
//!
//! - Pairs of unconstrained flags: the optimal construction ([`crate::matrix::optimal`]).
//! - Constrained flags, and triples: a greedy generator in the manner of AETG (Cohen et al.), which builds
//!   one row at a time from a seed tuple that is still uncovered (the `tuples` module), picks each
//!   further state for the most newly covered tuples, keeps the best of several candidate rows, and only
//!   ever picks states that keep the row valid ([`Partial`](crate::matrix::constraints::Partial)). Several deterministic restarts, and a pass that
//!   drops rows whose tuples all appear elsewhere, keep the size close to the optimum. Tuples the
//!   constraints make impossible are proved so ([`Closures::compatible`]) and returned, never silently left
//!   out.

use crate::matrix::constraints::{Closures, Lit};
use crate::matrix::optimal::kleitman_spencer;
use crate::matrix::rng::Rng;
use crate::matrix::tuples::{Tuples, for_each_tuple, states_of};

/// A generated covering array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covering {
    /// The rows: one state per flag each.
    pub rows: Vec<Vec<bool>>,
    /// The strength it covers: 2 for pairs, 3 for triples (less when there are fewer flags).
    pub strength: usize,
    /// Tuples of states of flags that are not fixed, each of whose states can hold on its own, that no
    /// valid row can contain, smallest first: the pairs, then (at strength 3) the triples that contain no
    /// impossible pair.
    pub impossible: Vec<Vec<Lit>>,
    /// How many tuples the rows cover (the tuples that the constraints allow).
    pub tuples: usize,
    /// Whether the rows come from the optimal construction (and are as few as possible).
    pub optimal: bool,
}

/// Builds a covering array of `strength` (2 or 3; capped at the number of flags) over the flags of
/// `closures`, whose every row meets the constraints.
pub fn generate(closures: &Closures, strength: usize) -> Covering {
    let vars = closures.vars();
    let free: Vec<usize> = (0..vars).filter(|&v| closures.fixed(v).is_none()).collect();
    let strength = strength.clamp(1, 3).min(free.len().max(1));
    let fill = |free_rows: Vec<Vec<bool>>| -> Vec<Vec<bool>> {
        free_rows
            .into_iter()
            .map(|free_row| {
                let mut row: Vec<bool> = (0..vars)
                    .map(|v| closures.fixed(v).unwrap_or(false))
                    .collect();
                for (&var, on) in free.iter().zip(free_row) {
                    row[var] = on;
                }
                row
            })
            .collect()
    };
    if free.is_empty() {
        return Covering {
            rows: fill(vec![Vec::new()]),
            strength,
            impossible: Vec::new(),
            tuples: 0,
            optimal: true,
        };
    }
    if strength <= 2 && !closures.links_free_flags() {
        let rows = if strength == 1 {
            vec![vec![false; free.len()], vec![true; free.len()]]
        } else {
            kleitman_spencer(free.len())
        };
        let tuples = if strength == 1 {
            2 * free.len()
        } else {
            2 * free.len() * (free.len() - 1)
        };
        return Covering {
            rows: fill(rows),
            strength,
            impossible: Vec::new(),
            tuples,
            optimal: true,
        };
    }
    let mut table = Tuples::new(closures, &free, strength);
    let impossible = table.impossible.clone();
    let tuples = table.wanted;
    let cost_per_row = free.len().pow(strength as u32).max(1);
    let candidates = (2_000_000 / cost_per_row).clamp(1, 40);
    let restarts = if free.len() <= 12 {
        24
    } else if free.len() <= 40 {
        6
    } else {
        1
    };
    let mut best: Option<Vec<Vec<bool>>> = None;
    // The first attempt starts from the optimal unconstrained rows, each made valid (a state the
    // constraints refuse is flipped): with few constraints they cover almost everything already.
    let seeds = if strength == 2 {
        repaired(closures, &free, kleitman_spencer(free.len()))
    } else {
        Vec::new()
    };
    for restart in 0..restarts + usize::from(!seeds.is_empty()) {
        let mut rng = Rng::new(0x5eed_f1a6 ^ (restart as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        table.reset();
        let mut rows = Vec::new();
        if restart == restarts {
            for seed in &seeds {
                table.cover(seed);
                rows.push(seed.clone());
            }
        }
        while table.remaining > 0 {
            let mut best_row: Option<(usize, Vec<bool>)> = None;
            for _ in 0..candidates {
                let row = table.candidate(closures, &free, &mut rng);
                let gain = table.gain_of_row(&row);
                if best_row.as_ref().is_none_or(|(g, _)| gain > *g) {
                    best_row = Some((gain, row));
                }
            }
            let Some((_, row)) = best_row else { break };
            table.cover(&row);
            rows.push(row);
        }
        let rows = table.drop_redundant(rows);
        if best.as_ref().is_none_or(|b| rows.len() < b.len()) {
            best = Some(rows);
        }
    }
    let mut rows = best.unwrap_or_default();
    if rows.is_empty() {
        // Every free flag has tuples to cover, so this is not expected; one valid row keeps the promise
        // that a matrix has rows.
        rows.push(table.candidate(closures, &free, &mut Rng::new(0)));
    }
    Covering {
        rows: fill(rows),
        strength,
        impossible,
        tuples,
        optimal: false,
    }
}

/// `rows` (states of the free flags) made valid: each state in turn, flipped when the constraints refuse
/// it (2-SAT: one of the two is always accepted).
fn repaired(closures: &Closures, free: &[usize], rows: Vec<Vec<bool>>) -> Vec<Vec<bool>> {
    rows.into_iter()
        .map(|row| {
            let mut partial = closures.partial();
            for (&var, &on) in free.iter().zip(&row) {
                if !partial.assign(Lit::new(var, on)) {
                    partial.assign(Lit::new(var, !on));
                }
            }
            free.iter()
                .map(|&var| partial.value(var).unwrap_or(false))
                .collect()
        })
        .collect()
}

/// The tuples of states of `strength` flags that the constraints allow and no row of `rows` contains.
/// Empty for a covering array; used by the tests and as a last check.
pub fn uncovered(closures: &Closures, rows: &[Vec<bool>], strength: usize) -> Vec<Vec<Lit>> {
    let vars = closures.vars();
    let strength = strength.clamp(1, 3).min(vars.max(1));
    let mut missing = Vec::new();
    if vars == 0 {
        return missing;
    }
    for_each_tuple(vars, strength, |_, members| {
        for states in 0..(1u8 << strength) {
            let present = rows.iter().any(|row| states_of(row, members) == states);
            if present {
                continue;
            }
            let lits: Vec<Lit> = members
                .iter()
                .enumerate()
                .map(|(position, &m)| Lit::new(m, states & (1 << position) != 0))
                .collect();
            if closures.compatible(&lits) {
                missing.push(lits);
            }
        }
    });
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::constraints::Constraints;

    #[test]
    fn a_requires_b_leaves_out_only_the_impossible_pair() {
        let mut constraints = Constraints::new(4);
        constraints.imply(0, 1, true, "`a` requires `b`");
        let closures = Closures::new(&constraints).unwrap();
        let covering = generate(&closures, 2);
        assert_eq!(
            covering.impossible,
            [vec![Lit::new(0, true), Lit::new(1, false)]]
        );
        assert!(uncovered(&closures, &covering.rows, 2).is_empty());
        for row in &covering.rows {
            constraints.check(row).unwrap();
        }
        assert!(covering.rows.len() <= 6, "{:?}", covering.rows);
    }

    #[test]
    fn strength_three() {
        let closures = Closures::new(&Constraints::new(6)).unwrap();
        let covering = generate(&closures, 3);
        assert_eq!(covering.strength, 3);
        assert!(uncovered(&closures, &covering.rows, 3).is_empty());
        // The best known for 6 flags is 12 rows.
        assert!(covering.rows.len() <= 14, "{}", covering.rows.len());
    }
}
