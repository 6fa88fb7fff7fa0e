//! "Did you mean ...?": the closest declared name to a misspelled one.

/// The candidate closest to `name` by edit distance (insertions, deletions, substitutions and swaps of two
/// neighbours), if one is close enough to be a plausible typo: at most a third of the name's length, and at
/// least 1, apart.
///
/// ```
/// let declared = ["new_ui", "new_api", "legacy_export"];
/// assert_eq!(flag_manifest::closest("nwe_ui", declared), Some("new_ui"));
/// assert_eq!(flag_manifest::closest("checkout", declared), None);
/// ```
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, candidate)| (distance, candidate))
        .map(|(_, candidate)| candidate)
}

/// `"; did you mean `x`?"` when a close candidate exists, else an empty string: for appending to a message.
///
/// ```
/// assert_eq!(flag_manifest::did_you_mean("bta", ["beta"]), "; did you mean `beta`?");
/// assert_eq!(flag_manifest::did_you_mean("zzz", ["beta"]), "");
/// ```
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(name, candidates) {
        Some(candidate) => format!("; did you mean `{candidate}`?"),
        None => String::new(),
    }
}

/// Optimal-string-alignment distance: Levenshtein plus the swap of two adjacent characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: two rows back (for swaps), the previous row and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("new_ui", "new_ui"), 0);
        assert_eq!(edit_distance("nwe_ui", "new_ui"), 1);
        assert_eq!(edit_distance("new_u", "new_ui"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn picks_the_closest_and_breaks_ties_by_name() {
        assert_eq!(closest("new_apj", ["new_ui", "new_api"]), Some("new_api"));
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
        assert_eq!(closest("x", std::iter::empty()), None);
    }
}
