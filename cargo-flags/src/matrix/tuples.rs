//! The tuples of flags a covering array must cover, indexed in combinatorial order, with a bit per
//! combination of their states: which states the constraints allow and which no row covers yet. The greedy
//! generator ([`crate::matrix::covering`]) scores candidate rows against it; kept apart because the
//! indexing (pairs and triples to one dense index and back) is a concern of its own.

use crate::matrix::constraints::{Closures, Lit, Partial};
use crate::matrix::rng::Rng;

/// Every tuple of free flags, and which of its states are still wanted.
pub(crate) struct Tuples {
    /// Free flags.
    flags: usize,
    strength: usize,
    /// Per tuple of flags (in combinatorial order), a bit per combination of states that can hold.
    allowed: Vec<u8>,
    /// Per tuple of flags, a bit per combination of states not yet covered.
    uncovered: Vec<u8>,
    pub(crate) wanted: usize,
    pub(crate) remaining: usize,
    pub(crate) impossible: Vec<Vec<Lit>>,
}

impl Tuples {
    pub(crate) fn new(closures: &Closures, free: &[usize], strength: usize) -> Tuples {
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

    pub(crate) fn reset(&mut self) {
        self.uncovered.clone_from(&self.allowed);
        self.remaining = self.wanted;
    }

    /// How many uncovered tuples a row of free-flag states would cover.
    pub(crate) fn gain_of_row(&self, row: &[bool]) -> usize {
        let mut gain = 0;
        for_each_tuple(self.flags, self.strength, |index, members| {
            if self.uncovered[index] & (1 << states_of(row, members)) != 0 {
                gain += 1;
            }
        });
        gain
    }

    pub(crate) fn cover(&mut self, row: &[bool]) {
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
    pub(crate) fn candidate(
        &self,
        closures: &Closures,
        free: &[usize],
        rng: &mut Rng,
    ) -> Vec<bool> {
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
    pub(crate) fn gain_with(&self, row: &[bool], member: usize, decided: &[usize]) -> usize {
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
    pub(crate) fn drop_redundant(&self, rows: Vec<Vec<bool>>) -> Vec<Vec<bool>> {
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
pub(crate) fn states_of(row: &[bool], members: &[usize]) -> u8 {
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
pub(crate) fn for_each_tuple(flags: usize, strength: usize, mut each: impl FnMut(usize, &[usize])) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
