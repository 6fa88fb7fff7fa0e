//! Random numbers for `random` stickiness (and for the fallbacks of `default` stickiness), without a
//! dependency and without allocating.
//!
//! Each thread keeps a xorshift64* generator in a thread-local `Cell`, seeded on first use from the clock,
//! the address of the thread's own state (distinct per live thread) and a process-wide counter. The draws
//! only need to be spread evenly across buckets; they are not for anything secret.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

static SEEDS_DRAWN: AtomicU64 = AtomicU64::new(0);

/// A uniformly distributed `u32`.
///
/// Kept out of line: rollouts by a context's value never draw, and should not carry this code inline.
#[inline(never)]
pub(crate) fn next_u32() -> u32 {
    STATE
        .try_with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = seed(state as *const Cell<u64> as u64);
            }
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            state.set(x);
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
        })
        // Only while the thread is being torn down: fall back to a fresh seed.
        .unwrap_or_else(|_| (seed(0) >> 32) as u32)
}

/// A non-zero seed from the clock, `salt` and a counter, mixed with splitmix64's finaliser.
fn seed(salt: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    let count = SEEDS_DRAWN.fetch_add(1, Ordering::Relaxed);
    let mut z = nanos ^ salt.rotate_left(32) ^ count.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    if z == 0 { 0x9e37_79b9_7f4a_7c15 } else { z }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_spread_over_buckets() {
        let mut buckets = [0u32; 10];
        for _ in 0..100_000 {
            buckets[(next_u32() % 10) as usize] += 1;
        }
        for count in buckets {
            assert!((9_000..11_000).contains(&count), "{buckets:?}");
        }
    }

    #[test]
    fn threads_draw_different_sequences() {
        let here: Vec<u32> = (0..4).map(|_| next_u32()).collect();
        let there = std::thread::spawn(|| (0..4).map(|_| next_u32()).collect::<Vec<u32>>())
            .join()
            .unwrap();
        assert_ne!(here, there);
    }
}
