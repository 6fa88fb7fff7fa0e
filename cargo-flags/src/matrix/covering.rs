//! Covering arrays of on/off states: few rows that contain every pair (or triple) of states of every pair
//! (or triple) of flags that the constraints allow.
//!
//! - Pairs of unconstrained flags: the optimum is known exactly (Kleitman and Spencer; Katona): the
//!   smallest `N` with `C(N-1, ceil(N/2)) >= k`. [`kleitman_spencer`] builds it: a row of all-off, then `k`
//!   distinct columns of length `N-1` with `ceil(N/2)` ones each. Two such columns are distinct sets of the
//!   same size, so neither contains the other (the rows give on/off and off/on), and they cannot be disjoint
//!   (`2 * ceil(N/2) > N-1`, which gives on/on); the first row gives off/off.
//! - Constrained flags, and triples: a greedy generator in the manner of AETG (Cohen et al.), which builds
//!   one row at a time from a seed tuple that is still uncovered, picks each further state for the most
//!   newly covered tuples, keeps the best of several candidate rows, and only ever picks states that keep
//!   the row valid ([`Partial`]). Several deterministic restarts, and a pass that drops rows whose tuples
//!   all appear elsewhere, keep the size close to the optimum. Tuples the constraints make impossible are
//!   proved so ([`Closures::compatible`]) and returned, never silently left out.

use crate::matrix::constraints::{Closures, Lit, Partial};

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

/// Every tuple of free flags, and which of its states are still wanted.
struct Tuples {
    /// Free flags.
    flags: usize,
    strength: usize,
    /// Per tuple of flags (in combinatorial order), a bit per combination of states that can hold.
    allowed: Vec<u8>,
    /// Per tuple of flags, a bit per combination of states not yet covered.
    uncovered: Vec<u8>,
    wanted: usize,
    remaining: usize,
    impossible: Vec<Vec<Lit>>,
}

impl Tuples {
    fn new(closures: &Closures, free: &[usize], strength: usize) -> Tuples {
        let flags = free.len();
        let count = combinations(flags, strength);
        let mut allowed = vec![0u8; count];
        let mut impossible_pairs = Vec::new();
        let mut impossible_triples = Vec::new();
        let mut pair_ok = vec![0u8; if strength == 3 { flags * flags } else { 0 }];
        if strength == 3 {
            for j in 0..flags {
                for i in 0..j {
                    for states in 0..4u8 {
                        let lits = [
                            Lit::new(free[i], states & 1 != 0),
                            Lit::new(free[j], states & 2 != 0),
                        ];
                        if closures.compatible(&lits) {
                            pair_ok[i * flags + j] |= 1 << states;
                        } else {
                            impossible_pairs.push(lits.to_vec());
                        }
                    }
                }
            }
        }
        for_each_tuple(flags, strength, |index, members| {
            for states in 0..(1u8 << strength) {
                let lits: Vec<Lit> = members
                    .iter()
                    .enumerate()
                    .map(|(position, &m)| Lit::new(free[m], states & (1 << position) != 0))
                    .collect();
                if closures.compatible(&lits) {
                    allowed[index] |= 1 << states;
                } else if strength == 2 {
                    impossible_pairs.push(lits);
                } else {
                    let pair_fails = |a: usize, b: usize| {
                        let bits = u8::from(lits[a].on) | (u8::from(lits[b].on) << 1);
                        pair_ok[members[a] * flags + members[b]] & (1 << bits) == 0
                    };
                    if strength == 1 || !(pair_fails(0, 1) || pair_fails(0, 2) || pair_fails(1, 2))
                    {
                        impossible_triples.push(lits);
                    }
                }
            }
        });
        let wanted = allowed.iter().map(|bits| bits.count_ones() as usize).sum();
        let mut impossible = impossible_pairs;
        impossible.sort();
        impossible_triples.sort();
        impossible.extend(impossible_triples);
        Tuples {
            flags,
            strength,
            uncovered: allowed.clone(),
            allowed,
            wanted,
            remaining: wanted,
            impossible,
        }
    }

    fn reset(&mut self) {
        self.uncovered.clone_from(&self.allowed);
        self.remaining = self.wanted;
    }

