//! What `requires` allows, as implications between flag states, and the questions a covering array asks
//! of it: can these states hold together in one build, and if not, why not.
//!
//! Every constraint here has the shape "if flag `x` is on, flag `y` must be in state `v`" (a plain
//! `requires` entry, or a dynamic flag's `{ flag = "y", enabled = false }`), plus states that are forced
//! (by flags that are not varied). Those are 2-SAT clauses, so propagation decides satisfiability exactly:
//! for a satisfiable set of clauses, a set of states can be extended to a full valid assignment if and only
//! if closing it under the implications (and their contrapositives) never asks for a flag both on and off.
//! [`Closures`] precomputes that closure for every single state, as bitsets, so that checking a pair or a
//! triple is a few word operations, and building a row never paints itself into a corner.

use std::collections::VecDeque;

/// One state of one flag: flag number `var` (a column of the matrix) on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lit {
    /// The flag's column.
    pub var: usize,
    /// On or off.
    pub on: bool,
}

impl Lit {
    /// Flag `var` in state `on`.
    pub fn new(var: usize, on: bool) -> Lit {
        Lit { var, on }
    }

    /// The opposite state of the same flag.
    pub fn negated(self) -> Lit {
        Lit {
            var: self.var,
            on: !self.on,
        }
    }

    fn index(self) -> usize {
        2 * self.var + usize::from(self.on)
    }
}

/// "If flag `flag` is on, flag `needs` must be `on`", and why, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Implication {
    /// The flag whose state constrains.
    pub flag: usize,
    /// The flag it constrains.
    pub needs: usize,
    /// The state `needs` must be in wherever `flag` is on.
    pub on: bool,
    /// The reason, as shown to people: "`new_ui` requires `new_api`".
    pub why: String,
}

/// A state every row must have, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    /// The state.
    pub lit: Lit,
    /// The reason, as shown to people.
    pub why: String,
}

/// The constraints over `vars` flags: implications between their states and forced states.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// How many flags (columns) there are.
    pub vars: usize,
    /// "If this is on, that must be so".
    pub implications: Vec<Implication>,
    /// States every row must have.
    pub forced: Vec<Forced>,
}

impl Constraints {
    /// `vars` flags with nothing between them.
    pub fn new(vars: usize) -> Constraints {
        Constraints {
            vars,
            ..Constraints::default()
        }
    }

    /// Adds "if `flag` is on, `needs` must be `on`".
    pub fn imply(&mut self, flag: usize, needs: usize, on: bool, why: impl Into<String>) {
        self.implications.push(Implication {
            flag,
            needs,
            on,
            why: why.into(),
        });
    }

    /// Adds "every row has `lit`".
    pub fn force(&mut self, lit: Lit, why: impl Into<String>) {
        self.forced.push(Forced {
            lit,
            why: why.into(),
        });
    }

    /// Whether a full assignment (one state per flag) meets every constraint; if not, the first reason
    /// it breaks.
    pub fn check(&self, row: &[bool]) -> Result<(), String> {
        for forced in &self.forced {
            if row[forced.lit.var] != forced.lit.on {
                return Err(forced.why.clone());
            }
        }
        for implication in &self.implications {
            if row[implication.flag] && row[implication.needs] != implication.on {
                return Err(implication.why.clone());
            }
        }
        Ok(())
    }
}

/// Where a literal reached during a search came from: a starting state, or another literal through an
/// edge (with the edge's reason).
#[derive(Clone, Copy)]
enum Origin {
    Unreached,
    Start(Option<usize>),
    Edge(usize, usize),
}

/// The closure of every single state under the constraints, for quick satisfiability questions.
#[derive(Debug, Clone)]
pub struct Closures {
    vars: usize,
    words: usize,
    /// For each literal index: the words of "on" bits, then the words of "off" bits, of its closure
    /// together with the base.
    sets: Vec<u64>,
    /// The states every valid row has: the forced ones, their consequences, and flags that only one state
    /// can satisfy.
    base_on: Vec<u64>,
    base_off: Vec<u64>,
    /// The implication graph: for each literal index, (target literal index, reason).
    edges: Vec<Vec<(usize, Reason)>>,
    forced: Vec<Forced>,
    implications: Vec<Implication>,
    /// Literals made part of the base because their opposite can never hold.
    units: Vec<Lit>,
    unconstrained: bool,
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    Implication(usize),
    Contrapositive(usize),
}

