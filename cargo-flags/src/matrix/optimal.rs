//! The optimal pairwise covering array of unconstrained flags, which is known exactly (Kleitman and
//! Spencer; Katona): the smallest `N` with `C(N-1, ceil(N/2)) >= k`. [`kleitman_spencer`] builds it: a row of
//! all-off, then `k` distinct columns of length `N-1` with `ceil(N/2)` ones each. Two such columns are
//! distinct sets of the same size, so neither contains the other (the rows give on/off and off/on), and they
//! cannot be disjoint (`2 * ceil(N/2) > N-1`, which gives on/on); the first row gives off/off. The greedy
//! generator ([`crate::matrix::covering`]) is used wherever this construction does not apply.

/// The fewest rows that cover every pair of states of `flags` unconstrained flags, which
/// [`kleitman_spencer`] achieves: 1 for none, 2 for one flag (both states), then the smallest `N` with
/// `C(N-1, ceil(N/2)) >= flags`.
pub fn optimum(flags: usize) -> usize {
    if flags == 0 {
        return 1;
    }
    let mut rows = 2;
    while binomial_at_least(rows - 1, rows.div_ceil(2), flags) < flags {
        rows += 1;
    }
    rows
}

/// `C(n, r)`, or `cap` once it reaches `cap` (so that it never overflows).
fn binomial_at_least(n: usize, r: usize, cap: usize) -> usize {
    if r > n {
        return 0;
    }
    let r = r.min(n - r);
    let mut value: u128 = 1;
    for i in 0..r {
        value = value * (n - i) as u128 / (i + 1) as u128;
        if value >= cap as u128 {
            return cap;
        }
    }
    value as usize
}

/// The optimal pairwise covering array of `flags` unconstrained flags: [`optimum`]`(flags)` rows, the first
/// all off, the columns distinct sets of `ceil(N/2)` of the other rows (the first ones in lexicographic
/// order).
pub fn kleitman_spencer(flags: usize) -> Vec<Vec<bool>> {
    let rows = optimum(flags);
    let mut matrix = vec![vec![false; flags]; rows];
    if flags == 0 {
        return matrix;
    }
    let weight = rows.div_ceil(2);
    let others = rows - 1;
    // The current subset of `0..others` of size `weight`, as sorted positions; advanced lexicographically.
    let mut subset: Vec<usize> = (0..weight).collect();
    let mut columns: Vec<Vec<usize>> = Vec::with_capacity(flags);
    while columns.len() < flags {
        columns.push(subset.clone());
        // Next combination: the rightmost position that can move, moves, and those after it follow.
        let mut i = weight;
        while i > 0 && subset[i - 1] == others - weight + i - 1 {
            i -= 1;
        }
        if i == 0 {
            // Only reached after the last column: optimum() guarantees enough subsets.
            break;
        }
        subset[i - 1] += 1;
        for j in i..weight {
            subset[j] = subset[j - 1] + 1;
        }
    }
    for (column, positions) in columns.iter().enumerate() {
        for &position in positions {
            matrix[position + 1][column] = true;
        }
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::constraints::{Closures, Constraints};
    use crate::matrix::covering::uncovered;

    #[test]
    fn the_known_optimum() {
        let sizes: Vec<(usize, usize)> = [1, 2, 3, 4, 5, 10, 11, 15, 16, 35, 36, 56, 57, 126, 127]
            .iter()
            .map(|&k| (k, optimum(k)))
            .collect();
        assert_eq!(
            sizes,
            [
                (1, 2),
                (2, 4),
                (3, 4),
                (4, 5),
                (5, 6),
                (10, 6),
                (11, 7),
                (15, 7),
                (16, 8),
                (35, 8),
                (36, 9),
                (56, 9),
                (57, 10),
                (126, 10),
                (127, 11)
            ]
        );
    }

    #[test]
    fn kleitman_spencer_covers_every_pair() {
        for flags in 0..40 {
            let rows = kleitman_spencer(flags);
            assert_eq!(rows.len(), optimum(flags));
            let closures = Closures::new(&Constraints::new(flags)).unwrap();
            assert!(uncovered(&closures, &rows, 2).is_empty(), "{flags} flags");
        }
    }
}