    /// How many uncovered tuples a row of free-flag states would cover.
    fn gain_of_row(&self, row: &[bool]) -> usize {
        let mut gain = 0;
        for_each_tuple(self.flags, self.strength, |index, members| {
            if self.uncovered[index] & (1 << states_of(row, members)) != 0 {
                gain += 1;
            }
        });
        gain
    }

    fn cover(&mut self, row: &[bool]) {
        let uncovered = &mut self.uncovered;
        let mut covered = 0;
        for_each_tuple(self.flags, self.strength, |index, members| {
            let bit = 1 << states_of(row, members);
            if uncovered[index] & bit != 0 {
                uncovered[index] &= !bit;
                covered += 1;
            }
        });
        self.remaining -= covered;
    }

    /// One candidate row: a seed tuple still uncovered, then each other flag in a random order, in the state
    /// that covers the most uncovered tuples with the flags already decided.
    fn candidate(&self, closures: &Closures, free: &[usize], rng: &mut Rng) -> Vec<bool> {
        let flags = self.flags;
        let mut partial: Partial<'_> = closures.partial();
        // The seed: the first uncovered tuple from a random starting point.
        let count = self.uncovered.len();
        let start = rng.below(count);
        if let Some(index) = (0..count)
            .map(|offset| (start + offset) % count)
            .find(|&index| self.uncovered[index] != 0)
        {
            let bits = self.uncovered[index];
            let choices: Vec<u8> = (0..8u8).filter(|b| bits & (1 << b) != 0).collect();
            let states = choices[rng.below(choices.len())];
            let members = tuple_at(index, self.strength);
            for (position, &member) in members.iter().enumerate() {
                partial.assign(Lit::new(free[member], states & (1 << position) != 0));
            }
        }
        let mut order: Vec<usize> = (0..flags).collect();
        rng.shuffle(&mut order);
        let mut member_of = vec![usize::MAX; closures.vars()];
        for (member, &var) in free.iter().enumerate() {
            member_of[var] = member;
        }
        let mut decided: Vec<usize> = Vec::with_capacity(flags);
        let mut row = vec![false; flags];
        for (member, &var) in free.iter().enumerate() {
            if let Some(on) = partial.value(var) {
                row[member] = on;
                decided.push(member);
            }
        }
        let mut is_decided = vec![false; flags];
        for &member in &decided {
            is_decided[member] = true;
        }
        for member in order {
            if is_decided[member] {
                continue;
            }
            let var = free[member];
            let mut gains = [0usize; 2];
            let mut allowed = [false; 2];
            for on in [false, true] {
                allowed[usize::from(on)] = partial.allows(Lit::new(var, on));
                if allowed[usize::from(on)] {
                    row[member] = on;
                    gains[usize::from(on)] = self.gain_with(&row, member, &decided);
                }
            }
            let on = match (allowed[0], allowed[1]) {
                (true, false) => false,
                (false, true) => true,
                _ if gains[0] != gains[1] => gains[1] > gains[0],
                _ => rng.below(2) == 1,
            };
            let before = partial.clone();
            partial.assign(Lit::new(var, on));
            // Assigning may decide other flags: read them back.
            for other_var in partial.decided_since(&before) {
                let other = member_of[other_var];
                if other != usize::MAX && !is_decided[other] {
                    row[other] = partial.value(other_var).unwrap_or(false);
                    is_decided[other] = true;
                    decided.push(other);
                }
            }
        }
        row
    }

    /// The uncovered tuples that `member`, in its state in `row`, completes with flags already decided.
    fn gain_with(&self, row: &[bool], member: usize, decided: &[usize]) -> usize {
        let mut gain = 0;
        match self.strength {
            1 => gain += usize::from(self.uncovered[member] & (1 << u8::from(row[member])) != 0),
            2 => {
                let mine = u8::from(row[member]);
                for &other in decided {
                    let theirs = u8::from(row[other]);
                    let (index, bits) = if other < member {
                        (pair_index(other, member), theirs | (mine << 1))
                    } else {
                        (pair_index(member, other), mine | (theirs << 1))
                    };
                    gain += usize::from(self.uncovered[index] & (1 << bits) != 0);
                }
            }
            _ => {
                for (x, &first) in decided.iter().enumerate() {
                    for &second in &decided[x + 1..] {
                        let mut members = [first, second, member];
                        members.sort_unstable();
                        let index = triple_index(members[0], members[1], members[2]);
                        if self.uncovered[index] & (1 << states_of(row, &members)) != 0 {
                            gain += 1;
                        }
                    }
                }
            }
        }
        gain
    }