impl Closures {
    /// Computes the closures, or explains why no row can meet the constraints at all.
    pub fn new(constraints: &Constraints) -> Result<Closures, Vec<String>> {
        let vars = constraints.vars;
        let words = vars.div_ceil(64).max(1);
        let mut edges: Vec<Vec<(usize, Reason)>> = vec![Vec::new(); 2 * vars];
        for (index, implication) in constraints.implications.iter().enumerate() {
            let from = Lit::new(implication.flag, true);
            let to = Lit::new(implication.needs, implication.on);
            edges[from.index()].push((to.index(), Reason::Implication(index)));
            edges[to.negated().index()]
                .push((from.negated().index(), Reason::Contrapositive(index)));
        }
        let mut closures = Closures {
            vars,
            words,
            sets: vec![0; 2 * vars * 2 * words],
            base_on: vec![0; words],
            base_off: vec![0; words],
            edges,
            forced: constraints.forced.clone(),
            implications: constraints.implications.clone(),
            units: Vec::new(),
            unconstrained: constraints.implications.is_empty() && constraints.forced.is_empty(),
        };
        // The reach of each literal on its own.
        let mut seen = vec![usize::MAX; 2 * vars];
        let mut queue = Vec::new();
        for start in 0..2 * vars {
            queue.clear();
            queue.push(start);
            seen[start] = start;
            let offset = start * 2 * words;
            while let Some(literal) = queue.pop() {
                let (var, on) = (literal / 2, literal % 2 == 1);
                let bit = 1u64 << (var % 64);
                let half = if on { 0 } else { words };
                closures.sets[offset + half + var / 64] |= bit;
                for &(next, _) in &closures.edges[literal] {
                    if seen[next] != start {
                        seen[next] = start;
                        queue.push(next);
                    }
                }
            }
        }
        // The base: the forced states and their consequences.
        for forced in &constraints.forced {
            closures.add_to_base(forced.lit);
        }
        if intersects(&closures.base_on, &closures.base_off) {
            let starts: Vec<Lit> = Vec::new();
            return Err(closures.explain(&starts));
        }
        // Flags only one of whose states can hold become part of the base too.
        let mut units = Vec::new();
        for var in 0..vars {
            if closures.base_value(var).is_some() {
                continue;
            }
            let on_ok = closures.consistent_with_base(Lit::new(var, true));
            let off_ok = closures.consistent_with_base(Lit::new(var, false));
            match (on_ok, off_ok) {
                (true, true) => {}
                (true, false) => units.push(Lit::new(var, true)),
                (false, true) => units.push(Lit::new(var, false)),
                // The base is satisfiable (2-SAT: a consistent closure extends), so this cannot happen;
                // report it rather than trust it.
                (false, false) => return Err(closures.explain(&[Lit::new(var, true)])),
            }
        }
        for &unit in &units {
            closures.add_to_base(unit);
        }
        closures.units = units;
        Ok(closures)
    }

    fn reach(&self, lit: Lit) -> (&[u64], &[u64]) {
        let offset = lit.index() * 2 * self.words;
        (
            &self.sets[offset..offset + self.words],
            &self.sets[offset + self.words..offset + 2 * self.words],
        )
    }

    fn add_to_base(&mut self, lit: Lit) {
        let offset = lit.index() * 2 * self.words;
        let (on, off) = self.sets[offset..offset + 2 * self.words].split_at(self.words);
        or_into(&mut self.base_on, on);
        or_into(&mut self.base_off, off);
    }

    fn consistent_with_base(&self, lit: Lit) -> bool {
        let (on, off) = self.reach(lit);
        (0..self.words).all(|w| (on[w] | self.base_on[w]) & (off[w] | self.base_off[w]) == 0)
    }

