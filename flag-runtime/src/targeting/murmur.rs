//! MurmurHash3 x86 32-bit, streamed over several byte slices, so that bucketing hashes `"{group}:{value}"`
//! without building the string.
//!
//! Unleash buckets users with this hash (seed 0 for rollouts, 86028157 for variants); hashing the same bytes
//! is what keeps a user in the same bucket here and there. Streaming matters twice: evaluation must not
//! allocate, so the group, the `:` and the context's value are hashed as separate slices; and the group and
//! the `:` are the same at every evaluation, so the engine hashes them once, keeps the [`Murmur3`] state, and
//! at each evaluation feeds it only the context's value. The result equals the hash of the concatenation.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// MurmurHash3 x86_32 of the concatenation of `parts`, with `seed`, without concatenating them.
#[inline]
pub fn murmur3_x86_32(parts: &[&[u8]], seed: u32) -> u32 {
    let mut hasher = Murmur3::new(seed);
    for part in parts {
        hasher.write(part);
    }
    hasher.finish()
}

/// A MurmurHash3 x86_32 computation in progress: `Copy`, so a state after a constant prefix can be kept and
/// continued many times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Murmur3 {
    hash: u32,
    /// The bytes of a block that a slice boundary split, little-endian.
    carry: u32,
    /// How many bytes `carry` holds, 0 to 3.
    carried: u32,
    /// The length so far, modulo 2^32 as the algorithm mixes it in.
    len: u32,
}

impl Murmur3 {
    pub(crate) const fn new(seed: u32) -> Murmur3 {
        Murmur3 {
            hash: seed,
            carry: 0,
            carried: 0,
            len: 0,
        }
    }

    /// Continues the hash with `bytes`.
    #[inline]
    pub(crate) fn write(&mut self, mut bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len() as u32);
        while self.carried != 0 {
            let Some((&byte, rest)) = bytes.split_first() else {
                return;
            };
            self.carry |= u32::from(byte) << (8 * self.carried);
            bytes = rest;
            self.carried += 1;
            if self.carried == 4 {
                self.hash = mix_block(self.hash, self.carry);
                self.carry = 0;
                self.carried = 0;
            }
        }
        let mut blocks = bytes.chunks_exact(4);
        for block in &mut blocks {
            self.hash = mix_block(
                self.hash,
                u32::from_le_bytes([block[0], block[1], block[2], block[3]]),
            );
        }
        for &byte in blocks.remainder() {
            self.carry |= u32::from(byte) << (8 * self.carried);
            self.carried += 1;
        }
    }

    /// The hash of everything written and then `bytes`: the same as `write(bytes)` then `finish()`, for the
    /// common case of a kept prefix state finished with one value, without [`Murmur3::write`]'s byte loops.
    ///
    /// A block that the prefix left incomplete is completed with one 4-byte load shifted into place (the
    /// bytes that do not fit are shifted out); the last one to three bytes are taken from one 4-byte load
    /// of the value's last four bytes, shifted down. So the only loop is the one over whole blocks, and no
    /// byte is read alone. Values under four bytes, rare as keys, take the general path out of line.
    #[inline]
    pub(crate) fn finish_with(&self, bytes: &[u8]) -> u32 {
        let Some(&last) = bytes.last_chunk::<4>() else {
            return self.finish_short(bytes);
        };
        let len = self.len.wrapping_add(bytes.len() as u32);
        let mut hash = self.hash;
        let mut rest = bytes;
        if self.carried != 0 {
            let (&first, _) = bytes.split_first_chunk::<4>().unwrap_or((&last, &[]));
            hash = mix_block(
                hash,
                self.carry | (u32::from_le_bytes(first) << (8 * self.carried)),
            );
            // `carried` is 1 to 3; the mask only shows the compiler that the index is in bounds.
            rest = &bytes[(4 - self.carried as usize) & 3..];
        }
        while let Some((block, after)) = rest.split_first_chunk::<4>() {
            hash = mix_block(hash, u32::from_le_bytes(*block));
            rest = after;
        }
        let tail = rest.len() as u32;
        if tail != 0 {
            // The tail is the high `tail` bytes of the value's last four, little-endian.
            hash ^= scramble(u32::from_le_bytes(last) >> (8 * (4 - tail)));
        }
        finalize(hash ^ len)
    }

    /// [`Murmur3::finish_with`] for a value under four bytes.
    #[cold]
    #[inline(never)]
    fn finish_short(&self, bytes: &[u8]) -> u32 {
        let mut hasher = *self;
        hasher.write(bytes);
        hasher.finish()
    }

    /// The hash of everything written.
    #[inline]
    pub(crate) fn finish(self) -> u32 {
        let mut hash = self.hash;
        if self.carried > 0 {
            hash ^= scramble(self.carry);
        }
        finalize(hash ^ self.len)
    }
}

