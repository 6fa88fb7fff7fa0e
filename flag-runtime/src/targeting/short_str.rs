//! Strings known when the rules are compiled (a property's name, an `in` constraint's values), prepared so
//! that comparing one with a context's value costs a length test and two integer compares.
//!
//! Property names and constraint values are nearly always short (`plan`, `country`, `NZ`, `pro`). Comparing
//! two `&str` the usual way calls `memcmp`/`bcmp`, a function call through the C library that costs more
//! than the rest of a constraint. Here each compiled string keeps its first and last four bytes (two, for
//! strings of two or three bytes) as integers: once the lengths are equal, two loads from the other side
//! and two compares decide for up to eight bytes, since the two windows cover every byte between them.
//! Longer strings are compared in full after the same two compares, which reject most mismatches.

/// A string compiled for fast equality tests against borrowed strings.
#[derive(Debug, Clone)]
pub(crate) struct ShortStr {
    len: usize,
    /// The first four bytes, little-endian; the first two for two or three bytes; the byte itself for one.
    head: u32,
    /// The last four bytes; the last two for two or three bytes; 0 for one or none.
    tail: u32,
    text: Box<str>,
}

impl ShortStr {
    pub(crate) fn new(text: &str) -> ShortStr {
        let bytes = text.as_bytes();
        let (head, tail) = match windows(bytes) {
            Windows::Words(head, tail) => (head, tail),
            Windows::Halves(head, tail) => (u32::from(head), u32::from(tail)),
            Windows::Byte(byte) => (u32::from(byte), 0),
        };
        ShortStr {
            len: bytes.len(),
            head,
            tail,
            text: text.into(),
        }
    }

    /// The string itself.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the string has at most eight bytes, so that [`ShortStr::matches_short`] applies.
    #[inline]
    pub(crate) fn is_short(&self) -> bool {
        // `scripts/trick-cost` measures the engine with every string compared in full.
        !cfg!(flag_runtime_without = "short_str") && self.len <= 8
    }

    /// Whether `other` is this string.
    #[inline]
    pub(crate) fn matches(&self, other: &str) -> bool {
        if self.is_short() {
            self.matches_short(other)
        } else {
            *self.text == *other
        }
    }

    /// [`ShortStr::matches`] for a short string (see [`ShortStr::is_short`]): a few loads and compares, no
    /// call, so that a loop of them needs no stack frame.
    #[inline]
    pub(crate) fn matches_short(&self, other: &str) -> bool {
        debug_assert!(self.is_short());
        let bytes = other.as_bytes();
        if bytes.len() != self.len {
            return false;
        }
        match windows(bytes) {
            Windows::Words(head, tail) => head == self.head && tail == self.tail,
            Windows::Halves(head, tail) => {
                u32::from(head) == self.head && u32::from(tail) == self.tail
            }
            Windows::Byte(byte) => u32::from(byte) == self.head,
        }
    }
}

/// The integers a string is compared by, each read with one load.
enum Windows {
    /// Four bytes or more: the first four and the last four.
    Words(u32, u32),
    /// Two or three bytes: the first two and the last two.
    Halves(u16, u16),
    /// One byte, or 0 for none.
    Byte(u8),
}

#[inline]
fn windows(bytes: &[u8]) -> Windows {
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        Windows::Words(u32::from_le_bytes(*head), u32::from_le_bytes(*tail))
    } else if let (Some(head), Some(tail)) = (bytes.first_chunk::<2>(), bytes.last_chunk::<2>()) {
        Windows::Halves(u16::from_le_bytes(*head), u16::from_le_bytes(*tail))
    } else {
        Windows::Byte(bytes.first().copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_is_string_equality() {
        let samples = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "pro",
            "team",
            "plan",
            "plam",
            "country",
            "countrx",
            "12345678",
            "12345679",
            "123456789",
            "123456780",
            "1234x6789",
            "é",
            "ü",
            "a\0",
            "\0a",
            "\0",
        ];
        for wanted in samples {
            let compiled = ShortStr::new(wanted);
            assert_eq!(compiled.as_str(), wanted);
            for other in samples {
                assert_eq!(
                    compiled.matches(other),
                    wanted == other,
                    "{wanted:?} vs {other:?}"
                );
            }
        }
    }

    #[test]
    fn exhaustive_over_two_letters_and_lengths_up_to_nine() {
        // Every string over {a, b} up to nine bytes against every other: 1,023 strings, about a million
        // pairs, covering each length on both sides of the window limits (a nine-byte string has a byte
        // that neither window holds).
        let mut strings = vec![String::new()];
        let mut layer = vec![String::new()];
        for _ in 0..9 {
            layer = layer
                .iter()
                .flat_map(|prefix| [format!("{prefix}a"), format!("{prefix}b")])
                .collect();
            strings.extend(layer.iter().cloned());
        }
        for wanted in &strings {
            let compiled = ShortStr::new(wanted);
            for other in &strings {
                assert_eq!(compiled.matches(other), wanted == other);
            }
        }
    }
}