    /// How many flags.
    pub fn vars(&self) -> usize {
        self.vars
    }

    /// Whether there are no constraints at all.
    pub fn is_unconstrained(&self) -> bool {
        self.unconstrained
    }

    fn base_value(&self, var: usize) -> Option<bool> {
        let bit = 1u64 << (var % 64);
        if self.base_on[var / 64] & bit != 0 {
            Some(true)
        } else if self.base_off[var / 64] & bit != 0 {
            Some(false)
        } else {
            None
        }
    }

    /// The state every valid row gives flag `var`, if only one state is possible.
    pub fn fixed(&self, var: usize) -> Option<bool> {
        self.base_value(var)
    }

    /// Whether `lits` can all hold in one valid row.
    pub fn compatible(&self, lits: &[Lit]) -> bool {
        let mut partial = self.partial();
        lits.iter().all(|&lit| partial.assign(lit))
    }

    /// Whether any implication links two flags that are not fixed: when none does, the free flags are
    /// independent of each other.
    pub fn links_free_flags(&self) -> bool {
        self.implications
            .iter()
            .any(|i| self.fixed(i.flag).is_none() && self.fixed(i.needs).is_none())
    }

    /// A row under construction, starting from the states every row has.
    pub fn partial(&self) -> Partial<'_> {
        Partial {
            closures: self,
            on: self.base_on.clone(),
            off: self.base_off.clone(),
        }
    }

    /// Why `lits` cannot hold together (with the forced states): the reasons along the chains of
    /// implications that ask for one flag both on and off, in order and without repeats.
    pub fn explain(&self, lits: &[Lit]) -> Vec<String> {
        let mut origin = vec![Origin::Unreached; 2 * self.vars];
        let mut queue = VecDeque::new();
        for &lit in lits {
            if matches!(origin[lit.index()], Origin::Unreached) {
                origin[lit.index()] = Origin::Start(None);
                queue.push_back(lit.index());
            }
        }
        for (index, forced) in self.forced.iter().enumerate() {
            if matches!(origin[forced.lit.index()], Origin::Unreached) {
                origin[forced.lit.index()] = Origin::Start(Some(index));
                queue.push_back(forced.lit.index());
            }
        }
        for &unit in &self.units {
            if matches!(origin[unit.index()], Origin::Unreached) {
                origin[unit.index()] = Origin::Start(None);
                queue.push_back(unit.index());
            }
        }
        let mut conflict = None;
        while let Some(literal) = queue.pop_front() {
            if !matches!(origin[literal ^ 1], Origin::Unreached) {
                conflict = Some(literal);
                break;
            }
            for &(next, reason) in &self.edges[literal] {
                if matches!(origin[next], Origin::Unreached) {
                    origin[next] = Origin::Edge(literal, reason_index(reason));
                    queue.push_back(next);
                }
            }
        }
        let Some(literal) = conflict else {
            return Vec::new();
        };
        // The two chains that meet at the conflict, the one from the states asked about first.
        let mut chains: Vec<(bool, Vec<String>)> = [literal, literal ^ 1]
            .into_iter()
            .map(|end| {
                let mut chain = Vec::new();
                let mut at = end;
                let from_forced = loop {
                    match origin[at] {
                        Origin::Edge(previous, implication) => {
                            chain.push(self.implications[implication].why.clone());
                            at = previous;
                        }
                        Origin::Start(Some(forced)) => {
                            chain.push(self.forced[forced].why.clone());
                            break true;
                        }
                        Origin::Start(None) | Origin::Unreached => break false,
                    }
                };
                chain.reverse();
                (from_forced, chain)
            })
            .collect();
        chains.sort_by_key(|(from_forced, _)| *from_forced);
        let mut reasons = Vec::new();
        for (_, chain) in chains {
            for reason in chain {
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
        reasons
    }
}

fn reason_index(reason: Reason) -> usize {
    match reason {
        Reason::Implication(index) | Reason::Contrapositive(index) => index,
    }
}

fn or_into(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a |= b;
    }
}

