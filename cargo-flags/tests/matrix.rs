//! Property tests of the covering arrays behind `cargo flags matrix` and `cargo flags test`, against brute
//! force: every generated matrix violates no constraint, covers every pair (or triple) of states that some
//! valid assignment has, calls impossible exactly the tuples that no valid assignment has, and has the known
//! optimum where it is known (unconstrained pairs), or stays within 1.2 times the exact optimum (computed by
//! exhaustive search on small constrained cases).

use cargo_flags::matrix::constraints::{Closures, Constraints, Lit};
use cargo_flags::matrix::covering::{generate, uncovered};
use cargo_flags::matrix::optimal::{kleitman_spencer, optimum};
use proptest::prelude::*;

/// Every full assignment of `vars` flags that meets the constraints (`vars` is small).
fn valid_rows(constraints: &Constraints) -> Vec<Vec<bool>> {
    let vars = constraints.vars;
    (0..1u32 << vars)
        .map(|bits| {
            (0..vars)
                .map(|v| bits & (1 << v) != 0)
                .collect::<Vec<bool>>()
        })
        .filter(|row| constraints.check(row).is_ok())
        .collect()
}

/// Every tuple of `strength` flags (sorted) with every combination of states.
fn tuples(vars: usize, strength: usize) -> Vec<Vec<Lit>> {
    let mut out = Vec::new();
    let mut members = Vec::new();
    fn rec(
        start: usize,
        vars: usize,
        strength: usize,
        members: &mut Vec<usize>,
        out: &mut Vec<Vec<Lit>>,
    ) {
        if members.len() == strength {
            for states in 0..1u32 << strength {
                out.push(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, &m)| Lit::new(m, states & (1 << i) != 0))
                        .collect(),
                );
            }
            return;
        }
        for next in start..vars {
            members.push(next);
            rec(next + 1, vars, strength, members, out);
            members.pop();
        }
    }
    rec(0, vars, strength, &mut members, &mut out);
    out
}

fn holds(row: &[bool], lits: &[Lit]) -> bool {
    lits.iter().all(|lit| row[lit.var] == lit.on)
}

/// Random constraints over up to `max_vars` flags: implications (either needed state) and a few forced
/// states.
fn constraints(max_vars: usize) -> impl Strategy<Value = Constraints> {
    (1..=max_vars).prop_flat_map(|vars| {
        let implication = (0..vars, 0..vars, any::<bool>());
        let forced = (0..vars, any::<bool>());
        (
            Just(vars),
            prop::collection::vec(implication, 0..=vars + 2),
            prop::collection::vec(forced, 0..=1),
        )
            .prop_map(|(vars, implications, forced)| {
                let mut constraints = Constraints::new(vars);
                for (flag, needs, on) in implications {
                    if flag != needs {
                        constraints.imply(flag, needs, on, format!("{flag} needs {needs}={on}"));
                    }
                }
                for (var, on) in forced {
                    constraints.force(Lit::new(var, on), format!("{var}={on} forced"));
                }
                constraints
            })
    })
}

