//! Where a dynamic flag's state is cached for its checks: a slot in the runtime's fixed table, and a tag that
//! says which flag a slot's state belongs to.
//!
//! The macros turn a dynamic check into a read of `slot` in a table that `flag-runtime` owns, instead of a
//! `static` per call site: a `static` is an item of its own for the compiler to type-check and evaluate, and
//! a thousand of them cost more to build than the code they guard. The macros and the runtime must agree on
//! the table's size and on the tags, so both live here.
//!
//! A slot holds `tag` (off) or `tag | 1` (on), or 0 when the check must ask the registry. A check trusts the
//! slot only when the tag is its flag's own, so two flags that land on one slot (two manifests linked into one
//! program, say) cannot read each other's state: the registry notices the second and sends both to the slow
//! path. Within one manifest, [`assign_slots`] gives every dynamic flag a slot of its own.

/// How many slots the runtime's table has.
pub const SLOT_COUNT: usize = 4096;

/// FNV-1a, 32 bits: small, stable across builds and platforms, and good enough to spread names.
const fn fnv1a(bytes: &[u8], basis: u32) -> u32 {
    let mut hash = basis;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        index += 1;
    }
    hash
}

/// The tag of the flag `name`: even and never 0, so that `tag` and `tag | 1` encode off and on and 0 means
/// "ask the registry".
pub const fn slot_tag(name: &str) -> u32 {
    let hash = fnv1a(name.as_bytes(), 0x811c_9dc5) << 1;
    if hash == 0 { 2 } else { hash }
}

/// The slot a flag would take in an empty table. It uses a different basis from the tag, so that names that
/// share a slot are unlikely to share a tag too.
fn home_slot(name: &str) -> usize {
    fnv1a(name.as_bytes(), 0x050c_5d1f) as usize % SLOT_COUNT
}

/// A slot for each of `names` (one manifest's dynamic flags), distinct while there are at most
/// [`SLOT_COUNT`] names: each takes its home slot or the next free one. The same names in the same order
/// always get the same slots. Past [`SLOT_COUNT`] names, the rest share slots, which stays correct (the
/// registry sends flags that share a slot to the slow path) but makes their checks slower.
pub fn assign_slots<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    let mut taken = vec![false; SLOT_COUNT];
    let mut free = SLOT_COUNT;
    names
        .into_iter()
        .map(|name| {
            let mut slot = home_slot(name);
            if free == 0 {
                return slot;
            }
            while taken[slot] {
                slot = (slot + 1) % SLOT_COUNT;
            }
            taken[slot] = true;
            free -= 1;
            slot
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_even_nonzero_and_stable() {
        for name in ["", "a", "new_ui", "checkout_v2", "x".repeat(200).as_str()] {
            let tag = slot_tag(name);
            assert_eq!(tag % 2, 0);
            assert_ne!(tag, 0);
            assert_eq!(tag, slot_tag(name));
        }
        // Pinned: generated code of one build and the runtime of another must agree.
        assert_eq!(
            slot_tag("checkout_v2"),
            fnv1a(b"checkout_v2", 0x811c_9dc5) << 1
        );
        assert_eq!(fnv1a(b"a", 0x811c_9dc5), 0xe40c_292c);
    }

    #[test]
    fn one_manifest_gets_distinct_slots() {
        let names: Vec<String> = (0..3000).map(|i| format!("flag_{i}")).collect();
        let slots = assign_slots(names.iter().map(String::as_str));
        let mut seen = vec![false; SLOT_COUNT];
        for slot in &slots {
            assert!(*slot < SLOT_COUNT);
            assert!(!seen[*slot], "slot {slot} given twice");
            seen[*slot] = true;
        }
        assert_eq!(slots, assign_slots(names.iter().map(String::as_str)));
    }

    #[test]
    fn a_full_table_shares_slots_instead_of_failing() {
        let names: Vec<String> = (0..SLOT_COUNT + 10).map(|i| format!("f{i}")).collect();
        let slots = assign_slots(names.iter().map(String::as_str));
        assert_eq!(slots.len(), SLOT_COUNT + 10);
        assert!(slots.iter().all(|slot| *slot < SLOT_COUNT));
        let mut distinct = slots[..SLOT_COUNT].to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), SLOT_COUNT);
    }
}