#[inline]
fn scramble(block: u32) -> u32 {
    block.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

#[inline]
fn mix_block(hash: u32, block: u32) -> u32 {
    (hash ^ scramble(block))
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

#[inline]
fn finalize(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook one-shot form, written independently of the streaming one, to compare against.
    fn one_shot(bytes: &[u8], seed: u32) -> u32 {
        let mut hash = seed;
        let blocks = bytes.len() / 4;
        for index in 0..blocks {
            let block = &bytes[index * 4..index * 4 + 4];
            let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
            k = k.wrapping_mul(C1);
            k = k.rotate_left(15);
            k = k.wrapping_mul(C2);
            hash ^= k;
            hash = hash.rotate_left(13);
            hash = hash.wrapping_mul(5).wrapping_add(0xe654_6b64);
        }
        let tail = &bytes[blocks * 4..];
        let mut k = 0u32;
        if tail.len() >= 3 {
            k ^= u32::from(tail[2]) << 16;
        }
        if tail.len() >= 2 {
            k ^= u32::from(tail[1]) << 8;
        }
        if !tail.is_empty() {
            k ^= u32::from(tail[0]);
            k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
            hash ^= k;
        }
        hash ^= bytes.len() as u32;
        finalize(hash)
    }

    #[test]
    fn known_vectors() {
        let cases: [(&[u8], u32, u32); 10] = [
            (b"", 0, 0),
            (b"", 1, 0x514e_28b7),
            (b"", 0xffff_ffff, 0x81f1_6f39),
            (b"\0\0\0\0", 0, 0x2362_f9de),
            (b"hello", 0, 0x248b_fa47),
            (b"abc", 0, 0xb3dd_93fa),
            (b"aaaa", 0x9747_b28c, 0x5a97_808a),
            (b"Hello, world!", 0x9747_b28c, 0x2488_4cba),
            (
                b"The quick brown fox jumps over the lazy dog",
                0x9747_b28c,
                0x2fa8_26cd,
            ),
            (
                b"The quick brown fox jumps over the lazy dog",
                0,
                0x2e4f_f723,
            ),
        ];
        for (bytes, seed, expected) in cases {
            assert_eq!(
                murmur3_x86_32(&[bytes], seed),
                expected,
                "{:?} seed {seed:#x}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(one_shot(bytes, seed), expected);
        }
    }

    #[test]
    fn streaming_over_any_split_equals_one_shot() {
        // A small linear congruential generator: deterministic, no dependency.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % bound.max(1)
        };
        for _ in 0..2_000 {
            let len = next(40);
            let bytes: Vec<u8> = (0..len).map(|_| next(256) as u8).collect();
            let seed = next(1 << 30) as u32;
            let mut parts: Vec<&[u8]> = Vec::new();
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let cut = next(rest.len() + 1);
                let (part, after) = rest.split_at(cut);
                parts.push(part); // empty parts included on purpose
                rest = after;
            }
            assert_eq!(
                murmur3_x86_32(&parts, seed),
                one_shot(&bytes, seed),
                "{parts:?}"
            );
        }
    }

    #[test]
    fn a_kept_prefix_state_continues_like_the_whole() {
        for group in ["", "g", "gr", "grp", "grou", "checkout_v2"] {
            let mut prefix = Murmur3::new(86_028_157);
            prefix.write(group.as_bytes());
            prefix.write(b":");
            for value in ["", "1", "user-42", "a longer value of several blocks"] {
                let mut hasher = prefix;
                hasher.write(value.as_bytes());
                let whole = format!("{group}:{value}");
                assert_eq!(
                    hasher.finish(),
                    one_shot(whole.as_bytes(), 86_028_157),
                    "{whole}"
                );
            }
        }
    }

    #[test]
    fn finishing_with_a_value_equals_writing_it_then_finishing() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for prefix_len in 0..12 {
            let mut prefix = Murmur3::new(0x9747_b28c);
            prefix.write(&text[..prefix_len]);
            for value_len in 0..20 {
                let value = &text[prefix_len..prefix_len + value_len];
                let mut written = prefix;
                written.write(value);
                assert_eq!(
                    prefix.finish_with(value),
                    written.finish(),
                    "prefix {prefix_len}, value {value_len}"
                );
                assert_eq!(
                    prefix.finish_with(value),
                    one_shot(&text[..prefix_len + value_len], 0x9747_b28c)
                );
            }
        }
    }

    #[test]
    fn unleash_buckets() {
        // `normalizedValue("123", "gr1") == 73` and `normalizedValue("999", "groupX") == 25` in Unleash's SDKs.
        assert_eq!(murmur3_x86_32(&[b"gr1", b":", b"123"], 0) % 100 + 1, 73);
        assert_eq!(murmur3_x86_32(&[b"groupX", b":", b"999"], 0) % 100 + 1, 25);
    }
}