fn intersects(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

/// A row being built: the states chosen so far with everything they imply. It only ever accepts states
/// that keep it extendable to a full valid row.
#[derive(Debug, Clone)]
pub struct Partial<'a> {
    closures: &'a Closures,
    on: Vec<u64>,
    off: Vec<u64>,
}

impl Partial<'_> {
    /// The state flag `var` has so far, if decided.
    pub fn value(&self, var: usize) -> Option<bool> {
        let bit = 1u64 << (var % 64);
        if self.on[var / 64] & bit != 0 {
            Some(true)
        } else if self.off[var / 64] & bit != 0 {
            Some(false)
        } else {
            None
        }
    }

    /// Whether `lit` can be added.
    pub fn allows(&self, lit: Lit) -> bool {
        if let Some(value) = self.value(lit.var) {
            return value == lit.on;
        }
        let (on, off) = self.closures.reach(lit);
        (0..self.closures.words).all(|w| (on[w] | self.on[w]) & (off[w] | self.off[w]) == 0)
    }

    /// The flags decided now that were not in `before` (an earlier state of this row).
    pub fn decided_since(&self, before: &Partial<'_>) -> Vec<usize> {
        let mut vars = Vec::new();
        for (word, ((on, off), (was_on, was_off))) in self
            .on
            .iter()
            .zip(&self.off)
            .zip(before.on.iter().zip(&before.off))
            .enumerate()
        {
            let mut new = (on | off) & !(was_on | was_off);
            while new != 0 {
                vars.push(word * 64 + new.trailing_zeros() as usize);
                new &= new - 1;
            }
        }
        vars
    }

    /// Adds `lit` and its consequences if it can be added; returns whether it was.
    pub fn assign(&mut self, lit: Lit) -> bool {
        if !self.allows(lit) {
            return false;
        }
        let (on, off) = self.closures.reach(lit);
        or_into(&mut self.on, on);
        or_into(&mut self.off, off);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_that_requires_rules_out() {
        // a requires b; c requires b off.
        let mut constraints = Constraints::new(3);
        constraints.imply(0, 1, true, "`a` requires `b`");
        constraints.imply(2, 1, false, "`c` requires `b` off");
        let closures = Closures::new(&constraints).unwrap();
        assert!(!closures.compatible(&[Lit::new(0, true), Lit::new(1, false)]));
        assert!(!closures.compatible(&[Lit::new(0, true), Lit::new(2, true)]));
        assert!(closures.compatible(&[Lit::new(0, false), Lit::new(2, true)]));
        assert_eq!(
            closures.explain(&[Lit::new(0, true), Lit::new(2, true)]),
            ["`a` requires `b`", "`c` requires `b` off"]
        );
        assert_eq!(
            closures.explain(&[Lit::new(0, true), Lit::new(1, false)]),
            ["`a` requires `b`"]
        );
    }

    #[test]
    fn a_state_no_row_can_have_fixes_the_flag() {
        let mut constraints = Constraints::new(3);
        constraints.imply(0, 1, true, "`a` requires `b`");
        constraints.force(Lit::new(1, false), "`b` is off");
        constraints.imply(2, 0, true, "`c` requires `a`");
        let closures = Closures::new(&constraints).unwrap();
        assert_eq!(closures.fixed(0), Some(false));
        assert_eq!(closures.fixed(2), Some(false));
        assert_eq!(
            closures.explain(&[Lit::new(2, true)]),
            ["`c` requires `a`", "`b` is off", "`a` requires `b`"]
        );
    }

    #[test]
    fn contradictory_forced_states_are_explained() {
        let mut constraints = Constraints::new(2);
        constraints.force(Lit::new(0, true), "`a` is on");
        constraints.force(Lit::new(1, true), "`b` is on");
        constraints.imply(0, 1, false, "`a` requires `b` off");
        let why = Closures::new(&constraints).unwrap_err();
        assert!(why.contains(&"`a` requires `b` off".to_owned()), "{why:?}");
    }
}