/// The fewest rows of `valid` that contain every tuple some valid row contains (exhaustive search with
/// pruning; tuples at most 64).
fn exact_minimum(valid: &[Vec<bool>], wanted: &[Vec<Lit>]) -> usize {
    assert!(wanted.len() <= 64);
    let masks: Vec<u64> = valid
        .iter()
        .map(|row| {
            wanted
                .iter()
                .enumerate()
                .filter(|(_, lits)| holds(row, lits))
                .fold(0u64, |mask, (i, _)| mask | (1 << i))
        })
        .collect();
    let all: u64 = if wanted.len() == 64 {
        u64::MAX
    } else {
        (1u64 << wanted.len()) - 1
    };
    let best_cover = masks
        .iter()
        .map(|m| m.count_ones())
        .max()
        .unwrap_or(0)
        .max(1);
    fn search(covered: u64, all: u64, depth: usize, masks: &[u64], best_cover: u32) -> bool {
        if covered == all {
            return true;
        }
        let missing = (all & !covered).count_ones();
        if depth == 0 || missing > best_cover * depth as u32 {
            return false;
        }
        // Branch on the rows that cover the first missing tuple.
        let first = (all & !covered).trailing_zeros();
        masks
            .iter()
            .filter(|mask| *mask & (1 << first) != 0)
            .any(|mask| search(covered | mask, all, depth - 1, masks, best_cover))
    }
    (0..=valid.len())
        .find(|&depth| search(0, all, depth, &masks, best_cover))
        .unwrap_or(valid.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Satisfiability of every tuple, as the closures decide it, against brute force; then the generated
    /// rows: valid, covering, and with exactly the impossible tuples reported.
    #[test]
    fn matrices_are_valid_and_cover_what_requires_allows(constraints in constraints(7), strength in 2usize..=3) {
        let valid = valid_rows(&constraints);
        let closures = Closures::new(&constraints);
        prop_assert_eq!(closures.is_ok(), !valid.is_empty());
        let Ok(closures) = closures else { return Ok(()) };
        let vars = constraints.vars;
        let strength_used = strength.min(vars);
        for size in 1..=strength_used {
            for lits in tuples(vars, size) {
                let possible = valid.iter().any(|row| holds(row, &lits));
                prop_assert_eq!(closures.compatible(&lits), possible, "{:?}", lits);
            }
        }
        let covering = generate(&closures, strength);
        for row in &covering.rows {
            prop_assert!(constraints.check(row).is_ok(), "row {:?} breaks {:?}", row, constraints.check(row));
        }
        for lits in tuples(vars, strength_used) {
            let possible = valid.iter().any(|row| holds(row, &lits));
            let present = covering.rows.iter().any(|row| holds(row, &lits));
            prop_assert!(!possible || present, "possible {:?} missing from {:?}", lits, covering.rows);
        }
        prop_assert!(uncovered(&closures, &covering.rows, strength).is_empty());
        // Reported impossible: no valid row has them, and each of their states can hold alone.
        for lits in &covering.impossible {
            prop_assert!(!valid.iter().any(|row| holds(row, lits)), "{:?} is possible", lits);
            for lit in lits {
                prop_assert!(valid.iter().any(|row| row[lit.var] == lit.on));
            }
        }
        // Every impossible pair among flags that can take both states is reported.
        let free: Vec<usize> = (0..vars).filter(|&v| closures.fixed(v).is_none()).collect();
        if strength_used >= 2 && free.len() >= 2 {
            for lits in tuples(vars, 2) {
                let both_free = lits.iter().all(|lit| free.contains(&lit.var));
                let possible = valid.iter().any(|row| holds(row, &lits));
                if both_free && !possible {
                    prop_assert!(covering.impossible.contains(&lits), "{:?} not reported", lits);
                }
            }
        }
    }

    /// Unconstrained pairs: exactly the known optimum, covering every pair.
    #[test]
    fn unconstrained_pairs_hit_the_optimum(vars in 0usize..200) {
        let closures = Closures::new(&Constraints::new(vars)).unwrap();
        let covering = generate(&closures, 2);
        prop_assert_eq!(covering.rows.len(), optimum(vars));
        prop_assert!(covering.optimal);
        prop_assert!(uncovered(&closures, &covering.rows, 2).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// Constrained pairs over up to 5 flags: at most 1.2 times the exact optimum, rounded down (so exact
    /// up to 4 rows).
    #[test]
    fn constrained_pairs_stay_near_the_exact_optimum(constraints in constraints(5)) {
        let valid = valid_rows(&constraints);
        let Ok(closures) = Closures::new(&constraints) else { return Ok(()) };
        let vars = constraints.vars;
        let strength = 2.min(vars);
        let wanted: Vec<Vec<Lit>> = tuples(vars, strength)
            .into_iter()
            .filter(|lits| valid.iter().any(|row| holds(row, lits)))
            .collect();
        let best = exact_minimum(&valid, &wanted);
        let rows = generate(&closures, 2).rows.len();
        prop_assert!(rows * 10 <= best * 12, "{} rows where {} suffice: {:?}", rows, best, constraints);
    }
}

#[test]
fn the_optimum_of_the_issue() {
    // 6 rows cover up to 10 flags, 7 up to 15, 8 up to 35, 9 up to 56, 10 up to 126.
    for (flags, rows) in [(10, 6), (15, 7), (35, 8), (56, 9), (126, 10)] {
        assert_eq!(optimum(flags), rows);
        assert_eq!(optimum(flags + 1), rows + 1);
        assert_eq!(kleitman_spencer(flags).len(), rows);
    }
}

#[test]
fn a_thousand_flags_pairwise_is_fast() {
    let closures = Closures::new(&Constraints::new(1000)).unwrap();
    let started = std::time::Instant::now();
    let covering = generate(&closures, 2);
    let elapsed = started.elapsed();
    assert_eq!(covering.rows.len(), 14);
    // The goal is under a second in a release build (see benches/matrix.rs); debug builds get slack.
    assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
}