    /// Drops, one at a time from the first, rows whose every tuple some other row also covers.
    fn drop_redundant(&self, rows: Vec<Vec<bool>>) -> Vec<Vec<bool>> {
        let mut counts: Vec<[u16; 8]> = vec![[0; 8]; self.allowed.len()];
        for row in &rows {
            for_each_tuple(self.flags, self.strength, |index, members| {
                let slot = &mut counts[index][usize::from(states_of(row, members))];
                *slot = slot.saturating_add(1);
            });
        }
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let mut needed = false;
            for_each_tuple(self.flags, self.strength, |index, members| {
                if counts[index][usize::from(states_of(&row, members))] <= 1 {
                    needed = true;
                }
            });
            if needed {
                kept.push(row);
            } else {
                for_each_tuple(self.flags, self.strength, |index, members| {
                    counts[index][usize::from(states_of(&row, members))] -= 1;
                });
            }
        }
        kept
    }
}

/// The states of `members` in `row` as bits, the first member lowest.
fn states_of(row: &[bool], members: &[usize]) -> u8 {
    members.iter().enumerate().fold(0, |bits, (position, &m)| {
        bits | (u8::from(row[m]) << position)
    })
}

fn combinations(n: usize, r: usize) -> usize {
    match r {
        1 => n,
        2 => n * n.saturating_sub(1) / 2,
        _ => n * n.saturating_sub(1) * n.saturating_sub(2) / 6,
    }
}

/// The index of pair `a < b` in combinatorial order: `C(b, 2) + a`.
fn pair_index(a: usize, b: usize) -> usize {
    b * (b - 1) / 2 + a
}

/// The index of triple `a < b < c`: `C(c, 3) + C(b, 2) + a`.
fn triple_index(a: usize, b: usize, c: usize) -> usize {
    c * (c - 1) * (c.saturating_sub(2)) / 6 + b * (b - 1) / 2 + a
}

/// The members of the tuple at `index`, inverse of the two functions above.
fn tuple_at(index: usize, strength: usize) -> Vec<usize> {
    let mut members = Vec::with_capacity(strength);
    let mut rest = index;
    for r in (1..=strength).rev() {
        // The largest m with C(m, r) <= rest.
        let mut m = r - 1;
        while combinations_exact(m + 1, r) <= rest {
            m += 1;
        }
        rest -= combinations_exact(m, r);
        members.push(m);
    }
    members.reverse();
    members
}

fn combinations_exact(n: usize, r: usize) -> usize {
    if n < r { 0 } else { combinations(n, r) }
}

/// Calls `each(index, members)` for every tuple of `strength` out of `flags`, in index order.
fn for_each_tuple(flags: usize, strength: usize, mut each: impl FnMut(usize, &[usize])) {
    let mut index = 0;
    match strength {
        1 => {
            for a in 0..flags {
                each(index, &[a]);
                index += 1;
            }
        }
        2 => {
            for b in 1..flags {
                for a in 0..b {
                    each(index, &[a, b]);
                    index += 1;
                }
            }
        }
        _ => {
            for c in 2..flags {
                for b in 1..c {
                    for a in 0..b {
                        each(index, &[a, b, c]);
                        index += 1;
                    }
                }
            }
        }
    }
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

/// A small deterministic generator (SplitMix64), so that the same manifest always gives the same rows.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::constraints::Constraints;

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

    #[test]
    fn tuple_indices_round_trip() {
        let mut seen = 0;
        for_each_tuple(9, 3, |index, members| {
            assert_eq!(index, seen);
            assert_eq!(tuple_at(index, 3), members);
            assert_eq!(triple_index(members[0], members[1], members[2]), index);
            seen += 1;
        });
        for_each_tuple(9, 2, |index, members| {
            assert_eq!(tuple_at(index, 2), members);
            assert_eq!(pair_index(members[0], members[1]), index);
        });
    }

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
