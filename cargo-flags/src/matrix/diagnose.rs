//! What the failing rows have in common: the states (one flag's, or a pair's) present in every failing row
//! and in no passing row. With a covering array, every pair of states appears in some row, so a failure
//! caused by one pair of states is always among them; when the rows cannot tell several apart, all are
//! named.

use crate::matrix::constraints::Lit;

/// The smallest sets of states (single states first, then pairs that contain no such single state) found
/// in every failing row and in no passing row. `results[i]` is `Some(true)` when row `i` passed,
/// `Some(false)` when it failed, `None` when it did not run. Empty when no row failed, or when every row
/// that ran failed (nothing to tell them from).
pub fn suspects(rows: &[Vec<bool>], results: &[Option<bool>]) -> Vec<Vec<Lit>> {
    let failing: Vec<&Vec<bool>> = rows
        .iter()
        .zip(results)
        .filter(|(_, result)| **result == Some(false))
        .map(|(row, _)| row)
        .collect();
    let passing: Vec<&Vec<bool>> = rows
        .iter()
        .zip(results)
        .filter(|(_, result)| **result == Some(true))
        .map(|(row, _)| row)
        .collect();
    let Some(first) = failing.first() else {
        return Vec::new();
    };
    if passing.is_empty() {
        return Vec::new();
    }
    let flags = first.len();
    let holds = |row: &Vec<bool>, lits: &[Lit]| lits.iter().all(|lit| row[lit.var] == lit.on);
    let suspect = |lits: &[Lit]| {
        failing.iter().all(|row| holds(row, lits)) && !passing.iter().any(|row| holds(row, lits))
    };
    let mut found = Vec::new();
    for var in 0..flags {
        let lit = Lit::new(var, first[var]);
        if suspect(&[lit]) {
            found.push(vec![lit]);
        }
    }
    let singles: Vec<Lit> = found.iter().map(|lits| lits[0]).collect();
    for a in 0..flags {
        for b in a + 1..flags {
            let pair = [Lit::new(a, first[a]), Lit::new(b, first[b])];
            if pair.iter().any(|lit| singles.contains(lit)) {
                continue;
            }
            if suspect(&pair) {
                found.push(pair.to_vec());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_pair_that_only_failing_rows_have() {
        let rows = vec![
            vec![false, false, false],
            vec![true, true, false],
            vec![true, false, true],
            vec![false, true, true],
        ];
        // Fails when flag 0 is on and flag 1 off: row 2 only.
        let results = [Some(true), Some(true), Some(false), Some(true)];
        let found = suspects(&rows, &results);
        assert!(found.contains(&vec![Lit::new(0, true), Lit::new(1, false)]));
        // Every state and pair found is in row 2 and in no other row.
        for lits in &found {
            assert!(lits.iter().all(|lit| rows[2][lit.var] == lit.on));
        }
        assert!(suspects(&rows, &[Some(true); 4]).is_empty());
        assert!(suspects(&rows, &[Some(false); 4]).is_empty());
    }

    #[test]
    fn a_single_state_hides_the_pairs_it_is_in() {
        let rows = vec![vec![false, false], vec![true, false], vec![false, true]];
        let results = [Some(true), Some(false), Some(true)];
        assert_eq!(suspects(&rows, &results), [vec![Lit::new(0, true)]]);
    }
}
